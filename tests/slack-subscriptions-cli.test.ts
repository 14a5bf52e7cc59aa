/**
 * Subscriptions outside the Slack app: `meshwatch impact` counts them when
 * Redis is reachable, `meshwatch subscriptions export` writes them as a
 * consumers file that validates, `meshwatch serve` mounts the Slack app at
 * /slack/events (signed requests only) and the confirmation reaches Slack,
 * the log notifier prints the new transitions, and meshwatch.yaml's
 * `approvals:` is validated.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Subscription } from '../catalog/subscription-source.js';
import { LogNotifier } from '../notifier/log-notifier.js';
import type { Notification } from '../notifier/notification.js';
import { RedisKeys } from '../state/keys.js';
import { createRedis } from '../state/redis.js';
import { SubscriptionStore } from '../state/subscriptions.js';
import { chainMesh, warehouseSql } from './support/chain-mesh.js';
import { cli } from './support/cli.js';
import { writeConfigDir } from './support/config-dir.js';
import { buildDuckdb } from './support/duckdb.js';
import { FakeSlackApi } from './support/fake-slack-api.js';
import { deletePrefix, redisUrl, testPrefix } from './support/redis.js';
import { spawnServe } from './support/serve-process.js';
import { until } from './support/service.js';
import { commandBody, sign, SIGNING_SECRET } from './support/slack-app.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const SILENT = { MESHWATCH_LOG_LEVEL: 'silent' };

function subscription(over: Partial<Subscription>): Subscription {
  return {
    consumer: 'slack.lead-scoring',
    domain: 'marketing',
    channel: '#lead-scoring',
    channelId: 'C0LEADSCO',
    channelName: 'lead-scoring',
    product: 'sales.orders',
    columns: ['amount'],
    requestedBy: 'U0BOB',
    at: '2026-12-01T10:00:00.000Z',
    ...over,
  };
}

/** A config dir whose redis.prefix is a fresh test prefix, with subscriptions stored under it. */
async function withSubscriptions(subscriptions: readonly Subscription[]): Promise<{ dir: string; prefix: string }> {
  const prefix = testPrefix('subs-cli');
  const { dir, cleanup } = await writeConfigDir(chainMesh(`redis: { prefix: "${prefix}" }\n`));
  const url = redisUrl();
  cleanups.push(async () => {
    await deletePrefix(url, prefix);
    await cleanup();
  });
  const redis = createRedis(url, { name: 'test' });
  try {
    const store = new SubscriptionStore(redis, new RedisKeys(prefix), 86_400_000);
    for (const s of subscriptions) await store.put(s);
  } finally {
    redis.disconnect();
  }
  return { dir, prefix };
}

