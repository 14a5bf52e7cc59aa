import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/catalog.js';
import { runCheckCycle, assertCheckableOn } from '../checks/cycle.js';
import { openDuckdbWarehouse } from '../checks/duckdb-warehouse.js';
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
    const { config, warehouse } = await mesh(product('{ maxAge: 2h }'), [ORDERS_TABLE]);
    expect(() => assertCheckableOn(config.products, warehouse)).toThrow(ConfigError);
    expect(() => assertCheckableOn(config.products, warehouse)).toThrow(
      'products/orders.yaml: freshness.column: sales.orders: duckdb records no last-modified time; declare the timestamp column that freshness should read',
    );
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
  it('reads schema metadata for all products in one query and scans each product once', async () => {
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
    const { results, queries } = await run(files, sql);
    expect(results.filter((r) => r.status !== 'pass')).toEqual([]);
    expect(results).toHaveLength(12 * 5);
    // 1 metadata query for the one database + 1 aggregate scan per product.
    expect(queries).toBe(1 + 12);
  });
});

describe('incidents and impact', () => {
  it('names the failing upstream as root cause and computes column-aware impact', async () => {
    const { dir, cleanup } = await writeConfigDir({
      'meshwatch.yaml': WORKSPACE,
      'products/customers.yaml': `id: crm.customers\ndomain: crm\ntier: open\ntable: crm.customers\nfreshness: { column: updated_at, maxAge: 2h }\n`,
      'products/orders.yaml': `id: sales.orders\ndomain: sales\ntier: open\ntable: sales.orders\nfreshness: { column: updated_at, maxAge: 2h }\ninputs: [crm.customers]\n`,
    });
    cleanups.push(cleanup);
    await buildDuckdb(path.join(dir, 'warehouse.duckdb'), [
      'create schema crm; create table crm.customers (id integer, updated_at timestamp)',
      `insert into crm.customers values (1, ${hoursAgo(NOW, 5)})`,
      ORDERS_TABLE,
      `insert into sales.orders values (1, 1, 'placed', ${hoursAgo(NOW, 4)})`,
    ]);
    const config = await loadConfig(dir);
    const warehouse = await openDuckdbWarehouse({ path: path.join(dir, 'warehouse.duckdb'), catalog: 'warehouse' });
    cleanups.push(() => warehouse.close());
    const outcome = await runCheckCycle(warehouse, { products: config.products, now: NOW, concurrency: 2 });
    const { buildIncidents } = await import('../checks/incidents.js');
    const incidents = buildIncidents(new Catalog(config), outcome.results);
    expect(incidents.map((i) => [i.product, i.rootCause])).toEqual([
      ['crm.customers', 'crm.customers'],
      ['sales.orders', 'crm.customers'],
    ]);
    expect(incidents[0]!.impact.products.map((p) => p.id)).toEqual(['sales.orders']);
  });
});
