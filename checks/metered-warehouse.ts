/**
 * Monitoring cost per domain: the statements meshwatch sends for each
 * domain's products and the seconds the warehouse took for them, so that a
 * domain sees the price of watching its products beside the harm they cause.
 *
 * Every statement is counted where the adapter sends it (`onStatement` of
 * QueryOptions), with the products of the call that sent it:
 * - a per-product statement (follow-up queries, owner SQL and its EXPLAINs)
 *   is that product's;
 * - a batched aggregate scan (`products` of the options) is split equally
 *   among the products it covers: n products share one statement and its
 *   seconds, 1/n each;
 * - the metadata pass (`describeTables`, one or two statements per
 *   database) is split equally among the products of the call.
 * Equal shares are an approximation (a wide table costs more than a narrow
 * one); Snowflake's QUERY_HISTORY, filtered by the query tag's `domain` and
 * `products`, gives the billed figure when it matters. Seconds are the
 * elapsed time of each statement as meshwatch saw it (queueing in the
 * warehouse included, waiting for a pooled connection not).
 */
import type { Product } from '../config/types.js';
import type { QueryOptions, ResolvedTable, Warehouse } from './warehouse.js';

export interface DomainCost {
  statements: number;
  ms: number;
}

/** Statements not tied to a product (none today): kept under this name so totals add up. */
export const UNATTRIBUTED = '(meshwatch)';

/** One statement as sent: the products it served, its `check` tag (a check id, `scan`, `metadata`) and its elapsed time. */
export interface StatementRecord {
  readonly products: readonly string[];
  readonly check: string | undefined;
  readonly ms: number;
}

export class CostLedger {
  private readonly domains = new Map<string, DomainCost>();
  private readonly sent: StatementRecord[] = [];

  constructor(private readonly domainOf: (product: string) => string | undefined) {}

  /** Every statement of the cycle, for shares other than per domain (seconds per check kind). */
  statements(): readonly StatementRecord[] {
    return this.sent;
  }

  add(products: readonly string[], elapsedMs: number, check?: string): void {
    this.sent.push({ products: [...products], check, ms: elapsedMs });
    const owners = products.length > 0 ? products.map((p) => this.domainOf(p) ?? UNATTRIBUTED) : [UNATTRIBUTED];
    const share = 1 / owners.length;
    for (const domain of owners) {
      let cost = this.domains.get(domain);
      if (!cost) this.domains.set(domain, (cost = { statements: 0, ms: 0 }));
      cost.statements += share;
      cost.ms += elapsedMs * share;
    }
  }

  /** Per domain: statements (fractions where shared) and milliseconds. */
  byDomain(): Record<string, DomainCost> {
    return Object.fromEntries([...this.domains.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([d, c]) => [d, { ...c }]));
  }
}

function productsOf(options: QueryOptions | undefined): string[] {
  if (options?.products && options.products.length > 0) return [...options.products];
  return options?.product !== undefined ? [options.product] : [];
}

/** The warehouse with every statement counted into `ledger`; `products` map tables to products for the metadata pass. */
export function meteredWarehouse(inner: Warehouse, ledger: CostLedger, products: readonly Product[]): Warehouse {
  const byTable = new Map<string, string[]>();
  for (const product of products) {
    let key: string;
    try {
      key = inner.dialect.tableKey(inner.resolve(product.table));
    } catch {
      continue;
    }
    const list = byTable.get(key);
    if (list) list.push(product.id);
    else byTable.set(key, [product.id]);
  }
  const metered = (options: QueryOptions | undefined, attributed: readonly string[]): QueryOptions => {
    const outer = options?.onStatement;
    return {
      ...options,
      onStatement: (ms) => {
        ledger.add(attributed, ms, options?.check);
        outer?.(ms);
      },
    };
  };
  return {
    engine: inner.engine,
    dialect: inner.dialect,
    capabilities: inner.capabilities,
    resolve: (ref) => inner.resolve(ref),
    describeTables: (tables: readonly ResolvedTable[], options?: QueryOptions) =>
      inner.describeTables(tables, metered(options, tables.flatMap((t) => byTable.get(inner.dialect.tableKey(t)) ?? []))),
    query: (sql, options) => inner.query(sql, metered(options, productsOf(options))),
    queryOwnerSql: (sql, scope, options) => inner.queryOwnerSql(sql, scope, metered(options, productsOf(options))),
    stats: () => inner.stats(),
    close: () => inner.close(),
  };
}
