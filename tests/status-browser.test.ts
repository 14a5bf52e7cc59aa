/**
 * The status page in a real browser (Debian's Chromium through
 * playwright-core) against a real `meshwatch serve` process on a copy of the
 * demo mesh, with a throwaway Redis: the overview shows the open incidents
 * with their blast radius, a click opens a product with its history and
 * lineage picture, and an operator acknowledges an incident from the page
 * (with JavaScript off: plain forms) and the page shows who. The scripted
 * accountability week (scripts/accountability-week.ts, ending now) is in the
 * history before serve starts, so a click on "Accountability" shows the
 * cross-BU matrix. Also opens the `check --html` report file.
 *
 * Screenshots go to a temp dir; `MESHWATCH_SCREENSHOTS=docs` writes
 * docs/status-overview.png, docs/status-product.png and
 * docs/status-accountability.png instead (README).
 */
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoWarehouse, PLANTED_PROBLEMS } from '../scripts/build-demo-warehouse.js';
import { createQueues, DEFAULT_TUNING, tickJobOptions } from '../scheduler/queues.js';
import { Catalog } from '../catalog/catalog.js';
import { runScriptedWeek } from '../scripts/accountability-week.js';
import { loadConfig } from '../sources/load-config.js';
import { RedisKeys } from '../state/keys.js';
import { createRedis, type Redis } from '../state/redis.js';
import { SubscriptionStore } from '../state/subscriptions.js';
import { cli, REPO } from './support/cli.js';
import { deletePrefix, redisUrl, testPrefix } from './support/redis.js';
import { spawnServe, type ServeProcess } from './support/serve-process.js';
import { until } from './support/service.js';

const CHROMIUM = '/usr/bin/chromium';
const OPERATOR_TOKEN = 'browser-test-operator-token';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

let dir: string;
let prefix: string;
let serve: ServeProcess;
let base: string;
let redis: Redis;
let queues: ReturnType<typeof createQueues>;
const contexts: BrowserContext[] = [];
const profiles: string[] = [];
let shots: string;

/** A browser with a fresh profile of its own. */
async function browser(options: { javaScriptEnabled?: boolean } = {}): Promise<BrowserContext> {
  const profile = await mkdtemp(path.join(tmpdir(), 'meshwatch-chromium-'));
  profiles.push(profile);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    javaScriptEnabled: options.javaScriptEnabled ?? true,
  });
  contexts.push(context);
  return context;
}

async function idle(): Promise<void> {
  await until(
    'queues idle',
    async () => {
      const checks = await queues.checks.getJobCounts('waiting', 'active', 'prioritized');
      const notify = await queues.notify.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return [...Object.values(checks), ...Object.values(notify)].every((n) => n === 0);
    },
    60_000,
  );
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'meshwatch-browser-'));
  await cp(path.join(REPO, 'examples/demo-mesh'), dir, { recursive: true, filter: (src) => !/\.duckdb(\.wal)?$/.test(src) });
  prefix = testPrefix('browser');
  const yaml = path.join(dir, 'meshwatch.yaml');
  await writeFile(yaml, `${await readFile(yaml, 'utf8')}\nredis: { url: "${redisUrl()}", prefix: "${prefix}" }\n`);
  // Serve checks against the real clock: the planted ages are relative to now.
  await buildDemoWarehouse(path.join(dir, 'warehouse.duckdb'), new Date());
  redis = createRedis(redisUrl(), { name: 'browser-test' });
  queues = createQueues(redis, prefix);
  // A week of incident history ending now (the page's 7- and 30-day windows cover it, give or take the test's own minutes),
  // and a Slack subscription that serve's product page reads from its subscription cache.
  await runScriptedWeek({ redis, prefix, catalog: new Catalog(await loadConfig(dir)), endMs: Date.now() });
  await new SubscriptionStore(redis, new RedisKeys(prefix), 86_400_000).put({
    consumer: 'slack.fleet-desk', domain: 'sales', channel: '#fleet-desk', channelId: 'C0FLEET1', channelName: 'fleet-desk', product: 'crm.customers',
    // Not the dropped column: the blast radii the first test counts stay those of the config's consumers.
    columns: ['customer_id'], requestedBy: '<@U0SUBSCR1>', at: new Date().toISOString(),
  });
  serve = spawnServe(dir, { MESHWATCH_OPERATOR_TOKEN: OPERATOR_TOKEN, MESHWATCH_NOTIFY_LOG: path.join(dir, 'notify.jsonl') });
  base = `http://127.0.0.1:${await serve.port()}`;
  await serve.waitForLog(/meshwatch serve started/);
  await idle();
  // Two more ticks of every schedule, so the product pages have a history.
  const schedulers = (await queues.checks.getJobSchedulers(0, -1)).map((s) => s.key).filter((k) => k.startsWith('tick-'));
  for (const round of [1, 2]) {
    await queues.checks.addBulk(schedulers.map((scheduler) => ({ name: 'tick', data: { scheduler }, opts: { ...tickJobOptions(DEFAULT_TUNING), jobId: `browser-${round}-${scheduler}` } })));
    await idle();
  }
  const dest = process.env.MESHWATCH_SCREENSHOTS;
  shots = dest ? path.resolve(REPO, dest) : await mkdtemp(path.join(tmpdir(), 'meshwatch-shots-'));
}, 120_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  for (const p of profiles) await rm(p, { recursive: true, force: true });
  if (serve && serve.child.exitCode === null) {
    serve.child.kill('SIGTERM');
    await serve.exited;
  }
  await queues?.checks.close();
  await queues?.notify.close();
  redis?.disconnect();
  await deletePrefix(redisUrl(), prefix);
  await rm(dir, { recursive: true, force: true });
  if (!process.env.MESHWATCH_SCREENSHOTS && shots) await rm(shots, { recursive: true, force: true });
});

