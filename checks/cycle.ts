/**
 * One check cycle over many products: metadata for all of them in one batch
 * (at most one columns query per database, see Warehouse.describeTables),
 * then every product's aggregate scan, batched across the products of a
 * domain (scan-batch.ts), then each product's evaluation and follow-ups with
 * bounded concurrency. Used by `meshwatch check` and by the scheduler's workers.
 */
import type { Defaults, Product } from '../config/types.js';
import { mapConcurrent } from '../core/concurrency.js';
import { DEFAULT_SETTINGS } from './kinds/kind.js';
import { CostLedger, meteredWarehouse, type DomainCost, type StatementRecord } from './metered-warehouse.js';
import { errorResults, evaluateProduct, missingTableResults, planProduct, type ProductPlan } from './product-checks.js';
import type { CheckResult } from './result.js';
import { DEFAULT_BATCH_SIZE, runScans } from './scan-batch.js';
import { problemOf, type ResolvedTable, type Warehouse, type WarehouseProblem } from './warehouse.js';

export interface CycleOptions {
  readonly products: readonly Product[];
  /** Every product of the config, to find the tables of inputs (owner SQL may read them); default `products`. */
  readonly mesh?: readonly Product[] | undefined;
  readonly now: Date;
  readonly concurrency: number;
  readonly timeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Products per aggregate-scan statement (within one domain); 1 sends one statement per product. */
  readonly batchSize?: number | undefined;
  /**
   * What a batch may span: `domain` (one domain per statement, so Snowflake's
   * QUERY_TAG attributes its cost to one domain) or `database`. Default:
   * `domain` on Snowflake; `database` on DuckDB, which runs in process and
   * has no cost to attribute (with domains of 10 products, per-domain batches
   * could not go below products / 10 statements).
   */
  readonly batchWithin?: 'domain' | 'database' | undefined;
  /** `defaults.futureTolerance` / `defaults.massMissing`; the config defaults when absent. */
  readonly defaults?: Partial<Pick<Defaults, 'futureToleranceMs' | 'massMissing'>> | undefined;
}

export type { WarehouseProblem };

export interface CycleOutcome {
  readonly results: readonly CheckResult[];
  /** Statements sent to the warehouse during the cycle. */
  readonly queries: number;
  /** Statements and milliseconds per domain (shares of batched statements; see metered-warehouse.ts). */
  readonly cost?: Readonly<Record<string, DomainCost>> | undefined;
  /** Warehouse seconds that served each check kind (see secondsByKind); absent when no statement could be sent. */
  readonly secondsByKind?: Readonly<Record<string, number>> | undefined;
  /** Set when the warehouse as a whole could not be used; every affected check is `error`. */
  readonly warehouseProblem?: WarehouseProblem | undefined;
  /**
   * Problems of the monitor rather than of products, each said once (like
   * `warehouseProblem`): e.g. most tables of a database missing at once.
   */
  readonly monitorProblems?: readonly MonitorProblem[] | undefined;
}

export interface MonitorProblem {
  /** `WAREHOUSE_OBJECTS_MISSING`. */
  readonly code: string;
  readonly message: string;
  /** The database concerned, as the warehouse names it. */
  readonly database: string;
  /** Products concerned: their checks are `error` with this code. */
  readonly products: readonly string[];
  /** Products of that database in the cycle. */
  readonly of: number;
}

/** Below this many missing products, a missing table is a breakage however large the share. */
export const MASS_MISSING_MIN = 10;

/** Every check of every product as `error`: the warehouse could not be opened or asked at all. */
export function unavailableCycle(products: readonly Product[], err: unknown, now: Date, queries = 0): CycleOutcome {
  const at = now.toISOString();
  const problem = problemOf(err);
  return { results: products.flatMap((p) => errorResults(p, problem, at)), queries, warehouseProblem: problem };
}

export async function runCheckCycle(unmetered: Warehouse, options: CycleOptions): Promise<CycleOutcome> {
  const domainOf = new Map((options.mesh ?? options.products).map((p) => [p.id, p.domain]));
  for (const p of options.products) domainOf.set(p.id, p.domain);
  const ledger = new CostLedger((id) => domainOf.get(id));
  const outcome = await runMeteredCycle(meteredWarehouse(unmetered, ledger, options.products), options);
  return { ...outcome, cost: ledger.byDomain(), secondsByKind: secondsByKind(ledger.statements(), outcome.results) };
}

/**
 * Warehouse seconds per check kind: a statement sent for one check (a
 * follow-up query, owner SQL) is its kind's; a batched one (aggregate scan,
 * metadata pass) serves several kinds, so it is split equally among the
 * products it covers and each product's share equally among the kinds of
 * that product's results. Every kind with results is present, 0 when no
 * statement served it.
 */
