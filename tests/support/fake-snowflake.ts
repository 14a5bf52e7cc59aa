/**
 * A local server that speaks enough of Snowflake's HTTP protocol for the real
 * `snowflake-sdk` driver, pointed at it with `accessUrl`. A test fixture, not
 * product code: SQL runs in DuckDB (optionally on a database file attached
 * read-only under the Snowflake database name), and every request is recorded
 * so tests can assert what the adapter sent.
 *
 * Protocol, as the driver (v3.3) uses it:
 * - every answer is HTTP 200 with `{ success, code, message, data }`; a
 *   non-200 answer would be retried by the driver;
 * - `POST /session/v1/login-request` (password or JWT), answered with tokens;
 * - `POST /queries/v1/query-request?requestId=…` with `{ sqlText, parameters,
 *   bindings }`, answered with `rowtype` + `rowset` (all values as strings:
 *   timestamps `"epochSeconds.nanoseconds"`, dates as days since epoch,
 *   booleans `"1"`/`"0"`);
 * - `POST /queries/v1/abort-request` `{ requestId }` (or
 *   `/queries/<queryId>/abort-request`) for `statement.cancel()`;
 * - `POST /session/token-request` renews an expired session token (390112);
 * - `POST /session?delete=true`, `/session/heartbeat`, `/telemetry/send`.
 *
 * Snowflake behaviour imitated: unquoted names are stored upper-case (DuckDB
 * names made of lower-case letters, digits and `_` are shown upper-cased),
 * `<DB>.INFORMATION_SCHEMA.COLUMNS` / `.TABLES` with Snowflake's columns and
 * type names, error codes 002003 / 000904 / 003001 / 000604 / 000630 /
 * 390100 / 390144, and `EXPLAIN USING JSON <stmt>` answered as Snowflake
 * documents it (https://docs.snowflake.com/en/sql-reference/sql/explain):
 * one row, column `content`, `{"GlobalStats", "Operations": [[{ id,
 * parentOperators, operation, objects, expressions, ... }]]}`, the statement
 * compiled but not run; a TableScan's `objects` name the tables read, plain
 * views expanded into the tables they read; table functions (DuckDB's
 * read_csv and the like) appear as an ExternalScan, the closest Snowflake
 * operation (a stage or external table). Backslash escapes in string literals are decoded and `RLIKE(s, p)`
 * is a DuckDB macro over `regexp_full_match`. Not imitated: upper-casing
 * of unquoted result aliases (DuckDB keeps them as written).
 */
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { basename, extname } from 'node:path';
import { statSync } from 'node:fs';
import { createHash, createPublicKey, randomUUID, verify, type KeyObject } from 'node:crypto';
import { refsOfSerializedSql, viewQuery, type TableRefName } from '../../checks/duckdb-sql-refs.js';
import {
  DuckDBDateValue,
  DuckDBDecimalType,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';

export interface FakeError {
  readonly code: string;
  readonly message: string;
  readonly sqlState?: string;
}

export interface RecordedQuery {
  readonly sql: string;
  readonly requestId: string;
  readonly queryId: string;
  /** The statement `parameters` the driver sent (QUERY_TAG, STATEMENT_TIMEOUT_IN_SECONDS, …). */
  readonly parameters: Record<string, unknown>;
  /** QUERY_TAG parsed as JSON when it is JSON, else the raw string; undefined when absent. */
  readonly queryTag: unknown;
  readonly statementTimeoutSeconds: number | undefined;
  readonly bindings: unknown[];
  readonly user: string;
  outcome: 'running' | 'ok' | 'error' | 'cancelled' | 'timeout';
  errorCode?: string;
}

export interface RecordedLogin {
  readonly user: string;
  readonly account: string;
  readonly authenticator: string;
  readonly database: string | undefined;
  readonly role: string | undefined;
  readonly warehouse: string | undefined;
  readonly ok: boolean;
  readonly code?: string;
  /** For SNOWFLAKE_JWT: the public key fingerprint claimed in the token (`SHA256:…`). */
  readonly fingerprint?: string;
  /** Session parameters sent with the login (a connection-level `queryTag` appears here as QUERY_TAG). */
  readonly sessionParameters: Record<string, unknown>;
}

export interface FakeUser {
  /** Password for authenticator SNOWFLAKE. */
  readonly password?: string;
  /** Public key (PEM or KeyObject) that JWTs of this user must be signed with. */
  readonly publicKey?: string | KeyObject;
}

export interface FakeSnowflakeOptions {
  /** DuckDB file attached read-only as the Snowflake database; without it, an empty in-memory engine. */
  readonly duckdbPath?: string;
  /** Snowflake name of that database; default: the file name without extension, upper-cased. */
  readonly database?: string;
  /** Known users; without this map every user and password is accepted (JWTs are then not verified). */
  readonly users?: Record<string, FakeUser>;
  /** Tables (`SCHEMA.TABLE` or `DB.SCHEMA.TABLE`, stored names) whose reading fails with 003001. */
  readonly deniedTables?: readonly string[];
  /** LAST_ALTERED reported for every table; default: the file's modification time. */
  readonly lastAltered?: Date;
}

export interface FakeSnowflake {
  readonly url: string;
  readonly port: number;
  readonly database: string | undefined;
  readonly queries: RecordedQuery[];
  readonly logins: RecordedLogin[];
  /** Request ids or query ids named by abort requests. */
  readonly cancels: string[];
  /** Every request, in order (path without query string). */
  readonly requests: { method: string; path: string }[];
  /** Bodies of `/telemetry/send` requests. */
  readonly telemetry: unknown[];
  readonly deniedTables: Set<string>;
  /** While set, every login fails with 390100. */
  rejectLogins: boolean;
  /** Holds a query this long before running it (a slow warehouse); cancel and statement timeout apply. */
  queryDelayMs: ((query: RecordedQuery) => number) | undefined;
  /** Answers a query with this error instead of running it. */
  injectError: ((query: RecordedQuery) => FakeError | undefined) | undefined;
  /**
   * The next request of every current session gets 390112 (session token
   * expired); with `masterToo`, renewing fails as well (390114), as when a
   * session sat idle past its master token's life.
   */
  expireSessions(options?: { masterToo?: boolean }): void;
  close(): Promise<void>;
}

interface Session {
  readonly user: string;
  readonly database: string | undefined;
  masterToken: string;
  expired: boolean;
  masterExpired?: boolean;
}

interface Pending {
  abort(outcome: 'cancelled' | 'timeout'): void;
}

const FIXED_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER, DuckDBTypeId.BIGINT, DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT, DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER, DuckDBTypeId.UBIGINT, DuckDBTypeId.UHUGEINT,
]);