describe('status page in Chromium', { timeout: 120_000 }, () => {
  it('shows the open incidents with their blast radius; a click opens the product with history and lineage', async () => {
    const context = await browser();
    const page = await context.newPage();
    await page.goto(`${base}/`);
    const { stale, staleUpstream, droppedColumn, contract } = PLANTED_PROBLEMS;
    const rows = page.locator('[data-incident-row]');
    expect(await rows.count()).toBe(4);
    expect(await page.locator('section.group[data-root]').evaluateAll((els) => els.map((e) => e.getAttribute('data-root')))).toEqual([stale.product, contract.product, droppedColumn.product]);
    const vehicles = page.locator(`section.group[data-root="${stale.product}"]`);
    await expect.poll(() => vehicles.textContent()).toContain('Blast radius: 16 consumers and 11 downstream products in 5 business units');
    for (const unit of ['Automotive', 'Corporate', 'Finance', 'Marketing', 'Retail']) expect(await vehicles.locator(`[data-unit="${unit}"]`).count()).toBe(1);
    expect(await vehicles.locator('[data-unit="Finance"]').textContent()).toContain('finance.month-end-close');
    // pass / fail are told apart by icon and word, not colour alone.
    expect(await page.locator(`tr[data-product="${stale.product}"] [data-kind="freshness"] .badge`).textContent()).toBe('✗fail');
    expect(await page.locator(`tr[data-product="inventory.dealers"] [data-kind="freshness"] .badge`).textContent()).toBe('✓pass');

    await page.locator(`tr[data-product="${staleUpstream.product}"] a`).first().click();
    await page.waitForURL(`${base}/products/${staleUpstream.product}`);
    expect(await page.locator('h1').textContent()).toContain(staleUpstream.product);
    // Three runs of ours; serve's own schedule (every 15 min, stock-levels at :05 and :35) adds one when the test spans its minute.
    const runs = await page.locator('.timeline .tick').count();
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(runs).toBeLessThanOrEqual(4);
    expect(await page.locator('.timeline .tick[data-status="fail"]').count()).toBe(runs);
    const svg = page.locator('svg.lineage-svg');
    expect(await svg.count()).toBe(1);
    expect(await svg.locator(`path[data-from="${stale.product}"][data-to="${staleUpstream.product}"]`).getAttribute('data-broken')).toBe('true');
    expect(await svg.locator(`path[data-from="inventory.dealers"][data-to="${staleUpstream.product}"]`).getAttribute('data-broken')).toBe('false');
    expect(await svg.locator(`g[data-node="${stale.product}"]`).getAttribute('data-state')).toBe('fail');
    expect(await page.locator('[data-incident]').first().textContent()).toContain(`Root cause: ${stale.product}`);
    await page.setViewportSize({ width: 1280, height: 1240 });
    await page.screenshot({ path: path.join(shots, 'status-product.png') });
    expect((await stat(path.join(shots, 'status-product.png'))).size).toBeGreaterThan(10_000);

    // With JavaScript the filters apply on change (the inline script is allowed by its CSP hash).
    await page.goto(`${base}/`);
    await Promise.all([page.waitForURL(/domain=crm/), page.selectOption('select[name="domain"]', 'crm')]);
    expect(await page.locator('tr[data-product]').evaluateAll((els) => els.map((e) => e.getAttribute('data-product')))).toEqual(['crm.customer-360', 'crm.customers']);
  });

  it('an operator signs in and acknowledges from the page without JavaScript; the page shows who', async () => {
    const context = await browser({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    expect(await page.locator('form[action$="/ack"]').count()).toBe(0);
    await page.click('text=Sign in');
    await page.fill('input[name="token"]', OPERATOR_TOKEN);
    await page.fill('input[name="by"]', 'Alice Operator');
    await Promise.all([page.waitForURL(`${base}/`), page.click('button[type="submit"]')]);
    expect(await page.locator('header.bar').textContent()).toContain('signed in as operator Alice Operator');
    const row = page.locator(`tr[data-incident-row]`, { has: page.locator(`a:text-is("${PLANTED_PROBLEMS.stale.product}")`) });
    await Promise.all([page.waitForURL(/done=ack/), row.locator('button:text("Acknowledge")').click()]);
    expect(await page.locator('.notice').textContent()).toBe('Incident acknowledged.');
    const acked = page.locator(`tr[data-incident-row]`, { has: page.locator(`a:text-is("${PLANTED_PROBLEMS.stale.product}")`) });
    expect(await acked.locator('[data-ack-by]').getAttribute('data-ack-by')).toBe('Alice Operator');
    expect(await acked.textContent()).toContain('acknowledged');
    await page.goto(`${base}/`);
    await page.setViewportSize({ width: 1280, height: 1000 });
    await page.screenshot({ path: path.join(shots, 'status-overview.png') });
    expect((await stat(path.join(shots, 'status-overview.png'))).size).toBeGreaterThan(10_000);
    const api = (await (await fetch(`${base}/api/incidents?state=acknowledged`)).json()) as { incidents: Array<{ product: string; acknowledgedBy: string }> };
    expect(api.incidents.map((i) => [i.product, i.acknowledgedBy])).toEqual([[PLANTED_PROBLEMS.stale.product, 'Alice Operator']]);
    // The filter form works without JavaScript through its button.
    await page.selectOption('select[name="state"]', 'pass');
    await Promise.all([page.waitForURL(/state=pass/), page.click('button:text("Filter")')]);
    expect(await page.locator('tr[data-product][data-state="fail"]').count()).toBe(0);
    expect(await page.locator('tr[data-product][data-state="pass"]').count()).toBe(12);
  });

  it('a click on Accountability shows the cross-BU matrix, the producer domains and the products ranked by harm', async () => {
    const context = await browser({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await Promise.all([page.waitForURL(`${base}/accountability`), page.click('header.bar nav a:text("Accountability")')]);
    expect(await page.locator('h1').textContent()).toBe('Accountability');
    // The window selector works without JavaScript through its button.
    await page.selectOption('select[name="since"]', '7d');
    await Promise.all([page.waitForURL(/since=7d/), page.click('#window button:text("Show")')]);
    const cell = (p: string, c: string) => page.locator(`table.matrix td[data-cell="${p}→${c}"]`);
    // The week's 3 (tests/status-accountability.test.ts has its exact figures) and serve's own aftersales.service-orders breakage, minutes old.
    expect(await cell('Automotive', 'Finance').getAttribute('data-incidents')).toBe('4');
    const hours = Number(await cell('Automotive', 'Finance').getAttribute('data-consumer-hours'));
    expect(hours).toBeGreaterThanOrEqual(97.5);
    expect(hours).toBeLessThan(99.5);
    expect(await cell('Retail', 'Corporate').textContent()).toMatch(/^\d+ incidents[\d.]+ consumer-h$/);
    expect(await page.locator('table.matrix tbody tr th').allTextContents()).toEqual(['Automotive', 'Retail']);
    expect(await page.locator('tr[data-domain="crm"] [data-figure="mtta"]').textContent()).toContain('5 h 30 min');
    expect(await page.locator('tr[data-ranked]').first().getAttribute('data-ranked')).toBe(PLANTED_PROBLEMS.stale.product);
    // Readers do not see a restricted product's failing checks.
    expect(await page.locator('tr[data-ranked="crm.customers"]').textContent()).toContain('details are restricted; ask #crm-data');
    await page.setViewportSize({ width: 1280, height: 1300 });
    await page.screenshot({ path: path.join(shots, 'status-accountability.png') });
    // serve's product page lists the Slack subscription from its subscription cache, the subscriber readable.
    await page.goto(`${base}/products/crm.customers`);
    expect(await page.locator('tr[data-subscription="slack.fleet-desk"]').textContent()).toContain('@U0SUBSCR1 (Slack)');
    expect((await stat(path.join(shots, 'status-accountability.png'))).size).toBeGreaterThan(10_000);
  });

  it('serves /metrics and /healthz from the same port', async () => {
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^meshwatch_checks_total\{kind="freshness",status="fail"\} [1-9]/m);
    expect(metrics).toMatch(/^meshwatch_incidents_open\{domain="inventory"\} 2$/m);
    expect(metrics).toMatch(/^meshwatch_warehouse_up 1$/m);
    const health = (await (await fetch(`${base}/healthz`)).json()) as { configHash: string; replicas: unknown[] };
    expect(health.configHash).toMatch(/^[0-9a-f]+$/);
    expect(health.replicas).toHaveLength(1);
  });

  it('opens the check --html report with the four planted problems', async () => {
    const file = path.join(dir, 'report.html');
    expect((await cli(['check', '--config', dir, '--html', file])).code).toBe(1);
    const context = await browser({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`file://${file}`);
    expect(await page.title()).toBe('meshwatch check · 4 failing checks');
    const { stale, staleUpstream, droppedColumn, contract } = PLANTED_PROBLEMS;
    expect(await page.locator('[data-incident-row]').evaluateAll((els) => els.map((e) => e.getAttribute('data-incident-row')).sort())).toEqual(
      [stale.product, staleUpstream.product, droppedColumn.product, contract.product].sort(),
    );
    expect(await page.locator('svg.lineage-svg').count()).toBe(4);
  });
});
