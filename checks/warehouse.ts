/**
 * What checks need from a warehouse. Two adapters implement it: DuckDB
 * (`duckdb-warehouse.ts`, the embedded default) and Snowflake
 * (`snowflake-warehouse.ts`). Check code talks only to this interface.
 *
 * Guarantees every adapter gives:
 * - **Read-only.** DuckDB opens the file with `access_mode = READ_ONLY`;
 *   Snowflake is meant to run under a SELECT-only role. In addition, every
 *   statement passes `assertReadOnlySql` (one SELECT / WITH statement) before
 *   it is sent, so owner-supplied SQL cannot write either.
 * - **Batched metadata.** `describeTables` reads the columns of all the given
 *   tables with at most one query per database, and table statistics
 *   (last-modified time, row count) with at most one more per database where
 *   the engine has them. It never issues one query per table.
 * - **Quoting.** Every identifier that reaches SQL goes through `dialect`,
 *   which quotes by the engine's rules; no config string is interpolated raw.
 * - **Cancellation.** Each call takes an optional `AbortSignal` and a timeout;
 *   when either fires, the running statement is cancelled on the engine and
 *   the call rejects with `WarehouseError` code `WAREHOUSE_TIMEOUT` or
 *   `WAREHOUSE_CANCELLED`.
 * - **Errors are `WarehouseError`** with one of `WarehouseErrorCode`;
 *   `retryable` is true for transient ones (unreachable, timeout).
 * - **Values are plain JS:** numbers (integers beyond 2^53 as bigint),
 *   strings, booleans, `Date` for timestamps and dates, null.
 * - **Counting.** `stats().queries` counts statements sent to the engine, so
 *   tests and the bench can prove batching.
 */
import { MeshwatchError } from '../core/errors.js';
import type { IdentifierPart, TableRef } from '../config/types.js';
import type { OwnerSqlScope } from './owner-sql.js';

export type SqlValue = string | number | bigint | boolean | Date | null;
export type Row = Record<string, SqlValue>;

/** A table with its database filled in from the warehouse's default. */
export interface ResolvedTable {
  readonly database: IdentifierPart;
  readonly schema: IdentifierPart;
  readonly table: IdentifierPart;
}

export interface ColumnInfo {
  readonly name: string;
  /** The engine's type text, e.g. `DECIMAL(12,2)`, `VARCHAR`, `NUMBER(38,0)`. */
  readonly type: string;
  readonly nullable: boolean;
  readonly ordinal: number;
}

export interface TableMetadata {
  readonly columns: readonly ColumnInfo[];
  /** Last data or DDL change, where the engine records it (Snowflake LAST_ALTERED). */
  readonly lastModified?: Date | undefined;
  /** Row count from engine statistics, where exact (Snowflake ROW_COUNT for tables). */
  readonly rowCount?: number | undefined;
  readonly kind: 'table' | 'view';
}

export interface QueryOptions {
  readonly signal?: AbortSignal | undefined;
  /** Cancels the statement after this long; defaults to the adapter's configured timeout. */
  readonly timeoutMs?: number | undefined;
  /** Attribution: Snowflake puts these in QUERY_TAG; logs carry them everywhere. */
  readonly product?: string | undefined;
  readonly check?: string | undefined;
  readonly domain?: string | undefined;
  /** A statement for many products at once (a batched scan): their ids, for QUERY_TAG. */
  readonly products?: readonly string[] | undefined;
  /**
   * Called once per statement the adapter sends for this call, with the
   * milliseconds it took (failed ones too): the monitoring-cost counters
   * (metered-warehouse.ts) attribute them to the call's products.
   */
  readonly onStatement?: ((elapsedMs: number) => void) | undefined;
}

