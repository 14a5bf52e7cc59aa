/**
 * Impact: who is hurt, downstream, when a product breaks (perhaps only some
 * of its columns).
 *
 * Rules:
 * - `brokenColumns` undefined means the whole product is broken (freshness,
 *   row count, missing table): every direct consumer and downstream product is
 *   affected.
 * - A consumer or downstream product that declares the columns it reads is
 *   affected only when one of them is broken. One that declares none reads
 *   every column and is always affected.
 * - Lineage does not say which output columns derive from which input
 *   columns, so an affected downstream product counts as wholly broken for
 *   everything further down. This over-reports rather than misses.
 *
 * Breadth-first from the broken product: each product and consumer is
 * reported once (diamonds), with the shortest path (`via`) that reaches it.
 * Cost is proportional to the affected subgraph, never to the whole mesh.
 */
import { nearest } from '../core/suggest.js';
import type { Catalog, ColumnSet } from './catalog.js';

export interface ImpactedProduct {
  readonly id: string;
  readonly domain: string;
  readonly businessUnit?: string | undefined;
  /** Products from the broken one to this one, both included. */
  readonly via: readonly string[];
  /** The broken input columns it reads, when it declares column lineage. */
  readonly columns?: readonly string[] | undefined;
}

export interface ImpactedConsumer {
  readonly id: string;
  readonly domain: string;
  readonly businessUnit?: string | undefined;
  readonly channel?: string | undefined;
  /** Products from the broken one to the one this consumer uses, both included. */
  readonly via: readonly string[];
  /** The broken columns it reads; absent when it reads the whole product or the product is wholly broken. */
  readonly columns?: readonly string[] | undefined;
}

export interface Impact {
  readonly product: string;
  /** Broken columns; absent when the whole product is broken. */
  readonly brokenColumns?: readonly string[] | undefined;
  /** Domains of affected products and consumers, sorted. */
  readonly domains: readonly string[];
  readonly businessUnits: readonly string[];
  readonly products: readonly ImpactedProduct[];
  readonly consumers: readonly ImpactedConsumer[];
}

/**
 * Which of the columns read are broken, as the reader declared them:
 * undefined when the product is wholly broken or the reader reads every
 * column, false when none of its columns is broken.
 */
function brokenRead(reads: ColumnSet, broken: ReadonlySet<string> | undefined): string[] | undefined | false {
  if (broken === undefined || reads === undefined) return undefined;
  const hit: string[] = [];
  for (const [key, name] of reads) if (broken.has(key)) hit.push(name);
  return hit.length > 0 ? hit : false;
}

/**
 * Entries some other impact already lists, to be left out (see `impactOf`).
 * Precondition: `products` is closed downstream — every product and consumer
 * downstream of a covered product is itself covered. That holds for any union
 * of impacts, because everything an impact reaches past its first hop counts
 * as wholly broken; it lets the walk stop at a covered product instead of
 * walking (and dropping) everything below it.
 */
export interface CoveredEntries {
  readonly products: ReadonlySet<string>;
  readonly consumers: ReadonlySet<string>;
}

/**
 * With `covered`, only the entries not already covered are returned, and the
 * cost is that of the uncovered part: a product caused by an upstream root
 * whose impact already lists everything below it costs one look at its direct
 * edges.
 */
