/**
 * Groups failing results into incidents (one per failing product) and the
 * incidents into root-cause groups, so that a storm (a hub goes stale and
 * thousands of products downstream go stale with it) reads as a few root
 * incidents, not thousands.
 *
 * Root cause. A failing product is *caused* when the breakage of a failing
 * product upstream reaches it: through a lineage edge that reads a broken
 * column (or reads every column, or the upstream is wholly broken) at the
 * first hop, and through any edge after that — the same rule as impact
 * (catalog/impact.ts). Its cause is the nearest such upstream (fewest hops;
 * ties to the smaller id), and its root cause is its cause's root cause, so a
 * chain A → B → C of failures names A for both B and C. A product with no
 * such upstream is its own root cause, a *root incident*. A failure in columns
 * a product does not read is not its cause.
 *
 * Impact. A root incident carries its full impact, computed once. A caused
 * incident carries only the entries its group does not list already
 * (`impactScope: beyondRoot`), so no consumer is listed twice for one root
 * cause; with column-blind lineage below the first hop that is almost always
 * nothing, because everything below a caused product is already below its root.
 *
 * Cost: one topological pass over the failing products and what lies
 * downstream of them, plus one impact walk per root; never failing products ×
 * mesh size.
 *
 * Only `fail` opens an incident: `warn` is a heads-up and `error` means the
 * monitor could not look, which is never reported as breakage.
 */
import type { Catalog } from '../catalog/catalog.js';
import { impactOf, type Impact } from '../catalog/impact.js';
import type { CheckResult } from './result.js';

/** `full`: the incident's whole blast radius. `beyondRoot`: only what its root incident's group does not already list. */
export type ImpactScope = 'full' | 'beyondRoot';

export interface Incident {
  readonly product: string;
  readonly checks: readonly string[];
  readonly rootCause: string;
  /** Broken columns; absent when the whole product is broken. */
  readonly brokenColumns?: readonly string[] | undefined;
  /** Says what `impact` holds, so that an empty caused impact is never read as "nobody hurt". */
  readonly impactScope: ImpactScope;
  readonly impact: Impact;
}

export interface IncidentGroupCounts {
  readonly consumers: number;
  readonly products: number;
  readonly domains: number;
  readonly businessUnits: number;
}

/** One root incident and the incidents it causes. */
export interface IncidentGroup {
  /** The root product's id. */
  readonly rootCause: string;
  /** Failing products of the group: the root first, then the caused ones nearest first. */
  readonly products: readonly string[];
  /** Distinct affected entries over the whole group. */
  readonly counts: IncidentGroupCounts;
}

