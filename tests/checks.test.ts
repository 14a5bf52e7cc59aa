import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/catalog.js';
import { runCheckCycle } from '../checks/cycle.js';
import { openDuckdbWarehouse } from '../checks/duckdb-warehouse.js';
import { buildIncidents, type Incident } from '../checks/incidents.js';
import type { CheckResult } from '../checks/result.js';
import type { Warehouse } from '../checks/warehouse.js';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import type { MeshConfig } from '../config/types.js';
import { WORKSPACE, writeConfigDir } from './support/config-dir.js';
import { buildDuckdb, hoursAgo } from './support/duckdb.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A config dir with the given product files and a DuckDB warehouse built from `sql`. */
async function mesh(products: Record<string, string>, sql: string[]): Promise<{ config: MeshConfig; warehouse: Warehouse }> {
  const { dir, cleanup } = await writeConfigDir({ 'meshwatch.yaml': WORKSPACE, ...products });
  cleanups.push(cleanup);
  await buildDuckdb(path.join(dir, 'warehouse.duckdb'), sql);
  const config = await loadConfig(dir);
  const warehouse = await openDuckdbWarehouse({ path: path.join(dir, 'warehouse.duckdb'), catalog: 'warehouse' });
  cleanups.push(() => warehouse.close());
  return { config, warehouse };
}

async function run(products: Record<string, string>, sql: string[]): Promise<{ results: CheckResult[]; queries: number }> {
  const { config, warehouse } = await mesh(products, sql);
  const outcome = await runCheckCycle(warehouse, { products: config.products, now: NOW, concurrency: 2 });
  return { results: [...outcome.results], queries: outcome.queries };
}

/** Runs the checks of a mesh (config files besides meshwatch.yaml, and warehouse SQL) and groups the failures into incidents. */
async function incidentsOf(files: Record<string, string>, sql: string[]): Promise<{ results: CheckResult[]; incidents: Incident[] }> {
  const { config, warehouse } = await mesh(files, sql);
  const outcome = await runCheckCycle(warehouse, { products: config.products, now: NOW, concurrency: 2 });
  return { results: [...outcome.results], incidents: buildIncidents(new Catalog(config), outcome.results) };
}

const byCheck = (results: CheckResult[], check: string) => {
  const found = results.find((r) => r.check === check);
  expect(found, `result for ${check}`).toBeDefined();
  return found!;
};

const ORDERS_TABLE = `create schema sales; create table sales.orders (order_id integer not null, amount decimal(12,2), status varchar, updated_at timestamp)`;

describe('freshness', () => {
  const product = (freshness = '{ column: updated_at, maxAge: 2h, warnAge: 1h }') => ({
    'products/orders.yaml': `id: sales.orders\ndomain: sales\ntier: open\ntable: sales.orders\nfreshness: ${freshness}\n`,
  });

  it.each([
    [0.5, 'pass', /^fresh: max\(updated_at\) = 2026-11-25T11:30:00.000Z, 30 min old$/],
    [1.5, 'warn', /^getting stale: .*1 h 30 min old; warn after 1h, fail after 2h$/],
    [5.05, 'fail', /^stale: max\(updated_at\) = 2026-11-25T06:57:00.000Z, 5 h 03 min old; allowed 2h$/],
  ] as const)('%s h old is %s', async (hours, status, message) => {
    const { results } = await run(product(), [ORDERS_TABLE, `insert into sales.orders values (1, 10, 'placed', ${hoursAgo(NOW, hours)}), (2, 5, 'placed', ${hoursAgo(NOW, hours + 3)})`]);
    const freshness = byCheck(results, 'freshness');
    expect(freshness.status).toBe(status);
    expect(freshness.message).toMatch(message);
    expect(freshness.columns).toEqual([]);
  });

  it('fails an empty table with "no rows"', async () => {
    const { results } = await run(product(), [ORDERS_TABLE]);
    expect(byCheck(results, 'freshness')).toMatchObject({ status: 'fail', message: 'no rows: the table is empty' });
  });

  it('fails when the timestamp column is gone, naming it', async () => {
    const { results } = await run(product(), ['create schema sales; create table sales.orders (order_id integer)', 'insert into sales.orders values (1)']);
    expect(byCheck(results, 'freshness')).toMatchObject({ status: 'fail', columns: ['updated_at'], message: 'column updated_at does not exist in sales.orders' });
  });

  it('without a column, is a config error naming the product on DuckDB', async () => {
    const { dir, cleanup } = await writeConfigDir({ 'meshwatch.yaml': WORKSPACE, ...product('{ maxAge: 2h }') });
    cleanups.push(cleanup);
    const error = await loadConfig(dir).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(
      'products/orders.yaml: freshness.column: sales.orders: duckdb records no last-modified time; declare the timestamp column that freshness should read',
    );
  });

  it('says so when every value of the column is null', async () => {
    const { results } = await run(product(), [ORDERS_TABLE, `insert into sales.orders values (1, 1, 'placed', null)`]);
    expect(byCheck(results, 'freshness')).toMatchObject({ status: 'fail', message: 'no value: max(updated_at) is null in every row' });
  });
});