export interface SqlDialect {
  quoteIdentifier(part: IdentifierPart): string;
  /** A column name from config (plain names are unquoted identifiers). */
  quoteColumn(name: string): string;
  quoteTable(table: ResolvedTable): string;
  /** A string literal, with quotes escaped. */
  quoteString(value: string): string;
  /** Whether a backslash escapes the next character inside string literals (Snowflake). */
  readonly backslashEscapes: boolean;
  /** True when the text `subject` matches the regular expression `pattern` (both SQL expressions) in full. */
  regexFullMatch(subject: string, pattern: string): string;
  /**
   * The key under which `describeTables` files a table: compare with this,
   * never with raw names, because engines fold unquoted case differently.
   */
  tableKey(table: ResolvedTable): string;
}

export interface WarehouseCapabilities {
  /** `describeTables` returns `lastModified` (freshness without a column). */
  readonly lastModified: boolean;
  /** `describeTables` returns exact `rowCount` for tables. */
  readonly rowCount: boolean;
}

export interface WarehouseStats {
  readonly queries: number;
}

export interface Warehouse {
  readonly engine: 'duckdb' | 'snowflake';
  readonly dialect: SqlDialect;
  readonly capabilities: WarehouseCapabilities;
  /** Fills in the default database for `schema.table` refs. */
  resolve(ref: TableRef): ResolvedTable;
  /**
   * Metadata of many tables, keyed by `dialect.tableKey`. Tables that do not
   * exist (or that the role cannot see) are absent from the map: a missing
   * table is a check result, not an error.
   */
  describeTables(tables: readonly ResolvedTable[], options?: QueryOptions): Promise<Map<string, TableMetadata>>;
  /** Runs one read-only statement built by meshwatch. Column names in rows are as aliased (quote aliases). */
  query(sql: string, options?: QueryOptions): Promise<Row[]>;
  /**
   * Runs owner-written SQL (a `contract.sql` rule) confined to `scope` (see
   * `owner-sql.ts`): the strict text guard, then the tables it reads as the
   * engine resolves them must be within the scope (else `OwnerSqlScopeError`,
   * code `CHECK_CONFIG`, naming the table), and at most one row is read.
   */
  queryOwnerSql(sql: string, scope: OwnerSqlScope, options?: QueryOptions): Promise<Row | undefined>;
  stats(): WarehouseStats;
  close(): Promise<void>;
}

export type WarehouseErrorCode =
  | 'WAREHOUSE_UNREACHABLE'
  | 'WAREHOUSE_AUTH'
  | 'WAREHOUSE_TIMEOUT'
  | 'WAREHOUSE_CANCELLED'
  | 'WAREHOUSE_PERMISSION'
  | 'WAREHOUSE_OBJECT_NOT_FOUND'
  | 'WAREHOUSE_QUERY'
  | 'WAREHOUSE_NOT_READ_ONLY';

const RETRYABLE: ReadonlySet<WarehouseErrorCode> = new Set(['WAREHOUSE_UNREACHABLE', 'WAREHOUSE_TIMEOUT']);

export class WarehouseError extends MeshwatchError {
  declare readonly code: WarehouseErrorCode;

  constructor(code: WarehouseErrorCode, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(code, message, {
      origin: code === 'WAREHOUSE_QUERY' || code === 'WAREHOUSE_NOT_READ_ONLY' ? 'user' : 'operational',
      retryable: options.retryable ?? RETRYABLE.has(code),
      cause: options.cause,
    });
  }
}

/** What went wrong with the warehouse, as checks and reports carry it. */
export interface WarehouseProblem {
  readonly code: string;
  readonly message: string;
}

export function problemOf(err: unknown): WarehouseProblem {
  if (err instanceof MeshwatchError) return { code: err.code, message: err.message };
  return { code: 'CHECK_FAILED', message: err instanceof Error ? err.message : String(err) };
}

/** Whole-warehouse failures: every check would fail the same way, so reports say it once. */
export function isWarehouseDown(err: unknown): boolean {
  return err instanceof WarehouseError && isWarehouseDownCode(err.code);
}

