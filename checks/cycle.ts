/**
 * One check cycle over many products: metadata for all of them in one batch
 * (at most one columns query per database, see Warehouse.describeTables),
 * then each product's checks with bounded concurrency. Used by
 * `meshwatch check` and by the scheduler's workers.
 */
import type { Product } from '../config/types.js';
import { mapConcurrent } from '../core/concurrency.js';
import { checkProduct, errorResults } from './product-checks.js';
import type { CheckResult } from './result.js';
import { isWarehouseDownCode, problemOf, type Warehouse, type WarehouseProblem } from './warehouse.js';

export interface CycleOptions {
  readonly products: readonly Product[];
  readonly now: Date;
  readonly concurrency: number;
  readonly timeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
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
  const tables = options.products.map((p) => warehouse.resolve(p.table));
  let metadata;
  try {
    metadata = await warehouse.describeTables(tables, { timeoutMs: options.timeoutMs, signal: options.signal, check: 'metadata' });
  } catch (err) {
    return unavailableCycle(options.products, err, options.now, warehouse.stats().queries - start);
  }

  let down: WarehouseProblem | undefined;
  const perProduct = await mapConcurrent(options.products, options.concurrency, async (product, i) => {
    // Once the warehouse is known to be down, do not hammer it product by product.
    if (down) return errorResults(product, down, options.now.toISOString());
    const table = tables[i]!;
    const results = await checkProduct(product, table, metadata.get(warehouse.dialect.tableKey(table)), {
      warehouse,
      now: options.now,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    });
    const fatal = results.find((r) => r.status === 'error' && isWarehouseDownCode(r.errorCode));
    if (fatal) down ??= { code: fatal.errorCode!, message: fatal.message.replace(/^could not evaluate: /, '') };
    return results;
  });
  return {
    results: perProduct.flat(),
    queries: warehouse.stats().queries - start,
    ...(down ? { warehouseProblem: down } : {}),
  };
}
