/**
 * Snowflake adapter through `snowflake-sdk`: the only file that imports the
 * driver. It implements `Warehouse` (see `warehouse.ts` for the guarantees).
 *
 * Facts about the driver (v3.3) this file is built around:
 * - Loading it probes cloud metadata addresses unless
 *   `SNOWFLAKE_DISABLE_PLATFORM_DETECTION` is set, and every login sends
 *   connection telemetry unless `SF_TELEMETRY_DISABLE_CONNECTION_SHAPE` is
 *   set; both are read from the environment, so they are set before the
 *   module is first imported (dynamically, below).
 * - Without `configure({ logFilePath })` it writes `snowflake.log` into the
 *   working directory and copies log lines to stdout; here its log goes to
 *   our pino logger (`customLogger`) and the file path points at the tmpdir.
 * - `connectAsync()` resolves even when login fails: the error reaches only
 *   its callback. The pool's connection factory re-wraps login errors as
 *   `new Error(message)`, dropping the Snowflake code, so `open` logs in once
 *   with a plain connection to learn the real code (390100, 390144, 401001…).
 * - The connection option `queryTag` would override a per-statement
 *   QUERY_TAG, so it is never set; QUERY_TAG and STATEMENT_TIMEOUT_IN_SECONDS
 *   travel as statement `parameters`.
 * - Numbers are converted with `Number()` (precision loss beyond 2^53), so
 *   they are fetched as strings and converted here; with `fetchAsString` a
 *   NULL number arrives as the string `'NULL'` unless
 *   `representNullAsStringNull: false` (a process-wide setting) is given.
 *   Timestamps arrive as `Date` subclasses carrying extra methods: copied
 *   into plain `Date`s.
 * - A pooled connection whose session died (master token expired) stays
 *   "borrowable" in generic-pool; it is destroyed instead of released.
 * - Login retries network errors 7 times with backoff by default (minutes);
 *   `sfRetryMaxLoginRetries` bounds that, and the scheduler retries instead.
 */
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SnowflakeWarehouseConfig } from '../config/types.js';
import { parseIdentifierPath, type IdentifierPart, type TableRef } from '../config/identifier.js';
import { columnPart, doubleQuote } from './sql-dialect.js';
import { oneRow, outsideScope } from './owner-sql.js';
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

// ---------------------------------------------------------------------------
// Narrow types for the parts of the driver used here (its typings are loose).

interface SdkError extends Error {
  code?: string | number;
  sqlState?: string;
  cause?: unknown;
}

interface SdkColumn {
  getName(): string;
  getType(): string;
  getScale(): number | undefined;
}

interface SdkStatement {
  cancel(callback?: (err: SdkError | undefined) => void): void;
  getQueryId(): string | undefined;
  getColumns(): SdkColumn[] | undefined;
}

interface SdkExecuteOptions {
  sqlText: string;
  parameters: Record<string, string | number>;
  rowMode: 'array';
  fetchAsString: Array<'Number'>;
  complete: (err: SdkError | undefined, statement: SdkStatement, rows: unknown[] | undefined) => void;
}

interface SdkConnection {
  isUp(): boolean;
  connect(callback: (err: SdkError | undefined, connection: SdkConnection) => void): SdkConnection;
  destroy(callback: (err: SdkError | undefined) => void): void;
  execute(options: SdkExecuteOptions): SdkStatement;
}

interface SdkPool {
  acquire(): Promise<SdkConnection>;
  release(connection: SdkConnection): Promise<void>;
  destroy(connection: SdkConnection): Promise<void>;
  drain(): Promise<void>;
  clear(): Promise<void>;
}

interface SdkLogger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  trace(message: string): void;
}

interface SnowflakeSdk {
  configure(options: {
    logLevel?: 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE' | 'OFF';
    logFilePath?: string;
    additionalLogToConsole?: boolean;
    customLogger?: SdkLogger;
    useEnvProxy?: boolean;
  }): void;
  createConnection(options: Record<string, unknown>): SdkConnection;
  createPool(options: Record<string, unknown>, poolOptions: Record<string, unknown>): SdkPool;
}

