/**
 * `meshwatch serve` as real processes on one Redis: replicas sharing work,
 * a replica killed mid-job, graceful shutdown, Redis absent at start.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createQueues, tickJobOptions, DEFAULT_TUNING } from '../scheduler/queues.js';
import { createRedis, type Redis } from '../state/redis.js';
import { IncidentEngine } from '../state/incident-engine.js';
import { RedisKeys } from '../state/keys.js';
import { chainMesh, warehouseSql } from './support/chain-mesh.js';
import { writeConfigDir } from './support/config-dir.js';
import { buildDuckdb } from './support/duckdb.js';
import { deletePrefix, redisUrl, testPrefix } from './support/redis.js';
import { freePort, startRedisServer } from './support/redis-server.js';
import { spawnServe, type ServeProcess } from './support/serve-process.js';
import { until } from './support/service.js';

/** An owner rule that keeps DuckDB busy for a few seconds, so a tick can be caught mid-run. */
// Slow but confined to the product's own table (owner SQL may read nothing else, not even range()).
const SLOW_RULE = `  sql:
    - { name: slow, query: "with recursive r(x) as (select min(1) from {{ table }} union all select x + 1 from r where x < 60000) select count(*) from r where x % 7 = 100", expect: 0 }
`;

const cleanups: Array<() => Promise<void>> = [];
const processes: ServeProcess[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function meshDir(prefix: string, url: string, ordersExtra = ''): Promise<string> {
  const { dir, cleanup } = await writeConfigDir(chainMesh(`redis: { url: "${url}", prefix: "${prefix}" }\n`, ordersExtra));
  cleanups.push(cleanup);
  await buildDuckdb(path.join(dir, 'warehouse.duckdb'), warehouseSql({ ordersAgeHours: 5 }));
  return dir;
}

function serve(dir: string, env: NodeJS.ProcessEnv = {}, args: string[] = []): ServeProcess {
  const p = spawnServe(dir, env, args);
  processes.push(p);
  return p;
}

async function notifyLines(file: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

function redisFor(prefix: string): { redis: Redis; queues: ReturnType<typeof createQueues>; engine: IncidentEngine } {
  const redis = createRedis(redisUrl(), { name: 'test' });
  const queues = createQueues(redis, prefix);
  cleanups.push(async () => {
    await queues.checks.close();
    await queues.notify.close();
    redis.disconnect();
    await deletePrefix(redisUrl(), prefix);
  });
  return { redis, queues, engine: new IncidentEngine(redis, new RedisKeys(prefix), 86_400_000) };
}

async function allDone(queues: ReturnType<typeof createQueues>): Promise<void> {
  await until('queues idle', async () => {
    // The checks queue always holds its schedulers' next (delayed) jobs.
    const checks = await queues.checks.getJobCounts('waiting', 'active', 'prioritized');
    const notify = await queues.notify.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return [...Object.values(checks), ...Object.values(notify)].every((n) => n === 0);
  }, 60_000);
}

const opened = (lines: Array<Record<string, unknown>>) =>
  lines.filter((l) => l.transition === 'opened').map((l) => `${String(l.audience)} ${String(l.channel)}`).sort();

describe('meshwatch serve processes on one Redis', { timeout: 120_000 }, () => {
  it('two replicas produce one incident and one notification per audience, however the ticks fall', async () => {
    const prefix = testPrefix('replicas');
    const dir = await meshDir(prefix, redisUrl());
    const { queues, engine } = redisFor(prefix);
    const log = path.join(dir, 'notify.jsonl');
    const a = serve(dir, { MESHWATCH_NOTIFY_LOG: log });
    const b = serve(dir, { MESHWATCH_NOTIFY_LOG: log });
    await Promise.all([a.waitForLog(/meshwatch serve started/), b.waitForLog(/meshwatch serve started/)]);
    const schedulers = (await queues.checks.getJobSchedulers(0, -1)).map((s) => s.key);
    expect(schedulers).toHaveLength(2); // no duplicate schedulers from two replicas starting together
    const scheduler = schedulers.find((id) => id.startsWith('tick-'))!;
    await queues.checks.addBulk(
      Array.from({ length: 6 }, (_, i) => ({ name: 'tick', data: { scheduler }, opts: { ...tickJobOptions(DEFAULT_TUNING), jobId: `manual-${i}` } })),
    );
    await allDone(queues);
    // One next tick waiting for the schedule, not one per replica.
    expect((await queues.checks.getDelayed()).filter((j) => j.name === 'tick')).toHaveLength(1);
    const lines = await notifyLines(log);
    expect(opened(lines)).toEqual(['consumer #finance-revenue', 'consumer #sales-data', 'producer #sales-data']);
    expect(lines).toHaveLength(3);
    expect(new Set(lines.map((l) => l.id)).size).toBe(3);
    const open = await engine.listOpen();
    expect(open).toHaveLength(1);
    expect(open[0]!.occurrences).toBe(7);
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  });

  it('a replica killed with SIGKILL mid-job loses the job to stall detection; another replica completes it, notifying once', async () => {
    const prefix = testPrefix('sigkill');
    const dir = await meshDir(prefix, redisUrl(), SLOW_RULE);
    const { queues } = redisFor(prefix);
    const log = path.join(dir, 'notify.jsonl');
    const env = { MESHWATCH_NOTIFY_LOG: log, MESHWATCH_JOB_LOCK: '2s' };
    const a = serve(dir, env);
    const active = await until('tick running on replica A', async () => (await queues.checks.getActive())[0], 30_000);
    const b = serve(dir, env);
    await b.waitForLog(/meshwatch serve started/);
    a.child.kill('SIGKILL');
    expect(await a.exited).toBe('SIGKILL');
    await until('the killed job completed elsewhere', async () => (await queues.checks.getJob(active.id!))?.finishedOn, 60_000);
    const job = await queues.checks.getJob(active.id!);
    expect(await job!.getState()).toBe('completed');
    await allDone(queues);
    expect(opened(await notifyLines(log))).toEqual(['consumer #finance-revenue', 'consumer #sales-data', 'producer #sales-data']);
    expect(b.stderr()).toMatch(/tick done/);
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
  });

  it('SIGHUP reloads: an invalid config keeps the old one; relaxing the failing rule resolves once per audience', async () => {
    const prefix = testPrefix('sighup');
    const dir = await meshDir(prefix, redisUrl());
    const { queues } = redisFor(prefix);
    const log = path.join(dir, 'notify.jsonl');
    const a = serve(dir, { MESHWATCH_NOTIFY_LOG: log });
    await until('opened', async () => (await notifyLines(log)).length === 3, 30_000);
    const orders = path.join(dir, 'products/orders.yaml');
    const original = await readFile(orders, 'utf8');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(orders, original.replace('tier: open', 'tier: secret'));
    a.child.kill('SIGHUP');
    await a.waitForLog(/config reload failed; keeping the running config/);
    expect(a.stderr()).toMatch(/tier: expected one of open, limited, restricted/);
    await writeFile(orders, original.replace('maxAge: 2h', 'maxAge: 1d'));
    a.child.kill('SIGHUP');
    await a.waitForLog(/config reloaded/);
    const scheduler = (await queues.checks.getJobSchedulers(0, -1)).map((j) => j.key).find((k) => k.startsWith('tick-'))!;
    for (let i = 0; i < 2; i++) {
      await queues.checks.add('tick', { scheduler }, { ...tickJobOptions(DEFAULT_TUNING), jobId: `manual-hup-${i}` });
      await until('manual tick', async () => (await queues.checks.getJob(`manual-hup-${i}`))?.finishedOn, 30_000);
    }
    await allDone(queues);
    const resolved = (await notifyLines(log)).filter((l) => l.transition === 'resolved').map((l) => `${String(l.audience)} ${String(l.channel)}`).sort();
    expect(resolved).toEqual(['consumer #finance-revenue', 'consumer #sales-data', 'producer #sales-data']);
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
  });

  it('SIGTERM lets the running tick finish, then exits 0', async () => {
    const prefix = testPrefix('sigterm');
    const dir = await meshDir(prefix, redisUrl(), SLOW_RULE);
    const { queues } = redisFor(prefix);
    const a = serve(dir, { MESHWATCH_NOTIFY_LOG: path.join(dir, 'notify.jsonl') }, ['--shutdown-timeout', '60s']);
    const active = await until('tick running', async () => (await queues.checks.getActive())[0], 30_000);
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    const job = await queues.checks.getJob(active.id!);
    expect(await job!.getState()).toBe('completed');
    expect(a.stderr()).toMatch(/"drained":true/);
  });

  it('stops cleanly on SIGTERM while still waiting for Redis', async () => {
    const port = await freePort();
    const dir = await meshDir(testPrefix('down-stop'), `redis://127.0.0.1:${port}`);
    const a = serve(dir);
    await a.waitForLog(/cannot reach Redis/);
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
  });

  it('a warehouse outage keeps the service ready: /readyz 200, meshwatch_warehouse_up 0, the page says the warehouse is degraded', async () => {
    const prefix = testPrefix('outage');
    const dir = await meshDir(prefix, redisUrl());
    const { queues } = redisFor(prefix);
    const log = path.join(dir, 'notify.jsonl');
    const a = serve(dir, { MESHWATCH_NOTIFY_LOG: log });
    const http = await a.port();
    const base = `http://127.0.0.1:${http}`;
    await until('first tick notified', async () => (await notifyLines(log)).length === 3, 30_000);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^meshwatch_warehouse_up 1$/m);

    const { rm } = await import('node:fs/promises');
    await rm(path.join(dir, 'warehouse.duckdb'));
    await rm(path.join(dir, 'warehouse.duckdb.wal'), { force: true });
    const scheduler = (await queues.checks.getJobSchedulers(0, -1)).map((j) => j.key).find((k) => k.startsWith('tick-'))!;
    // One attempt: the outage is recorded at once instead of after the production backoff.
    await queues.checks.add('tick', { scheduler }, { ...tickJobOptions({ ...DEFAULT_TUNING, tickAttempts: 1 }), jobId: 'manual-outage' });
    await until('outage tick', async () => (await queues.checks.getJob('manual-outage'))?.finishedOn, 30_000);
    await until('degraded told', async () => (await notifyLines(log)).some((l) => l.transition === 'degraded' && l.audience === 'platform'), 30_000);

    // Ready: the warehouse being away is the platform's problem, not a reason to take the replica out of rotation.
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { ready: boolean }).ready).toBe(true);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^meshwatch_warehouse_up 0$/m);
    const page = await (await fetch(`${base}/`)).text();
    const card = /<div class="card" data-card="monitor">[\s\S]*?<\/dl>/.exec(page)?.[0] ?? '';
    expect(card).toMatch(/<dt>warehouse<\/dt><dd><span class="badge s-error" data-status="error">[^]*?degraded<\/span>/);
    expect(card).toMatch(/WAREHOUSE_UNREACHABLE/);
    expect(card).toMatch(/<dt>Redis<\/dt><dd><span class="badge s-pass"/);
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
  });

  it('waits for Redis at start with a clear message and no stack trace, then serves /healthz and /readyz', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const prefix = testPrefix('down');
    const dir = await meshDir(prefix, url);
    const a = serve(dir, { MESHWATCH_NOTIFY_LOG: path.join(dir, 'notify.jsonl') });
    const http = await a.port();
    await a.waitForLog(/cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+\/?; retrying/);
    expect(a.stderr()).not.toMatch(/\\n\s+at |\n\s+at /);
    const notReady = await fetch(`http://127.0.0.1:${http}/readyz`);
    expect(notReady.status).toBe(503);
    expect((await fetch(`http://127.0.0.1:${http}/healthz`)).status).toBe(200);

    const server = await startRedisServer({}, port);
    cleanups.push(() => server.destroy());
    await until('ready', async () => (await fetch(`http://127.0.0.1:${http}/readyz`)).status === 200, 30_000);
    const health = (await (await fetch(`http://127.0.0.1:${http}/healthz`)).json()) as { configHash: string; replicas: Array<{ configHash: string }>; configsDiffer: boolean };
    expect(health.configHash).toMatch(/^[0-9a-f]{16}$/);
    expect(health.replicas.map((r) => r.configHash)).toEqual([health.configHash]);
    expect(health.configsDiffer).toBe(false);
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
  });
});