describe('schema', () => {
  const product = (columns: string, extra = '') => ({
    'products/orders.yaml': `id: sales.orders\ndomain: sales\ntier: open\ntable: sales.orders\nschema:\n  columns:\n${columns}${extra}`,
  });
  const DECLARED = `    - { name: order_id, type: INT, nullable: false }
    - { name: amount, type: "DECIMAL(12,2)" }
    - { name: status, type: TEXT }
    - { name: updated_at, type: TIMESTAMP }
`;

  it('passes when the columns match, normalising aliases', async () => {
    const { results } = await run(product(DECLARED), [ORDERS_TABLE]);
    expect(byCheck(results, 'schema')).toMatchObject({ status: 'pass', message: 'schema matches (4 columns)', columns: [] });
  });

  it('fails on a missing column, a changed type and a column that became nullable, naming the columns', async () => {
    const { results } = await run(product(DECLARED), [
      'create schema sales; create table sales.orders (order_id integer, amount double, updated_at timestamp)',
    ]);
    const schema = byCheck(results, 'schema');
    expect(schema.status).toBe('fail');
    expect(schema.columns).toEqual(['status', 'amount', 'order_id']);
    expect(schema.message).toBe(
      'breaking schema change in sales.orders: missing column status; type changed: amount DECIMAL(12,2) → DOUBLE; now nullable, contract says not null: order_id',
    );
  });

  it('passes added columns and widened types with a note, unless extra columns are not allowed', async () => {
    const widened = 'create schema sales; create table sales.orders (order_id bigint not null, amount decimal(14,2), status varchar, updated_at timestamp, channel varchar)';
    const { results } = await run(product(DECLARED), [widened]);
    expect(byCheck(results, 'schema')).toMatchObject({
      status: 'pass',
      message: 'schema matches (4 columns); order_id widened INT → BIGINT; amount widened DECIMAL(12,2) → DECIMAL(14,2); added column channel',
    });
    const strict = await run(product(DECLARED, '  allowExtraColumns: false\n'), [widened]);
    expect(byCheck(strict.results, 'schema')).toMatchObject({ status: 'fail', columns: ['channel'] });
  });

  it('fails every check of a missing table, as the whole product', async () => {
    const { results } = await run(product(DECLARED, 'freshness: { column: updated_at, maxAge: 1h }\n'), ['create schema sales']);
    expect(results.map((r) => [r.check, r.status, r.columns.length])).toEqual([
      ['freshness', 'fail', 0],
      ['schema', 'fail', 0],
    ]);
    expect(results[1]!.message).toBe('table sales.orders does not exist (or the monitoring role cannot see it)');
  });
});