// ---------------------------------------------------------------------------
// Loading the driver once, with its side effects switched off.

/** Where driver log lines go: the logger of the most recently opened warehouse. */
let driverLog: Logger | undefined;
let sdkLoading: Promise<SnowflakeSdk> | undefined;

function loadSdk(): Promise<SnowflakeSdk> {
  sdkLoading ??= (async () => {
    process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION ??= 'true';
    process.env.SF_TELEMETRY_DISABLE_CONNECTION_SHAPE ??= '1';
    const loaded: { default?: unknown } = await import('snowflake-sdk');
    const sdk = (loaded.default ?? loaded) as SnowflakeSdk;
    const forward = (message: string) => driverLog?.debug({ driver: 'snowflake-sdk' }, message);
    sdk.configure({
      logLevel: 'WARN',
      logFilePath: join(tmpdir(), 'meshwatch-snowflake-sdk.log'),
      additionalLogToConsole: false,
      customLogger: { error: forward, warn: forward, info: forward, debug: forward, trace: forward },
    });
    return sdk;
  })();
  return sdkLoading;
}

// ---------------------------------------------------------------------------
// Dialect: unquoted identifiers are stored upper-case; quoted ones exactly.

/** The name Snowflake stores for an identifier part. */
function storedName(part: IdentifierPart): string {
  return part.quoted ? part.name : part.name.toUpperCase();
}

/** A stored name as Snowflake displays it: bare when it needs no quotes. */
function displayName(stored: string): string {
  return /^[A-Z_][A-Z0-9_$]*$/.test(stored) ? stored : doubleQuote(stored);
}

/** Snowflake string literals also treat backslash as an escape character. */
function snowflakeString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

export const snowflakeDialect: SqlDialect = {
  quoteIdentifier: (part) => doubleQuote(storedName(part)),
  quoteColumn: (name) => doubleQuote(storedName(columnPart(name))),
  quoteTable: (t) => [t.database, t.schema, t.table].map((p) => doubleQuote(storedName(p))).join('.'),
  quoteString: snowflakeString,
  backslashEscapes: true,
  // RLIKE anchors the pattern at both ends.
  regexFullMatch: (subject, pattern) => `RLIKE(${subject}, ${pattern})`,
  tableKey: (t) => [t.database, t.schema, t.table].map((p) => displayName(storedName(p))).join('.'),
};

// ---------------------------------------------------------------------------
// Errors.

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE',
  'ECONNABORTED', 'ESOCKETTIMEDOUT', 'ERR_SOCKET_CONNECTION_TIMEOUT',
]);
/** Driver client codes for network trouble: could not connect, bad HTTP answer, non-JSON answer, large-result download. */
const DRIVER_NETWORK_CODES = new Set(['401001', '401002', '401003', '402001', '402002']);
/** Session token expired / invalid, master token expired, session gone, driver "invalid token". */
const EXPIRED_SESSION_CODES = new Set(['390112', '390114', '390104', '390111', '401004']);
/**
 * The driver's "terminated connection": when it cannot renew a dead session
 * (master token expired, session policy timeout) it marks the connection
 * disconnected and the statement fails with 407002 without having run.
 */
const TERMINATED_CONNECTION_CODES = new Set(['407001', '407002']);

function codeOf(err: unknown): string {
  const code = (err as SdkError | undefined)?.code;
  return code === undefined || code === null ? '' : String(code);
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n').map((l) => l.trim()).filter(Boolean).join(' ').slice(0, 500);
}

/**
 * Maps a driver error to a `WarehouseError`. `phase` says what was being done:
 * a failure to log in without a recognisable code is an auth failure; a pool
 * connection that cannot be made (the pool drops codes) is judged by its message.
 */
