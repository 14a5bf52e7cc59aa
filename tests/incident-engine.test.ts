import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IncidentEngine } from '../state/incident-engine.js';
import { RedisKeys } from '../state/keys.js';
import { createRedis, type Redis } from '../state/redis.js';
import { chainMesh, warehouseSql } from './support/chain-mesh.js';
import { cli } from './support/cli.js';
import { writeConfigDir } from './support/config-dir.js';
import { deletePrefix, redisUrl, testPrefix } from './support/redis.js';
import { drained, startTestService, until, type TestService } from './support/service.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const MIN = 60_000;

describe('incident engine', () => {
  let prefix: string;
  let a: Redis;
  let b: Redis;
  let engine: IncidentEngine;
  beforeEach(async () => {
    prefix = testPrefix('engine');
    a = createRedis(redisUrl(), { name: 'test-a' });
    b = createRedis(redisUrl(), { name: 'test-b' });
    engine = new IncidentEngine(a, new RedisKeys(prefix), 86_400_000);
  });
  afterEach(async () => {
    await deletePrefix(redisUrl(), prefix);
    a.disconnect();
    b.disconnect();
  });

  const failure = { product: 'sales.orders', checks: ['freshness'], rootCause: 'sales.orders' };

  it('two workers observing the same failure at once open one incident', async () => {
    const other = new IncidentEngine(b, new RedisKeys(prefix), 86_400_000);
    const changes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? engine : other).observe(failure, `tick-${i}`, T0, T0)),
    );
    expect(new Set(changes.map((c) => c.incident)).size).toBe(1);
    expect(changes.filter((c) => c.transition === 'opened')).toHaveLength(1);
    expect((await engine.listOpen()).map((i) => i.occurrences)).toEqual([20]);
  });

  it('a retried operation repeats its first answer and counts once', async () => {
    const first = await engine.observe(failure, 'tick-1', T0, T0);
    const retry = await engine.observe(failure, 'tick-1', T0, T0);
    expect(retry).toEqual(first);
    expect((await engine.get(first.incident))?.occurrences).toBe(1);
    const resolved = await engine.resolveProduct('sales.orders', 'tick-2', T0 + MIN);
    expect(await engine.resolveProduct('sales.orders', 'tick-2', T0 + MIN)).toEqual(resolved);
    expect(await engine.resolveProduct('sales.orders', 'tick-3', T0 + 2 * MIN)).toBeUndefined();
  });

  it('ids are short and stable: inc-N from one counter', async () => {
    const one = await engine.observe(failure, 'op-1', T0, T0);
    const two = await engine.observe({ ...failure, product: 'crm.customers', rootCause: 'crm.customers' }, 'op-2', T0, T0);
    expect([one.incident, two.incident]).toEqual(['inc-1', 'inc-2']);
  });

  it('reminds after escalation.remind while unacknowledged, and not while acknowledged or snoozed', async () => {
    const { incident } = await engine.observe(failure, 'op-1', T0, T0);
    expect(await engine.sweep(T0 + 59 * MIN, 60 * MIN)).toEqual([]);
    expect((await engine.sweep(T0 + 60 * MIN, 60 * MIN)).map((c) => c.transition)).toEqual(['reminder']);
    // The next one is an interval after the last alert.
    expect(await engine.sweep(T0 + 90 * MIN, 60 * MIN)).toEqual([]);
    expect((await engine.sweep(T0 + 120 * MIN, 60 * MIN)).map((c) => c.transition)).toEqual(['reminder']);
    await engine.operate(incident, 'ack', 'alice', T0 + 121 * MIN);
    expect(await engine.sweep(T0 + 500 * MIN, 60 * MIN)).toEqual([]);
    const record = await engine.get(incident);
    expect(record).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'alice', acknowledgedAt: new Date(T0 + 121 * MIN).toISOString() });
  });

  it('a snooze expires into open (and reminders resume); unsnooze records who', async () => {
    const { incident } = await engine.observe(failure, 'op-1', T0, T0);
    await engine.operate(incident, 'snooze', 'bob', T0 + MIN, T0 + 120 * MIN);
    expect(await engine.sweep(T0 + 119 * MIN, 60 * MIN)).toEqual([]);
    expect((await engine.sweep(T0 + 120 * MIN, 60 * MIN)).map((c) => c.transition)).toEqual(['unsnoozed']);
    expect((await engine.get(incident))?.state).toBe('open');
    expect((await engine.sweep(T0 + 180 * MIN, 60 * MIN)).map((c) => c.transition)).toEqual(['reminder']);
    await engine.operate(incident, 'snooze', 'bob', T0 + 181 * MIN, T0 + 600 * MIN);
    const change = await engine.operate(incident, 'unsnooze', 'carol', T0 + 182 * MIN);
    expect(change.transition).toBe('unsnoozed');
    expect(await engine.get(incident)).toMatchObject({ state: 'open', unsnoozedBy: 'carol' });
  });

  it('refuses transitions the table does not allow', async () => {
    const { incident } = await engine.observe(failure, 'op-1', T0, T0);
    await expect(engine.operate(incident, 'unsnooze', 'x', T0)).rejects.toThrow(/it is open/);
    await engine.operate(incident, 'resolve', 'dave', T0 + MIN);
    await expect(engine.operate(incident, 'ack', 'x', T0 + 2 * MIN)).rejects.toThrow(/resolved/);
    await expect(engine.operate('inc-999', 'ack', 'x', T0)).rejects.toThrow(/no incident inc-999/);
    expect(await engine.get(incident)).toMatchObject({ state: 'resolved', resolvedBy: 'dave' });
    // A resolved product that fails again opens a new incident.
    const next = await engine.observe(failure, 'op-2', T0 + 3 * MIN, T0 + 3 * MIN);
    expect(next).toMatchObject({ transition: 'opened' });
    expect(next.incident).not.toBe(incident);
  });
});

