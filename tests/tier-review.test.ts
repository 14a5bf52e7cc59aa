/** Tier audits (issue 16, item 3): due dates by a controllable clock, recorded reviews in Redis, `meshwatch report --tiers`. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/catalog.js';
import { productFileLink, tierReviewsDue } from '../catalog/tier-review.js';
import { loadConfig } from '../config/load.js';
import { RedisKeys } from '../state/keys.js';
import { connectRedis, createRedis, type Redis } from '../state/redis.js';
import { TierReviewStore } from '../state/tier-reviews.js';
import { cli } from './support/cli.js';
import { WORKSPACE, productYaml, writeConfigDir } from './support/config-dir.js';
import { deletePrefix, redisUrl, testPrefix } from './support/redis.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function mesh(workspaceExtra = ''): Promise<string> {
  const { dir, cleanup } = await writeConfigDir({
    'meshwatch.yaml': `${WORKSPACE}${workspaceExtra}`,
    'products/orders.yaml': productYaml('sales.orders', 'sales', 'tierReviewedAt: 2026-01-01\n'),
    'products/customers.yaml': productYaml('crm.customers', 'crm', 'tierReviewedAt: 2025-12-01T09:30:00Z\n'),
    'products/new.yaml': productYaml('finance.ledger', 'finance'),
  });
  cleanups.push(cleanup);
  return dir;
}

describe('tier review due dates', () => {
  it('every 90 days by default, counted from the file date; never reviewed is due first', async () => {
    const config = await loadConfig(await mesh(), { env: {} });
    const at = (iso: string) => tierReviewsDue(config, new Date(iso)).map((d) => [d.product, d.reviewSource, d.overdueDays]);
    // 2025-12-01T09:30 + 90 d = 2026-03-01T09:30; 2026-01-01 + 90 d = 2026-04-01.
    expect(at('2026-03-01T09:00:00Z')).toEqual([['finance.ledger', 'never', 0]]);
    expect(at('2026-03-01T09:30:00Z')).toEqual([['finance.ledger', 'never', 0], ['crm.customers', 'file', 0]]);
    expect(at('2026-04-11T00:00:00Z')).toEqual([['finance.ledger', 'never', 0], ['crm.customers', 'file', 40], ['sales.orders', 'file', 10]]);
    const orders = tierReviewsDue(config, new Date('2026-04-11T00:00:00Z')).find((d) => d.product === 'sales.orders')!;
    expect(orders).toMatchObject({ lastReviewedAt: '2026-01-01T00:00:00.000Z', dueAt: '2026-04-01T00:00:00.000Z', file: 'products/orders.yaml' });
    expect(orders.link).toBeUndefined();
  });

  it('governance.tierReviewEvery sets the period; the newer of the file date and a recorded review counts', async () => {
    const config = await loadConfig(await mesh('governance: { tierReviewEvery: 30d, repoUrl: "https://git.example.com/acme/mesh/blob/main/mesh/" }\n'), { env: {} });
    const now = new Date('2026-02-15T00:00:00Z');
    expect(tierReviewsDue(config, now).map((d) => d.product)).toEqual(['finance.ledger', 'crm.customers', 'sales.orders']);
    const reviews = new Map([
      ['sales.orders', { by: 'ana', at: '2026-02-10T08:00:00.000Z' }],
      // Older than the file's date: the file counts.
      ['crm.customers', { by: 'bo', at: '2025-11-01T00:00:00.000Z' }],
    ]);
    const due = tierReviewsDue(config, now, reviews);
    expect(due.map((d) => [d.product, d.reviewSource])).toEqual([['finance.ledger', 'never'], ['crm.customers', 'file']]);
    expect(due[1]!.link).toBe('https://git.example.com/acme/mesh/blob/main/mesh/products/customers.yaml');
    // A Catalog answers the same (what the status page and the digest hold).
    expect(tierReviewsDue(new Catalog(config), now, reviews)).toEqual(due);
    const later = tierReviewsDue(config, new Date('2026-03-13T00:00:00Z'), reviews).find((d) => d.product === 'sales.orders')!;
    expect(later).toMatchObject({ reviewSource: 'recorded', reviewedBy: 'ana', dueAt: '2026-03-12T08:00:00.000Z', overdueDays: 0 });
  });

  it('links encode each path segment of the file', () => {
    expect(productFileLink('https://h/x/', 'products/a b#1.yaml')).toBe('https://h/x/products/a%20b%231.yaml');
    expect(productFileLink(undefined, 'products/a.yaml')).toBeUndefined();
  });

  it('a bad tierReviewedAt or governance value is a config error naming the field', async () => {
    const { dir, cleanup } = await writeConfigDir({
      'meshwatch.yaml': `${WORKSPACE}governance: { tierLineage: maybe, tierReviewEvery: often }\n`,
      'products/orders.yaml': productYaml('sales.orders', 'sales', 'tierReviewedAt: last tuesday\n'),
    });
    cleanups.push(cleanup);
    const run = await cli(['validate', '--config', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/meshwatch\.yaml: governance\.tierLineage: expected warn or error, got "maybe"/);
    expect(run.stderr).toMatch(/meshwatch\.yaml: governance\.tierReviewEvery: expected a duration/);
    expect(run.stderr).toMatch(/products\/orders\.yaml: tierReviewedAt: expected a date like 2026-03-31/);
  });
});

describe('recorded tier reviews in Redis', () => {
  let redis: Redis;
  const prefix = testPrefix('tier-reviews');
  beforeAll(async () => {
    redis = createRedis(redisUrl(), { name: 'test-tier-reviews' });
    await connectRedis(redis, redisUrl());
  });
  afterAll(async () => {
    await deletePrefix(redisUrl(), prefix);
    redis.disconnect();
  });

  it('records who and when, keeps the newer review, and keeps a history', async () => {
    const store = new TierReviewStore(redis, new RedisKeys(prefix));
    await store.record('sales.orders', 'ana', new Date('2026-02-10T08:00:00Z'));
    // A late or retried click with an older time never moves the date back.
    const kept = await store.record('sales.orders', 'bo', new Date('2026-02-01T08:00:00Z'));
    expect(kept).toEqual({ by: 'ana', at: '2026-02-10T08:00:00.000Z' });
    await store.record('sales.orders', 'cy', new Date('2026-02-20T08:00:00Z'));
    await store.record('crm.customers', 'dee', new Date('2026-02-11T08:00:00Z'));
    expect(await store.latest(['sales.orders', 'finance.none'])).toEqual(new Map([['sales.orders', { by: 'cy', at: '2026-02-20T08:00:00.000Z' }]]));
    expect([...(await store.latest()).keys()].sort()).toEqual(['crm.customers', 'sales.orders']);
    expect((await store.history('sales.orders')).map((r) => r.by)).toEqual(['cy', 'ana']);
  });

  it('report --tiers counts recorded reviews when Redis is reachable', async () => {
    const reportPrefix = testPrefix('tier-report');
    cleanups.push(() => deletePrefix(redisUrl(), reportPrefix));
    const dir = await mesh(`redis: { prefix: "${reportPrefix}" }\ngovernance: { repoUrl: "https://git.example.com/acme/mesh/blob/main" }\n`);
    await new TierReviewStore(redis, new RedisKeys(reportPrefix)).record('finance.ledger', 'ana', new Date('2026-04-01T00:00:00Z'));
    const env = { ...process.env, MESHWATCH_LOG_LEVEL: 'silent', REDIS_URL: redisUrl() };
    const run = await cli(['report', '--tiers', '--config', dir], { now: new Date('2026-04-11T00:00:00Z'), env });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(
      [
        'tier reviews: 2 products of 3 due (every 90 d)',
        '  crm.customers  tier open  ·  last reviewed 2025-12-01, due 2026-03-01 (40 days overdue)',
        '    https://git.example.com/acme/mesh/blob/main/products/customers.yaml',
        '  sales.orders  tier open  ·  last reviewed 2026-01-01, due 2026-04-01 (10 days overdue)',
        '    https://git.example.com/acme/mesh/blob/main/products/orders.yaml',
        '',
      ].join('\n'),
    );
  });
});

describe('meshwatch report --tiers', () => {
  it('json lists what is due; without Redis the files alone count, said on stderr', async () => {
    const dir = await mesh();
    const env = { ...process.env, MESHWATCH_LOG_LEVEL: 'silent', REDIS_URL: '' };
    const run = await cli(['report', '--tiers', '--config', dir, '--format', 'json'], { now: new Date('2026-03-15T00:00:00Z'), env });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/note: no Redis configured/);
    const report = JSON.parse(run.stdout) as { products: number; due: Array<{ product: string; reviewSource: string }> };
    expect(report.products).toBe(3);
    expect(report.due.map((d) => [d.product, d.reviewSource])).toEqual([['finance.ledger', 'never'], ['crm.customers', 'file']]);
    const text = await cli(['report', '--tiers', '--config', dir], { now: new Date('2026-03-15T00:00:00Z'), env });
    expect(text.stdout).toMatch(/^tier reviews: 2 products of 3 due \(every 90 d\)\n\(set governance\.repoUrl/);
    expect(text.stdout).toMatch(/finance\.ledger {2}tier open {2}· {2}never reviewed\n {4}products\/new\.yaml/);
  });

  it('report needs one of --tiers and --since', async () => {
    const none = await cli(['report', '--config', '.']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/report needs --since or --tiers/);
    const both = await cli(['report', '--tiers', '--since', '7d', '--config', '.']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--since or --tiers, not both/);
  });
});