export function mapSnowflakeError(err: unknown, phase: 'login' | 'connect' | 'query'): WarehouseError {
  if (err instanceof WarehouseError) return err;
  const code = codeOf(err);
  const causeCode = codeOf((err as SdkError | undefined)?.cause);
  const sqlState = (err as SdkError | undefined)?.sqlState;
  const text = firstLine(err);
  const message = `Snowflake${code ? ` ${code}` : ''}: ${text}`;
  const make = (c: WarehouseErrorCode, retryable?: boolean) =>
    new WarehouseError(c, message, retryable === undefined ? { cause: err } : { cause: err, retryable });

  if (NETWORK_CODES.has(code) || NETWORK_CODES.has(causeCode) || DRIVER_NETWORK_CODES.has(code)) return make('WAREHOUSE_UNREACHABLE');
  if (TERMINATED_CONNECTION_CODES.has(code)) return make('WAREHOUSE_UNREACHABLE', true);
  if (EXPIRED_SESSION_CODES.has(code)) return make('WAREHOUSE_AUTH', true);
  if (/^390\d{3}$/.test(code)) return make('WAREHOUSE_AUTH');
  if (code === '000630') return make('WAREHOUSE_TIMEOUT');
  if (code === '000604') return make('WAREHOUSE_CANCELLED');
  if (code === '002003' || code === '000904' || code === '002043') return make('WAREHOUSE_OBJECT_NOT_FOUND');
  if (/^003\d{3}$/.test(code) || sqlState === '42501' || /insufficient privileges/i.test(text)) return make('WAREHOUSE_PERMISSION');
  // 000606: no active warehouse — the role lacks USAGE on it, or none is configured.
  if (code === '000606') return make('WAREHOUSE_PERMISSION');
  if (phase === 'login') return make('WAREHOUSE_AUTH');
  if (phase === 'connect') {
    if (/ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EAI_AGAIN|network|socket hang up|could not reach/i.test(text)) return make('WAREHOUSE_UNREACHABLE');
    if (/password|authenticat|jwt|token|login|locked|disabled|not authorized|private key/i.test(text)) return make('WAREHOUSE_AUTH');
    return make('WAREHOUSE_UNREACHABLE');
  }
  return make('WAREHOUSE_QUERY');
}

// ---------------------------------------------------------------------------
// Values.

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

function toSqlValue(value: unknown, column: SdkColumn | undefined): SqlValue {
  if (value === null || value === undefined) return null;
  const type = column?.getType();
  if (type === 'fixed' || type === 'real' || type === 'decfloat') {
    const textValue = String(value);
    if (textValue === 'NULL') return null;
    if (type === 'fixed' && !column?.getScale() && /^-?\d+$/.test(textValue)) {
      const big = BigInt(textValue);
      return big >= MIN_SAFE && big <= MAX_SAFE ? Number(big) : big;
    }
    return Number(textValue);
  }
  if (value instanceof Date) return new Date(value.getTime());
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return value;
  if (Buffer.isBuffer(value)) return value.toString('hex');
  return JSON.stringify(value);
}

// ---------------------------------------------------------------------------
// Metadata.

/** Type text as Snowflake displays it in DESCRIBE: `NUMBER(38,0)`, `VARCHAR(16777216)`, `TIMESTAMP_NTZ`. */
function typeText(dataType: string, length: SqlValue, precision: SqlValue, scale: SqlValue): string {
  const n = (v: SqlValue) => (v === null ? undefined : Number(v));
  if (dataType === 'NUMBER' && n(precision) !== undefined) return `NUMBER(${n(precision)},${n(scale) ?? 0})`;
  if (dataType === 'TEXT') return n(length) !== undefined ? `VARCHAR(${n(length)})` : 'VARCHAR';
  if (dataType === 'BINARY' && n(length) !== undefined) return `BINARY(${n(length)})`;
  return dataType;
}

/**
 * Table names per IN list in the metadata queries. Many lists are OR-ed in
 * the same statement, so the filter stays selective on very large schemas
 * ("Information schema query returned too much data") at one query per view.
 */
const NAME_LIST_SIZE = 1000;

