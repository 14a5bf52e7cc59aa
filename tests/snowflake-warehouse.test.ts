/**
 * The Snowflake adapter through the real `snowflake-sdk`, pointed with
 * `accessUrl` at the local Snowflake-protocol server (tests/support/
 * fake-snowflake.ts). Assertions are made at the server side: what was sent,
 * with which tag and timeout, how many metadata queries.
 */
import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mapSnowflakeError, openSnowflakeWarehouse, snowflakeDialect } from '../checks/snowflake-warehouse.js';
import { WarehouseError, isWarehouseDown, type ResolvedTable, type Warehouse } from '../checks/warehouse.js';
import { parseTableRef } from '../config/identifier.js';
import { workspaceFileSchema } from '../config/schema.js';
import type { SnowflakeWarehouseConfig } from '../config/types.js';
import { createLogger, type Logger } from '../core/logger.js';
import { startFakeSnowflake, type FakeSnowflake, type RecordedQuery } from './support/fake-snowflake.js';
import { MANY_TABLES, SLOW_SQL, createWarehouseFixture, expectWarehouseError, type WarehouseFixture } from './warehouse-contract.js';

const PASSWORD = 'pw-Zq8!never-logged';
const PASSPHRASE = 'key-pass-Xv3-never-logged';

const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const encryptedKeys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE },
});
const otherKeys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
/** The base64 body of a PEM: what must never appear in a log line. */
const pemBody = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----')).slice(0, 3).join('');

/** Parses a warehouse block through the real config schema, so tests use what users write. */
function snowflakeConfig(fields: Record<string, unknown>): SnowflakeWarehouseConfig {
  const parsed = workspaceFileSchema.parse({
    warehouse: { type: 'snowflake', account: 'acme-test', role: 'MESHWATCH_READER', warehouse: 'MONITORING', database: 'analytics', ...fields },
    domains: [{ id: 'sales', name: 'Sales', slackChannel: '#sales-data' }],
  });
  if (parsed.warehouse.type !== 'snowflake') throw new Error('expected a snowflake warehouse');
  return parsed.warehouse;
}

function capturingLogger(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ level: 'trace' }, stream), text: () => lines.join('') };
}