const SNOWFLAKE_TYPE_SQL = `
  case
    when data_type in ('TINYINT','SMALLINT','INTEGER','BIGINT','HUGEINT','UTINYINT','USMALLINT','UINTEGER','UBIGINT','UHUGEINT') or data_type like 'DECIMAL%' then 'NUMBER'
    when data_type = 'VARCHAR' then 'TEXT'
    when data_type in ('DOUBLE','FLOAT','REAL') then 'FLOAT'
    when data_type = 'TIMESTAMP' then 'TIMESTAMP_NTZ'
    when data_type = 'TIMESTAMP WITH TIME ZONE' then 'TIMESTAMP_TZ'
    when data_type = 'BLOB' then 'BINARY'
    else data_type
  end`;

/**
 * Snowflake's `RLIKE(subject, pattern)` (the pattern anchored at both ends) as
 * DuckDB's full match; a temporary macro, so it resolves whatever database
 * the session uses.
 */
const RLIKE_MACRO = `create temp macro rlike(subject, pattern) as regexp_full_match(subject, pattern)`;

/** Snowflake's timestamp type names, for casts in statements (temporary types, like the macro). */
const TIMESTAMP_TYPES = [
  'create temp type timestamp_ntz as timestamp',
  'create temp type timestamp_tz as timestamptz',
  'create temp type timestamp_ltz as timestamptz',
];

/**
 * Snowflake reads backslash escapes in single-quoted strings (`'\\d'` is
 * `\d`); DuckDB does not. Each literal with a backslash is decoded the
 * Snowflake way and written back as a plain DuckDB literal, so a regular
 * expression means the same on both. Quoted names and comments are skipped.
 */
