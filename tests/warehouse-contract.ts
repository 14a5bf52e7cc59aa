/**
 * The warehouse contract: one suite of tests that every `Warehouse` adapter
 * passes, run against DuckDB directly and against Snowflake through the real
 * driver and the local Snowflake-protocol server (`warehouse-contract.test.ts`).
 * Both read the same fixture data, built here.
 *
 * Where engines legitimately differ (type names, the case Snowflake stores
 * unquoted names in, which statistics exist) the target says so; everything
 * else must match.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTableRef } from '../config/identifier.js';
import { openDuckdbWarehouse } from '../checks/duckdb-warehouse.js';
import { openSnowflakeWarehouse } from '../checks/snowflake-warehouse.js';
import { WarehouseError, expandTableTemplate, type ResolvedTable, type Warehouse } from '../checks/warehouse.js';
import { workspaceFileSchema } from '../config/schema.js';
import type { SnowflakeWarehouseConfig } from '../config/types.js';
import { startFakeSnowflake, type FakeSnowflake } from './support/fake-snowflake.js';
import { contractRulesSuite } from './contract-rules-suite.js';

// ---------------------------------------------------------------------------
// Fixture data.

export interface WarehouseFixture {
  readonly dir: string;
  /** `<dir>/analytics.duckdb`: catalog `analytics` in DuckDB, database `ANALYTICS` in the fake Snowflake. */
  readonly path: string;
  readonly catalog: string;
  remove(): Promise<void>;
}

/** Tables `sales.t01` … `sales.t<n>`, for batching tests. */
export function manyTablesSql(n: number): string {
  return Array.from({ length: n }, (_, i) => {
    const name = `sales.t${String(i + 1).padStart(2, '0')}`;
    return `create table ${name} (id integer not null, label varchar); insert into ${name} values (1, 'x');`;
  }).join('\n');
}

export const MANY_TABLES = 30;

/**
 * For the contract rules (contract-rules-suite.ts): ten order lines, each
 * planted problem in exactly one row, so thresholds sit at their boundaries
 * (1 row of 10 is exactly 10 %).
 */
export const CONTRACT_RULES_SQL = `
  create schema shop;
  create table shop.lines (
    order_id integer, line_no integer, sku varchar, email varchar, customer_id integer,
    net decimal(10,2), tax decimal(10,2), total decimal(10,2), qty integer, shipped_on date, shipped_at timestamp
  );
  insert into shop.lines values
    (1, 1,    'ABC-0001', 'ada@example.com',   1,    10.00, 2.00, 12.00, 1,  date '2024-01-01', timestamp '2024-01-01 08:00:00'),
    (1, 2,    'ABC-0002', 'ada@example.com',   1,    20.00, 4.00, 24.00, 2,  date '2024-01-02', timestamp '2024-01-02 08:00:00'),
    (2, 1,    'XYZ-1234', 'grace@example.com', 2,    5.00,  1.00, 6.00,  3,  date '2024-01-03', timestamp '2024-01-03 08:00:00'),
    (2, 1,    'XYZ-1235', 'grace@example.com', 2,    5.00,  1.00, 6.00,  4,  date '2024-01-04', timestamp '2024-01-04 08:00:00'),
    (3, null, 'QRS-0001', null,                null, 1.00,  0.00, 1.00,  5,  date '2024-01-05', timestamp '2024-01-05 08:00:00'),
    (3, null, 'QRS-0002', 'x@example.com',     null, 1.00,  0.00, 1.00,  6,  date '2024-01-06', timestamp '2024-01-06 08:00:00'),
    (4, 1,    'abc-1',    'not an email',      1,    1.00,  0.00, 1.00,  7,  date '2024-01-07', timestamp '2024-01-07 08:00:00'),
    (5, 1,    'LMN-0005', 'e@example.com',     3,    1.00,  0.00, 1.00,  8,  date '2024-01-08', timestamp '2024-01-08 08:00:00'),
    (6, 1,    'LMN-0006', 'f@example.com',     2,    1.00,  0.50, 9.99,  9,  date '2024-01-09', timestamp '2024-01-09 08:00:00'),
    (7, 1,    'LMN-0007', 'g@example.com',     1,    1.00,  0.00, 1.00,  0,  date '2023-12-31', timestamp '2023-12-31 23:59:59');
`;