export function isWarehouseDownCode(code: string | undefined): boolean {
  return code === 'WAREHOUSE_UNREACHABLE' || code === 'WAREHOUSE_AUTH';
}

/**
 * Rejects anything but a single SELECT or WITH statement. A defence in depth:
 * owner-supplied SQL comes from config, and engines disagree on how strings
 * and comments nest (Snowflake's backslash escapes, DuckDB's `$$` strings), so
 * no `;` is allowed anywhere but at the very end, not even inside a string or
 * a comment. Each adapter adds the engine's own guard (DuckDB: the statement
 * is parsed and must be a single SELECT, with file access disabled;
 * Snowflake: MULTI_STATEMENT_COUNT=1 and a SELECT-only role).
 */
export function assertReadOnlySql(sql: string): void {
  let body = sql.trim();
  // Leading comments and whitespace, then the first keyword.
  for (;;) {
    if (body.startsWith('--')) body = body.slice(body.includes('\n') ? body.indexOf('\n') + 1 : body.length).trimStart();
    else if (body.startsWith('/*') && body.includes('*/')) body = body.slice(body.indexOf('*/') + 2).trimStart();
    else break;
  }
  body = body.replace(/;\s*$/, '');
  if (!/^(select|with)\b/i.test(body) || body.includes(';')) {
    throw new WarehouseError('WAREHOUSE_NOT_READ_ONLY', 'only a single SELECT or WITH statement may run against the warehouse (and no ";" inside it)');
  }
}

/**
 * The guard for statements meshwatch builds itself from quoted parts: one
 * SELECT or WITH statement, no `;` outside string literals, quoted
 * identifiers and comments. A `;` in a legal quoted table name or in an
 * accepted value is part of a literal, not a second statement. Owner SQL
 * gets the stricter `assertReadOnlySql`.
 */
export function assertSingleSelect(sql: string, dialect: Pick<SqlDialect, 'backslashEscapes'>): void {
  const refuse = (why: string) => new WarehouseError('WAREHOUSE_NOT_READ_ONLY', `only a single SELECT or WITH statement may run against the warehouse (${why})`);
  let code = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) throw refuse('unterminated quote');
        const d = sql[j]!;
        if (c === "'" && dialect.backslashEscapes && d === '\\') j += 2;
        else if (d === c && sql[j + 1] === c) j += 2;
        else if (d === c) break;
        else j++;
      }
      code += ' x ';
      i = j + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
      code += ' ';
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) throw refuse('unterminated comment');
      i = end + 2;
      code += ' ';
    } else if (c === '$' && sql[i + 1] === '$') {
      throw refuse('no dollar-quoted strings');
    } else {
      code += c;
      i++;
    }
  }
  const body = code.trim().replace(/;\s*$/, '');
  if (!/^(select|with)\b/i.test(body) || body.includes(';')) throw refuse('and no ";" outside quotes');
}

/** `{{ table }}` in owner-supplied SQL becomes the quoted table name. */
export function expandTableTemplate(template: string, table: ResolvedTable, dialect: SqlDialect): string {
  return template.replace(/\{\{\s*table\s*\}\}/g, () => dialect.quoteTable(table));
}

/** Combines a caller's signal with a timeout; `reason()` says which fired. */
export function deadline(options: QueryOptions | undefined, defaultTimeoutMs: number): {
  signal: AbortSignal;
  reason(): 'timeout' | 'cancelled';
  timeoutMs: number;
  dispose(): void;
} {
  const timeoutMs = options?.timeoutMs ?? defaultTimeoutMs;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  timer.unref();
  const onAbort = () => controller.abort(options?.signal?.reason);
  if (options?.signal?.aborted) onAbort();
  else options?.signal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    timeoutMs,
    reason: () => (timedOut ? 'timeout' : 'cancelled'),
    dispose: () => {
      clearTimeout(timer);
      options?.signal?.removeEventListener('abort', onAbort);
    },
  };
}