export function decodeSnowflakeStrings(sql: string): string {
  const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0' };
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === '"' || (c === '-' && sql[i + 1] === '-') || (c === '/' && sql[i + 1] === '*')) {
      const end = c === '"' ? sql.indexOf('"', i + 1) + 1 : c === '-' ? sql.indexOf('\n', i) : sql.indexOf('*/', i) + 2;
      const stop = end <= 0 || (c === '/' && end === 1) ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
      continue;
    }
    if (c !== "'") {
      out += c;
      i++;
      continue;
    }
    let j = i + 1;
    let value = '';
    let escaped = false;
    while (j < sql.length) {
      const d = sql[j]!;
      if (d === '\\' && j + 1 < sql.length) {
        const e = sql[j + 1]!;
        value += ESCAPES[e] ?? e;
        escaped = true;
        j += 2;
      } else if (d === "'" && sql[j + 1] === "'") {
        value += "'";
        j += 2;
      } else if (d === "'") break;
      else {
        value += d;
        j++;
      }
    }
    out += escaped ? `'${value.replaceAll("'", "''")}'` : sql.slice(i, j + 1);
    i = j + 1;
  }
  return out;
}

/** Snowflake's view of a DuckDB name: what an unquoted identifier would have stored. */
const SF_NAME_MACRO = `create macro sf_name(x) as case when regexp_full_match(x, '[a-z_][a-z0-9_$]*') then upper(x) else x end`;

function infoSchemaViews(catalog: string, lastAltered: Date): string[] {
  const cat = catalog.replaceAll("'", "''");
  return [
    `create view memory.main.sf_info_columns as
       select sf_name(table_catalog) as TABLE_CATALOG, sf_name(table_schema) as TABLE_SCHEMA, sf_name(table_name) as TABLE_NAME,
              sf_name(column_name) as COLUMN_NAME, ordinal_position as ORDINAL_POSITION, is_nullable as IS_NULLABLE,
              ${SNOWFLAKE_TYPE_SQL} as DATA_TYPE,
              case when data_type = 'VARCHAR' then 16777216 when data_type = 'BLOB' then 8388608 end as CHARACTER_MAXIMUM_LENGTH,
              case when data_type like 'DECIMAL%' then numeric_precision when ${SNOWFLAKE_TYPE_SQL} = 'NUMBER' then 38 end as NUMERIC_PRECISION,
              case when data_type like 'DECIMAL%' then numeric_scale when ${SNOWFLAKE_TYPE_SQL} = 'NUMBER' then 0 end as NUMERIC_SCALE
         from information_schema.columns where table_catalog = '${cat}'`,
    `create view memory.main.sf_info_tables as
       select sf_name(t.table_catalog) as TABLE_CATALOG, sf_name(t.table_schema) as TABLE_SCHEMA, sf_name(t.table_name) as TABLE_NAME,
              t.table_type as TABLE_TYPE,
              case when t.table_type = 'BASE TABLE' then d.estimated_size end as ROW_COUNT,
              to_timestamp(${lastAltered.getTime() / 1000}) as CREATED,
              to_timestamp(${lastAltered.getTime() / 1000}) as LAST_ALTERED
         from information_schema.tables t
         left join duckdb_tables() d on d.database_name = t.table_catalog and d.schema_name = t.table_schema and d.table_name = t.table_name
        where t.table_catalog = '${cat}'`,
  ];
}

/**
 * `"DB".INFORMATION_SCHEMA.COLUMNS` (or unqualified) becomes the fixture view,
 * filtered to that database; an unknown database fails as in Snowflake (002003).
 */