export interface IncidentAnalysis {
  /** In the order of the results that opened them. */
  readonly incidents: readonly Incident[];
  /** Largest blast radius first. */
  readonly groups: readonly IncidentGroup[];
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

/** The nearest failing upstream whose breakage reaches a product, and how many hops away it is. */
interface Cause {
  readonly product: string;
  readonly hops: number;
}

const nearer = (a: Cause | undefined, b: Cause): boolean => a === undefined || b.hops < a.hops || (b.hops === a.hops && b.product < a.product);

/**
 * For every product downstream of a failure, the nearest failing upstream
 * whose breakage reaches it. One pass in topological order over the failing
 * products and their downstream closure.
 */
function nearestCauses(catalog: Catalog, broken: ReadonlyMap<string, ReadonlySet<string> | undefined>): { causes: Map<string, Cause>; order: string[] } {
  // The downstream closure of the failing products, and in-degrees within it.
  const inDegree = new Map<string, number>();
  const stack = [...broken.keys()];
  for (const id of stack) inDegree.set(id, 0);
  while (stack.length > 0) {
    const id = stack.pop()!;
    for (const edge of catalog.downstreamOf(id)) {
      const seen = inDegree.get(edge.product);
      inDegree.set(edge.product, (seen ?? 0) + 1);
      if (seen === undefined) stack.push(edge.product);
    }
  }

  // Kahn's algorithm: a product is settled once every upstream in the closure is.
  const causes = new Map<string, Cause>();
  const order: string[] = [];
  const ready = [...inDegree.entries()].filter(([, n]) => n === 0).map(([id]) => id);
  while (ready.length > 0) {
    const id = ready.pop()!;
    order.push(id);
    const own = causes.get(id);
    const failing = broken.has(id);
    const brokenKeys = broken.get(id);
    for (const edge of catalog.downstreamOf(id)) {
      let candidate: Cause | undefined;
      // A failing product reaches its reader when the reader reads a broken column
      // (or all of them), or when the product is wholly broken.
      const reaches = failing && (brokenKeys === undefined || edge.columns === undefined || [...edge.columns.keys()].some((k) => brokenKeys.has(k)));
      if (reaches) candidate = { product: id, hops: 1 };
      // Past the first hop everything counts as wholly broken, whatever it reads.
      else if (own) candidate = { product: own.product, hops: own.hops + 1 };
      if (candidate && nearer(causes.get(edge.product), candidate)) causes.set(edge.product, candidate);
      const left = inDegree.get(edge.product)! - 1;
      inDegree.set(edge.product, left);
      if (left === 0) ready.push(edge.product);
    }
  }
  return { causes, order };
}

export function analyzeIncidents(catalog: Catalog, results: readonly CheckResult[]): IncidentAnalysis {
  const failuresByProduct = new Map<string, CheckResult[]>();
  for (const result of results) {
    if (result.status !== 'fail') continue;
    let list = failuresByProduct.get(result.product);
    if (!list) failuresByProduct.set(result.product, (list = []));
    list.push(result);
  }

  const brokenColumns = new Map<string, string[] | undefined>();
  const brokenKeys = new Map<string, ReadonlySet<string> | undefined>();
  for (const [product, failures] of failuresByProduct) {
    const columns = brokenColumnsOf(failures);
    brokenColumns.set(product, columns);
    brokenKeys.set(product, columns && columns.length > 0 ? new Set(columns.map((c) => catalog.columnKey(c))) : undefined);
  }

  const { causes, order } = nearestCauses(catalog, brokenKeys);
  // Topological order settles a cause before what it causes.
  const failingInOrder = order.filter((id) => failuresByProduct.has(id));
  const rootOf = new Map<string, string>();
  /** Hops from the root along the causes: nearest first within a group. */
  const depth = new Map<string, number>();
  const members = new Map<string, string[]>();
  for (const id of failingInOrder) {
    const cause = causes.get(id);
    const root = cause === undefined ? id : rootOf.get(cause.product)!;
    rootOf.set(id, root);
    depth.set(id, cause === undefined ? 0 : depth.get(cause.product)! + cause.hops);
    let list = members.get(root);
    if (!list) members.set(root, (list = []));
    list.push(id);
  }

  const impacts = new Map<string, Impact>();
  const groups: IncidentGroup[] = [];
  for (const [root, ids] of members) {
    ids.sort((a, b) => depth.get(a)! - depth.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
    const coveredProducts = new Set<string>();
    const coveredConsumers = new Set<string>();
    const domains = new Set<string>();
    const units = new Set<string>();
    const covered = { products: coveredProducts, consumers: coveredConsumers };
    for (const id of ids) {
      // The root first, whole; then each caused product adds only what is not listed yet.
      const impact = impactOf(catalog, id, brokenColumns.get(id), id === root ? undefined : covered);
      impacts.set(id, impact);
      for (const p of impact.products) coveredProducts.add(p.id);
      for (const c of impact.consumers) coveredConsumers.add(c.id);
      for (const d of impact.domains) domains.add(d);
      for (const u of impact.businessUnits) units.add(u);
    }
    groups.push({
      rootCause: root,
      products: ids,
      counts: { consumers: coveredConsumers.size, products: coveredProducts.size, domains: domains.size, businessUnits: units.size },
    });
  }
  groups.sort((a, b) => b.counts.consumers - a.counts.consumers || b.counts.products - a.counts.products || (a.rootCause < b.rootCause ? -1 : 1));

  const incidents = [...failuresByProduct.entries()].map(([product, failures]): Incident => {
    const rootCause = rootOf.get(product)!;
    const columns = brokenColumns.get(product);
    return {
      product,
      checks: failures.map((f) => f.check),
      rootCause,
      ...(columns ? { brokenColumns: columns } : {}),
      impactScope: rootCause === product ? 'full' : 'beyondRoot',
      impact: impacts.get(product)!,
    };
  });
  return { incidents, groups };
}

/** The incidents alone (see `analyzeIncidents`). */
export function buildIncidents(catalog: Catalog, results: readonly CheckResult[]): Incident[] {
  return [...analyzeIncidents(catalog, results).incidents];
}