// ---------------------------------------------------------------------------
// What a statement reads, from Snowflake's EXPLAIN USING JSON.

/**
 * `EXPLAIN USING JSON <stmt>` compiles without running (no warehouse needed)
 * and returns one row, column `content`: `{"GlobalStats": {...},
 * "Operations": [[{ "id", "parentOperators", "operation", "objects",
 * "alias", "expressions", ... }]]}`. `objects` names what a TableScan reads:
 * a table, materialized view or secure view (plain views are expanded into
 * the tables they read). An ExternalScan reads a stage or external table.
 */
export interface ExplainedReads {
  readonly objects: string[];
  readonly external: boolean;
}

export function readsOfExplainJson(content: string): ExplainedReads {
  const objects: string[] = [];
  let external = false;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) walk(child);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const op = node as { operation?: unknown; objects?: unknown };
    if (typeof op.operation === 'string' && /^ExternalScan$/i.test(op.operation)) external = true;
    if (Array.isArray(op.objects)) for (const o of op.objects) if (typeof o === 'string') objects.push(o);
    for (const value of Object.values(node)) if (typeof value === 'object') walk(value);
  };
  try {
    walk((JSON.parse(content) as { Operations?: unknown }).Operations);
  } catch {
    throw new WarehouseError('WAREHOUSE_QUERY', 'Snowflake: EXPLAIN USING JSON returned no readable plan');
  }
  return { objects, external };
}

// ---------------------------------------------------------------------------
// The adapter.

export interface SnowflakeOptions {
  readonly logger?: Logger;
  /** Timeout for a statement when the caller gives none; default `config.statementTimeout`, else 5 minutes. */
  readonly defaultTimeoutMs?: number;
  /** Login retries on network errors (the driver's default, 7, can take minutes); default 2. */
  readonly loginRetries?: number;
}

interface Result {
  readonly columns: readonly SdkColumn[];
  readonly rows: readonly SqlValue[][];
}

function defaultDatabase(config: SnowflakeWarehouseConfig): IdentifierPart | undefined {
  if (config.database === undefined) return undefined;
  const parts = parseIdentifierPath(config.database);
  return typeof parts !== 'string' && parts.length === 1 ? parts[0]! : { name: config.database, quoted: true };
}

/** A PEM from an environment variable often carries literal `\n`; accept it. */
function normalisePem(pem: string): string {
  return pem.includes('\n') ? pem : pem.replaceAll('\\n', '\n');
}

async function connectionOptions(config: SnowflakeWarehouseConfig, loginRetries: number): Promise<Record<string, unknown>> {
  const keyPair = config.privateKey !== undefined || config.privateKeyPath !== undefined;
  const authenticator = config.authenticator ?? (keyPair ? 'SNOWFLAKE_JWT' : 'SNOWFLAKE');
  const options: Record<string, unknown> = {
    account: config.account,
    username: config.user,
    authenticator,
    // NULL numbers as null, not 'NULL' (process-wide in the driver; every connection sets it).
    representNullAsStringNull: false,
    sfRetryMaxLoginRetries: loginRetries,
    clientSessionKeepAlive: false,
  };
  if (config.role !== undefined) options.role = config.role;
  if (config.warehouse !== undefined) options.warehouse = config.warehouse;
  if (config.database !== undefined) options.database = config.database;
  if (config.accessUrl !== undefined) options.accessUrl = config.accessUrl.replace(/\/+$/, '');
  if (authenticator === 'SNOWFLAKE_JWT') {
    let pem: string;
    try {
      pem = config.privateKey !== undefined ? normalisePem(config.privateKey) : await readFile(config.privateKeyPath ?? '', 'utf8');
    } catch (err) {
      throw new WarehouseError('WAREHOUSE_AUTH', `Snowflake: cannot read the private key file ${config.privateKeyPath ?? ''}`, { cause: err });
    }
    try {
      createPrivateKey(config.privateKeyPass === undefined ? { key: pem, format: 'pem' } : { key: pem, format: 'pem', passphrase: config.privateKeyPass });
    } catch (err) {
      const message = config.privateKeyPass === undefined ? 'not a PEM private key, or encrypted and privateKeyPass is missing' : 'not a PEM private key, or the passphrase is wrong';
      throw new WarehouseError('WAREHOUSE_AUTH', `Snowflake: the private key cannot be used (${message})`, { cause: err });
    }
    options.privateKey = pem;
    if (config.privateKeyPass !== undefined) options.privateKeyPass = config.privateKeyPass;
  } else {
    options.password = config.password;
  }
  return options;
}