function rewriteInformationSchema(sql: string, defaultDatabase: string | undefined, known: string | undefined): string | FakeError {
  const pattern = /(?:(?:"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*))\s*\.\s*)?\bINFORMATION_SCHEMA\s*\.\s*(COLUMNS|TABLES)\b/gi;
  let unknown: string | undefined;
  const rewritten = sql.replace(pattern, (_all, quoted: string | undefined, plain: string | undefined, view: string) => {
    const database = quoted !== undefined ? quoted.replaceAll('""', '"') : plain !== undefined ? plain.toUpperCase() : (defaultDatabase ?? '');
    if (database !== known) unknown = database;
    return `(select * from memory.main.sf_info_${view.toLowerCase()} where TABLE_CATALOG = '${database.replaceAll("'", "''")}')`;
  });
  if (unknown !== undefined) return { code: '002003', sqlState: '02000', message: `SQL compilation error:\nDatabase '${unknown}' does not exist or not authorized.` };
  return rewritten;
}

function mentions(sql: string, table: string): boolean {
  const parts = table.split('.');
  const tail = parts.slice(-2).join('.').toUpperCase();
  const text = sql.replaceAll('"', '').toUpperCase().replace(/\s*\.\s*/g, '.');
  const escaped = tail.replace(/[.$]/g, (c) => `\\${c}`);
  return new RegExp(`(?<![A-Z0-9_$])${escaped}(?![A-Z0-9_$])`).test(text);
}

function duckdbErrorToSnowflake(err: unknown): FakeError {
  const message = err instanceof Error ? err.message : String(err);
  const first = message.split('\n')[0] ?? message;
  let m = /^(?:Catalog|Binder) Error: .*?(?:with name |Catalog )"?([^"!]+?)"? does not exist/.exec(first);
  if (m) return { code: '002003', sqlState: '42S02', message: `SQL compilation error:\nObject '${m[1]!.toUpperCase()}' does not exist or not authorized.` };
  // DuckDB names a missing qualified column in a correlated subquery by its table alias; Snowflake says invalid identifier.
  m = /^Binder Error: (?:Referenced column "?([^"]+)"? not found|Table "[^"]+" does not have a column named "([^"]+)"|Referenced table "([^"]+)" not found)/.exec(first);
  if (m) return { code: '000904', sqlState: '42000', message: `SQL compilation error: error line 1 at position 0\ninvalid identifier '${(m[1] ?? m[2] ?? m[3])!.toUpperCase()}'` };
  if (/read-only mode|read-only/i.test(first)) return { code: '003001', sqlState: '42501', message: 'SQL access control error:\nInsufficient privileges to operate on table' };
  if (/^Parser Error/.test(first)) return { code: '001003', sqlState: '42000', message: `SQL compilation error:\n${first}` };
  return { code: '100000', sqlState: '22000', message: first };
}

function rowType(name: string, type: DuckDBType): Record<string, unknown> {
  const base = { name, nullable: true, database: '', schema: '', table: '', byteLength: null, length: null, precision: null, scale: null, collation: null };
  const id = type.typeId;
  if (FIXED_TYPES.has(id)) return { ...base, type: 'fixed', precision: 38, scale: 0 };
  if (type instanceof DuckDBDecimalType) return { ...base, type: 'fixed', precision: type.width, scale: type.scale };
  if (id === DuckDBTypeId.DOUBLE || id === DuckDBTypeId.FLOAT) return { ...base, type: 'real' };
  if (id === DuckDBTypeId.BOOLEAN) return { ...base, type: 'boolean' };
  if (id === DuckDBTypeId.DATE) return { ...base, type: 'date' };
  if (id === DuckDBTypeId.TIMESTAMP_TZ) return { ...base, type: 'timestamp_ltz', scale: 9 };
  if (id === DuckDBTypeId.TIMESTAMP || id === DuckDBTypeId.TIMESTAMP_S || id === DuckDBTypeId.TIMESTAMP_MS || id === DuckDBTypeId.TIMESTAMP_NS) {
    return { ...base, type: 'timestamp_ntz', scale: 9 };
  }
  return { ...base, type: 'text', length: 16777216, byteLength: 16777216 };
}

/** Nanoseconds since the epoch as Snowflake's `"seconds.nanoseconds"` text (scale 9). */
function epochText(nanos: bigint): string {
  const second = 1_000_000_000n;
  let seconds = nanos / second;
  let fraction = nanos % second;
  if (fraction < 0n) {
    fraction += second;
    seconds -= 1n;
  }
  return `${seconds}.${fraction.toString().padStart(9, '0')}`;
}

function cellText(value: DuckDBValue): string | null {
  if (value === null) return null;
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string') return String(value);
  if (value instanceof DuckDBDecimalValue) return value.toString();
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) return epochText(value.micros * 1000n);
  if (value instanceof DuckDBTimestampMillisecondsValue) return epochText(value.millis * 1_000_000n);
  if (value instanceof DuckDBTimestampNanosecondsValue) return epochText(value.nanos);
  if (value instanceof DuckDBTimestampSecondsValue) return epochText(value.seconds * 1_000_000_000n);
  if (value instanceof DuckDBDateValue) return String(value.days);
  return String(value);
}

function publicKeyFingerprint(key: string | KeyObject): string {
  const der = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return `SHA256:${createHash('sha256').update(der).digest('base64')}`;
}

