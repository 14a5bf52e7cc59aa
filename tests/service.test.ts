import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TickSummary } from '../scheduler/tick.js';
import { RedisKeys } from '../state/keys.js';
import { chainMesh, warehouseSql } from './support/chain-mesh.js';
import { drained, startTestService, until, type TestService } from './support/service.js';

const running: TestService[] = [];
afterEach(async () => {
  for (const s of running.splice(0).reverse()) await s.stop();
});

async function start(options: Parameters<typeof startTestService>[0]): Promise<TestService> {
  const s = await startTestService(options);
  running.push(s);
  return s;
}

/** The first tick (the schedule's `immediately`) has completed. */
async function firstTick(s: TestService): Promise<void> {
  await until('first scheduled tick', async () => ((await s.service.queue.checks.getJobCounts('completed')).completed ?? 0) >= 1);
  await drained(s.service.queue.notify);
}

describe('meshwatch serve: schedule → tick → results', () => {
  it('runs the schedule, stores the latest result per check and the history, and trims both', async () => {
    const s = await start({ files: chainMesh('history: { results: 4, maxAge: 1d }\n'), sql: warehouseSql() });
    await firstTick(s);
    const latest = await s.service.results.latest('sales.orders');
    expect(latest.map((r) => [r.check, r.status])).toEqual([
      ['contract.notNull.order_id', 'pass'],
      ['freshness', 'pass'],
    ]);
    for (let i = 0; i < 3; i++) await s.tick();
    const history = await s.service.results.history('sales.orders');
    expect(history).toHaveLength(4); // 2 checks × 4 ticks = 8 results, trimmed to history.results
    const keys = new RedisKeys(s.prefix);
    const redis = s.service.connection;
    for (const key of [keys.history('sales.orders'), keys.latest('sales.orders')]) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(86_400_000);
    }
    // BullMQ keeps completed jobs only by age and count.
    const [job] = await s.service.queue.checks.getJobs(['completed'], 0, 0);
    expect(job?.opts.removeOnComplete).toEqual({ age: 3_600, count: 200 });
    expect(job?.opts.removeOnFail).toEqual({ age: 7 * 86_400, count: 1_000 });
  });

  it('checks every product due on a schedule with one metadata pass per tick', async () => {
    const files: Record<string, string> = { 'meshwatch.yaml': chainMesh()['meshwatch.yaml']! };
    const sql = ['create schema sales'];
    for (let i = 0; i < 30; i++) {
      files[`products/p${i}.yaml`] = `id: sales.p${i}\ndomain: sales\ntier: open\ntable: sales.p${i}\nfreshness: { column: updated_at, maxAge: 2h }\n`;
      sql.push(`create table sales.p${i} (id integer, updated_at timestamp)`, `insert into sales.p${i} values (1, now()::timestamp)`);
    }
    let describeCalls = 0;
    const s = await start({
      files,
      sql,
      extra: {
        openWarehouse: async (config, timeoutMs) => {
          const { openWarehouse } = await import('../checks/open-warehouse.js');
          const warehouse = await openWarehouse(config, { defaultTimeoutMs: timeoutMs });
          const describe = warehouse.describeTables.bind(warehouse);
          warehouse.describeTables = (tables, options) => {
            describeCalls++;
            return describe(tables, options);
          };
          return warehouse;
        },
      },
    });
    await firstTick(s);
    describeCalls = 0;
    const [summary] = (await s.tick()) as TickSummary[];
    expect(summary!.products).toBe(30);
    expect(describeCalls).toBe(1);
    // One metadata statement plus the product scans (batched by the cycle), never one metadata query per table.
    expect(summary!.queries).toBeLessThanOrEqual(31);
    expect(summary!.queries).toBeGreaterThanOrEqual(2);
    expect((await s.service.results.latest('sales.p29')).map((r) => r.status)).toEqual(['pass']);
  });
});