/** Logs in once with a plain connection: the pool would drop the error code. */
async function probeLogin(sdk: SnowflakeSdk, options: Record<string, unknown>): Promise<void> {
  const connection = sdk.createConnection({ ...options });
  const error = await new Promise<SdkError | undefined>((resolve) => {
    try {
      connection.connect((err) => resolve(err));
    } catch (err) {
      resolve(err as SdkError);
    }
  });
  if (error || !connection.isUp()) throw mapSnowflakeError(error ?? new Error('login did not complete'), 'login');
  await new Promise<void>((resolve) => connection.destroy(() => resolve()));
}

/** QUERY_TAG holds at most 2000 characters. */
const QUERY_TAG_LIMIT = 2000;

/**
 * The statement's QUERY_TAG, for cost per domain and product. A batched scan
 * is `{"app","domain","products":[…],"check":"scan","op"}`; where the product
 * list would pass the limit it is cut, and `"more"` counts the ids left out.
 */
export function queryTag(options: QueryOptions | undefined, op: string): string {
  const tag: Record<string, string | number | string[]> = { app: 'meshwatch' };
  if (options?.product !== undefined) tag.product = options.product;
  if (options?.domain !== undefined) tag.domain = options.domain;
  const products = options?.products;
  if (products !== undefined) tag.products = [...products];
  if (options?.check !== undefined) tag.check = options.check;
  tag.op = op;
  let json = JSON.stringify(tag);
  if (products !== undefined && json.length > QUERY_TAG_LIMIT) {
    // Keep as many ids as fit beside the count of the rest.
    let kept = products.length;
    const attempt = (n: number) => JSON.stringify({ ...tag, products: products.slice(0, n), more: products.length - n });
    while (kept > 0 && attempt(kept).length > QUERY_TAG_LIMIT) kept = Math.min(kept - 1, Math.floor((kept * QUERY_TAG_LIMIT) / attempt(kept).length));
    tag.products = products.slice(0, kept);
    tag.more = products.length - kept;
    json = JSON.stringify(tag);
  }
  for (const key of ['check', 'product', 'domain'] as const) {
    if (json.length <= QUERY_TAG_LIMIT) break;
    const value = tag[key];
    if (typeof value === 'string') tag[key] = value.slice(0, 200);
    json = JSON.stringify(tag);
  }
  return json;
}