describe('contract', () => {
  const CONTRACT = `contract:
  rowCount: { min: 1, max: 100 }
  notNull: [order_id, status]
  unique: [order_id]
  acceptedValues: { status: [placed, shipped] }
  sql:
    - { name: no_negative_amounts, query: "select count(*) from {{ table }} where amount < 0", expect: 0 }
    - { name: some_big_orders, query: "select count(*) from {{table}} where amount > 100", expect: { min: 1 } }
`;
  const product = (tier = 'open') => ({ 'products/orders.yaml': `id: sales.orders\ndomain: sales\ntier: ${tier}\ntable: sales.orders\n${CONTRACT}` });
  const ts = hoursAgo(NOW, 1);

  it('passes every rule on good data, each rule its own check id', async () => {
    const { results } = await run(product(), [ORDERS_TABLE, `insert into sales.orders values (1, 500, 'placed', ${ts}), (2, 5, 'shipped', ${ts})`]);
    expect(results.map((r) => [r.check, r.status])).toEqual([
      ['contract.rowCount', 'pass'],
      ['contract.notNull.order_id', 'pass'],
      ['contract.notNull.status', 'pass'],
      ['contract.unique.order_id', 'pass'],
      ['contract.acceptedValues.status', 'pass'],
      ['contract.sql.no_negative_amounts', 'pass'],
      ['contract.sql.some_big_orders', 'pass'],
    ]);
  });

  it('fails broken rules with row counts, columns and (open tier) example values', async () => {
    const { results } = await run(product(), [
      'create schema sales; create table sales.orders (order_id integer, amount decimal(12,2), status varchar, updated_at timestamp)',
      `insert into sales.orders values (1, -5, 'placed', ${ts}), (1, 5, 'lost', ${ts}), (2, 5, null, ${ts}), (3, 5, 'teleported', ${ts}), (3, 5, 'lost', ${ts})`,
    ]);
    expect(byCheck(results, 'contract.rowCount').status).toBe('pass');
    expect(byCheck(results, 'contract.notNull.status')).toMatchObject({ status: 'fail', failingRows: 1, columns: ['status'], message: '1 row with null status' });
    const unique = byCheck(results, 'contract.unique.order_id');
    expect(unique).toMatchObject({ status: 'fail', failingRows: 2, columns: ['order_id'] });
    expect([...(unique.samples ?? [])].sort()).toEqual([1, 3]);
    const accepted = byCheck(results, 'contract.acceptedValues.status');
    expect(accepted).toMatchObject({ status: 'fail', failingRows: 3, columns: ['status'] });
    expect([...(accepted.samples ?? [])].sort()).toEqual(['lost', 'teleported']);
    expect(accepted.message).toMatch(/^3 rows with status outside the accepted values \(placed, shipped\), e\.g\. /);
    expect(byCheck(results, 'contract.sql.no_negative_amounts')).toMatchObject({ status: 'fail', observed: 1, message: 'no_negative_amounts: got 1, expected 0' });
    expect(byCheck(results, 'contract.sql.some_big_orders')).toMatchObject({ status: 'fail', observed: 0, message: 'some_big_orders: got 0, expected >= 1' });
  });

  it('gives counts but no example values for limited and restricted products', async () => {
    const { results } = await run(product('limited'), [ORDERS_TABLE, `insert into sales.orders values (1, 5, 'lost', ${ts})`]);
    const accepted = byCheck(results, 'contract.acceptedValues.status');
    expect(accepted).toMatchObject({ status: 'fail', failingRows: 1, message: '1 row with status outside the accepted values (placed, shipped)' });
    expect(accepted.samples).toBeUndefined();
  });

  it('compares quoted integers beyond 2^53 exactly', async () => {
    // 9007199254740993 is not a double: through Number() it becomes ...992,
    // which would accept the wrong row and flag the right one.
    const files = {
      'products/ledger.yaml': `id: sales.ledger\ndomain: sales\ntier: open\ntable: sales.ledger\ncontract:\n  acceptedValues: { entry_id: ["9007199254740993"] }\n`,
    };
    const { results } = await run(files, [
      'create schema sales; create table sales.ledger (entry_id bigint)',
      'insert into sales.ledger values (9007199254740993), (9007199254740992)',
    ]);
    expect(byCheck(results, 'contract.acceptedValues.entry_id')).toMatchObject({ status: 'fail', failingRows: 1, samples: [9007199254740992n] });
  });

  it('fails rowCount bounds on an empty table', async () => {
    const { results } = await run(product(), [ORDERS_TABLE]);
    expect(byCheck(results, 'contract.rowCount')).toMatchObject({ status: 'fail', observed: 0, message: '0 rows; expected at least 1 and at most 100' });
  });

  it('reports owner SQL that does not run as error, not fail', async () => {
    const bad = { 'products/orders.yaml': `id: sales.orders\ndomain: sales\ntier: open\ntable: sales.orders\ncontract:\n  sql:\n    - { name: broken, query: "select count(*) from {{ table }} where nope > 0", expect: 0 }\n    - { name: sneaky, query: "delete from {{ table }}", expect: 0 }\n` };
    const { results } = await run(bad, [ORDERS_TABLE]);
    expect(byCheck(results, 'contract.sql.broken')).toMatchObject({ status: 'error', errorCode: 'WAREHOUSE_OBJECT_NOT_FOUND' });
    expect(byCheck(results, 'contract.sql.sneaky')).toMatchObject({ status: 'error', errorCode: 'WAREHOUSE_NOT_READ_ONLY' });
  });
});

