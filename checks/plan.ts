/**
 * Which checks a product has, derived from its config alone. Used to run them
 * and to report every one of them as `error` when the warehouse is down.
 */
import type { Product } from '../config/types.js';
import type { CheckKind } from './result.js';

export interface PlannedCheck {
  readonly check: string;
  readonly kind: CheckKind;
  readonly columns: readonly string[];
}

export function planChecks(product: Product): PlannedCheck[] {
  const checks: PlannedCheck[] = [];
  if (product.freshness) checks.push({ check: 'freshness', kind: 'freshness', columns: [] });
  if (product.schema) checks.push({ check: 'schema', kind: 'schema', columns: [] });
  const contract = product.contract;
  if (contract) {
    if (contract.rowCount) checks.push({ check: 'contract.rowCount', kind: 'contract', columns: [] });
    for (const column of contract.notNull) checks.push({ check: `contract.notNull.${column}`, kind: 'contract', columns: [column] });
    for (const column of contract.unique) checks.push({ check: `contract.unique.${column}`, kind: 'contract', columns: [column] });
    for (const column of Object.keys(contract.acceptedValues)) {
      checks.push({ check: `contract.acceptedValues.${column}`, kind: 'contract', columns: [column] });
    }
    for (const rule of contract.sql) checks.push({ check: `contract.sql.${rule.name}`, kind: 'contract', columns: [] });
  }
  return checks;
}