export async function openSnowflakeWarehouse(config: SnowflakeWarehouseConfig, options: SnowflakeOptions = {}): Promise<Warehouse> {
  const log = options.logger?.child({ component: 'snowflake' });
  if (options.logger) driverLog = options.logger.child({ component: 'snowflake-sdk' });
  const sdk = await loadSdk();
  // Process-wide: the last opened warehouse decides whether HTTP(S)_PROXY is honoured.
  sdk.configure({ useEnvProxy: config.useEnvProxy });

  let connectOptions: Record<string, unknown>;
  try {
    connectOptions = await connectionOptions(config, options.loginRetries ?? 2);
  } catch (err) {
    const mapped = mapSnowflakeError(err, 'login');
    log?.error({ code: mapped.code, err: mapped.message }, 'Snowflake credentials unusable');
    throw mapped;
  }
  log?.info(
    {
      account: config.account,
      user: config.user,
      role: config.role,
      warehouse: config.warehouse,
      database: config.database,
      authenticator: connectOptions.authenticator,
      accessUrl: config.accessUrl,
    },
    'connecting to Snowflake',
  );
  try {
    await probeLogin(sdk, connectOptions);
  } catch (err) {
    const mapped = mapSnowflakeError(err, 'login');
    log?.error({ code: mapped.code, err: mapped.message }, 'Snowflake login failed');
    throw mapped;
  }

  const pool = sdk.createPool(connectOptions, {
    max: config.pool.max,
    min: Math.min(config.pool.min, config.pool.max),
    // Sessions idle for hours lose their master token; retire idle connections well before.
    idleTimeoutMillis: 30 * 60_000,
    evictionRunIntervalMillis: 60_000,
  });
  const defaultTimeoutMs = options.defaultTimeoutMs ?? config.statementTimeout?.ms ?? 300_000;
  const database = defaultDatabase(config);
  let queries = 0;
  let closed = false;

  /** Waits for a pooled connection, giving up (and handing it back once it comes) when the deadline fires. */
  function acquire(signal: AbortSignal): Promise<SdkConnection> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const acquiring = pool.acquire();
    return new Promise<SdkConnection>((resolve, reject) => {
      let settled = false;
      const onAbort = () => {
        if (settled) return;
        settled = true;
        acquiring.then((c) => pool.release(c), () => {});
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      acquiring.then(
        (connection) => {
          signal.removeEventListener('abort', onAbort);
          if (settled) return;
          settled = true;
          resolve(connection);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          if (settled) return;
          settled = true;
          reject(mapSnowflakeError(err, 'connect'));
        },
      );
    });
  }

  function executeOn(connection: SdkConnection, sql: string, parameters: Record<string, string | number>, signal: AbortSignal): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      let settled = false;
      let statement: SdkStatement | undefined;
      const onAbort = () => {
        if (settled) return;
        settled = true;
        statement?.cancel((err) => {
          if (err) log?.debug({ err: firstLine(err) }, 'Snowflake statement cancel failed');
        });
        reject(signal.reason);
      };
      try {
        queries++;
        statement = connection.execute({
          sqlText: sql,
          parameters,
          rowMode: 'array',
          fetchAsString: ['Number'],
          complete: (err, stmt, rows) => {
            signal.removeEventListener('abort', onAbort);
            if (settled) return;
            settled = true;
            if (err) {
              reject(err);
              return;
            }
            const columns = stmt.getColumns() ?? [];
            resolve({
              columns,
              rows: (rows ?? []).map((row) => (Array.isArray(row) ? row : []).map((v, i) => toSqlValue(v, columns[i]))),
            });
          },
        });
      } catch (err) {
        settled = true;
        reject(err);
        return;
      }
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Runs one statement: read-only check, tag and timeout parameters, client-side deadline. */
  async function run(statement: string, queryOptions: QueryOptions | undefined, op: string, explain = false): Promise<Result> {
    // EXPLAIN compiles the (guarded) statement without running it.
    assertSingleSelect(statement, snowflakeDialect);
    const sql = explain ? `explain using json ${statement}` : statement;
    if (closed) throw new WarehouseError('WAREHOUSE_UNREACHABLE', 'Snowflake warehouse is closed');
    const limit = deadline(queryOptions, defaultTimeoutMs);
    const parameters = {
      QUERY_TAG: queryTag(queryOptions, op),
      STATEMENT_TIMEOUT_IN_SECONDS: Math.max(1, Math.ceil(limit.timeoutMs / 1000)),
      // Snowflake itself refuses a second statement hidden in the text, whatever the guard above missed.
      MULTI_STATEMENT_COUNT: 1,
    };
    const started = Date.now();
    let connection: SdkConnection | undefined;
    try {
      for (let attempt = 1; ; attempt++) {
        connection = await acquire(limit.signal);
        const sent = performance.now();
        try {
          const result = await executeOn(connection, sql, parameters, limit.signal);
          log?.debug({ op, product: queryOptions?.product, check: queryOptions?.check, rows: result.rows.length, ms: Date.now() - started }, 'Snowflake statement');
          queryOptions?.onStatement?.(performance.now() - sent);
          return result;
        } catch (err) {
          queryOptions?.onStatement?.(performance.now() - sent);
          // A pooled session that died while idle fails its next statement with 407002 before running
          // it; retrying once on a fresh connection is safe (and the statement is read-only anyway).
          if (attempt > 1 || limit.signal.aborted || !TERMINATED_CONNECTION_CODES.has(codeOf(err))) throw err;
          const dead = connection;
          connection = undefined;
          await pool.destroy(dead).catch(() => {});
        }
      }
    } catch (err) {
      const mapped = limit.signal.aborted
        ? limit.reason() === 'timeout'
          ? new WarehouseError('WAREHOUSE_TIMEOUT', `Snowflake: statement timed out after ${limit.timeoutMs} ms`, { cause: err })
          : new WarehouseError('WAREHOUSE_CANCELLED', 'Snowflake: statement cancelled', { cause: err })
        : mapSnowflakeError(err, 'query');
      log?.debug({ op, product: queryOptions?.product, check: queryOptions?.check, code: mapped.code, err: mapped.message }, 'Snowflake statement failed');
      throw mapped;
    } finally {
      limit.dispose();
      if (connection) {
        // A connection whose session died would be handed out again by the pool: destroy it.
        const done = connection.isUp() ? pool.release(connection) : pool.destroy(connection);
        done.catch(() => {});
      }
    }
  }

  async function describeDatabase(db: IdentifierPart, tables: readonly ResolvedTable[], queryOptions: QueryOptions | undefined) {
    const schemas = [...new Set(tables.map((t) => storedName(t.schema)))].sort();
    const names = [...new Set(tables.map((t) => storedName(t.table)))].sort();
    const nameLists: string[] = [];
    for (let i = 0; i < names.length; i += NAME_LIST_SIZE) {
      nameLists.push(`TABLE_NAME in (${names.slice(i, i + NAME_LIST_SIZE).map(snowflakeString).join(', ')})`);
    }
    const where = `TABLE_SCHEMA in (${schemas.map(snowflakeString).join(', ')}) and (${nameLists.join(' or ')})`;
    const source = (view: string) => `${snowflakeDialect.quoteIdentifier(db)}.INFORMATION_SCHEMA.${view}`;
    // A database that does not exist (or that the role cannot see) fails with 002003: its tables are simply absent.
    // Only 002003 (object does not exist): an invalid identifier (000904) in this query is a bug, not absent tables.
    const absentIfMissing = (err: unknown): Result => {
      if (err instanceof WarehouseError && codeOf(err.cause) === '002003') return { columns: [], rows: [] };
      throw err;
    };
    const [columns, stats] = await Promise.all([
      run(
        `select TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, IS_NULLABLE, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE from ${source('COLUMNS')} where ${where}`,
        queryOptions,
        'describeTables',
      ).catch(absentIfMissing),
      run(`select TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, LAST_ALTERED, ROW_COUNT from ${source('TABLES')} where ${where}`, queryOptions, 'describeTables').catch(
        absentIfMissing,
      ),
    ]);
    const dbKey = displayName(storedName(db));
    const key = (schema: SqlValue, table: SqlValue) => [dbKey, displayName(String(schema)), displayName(String(table))].join('.');
    const found = new Map<string, { columns: ColumnInfo[]; kind: 'table' | 'view'; lastModified?: Date; rowCount?: number }>();
    for (const [schema, table, type, altered, rowCount] of stats.rows) {
      const kind = /VIEW/i.test(String(type)) ? 'view' : 'table';
      found.set(key(schema ?? null, table ?? null), {
        columns: [],
        kind,
        // For a view LAST_ALTERED is the time of its DDL, which says nothing about its data.
        ...(kind === 'table' && altered instanceof Date ? { lastModified: altered } : {}),
        ...(kind === 'table' && rowCount !== null && rowCount !== undefined ? { rowCount: Number(rowCount) } : {}),
      });
    }
    for (const [schema, table, column, ordinal, nullable, dataType, length, precision, scale] of columns.rows) {
      const k = key(schema ?? null, table ?? null);
      let entry = found.get(k);
      if (!entry) found.set(k, (entry = { columns: [], kind: 'table' }));
      entry.columns.push({
        name: String(column),
        type: typeText(String(dataType), length ?? null, precision ?? null, scale ?? null),
        nullable: nullable === 'YES',
        ordinal: Number(ordinal),
      });
    }
    return found;
  }

  return {
    engine: 'snowflake',
    dialect: snowflakeDialect,
    capabilities: { lastModified: true, rowCount: true },
    resolve(ref: TableRef): ResolvedTable {
      const db = ref.database ?? database;
      if (!db) {
        throw new WarehouseError('WAREHOUSE_QUERY', `table ${ref.schema.name}.${ref.table.name} names no database and warehouse.database is not set`);
      }
      return { database: db, schema: ref.schema, table: ref.table };
    },
    async describeTables(tables, queryOptions) {
      const byDatabase = new Map<string, { db: IdentifierPart; tables: ResolvedTable[] }>();
      for (const t of tables) {
        const name = storedName(t.database);
        let group = byDatabase.get(name);
        if (!group) byDatabase.set(name, (group = { db: t.database, tables: [] }));
        group.tables.push(t);
      }
      const perDatabase = await Promise.all([...byDatabase.values()].map((g) => describeDatabase(g.db, g.tables, queryOptions)));
      const found = new Map(perDatabase.flatMap((m) => [...m]));
      const result = new Map<string, TableMetadata>();
      for (const t of tables) {
        const key = snowflakeDialect.tableKey(t);
        const entry = found.get(key);
        if (!entry) continue;
        result.set(key, {
          columns: [...entry.columns].sort((a, b) => a.ordinal - b.ordinal),
          kind: entry.kind,
          lastModified: entry.lastModified,
          rowCount: entry.rowCount,
        });
      }
      return result;
    },
    async query(sql, queryOptions) {
      const result = await run(sql, queryOptions, 'query');
      const names = result.columns.map((c) => c.getName());
      return result.rows.map((values) => {
        const row: Row = {};
        names.forEach((name, i) => (row[name] = values[i] ?? null));
        return row;
      });
    },
    async queryOwnerSql(sql, scope, queryOptions) {
      assertReadOnlySql(sql);
      const body = sql.trim().replace(/;\s*$/, '');
      const explain = async (statement: string): Promise<ExplainedReads> => {
        const result = await run(statement, queryOptions, 'explain', true);
        const index = Math.max(0, result.columns.findIndex((c) => c.getName().toLowerCase() === 'content'));
        return readsOfExplainJson(String(result.rows[0]?.[index] ?? '{}'));
      };
      const reads = await explain(body);
      if (reads.external) throw outsideScope('a stage or external table');
      // What the scope's own tables resolve to in the same plan format: views expand to what they read.
      const allowed = new Set<string>();
      for (const t of scope.tables) {
        allowed.add([t.database, t.schema, t.table].map(storedName).join('.'));
        for (const o of (await explain(`select * from ${snowflakeDialect.quoteTable(t)}`)).objects) allowed.add(o);
      }
      const outside = reads.objects.find((o) => !allowed.has(o));
      if (outside !== undefined) throw outsideScope(`table ${outside}`);
      const result = await run(oneRow(body, (a) => doubleQuote(a)), queryOptions, 'query');
      const first = result.rows[0];
      if (!first) return undefined;
      const row: Row = {};
      result.columns.forEach((c, i) => (row[c.getName()] = first[i] ?? null));
      return row;
    },
    stats: () => ({ queries }),
    async close() {
      if (closed) return;
      closed = true;
      await pool.drain();
      await pool.clear();
      log?.debug('Snowflake pool closed');
    },
  };
}
