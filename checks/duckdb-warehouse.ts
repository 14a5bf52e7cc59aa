/**
 * DuckDB adapter, the embedded default. The only file that imports
 * `@duckdb/node-api`. The database file is opened with
 * `access_mode = READ_ONLY`, so meshwatch cannot change it even by mistake.
 *
 * DuckDB matches identifiers case-insensitively whether quoted or not, so
 * table keys are lower-cased. It records neither a last-modified time nor an
 * exact row count, so freshness needs a declared column here.
 */
import { realpath } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance, StatementType, type DuckDBConnection } from '@duckdb/node-api';
import type { DuckdbWarehouseConfig } from '../config/types.js';
import type { TableRef } from '../config/identifier.js';
import { columnPart, doubleQuote, singleQuote } from './sql-dialect.js';
import { refsOfSerializedSql, viewQuery, type TableRefName } from './duckdb-sql-refs.js';
import { oneRow, outsideScope, type OwnerSqlScope } from './owner-sql.js';
import {
  WarehouseError,
  assertReadOnlySql,
  assertSingleSelect,
  deadline,
  type ColumnInfo,
  type QueryOptions,
  type ResolvedTable,
  type Row,
  type SqlDialect,
  type SqlValue,
  type TableMetadata,
  type Warehouse,
  type WarehouseErrorCode,
} from './warehouse.js';

export const duckdbDialect: SqlDialect = {
  quoteIdentifier: (part) => doubleQuote(part.name),
  quoteColumn: (name) => doubleQuote(columnPart(name).name),
  quoteTable: (t) => [t.database, t.schema, t.table].map((p) => doubleQuote(p.name)).join('.'),
  quoteString: singleQuote,
  backslashEscapes: false,
  regexFullMatch: (subject, pattern) => `regexp_full_match(${subject}, ${pattern})`,
  tableKey: (t) => [t.database, t.schema, t.table].map((p) => p.name.toLowerCase()).join('.'),
};

export interface DuckdbOptions {
  /** Timeout for a statement when the caller gives none. */
  readonly defaultTimeoutMs?: number;
  /** Connections, i.e. statements that can run at once. */
  readonly connections?: number;
}

function mapError(err: unknown, fallback: WarehouseErrorCode = 'WAREHOUSE_QUERY'): WarehouseError {
  if (err instanceof WarehouseError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const first = message.split('\n')[0] ?? message;
  let code: WarehouseErrorCode = fallback;
  if (/^Catalog Error: .*does not exist/i.test(first) || /^Binder Error: .*(not found|does not have a column)/i.test(first)) code = 'WAREHOUSE_OBJECT_NOT_FOUND';
  else if (/read-only mode/i.test(first)) code = 'WAREHOUSE_NOT_READ_ONLY';
  else if (/^IO Error/i.test(first)) code = 'WAREHOUSE_UNREACHABLE';
  else if (/Permission Error/i.test(first)) code = 'WAREHOUSE_PERMISSION';
  return new WarehouseError(code, `DuckDB: ${first}`, { cause: err });
}

function toSqlValue(value: unknown): SqlValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value instanceof Date) return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** A fixed set of connections; DuckDB runs one statement per connection at a time. */
class ConnectionPool {
  private readonly idle: DuckDBConnection[];
  private readonly waiting: Array<(c: DuckDBConnection) => void> = [];
  constructor(connections: DuckDBConnection[]) {
    this.idle = [...connections];
  }
  /** Resolves once every connection is idle and holds them, so they can be closed. */
  async drain(): Promise<void> {
    while (this.busy > 0) await new Promise<void>((resolve) => this.drained.push(resolve));
  }
  private busy = 0;
  private readonly drained: Array<() => void> = [];
  async use<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    this.busy++;
    const connection = this.idle.pop() ?? (await new Promise<DuckDBConnection>((resolve) => this.waiting.push(resolve)));
    try {
      return await fn(connection);
    } finally {
      this.busy--;
      const next = this.waiting.shift();
      if (next) next(connection);
      else this.idle.push(connection);
      if (this.busy === 0) for (const resolve of this.drained.splice(0)) resolve();
    }
  }
}