/** A port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 1;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error(`gave up waiting for ${what}`);
}

let fixture: WarehouseFixture;
let fake: FakeSnowflake;
const LAST_ALTERED = new Date('2024-03-06T07:08:09Z');
const open: Warehouse[] = [];

beforeAll(async () => {
  const cwdLog = join(process.cwd(), 'snowflake.log');
  logBefore = existsSync(cwdLog) ? statSync(cwdLog).mtimeMs : undefined;
  fixture = await createWarehouseFixture();
  fake = await startFakeSnowflake({
    duckdbPath: fixture.path,
    lastAltered: LAST_ALTERED,
    users: {
      MESHWATCH: { password: PASSWORD },
      MESHWATCH_KEY: { publicKey: keys.publicKey },
      MESHWATCH_ENC: { publicKey: encryptedKeys.publicKey },
    },
  });
});
let logBefore: number | undefined;

afterEach(() => {
  fake.rejectLogins = false;
  fake.queryDelayMs = undefined;
  fake.injectError = undefined;
  fake.deniedTables.clear();
});

afterAll(async () => {
  for (const wh of open) await wh.close();
  await fake?.close();
  await fixture?.remove();
});

async function openWith(fields: Record<string, unknown>, options: { logger?: Logger; defaultTimeoutMs?: number } = {}): Promise<Warehouse> {
  const wh = await openSnowflakeWarehouse(snowflakeConfig({ accessUrl: fake.url, ...fields }), { loginRetries: 0, ...options });
  open.push(wh);
  return wh;
}

const passwordLogin = { user: 'MESHWATCH', password: PASSWORD };

function table(wh: Warehouse, text: string): ResolvedTable {
  const ref = parseTableRef(text);
  if (typeof ref === 'string') throw new Error(ref);
  return wh.resolve(ref);
}

describe('authentication', () => {
  it('logs in with a password, sending role, warehouse and database', async () => {
    const before = fake.logins.length;
    const wh = await openWith(passwordLogin);
    expect(await wh.query('select 1 as "one"')).toEqual([{ one: 1 }]);
    const login = fake.logins.slice(before).find((l) => l.ok);
    expect(login).toMatchObject({ user: 'MESHWATCH', authenticator: 'SNOWFLAKE', role: 'MESHWATCH_READER', warehouse: 'MONITORING', database: 'analytics' });
  });

  it('logs in with a key pair from a PEM value (as from ${ENV}, escaped newlines accepted)', async () => {
    const before = fake.logins.length;
    const wh = await openWith({ user: 'MESHWATCH_KEY', privateKey: keys.privateKey.replaceAll('\n', '\\n') });
    expect(await wh.query('select 2 as "two"')).toEqual([{ two: 2 }]);
    const logins = fake.logins.slice(before);
    expect(logins.length).toBeGreaterThan(0);
    expect(logins.every((l) => l.ok && l.authenticator === 'SNOWFLAKE_JWT' && l.fingerprint?.startsWith('SHA256:'))).toBe(true);
  });

  it('logs in with an encrypted key file and its passphrase', async () => {
    const path = join(fixture.dir, 'rsa_key.p8');
    await writeFile(path, encryptedKeys.privateKey, { mode: 0o600 });
    const wh = await openWith({ user: 'MESHWATCH_ENC', privateKeyPath: path, privateKeyPass: PASSPHRASE });
    expect(await wh.query('select 3 as "three"')).toEqual([{ three: 3 }]);
    expect(fake.logins.at(-1)).toMatchObject({ user: 'MESHWATCH_ENC', authenticator: 'SNOWFLAKE_JWT', ok: true });
  });

  it('maps a rejected password (390100) to WAREHOUSE_AUTH, not retryable, warehouse down', async () => {
    const err = await expectWarehouseError(openWith({ user: 'MESHWATCH', password: 'wrong' }), 'WAREHOUSE_AUTH');
    expect(err.message).toContain('390100');
    expect(err.retryable).toBe(false);
    expect(isWarehouseDown(err)).toBe(true);
    expect(fake.logins.at(-1)).toMatchObject({ ok: false, code: '390100' });
  });

  it('maps a server-side login rejection to WAREHOUSE_AUTH even though connectAsync resolves', async () => {
    fake.rejectLogins = true;
    await expectWarehouseError(openWith(passwordLogin), 'WAREHOUSE_AUTH');
  });

  it('maps a JWT signed with the wrong key (390144) to WAREHOUSE_AUTH', async () => {
    const err = await expectWarehouseError(openWith({ user: 'MESHWATCH_KEY', privateKey: otherKeys.privateKey }), 'WAREHOUSE_AUTH');
    expect(err.message).toContain('390144');
  });

  it('rejects a wrong passphrase before contacting Snowflake', async () => {
    const before = fake.requests.length;
    const err = await expectWarehouseError(
      openWith({ user: 'MESHWATCH_ENC', privateKey: encryptedKeys.privateKey, privateKeyPass: 'not-it' }),
      'WAREHOUSE_AUTH',
    );
    expect(err.message).toMatch(/passphrase/);
    expect(fake.requests.length).toBe(before);
  });

  it('maps an unreachable server to WAREHOUSE_UNREACHABLE, retryable', async () => {
    const port = await closedPort();
    const err = await expectWarehouseError(
      openSnowflakeWarehouse(snowflakeConfig({ ...passwordLogin, accessUrl: `http://127.0.0.1:${port}` }), { loginRetries: 0 }),
      'WAREHOUSE_UNREACHABLE',
    );
    expect(err.retryable).toBe(true);
    expect(isWarehouseDown(err)).toBe(true);
  });

  it('keeps working when the session token expires: the driver renews it', async () => {
    const wh = await openWith(passwordLogin);
    expect(await wh.query('select 1 as "a"')).toEqual([{ a: 1 }]);
    fake.expireSessions();
    expect(await wh.query('select 2 as "a"')).toEqual([{ a: 2 }]);
    expect(fake.requests.some((r) => r.path === '/session/token-request')).toBe(true);
  });

  it('retries once on a fresh connection when a pooled session died and cannot be renewed', async () => {
    const wh = await openWith(passwordLogin);
    expect(await wh.query('select 1 as "a"')).toEqual([{ a: 1 }]);
    const loginsBefore = fake.logins.filter((l) => l.ok).length;
    fake.expireSessions({ masterToo: true });
    expect(await wh.query('select 2 as "a"')).toEqual([{ a: 2 }]);
    // The dead connection was replaced by a new login.
    expect(fake.logins.filter((l) => l.ok).length).toBe(loginsBefore + 1);
  });

  it('maps the driver\'s terminated connection (407002) to a retryable unreachable warehouse', () => {
    const terminated = Object.assign(new Error('Unable to perform operation using terminated connection.'), { code: 407002 });
    expect(mapSnowflakeError(terminated, 'query')).toMatchObject({ code: 'WAREHOUSE_UNREACHABLE', retryable: true });
  });
});

describe('every statement carries a query tag and a statement timeout', () => {
  it('tags each query with app, product, domain and check, and sets STATEMENT_TIMEOUT_IN_SECONDS', async () => {
    const wh = await openWith(passwordLogin, { defaultTimeoutMs: 90_000 });
    const first = fake.queries.length;
    const orders = table(wh, 'sales.orders');
    await wh.describeTables([orders], { product: 'sales.orders', domain: 'sales', check: 'schema' });
    await wh.query(`select count(*) as "n" from ${wh.dialect.quoteTable(orders)}`, { product: 'sales.orders', domain: 'sales', check: 'freshness' });
    await wh.query('select 1 as "x"', { product: 'crm.customers', domain: 'crm', check: 'row_count', timeoutMs: 1500 });
    await wh.query(`select count(*) as "n" from ${wh.dialect.quoteTable(table(wh, 'sales.nope'))}`).catch(() => undefined);

    const sent = fake.queries.slice(first);
    expect(sent).toHaveLength(5);
    for (const q of sent) {
      expect(q.queryTag).toMatchObject({ app: 'meshwatch' });
      expect(typeof q.parameters.QUERY_TAG).toBe('string');
      expect(q.statementTimeoutSeconds).toBeGreaterThan(0);
    }
    expect(sent.slice(0, 2).map((q) => q.queryTag)).toEqual([
      { app: 'meshwatch', product: 'sales.orders', domain: 'sales', check: 'schema', op: 'describeTables' },
      { app: 'meshwatch', product: 'sales.orders', domain: 'sales', check: 'schema', op: 'describeTables' },
    ]);
    expect(sent[2]!.queryTag).toEqual({ app: 'meshwatch', product: 'sales.orders', domain: 'sales', check: 'freshness', op: 'query' });
    expect(sent[3]!.queryTag).toEqual({ app: 'meshwatch', product: 'crm.customers', domain: 'crm', check: 'row_count', op: 'query' });
    expect(sent.map((q) => q.statementTimeoutSeconds)).toEqual([90, 90, 90, 2, 90]);
  });

  it('uses config.statementTimeout when no default is given', async () => {
    const wh = await openSnowflakeWarehouse(snowflakeConfig({ ...passwordLogin, accessUrl: fake.url, statementTimeout: '45s' }), { loginRetries: 0 });
    open.push(wh);
    const first = fake.queries.length;
    await wh.query('select 1 as "x"');
    expect(fake.queries.slice(first).map((q) => q.statementTimeoutSeconds)).toEqual([45]);
  });

  it('never sets QUERY_TAG on the session (it would override the per-statement tag)', () => {
    expect(fake.logins.length).toBeGreaterThan(0);
    for (const login of fake.logins) expect(login.sessionParameters).not.toHaveProperty('QUERY_TAG');
    expect(fake.queries.every((q: RecordedQuery) => typeof q.parameters.QUERY_TAG === 'string')).toBe(true);
  });
});

describe('batched metadata', () => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await openWith(passwordLogin);
  });

  it(`reads 3 and ${MANY_TABLES} tables of one database with the same two queries`, async () => {
    const tables = (n: number) => Array.from({ length: n }, (_, i) => table(wh, `sales.t${String(i + 1).padStart(2, '0')}`));
    for (const n of [3, MANY_TABLES]) {
      const first = fake.queries.length;
      const before = wh.stats().queries;
      const meta = await wh.describeTables(tables(n));
      expect(meta.size).toBe(n);
      const sent = fake.queries.slice(first);
      expect(sent).toHaveLength(2);
      expect(wh.stats().queries - before).toBe(2);
      expect(sent.map((q) => /INFORMATION_SCHEMA\.(COLUMNS|TABLES)/.exec(q.sql)?.[1]).sort()).toEqual(['COLUMNS', 'TABLES']);
      for (const q of sent) expect(q.sql).toContain(`"ANALYTICS".INFORMATION_SCHEMA`);
      for (const q of sent) expect(q.sql).toContain(`TABLE_SCHEMA in ('SALES')`);
    }
  });

  it('issues two queries per database when tables span databases and schemas', async () => {
    const first = fake.queries.length;
    const meta = await wh.describeTables([table(wh, 'sales.orders'), table(wh, 'crm.customers'), table(wh, 'OTHERDB.sales.orders')]);
    expect(fake.queries.length - first).toBe(4);
    expect([...meta.keys()].sort()).toEqual(['ANALYTICS.CRM.CUSTOMERS', 'ANALYTICS.SALES.ORDERS']);
  });

  it('builds Snowflake type text and statistics from INFORMATION_SCHEMA', async () => {
    const orders = table(wh, 'sales.orders');
    const view = table(wh, 'sales.open_orders');
    const meta = await wh.describeTables([orders, view]);
    const o = meta.get('ANALYTICS.SALES.ORDERS')!;
    expect(o.columns.map((c) => [c.name, c.type, c.nullable])).toEqual([
      ['ORDER_ID', 'NUMBER(38,0)', false],
      ['AMOUNT', 'NUMBER(12,2)', true],
      ['STATUS', 'VARCHAR(16777216)', true],
      ['UPDATED_AT', 'TIMESTAMP_NTZ', true],
      ['BIG_ID', 'NUMBER(38,0)', true],
      ['IS_TEST', 'BOOLEAN', true],
      ['ORDER_DATE', 'DATE', true],
      ['SCORE', 'FLOAT', true],
      ['Mixed Col', 'VARCHAR(16777216)', true],
    ]);
    expect(o).toMatchObject({ kind: 'table', rowCount: 4, lastModified: LAST_ALTERED });
    // A view's LAST_ALTERED is its DDL time, not a data change: not offered as last-modified.
    expect(meta.get('ANALYTICS.SALES.OPEN_ORDERS')).toMatchObject({ kind: 'view', rowCount: undefined, lastModified: undefined });
  });

  it('returns nothing (not an error) for a database that does not exist', async () => {
    const meta = await wh.describeTables([table(wh, 'NOWHERE.sales.orders')]);
    expect(meta.size).toBe(0);
  });
});

describe('dialect', () => {
  const part = (name: string, quoted = false) => ({ name, quoted });
  it('upper-cases unquoted identifiers and keeps quoted ones exactly', () => {
    expect(snowflakeDialect.quoteIdentifier(part('orders'))).toBe('"ORDERS"');
    expect(snowflakeDialect.quoteIdentifier(part('Order "X"', true))).toBe('"Order ""X"""');
    expect(snowflakeDialect.quoteColumn('order_id')).toBe('"ORDER_ID"');
    expect(snowflakeDialect.quoteColumn('"Mixed Col"')).toBe('"Mixed Col"');
    expect(snowflakeDialect.quoteTable({ database: part('analytics'), schema: part('sales'), table: part('My.Table', true) })).toBe(
      '"ANALYTICS"."SALES"."My.Table"',
    );
  });

  it('files tables under the names Snowflake stores, quoting only where needed', () => {
    expect(snowflakeDialect.tableKey({ database: part('analytics'), schema: part('sales'), table: part('orders') })).toBe('ANALYTICS.SALES.ORDERS');
    expect(snowflakeDialect.tableKey({ database: part('ANALYTICS', true), schema: part('SALES', true), table: part('ORDERS', true) })).toBe(
      'ANALYTICS.SALES.ORDERS',
    );
    expect(snowflakeDialect.tableKey({ database: part('analytics'), schema: part('sales'), table: part('My.Table', true) })).toBe(
      'ANALYTICS.SALES."My.Table"',
    );
  });

  it('escapes backslashes in string literals, as Snowflake reads them as escapes', () => {
    expect(snowflakeDialect.quoteString("a\\b'c")).toBe("'a\\\\b''c'");
  });

  it('refuses a schema.table without a default database', async () => {
    const wh = await openWith({ ...passwordLogin, database: undefined });
    const ref = parseTableRef('sales.orders');
    if (typeof ref === 'string') throw new Error(ref);
    expect(() => wh.resolve(ref)).toThrow(WarehouseError);
  });
});

describe('errors', () => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await openWith(passwordLogin);
  });

  it('maps 002003 (object missing) to WAREHOUSE_OBJECT_NOT_FOUND with the driver error as cause', async () => {
    const err = await expectWarehouseError(wh.query(`select * from ${wh.dialect.quoteTable(table(wh, 'sales.nope'))}`), 'WAREHOUSE_OBJECT_NOT_FOUND');
    expect(err.message).toContain('002003');
    expect((err.cause as { code?: string }).code).toBe('002003');
    expect(fake.queries.at(-1)!.errorCode).toBe('002003');
  });

  it('maps 003001 (insufficient privileges) to WAREHOUSE_PERMISSION', async () => {
    fake.deniedTables.add('CRM.SECRETS');
    const err = await expectWarehouseError(wh.query(`select count(*) as "n" from ${wh.dialect.quoteTable(table(wh, 'crm.secrets'))}`), 'WAREHOUSE_PERMISSION');
    expect(err.retryable).toBe(false);
  });

  it('maps 000630 (statement timeout on the server) to WAREHOUSE_TIMEOUT, retryable', async () => {
    fake.injectError = (q) =>
      q.sql.includes('server_timeout') ? { code: '000630', sqlState: '57014', message: 'Statement reached its statement or warehouse timeout of 1 second(s) and was canceled.' } : undefined;
    const err = await expectWarehouseError(wh.query('select 1 as "server_timeout"'), 'WAREHOUSE_TIMEOUT');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('000630');
  });

  it('maps expired-session and unknown codes', () => {
    const driverError = (code: string | number, message = 'x') => Object.assign(new Error(message), { code });
    expect(mapSnowflakeError(driverError('390114'), 'query')).toMatchObject({ code: 'WAREHOUSE_AUTH', retryable: true });
    expect(mapSnowflakeError(driverError('390112'), 'query')).toMatchObject({ code: 'WAREHOUSE_AUTH', retryable: true });
    expect(mapSnowflakeError(driverError(401001), 'query')).toMatchObject({ code: 'WAREHOUSE_UNREACHABLE', retryable: true });
    expect(mapSnowflakeError(Object.assign(driverError(401001), { cause: { code: 'ENOTFOUND' } }), 'login')).toMatchObject({ code: 'WAREHOUSE_UNREACHABLE' });
    expect(mapSnowflakeError(driverError('000606', 'No active warehouse selected'), 'query')).toMatchObject({ code: 'WAREHOUSE_PERMISSION' });
    expect(mapSnowflakeError(driverError('100038', 'Numeric value is not recognized'), 'query')).toMatchObject({ code: 'WAREHOUSE_QUERY', retryable: false });
    // The pool's factory drops codes: judged by message.
    expect(mapSnowflakeError(new Error('Incorrect username or password was specified.'), 'connect')).toMatchObject({ code: 'WAREHOUSE_AUTH' });
    expect(mapSnowflakeError(new Error('connect ECONNREFUSED 127.0.0.1:9'), 'connect')).toMatchObject({ code: 'WAREHOUSE_UNREACHABLE' });
  });
});

describe('cancellation', () => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await openWith(passwordLogin);
  });

  it('cancels the statement on Snowflake when the signal aborts', async () => {
    fake.queryDelayMs = (q) => (q.sql.includes('held') ? 60_000 : 0);
    const controller = new AbortController();
    const first = fake.queries.length;
    const running = wh.query('select 1 as "held"', { signal: controller.signal });
    await until(() => fake.queries.length > first, 'the statement to reach the server');
    controller.abort();
    await expectWarehouseError(running, 'WAREHOUSE_CANCELLED');
    const sent = fake.queries[first]!;
    await until(() => sent.outcome !== 'running', 'the server to stop the statement');
    expect(sent.outcome).toBe('cancelled');
    expect(fake.cancels).toContain(sent.requestId);
  });

  it('cancels the statement on Snowflake when the client timeout fires', async () => {
    fake.queryDelayMs = (q) => (q.sql.includes('held') ? 60_000 : 0);
    const first = fake.queries.length;
    const err = await expectWarehouseError(wh.query('select 2 as "held"', { timeoutMs: 200 }), 'WAREHOUSE_TIMEOUT');
    expect(err.retryable).toBe(true);
    const sent = fake.queries[first]!;
    expect(sent.statementTimeoutSeconds).toBe(1);
    await until(() => sent.outcome !== 'running', 'the server to stop the statement');
    expect(fake.cancels).toContain(sent.requestId);
  });

  it('interrupts a statement running in the engine', async () => {
    const first = fake.queries.length;
    await expectWarehouseError(wh.query(SLOW_SQL, { timeoutMs: 300 }), 'WAREHOUSE_TIMEOUT');
    await until(() => fake.queries[first]!.outcome !== 'running', 'the server to stop the statement');
    expect(fake.queries[first]!.outcome).toBe('cancelled');
    expect(await wh.query('select 1 as "after"')).toEqual([{ after: 1 }]);
  });
});

describe('pool and lifecycle', () => {
  it('runs statements concurrently through a pool of at most pool.max connections', async () => {
    const before = fake.logins.filter((l) => l.ok).length;
    const wh = await openWith({ ...passwordLogin, pool: { max: 2, min: 0 } });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => wh.query(`select ${i} as "i"`)));
    expect(results.map((r) => r[0]!.i)).toEqual([0, 1, 2, 3, 4, 5]);
    // One probe login on open, then at most two pooled sessions.
    expect(fake.logins.filter((l) => l.ok).length - before).toBeLessThanOrEqual(3);
    expect(wh.stats().queries).toBe(6);
  });

  it('maps a pool login that fails later (the pool drops the code) to WAREHOUSE_AUTH', async () => {
    const wh = await openWith({ ...passwordLogin, pool: { max: 2, min: 0 } });
    fake.queryDelayMs = (q) => (q.sql.includes('busy') ? 60_000 : 0);
    const controller = new AbortController();
    const first = fake.queries.length;
    const busy = wh.query('select 1 as "busy"', { signal: controller.signal });
    await until(() => fake.queries.length > first, 'the first statement to hold its connection');
    fake.rejectLogins = true;
    await expectWarehouseError(wh.query('select 2 as "x"'), 'WAREHOUSE_AUTH');
    controller.abort();
    await expectWarehouseError(busy, 'WAREHOUSE_CANCELLED');
  });

  it('closes the pool: sessions are deleted and later calls fail', async () => {
    const wh = await openSnowflakeWarehouse(snowflakeConfig({ ...passwordLogin, accessUrl: fake.url }), { loginRetries: 0 });
    await wh.query('select 1 as "x"');
    const deletes = fake.requests.filter((r) => r.path === '/session').length;
    await wh.close();
    await wh.close();
    expect(fake.requests.filter((r) => r.path === '/session').length).toBeGreaterThan(deletes);
    await expectWarehouseError(wh.query('select 1 as "x"'), 'WAREHOUSE_UNREACHABLE');
  });
});

describe('driver hygiene', () => {
  it('disables platform detection and connection telemetry before the driver loads', async () => {
    await openWith(passwordLogin);
    expect(process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION).toBe('true');
    expect(process.env.SF_TELEMETRY_DISABLE_CONNECTION_SHAPE).toBe('1');
    const shapes = fake.telemetry.filter((t) => JSON.stringify(t).includes('client_connection_identifier_shape'));
    expect(shapes).toEqual([]);
  });

  it('ignores HTTP(S)_PROXY from the environment unless useEnvProxy is set', async () => {
    const port = await closedPort();
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, HTTPS_PROXY: process.env.HTTPS_PROXY, NO_PROXY: process.env.NO_PROXY };
    process.env.HTTP_PROXY = `http://127.0.0.1:${port}`;
    process.env.HTTPS_PROXY = `http://127.0.0.1:${port}`;
    delete process.env.NO_PROXY;
    try {
      const wh = await openWith(passwordLogin);
      expect(await wh.query('select 1 as "direct"')).toEqual([{ direct: 1 }]);
      await expectWarehouseError(openWith({ ...passwordLogin, useEnvProxy: true }), 'WAREHOUSE_UNREACHABLE');
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      // Process-wide in the driver: the next open sets it back.
      await openWith(passwordLogin);
    }
  });

  it('writes no snowflake.log into the working directory', async () => {
    // Provoke driver error logging: a failed login and a failed statement.
    await openWith({ user: 'MESHWATCH', password: 'wrong' }).catch(() => undefined);
    const wh = await openWith(passwordLogin);
    await wh.query('select * from "NOPE"."NOPE"."NOPE"').catch(() => undefined);
    const cwdLog = join(process.cwd(), 'snowflake.log');
    if (logBefore === undefined) expect(existsSync(cwdLog)).toBe(false);
    else expect(statSync(cwdLog).mtimeMs).toBe(logBefore);
  });

  it('never logs the password, private key or passphrase', async () => {
    const { logger, text } = capturingLogger();
    const wh = await openWith(passwordLogin, { logger });
    await wh.query('select 1 as "x"', { product: 'sales.orders' });
    await wh.query('select * from "NOPE"."NOPE"."NOPE"').catch(() => undefined);
    await openWith({ user: 'MESHWATCH', password: 'wrong-' + PASSWORD }, { logger }).catch(() => undefined);
    const path = join(fixture.dir, 'rsa_key_logged.p8');
    await writeFile(path, encryptedKeys.privateKey, { mode: 0o600 });
    const keyWh = await openWith({ user: 'MESHWATCH_ENC', privateKeyPath: path, privateKeyPass: PASSPHRASE }, { logger });
    await keyWh.query('select 1 as "x"');
    await openWith({ user: 'MESHWATCH_KEY', privateKey: keys.privateKey }, { logger });
    await openWith({ user: 'MESHWATCH_ENC', privateKey: encryptedKeys.privateKey, privateKeyPass: 'wrong-' + PASSPHRASE }, { logger }).catch(() => undefined);

    const logged = text();
    expect(logged).toContain('connecting to Snowflake');
    expect(logged).toContain('Snowflake login failed');
    expect(logged).not.toContain(PASSWORD);
    expect(logged).not.toContain(PASSPHRASE);
    expect(logged).not.toContain(pemBody(keys.privateKey));
    expect(logged).not.toContain(pemBody(encryptedKeys.privateKey));
  });
});
