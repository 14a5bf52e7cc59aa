/**
 * Groups failing results into incidents: one per failing product. The root
 * cause is found by walking lineage upstream, nearest first: the nearest
 * upstream product that also fails, and whose breakage reaches this product
 * (column-aware: a failure in columns this product does not read is not its
 * cause), is the cause; its own root cause is followed, so a chain A → B → C
 * of failures names A for both B and C. A product with no such upstream is its
 * own root cause.
 *
 * Only `fail` opens an incident: `warn` is a heads-up and `error` means the
 * monitor could not look, which is never reported as breakage.
 */
import type { Catalog } from '../catalog/catalog.js';
import { impactOf, type Impact } from '../catalog/impact.js';
import type { CheckResult } from './result.js';

export interface Incident {
  readonly product: string;
  readonly checks: readonly string[];
  readonly rootCause: string;
  /** Broken columns; absent when the whole product is broken. */
  readonly brokenColumns?: readonly string[] | undefined;
  readonly impact: Impact;
}

/** Columns broken by these failures, or undefined when any failure breaks the whole product. */
export function brokenColumnsOf(failures: readonly CheckResult[]): string[] | undefined {
  const columns = new Set<string>();
  for (const failure of failures) {
    if (failure.columns.length === 0) return undefined;
    for (const column of failure.columns) columns.add(column);
  }
  return [...columns];
}

export function buildIncidents(catalog: Catalog, results: readonly CheckResult[]): Incident[] {
  const failuresByProduct = new Map<string, CheckResult[]>();
  for (const result of results) {
    if (result.status !== 'fail') continue;
    let list = failuresByProduct.get(result.product);
    if (!list) failuresByProduct.set(result.product, (list = []));
    list.push(result);
  }

  const impacts = new Map<string, { brokenColumns: string[] | undefined; impact: Impact; reaches: Set<string> }>();
  for (const [product, failures] of failuresByProduct) {
    const brokenColumns = brokenColumnsOf(failures);
    const impact = impactOf(catalog, product, brokenColumns);
    impacts.set(product, { brokenColumns, impact, reaches: new Set(impact.products.map((p) => p.id)) });
  }

  const nearestFailingUpstream = (productId: string): string | undefined => {
    const seen = new Set([productId]);
    let frontier = [...catalog.upstreamOf(productId)].sort();
    while (frontier.length > 0) {
      const next: string[] = [];
      for (const id of frontier) {
        if (seen.has(id)) continue;
        seen.add(id);
        if (impacts.get(id)?.reaches.has(productId)) return id;
        next.push(...catalog.upstreamOf(id));
      }
      frontier = next.sort();
    }
    return undefined;
  };

  const roots = new Map<string, string>();
  const rootOf = (productId: string): string => {
    const known = roots.get(productId);
    if (known) return known;
    // Lineage is acyclic (config rejects cycles), so this recursion ends.
    const upstream = nearestFailingUpstream(productId);
    const root = upstream === undefined ? productId : rootOf(upstream);
    roots.set(productId, root);
    return root;
  };

  return [...failuresByProduct.entries()].map(([product, failures]) => {
    const { brokenColumns, impact } = impacts.get(product)!;
    return {
      product,
      checks: failures.map((f) => f.check),
      rootCause: rootOf(product),
      ...(brokenColumns ? { brokenColumns } : {}),
      impact,
    };
  });
}
