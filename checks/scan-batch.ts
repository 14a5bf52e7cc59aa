/**
 * The aggregate scans of many products, batched into few statements. It knows
 * nothing of check kinds: a request is a table and aliased expressions, each
 * labelled with a `shape` (expressions with one shape have one SQL type).
 *
 * A batch is a UNION ALL of one aggregate select per product, each row tagged
 * with the member's index `"i"`. Columns are stacked by shape: the k-th
 * expression of shape S of every member goes into the same column, so a
 * column never mixes types (a TIMESTAMP with a TIMESTAMPTZ, a DECIMAL with a
 * BIGINT) and UNION type unification cannot change a value: timestamps,
 * bigints and decimals come back exactly as a one-product scan returns them.
 * A member without such an expression fills the column with NULL.
 *
 * Failure handling, so that one bad table never hides the others' results:
 * a batch that fails for a reason in the SQL falls back to one statement per
 * product, and a product's statement that fails falls back to one statement
 * per expression. A failure of the warehouse itself (down, timeout,
 * cancelled) is not retried; once the warehouse is down no further scan is
 * sent and the problem is returned as a value.
 */
import { mapConcurrent } from '../core/concurrency.js';
import {
  WarehouseError,
  isWarehouseDownCode,
  problemOf,
  type QueryOptions,
  type Row,
  type SqlValue,
  type Warehouse,
  type WarehouseProblem,
} from './warehouse.js';

export interface ScanColumn {
  /** Unique within its request; the key of the value in the outcome's row. */
  readonly alias: string;
  readonly sql: string;
  readonly shape: string;
}

export interface ScanRequest {
  readonly product: string;
  readonly domain: string;
  /** Batches stay within one group (normally the domain: one domain per query tag). */
  readonly group: string;
  /** The table, quoted by the dialect. */
  readonly table: string;
  readonly columns: readonly ScanColumn[];
}

export interface ScanOutcome {
  readonly row: Readonly<Record<string, SqlValue>>;
  /** Aliases whose value could not be computed, with why. */
  readonly errors: ReadonlyMap<string, unknown>;
}

