/**
 * The checks of one product, in three steps: `planProduct` asks every check
 * kind (kinds/registry.ts) for its results known before reading data and for
 * its aggregate expressions; the scan computes all of them for the product in
 * one statement (batched with other products' scans by `scan-batch.ts`);
 * `evaluateProduct` lets each kind read its values and run its follow-up
 * statements (example values of failing rules, owner SQL).
 */
import { formatTableRef } from '../config/identifier.js';
import type { Product } from '../config/types.js';
import { ColumnLookup } from './column-lookup.js';
import { DEFAULT_SETTINGS, type CheckSettings, type FollowUp, type KindContext, type KindPlan, type ScanValues } from './kinds/kind.js';
import { CHECK_KINDS } from './kinds/registry.js';
import { planChecks } from './plan.js';
import type { CheckResult } from './result.js';
import { runScans, type ScanColumn, type ScanOutcome, type ScanRequest } from './scan-batch.js';
import {
  WarehouseError,
  isWarehouseDownCode,
  problemOf,
  type QueryOptions,
  type ResolvedTable,
  type Row,
  type TableMetadata,
  type Warehouse,
  type WarehouseProblem,
} from './warehouse.js';

export interface ProductCheckContext {
  readonly warehouse: Warehouse;
  readonly now: Date;
  readonly timeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly settings?: CheckSettings | undefined;
}

/** What checking a product gave: its results, and the warehouse problem met, if any. */
export interface ProductOutcome {
  readonly results: CheckResult[];
  /** Set when the warehouse itself failed one of meshwatch's statements (down, unreachable, auth). */
  readonly warehouseProblem?: WarehouseProblem | undefined;
}

/** Every planned check of the product as `error`, e.g. when the warehouse could not be asked. */
export function errorResults(product: Product, problem: WarehouseProblem, at: string): CheckResult[] {
  return planChecks(product).map((planned) => ({
    product: product.id,
    check: planned.check,
    kind: planned.kind,
    status: 'error',
    message: `could not evaluate: ${problem.message}`,
    columns: planned.columns,
    errorCode: problem.code,
    at,
  }));
}

/** A missing table breaks every check of the product, and the whole product. */
export function missingTableResults(product: Product, at: string): CheckResult[] {
  const name = formatTableRef(product.table);
  return planChecks(product).map((planned) => ({
    product: product.id,
    check: planned.check,
    kind: planned.kind,
    status: 'fail',
    message: `table ${name} does not exist (or the monitoring role cannot see it)`,
    columns: [],
    at,
  }));
}

export interface ProductPlan {
  readonly product: Product;
  readonly ctx: KindContext;
  readonly plans: ReadonlyArray<KindPlan | undefined>;
  /** The product's scan: every kind's expressions, identical ones merged. */
  readonly scan: ScanRequest;
  /** For each kind, its expression keys → scan aliases. */
  readonly aliases: ReadonlyArray<ReadonlyMap<string, string>>;
}

export function planProduct(product: Product, table: ResolvedTable, metadata: TableMetadata, warehouse: Warehouse, now: Date, settings: CheckSettings = DEFAULT_SETTINGS): ProductPlan {
  const lookup = new ColumnLookup(metadata, warehouse.engine);
  const quotedTable = warehouse.dialect.quoteTable(table);
  const ctx: KindContext = {
    product,
    table,
    quotedTable,
    tableName: formatTableRef(product.table),
    metadata,
    lookup,
    dialect: warehouse.dialect,
    engine: warehouse.engine,
    capabilities: warehouse.capabilities,
    settings,
    now,
    at: now.toISOString(),
    column: (name) => warehouse.dialect.quoteIdentifier({ name: lookup.find(name)?.name ?? name, quoted: true }),
    resolve: (ref) => warehouse.resolve(ref),
  };
  const plans = CHECK_KINDS.map((kind) => kind.plan(ctx));
  const columns: ScanColumn[] = [];
  const bySql = new Map<string, string>();
  const aliases = plans.map((plan) => {
    const map = new Map<string, string>();
    for (const e of plan?.expressions ?? []) {
      const id = `${e.shape}\u0000${e.sql}`;
      let alias = bySql.get(id);
      if (alias === undefined) {
        alias = `a${columns.length}`;
        bySql.set(id, alias);
        columns.push({ alias, sql: e.sql, shape: e.shape });
      }
      map.set(e.key, alias);
    }
    return map;
  });
  return { product, ctx, plans, aliases, scan: { product: product.id, domain: product.domain, group: product.domain, table: quotedTable, columns } };
}

function queryOptions(product: Product, check: string, ctx: ProductCheckContext): QueryOptions {
  return { product: product.id, domain: product.domain, check, timeoutMs: ctx.timeoutMs, signal: ctx.signal };
}

/** Each kind reads its scanned values and runs its follow-ups; results known before the scan come first. */
export async function evaluateProduct(plan: ProductPlan, scan: ScanOutcome, ctx: ProductCheckContext, knownProblem?: WarehouseProblem): Promise<ProductOutcome> {
  let problem: WarehouseProblem | undefined;
  const { warehouse } = ctx;
  const refuse = () => {
    const known = problem ?? knownProblem;
    return known ? new WarehouseError(known.code as WarehouseError['code'], known.message) : undefined;
  };
  const followUp: FollowUp = {
    query: async (sql: string, check: string): Promise<Row[]> => {
      const down = refuse();
      if (down) throw down;
      try {
        return await warehouse.query(sql, queryOptions(plan.product, check, ctx));
      } catch (err) {
        if (err instanceof WarehouseError && isWarehouseDownCode(err.code)) problem ??= problemOf(err);
        throw err;
      }
    },
    ownerQuery: async (sql: string, check: string): Promise<Row | undefined> => {
      const down = refuse();
      if (down) throw down;
      return (await warehouse.query(sql, queryOptions(plan.product, check, ctx)))[0];
    },
  };
  const results: CheckResult[] = plan.plans.flatMap((p) => p?.results ?? []);
  for (const [i, kindPlan] of plan.plans.entries()) {
    if (!kindPlan?.evaluate) continue;
    const aliases = plan.aliases[i]!;
    const values: ScanValues = {
      value: (key) => scan.row[aliases.get(key) ?? ''],
      error: (key) => scan.errors.get(aliases.get(key) ?? ''),
    };
    results.push(...(await kindPlan.evaluate(values, followUp)));
  }
  return { results, ...(problem ? { warehouseProblem: problem } : {}) };
}

/** All checks of one product with its own scan statement (no batching). */
export async function checkProduct(product: Product, table: ResolvedTable, metadata: TableMetadata | undefined, ctx: ProductCheckContext): Promise<ProductOutcome> {
  if (!metadata) return { results: missingTableResults(product, ctx.now.toISOString()) };
  const plan = planProduct(product, table, metadata, ctx.warehouse, ctx.now, ctx.settings);
  const scanned = await runScans(ctx.warehouse, [plan.scan], { batchSize: 1, concurrency: 1, timeoutMs: ctx.timeoutMs, signal: ctx.signal });
  const outcome = await evaluateProduct(plan, scanned.outcomes[0]!, ctx, scanned.warehouseProblem);
  const warehouseProblem = scanned.warehouseProblem ?? outcome.warehouseProblem;
  return { results: outcome.results, ...(warehouseProblem ? { warehouseProblem } : {}) };
}
