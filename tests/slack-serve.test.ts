/**
 * `meshwatch serve` as a real process: with SLACK_BOT_TOKEN and SLACK_API_URL
 * it delivers to Slack (the fake Web API server), never printing the token;
 * without a token the log notifier stays the default.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chainMesh, warehouseSql } from './support/chain-mesh.js';
import { writeConfigDir } from './support/config-dir.js';
import { buildDuckdb } from './support/duckdb.js';
import { FakeSlackApi } from './support/fake-slack-api.js';
import { deletePrefix, redisUrl, testPrefix } from './support/redis.js';
import { spawnServe, type ServeProcess } from './support/serve-process.js';
import { until } from './support/service.js';

const cleanups: Array<() => Promise<void>> = [];
const processes: ServeProcess[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function meshDir(prefix: string): Promise<string> {
  const { dir, cleanup } = await writeConfigDir(chainMesh(`redis: { url: "${redisUrl()}", prefix: "${prefix}" }\nstatusUrl: https://status.example.com\n`));
  cleanups.push(cleanup);
  cleanups.push(() => deletePrefix(redisUrl(), prefix));
  await buildDuckdb(path.join(dir, 'warehouse.duckdb'), warehouseSql({ ordersAgeHours: 5 }));
  return dir;
}

describe('meshwatch serve with Slack', () => {
  it('uses the Slack notifier when a bot token is set, and never logs the token', async () => {
    const slack = await FakeSlackApi.start({ token: 'xoxb-serve-secret-123' });
    cleanups.push(() => slack.close());
    const dir = await meshDir(testPrefix('slack-serve'));
    const p = spawnServe(dir, { SLACK_BOT_TOKEN: 'xoxb-serve-secret-123', SLACK_SIGNING_SECRET: 'sig-serve-secret-456', SLACK_API_URL: slack.url });
    processes.push(p);
    await until('the alerts in Slack', () => slack.messages('#sales-data').length === 2 && slack.messages('#finance-revenue').length === 1, 30_000);
    expect(slack.messages('#sales-data')[0]!.text).toContain('sales.orders is stale');
    expect(JSON.stringify(slack.messages('#sales-data')[0]!.blocks)).toContain('https://status.example.com/products/sales.orders');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.stderr()).toMatch(/notifications go to Slack/);
    expect(p.stderr() + p.stdout()).not.toContain('xoxb-serve-secret-123');
    expect(p.stderr() + p.stdout()).not.toContain('sig-serve-secret-456');
    // Nothing went to the log notifier.
    expect(p.stdout()).not.toContain('"type":"notification"');
  });

  it('keeps the log notifier without a token', async () => {
    const dir = await meshDir(testPrefix('slack-serve-log'));
    const p = spawnServe(dir, { SLACK_BOT_TOKEN: '', SLACK_API_URL: '' });
    processes.push(p);
    await until('notification lines', () => (p.stdout().match(/"type":"notification"/g) ?? []).length >= 3, 30_000);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.stderr()).toMatch(/notifications go to the log notifier/);
  });
});