export function secondsByKind(statements: readonly StatementRecord[], results: readonly CheckResult[]): Record<string, number> {
  const kindOfCheck = new Map<string, string>();
  const kindsOf = new Map<string, Set<string>>();
  const seconds: Record<string, number> = {};
  for (const r of results) {
    kindOfCheck.set(r.check, r.kind);
    let kinds = kindsOf.get(r.product);
    if (!kinds) kindsOf.set(r.product, (kinds = new Set()));
    kinds.add(r.kind);
    seconds[r.kind] ??= 0;
  }
  for (const s of statements) {
    const own = s.check !== undefined ? kindOfCheck.get(s.check) : undefined;
    if (own !== undefined) {
      seconds[own] = (seconds[own] ?? 0) + s.ms / 1000;
      continue;
    }
    for (const product of s.products) {
      const kinds = kindsOf.get(product);
      if (!kinds || kinds.size === 0) continue;
      for (const kind of kinds) seconds[kind] = (seconds[kind] ?? 0) + s.ms / 1000 / s.products.length / kinds.size;
    }
  }
  return seconds;
}

async function runMeteredCycle(warehouse: Warehouse, options: CycleOptions): Promise<CycleOutcome> {
  const start = warehouse.stats().queries;
  const at = options.now.toISOString();
  const settings = { ...DEFAULT_SETTINGS, ...(options.defaults?.futureToleranceMs !== undefined ? { futureToleranceMs: options.defaults.futureToleranceMs } : {}) };
  const tables = options.products.map((p) => warehouse.resolve(p.table));
  let metadata;
  try {
    metadata = await warehouse.describeTables(tables, { timeoutMs: options.timeoutMs, signal: options.signal, check: 'metadata' });
  } catch (err) {
    return unavailableCycle(options.products, err, options.now, warehouse.stats().queries - start);
  }

  const byId = new Map((options.mesh ?? options.products).map((p) => [p.id, p]));
  const inputTables = (product: Product): ResolvedTable[] =>
    product.inputs.flatMap((input) => {
      const upstream = byId.get(input.product);
      if (!upstream) return [];
      try {
        return [warehouse.resolve(upstream.table)];
      } catch {
        return [];
      }
    });

  // Only tables the metadata step found are scanned; a missing one is a result.
  const perProduct: CheckResult[][] = options.products.map(() => []);
  const plans: Array<{ index: number; plan: ProductPlan }> = [];
  const missing = options.products.map((_, i) => !metadata.has(warehouse.dialect.tableKey(tables[i]!)));
  const monitorProblems = massMissing(options.products, tables, missing, options.defaults?.massMissing ?? 0.5);
  const massMissingProducts = new Map(monitorProblems.flatMap((p) => p.products.map((id) => [id, p] as const)));
  options.products.forEach((product, i) => {
    const found = metadata.get(warehouse.dialect.tableKey(tables[i]!));
    const mass = massMissingProducts.get(product.id);
    if (mass) perProduct[i] = errorResults(product, { code: mass.code, message: mass.message }, at);
    else if (!found) perProduct[i] = missingTableResults(product, at);
    else plans.push({ index: i, plan: planProduct(product, tables[i]!, found, warehouse, options.now, settings, inputTables(product)) });
  });

  const byDatabase = (options.batchWithin ?? (warehouse.engine === 'snowflake' ? 'domain' : 'database')) === 'database';
  const scans = await runScans(
    warehouse,
    plans.map(({ index, plan }) => (byDatabase ? { ...plan.scan, group: `database:${tables[index]!.database.name}` } : plan.scan)),
    { batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE, concurrency: options.concurrency, timeoutMs: options.timeoutMs, signal: options.signal },
  );
  let down = scans.warehouseProblem;
  const ctx = { warehouse, now: options.now, timeoutMs: options.timeoutMs, signal: options.signal, settings };
  await mapConcurrent(plans, options.concurrency, async ({ index, plan }, k) => {
    const outcome = await evaluateProduct(plan, scans.outcomes[k]!, ctx, down);
    down ??= outcome.warehouseProblem;
    perProduct[index] = outcome.results;
  });
  return {
    results: perProduct.flat(),
    queries: warehouse.stats().queries - start,
    ...(down ? { warehouseProblem: down } : {}),
    ...(monitorProblems.length > 0 ? { monitorProblems } : {}),
  };
}

/**
 * When more than `share` of one database's products, and at least
 * MASS_MISSING_MIN of them, are missing in one cycle, that is far more likely
 * one monitor or permission problem (the wrong warehouse file, revoked
 * grants) than that many breakages: one problem per such database.
 */
function massMissing(products: readonly Product[], tables: readonly ResolvedTable[], missing: readonly boolean[], share: number): MonitorProblem[] {
  const byDatabase = new Map<string, { name: string; total: number; missing: string[] }>();
  products.forEach((product, i) => {
    const name = tables[i]!.database.name;
    const key = tables[i]!.database.quoted ? name : name.toLowerCase();
    let entry = byDatabase.get(key);
    if (!entry) byDatabase.set(key, (entry = { name, total: 0, missing: [] }));
    entry.total++;
    if (missing[i]) entry.missing.push(product.id);
  });
  const problems: MonitorProblem[] = [];
  for (const { name, total, missing: ids } of byDatabase.values()) {
    if (ids.length < MASS_MISSING_MIN || ids.length <= share * total) continue;
    problems.push({
      code: 'WAREHOUSE_OBJECTS_MISSING',
      message: `${ids.length} of ${total} products' tables in database ${name} are missing at once: more likely the wrong warehouse, database or revoked grants than ${ids.length} breakages (defaults.massMissing: ${share})`,
      database: name,
      products: ids,
      of: total,
    });
  }
  return problems;
}
