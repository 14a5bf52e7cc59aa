/**
 * Batched aggregate scans (checks/scan-batch.ts) give exactly the values and
 * results of one statement per product, on DuckDB and on Snowflake (the real
 * driver against the local Snowflake-protocol server), including a batch in
 * which one table fails. Statement counts are asserted, never times.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheckCycle } from '../checks/cycle.js';
import type { CheckResult } from '../checks/result.js';
import { runScans, type ScanRequest } from '../checks/scan-batch.js';
import { queryTag } from '../checks/snowflake-warehouse.js';
import type { ResolvedTable, Warehouse } from '../checks/warehouse.js';
import { parseTableRef } from '../config/identifier.js';
import { loadConfig } from '../config/load.js';
import type { Product } from '../config/types.js';
import { WORKSPACE, writeConfigDir } from './support/config-dir.js';
import { ADAPTER_TARGETS, createWarehouseFixture, type AdapterTarget, type WarehouseFixture } from './warehouse-contract.js';

/** A view whose base table was dropped: it is in the metadata, but reading it fails. */
const BROKEN_VIEW = `create table sales.gone (id integer, label varchar); create view sales.broken as select * from sales.gone; drop table sales.gone;`;

for (const [name, open] of ADAPTER_TARGETS) {
  describe(`batched scans: ${name}`, () => {
    let fixture: WarehouseFixture;
    let target: AdapterTarget;
    let wh: Warehouse;
    const table = (text: string): ResolvedTable => {
      const ref = parseTableRef(text);
      if (typeof ref === 'string') throw new Error(ref);
      return wh.resolve(ref);
    };

    beforeAll(async () => {
      fixture = await createWarehouseFixture(BROKEN_VIEW);
      target = await open(fixture);
      wh = target.warehouse;
    });
    afterAll(async () => {
      await wh?.close();
      await target?.fake?.close();
      await fixture?.remove();
    });

    /** Scans of several tables whose values have every type that must survive the UNION ALL exactly. */
    const requests = (withBroken: boolean): ScanRequest[] => {
      const q = (c: string) => wh.dialect.quoteColumn(c);
      const orders = wh.dialect.quoteTable(table('sales.orders'));
      const list: ScanRequest[] = [
        {
          product: 'sales.orders',
          domain: 'sales',
          group: 'sales',
          table: orders,
          columns: [
            { alias: 'a0', sql: 'count(*)', shape: 'count' },
            { alias: 'a1', sql: `max(${q('updated_at')})`, shape: 'value:TIMESTAMP' },
            { alias: 'a2', sql: `max(${q('amount')})`, shape: 'value:DECIMAL(12,2)' },
            { alias: 'a3', sql: `max(${q('big_id')})`, shape: 'value:BIGINT' },
            { alias: 'a4', sql: `max(${q('order_date')})`, shape: 'value:DATE' },
            { alias: 'a5', sql: `min(${q('score')})`, shape: 'value:DOUBLE' },
            { alias: 'a6', sql: `count(*) - count(${q('amount')})`, shape: 'count' },
          ],
        },
        {
          product: 'sales.open_orders',
          domain: 'sales',
          group: 'sales',
          table: wh.dialect.quoteTable(table('sales.open_orders')),
          columns: [
            { alias: 'a0', sql: `min(${q('amount')})`, shape: 'value:DECIMAL(12,2)' },
            { alias: 'a1', sql: 'count(*)', shape: 'count' },
          ],
        },
        ...Array.from({ length: 5 }, (_, i) => ({
          product: `sales.t0${i + 1}`,
          domain: 'sales',
          group: 'sales',
          table: wh.dialect.quoteTable(table(`sales.t0${i + 1}`)),
          columns: [
            { alias: 'a0', sql: `max(${q('label')})`, shape: 'value:VARCHAR' },
            { alias: 'a1', sql: 'count(*)', shape: 'count' },
          ],
        })),
      ];
      if (withBroken) {
        list.splice(3, 0, {
          product: 'sales.broken',
          domain: 'sales',
          group: 'sales',
          table: wh.dialect.quoteTable(table('sales.broken')),
          columns: [
            { alias: 'a0', sql: 'count(*)', shape: 'count' },
            { alias: 'a1', sql: `max(${q('label')})`, shape: 'value:VARCHAR' },
          ],
        });
      }
      return list;
    };

    const scan = async (list: ScanRequest[], batchSize: number) => {
      const before = wh.stats().queries;
      const result = await runScans(wh, list, { batchSize, concurrency: 2 });
      return { ...result, statements: wh.stats().queries - before };
    };

    it('returns exactly the values of one statement per product, in one statement', async () => {
      const single = await scan(requests(false), 1);
      const batched = await scan(requests(false), 50);
      expect(single.statements).toBe(7);
      expect(batched.statements).toBe(1);
      expect(batched.outcomes).toEqual(single.outcomes);
      expect(batched.warehouseProblem).toBeUndefined();
      const orders = batched.outcomes[0]!;
      expect(orders.errors.size).toBe(0);
      expect(orders.row).toMatchObject({ a0: 4, a1: new Date('2024-03-03T12:45:30Z'), a2: 99.99, a3: 9007199254740993n, a4: new Date('2024-03-03T00:00:00Z'), a5: 1.5, a6: 1 });
    });

    it('falls back to one statement per product when one table of the batch fails; the others keep their values', async () => {
      const single = await scan(requests(false), 1);
      const batched = await scan(requests(true), 50);
      // The failed batch, one statement per product, and the broken product's two expressions alone.
      expect(batched.statements).toBe(1 + 8 + 2);
      expect(batched.warehouseProblem).toBeUndefined();
      const broken = batched.outcomes[3]!;
      expect([...broken.errors.keys()]).toEqual(['a0', 'a1']);
      expect(broken.errors.get('a0')).toMatchObject({ code: 'WAREHOUSE_OBJECT_NOT_FOUND' });
      expect(batched.outcomes.filter((_, i) => i !== 3)).toEqual(single.outcomes);
    });

    it('keeps batches within one domain and at most batchSize products', async () => {
      const list = requests(false).map((r, i) => ({ ...r, domain: i % 2 === 0 ? 'sales' : 'crm', group: i % 2 === 0 ? 'sales' : 'crm' }));
      const batched = await scan(list, 3);
      // 4 of sales in batches of 3 (2), 3 of crm (1).
      expect(batched.statements).toBe(3);
      expect(batched.outcomes).toEqual((await scan(list, 1)).outcomes);
      if (target.fake) {
        const scans = target.fake.queries.slice(-10).filter((q) => (q.queryTag as { products?: string[] }).products);
        expect(scans.map((q) => q.queryTag)).toContainEqual({
          app: 'meshwatch', domain: 'sales', products: ['sales.orders', 'sales.t01', 'sales.t03'], check: 'scan', op: 'query',
        });
      }
    });

    it('gives the same check results batched as with one statement per product, in at most products / 20 scan statements', async () => {
      const files: Record<string, string> = { 'meshwatch.yaml': WORKSPACE };
      for (let i = 1; i <= 30; i++) {
        const t = `t${String(i).padStart(2, '0')}`;
        files[`products/${t}.yaml`] = `id: sales.${t}\ndomain: sales\ntier: open\ntable: sales.${t}
schema: { columns: [{ name: id, type: INTEGER, nullable: false }, { name: label, type: VARCHAR }] }
contract: { rowCount: { min: ${i % 7 === 0 ? 2 : 1} }, notNull: [id, label], unique: [id], acceptedValues: { label: [${i % 5 === 0 ? 'y' : 'x'}] } }\n`;
      }
      files['products/orders.yaml'] = `id: sales.orders\ndomain: sales\ntier: open\ntable: sales.orders
freshness: { column: updated_at, maxAge: 2h }
contract: { rowCount: { min: 1 }, notNull: [amount], unique: [status], acceptedValues: { status: [placed, shipped] } }\n`;
      const { dir, cleanup } = await writeConfigDir(files);
      try {
        const config = await loadConfig(dir, { env: {} });
        const now = new Date('2024-03-03T13:00:00Z');
        const cycle = async (products: readonly Product[], batchSize: number) => {
          const outcome = await runCheckCycle(wh, { products, now, concurrency: 2, batchSize });
          return { ...outcome, results: comparable(outcome.results) };
        };
        const single = await cycle(config.products, 1);
        const batched = await cycle(config.products, 50);
        expect(batched.results).toEqual(single.results);
        expect(batched.results.some((r) => r.status === 'fail')).toBe(true);
        // Metadata plus one scan for 31 products; example values of the failing open-tier rules come on top, equally in both.
        const followUps = single.queries - 1 - config.products.length;
        expect(batched.queries - followUps - 1).toBeLessThanOrEqual(Math.floor(config.products.length / 20));
        expect(batched.queries - followUps - 1).toBe(1);

        // A broken table among them: its product errors, every other product's results are unchanged.
        const { dir: dir2, cleanup: cleanup2 } = await writeConfigDir({
          ...files,
          'products/broken.yaml': `id: sales.broken\ndomain: sales\ntier: open\ntable: sales.broken\ncontract: { rowCount: { min: 1 }, notNull: [id] }\n`,
        });
        try {
          const withBroken = (await loadConfig(dir2, { env: {} })).products;
          const mixed = await cycle(withBroken, 50);
          expect(mixed.results.filter((r) => r.product !== 'sales.broken')).toEqual(single.results);
          expect(mixed.results.filter((r) => r.product === 'sales.broken').map((r) => r.status)).not.toContain('pass');
          expect(mixed.warehouseProblem).toBeUndefined();
        } finally {
          await cleanup2();
        }
      } finally {
        await cleanup();
      }
    });
  });
}