export function impactOf(catalog: Catalog, productId: string, brokenColumns?: readonly string[], covered?: CoveredEntries): Impact {
  catalog.product(productId); // throws UnknownProductError with suggestions
  const rootBroken = brokenColumns && brokenColumns.length > 0 ? new Set(brokenColumns.map((c) => catalog.columnKey(c))) : undefined;

  const parent = new Map<string, string | null>([[productId, null]]);
  const pathTo = (id: string): string[] => {
    const path: string[] = [];
    for (let at: string | null | undefined = id; at != null; at = parent.get(at)) path.push(at);
    return path.reverse();
  };

  const products: ImpactedProduct[] = [];
  const consumers: ImpactedConsumer[] = [];
  const seenConsumers = new Set<string>();
  const domains = new Set<string>();
  const units = new Set<string>();
  const note = (domain: string): string | undefined => {
    domains.add(domain);
    const unit = catalog.domain(domain)?.businessUnit;
    if (unit) units.add(unit);
    return unit;
  };

  // Only the root can be partly broken; everything reached from it is wholly broken.
  let frontier: string[] = [productId];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const current of frontier) {
      const broken = current === productId ? rootBroken : undefined;
      for (const link of catalog.consumersOf(current)) {
        if (seenConsumers.has(link.consumer.id) || covered?.consumers.has(link.consumer.id)) continue;
        const hit = brokenRead(link.columns, broken);
        if (hit === false) continue;
        seenConsumers.add(link.consumer.id);
        consumers.push({
          id: link.consumer.id,
          domain: link.consumer.domain,
          businessUnit: note(link.consumer.domain),
          channel: catalog.channelOf(link.consumer),
          via: pathTo(current),
          ...(hit ? { columns: hit } : {}),
        });
      }
      for (const edge of catalog.downstreamOf(current)) {
        if (parent.has(edge.product) || covered?.products.has(edge.product)) continue;
        const hit = brokenRead(edge.columns, broken);
        if (hit === false) continue;
        parent.set(edge.product, current);
        const domain = catalog.product(edge.product).domain;
        products.push({ id: edge.product, domain, businessUnit: note(domain), via: pathTo(edge.product), ...(hit ? { columns: hit } : {}) });
        next.push(edge.product);
      }
    }
    frontier = next;
  }

  return {
    product: productId,
    ...(rootBroken ? { brokenColumns: [...(brokenColumns ?? [])] } : {}),
    domains: [...domains].sort(),
    businessUnits: [...units].sort(),
    products,
    consumers,
  };
}

export interface ImpactGroup {
  readonly businessUnit: string;
  readonly domains: ReadonlyArray<{
    readonly domain: string;
    readonly products: readonly ImpactedProduct[];
    readonly consumers: readonly ImpactedConsumer[];
  }>;
}

export const NO_BUSINESS_UNIT = '(no business unit)';

/** Names as people sort them: `bu2` before `bu10`. */
const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/** Groups an impact by business unit, then domain, both sorted by name; for people-facing output. */
export function groupImpact(impact: Impact): ImpactGroup[] {
  const units = new Map<string, Map<string, { products: ImpactedProduct[]; consumers: ImpactedConsumer[] }>>();
  const bucket = (unit: string | undefined, domain: string) => {
    const key = unit ?? NO_BUSINESS_UNIT;
    let byDomain = units.get(key);
    if (!byDomain) units.set(key, (byDomain = new Map()));
    let entry = byDomain.get(domain);
    if (!entry) byDomain.set(domain, (entry = { products: [], consumers: [] }));
    return entry;
  };
  for (const p of impact.products) bucket(p.businessUnit, p.domain).products.push(p);
  for (const c of impact.consumers) bucket(c.businessUnit, c.domain).consumers.push(c);
  return [...units.entries()]
    .sort(([a], [b]) => byName(a, b))
    .map(([businessUnit, byDomain]) => ({
      businessUnit,
      domains: [...byDomain.entries()].sort(([a], [b]) => byName(a, b)).map(([domain, v]) => ({ domain, ...v })),
    }));
}

export interface UnknownColumn {
  readonly column: string;
  /** Declared columns closest to it, best first. */
  readonly suggestions: readonly string[];
}

/**
 * Columns a question names that the product does not declare. Without this,
 * a typo in `--columns` would answer "nobody is affected", the one answer a
 * monitoring tool must never give by mistake. Undefined when the product
 * declares no schema: then there is nothing to check against.
 */
export function unknownColumns(catalog: Catalog, productId: string, columns: readonly string[]): UnknownColumn[] | undefined {
  const declared = catalog.product(productId).schema?.columns.map((c) => c.name);
  if (!declared) return undefined;
  const keys = new Set(declared.map((name) => catalog.columnKey(name)));
  return columns.filter((c) => !keys.has(catalog.columnKey(c))).map((column) => ({ column, suggestions: nearest(column, declared) }));
}