describe('meshwatch serve: incidents and notifications', () => {
  it('opens one incident, does not notify repeats, and tells each audience once on recovery', async () => {
    const s = await start({ files: chainMesh(), sql: warehouseSql({ ordersAgeHours: 5 }) });
    await firstTick(s);
    const open = await s.service.engine.listOpen();
    expect(open.map((i) => [i.product, i.state, i.checks])).toEqual([['sales.orders', 'open', ['freshness']]]);
    const id = open[0]!.id;
    expect(id).toMatch(/^inc-\d+$/);
    const opened = s.notifications({ transition: 'opened' });
    expect(opened.map((n) => [n.audience, n.channel]).sort()).toEqual([
      ['consumer', '#finance-revenue'],
      ['consumer', '#sales-data'],
      ['producer', '#sales-data'],
    ]);
    const finance = opened.find((n) => n.channel === '#finance-revenue')!;
    expect(finance).toMatchObject({ type: 'notification', incident: id, product: 'sales.orders', rootCause: 'sales.orders', audience: 'consumer' });
    expect(finance.consumers?.map((c) => c.id)).toEqual(['finance.revenue-dashboard']);

    await s.tick();
    await s.tick();
    expect(s.notifier.delivered).toHaveLength(3);
    const again = await s.service.engine.get(id);
    expect(again?.occurrences).toBe(3);

    await s.rebuild(warehouseSql());
    await s.tick();
    const resolved = s.notifications({ transition: 'resolved' });
    expect(resolved.map((n) => [n.audience, n.channel]).sort()).toEqual([
      ['consumer', '#finance-revenue'],
      ['consumer', '#sales-data'],
      ['producer', '#sales-data'],
    ]);
    expect((await s.service.engine.get(id))?.state).toBe('resolved');
    await s.tick();
    expect(s.notifier.delivered).toHaveLength(6);

    // Failing again after resolution opens a new incident.
    await s.rebuild(warehouseSql({ ordersAgeHours: 5 }));
    await s.tick();
    const reopened = await s.service.engine.listOpen();
    expect(reopened).toHaveLength(1);
    expect(reopened[0]!.id).not.toBe(id);
  });

  it('a new failing check on an open incident sends one updated to the producer', async () => {
    const s = await start({ files: chainMesh(), sql: warehouseSql({ ordersAgeHours: 5 }) });
    await firstTick(s);
    await s.rebuild(warehouseSql({ ordersAgeHours: 5, nullOrderIds: 2 }));
    await s.tick();
    await s.tick();
    const updated = s.notifications({ transition: 'updated', audience: 'producer' });
    expect(updated).toHaveLength(1);
    expect(updated[0]!.checks).toEqual(['freshness', 'contract.notNull.order_id']);
  });

  it('links a caused failure to its root: the consumers hear once per root, and re-linking folds an own-root incident', async () => {
    // Orders fail first, alone: their own root.
    const s = await start({ files: chainMesh(), sql: warehouseSql({ ordersAgeHours: 5 }) });
    await firstTick(s);
    const [orders] = await s.service.engine.listOpen();
    expect(orders?.root).toBe(orders?.id);
    // Then customers fail too: orders turn out to be caused by them.
    await s.rebuild(warehouseSql({ ordersAgeHours: 5, customersAgeHours: 5 }));
    await s.tick();
    const customers = await s.service.engine.currentOf('crm.customers');
    const relinked = await s.service.engine.get(orders!.id);
    expect(relinked?.root).toBe(customers?.id);
    expect(relinked?.rootCause).toBe('crm.customers');

    const root = s.notifications({ incident: customers!.id, audience: 'consumer' });
    // #marketing-data hears of the customers breakage; #finance-revenue and #sales-data already had the
    // orders message, which now belongs to the root: one `updated` each, no second `opened`.
    expect(root.map((n) => [n.channel, n.transition]).sort()).toEqual([
      ['#finance-revenue', 'updated'],
      ['#marketing-data', 'opened'],
      ['#sales-data', 'updated'],
    ]);
    expect(root.find((n) => n.channel === '#finance-revenue')?.folded).toEqual([orders!.id]);
    expect(root.find((n) => n.channel === '#finance-revenue')?.products).toEqual(['crm.customers', 'sales.orders']);
    // The caused incident still tells its own producer.
    expect(s.notifications({ incident: orders!.id, audience: 'producer' }).map((n) => n.transition)).toEqual(['opened', 'updated']);

    await s.tick();
    const before = s.notifier.delivered.length;
    await s.tick();
    expect(s.notifier.delivered.length).toBe(before);
  });

  it('a caused failure seen in the same tick as its root makes one message per channel', async () => {
    const s = await start({ files: chainMesh(), sql: warehouseSql({ ordersAgeHours: 5, customersAgeHours: 5 }) });
    await firstTick(s);
    const customers = await s.service.engine.currentOf('crm.customers');
    const orders = await s.service.engine.currentOf('sales.orders');
    expect(orders?.root).toBe(customers?.id);
    const consumer = s.notifications({ audience: 'consumer' });
    const perChannel = new Map<string, string[]>();
    for (const n of consumer) perChannel.set(n.channel!, [...(perChannel.get(n.channel!) ?? []), n.transition]);
    expect(Object.fromEntries(perChannel)).toEqual({
      '#finance-revenue': ['opened'],
      '#marketing-data': ['opened'],
      '#sales-data': ['opened'],
    });
    expect(consumer.every((n) => n.incident === customers!.id)).toBe(true);
    expect(consumer.find((n) => n.channel === '#sales-data')?.products).toEqual(['crm.customers', 'sales.orders']);
  });

  it('many errors at once are one degraded and one recovered event for the platform, never an incident', async () => {
    const s = await start({ files: chainMesh(), sql: warehouseSql({ ordersAgeHours: 5 }) });
    await firstTick(s);
    const file = path.join(s.dir, 'warehouse.duckdb');
    const { rm } = await import('node:fs/promises');
    await rm(file);
    await s.tick();
    await s.tick();
    const platform = s.notifications({ audience: 'platform' });
    expect(platform.map((n) => [n.transition, n.channel])).toEqual([['degraded', '#data-platform']]);
    expect(platform[0]!.reason).toMatch(/WAREHOUSE_UNREACHABLE/);
    const latest = await s.service.results.latest('crm.customers');
    expect(latest.every((r) => r.status === 'error')).toBe(true);
    expect((await s.service.engine.listOpen()).map((i) => i.product)).toEqual(['sales.orders']);
    await s.rebuild(warehouseSql({ ordersAgeHours: 5 }));
    await s.tick();
    await s.tick();
    expect(s.notifications({ audience: 'platform' }).map((n) => n.transition)).toEqual(['degraded', 'recovered']);
    // The incident kept through the outage: no new opened.
    expect(s.notifications({ transition: 'opened', audience: 'producer' })).toHaveLength(1);
  });

  it('retries an unreachable warehouse with backoff before recording errors', async () => {
    const s = await start({ files: chainMesh(), sql: warehouseSql(), extra: { tuning: { tickAttempts: 3, tickBackoffMs: 20, notifyBackoffMs: 20 } } });
    await firstTick(s);
    const { rm } = await import('node:fs/promises');
    await rm(path.join(s.dir, 'warehouse.duckdb'));
    await s.tick();
    const [job] = await s.service.queue.checks.getJobs(['completed'], 0, 0);
    expect(job?.attemptsMade).toBe(3); // two failed attempts, then the last one recorded the errors
    expect((job?.returnvalue as TickSummary).warehouseProblem).toBe('WAREHOUSE_UNREACHABLE');
  });
});

