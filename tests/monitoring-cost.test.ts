import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadFigures } from '../accountability/load.js';
import { runCheckCycle } from '../checks/cycle.js';
import { openDuckdbWarehouse } from '../checks/duckdb-warehouse.js';
import { loadConfig } from '../config/load.js';
import type { TickSummary } from '../scheduler/tick.js';
import { CostStore } from '../state/cost-store.js';
import { RedisKeys } from '../state/keys.js';
import { createRedis } from '../state/redis.js';
import { chainMesh, warehouseSql } from './support/chain-mesh.js';
import { writeConfigDir } from './support/config-dir.js';
import { buildDuckdb } from './support/duckdb.js';
import { deletePrefix, redisUrl, testPrefix } from './support/redis.js';
import { startTestService, type TestService } from './support/service.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const sum = (cost: Readonly<Record<string, { statements: number }>>) => Object.values(cost).reduce((n, c) => n + c.statements, 0);

describe('monitoring cost: statements and warehouse time per domain, from meshwatch\'s own counters', () => {
  it('every statement of a cycle is counted once, split among the products (and so domains) it covered', async () => {
    // An owner SQL rule on sales.orders (under its `contract:`): statements of its own, besides the batched scan.
    const { dir, cleanup } = await writeConfigDir(chainMesh('', '  sql:\n    - { name: positive, query: "select count(*) from {{ table }} where amount < 0", expect: 0 }\n'));
    cleanups.push(cleanup);
    await buildDuckdb(path.join(dir, 'warehouse.duckdb'), warehouseSql());
    const config = await loadConfig(dir, { env: {} });
    const warehouse = await openDuckdbWarehouse({ path: path.join(dir, 'warehouse.duckdb'), catalog: 'warehouse' });
    cleanups.push(() => warehouse.close());
    for (const batchWithin of ['database', 'domain'] as const) {
      const outcome = await runCheckCycle(warehouse, { products: config.products, now: new Date(), concurrency: 2, batchWithin });
      const cost = outcome.cost!;
      expect(Object.keys(cost)).toEqual(['crm', 'sales']);
      expect(sum(cost)).toBeCloseTo(outcome.queries, 9);
      for (const c of Object.values(cost)) expect(c.ms).toBeGreaterThanOrEqual(0);
      // sales.orders runs an owner SQL rule on top: more statements than crm.customers.
      expect(cost.sales!.statements).toBeGreaterThan(cost.crm!.statements);
    }
  });

  it('the service stores the counters per day; the figures show them per domain', async () => {
    const s: TestService = await startTestService({ files: chainMesh(), sql: warehouseSql() });
    cleanups.push(() => s.stop());
    await s.tick();
    const ticks = (await s.service.queue.checks.getJobs(['completed'])).filter((j) => j.name === 'tick');
    const statements = ticks.reduce((n, j) => n + (j.returnvalue as TickSummary).queries, 0);
    const now = Date.now();
    const figures = await loadFigures({ history: s.service.history, cost: s.service.cost, catalog: s.service.snapshot.catalog }, { fromMs: now - 86_400_000, toMs: now + 1 }, now);
    const byDomain = Object.fromEntries(figures.producers.filter((p) => p.cost).map((p) => [p.domain, p.cost!.statements]));
    expect(Object.keys(byDomain).sort()).toEqual(['crm', 'sales']);
    expect(Object.values(byDomain).reduce((a, b) => a + b, 0)).toBeCloseTo(statements, 1);
  });

  it('CostStore sums the days of a window and keeps each day for the retention', async () => {
    const prefix = testPrefix('cost');
    const redis = createRedis(redisUrl(), { name: 'test-cost' });
    cleanups.push(async () => {
      await deletePrefix(redisUrl(), prefix);
      redis.disconnect();
    });
    const keys = new RedisKeys(prefix);
    const store = new CostStore(redis, keys, 10 * 86_400_000);
    const day = Date.parse('2026-11-23T00:00:00Z');
    await store.add(day + 3_600_000, { sales: { statements: 2.5, ms: 1500 }, crm: { statements: 0.5, ms: 500 } });
    await store.add(day + 86_400_000 + 60_000, { sales: { statements: 1, ms: 1000 } });
    await store.add(day + 5 * 86_400_000, { sales: { statements: 100, ms: 1 } });
    const read = await store.read(day, day + 2 * 86_400_000);
    expect(Object.fromEntries(read)).toEqual({ sales: { statements: 3.5, seconds: 2.5 }, crm: { statements: 0.5, seconds: 0.5 } });
    const ttl = await redis.pttl(keys.cost('2026-11-23'));
    expect(ttl).toBeGreaterThan(10 * 86_400_000);
    expect(ttl).toBeLessThanOrEqual(11 * 86_400_000);
  });
});