describe('meshwatch subscriptions history', () => {
  it('prints the Slack app\'s log newest first, as text or JSON, for one product with --product; refuses bad options; says Redis is missing', async () => {
    const { dir, prefix } = await withSubscriptions([]);
    const redis = createRedis(redisUrl(), { name: 'test' });
    try {
      const store = new SubscriptionStore(redis, new RedisKeys(prefix), 86_400_000);
      await store.log({ kind: 'approval_requested', at: '2026-12-01T09:00:00.000Z', consumer: 'slack.lead-scoring', product: 'sales.orders', channel: '#lead-scoring', by: 'U0BOB', columns: ['amount'], request: 'apr-1' });
      await store.log({ kind: 'approval_decided', at: '2026-12-01T09:30:00.000Z', consumer: 'slack.lead-scoring', product: 'sales.orders', channel: '#lead-scoring', by: 'U0GOVAN', request: 'apr-1', decision: 'approved' });
      await store.log({ kind: 'subscribed', at: '2026-12-01T10:00:00.000Z', consumer: 'slack.crm-watch', product: 'crm.customers', channel: '#crm-watch', by: 'U0CAROL', columns: [] });
    } finally {
      redis.disconnect();
    }
    const env = { ...SILENT, REDIS_URL: redisUrl() };
    const text = await cli(['subscriptions', 'history', '--config', dir], { env });
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n').filter(Boolean)).toEqual([
      '2026-12-01T10:00:00.000Z  subscribed         crm.customers  #crm-watch (slack.crm-watch)  by U0CAROL',
      '2026-12-01T09:30:00.000Z  approval_decided   sales.orders  #lead-scoring (slack.lead-scoring)  by U0GOVAN  request apr-1 · approved',
      '2026-12-01T09:00:00.000Z  approval_requested sales.orders  #lead-scoring (slack.lead-scoring)  by U0BOB  columns amount · request apr-1',
    ]);
    const json = await cli(['subscriptions', 'history', '--config', dir, '--product', 'sales.orders', '--format', 'json'], { env });
    expect(json.code).toBe(0);
    const events = (JSON.parse(json.stdout) as { events: Array<Record<string, unknown>> }).events;
    expect(events.map((e) => [e.kind, e.by])).toEqual([['approval_decided', 'U0GOVAN'], ['approval_requested', 'U0BOB']]);
    expect(events[0]).toMatchObject({ product: 'sales.orders', request: 'apr-1', decision: 'approved' });
    expect((await cli(['subscriptions', 'history', '--config', dir, '--product', 'finance.ledger'], { env })).stdout).toBe('no subscription history for finance.ledger\n');

    const badFormat = await cli(['subscriptions', 'history', '--config', dir, '--format', 'yaml'], { env });
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('--format must be text or json');
    expect((await cli(['subscriptions', 'export', '--config', dir, '--product', 'sales.orders'], { env })).code).toBe(2);
    const noRedis = await cli(['subscriptions', 'history', '--config', dir], { env: { ...SILENT } });
    expect(noRedis.code).toBe(1);
    expect(noRedis.stderr).toContain('no Redis configured');
  });
});