/** Verifies an RS256 JWT as Snowflake does: signature, and the key fingerprint named in `iss`. */
function checkJwt(token: string, publicKey: string | KeyObject | undefined): { ok: boolean; fingerprint?: string } {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) return { ok: false };
  let claims: { iss?: string };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: string };
  } catch {
    return { ok: false };
  }
  const fingerprint = /\.(SHA256:.+)$/.exec(claims.iss ?? '')?.[1];
  if (publicKey === undefined) return fingerprint === undefined ? { ok: true } : { ok: true, fingerprint };
  const signed = verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), createPublicKey(publicKey), Buffer.from(signature, 'base64url'));
  const ok = signed && fingerprint === publicKeyFingerprint(publicKey);
  return fingerprint === undefined ? { ok } : { ok, fingerprint };
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let body = Buffer.concat(chunks);
  if (/gzip/i.test(String(req.headers['content-encoding'] ?? ''))) body = gunzipSync(body);
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return {};
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export async function startFakeSnowflake(options: FakeSnowflakeOptions = {}): Promise<FakeSnowflake> {
  const engine = await DuckDBInstance.create(':memory:');
  const setup = await engine.connect();
  await setup.run(SF_NAME_MACRO);
  let database: string | undefined;
  if (options.duckdbPath !== undefined) {
    database = options.database ?? basename(options.duckdbPath, extname(options.duckdbPath)).toUpperCase();
    await setup.run(`attach '${options.duckdbPath.replaceAll("'", "''")}' as "${database.replaceAll('"', '""')}" (READ_ONLY)`);
    const lastAltered = options.lastAltered ?? statSync(options.duckdbPath).mtime;
    for (const view of infoSchemaViews(database, lastAltered)) await setup.run(view);
  }
  setup.closeSync();

  const sessions = new Map<string, Session>();
  const pendingByRequest = new Map<string, Pending>();
  const pendingByQuery = new Map<string, Pending>();
  const cancelledEarly = new Set<string>();
  const running = new Set<DuckDBConnection>();

  const fake: FakeSnowflake = {
    url: '',
    port: 0,
    database,
    queries: [],
    logins: [],
    cancels: [],
    requests: [],
    telemetry: [],
    deniedTables: new Set(options.deniedTables ?? []),
    rejectLogins: false,
    queryDelayMs: undefined,
    injectError: undefined,
    expireSessions(options) {
      for (const session of sessions.values()) {
        session.expired = true;
        if (options?.masterToo) session.masterExpired = true;
      }
    },
    close: async () => {},
  };

  function login(body: unknown, params: URLSearchParams): Record<string, unknown> {
    const data = isRecord(body) && isRecord(body.data) ? body.data : {};
    const user = text(data.LOGIN_NAME) ?? '';
    const authenticator = text(data.AUTHENTICATOR) ?? 'SNOWFLAKE';
    const record = {
      user,
      account: text(data.ACCOUNT_NAME) ?? '',
      authenticator,
      database: params.get('databaseName') ?? undefined,
      role: params.get('roleName') ?? undefined,
      warehouse: params.get('warehouse') ?? undefined,
      sessionParameters: isRecord(data.SESSION_PARAMETERS) ? data.SESSION_PARAMETERS : {},
    };
    const fail = (code: string, message: string, fingerprint?: string) => {
      fake.logins.push({ ...record, ok: false, code, ...(fingerprint ? { fingerprint } : {}) });
      return { success: false, code, message, data: { nextAction: 'RETRY_LOGIN', authnMethod: authenticator } };
    };
    if (fake.rejectLogins) return fail('390100', 'Incorrect username or password was specified.');
    const known = options.users?.[user];
    if (options.users && !known) return fail('390100', 'Incorrect username or password was specified.');
    let fingerprint: string | undefined;
    if (authenticator === 'SNOWFLAKE_JWT') {
      const jwt = checkJwt(text(data.TOKEN) ?? '', known?.publicKey);
      fingerprint = jwt.fingerprint;
      if (!jwt.ok || (options.users && known?.publicKey === undefined)) return fail('390144', 'JWT token is invalid.', fingerprint);
    } else if (authenticator === 'SNOWFLAKE') {
      const password = text(data.PASSWORD);
      if (!password || (known && known.password !== password)) return fail('390100', 'Incorrect username or password was specified.');
    } else {
      return fail('390100', `Authenticator ${authenticator} is not supported by the fake server.`);
    }
    const token = `session-${randomUUID()}`;
    const masterToken = `master-${randomUUID()}`;
    sessions.set(token, { user, database: record.database?.toUpperCase(), masterToken, expired: false });
    fake.logins.push({ ...record, ok: true, ...(fingerprint ? { fingerprint } : {}) });
    return {
      success: true,
      code: null,
      message: null,
      data: {
        token,
        masterToken,
        validityInSeconds: 3600,
        masterValidityInSeconds: 14400,
        sessionId: sessions.size,
        parameters: [],
        sessionInfo: { databaseName: record.database ?? null, schemaName: null, warehouseName: record.warehouse ?? null, roleName: record.role ?? null },
      },
    };
  }

  function renew(token: string | undefined): Record<string, unknown> {
    for (const [old, session] of sessions) {
      if (session.masterToken !== token) continue;
      if (session.masterExpired) break;
      sessions.delete(old);
      const fresh = `session-${randomUUID()}`;
      sessions.set(fresh, { ...session, expired: false });
      return { success: true, data: { sessionToken: fresh, validityInSecondsST: 3600, masterToken: session.masterToken, validityInSecondsMT: 14400 } };
    }
    return { success: false, code: '390114', message: 'Master token expired.', data: null };
  }

  /** Snowflake's display of a DuckDB name (see SF_NAME_MACRO). */
  const sfName = (x: string) => (/^[a-z_][a-z0-9_$]*$/.test(x) ? x.toUpperCase() : x);

  /** EXPLAIN USING JSON: the tables the statement reads, views expanded, as Snowflake's plan JSON. */
  async function explainJson(statement: string, session: Session): Promise<string | FakeError> {
    const connection = await engine.connect();
    try {
      const one = async (sql: string, values: DuckDBValue[]) => (await connection.runAndReadAll(sql, values)).getRowObjectsJS();
      const parsed = refsOfSerializedSql(String((await one('select json_serialize_sql($1::varchar) as tree', [statement]))[0]?.tree ?? ''));
      if (parsed.error !== undefined) return { code: '001003', sqlState: '42000', message: `SQL compilation error:\n${parsed.error}` };
      const objects: string[] = [];
      const visit = async (ref: TableRefName, catalog: string, schema: string, depth: number): Promise<FakeError | undefined> => {
        const key = [ref.catalog || catalog, ref.schema || schema, ref.table];
        const where = 'lower(database_name) = lower($1) and lower(schema_name) = lower($2)';
        const view = (await one(`select database_name, schema_name, sql from duckdb_views() where ${where} and lower(view_name) = lower($3)`, key))[0];
        if (view && depth < 5) {
          const tree = (await one('select json_serialize_sql($1::varchar) as tree', [viewQuery(String(view.sql))]))[0]?.tree;
          for (const inner of refsOfSerializedSql(String(tree)).tables) {
            const failed = await visit(inner, String(view.database_name), String(view.schema_name), depth + 1);
            if (failed) return failed;
          }
          return undefined;
        }
        const table = (await one(`select database_name, schema_name, table_name from duckdb_tables() where ${where} and lower(table_name) = lower($3)`, key))[0];
        if (!table) return { code: '002003', sqlState: '42S02', message: `SQL compilation error:\nObject '${key.join('.').toUpperCase()}' does not exist or not authorized.` };
        objects.push([table.database_name, table.schema_name, table.table_name].map((v) => sfName(String(v))).join('.'));
        return undefined;
      };
      for (const ref of parsed.tables) {
        const failed = await visit(ref, session.database ?? database ?? 'memory', 'main', 0);
        if (failed) return failed;
      }
      const operations: Record<string, unknown>[] = [{ id: 0, operation: 'Result', expressions: [] }];
      for (const object of objects) {
        operations.push({ id: operations.length, parentOperators: [0], operation: 'TableScan', objects: [object], expressions: [], partitionsTotal: 1, partitionsAssigned: 1, bytesAssigned: 1024 });
      }
      for (const fn of parsed.functions) operations.push({ id: operations.length, parentOperators: [0], operation: 'ExternalScan', expressions: [fn] });
      return JSON.stringify({ GlobalStats: { partitionsTotal: objects.length, partitionsAssigned: objects.length, bytesAssigned: objects.length * 1024 }, Operations: [operations] });
    } finally {
      connection.closeSync();
    }
  }

  async function execute(query: RecordedQuery, session: Session): Promise<Record<string, unknown>> {
    const failure = (e: FakeError, outcome: RecordedQuery['outcome'] = 'error') => {
      query.outcome = outcome;
      query.errorCode = e.code;
      return { success: false, code: e.code, message: e.message, data: { queryId: query.queryId, sqlState: e.sqlState ?? '42000', errorCode: e.code, internalError: false } };
    };
    /** A result set as the driver reads it: rows of strings, typed by `rowtype`. */
    const rows = (rowtype: unknown[], rowset: unknown[][]) => {
      query.outcome = 'ok';
      return {
        success: true,
        code: null,
        message: null,
        data: {
          queryId: query.queryId,
          rowtype,
          rowset,
          total: rowset.length,
          returned: rowset.length,
          parameters: [],
          queryResultFormat: 'json',
          statementTypeId: 4096,
          finalDatabaseName: session.database ?? null,
        },
      };
    };
    const injected = fake.injectError?.(query);
    if (injected) return failure(injected);
    for (const table of fake.deniedTables) {
      if (mentions(query.sql, table)) {
        return failure({ code: '003001', sqlState: '42501', message: `SQL access control error:\nInsufficient privileges to operate on table '${table.split('.').at(-1)}'` });
      }
    }

    const explain = /^\s*explain\s+using\s+json\s+([\s\S]*)$/i.exec(query.sql);
    if (explain) {
      const content = await explainJson(decodeSnowflakeStrings(explain[1]!), session);
      if (typeof content !== 'string') return failure(content);
      return rows([{ name: 'content', type: 'text', nullable: true, database: '', schema: '', table: '', byteLength: 16777216, length: 16777216, precision: null, scale: null, collation: null }], [[content]]);
    }

    const sql = rewriteInformationSchema(decodeSnowflakeStrings(query.sql), session.database, database);
    if (typeof sql !== 'string') return failure(sql);

    let finish: (outcome: 'cancelled' | 'timeout') => void = () => {};
    const stopped = new Promise<'cancelled' | 'timeout'>((resolve) => (finish = resolve));
    let connection: DuckDBConnection | undefined;
    let stopReason: 'cancelled' | 'timeout' | undefined;
    const pending: Pending = {
      abort(outcome) {
        stopReason ??= outcome;
        connection?.interrupt();
        finish(outcome);
      },
    };
    pendingByRequest.set(query.requestId, pending);
    pendingByQuery.set(query.queryId, pending);
    const timeoutSeconds = query.statementTimeoutSeconds ?? 0;
    const timer = timeoutSeconds > 0 ? setTimeout(() => pending.abort('timeout'), timeoutSeconds * 1000) : undefined;
    if (cancelledEarly.delete(query.requestId)) pending.abort('cancelled');

    const work = (async () => {
      const delay = fake.queryDelayMs?.(query) ?? 0;
      if (delay > 0) {
        await new Promise<void>((resolve) => {
          const sleeping = setTimeout(resolve, delay);
          void stopped.then(() => {
            clearTimeout(sleeping);
            resolve();
          });
        });
      }
      if (stopReason) return undefined;
      connection = await engine.connect();
      running.add(connection);
      try {
        for (const statement of [RLIKE_MACRO, ...TIMESTAMP_TYPES]) await connection.run(statement);
        if (session.database && session.database === database) await connection.run(`use "${database.replaceAll('"', '""')}"`);
        if (stopReason) return undefined;
        const values = query.bindings.map((b) => (isRecord(b) ? (b.value as DuckDBValue) : null));
        return await connection.run(sql, values.length > 0 ? values : undefined);
      } finally {
        running.delete(connection);
        connection.closeSync();
      }
    })();

    try {
      const outcome = await Promise.race([work.then(() => undefined, () => undefined), stopped]);
      if (outcome ?? stopReason) {
        work.catch(() => {});
        return (outcome ?? stopReason) === 'timeout'
          ? failure({ code: '000630', sqlState: '57014', message: `Statement reached its statement or warehouse timeout of ${timeoutSeconds} second(s) and was canceled.` }, 'timeout')
          : failure({ code: '000604', sqlState: '57014', message: 'SQL execution canceled' }, 'cancelled');
      }
      let result;
      try {
        result = await work;
      } catch (err) {
        return failure(duckdbErrorToSnowflake(err));
      }
      if (!result) return failure({ code: '000604', sqlState: '57014', message: 'SQL execution canceled' }, 'cancelled');
      const names = result.columnNames();
      const types = result.columnTypes();
      const values = await result.getRows();
      return rows(
        names.map((name, i) => rowType(name, types[i]!)),
        values.map((row) => row.map(cellText)),
      );
    } finally {
      if (timer) clearTimeout(timer);
      pendingByRequest.delete(query.requestId);
      pendingByQuery.delete(query.queryId);
    }
  }

  async function query(req: http.IncomingMessage, body: unknown, params: URLSearchParams): Promise<Record<string, unknown>> {
    const token = /Token="([^"]*)"/.exec(String(req.headers.authorization ?? ''))?.[1];
    const session = token === undefined ? undefined : sessions.get(token);
    if (!session) return { success: false, code: '390104', message: 'Invalid session token.', data: null };
    if (session.expired) return { success: false, code: '390112', message: 'Session token expired.', data: null };
    const b = isRecord(body) ? body : {};
    const parameters = isRecord(b.parameters) ? b.parameters : {};
    const rawTag = parameters.QUERY_TAG;
    let queryTag: unknown = rawTag;
    if (typeof rawTag === 'string') {
      try {
        queryTag = JSON.parse(rawTag);
      } catch {
        queryTag = rawTag;
      }
    }
    const timeout = Number(parameters.STATEMENT_TIMEOUT_IN_SECONDS);
    const bindings = isRecord(b.bindings)
      ? Object.entries(b.bindings).sort(([x], [y]) => Number(x) - Number(y)).map(([, v]) => v)
      : [];
    const recorded: RecordedQuery = {
      sql: text(b.sqlText) ?? '',
      requestId: params.get('requestId') ?? randomUUID(),
      queryId: randomUUID(),
      parameters,
      queryTag,
      statementTimeoutSeconds: Number.isFinite(timeout) ? timeout : undefined,
      bindings,
      user: session.user,
      outcome: 'running',
    };
    fake.queries.push(recorded);
    return execute(recorded, session);
  }

  function abort(path: string, body: unknown): Record<string, unknown> {
    const byQuery = /^\/queries\/([^/]+)\/abort-request$/.exec(path)?.[1];
    const id = byQuery && byQuery !== 'v1' ? byQuery : (isRecord(body) ? text(body.requestId) : undefined);
    if (id === undefined) return { success: false, code: '000605', message: 'Identified SQL statement is not currently executing.', data: null };
    fake.cancels.push(id);
    const pending = pendingByQuery.get(id) ?? pendingByRequest.get(id);
    if (pending) pending.abort('cancelled');
    else if (!byQuery || byQuery === 'v1') cancelledEarly.add(id);
    return { success: true, code: null, message: null, data: null };
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    fake.requests.push({ method: req.method ?? 'GET', path: url.pathname });
    void (async () => {
      let answer: Record<string, unknown>;
      try {
        const body = await readBody(req);
        const token = /Token="([^"]*)"/.exec(String(req.headers.authorization ?? ''))?.[1];
        if (url.pathname === '/session/v1/login-request') answer = login(body, url.searchParams);
        else if (url.pathname === '/queries/v1/query-request') answer = await query(req, body, url.searchParams);
        else if (url.pathname.endsWith('/abort-request')) answer = abort(url.pathname, body);
        else if (url.pathname === '/session/token-request') answer = renew(token);
        else if (url.pathname === '/telemetry/send') {
          fake.telemetry.push(body);
          answer = { success: true, code: null, message: null, data: null };
        }
        else if (url.pathname === '/session' && url.searchParams.get('delete') === 'true') {
          if (token !== undefined) sessions.delete(token);
          answer = { success: true, code: null, message: null, data: null };
        } else answer = { success: true, code: null, message: null, data: {} };
      } catch (err) {
        answer = { success: false, code: '000001', message: `fake server error: ${err instanceof Error ? err.message : String(err)}`, data: null };
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      for (const pending of [...pendingByRequest.values()]) pending.abort('cancelled');
      for (const connection of running) connection.interrupt();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      engine.closeSync();
    },
  });
}