describe('batching', () => {
  it('reads schema metadata for all products in one query and batches the aggregate scans into one statement', async () => {
    const files: Record<string, string> = {};
    const sql: string[] = ['create schema sales', 'create schema crm'];
    for (let i = 0; i < 12; i++) {
      const schema = i % 2 === 0 ? 'sales' : 'crm';
      files[`products/p${i}.yaml`] = `id: ${schema}.p${i}
domain: ${schema}
tier: open
table: ${schema}.p${i}
freshness: { column: updated_at, maxAge: 2h }
schema:
  columns:
    - { name: id, type: INTEGER, nullable: false }
    - { name: updated_at, type: TIMESTAMP }
contract:
  rowCount: { min: 1 }
  notNull: [id]
  unique: [id]
`;
      sql.push(`create table ${schema}.p${i} (id integer not null, updated_at timestamp)`, `insert into ${schema}.p${i} values (1, ${hoursAgo(NOW, 1)})`);
    }
    const { config, warehouse } = await mesh(files, sql);
    const cycle = (batchWithin?: 'domain' | 'database') => runCheckCycle(warehouse, { products: config.products, now: NOW, concurrency: 2, batchWithin });
    const { results, queries } = await cycle();
    expect(results.filter((r) => r.status !== 'pass')).toEqual([]);
    expect(results).toHaveLength(12 * 5);
    // DuckDB: 1 metadata query for the one database + 1 batched aggregate scan for its 12 products.
    expect(queries).toBe(1 + 1);
    // Within domains (Snowflake's default, for cost per domain): 1 scan per domain (sales, crm).
    const perDomain = await cycle('domain');
    expect(perDomain.queries).toBe(1 + 2);
    expect(perDomain.results).toEqual(results);
  });
});

describe('incidents and impact', () => {
  it('names the failing upstream as root cause and computes column-aware impact', async () => {
    const { incidents } = await incidentsOf(
      {
        'products/customers.yaml': `id: crm.customers\ndomain: crm\ntier: open\ntable: crm.customers\nfreshness: { column: updated_at, maxAge: 2h }\n`,
        'products/orders.yaml': `id: sales.orders\ndomain: sales\ntier: open\ntable: sales.orders\nfreshness: { column: updated_at, maxAge: 2h }\ninputs: [crm.customers]\n`,
      },
      [
        'create schema crm; create table crm.customers (id integer, updated_at timestamp)',
        `insert into crm.customers values (1, ${hoursAgo(NOW, 5)})`,
        ORDERS_TABLE,
        `insert into sales.orders values (1, 1, 'placed', ${hoursAgo(NOW, 4)})`,
      ],
    );
    expect(incidents.map((i) => [i.product, i.rootCause])).toEqual([
      ['crm.customers', 'crm.customers'],
      ['sales.orders', 'crm.customers'],
    ]);
    expect(incidents[0]!.impact.products.map((p) => p.id)).toEqual(['sales.orders']);
  });
});

