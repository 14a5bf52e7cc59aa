/**
 * The warehouse contract (`warehouse-contract.ts`) against both adapters, on
 * the same fixture data: DuckDB directly, Snowflake through the real driver
 * and the local Snowflake-protocol server that executes in DuckDB.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCheckCycle } from '../checks/cycle.js';
import { openDuckdbWarehouse } from '../checks/duckdb-warehouse.js';
import type { CheckResult } from '../checks/result.js';
import type { Warehouse } from '../checks/warehouse.js';
import { loadConfig } from '../config/load.js';
import { buildDemoWarehouse } from '../scripts/build-demo-warehouse.js';
import { openSnowflakeWarehouse } from '../checks/snowflake-warehouse.js';
import { workspaceFileSchema } from '../config/schema.js';
import type { SnowflakeWarehouseConfig } from '../config/types.js';
import { startFakeSnowflake } from './support/fake-snowflake.js';
import { createWarehouseFixture, warehouseContractSuite } from './warehouse-contract.js';

warehouseContractSuite('duckdb', async () => {
  const fixture = await createWarehouseFixture();
  const warehouse = await openDuckdbWarehouse({ path: fixture.path, catalog: fixture.catalog }, { defaultTimeoutMs: 20_000 });
  return {
    warehouse,
    expectedTypes: {
      order_id: 'INTEGER', amount: 'DECIMAL(12,2)', status: 'VARCHAR', updated_at: 'TIMESTAMP',
      big_id: 'BIGINT', is_test: 'BOOLEAN', order_date: 'DATE', score: 'DOUBLE',
    },
    // DuckDB keeps names as created; the fixture creates unquoted names in lower case.
    columnKey: (name) => name,
    close: async () => {
      await warehouse.close();
      await fixture.remove();
    },
  };
});

warehouseContractSuite('snowflake (driver + local server)', async () => {
  const fixture = await createWarehouseFixture();
  const fake = await startFakeSnowflake({ duckdbPath: fixture.path, users: { MESHWATCH: { password: 'contract-pw' } } });
  const parsed = workspaceFileSchema.parse({
    warehouse: {
      type: 'snowflake', account: 'acme-test', user: 'MESHWATCH', password: 'contract-pw', role: 'MESHWATCH_READER',
      warehouse: 'MONITORING', database: 'analytics', accessUrl: fake.url,
    },
    domains: [{ id: 'sales', name: 'Sales', slackChannel: '#sales-data' }],
  });
  const warehouse = await openSnowflakeWarehouse(parsed.warehouse as SnowflakeWarehouseConfig, { defaultTimeoutMs: 20_000, loginRetries: 0 });
  return {
    warehouse,
    expectedTypes: {
      order_id: 'NUMBER(38,0)', amount: 'NUMBER(12,2)', status: 'VARCHAR(16777216)', updated_at: 'TIMESTAMP_NTZ',
      big_id: 'NUMBER(38,0)', is_test: 'BOOLEAN', order_date: 'DATE', score: 'FLOAT',
    },
    // Snowflake stores unquoted names upper-case; a quoted name keeps its case.
    columnKey: (name) => (/^[A-Z_][A-Z0-9_$]*$/.test(name) ? name.toLowerCase() : name),
    close: async () => {
      await warehouse.close();
      await fake.close();
      await fixture.remove();
    },
  };
});

/**
 * Done-when of issue 5: the demo mesh's check cycle gives the same results on
 * DuckDB and on Snowflake (driver + local server on the same data).
 */