export async function openDuckdbWarehouse(config: Pick<DuckdbWarehouseConfig, 'path' | 'catalog'>, options: DuckdbOptions = {}): Promise<Warehouse> {
  // DuckDB would report a missing file as an IO error mentioning read-only mode; say it plainly.
  // A symlink is opened at its real path: with file access disabled, DuckDB may open only the
  // path it was given (and its .wal), but it resolves the link and would look for the target's .wal.
  const file = await realpath(config.path).catch((err: unknown) => {
    throw new WarehouseError('WAREHOUSE_UNREACHABLE', `DuckDB database file not found: ${config.path}`, { cause: err, retryable: true });
  });
  let instance: DuckDBInstance;
  const connections: DuckDBConnection[] = [];
  try {
    // Read-only, no file or network access from SQL (READ_ONLY alone still allows COPY ... TO and ATTACH),
    // and settings locked so that no statement can switch either back on.
    instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY', enable_external_access: 'false', lock_configuration: 'true' });
    for (let i = 0; i < (options.connections ?? 4); i++) connections.push(await instance.connect());
  } catch (err) {
    throw mapError(err, 'WAREHOUSE_UNREACHABLE');
  }
  const pool = new ConnectionPool(connections);

  const defaultTimeoutMs = options.defaultTimeoutMs ?? 300_000;
  // DuckDB names the catalog after the file (up to its first dot); ask rather than guess.
  const catalogRows = await connections[0]!.runAndReadAll('select current_database() as name');
  const database = { name: String(catalogRows.getRowObjectsJS()[0]?.name ?? config.catalog), quoted: false };
  // Through a symlink the catalog is named after the target; tables written with the configured name still resolve.
  const configuredCatalog = config.catalog.toLowerCase();
  let queries = 0;
  let closed = false;

  /** Runs one statement; `parsedSelect` parses it first and refuses anything but a single SELECT. */
  async function run(sql: string, options: QueryOptions | undefined, values?: string[], parsedSelect = false): Promise<Row[]> {
    if (closed) throw new WarehouseError('WAREHOUSE_UNREACHABLE', 'DuckDB warehouse is closed');
    const limit = deadline(options, defaultTimeoutMs);
    try {
      return await pool.use(async (connection) => {
        if (limit.signal.aborted) throw limit.signal.reason;
        const onAbort = () => connection.interrupt();
        limit.signal.addEventListener('abort', onAbort, { once: true });
        const started = performance.now();
        try {
          queries++;
          let reader;
          if (parsedSelect) {
            const statements = await connection.extractStatements(sql);
            const prepared = statements.count === 1 ? await statements.prepare(0) : undefined;
            if (!prepared || prepared.statementType !== StatementType.SELECT) {
              throw new WarehouseError('WAREHOUSE_NOT_READ_ONLY', 'only a single SELECT or WITH statement may run against the warehouse');
            }
            reader = await prepared.runAndReadAll();
          } else reader = await connection.runAndReadAll(sql, values);
          if (limit.signal.aborted) throw limit.signal.reason;
          return reader.getRowObjectsJS().map((row) => {
            const out: Row = {};
            for (const [key, value] of Object.entries(row)) out[key] = toSqlValue(value);
            return out;
          });
        } finally {
          limit.signal.removeEventListener('abort', onAbort);
          options?.onStatement?.(performance.now() - started);
        }
      });
    } catch (err) {
      if (limit.signal.aborted) {
        const reason = limit.reason();
        throw new WarehouseError(
          reason === 'timeout' ? 'WAREHOUSE_TIMEOUT' : 'WAREHOUSE_CANCELLED',
          reason === 'timeout' ? `DuckDB: statement timed out after ${limit.timeoutMs} ms` : 'DuckDB: statement cancelled',
          { cause: err },
        );
      }
      throw mapError(err);
    } finally {
      limit.dispose();
    }
  }

  const keyOf = (ref: TableRefName, catalog: string, schema: string) =>
    [ref.catalog || catalog, ref.schema || schema, ref.table].map((p) => p.toLowerCase()).join('.');
  const nameOf = (ref: TableRefName) => [ref.catalog, ref.schema, ref.table].filter(Boolean).join('.');

  /**
   * The tables a scope may read: its tables, and what the views among them
   * read (followed a few levels), as keys. One statement per level.
   */
  async function scopeKeys(scope: OwnerSqlScope, options: QueryOptions | undefined): Promise<Set<string>> {
    const keys = new Set(scope.tables.map((t) => duckdbDialect.tableKey(t)));
    let frontier = [...keys];
    for (let depth = 0; depth < 4 && frontier.length > 0; depth++) {
      const views = await run(
        `select database_name, schema_name, sql from duckdb_views()
          where lower(database_name || '.' || schema_name || '.' || view_name) in (${frontier.map((k) => singleQuote(k)).join(', ')})`,
        options,
      );
      const rows =
        views.length === 0
          ? []
          : await run(
              `select database_name, schema_name, json_serialize_sql(q) as tree from (values ${views
                .map((v) => `(${singleQuote(String(v.database_name))}, ${singleQuote(String(v.schema_name))}, ${singleQuote(viewQuery(String(v.sql)))})`)
                .join(', ')}) as t(database_name, schema_name, q)`,
              options,
            );
      frontier = [];
      for (const row of rows) {
        // A view's unqualified names resolve in its own catalog and schema.
        for (const ref of refsOfSerializedSql(String(row.tree)).tables) {
          const key = keyOf(ref, String(row.database_name), String(row.schema_name));
          if (!keys.has(key)) {
            keys.add(key);
            frontier.push(key);
          }
        }
      }
    }
    return keys;
  }

  return {
    engine: 'duckdb',
    dialect: duckdbDialect,
    capabilities: { lastModified: false, rowCount: false },
    resolve(ref: TableRef): ResolvedTable {
      const named = ref.database && ref.database.name.toLowerCase() === configuredCatalog ? database : ref.database;
      return { database: named ?? database, schema: ref.schema, table: ref.table };
    },
    async describeTables(tables, options) {
      const byDatabase = new Map<string, Set<string>>();
      for (const t of tables) {
        const db = t.database.name.toLowerCase();
        let schemas = byDatabase.get(db);
        if (!schemas) byDatabase.set(db, (schemas = new Set()));
        schemas.add(t.schema.name.toLowerCase());
      }
      const found = new Map<string, { columns: ColumnInfo[]; kind: 'table' | 'view' }>();
      const views = new Set<string>();
      const keyOfParts = (parts: readonly string[]) => `${parts[0]!.toLowerCase()}.${parts[1]!.toLowerCase()}.${parts[2]!.toLowerCase()}`;
      for (const [db, schemas] of byDatabase) {
        const schemaList = [...schemas];
        const placeholders = schemaList.map((_, i) => `$${i + 2}`).join(', ');
        const where = `lower(database_name) = $1 and lower(schema_name) in (${placeholders})`;
        // One statement per database: the columns of every table in the schemas the products live in, and which
        // of those tables are views (duckdb_columns() and duckdb_views(), what information_schema.columns and
        // .tables are made of). Each schema's rows come back as ONE JSON text: reading 240,000 rows of 8 values
        // through the driver cost about 2 s of CPU at 60,000 products, one JSON.parse per schema a tenth of it.
        // JSON keeps every name exact, whatever characters it holds.
        const rows = await run(
          `select 'c' as what, string_agg(to_json([database_name, schema_name, table_name, column_name, data_type, is_nullable::varchar, column_index::varchar]), ',') as items
             from duckdb_columns() where ${where} group by schema_name
           union all
           select 'v' as what, string_agg(to_json([database_name, schema_name, view_name]), ',') as items
             from duckdb_views() where ${where} group by schema_name`,
          options,
          [db, ...schemaList],
        );
        for (const row of rows) {
          if (row.what !== 'v') continue;
          for (const parts of JSON.parse(`[${String(row.items)}]`) as string[][]) views.add(keyOfParts(parts));
        }
        for (const row of rows) {
          if (row.what !== 'c') continue;
          for (const parts of JSON.parse(`[${String(row.items)}]`) as string[][]) {
            const key = keyOfParts(parts);
            let entry = found.get(key);
            if (!entry) found.set(key, (entry = { columns: [], kind: views.has(key) ? 'view' : 'table' }));
            entry.columns.push({ name: parts[3]!, type: parts[4]!, nullable: parts[5] === 'true', ordinal: Number(parts[6]) });
          }
        }
      }
      // string_agg keeps no order: columns in table order, as information_schema's ordinal_position gave them.
      for (const entry of found.values()) entry.columns.sort((a, b) => a.ordinal - b.ordinal);
      const result = new Map<string, TableMetadata>();
      for (const t of tables) {
        const key = duckdbDialect.tableKey(t);
        const entry = found.get(key);
        if (entry) result.set(key, { columns: entry.columns, kind: entry.kind });
      }
      return result;
    },
    async query(sql, options) {
      assertSingleSelect(sql, duckdbDialect);
      return run(sql, options, undefined, true);
    },
    async queryOwnerSql(sql, scope, options) {
      assertReadOnlySql(sql);
      // What the statement reads, from DuckDB's own parser: no guessing at quoting or comments.
      const [parsed] = await run('select json_serialize_sql($1::varchar) as tree', options, [sql.trim().replace(/;\s*$/, '')]);
      const refs = refsOfSerializedSql(String(parsed?.tree ?? ''));
      if (refs.error !== undefined) throw new WarehouseError('WAREHOUSE_QUERY', `DuckDB: ${refs.error}`);
      if (refs.functions.length > 0) throw outsideScope(`table function ${refs.functions[0]}()`);
      const allowed = await scopeKeys(scope, options);
      for (const ref of refs.tables) {
        if (!allowed.has(keyOf(ref, database.name, 'main'))) throw outsideScope(`table ${nameOf(ref)}`);
      }
      const rows = await run(oneRow(sql, (a) => doubleQuote(a)), options, undefined, true);
      return rows[0];
    },
    stats: () => ({ queries }),
    async close() {
      if (closed) return;
      closed = true;
      await pool.drain();
      for (const c of connections) c.closeSync();
      instance.closeSync();
    },
  };
}
