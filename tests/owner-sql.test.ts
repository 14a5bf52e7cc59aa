/**
 * Owner SQL (contract.sql) is confined to its own product (issue 9): it may
 * read the product's table (and what that view reads) and its inputs'
 * tables, nothing else; it is read as one row at most; its failures are the
 * rule's `error`, never the warehouse's. On DuckDB (from the parsed
 * statement) and on Snowflake (EXPLAIN USING JSON, through the real driver
 * and the local Snowflake-protocol server).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { runCheckCycle } from '../checks/cycle.js';
import { openDuckdbWarehouse } from '../checks/duckdb-warehouse.js';
import { ownerSqlWarnings } from '../checks/owner-sql-lint.js';
import type { CheckResult } from '../checks/result.js';
import type { Warehouse } from '../checks/warehouse.js';
import { loadConfig } from '../config/load.js';
import type { MeshConfig } from '../config/types.js';
import { WORKSPACE, writeConfigDir } from './support/config-dir.js';
import type { FakeSnowflake } from './support/fake-snowflake.js';
import { ADAPTER_TARGETS, createWarehouseFixture, type WarehouseFixture } from './warehouse-contract.js';

const NOW = new Date('2024-03-03T13:00:00Z');
/** hr.people: a restricted product's table no other product declares as input. */
const EXTRA = `create schema hr; create table hr.people (id integer, ssn varchar); insert into hr.people values (1, '123-45-6789');`;

const rule = (name: string, query: string, expect = '0') => `    - { name: ${name}, query: "${query}", expect: ${expect} }\n`;

const FILES: Record<string, string> = {
  'meshwatch.yaml': WORKSPACE,
  'products/people.yaml': `id: crm.people\ndomain: crm\ntier: restricted\ntable: hr.people\n`,
  'products/customers.yaml': `id: crm.customers\ndomain: crm\ntier: open\ntable: crm.customers\ncontract: { rowCount: { min: 1 } }\n`,
  'products/orders.yaml':
    `id: sales.orders\ndomain: sales\ntier: open\ntable: sales.orders\ninputs: [crm.customers]\ncontract:\n  rowCount: { min: 1 }\n  sql:\n` +
    rule('own_table', 'select count(*) from {{ table }} where amount < 0', '1') +
    rule('input_table', 'select count(*) from {{ table }} o join crm.customers c on c.customer_id = o.order_id', '2') +
    rule('with_cte', 'with neg as (select * from {{ table }} where amount < 0) select count(*) from neg', '1') +
    rule('other_product', "select replace(ssn, '-', '') from hr.people where id = 1") +
    rule('other_in_subquery', 'select count(*) from {{ table }} where order_id in (select id from hr.people)') +
    rule('not_a_product', 'select count(*) from crm.secrets') +
    rule('many_rows', 'select order_id from {{ table }} order by order_id', '1'),
  'products/open-orders.yaml':
    `id: sales.open_orders\ndomain: sales\ntier: open\ntable: sales.open_orders\ncontract:\n  sql:\n` +
    rule('base_of_own_view', "select count(*) from sales.orders where status = 'placed'", '2'),
};

for (const [name, open] of ADAPTER_TARGETS) {
  describe(`owner SQL confined to its product: ${name}`, () => {
    let fixture: WarehouseFixture;
    let wh: Warehouse;
    let fake: FakeSnowflake | undefined;
    let config: MeshConfig;
    let cleanup: () => Promise<void>;
    let results: readonly CheckResult[];
    let problem: unknown;
    const result = (check: string) => {
      const found = results.find((r) => r.check === check);
      expect(found, check).toBeDefined();
      return found!;
    };

    beforeAll(async () => {
      fixture = await createWarehouseFixture(EXTRA);
      ({ warehouse: wh, fake } = await open(fixture));
      const dir = await writeConfigDir(FILES);
      cleanup = dir.cleanup;
      config = await loadConfig(dir.dir, { env: {} });
      const outcome = await runCheckCycle(wh, { products: config.products, mesh: config.products, now: NOW, concurrency: 2 });
      results = outcome.results;
      problem = outcome.warehouseProblem;
    });
    afterAll(async () => {
      await wh?.close();
      await fake?.close();
      await cleanup?.();
      await fixture?.remove();
    });

    it("reads the product's own table, its inputs' tables, and what its view reads", () => {
      expect(result('contract.sql.own_table')).toMatchObject({ status: 'pass', observed: 1 });
      expect(result('contract.sql.input_table')).toMatchObject({ status: 'pass', observed: 2 });
      expect(result('contract.sql.with_cte')).toMatchObject({ status: 'pass', observed: 1 });
      expect(result('contract.sql.base_of_own_view'), result('contract.sql.base_of_own_view').message).toMatchObject({ status: 'pass', observed: 2 });
    });

    it("refuses another product's table, or any table outside the product, as CHECK_CONFIG naming it, without reading it", () => {
      for (const check of ['contract.sql.other_product', 'contract.sql.other_in_subquery']) {
        const r = result(check);
        expect(r).toMatchObject({ status: 'error', errorCode: 'CHECK_CONFIG' });
        expect(r.message).toMatch(/reads table (analytics\.|ANALYTICS\.)?(hr|HR)\.(people|PEOPLE), which is neither this product's table nor one of its inputs' tables/);
        expect(r.message).not.toContain('123');
      }
      expect(result('contract.sql.not_a_product')).toMatchObject({ status: 'error', errorCode: 'CHECK_CONFIG', message: expect.stringMatching(/secrets/i) });
      if (fake) {
        // Refused at EXPLAIN: the statement reading hr.people never ran.
        expect(fake.queries.filter((q) => /hr\.people/i.test(q.sql) && !/^explain/i.test(q.sql))).toEqual([]);
      }
    });

    it('reads one row at most, whatever the statement returns', () => {
      expect(result('contract.sql.many_rows')).toMatchObject({ status: 'pass', observed: 1 });
      if (fake) {
        const sent = fake.queries.find((q) => /order by order_id/.test(q.sql) && !/^explain/i.test(q.sql));
        expect(sent?.sql).toMatch(/limit 1$/);
      }
    });

    it('does not stop the other checks or other products, and is never a warehouse problem', () => {
      expect(problem).toBeUndefined();
      expect(result('contract.rowCount')).toMatchObject({ status: 'pass' });
      expect(results.filter((r) => r.product === 'crm.customers').map((r) => r.status)).toEqual(['pass']);
    });
  });
}