describe('robustness', () => {
  it('errors only the rule whose accepted values do not fit the column type, and retries a failing scan rule by rule', async () => {
    const { results, queries } = await run(
      {
        'products/orders.yaml': `id: sales.orders
domain: sales
tier: open
table: sales.orders
freshness: { column: updated_at, maxAge: 2h }
contract:
  rowCount: { min: 1 }
  notNull: [order_id]
  acceptedValues: { amount: [placed], status: [placed, 10], order_date: [not-a-date] }
`,
      },
      [
        'create schema sales; create table sales.orders (order_id integer not null, amount decimal(12,2), status varchar, order_date date, updated_at timestamp)',
        `insert into sales.orders values (1, 5, '10', DATE '2026-11-01', ${hoursAgo(NOW, 1)})`,
      ],
    );
    expect(byCheck(results, 'contract.acceptedValues.amount')).toMatchObject({
      status: 'error',
      errorCode: 'CHECK_CONFIG',
      message: expect.stringContaining('accepted value "placed" cannot be compared with column amount of type DECIMAL(12,2)'),
    });
    // A number is a fine accepted value for a text column: compared as '10'.
    expect(byCheck(results, 'contract.acceptedValues.status').status).toBe('pass');
    // 'not-a-date' fails in the engine; the other rules of the scan still get their results.
    expect(byCheck(results, 'contract.acceptedValues.order_date')).toMatchObject({ status: 'error', errorCode: 'WAREHOUSE_QUERY' });
    expect(byCheck(results, 'freshness').status).toBe('pass');
    expect(byCheck(results, 'contract.rowCount').status).toBe('pass');
    expect(byCheck(results, 'contract.notNull.order_id').status).toBe('pass');
    // metadata + the failed combined scan + one scan per expression (count, max, notNull, order_date, status).
    expect(queries).toBe(1 + 1 + 5);
  });

  it('matches quoted and differently-cased column names as DuckDB does', async () => {
    const { results } = await run(
      {
        'products/orders.yaml': `id: sales.orders
domain: sales
tier: open
table: sales.orders
schema:
  columns:
    - { name: '"ORDER ID"', type: INTEGER }
    - { name: AMOUNT, type: "DECIMAL(12,2)" }
contract:
  notNull: ['"ORDER ID"', amount]
`,
      },
      ['create schema sales; create table sales.orders ("Order Id" integer, Amount decimal(12,2))', 'insert into sales.orders values (1, null)'],
    );
    expect(byCheck(results, 'schema').status).toBe('pass');
    expect(byCheck(results, 'contract.notNull."ORDER ID"').status).toBe('pass');
    expect(byCheck(results, 'contract.notNull.amount')).toMatchObject({ status: 'fail', failingRows: 1 });
  });

  it('names the changed column, quoted, so impact finds the consumers reading it', async () => {
    const { results, incidents } = await incidentsOf(
      {
        'products/orders.yaml': `id: sales.orders
domain: sales
tier: open
table: sales.orders
schema:
  columns:
    - { name: '"Order Id"', type: INTEGER }
`,
        'consumers/f.yaml': `consumers:\n  - { id: finance.ledger, domain: finance, uses: [{ product: sales.orders, columns: ['"Order Id"'] }] }\n`,
      },
      ['create schema sales; create table sales.orders ("Order Id" varchar)'],
    );
    expect(byCheck(results, 'schema')).toMatchObject({ status: 'fail', columns: ['"Order Id"'] });
    const [incident] = incidents;
    expect(incident?.impact.consumers.map((c) => c.id)).toEqual(['finance.ledger']);
  });

  it('reads the catalog name DuckDB gives a file with dots in its name', async () => {
    const { dir, cleanup } = await writeConfigDir({
      'meshwatch.yaml': WORKSPACE.replace('path: warehouse.duckdb', 'path: my.data.duckdb'),
      'products/orders.yaml': `id: sales.orders\ndomain: sales\ntier: open\ntable: sales.orders\ncontract: { rowCount: { min: 1 } }\n`,
    });
    cleanups.push(cleanup);
    await buildDuckdb(path.join(dir, 'my.data.duckdb'), [ORDERS_TABLE, `insert into sales.orders values (1, 1, 'placed', ${hoursAgo(NOW, 1)})`]);
    const config = await loadConfig(dir);
    expect(config.workspace.warehouse).toMatchObject({ catalog: 'my' });
    const warehouse = await openDuckdbWarehouse(config.workspace.warehouse as { path: string; catalog: string });
    cleanups.push(() => warehouse.close());
    const outcome = await runCheckCycle(warehouse, { products: config.products, now: NOW, concurrency: 1 });
    expect(outcome.results.map((r) => [r.check, r.status])).toEqual([['contract.rowCount', 'pass']]);
  });

  it('refuses owner SQL that smuggles a second statement, and cannot write files', async () => {
    const { config, warehouse } = await mesh({ 'products/orders.yaml': `id: sales.orders\ndomain: sales\ntier: open\ntable: sales.orders\n` }, [ORDERS_TABLE]);
    expect(config.products).toHaveLength(1);
    const target = path.join(path.dirname(config.workspace.warehouse.type === 'duckdb' ? config.workspace.warehouse.path : ''), 'pwned.csv');
    for (const sql of [
      `select '/*', 1; copy (select 42) to '${target}'; select '*/'`,
      `select $$'$$; copy (select 42) to '${target}'; select $$'$$`,
      `select 1 -- ; \ncopy (select 42) to '${target}'`,
      `/* select */ copy (select 42) to '${target}'`,
    ]) {
      await expect(warehouse.queryOwnerSql(sql, { tables: [warehouse.resolve(config.products[0]!.table)] }), sql).rejects.toMatchObject({ code: 'WAREHOUSE_NOT_READ_ONLY' });
    }
    // Past the text guard, DuckDB itself has file access disabled.
    await expect(warehouse.query(`select * from read_csv('${target}')`)).rejects.toMatchObject({ code: 'WAREHOUSE_PERMISSION' });
    const { access } = await import('node:fs/promises');
    await expect(access(target)).rejects.toThrow();
  });
});

