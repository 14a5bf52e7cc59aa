/** The service against Redis misbehaving, and replicas sharing one Redis. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openWarehouse } from '../checks/open-warehouse.js';
import type { Warehouse } from '../checks/warehouse.js';
import { chainMesh, warehouseSql } from './support/chain-mesh.js';
import { writeConfigDir } from './support/config-dir.js';
import { buildDuckdb } from './support/duckdb.js';
import { deletePrefix, redisUrl, testPrefix } from './support/redis.js';
import { startRedisServer } from './support/redis-server.js';
import { drained, startTestService, until, waitForJobs, type TestService } from './support/service.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(options: Parameters<typeof startTestService>[0]): Promise<TestService> {
  const s = await startTestService(options);
  cleanups.push(() => s.stop());
  return s;
}

describe('meshwatch serve and Redis', () => {
  it('warns at start when maxmemory-policy is not noeviction', async () => {
    const server = await startRedisServer({ maxmemoryPolicy: 'allkeys-lru' });
    cleanups.push(() => server.destroy());
    const s = await start({ files: chainMesh(), sql: warehouseSql(), redisUrl: server.url });
    const warning = s.lines.find((l) => l.level === 40 && typeof l.msg === 'string' && l.msg.includes('maxmemory-policy'));
    expect(warning?.maxmemoryPolicy).toBe('allkeys-lru');
    expect(warning?.msg).toMatch(/noeviction/);
  });

  it('does not warn on noeviction', async () => {
    const s = await start({ files: chainMesh(), sql: warehouseSql() });
    expect(s.lines.some((l) => typeof l.msg === 'string' && l.msg.includes('maxmemory-policy'))).toBe(false);
  });

  it('a Redis restart mid-run loses no incident and repeats no notification; the service reconnects and carries on', async () => {
    const server = await startRedisServer({ appendonly: true });
    cleanups.push(() => server.destroy());
    const s = await start({ files: chainMesh(), sql: warehouseSql({ ordersAgeHours: 5 }), redisUrl: server.url });
    const incident = await until('incident opened', async () => (await s.service.engine.listOpen())[0]);
    await until('opened notifications', () => s.notifier.delivered.length === 3);
    await drained(s.service.queue.notify);
    const before = s.notifier.delivered.length;

    await server.stop('SIGTERM'); // a graceful restart: Redis writes its AOF
    await server.restart();
    const after = await until('incident still there after the restart', async () => (await s.service.engine.listOpen().catch(() => undefined))?.[0]);
    expect(after.id).toBe(incident.id);
    await s.tick();
    expect((await s.service.engine.get(incident.id))?.occurrences).toBeGreaterThanOrEqual(2);
    expect(s.notifier.delivered).toHaveLength(before);
    expect((await s.service.engine.listOpen()).map((i) => i.id)).toEqual([incident.id]);
  });

  it('a Redis crash (SIGKILL) after the AOF fsync loses no incident and leaves none half-open', async () => {
    const server = await startRedisServer({ appendonly: true });
    cleanups.push(() => server.destroy());
    const s = await start({ files: chainMesh(), sql: warehouseSql({ ordersAgeHours: 5 }), redisUrl: server.url });
    const incident = await until('incident opened', async () => (await s.service.engine.listOpen())[0]);
    await until('opened notifications', () => s.notifier.delivered.length === 3);
    // appendfsync everysec: wait past one fsync so the writes are on disk, then crash.
    await new Promise((r) => setTimeout(r, 1_500));
    await server.stop('SIGKILL');
    await server.restart();
    const after = await until('incident after the crash', async () => (await s.service.engine.listOpen().catch(() => undefined))?.[0]);
    expect(after).toMatchObject({ id: incident.id, product: 'sales.orders', state: 'open' });
    expect((await s.service.engine.currentOf('sales.orders'))?.id).toBe(incident.id);
    await s.tick();
    expect(s.notifier.delivered).toHaveLength(3);
  });
});

describe('replicas on one Redis', () => {
  it('defaults.concurrency bounds the warehouse statements of all replicas together', async () => {
    const files: Record<string, string> = {
      'meshwatch.yaml': chainMesh()['meshwatch.yaml']!, // defaults.concurrency: 2
    };
    const sql = ['create schema sales'];
    for (let i = 0; i < 12; i++) {
      // Two schedules, so two ticks could run at once if nothing bound them.
      const schedule = i % 2 === 0 ? '0 0 1 1 *' : '0 0 2 1 *';
      // Scans are batched into one statement, but each product's owner SQL is a statement of its own: a tick has six that could run at once.
      files[`products/p${i}.yaml`] =
        `id: sales.p${i}\ndomain: sales\ntier: open\ntable: sales.p${i}\nschedule: "${schedule}"\nfreshness: { column: updated_at, maxAge: 2h }\n` +
        `contract:\n  sql:\n    - { name: one_row, query: "select count(*) from {{ table }}", expect: 1 }\n`;
      sql.push(`create table sales.p${i} (id integer, updated_at timestamp)`, `insert into sales.p${i} values (1, now()::timestamp)`);
    }
    const { dir, cleanup } = await writeConfigDir(files);
    cleanups.push(cleanup);
    await buildDuckdb(path.join(dir, 'warehouse.duckdb'), sql);

    let inFlight = 0;
    let peak = 0;
    let statements = 0;
    const counting = async (config: Parameters<typeof openWarehouse>[0], timeoutMs: number): Promise<Warehouse> => {
      const warehouse = await openWarehouse(config, { defaultTimeoutMs: timeoutMs });
      const wrap = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
        async (...args: A): Promise<R> => {
          inFlight++;
          statements++;
          peak = Math.max(peak, inFlight);
          try {
            // Long enough for the replicas' ticks to overlap if they could.
            await new Promise((r) => setTimeout(r, 40));
            return await fn(...args);
          } finally {
            inFlight--;
          }
        };
      warehouse.query = wrap(warehouse.query.bind(warehouse));
      warehouse.describeTables = wrap(warehouse.describeTables.bind(warehouse));
      warehouse.queryOwnerSql = wrap(warehouse.queryOwnerSql.bind(warehouse));
      return warehouse;
    };
    const prefix = testPrefix('bound');
    cleanups.push(() => deletePrefix(redisUrl(), prefix));
    const a = await start({ files: {}, dir, prefix, keepKeys: true, extra: { openWarehouse: counting } });
    const b = await start({ files: {}, dir, prefix, keepKeys: true, extra: { openWarehouse: counting } });
    const ids = [...(await a.service.tickNow()), ...(await b.service.tickNow()), ...(await a.service.tickNow()), ...(await b.service.tickNow())];
    await waitForJobs(a.service.queue.checks, ids);
    expect(statements).toBeGreaterThanOrEqual(4 * 8); // four ticks of six products: a metadata pass, a batched scan and six owner SQL rules each
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(2);
  });

  it('replicas on different configs are shown by health and logged as a warning', async () => {
    const prefix = testPrefix('hash');
    cleanups.push(() => deletePrefix(redisUrl(), prefix));
    const a = await start({ files: chainMesh(), sql: warehouseSql(), prefix, keepKeys: true });
    const { dir, cleanup } = await writeConfigDir(chainMesh());
    cleanups.push(cleanup);
    await buildDuckdb(path.join(dir, 'warehouse.duckdb'), warehouseSql());
    await writeFile(path.join(dir, 'products/orders.yaml'), chainMesh()['products/orders.yaml']!.replace('maxAge: 2h', 'maxAge: 3h'));
    const b = await start({ files: {}, dir, prefix, keepKeys: true, extra: { noWorkers: true } });
    const health = await a.service.healthReport();
    expect(health.replicas).toHaveLength(2);
    expect(health.configsDiffer).toBe(true);
    expect(new Set(health.replicas.map((r) => r.configHash))).toEqual(new Set([a.service.snapshot.hash, b.service.snapshot.hash]));
    expect(b.lines.some((l) => l.msg === 'replicas run different configs')).toBe(true);
  });
});