describe('owner SQL on DuckDB: table functions and I/O errors', () => {
  it("refuses read_csv as CHECK_CONFIG; one owner's failing SQL does not mark the warehouse down or skip other products", async () => {
    const fixture = await createWarehouseFixture();
    const { dir, cleanup } = await writeConfigDir({
      'meshwatch.yaml': WORKSPACE,
      'products/orders.yaml': `id: sales.orders\ndomain: sales\ntier: open\ntable: sales.orders\ncontract:\n  sql:\n${rule('io', "select count(*) from read_csv('warehouse.duckdb.tmp/x.csv')")}${rule('file', "select count(*) from 'x.csv'")}`,
      // A really stale product elsewhere must still be reported.
      'products/customers.yaml': `id: crm.customers\ndomain: crm\ntier: open\ntable: crm.customers\nfreshness: { column: updated_at, maxAge: 1h }\n`,
    });
    const wh = await openDuckdbWarehouse({ path: fixture.path, catalog: fixture.catalog });
    try {
      const config = await loadConfig(dir, { env: {} });
      const outcome = await runCheckCycle(wh, { products: config.products, now: new Date('2025-01-01T00:00:00Z'), concurrency: 1 });
      expect(outcome.warehouseProblem).toBeUndefined();
      const io = outcome.results.find((r) => r.check === 'contract.sql.io');
      expect(io).toMatchObject({ status: 'error', errorCode: 'CHECK_CONFIG', message: expect.stringContaining('table function read_csv()') });
      expect(outcome.results.find((r) => r.check === 'contract.sql.file')).toMatchObject({ status: 'error', errorCode: 'CHECK_CONFIG', message: expect.stringContaining('x.csv') });
      expect(outcome.results.find((r) => r.product === 'crm.customers')).toMatchObject({ check: 'freshness', status: 'fail' });
    } finally {
      await wh.close();
      await cleanup();
      await fixture.remove();
    }
  });
});

describe('validate warns about owner SQL that names other tables', () => {
  it('names the rule and the table, and stays quiet for {{ table }}, inputs, CTEs and subqueries', async () => {
    const { dir, cleanup } = await writeConfigDir({
      ...FILES,
      'products/quiet.yaml':
        `id: sales.quiet\ndomain: sales\ntier: open\ntable: sales.quiet\ninputs: [sales.orders]\ncontract:\n  sql:\n` +
        rule('a', 'with x as (select * from {{ table }}) select count(*) from x join sales.orders o on true') +
        rule('b', 'select count(*) from (select 1 from {{ table }}) where extract(year from now()) > 2000'),
    });
    try {
      const warnings = ownerSqlWarnings(await loadConfig(dir, { env: {} }));
      expect(warnings.filter((w) => w.includes('quiet'))).toEqual([]);
      expect(warnings).toContainEqual(expect.stringMatching(/^products\/orders\.yaml: contract\.sql\[3\] \(other_product\): reads hr\.people, which is neither \{\{ table \}\} \(sales\.orders\)/));
      expect(warnings).toContainEqual(expect.stringContaining('contract.sql[5] (not_a_product): reads crm.secrets'));
      expect(warnings.filter((w) => /own_table|input_table|with_cte|many_rows|base_of_own_view/.test(w))).toEqual([
        // Reading its view's base table by name cannot be told from a foreign table without the warehouse.
        expect.stringContaining('(base_of_own_view): reads sales.orders'),
      ]);
    } finally {
      await cleanup();
    }
  });
});

void path;