describe('meshwatch impact with Slack subscriptions', () => {
  it('counts subscriptions like config consumers when Redis is reachable (REDIS_URL), column-aware', async () => {
    const { dir } = await withSubscriptions([subscription({}), subscription({ consumer: 'slack.crm-watch', channel: '#crm-watch', channelName: 'crm-watch', product: 'crm.customers', columns: [] })]);
    const env = { ...SILENT, REDIS_URL: redisUrl() };
    const whole = await cli(['impact', 'sales.orders', '--config', dir, '--format', 'json'], { env });
    expect(whole.code).toBe(0);
    const impact = JSON.parse(whole.stdout) as { consumers: Array<{ id: string; domain: string; channel: string; via: string[] }>; domains: string[] };
    expect(impact.consumers.find((c) => c.id === 'slack.lead-scoring')).toMatchObject({ domain: 'marketing', channel: '#lead-scoring', via: ['sales.orders'] });
    expect(impact.domains).toContain('marketing');
    expect(whole.stderr).toBe('');

    const upstream = JSON.parse((await cli(['impact', 'crm.customers', '--config', dir, '--format', 'json'], { env })).stdout) as { consumers: Array<{ id: string; via: string[] }> };
    expect(upstream.consumers.find((c) => c.id === 'slack.lead-scoring')?.via).toEqual(['crm.customers', 'sales.orders']);
    expect(upstream.consumers.map((c) => c.id)).toContain('slack.crm-watch');

    const otherColumn = JSON.parse((await cli(['impact', 'sales.orders', '--columns', 'order_id', '--config', dir, '--format', 'json'], { env })).stdout) as { consumers: Array<{ id: string }> };
    expect(otherColumn.consumers.map((c) => c.id)).not.toContain('slack.lead-scoring');

    const text = await cli(['impact', 'sales.orders', '--config', dir], { env });
    expect(text.stdout).toContain('slack.lead-scoring');
  });

  it('an unreachable Redis is a note on stderr and the answer comes without subscriptions; no Redis configured, no note', async () => {
    const { dir } = await withSubscriptions([subscription({})]);
    const down = await cli(['impact', 'sales.orders', '--config', dir, '--format', 'json'], { env: { ...SILENT, REDIS_URL: 'redis://127.0.0.1:1' } });
    expect(down.code).toBe(0);
    expect(down.stderr).toMatch(/^meshwatch: note: Slack subscriptions not included: cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    expect((JSON.parse(down.stdout) as { consumers: Array<{ id: string }> }).consumers.map((c) => c.id)).not.toContain('slack.lead-scoring');

    const none = await cli(['impact', 'sales.orders', '--config', dir, '--format', 'json'], { env: SILENT });
    expect(none.code).toBe(0);
    expect(none.stderr).toBe('');
  });
});

describe('meshwatch subscriptions export', () => {
  it('writes the subscriptions as consumers/slack-subscriptions.yaml, which validates and counts without Redis', async () => {
    const { dir } = await withSubscriptions([
      subscription({}),
      subscription({ product: 'crm.customers', columns: [] }),
      subscription({ consumer: 'slack.finance-data', domain: 'finance', channel: '#finance-data', channelName: 'finance-data', product: 'crm.customers', columns: [] }),
      subscription({ product: 'sales.retired', columns: [] }),
    ]);
    const env = { ...SILENT, REDIS_URL: redisUrl() };
    const run = await cli(['subscriptions', 'export', '--config', dir], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('wrote 2 consumers (3 subscriptions)');
    expect(run.stderr).toBe('meshwatch: note: slack.lead-scoring subscribes to sales.retired, which the config no longer has; left out of the export\n');
    const text = await readFile(path.join(dir, 'consumers/slack-subscriptions.yaml'), 'utf8');
    expect(text).toContain('id: slack.lead-scoring');
    expect(text).toContain('slackChannel: "#lead-scoring"');

    expect((await cli(['validate', '--config', dir], { env: SILENT })).code).toBe(0);
    // From the file alone (no Redis), the exported consumers count in impact.
    const impact = JSON.parse((await cli(['impact', 'crm.customers', '--config', dir, '--format', 'json'], { env: SILENT })).stdout) as { consumers: Array<{ id: string }> };
    expect(impact.consumers.map((c) => c.id)).toEqual(expect.arrayContaining(['slack.lead-scoring', 'slack.finance-data']));
    // With Redis too, each consumer still counts once.
    const both = JSON.parse((await cli(['impact', 'crm.customers', '--config', dir, '--format', 'json'], { env })).stdout) as { consumers: Array<{ id: string }> };
    expect(both.consumers.filter((c) => c.id === 'slack.lead-scoring')).toHaveLength(1);

    const stdout = await cli(['subscriptions', 'export', '--config', dir, '--out', '-'], { env });
    expect(stdout.stdout).toMatch(/^# Slack subscriptions exported by meshwatch subscriptions export/);
    expect(stdout.stdout).toContain('columns:\n          - amount');
  });

  it('without a reachable Redis it fails with exit 1; an unknown action is a usage error', async () => {
    const { dir } = await withSubscriptions([]);
    const down = await cli(['subscriptions', 'export', '--config', dir], { env: { ...SILENT, REDIS_URL: 'redis://127.0.0.1:1' } });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach Redis');
    expect((await cli(['subscriptions', 'import', '--config', dir], { env: SILENT })).code).toBe(2);
  });
});

describe('the log notifier and the Slack app transitions', () => {
  it('prints subscribed and approval notifications as one JSON line each, with their subscription and approval fields', async () => {
    const lines: string[] = [];
    const log = new LogNotifier(undefined, (line) => lines.push(line));
    const subscribed: Notification = {
      type: 'notification', id: 'sub-slack.lead-scoring-sales.orders-subscribed-1', incident: null, product: 'sales.orders', rootCause: null,
      audience: 'consumer', channel: '#lead-scoring', transition: 'subscribed', at: '2026-12-02T01:00:00.000Z',
      subscription: { consumer: 'slack.lead-scoring', product: 'sales.orders', columns: ['amount'], channel: '#lead-scoring', domain: 'marketing', requestedBy: 'U0BOB' },
    };
    const decided: Notification = {
      type: 'notification', id: 'apr-1-decided', incident: null, product: 'sales.orders', rootCause: null, audience: 'consumer', channel: '#lead-scoring',
      transition: 'approval_decided', at: '2026-12-02T01:05:00.000Z',
      approval: { request: 'apr-1', product: 'sales.orders', columns: [], requesterChannel: '#lead-scoring', requestedBy: 'U0BOB', decision: 'approved', decidedBy: 'U0GOVAN', decidedAt: '2026-12-02T01:05:00.000Z' },
    };
    await log.deliver(subscribed);
    await log.deliver(decided);
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([subscribed, decided]);
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
  });
});

describe('approvals in meshwatch.yaml', () => {
  it('takes a channel and approvers as user ids, user group ids or handles, and names a bad entry', async () => {
    const good = await writeConfigDir(chainMesh('approvals: { channel: "#data-approvals", approvers: ["@data-governance", "U0123ABCD", "S0123ABCD"] }\n'));
    cleanups.push(good.cleanup);
    expect((await cli(['validate', '--config', good.dir], { env: SILENT })).code).toBe(0);
    const bad = await writeConfigDir(chainMesh('approvals: { approvers: ["alice"] }\n'));
    cleanups.push(bad.cleanup);
    const run = await cli(['validate', '--config', bad.dir], { env: SILENT });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/meshwatch\.yaml.*approvals\.approvers\[0\].*user group handle like "@data-governance", got "alice"/s);
  });
});

describe('meshwatch serve with the Slack app', () => {
  it('answers signed requests at /slack/events on its port, refuses unsigned ones, and the Slack notifier posts the confirmation', async () => {
    const fake = await FakeSlackApi.start();
    cleanups.push(() => fake.close());
    const prefix = testPrefix('serve-slack');
    const { dir, cleanup } = await writeConfigDir(chainMesh(`redis: { prefix: "${prefix}" }\n`));
    await buildDuckdb(path.join(dir, 'warehouse.duckdb'), warehouseSql());
    cleanups.push(async () => {
      await deletePrefix(redisUrl(), prefix);
      await cleanup();
    });
    const serve = spawnServe(dir, { REDIS_URL: redisUrl(), SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.url });
    cleanups.push(async () => {
      serve.child.kill('SIGTERM');
      await serve.exited;
    });
    const port = await serve.port();
    await serve.waitForLog(/Slack app listening/);
    const url = `http://127.0.0.1:${port}/slack/events`;
    const response = fake.responseUrl();
    const body = commandBody('subscribe sales.orders amount domain:marketing', { id: 'C0LEADSCO', name: 'lead-scoring' }, 'U0BOB', response.url);
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };

    expect((await fetch(url, { method: 'POST', body, headers })).status).toBe(401);
    const signed = await fetch(url, { method: 'POST', body, headers: { ...headers, ...sign(body) } });
    expect(signed.status).toBe(200);
    const answer = await until('response_url answer', () => fake.responses.get(response.id)?.[0]);
    expect(String(answer.text)).toContain('#lead-scoring is now subscribed to `sales.orders`');
    // With a bot token the Slack notifier delivers: the confirmation is posted in the subscribing channel.
    const posted = await until('confirmation posted in #lead-scoring', () => fake.messages('lead-scoring').find((m) => m.text?.includes('sales.orders')));
    expect(posted.text).toMatch(/ubscribed to sales\.orders/);
    // Secrets never reach the log.
    expect(serve.stderr()).not.toContain(SIGNING_SECRET);
    expect(serve.stderr()).not.toContain(fake.token);
  });
});