describe('breakage found (issue 9)', () => {
  const fresh = (extra = '') => ({
    'products/orders.yaml': `id: sales.orders\ndomain: sales\ntier: open\ntable: sales.orders\nfreshness: { column: updated_at, maxAge: 2h }\n${extra}`,
  });

  it('fails freshness for timestamps in the future beyond defaults.futureTolerance', async () => {
    const { results } = await run(fresh(), [ORDERS_TABLE, `insert into sales.orders values (1, 1, 'placed', TIMESTAMP '2099-01-01 00:00:00')`]);
    expect(byCheck(results, 'freshness')).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/^in the future: max\(updated_at\) = 2099-01-01T00:00:00.000Z, .* in the future; at most 5 min ahead is tolerated/),
    });
    // Within the tolerance, a clock a little ahead is fresh.
    const near = await run(fresh(), [ORDERS_TABLE, `insert into sales.orders values (1, 1, 'placed', ${hoursAgo(NOW, -0.05)})`]);
    expect(byCheck(near.results, 'freshness').status).toBe('pass');
    // The tolerance is defaults.futureTolerance.
    const { config, warehouse } = await mesh(fresh(), [ORDERS_TABLE, `insert into sales.orders values (1, 1, 'placed', ${hoursAgo(NOW, -0.05)})`]);
    const strict = await runCheckCycle(warehouse, { products: config.products, now: NOW, concurrency: 1, defaults: { futureToleranceMs: 60_000 } });
    expect(byCheck([...strict.results], 'freshness')).toMatchObject({ status: 'fail', message: expect.stringContaining('at most 1 min ahead') });
  });

  it.each([
    ['an epoch integer', 'bigint', '1732500000', 'BIGINT'],
    ['text', 'varchar', "'2026-11-25 11:00:00'", 'VARCHAR'],
  ])('is a config error when the freshness column holds %s, naming the column and its type', async (_what, type, value, shown) => {
    const { results } = await run(fresh(), [`create schema sales; create table sales.orders (order_id integer, updated_at ${type})`, `insert into sales.orders values (1, ${value})`]);
    expect(byCheck(results, 'freshness')).toMatchObject({
      status: 'error',
      errorCode: 'CHECK_CONFIG',
      columns: ['updated_at'],
      message: `freshness column updated_at is of type ${shown}, not a timestamp or date; declare a timestamp column as freshness.column in products/orders.yaml`,
    });
  });

  it('fails every check of a view whose base table was dropped, as a whole-product breakage', async () => {
    const { results, incidents } = await incidentsOf(
      fresh('schema: { columns: [{ name: order_id, type: INTEGER }, { name: updated_at, type: TIMESTAMP }] }\ncontract: { notNull: [order_id] }\n'),
      ['create schema sales; create table sales.base (order_id integer, updated_at timestamp)', 'create view sales.orders as select * from sales.base', 'drop table sales.base'],
    );
    expect(results.map((r) => [r.check, r.status, r.columns.length])).toEqual([
      ['freshness', 'fail', 0],
      ['schema', 'fail', 0],
      ['contract.notNull.order_id', 'fail', 0],
    ]);
    expect(results[0]!.message).toMatch(/^view sales\.orders exists but cannot be read \(.*base.*\): the whole product is broken$/);
    expect(incidents.map((i) => i.product)).toEqual(['sales.orders']);
  });

  describe('mass missing tables', () => {
    const products = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`products/p${i}.yaml`, `id: sales.p${i}\ndomain: sales\ntier: open\ntable: sales.p${i}\ncontract: { rowCount: { min: 1 } }\n`]));
    const present = (n: number) => ['create schema sales', ...Array.from({ length: n }, (_, i) => `create table sales.p${i} as select 1 as id`)];

    it('reads more than defaults.massMissing of a database missing (and at least 10) as one monitor problem: error, no incident', async () => {
      const { config, warehouse } = await mesh(products(15), present(3));
      const outcome = await runCheckCycle(warehouse, { products: config.products, now: NOW, concurrency: 2, defaults: { massMissing: 0.5 } });
      const missing = outcome.results.filter((r) => r.errorCode === 'WAREHOUSE_OBJECTS_MISSING');
      expect(missing).toHaveLength(12);
      expect(missing.every((r) => r.status === 'error')).toBe(true);
      expect(outcome.results.filter((r) => r.status === 'pass')).toHaveLength(3);
      expect(outcome.monitorProblems).toEqual([
        expect.objectContaining({ code: 'WAREHOUSE_OBJECTS_MISSING', database: 'warehouse', of: 15, products: expect.arrayContaining(['sales.p3', 'sales.p14']) }),
      ]);
      expect(outcome.monitorProblems![0]!.message).toMatch(/^12 of 15 products' tables in database warehouse are missing at once/);
      expect(buildIncidents(new Catalog(config), outcome.results)).toEqual([]);
    });

    it('keeps a missing table a breakage below the share or below 10 products', async () => {
      // 9 of 12 missing: above the share, but fewer than 10.
      const few = await run(products(12), present(3));
      expect(few.results.filter((r) => r.status === 'fail')).toHaveLength(9);
      // 10 of 20 missing: 10 products, but not more than half.
      const half = await run(products(20), present(10));
      expect(half.results.filter((r) => r.status === 'fail')).toHaveLength(10);
      expect(half.results.some((r) => r.errorCode === 'WAREHOUSE_OBJECTS_MISSING')).toBe(false);
    });
  });
});

