/**
 * Which checks a product has, derived from its config alone. Used to run them
 * and to report every one of them as `error` when the warehouse is down.
 */
import type { Product } from '../config/types.js';
import { CHECK_KINDS } from './kinds/registry.js';
import type { CheckKind } from './result.js';

export interface PlannedCheck {
  readonly check: string;
  readonly kind: CheckKind;
  readonly columns: readonly string[];
}

/** In the order of the original config-driven plan: freshness, schema, then the contract rules. */
export function planChecks(product: Product): PlannedCheck[] {
  const planned = CHECK_KINDS.flatMap((kind) => kind.planned(product));
  // Freshness first, as reports have always listed it.
  return [...planned.filter((p) => p.kind === 'freshness'), ...planned.filter((p) => p.kind !== 'freshness')];
}
