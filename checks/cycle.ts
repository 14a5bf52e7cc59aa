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
   * What a batch may span: `domain` (the default: one domain per statement, so
   * Snowflake's QUERY_TAG attributes its cost to one domain) or `database`.
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
  /** Set when the warehouse as a whole could not be used; every affected check is `error`. */
  readonly warehouseProblem?: WarehouseProblem | undefined;
}

/** Every check of every product as `error`: the warehouse could not be opened or asked at all. */
export function unavailableCycle(products: readonly Product[], err: unknown, now: Date, queries = 0): CycleOutcome {
  const at = now.toISOString();
  const problem = problemOf(err);
  return { results: products.flatMap((p) => errorResults(p, problem, at)), queries, warehouseProblem: problem };
}

export async function runCheckCycle(warehouse: Warehouse, options: CycleOptions): Promise<CycleOutcome> {
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
  options.products.forEach((product, i) => {
    const found = metadata.get(warehouse.dialect.tableKey(tables[i]!));
    if (!found) perProduct[i] = missingTableResults(product, at);
    else plans.push({ index: i, plan: planProduct(product, tables[i]!, found, warehouse, options.now, settings, inputTables(product)) });
  });

  const byDatabase = options.batchWithin === 'database';
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
  };
}