describe('hostile but legal names and values (issue 9)', () => {
  it("runs meshwatch's own SQL when a quoted table name or an accepted value holds a ';'", async () => {
    const { results } = await run(
      {
        'products/odd.yaml': `id: sales.odd
domain: sales
tier: open
table: 'sales."odd;name"'
contract:
  rowCount: { min: 1 }
  notNull: [status]
  acceptedValues: { status: ['a;b', "it's; fine"] }
`,
      },
      ['create schema sales', 'create table sales."odd;name" (status varchar)', `insert into sales."odd;name" values ('a;b'), ('it''s; fine'), ('x;y')`],
    );
    expect(results.map((r) => [r.check, r.status, r.errorCode])).toEqual([
      ['contract.rowCount', 'pass', undefined],
      ['contract.notNull.status', 'pass', undefined],
      ['contract.acceptedValues.status', 'fail', undefined],
    ]);
    expect(byCheck(results, 'contract.acceptedValues.status')).toMatchObject({ failingRows: 1, samples: ['x;y'] });
  });

  it('guards built statements by their quoting, on either engine, and still refuses a second statement', async () => {
    const { assertSingleSelect } = await import('../checks/warehouse.js');
    const duck = { backslashEscapes: false };
    const snow = { backslashEscapes: true };
    expect(() => assertSingleSelect(`select count(*) from "s"."a;b" where x in ('c;d', 'e''f;')`, duck)).not.toThrow();
    // Snowflake literal of a\';drop : the backslash is escaped, the quote doubled.
    expect(() => assertSingleSelect(`select 1 from t where x = 'a\\\\'';drop'`, snow)).not.toThrow();
    for (const sql of ['select 1; drop table t', `select ';' ; select 1`, `select "x" from t; delete from t`, 'delete from t']) {
      expect(() => assertSingleSelect(sql, duck), sql).toThrow(/single SELECT/);
    }
    expect(() => assertSingleSelect(`select 'a\\'; drop table t; select '`, snow)).not.toThrow();
    expect(() => assertSingleSelect(`select 'a\\'; drop table t; select '`, duck)).toThrow(/single SELECT/);
  });

  it('opens a warehouse file that is a symlink', async () => {
    const { dir, cleanup } = await writeConfigDir({
      'meshwatch.yaml': WORKSPACE,
      'products/orders.yaml': `id: sales.orders\ndomain: sales\ntier: open\ntable: sales.orders\ncontract: { rowCount: { min: 1 } }\n`,
      'products/orders-by-catalog.yaml': `id: sales.orders2\ndomain: sales\ntier: open\ntable: warehouse.sales.orders\ncontract: { rowCount: { min: 1 } }\n`,
    });
    cleanups.push(cleanup);
    const { mkdir, symlink } = await import('node:fs/promises');
    await mkdir(path.join(dir, 'data'));
    await buildDuckdb(path.join(dir, 'data', 'prod-2026-11.duckdb'), [ORDERS_TABLE, `insert into sales.orders values (1, 1, 'placed', ${hoursAgo(NOW, 1)})`]);
    await symlink(path.join(dir, 'data', 'prod-2026-11.duckdb'), path.join(dir, 'warehouse.duckdb'));
    const config = await loadConfig(dir);
    const warehouse = await openDuckdbWarehouse(config.workspace.warehouse as { path: string; catalog: string });
    cleanups.push(() => warehouse.close());
    const outcome = await runCheckCycle(warehouse, { products: config.products, now: NOW, concurrency: 1 });
    expect(outcome.results.map((r) => [r.product, r.check, r.status]).sort()).toEqual([
      ['sales.orders', 'contract.rowCount', 'pass'],
      ['sales.orders2', 'contract.rowCount', 'pass'],
    ]);
  });
});