describe('meshwatch serve: reload', () => {
  it('an invalid config is logged with every problem and the running one keeps working; a valid one resolves', async () => {
    const s = await start({ files: chainMesh(), sql: warehouseSql({ ordersAgeHours: 5 }) });
    await firstTick(s);
    const good = s.service.snapshot.hash;
    await writeFile(path.join(s.dir, 'products/orders.yaml'), 'id: sales.orders\ndomain: sales\ntier: secret\ntable: sales.orders\n');
    await writeFile(path.join(s.dir, 'products/extra.yaml'), 'id: sales.extra\ndomain: nowhere\ntier: open\ntable: sales.extra\n');
    expect(await s.service.reload()).toBe(false);
    const logged = s.lines.find((l) => l.msg === 'config reload failed; keeping the running config');
    expect((logged?.problems as string[]).join('\n')).toMatch(/tier/);
    expect((logged?.problems as string[]).join('\n')).toMatch(/nowhere/);
    expect(s.service.snapshot.hash).toBe(good);
    await s.tick();
    expect((await s.service.engine.listOpen()).map((i) => i.occurrences)).toEqual([2]);

    // Relax the failing rule: the next tick resolves, once per audience.
    const { rm } = await import('node:fs/promises');
    await rm(path.join(s.dir, 'products/extra.yaml'));
    await writeFile(path.join(s.dir, 'products/orders.yaml'), chainMesh()['products/orders.yaml']!.replace('maxAge: 2h', 'maxAge: 1d'));
    expect(await s.service.reload()).toBe(true);
    expect(s.service.snapshot.hash).not.toBe(good);
    await s.tick();
    await s.tick();
    expect(s.notifications({ transition: 'resolved' }).map((n) => n.channel).sort()).toEqual(['#finance-revenue', '#sales-data', '#sales-data']);
  });

  it('reconciles job schedulers: a new schedule is added and a removed one removed', async () => {
    const s = await start({ files: chainMesh(), sql: warehouseSql() });
    await firstTick(s);
    const ids = async () => (await s.service.queue.checks.getJobSchedulers(0, -1)).map((j) => j.key).sort();
    const before = await ids();
    expect(before).toHaveLength(2); // one tick scheduler for the shared schedule, and the sweep
    await writeFile(path.join(s.dir, 'products/orders.yaml'), chainMesh()['products/orders.yaml']!.replace('inputs:', 'schedule: 5m\ninputs:'));
    await s.service.reload();
    const after = await ids();
    expect(after).toHaveLength(3);
    await writeFile(path.join(s.dir, 'products/orders.yaml'), chainMesh()['products/orders.yaml']!.replace('inputs:', 'schedule: 0 0 1 1 *\ninputs:'));
    await s.service.reload();
    expect(await ids()).toEqual(before);
  });
});