describe('meshwatch incident (CLI)', () => {
  let s: TestService | undefined;
  afterEach(async () => {
    await s?.stop();
    s = undefined;
  });

  it('lists, acknowledges, snoozes and resolves through Redis; the service delivers each operation once per audience', async () => {
    s = await startTestService({ files: chainMesh(), sql: warehouseSql({ ordersAgeHours: 5 }) });
    await until('incident', async () => (await s!.service.engine.listOpen())[0]);
    await drained(s.service.queue.notify);
    // The CLI finds Redis and the prefix through meshwatch.yaml.
    const { writeFile, readFile } = await import('node:fs/promises');
    const yaml = path.join(s.dir, 'meshwatch.yaml');
    await writeFile(yaml, `${await readFile(yaml, 'utf8')}redis: { url: "${redisUrl()}", prefix: "${s.prefix}" }\n`);
    const env = { MESHWATCH_LOG_LEVEL: 'silent' };

    const list = await cli(['incident', 'list', '--state', 'open', '--format', 'json', '--config', s.dir], { env });
    expect(list.code).toBe(0);
    const [incident] = (JSON.parse(list.stdout) as { incidents: Array<{ id: string; product: string }> }).incidents;
    expect(incident?.product).toBe('sales.orders');

    const ack = await cli(['incident', 'ack', incident!.id, '--by', 'alice', '--config', s.dir], { env });
    expect(ack.stdout).toMatch(new RegExp(`${incident!.id} acknowledged by alice`));
    expect(ack.code).toBe(0);
    const again = await cli(['incident', 'ack', incident!.id, '--by', 'alice', '--config', s.dir], { env });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/it is acknowledged/);

    const snooze = await cli(['incident', 'snooze', incident!.id, '--by', 'bob', '--until', '2h', '--config', s.dir], { env });
    expect(snooze.code).toBe(0);
    const text = await cli(['incident', 'list', '--config', s.dir], { env });
    expect(text.stdout).toMatch(/snoozed until .* by bob/);

    expect((await cli(['incident', 'resolve', incident!.id, '--by', 'carol', '--config', s.dir], { env })).code).toBe(0);
    expect((await cli(['incident', 'resolve', 'inc-999', '--by', 'carol', '--config', s.dir], { env })).code).toBe(2);
    expect((await cli(['incident', 'ack', incident!.id, '--config', s.dir], { env })).stderr).toMatch(/--by NAME is required/);

    await drained(s.service.queue.notify);
    const told = (transition: string) => s!.notifications({ transition }).map((n) => `${n.audience} ${n.channel}${n.by ? ` by ${n.by}` : ''}`).sort();
    expect(told('acknowledged')).toEqual(['consumer #finance-revenue by alice', 'consumer #sales-data by alice', 'producer #sales-data by alice']);
    expect(told('snoozed')).toHaveLength(3);
    expect(told('resolved')).toEqual(['consumer #finance-revenue by carol', 'consumer #sales-data by carol', 'producer #sales-data by carol']);
    expect(s.notifications({ transition: 'snoozed' })[0]?.until).toBeDefined();
  });

  it('says clearly when Redis cannot be reached', async () => {
    const { dir, cleanup } = await writeConfigDir({ ...chainMesh('redis: { url: "redis://127.0.0.1:1" }\n') });
    try {
      const run = await cli(['incident', 'list', '--config', dir], { env: { MESHWATCH_LOG_LEVEL: 'silent' } });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/REDIS_UNAVAILABLE: cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await cleanup();
    }
  });
});