export const FIXTURE_SQL = `
  create schema sales;
  create schema crm;
  create table sales.orders (
    order_id integer not null,
    amount decimal(12,2),
    status varchar,
    updated_at timestamp,
    big_id bigint,
    is_test boolean,
    order_date date,
    score double,
    "Mixed Col" varchar
  );
  insert into sales.orders values
    (1, 12.50, 'placed',    timestamp '2024-03-01 10:00:00.123456', 9007199254740993, false, date '2024-03-01', 1.5,  'a'),
    (2, 99.99, 'shipped',   timestamp '2024-03-02 11:30:00',        2,                false, date '2024-03-02', 2.25, 'b'),
    (3, -5.00, 'cancelled', timestamp '2024-03-03 12:45:30',        3,                true,  date '2024-03-03', null, null),
    (4, null,  'placed',    null,                                   null,             null,  null,              null, null);
  create view sales.open_orders as select order_id, amount from sales.orders where status = 'placed';
  create table crm.customers (customer_id integer not null, name varchar not null, updated_at timestamp);
  insert into crm.customers values (1, 'Ada', timestamp '2024-03-04 08:00:00'), (2, 'Grace', timestamp '2024-03-05 09:00:00');
  create table crm.secrets (id integer);
  ${CONTRACT_RULES_SQL}
  ${manyTablesSql(MANY_TABLES)}
`;