describe('root cause through column lineage', () => {
  it('does not blame an upstream whose broken columns this product does not read', async () => {
    const { incidents } = await incidentsOf(
      {
        'products/customers.yaml': `id: crm.customers\ndomain: crm\ntier: open\ntable: crm.customers\ncontract: { notNull: [email] }\n`,
        'products/orders.yaml': `id: sales.orders\ndomain: sales\ntier: open\ntable: sales.orders\nfreshness: { column: updated_at, maxAge: 2h }\ninputs: [{ product: crm.customers, columns: [id] }]\n`,
        'products/mailing.yaml': `id: marketing.mailing\ndomain: marketing\ntier: open\ntable: marketing.mailing\nfreshness: { column: updated_at, maxAge: 2h }\ninputs: [{ product: crm.customers, columns: [email] }]\n`,
      },
      [
        'create schema crm; create table crm.customers (id integer, email varchar)',
        'insert into crm.customers values (1, null)',
        ORDERS_TABLE,
        `insert into sales.orders values (1, 1, 'placed', ${hoursAgo(NOW, 4)})`,
        'create schema marketing; create table marketing.mailing (id integer, updated_at timestamp)',
        `insert into marketing.mailing values (1, ${hoursAgo(NOW, 4)})`,
      ],
    );
    expect(Object.fromEntries(incidents.map((i) => [i.product, i.rootCause]))).toEqual({
      'crm.customers': 'crm.customers',
      // reads only id of crm.customers, whose email is broken: its staleness is its own
      'sales.orders': 'sales.orders',
      // reads email: crm.customers is the likely cause
      'marketing.mailing': 'crm.customers',
    });
    expect(incidents.find((i) => i.product === 'crm.customers')?.impact.products.map((p) => p.id)).toEqual(['marketing.mailing']);
  });
});