const comparable = (results: readonly CheckResult[]) => [...results].sort((a, b) => `${a.product} ${a.check}`.localeCompare(`${b.product} ${b.check}`));

describe('query tag of a batched Snowflake statement', () => {
  it('names the domain and the products, cut with a count where the tag would pass 2,000 characters', () => {
    const short = JSON.parse(queryTag({ domain: 'sales', products: ['sales.a', 'sales.b'], check: 'scan' }, 'query')) as Record<string, unknown>;
    expect(short).toEqual({ app: 'meshwatch', domain: 'sales', products: ['sales.a', 'sales.b'], check: 'scan', op: 'query' });

    const ids = Array.from({ length: 50 }, (_, i) => `sales.a_rather_long_product_name_number_${i}`);
    const text = queryTag({ domain: 'sales', products: ids, check: 'scan' }, 'query');
    expect(text.length).toBeLessThanOrEqual(2000);
    const cut = JSON.parse(text) as { products: string[]; more: number; domain: string };
    expect(cut.domain).toBe('sales');
    expect(cut.products.length).toBeGreaterThan(10);
    expect(cut.products).toEqual(ids.slice(0, cut.products.length));
    expect(cut.products.length + cut.more).toBe(50);
    // Nearly full: one more id would not have fit.
    expect(JSON.stringify({ ...cut, products: ids.slice(0, cut.products.length + 1) }).length).toBeGreaterThan(2000);
  });
});