/** Writes the fixture into a fresh temp dir with a writable instance, closed before any adapter opens the file. */
export async function createWarehouseFixture(extraSql = ''): Promise<WarehouseFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'meshwatch-wh-'));
  const path = join(dir, 'analytics.duckdb');
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    await connection.run(FIXTURE_SQL);
    if (extraSql) await connection.run(extraSql);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return { dir, path, catalog: 'analytics', remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A statement that runs for minutes on DuckDB (and on the fake Snowflake, which executes in DuckDB). */
export const SLOW_SQL = 'select sum(a.range * b.range) as "s" from range(200000) a, range(200000) b';

/** A warehouse opened on a fixture, and the fake Snowflake server behind it when there is one. */
export interface AdapterTarget {
  readonly warehouse: Warehouse;
  readonly fake?: FakeSnowflake | undefined;
}

/** Both adapters on one fixture: DuckDB directly, Snowflake through the real driver and the local server. */
export const ADAPTER_TARGETS: ReadonlyArray<[string, (fixture: WarehouseFixture) => Promise<AdapterTarget>]> = [
  ['duckdb', async (fixture) => ({ warehouse: await openDuckdbWarehouse({ path: fixture.path, catalog: fixture.catalog }, { defaultTimeoutMs: 20_000 }) })],
  [
    'snowflake (driver + local server)',
    async (fixture) => {
      const fake = await startFakeSnowflake({ duckdbPath: fixture.path });
      const config = workspaceFileSchema.parse({
        warehouse: { type: 'snowflake', account: 'acme-test', user: 'MESHWATCH', password: 'pw', database: 'analytics', accessUrl: fake.url },
        domains: [{ id: 'sales', name: 'Sales', slackChannel: '#sales-data' }],
      }).warehouse as SnowflakeWarehouseConfig;
      return { warehouse: await openSnowflakeWarehouse(config, { defaultTimeoutMs: 20_000, loginRetries: 0 }), fake };
    },
  ],
];

// ---------------------------------------------------------------------------
// The suite.

export interface ContractTarget {
  readonly warehouse: Warehouse;
  /** The engine's type text for fixture columns of `sales.orders` (keyed by config column name). */
  readonly expectedTypes: Readonly<Record<string, string>>;
  /** How a column name from metadata compares with a config name (engines store unquoted names differently). */
  columnKey(metadataName: string): string;
  close(): Promise<void>;
}

export async function expectWarehouseError(promise: Promise<unknown>, code: WarehouseError['code']): Promise<WarehouseError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected WarehouseError ${code}`).toBeInstanceOf(WarehouseError);
  expect((err as WarehouseError).code).toBe(code);
  return err as WarehouseError;
}

export function warehouseContractSuite(name: string, setup: () => Promise<ContractTarget>): void {
  describe(`warehouse contract: ${name}`, () => {
    let target: ContractTarget;
    let wh: Warehouse;
    const table = (text: string): ResolvedTable => {
      const ref = parseTableRef(text);
      if (typeof ref === 'string') throw new Error(ref);
      return wh.resolve(ref);
    };
    const orders = () => table('analytics.sales.orders');

    beforeAll(async () => {
      target = await setup();
      wh = target.warehouse;
    });
    afterAll(async () => {
      await target?.close();
    });

    describe('metadata', () => {
      it('describes columns, types and nullability in ordinal order, in at most two queries per database', async () => {
        const before = wh.stats().queries;
        const meta = await wh.describeTables([orders(), table('analytics.sales.open_orders'), table('analytics.crm.customers')]);
        expect(wh.stats().queries - before).toBeLessThanOrEqual(2);

        const o = meta.get(wh.dialect.tableKey(orders()));
        expect(o).toBeDefined();
        expect(o!.kind).toBe('table');
        expect(o!.columns.map((c) => target.columnKey(c.name))).toEqual([
          'order_id', 'amount', 'status', 'updated_at', 'big_id', 'is_test', 'order_date', 'score', 'Mixed Col',
        ]);
        expect(o!.columns.map((c) => c.ordinal)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        const byKey = new Map(o!.columns.map((c) => [target.columnKey(c.name), c]));
        expect(byKey.get('order_id')!.nullable).toBe(false);
        expect(byKey.get('amount')!.nullable).toBe(true);
        for (const [column, type] of Object.entries(target.expectedTypes)) expect(byKey.get(column)?.type, column).toBe(type);

        const view = meta.get(wh.dialect.tableKey(table('analytics.sales.open_orders')));
        expect(view?.kind).toBe('view');
        expect(view?.columns.map((c) => target.columnKey(c.name))).toEqual(['order_id', 'amount']);
        expect(meta.get(wh.dialect.tableKey(table('analytics.crm.customers')))?.columns).toHaveLength(3);
      });

      it('leaves missing tables, schemas and databases out of the map instead of failing', async () => {
        const missing = [table('analytics.sales.nope'), table('analytics.nowhere.orders'), table('otherdb.sales.orders')];
        const meta = await wh.describeTables([orders(), ...missing]);
        expect(meta.has(wh.dialect.tableKey(orders()))).toBe(true);
        for (const t of missing) expect(meta.has(wh.dialect.tableKey(t))).toBe(false);
      });

      it(`costs the same number of queries for 3 and ${MANY_TABLES} tables in one database`, async () => {
        const tables = (n: number) => Array.from({ length: n }, (_, i) => table(`analytics.sales.t${String(i + 1).padStart(2, '0')}`));
        const cost = async (n: number) => {
          const before = wh.stats().queries;
          const meta = await wh.describeTables(tables(n));
          expect(meta.size).toBe(n);
          return wh.stats().queries - before;
        };
        const three = await cost(3);
        expect(await cost(MANY_TABLES)).toBe(three);
        expect(three).toBeLessThanOrEqual(2);
      });

      it('reports statistics exactly where it claims the capability', async () => {
        const meta = await wh.describeTables([orders(), table('analytics.sales.open_orders')]);
        const o = meta.get(wh.dialect.tableKey(orders()))!;
        const v = meta.get(wh.dialect.tableKey(table('analytics.sales.open_orders')))!;
        if (wh.capabilities.rowCount) {
          expect(o.rowCount).toBe(4);
          expect(v.rowCount).toBeUndefined();
        } else expect(o.rowCount).toBeUndefined();
        if (wh.capabilities.lastModified) expect(o.lastModified).toBeInstanceOf(Date);
        else expect(o.lastModified).toBeUndefined();
      });

      it('resolves schema.table against the default database', () => {
        const ref = parseTableRef('sales.orders');
        if (typeof ref === 'string') throw new Error(ref);
        expect(wh.dialect.tableKey(wh.resolve(ref))).toBe(wh.dialect.tableKey(orders()));
      });
    });

    describe('queries', () => {
      it('computes aggregates with plain JS values', async () => {
        const sql = expandTableTemplate(
          `select count(*) as "n", max(${wh.dialect.quoteColumn('updated_at')}) as "latest", count(distinct ${wh.dialect.quoteColumn('status')}) as "statuses" from {{ table }}`,
          orders(),
          wh.dialect,
        );
        const rows = await wh.query(sql, { product: 'sales.orders', check: 'freshness', domain: 'sales' });
        expect(rows).toEqual([{ n: 4, latest: new Date('2024-03-03T12:45:30Z'), statuses: 3 }]);
      });

      it('returns numbers, bigints beyond 2^53, booleans, Dates and nulls', async () => {
        const q = (c: string) => wh.dialect.quoteColumn(c);
        const rows = await wh.query(
          `select ${q('order_id')} as "id", ${q('amount')} as "amount", ${q('big_id')} as "big", ${q('is_test')} as "test",
                  ${q('order_date')} as "day", ${q('updated_at')} as "at", ${q('score')} as "score", ${q('status')} as "status"
             from ${wh.dialect.quoteTable(orders())} where ${q('order_id')} in (1, 4) order by 1`,
        );
        expect(rows).toEqual([
          {
            id: 1, amount: 12.5, big: 9007199254740993n, test: false, day: new Date('2024-03-01T00:00:00Z'),
            at: new Date('2024-03-01T10:00:00.123Z'), score: 1.5, status: 'placed',
          },
          { id: 4, amount: null, big: null, test: null, day: null, at: null, score: null, status: 'placed' },
        ]);
      });

      it('runs owner SQL expectations through expandTableTemplate', async () => {
        const sql = expandTableTemplate('select count(*) from {{ table }} where amount < 0', orders(), wh.dialect);
        const rows = await wh.query(sql, { product: 'sales.orders', check: 'no_negative_amounts' });
        expect(rows).toHaveLength(1);
        expect(Object.values(rows[0]!)).toEqual([1]);
      });

      it('quotes config column names by the engine rules, quoted names exactly', async () => {
        const sql = `select count(${wh.dialect.quoteColumn('"Mixed Col"')}) as "n", count(${wh.dialect.quoteColumn('ORDER_ID')}) as "m" from ${wh.dialect.quoteTable(orders())}`;
        expect(await wh.query(sql)).toEqual([{ n: 2, m: 4 }]);
        expect(wh.dialect.quoteString("it's")).toBe("'it''s'");
        const rows = await wh.query(`select ${wh.dialect.quoteString("it's")} as "s"`);
        expect(rows).toEqual([{ s: "it's" }]);
      });
    });

    describe('read-only', () => {
      it('refuses anything but one SELECT or WITH statement before sending it', async () => {
        const before = wh.stats().queries;
        const t = wh.dialect.quoteTable(orders());
        for (const sql of [`delete from ${t}`, `select 1; drop table ${t}`, `insert into ${t} select * from ${t}`, `update ${t} set amount = 0`]) {
          await expectWarehouseError(wh.query(sql), 'WAREHOUSE_NOT_READ_ONLY');
        }
        expect(wh.stats().queries).toBe(before);
        const rows = await wh.query(`with x as (select 1 as "a") select * from x`);
        expect(rows).toEqual([{ a: 1 }]);
      });
    });

    contractRulesSuite(() => wh);

    describe('errors', () => {
      it('reports a missing table or column as WAREHOUSE_OBJECT_NOT_FOUND', async () => {
        await expectWarehouseError(wh.query(`select count(*) from ${wh.dialect.quoteTable(table('analytics.sales.nope'))}`), 'WAREHOUSE_OBJECT_NOT_FOUND');
        await expectWarehouseError(wh.query(`select ${wh.dialect.quoteColumn('nope')} from ${wh.dialect.quoteTable(orders())}`), 'WAREHOUSE_OBJECT_NOT_FOUND');
      });

      it('reports invalid SQL as WAREHOUSE_QUERY, not retryable', async () => {
        const err = await expectWarehouseError(wh.query('select * fromm nothing here'), 'WAREHOUSE_QUERY');
        expect(err.retryable).toBe(false);
      });
    });

    describe('timeouts and cancellation', () => {
      it('cancels a statement that exceeds its timeout: WAREHOUSE_TIMEOUT, retryable', async () => {
        const err = await expectWarehouseError(wh.query(SLOW_SQL, { timeoutMs: 300 }), 'WAREHOUSE_TIMEOUT');
        expect(err.retryable).toBe(true);
        expect(await wh.query('select 1 as "ok"')).toEqual([{ ok: 1 }]);
      });

      it('cancels a running statement when the signal aborts: WAREHOUSE_CANCELLED', async () => {
        const controller = new AbortController();
        const running = wh.query(SLOW_SQL, { signal: controller.signal, timeoutMs: 60_000 });
        setTimeout(() => controller.abort(), 100);
        const err = await expectWarehouseError(running, 'WAREHOUSE_CANCELLED');
        expect(err.retryable).toBe(false);
        expect(await wh.query('select 2 as "ok"')).toEqual([{ ok: 2 }]);
      });

      it('does not start a statement whose signal already aborted', async () => {
        const controller = new AbortController();
        controller.abort();
        await expectWarehouseError(wh.query('select 1', { signal: controller.signal }), 'WAREHOUSE_CANCELLED');
      });
    });
  });
}