export interface ScanOptions {
  /** Products per statement; 1 is one statement per product. */
  readonly batchSize: number;
  readonly concurrency: number;
  readonly timeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface ScansResult {
  /** One per request, in request order. */
  readonly outcomes: readonly ScanOutcome[];
  /** Set when the warehouse itself failed a scan; later scans were not sent. */
  readonly warehouseProblem?: WarehouseProblem | undefined;
}

export const DEFAULT_BATCH_SIZE = 50;

/** The warehouse is down, slow or the run was cancelled: retrying smaller statements would not help. */
export function isOperational(err: unknown): boolean {
  return err instanceof WarehouseError && (isWarehouseDownCode(err.code) || err.code === 'WAREHOUSE_TIMEOUT' || err.code === 'WAREHOUSE_CANCELLED');
}

function failedAll(request: ScanRequest, err: unknown): ScanOutcome {
  return { row: {}, errors: new Map(request.columns.map((c) => [c.alias, err])) };
}

/** Splits requests into batches of at most `size`, each within one group, in the order groups first appear. */
export function planBatches(requests: readonly ScanRequest[], size: number): number[][] {
  const byGroup = new Map<string, number[]>();
  requests.forEach((request, i) => {
    if (request.columns.length === 0) return;
    const list = byGroup.get(request.group);
    if (list) list.push(i);
    else byGroup.set(request.group, [i]);
  });
  const batches: number[][] = [];
  for (const members of byGroup.values()) {
    for (let i = 0; i < members.length; i += Math.max(1, size)) batches.push(members.slice(i, i + Math.max(1, size)));
  }
  return batches;
}

/** The UNION ALL statement of a batch, and where each member's values land. */
export function batchStatement(
  members: readonly ScanRequest[],
  quoteAlias: (alias: string) => string,
): { sql: string; slots: ReadonlyArray<ReadonlyMap<string, string>> } {
  const slotsByShape = new Map<string, string[]>();
  let next = 0;
  const placement = members.map((member) => {
    const used = new Map<string, number>();
    const where = new Map<string, string>();
    for (const column of member.columns) {
      const k = used.get(column.shape) ?? 0;
      used.set(column.shape, k + 1);
      let slots = slotsByShape.get(column.shape);
      if (!slots) slotsByShape.set(column.shape, (slots = []));
      if (slots.length <= k) slots.push(`c${next++}`);
      where.set(column.alias, slots[k]!);
    }
    return where;
  });
  const allSlots = [...slotsByShape.values()].flat();
  const selects = members.map((member, i) => {
    const bySlot = new Map<string, string>();
    for (const column of member.columns) bySlot.set(placement[i]!.get(column.alias)!, column.sql);
    const values = allSlots.map((slot) => `${bySlot.get(slot) ?? 'null'} as ${quoteAlias(slot)}`);
    return `select ${i} as ${quoteAlias('i')}, ${values.join(', ')} from ${member.table}`;
  });
  // Sorted so that the rows come back together: DuckDB returns a UNION ALL as one result chunk per branch,
  // i.e. 50 fetches of one row through its Node driver per statement (1.3 ms of main-thread time); the
  // ORDER BY gathers them into one chunk. Elsewhere it costs a sort of at most a batch of rows.
  return { sql: `select * from (\n${selects.join('\nunion all\n')}\n) as batch order by ${quoteAlias('i')}`, slots: placement };
}

export async function runScans(warehouse: Warehouse, requests: readonly ScanRequest[], options: ScanOptions): Promise<ScansResult> {
  const outcomes: ScanOutcome[] = requests.map(() => ({ row: {}, errors: new Map() }));
  let problem: WarehouseProblem | undefined;
  let downError: unknown;
  const quoteAlias = (alias: string) => warehouse.dialect.quoteIdentifier({ name: alias, quoted: true });
  const base = { timeoutMs: options.timeoutMs, signal: options.signal, check: 'scan' };

  const noteDown = (err: unknown) => {
    if (err instanceof WarehouseError && isWarehouseDownCode(err.code) && problem === undefined) {
      problem = problemOf(err);
      downError = err;
    }
  };

  /** One product: one statement, else (for a reason in the SQL) one statement per expression. */
  const scanOne = async (request: ScanRequest): Promise<ScanOutcome> => {
    if (downError !== undefined) return failedAll(request, downError);
    const queryOptions: QueryOptions = { ...base, product: request.product, domain: request.domain };
    const select = (columns: readonly ScanColumn[]) =>
      `select ${columns.map((c) => `${c.sql} as ${quoteAlias(c.alias)}`).join(', ')} from ${request.table}`;
    try {
      return { row: (await warehouse.query(select(request.columns), queryOptions))[0] ?? {}, errors: new Map() };
    } catch (err) {
      noteDown(err);
      if (request.columns.length === 1 || isOperational(err)) return failedAll(request, err);
    }
    const row: Record<string, SqlValue> = {};
    const errors = new Map<string, unknown>();
    for (const column of request.columns) {
      if (downError !== undefined) {
        errors.set(column.alias, downError);
        continue;
      }
      try {
        Object.assign(row, (await warehouse.query(select([column]), queryOptions))[0]);
      } catch (err) {
        noteDown(err);
        errors.set(column.alias, err);
      }
    }
    return { row, errors };
  };

  const scanBatch = async (indexes: readonly number[]): Promise<void> => {
    const members = indexes.map((i) => requests[i]!);
    if (downError !== undefined) {
      indexes.forEach((i, k) => (outcomes[i] = failedAll(members[k]!, downError)));
      return;
    }
    if (members.length === 1) {
      outcomes[indexes[0]!] = await scanOne(members[0]!);
      return;
    }
    const { sql, slots } = batchStatement(members, quoteAlias);
    let rows: Row[];
    try {
      const domain = members.every((m) => m.domain === members[0]!.domain) ? members[0]!.domain : undefined;
      rows = await warehouse.query(sql, { ...base, domain, products: members.map((m) => m.product) });
    } catch (err) {
      noteDown(err);
      if (isOperational(err)) {
        indexes.forEach((i, k) => (outcomes[i] = failedAll(members[k]!, err)));
        return;
      }
      // One bad table (or rule) fails the whole statement: find it product by product.
      for (const [k, i] of indexes.entries()) outcomes[i] = await scanOne(members[k]!);
      return;
    }
    const seen = new Set<number>();
    for (const row of rows) {
      const k = Number(row.i);
      const member = members[k];
      if (!member || seen.has(k)) continue;
      seen.add(k);
      const values: Record<string, SqlValue> = {};
      for (const column of member.columns) values[column.alias] = row[slots[k]!.get(column.alias)!] ?? null;
      outcomes[indexes[k]!] = { row: values, errors: new Map() };
    }
    // An aggregate select always yields one row; a member without one is a bug in the statement, said as such.
    indexes.forEach((i, k) => {
      if (!seen.has(k)) outcomes[i] = failedAll(members[k]!, new Error('the batched scan returned no row for this product'));
    });
  };

  await mapConcurrent(planBatches(requests, options.batchSize), options.concurrency, scanBatch);
  return { outcomes, ...(problem ? { warehouseProblem: problem } : {}) };
}