describe('the demo mesh gives the same results on DuckDB and on Snowflake', () => {
  const NOW = new Date('2025-03-14T10:30:00.000Z');
  let dir: string;

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs every check kind through both adapters', async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshwatch-demo-'));
    const path = join(dir, 'warehouse.duckdb');
    await buildDemoWarehouse(path, NOW);
    const mesh = await loadConfig(fileURLToPath(new URL('../examples/demo-mesh', import.meta.url)), { env: {} });
    const cycle = async (warehouse: Warehouse) => {
      try {
        return await runCheckCycle(warehouse, { products: mesh.products, now: NOW, concurrency: 4, timeoutMs: 30_000 });
      } finally {
        await warehouse.close();
      }
    };
    const comparable = (results: readonly CheckResult[]) =>
      results
        .map((r) => ({ product: r.product, check: r.check, status: r.status, columns: [...r.columns].sort(), failingRows: r.failingRows }))
        .sort((a, b) => `${a.product} ${a.check}`.localeCompare(`${b.product} ${b.check}`));

    const duck = await cycle(await openDuckdbWarehouse({ path, catalog: 'warehouse' }, { defaultTimeoutMs: 30_000 }));
    const fake = await startFakeSnowflake({ duckdbPath: path });
    try {
      const config = workspaceFileSchema.parse({
        warehouse: { type: 'snowflake', account: 'acme-test', user: 'MESHWATCH', password: 'pw', database: 'warehouse', accessUrl: fake.url },
        domains: [{ id: 'sales', name: 'Sales', slackChannel: '#sales-data' }],
      }).warehouse as SnowflakeWarehouseConfig;
      const snow = await cycle(await openSnowflakeWarehouse(config, { defaultTimeoutMs: 30_000, loginRetries: 0 }));

      expect(duck.warehouseProblem).toBeUndefined();
      expect(snow.warehouseProblem).toBeUndefined();
      expect(new Set(duck.results.map((r) => r.kind))).toEqual(new Set(['freshness', 'schema', 'contract']));
      expect(duck.results.some((r) => r.status === 'fail')).toBe(true);
      expect(comparable(snow.results)).toEqual(comparable(duck.results));
      // Every statement the cycle sent to Snowflake was tagged with its domain, its product (or a batch's products) and check.
      const checkQueries = fake.queries.filter((q) => (q.queryTag as { op?: string }).op === 'query');
      expect(checkQueries.length).toBeGreaterThan(0);
      for (const q of checkQueries) {
        const tag = q.queryTag as { products?: unknown };
        expect(q.queryTag).toMatchObject({ app: 'meshwatch', domain: expect.any(String), check: expect.any(String) });
        if (tag.products === undefined) expect(q.queryTag).toMatchObject({ product: expect.any(String) });
        else expect(q.queryTag).toMatchObject({ check: 'scan', products: expect.arrayContaining([expect.any(String)]) });
      }
      // Metadata for every product of the one database: two statements.
      expect(fake.queries.filter((q) => (q.queryTag as { op?: string }).op === 'describeTables')).toHaveLength(2);
    } finally {
      await fake.close();
    }
  });
});

describe('DuckDB metadata', () => {
  it('describeTables gives what information_schema says: every type, views, odd names, column order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshwatch-describe-'));
    const path = join(dir, 'meta.duckdb');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    await connection.run(`
      create schema s; create schema "Odd ""Schema"", too";
      create type mood as enum ('a', 'b');
      create table s.t (a integer not null, "B, c" decimal(12,2), d struct(x int, y varchar[]), e mood, f timestamp with time zone, g varchar[],
        h map(varchar, int), i uuid, j blob, k double, l hugeint, m date, n interval, o bit, p union(a int, b varchar), q json, "ü ""quoted""
      name" varchar, s decimal(38,10) not null);
      alter table s.t drop column k; alter table s.t add column k2 bigint;
      create view s.v as select a, e, q from s.t;
      create view s.w(x, "Y") as select 1, 'a';
      create table "Odd ""Schema"", too"."T\\x" ("[]{}" integer);
      create table main.other (x int);`);
    const truth = (await connection.runAndReadAll(`
      select c.table_schema, c.table_name, c.column_name, c.data_type, c.is_nullable, c.ordinal_position, t.table_type
        from information_schema.columns c join information_schema.tables t
          on t.table_catalog = c.table_catalog and t.table_schema = c.table_schema and t.table_name = c.table_name
       where c.table_catalog = 'meta' and c.table_schema <> 'main'
       order by c.table_schema, c.table_name, c.ordinal_position`)).getRowObjectsJS();
    connection.closeSync();
    instance.closeSync();
    const warehouse = await openDuckdbWarehouse({ path, catalog: 'meta' });
    try {
      const names = [...new Set(truth.map((r) => `${String(r.table_schema)}\u0000${String(r.table_name)}`))].map((k) => k.split('\u0000'));
      const tables = names.map(([schema, table]) => warehouse.resolve({ schema: { name: schema!, quoted: true }, table: { name: table!, quoted: true } }));
      const meta = await warehouse.describeTables([...tables, warehouse.resolve({ schema: { name: 's', quoted: false }, table: { name: 'missing', quoted: false } })]);
      const described = tables.flatMap((t) => {
        const entry = meta.get(warehouse.dialect.tableKey(t))!;
        return entry.columns.map((c) => ({
          table_schema: t.schema.name, table_name: t.table.name, column_name: c.name, data_type: c.type,
          is_nullable: c.nullable ? 'YES' : 'NO', ordinal_position: c.ordinal, table_type: entry.kind === 'view' ? 'VIEW' : 'BASE TABLE',
        }));
      });
      expect(truth.length).toBeGreaterThan(20);
      expect(described).toEqual(truth);
      expect(meta.size).toBe(tables.length);
    } finally {
      await warehouse.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
