import { appendFile, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/catalog.js';
import { loadConfig } from '../config/load.js';
import type { Notification } from '../notifier/notification.js';
import { runScriptedWeek } from '../scripts/accountability-week.js';
import { IncidentHistory } from '../state/incident-history.js';
import { RedisKeys } from '../state/keys.js';
import { createRedis, type Redis } from '../state/redis.js';
import { cli, REPO } from './support/cli.js';
import { deletePrefix, redisUrl, testPrefix } from './support/redis.js';

// Monday 09:00 (Europe/London in winter is UTC): the week is Mon 2026-11-23 09:00 to Mon 2026-11-30 09:00.
const END = Date.parse('2026-11-30T09:00:00Z');

describe('a scripted week on the demo mesh', () => {
  let prefix: string;
  let redis: Redis;
  let dir: string;
  const notifications: Notification[] = [];
  beforeAll(async () => {
    prefix = testPrefix('week');
    redis = createRedis(redisUrl(), { name: 'test-week' });
    dir = await mkdtemp(path.join(tmpdir(), 'mw-week-'));
    await cp(path.join(REPO, 'examples/demo-mesh'), dir, { recursive: true, filter: (src) => !/\.duckdb(\.wal)?$/.test(src) });
    await appendFile(path.join(dir, 'meshwatch.yaml'), `\nredis: { prefix: "${prefix}" }\n`);
    const catalog = new Catalog(await loadConfig(dir));
    await runScriptedWeek({ redis, prefix, catalog, endMs: END, onNotification: (n) => notifications.push(n) });
  }, 120_000);
  afterAll(async () => {
    await deletePrefix(redisUrl(), prefix);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  it('report --since 7d', async () => {
    const run = await cli(['report', '--since', '7d', '--config', dir], { now: new Date(END), env: { ...process.env, REDIS_URL: redisUrl(), MESHWATCH_LOG_LEVEL: 'silent' } });
    console.log(run.stdout, run.stderr);
    const history = await new IncidentHistory(redis, new RedisKeys(prefix), 400 * 86_400_000).list(0, END, END);
    console.log(JSON.stringify(history.map((h) => ({ id: h.id, p: h.product, root: h.root, ev: h.events.map((e) => e.t).join(','), c: Object.keys(h.consumers).length })), null, 0));
    console.log(notifications.filter((n) => n.transition === 'escalated').map((n) => JSON.stringify(n)).join('\n'));
    expect(run.code).toBe(0);
  });
});
