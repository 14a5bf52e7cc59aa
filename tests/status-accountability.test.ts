/**
 * The status page's accountability parts on the demo mesh after the scripted
 * week (written through the real incident engine, tests/accountability-week
 * checks the same figures in the CLI report): `/accountability` and its JSON
 * twin, each product's availability, tier governance (justification, lineage
 * warning, reviews due with the file's link), Slack subscriptions on the
 * product page, Slack user ids shown readably, escaping and tier redaction
 * of the new parts, and the window parameter's validation.
 */
import { appendFile, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/catalog.js';
import { createLogger } from '../core/logger.js';
import { runScriptedWeek } from '../scripts/accountability-week.js';
import { loadConfig } from '../sources/load-config.js';
import { CostStore } from '../state/cost-store.js';
import { IncidentEngine } from '../state/incident-engine.js';
import { IncidentHistory } from '../state/incident-history.js';
import { RedisKeys } from '../state/keys.js';
import { PlatformHealthStore } from '../state/platform-health.js';
import { createRedis, type Redis } from '../state/redis.js';
import { ReplicaRegistry } from '../state/replicas.js';
import { ResultStore } from '../state/result-store.js';
import { SubscriptionCache, SubscriptionStore } from '../state/subscriptions.js';
import { TierReviewStore } from '../state/tier-reviews.js';
import { AccessControl } from '../status/auth.js';
import { HttpServer } from '../status/http-server.js';
import { personText } from '../status/render/components.js';
import { mountStatusRoutes } from '../status/routes.js';
import { subscriptionsOfCache } from '../status/service-source.js';
import type { StatusSource } from '../status/source.js';
import { REPO } from './support/cli.js';
import { deletePrefix, redisUrl, testPrefix } from './support/redis.js';

const END = Date.parse('2026-11-30T09:00:00Z');
const DAY = 86_400_000;
const OPERATOR = 'acc-operator-token';
const REPO_URL = 'https://git.example.com/kestrel/mesh/blob/main/demo';
const MARKUP = '<img src=x onerror=alert(1)>';

let prefix: string;
let redis: Redis;
let dir: string;
let base: string;
let http: HttpServer;
let engine: IncidentEngine;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; json: () => Json }> {
  const res = await fetch(url, { headers, redirect: 'manual' });
  const body = await res.text();
  return { status: res.status, body, json: () => JSON.parse(body) as Json };
}

/** The page's element with `attr="value"`, up to its closing tag (enough for rows and cells, which do not nest). */
function element(page: string, tag: string, attr: string, value: string): string {
  const at = page.indexOf(`${attr}="${value}"`);
  expect(at, `${attr}="${value}" on the page`).toBeGreaterThan(-1);
  const start = page.lastIndexOf(`<${tag} `, at);
  return page.slice(start, page.indexOf(`</${tag}>`, at) + tag.length + 3);
}

async function signIn(token: string): Promise<string> {
  const res = await fetch(`${base}/login`, { method: 'POST', body: new URLSearchParams({ token, next: '/' }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' });
  expect(res.status).toBe(303);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

beforeAll(async () => {
  prefix = testPrefix('status-acc');
  redis = createRedis(redisUrl(), { name: 'test-status-acc' });
  dir = await mkdtemp(path.join(tmpdir(), 'mw-status-acc-'));
  await cp(path.join(REPO, 'examples/demo-mesh'), dir, { recursive: true, filter: (src) => !/\.duckdb(\.wal)?$/.test(src) });
  await appendFile(path.join(dir, 'meshwatch.yaml'), `\nredis: { prefix: "${prefix}" }\ngovernance: { repoUrl: "${REPO_URL}" }\n`);
  // Two products less restricted than crm.customers: one says why (with markup in the reason), one does not (a warning).
  await writeFile(
    path.join(dir, 'products/zz-why.yaml'),
    `id: marketing.reach-by-region\ndomain: marketing\ntier: open\ntierJustification: '${MARKUP} counts per region only'\ntierReviewedAt: 2026-11-01\ntable: marketing.reach_by_region\nfreshness: { column: updated_at, maxAge: 1d }\ninputs: [crm.customers]\n`,
  );
  await writeFile(path.join(dir, 'products/zz-leak.yaml'), `id: marketing.leaky-list\ndomain: marketing\ntier: open\ntable: marketing.leaky_list\nfreshness: { column: updated_at, maxAge: 1d }\ninputs: [crm.customers]\n`);
  const catalog = new Catalog(await loadConfig(dir));
  await runScriptedWeek({ redis, prefix, catalog, endMs: END });

  const keys = new RedisKeys(prefix);
  const { history } = catalog.config.workspace;
  engine = new IncidentEngine(redis, keys, history.maxAgeMs, history.incidentRetentionMs);
  const cost = new CostStore(redis, keys, history.incidentRetentionMs);
  await cost.add(END - 2 * DAY, { inventory: { statements: 12.5, ms: 3250 } });
  const reviews = new TierReviewStore(redis, keys);
  await reviews.record('inventory.vehicles', 'U0123ABCD', new Date(END - DAY));
  const subscriptions = new SubscriptionStore(redis, keys, history.maxAgeMs);
  await subscriptions.put({
    consumer: 'slack.fleet-desk', domain: 'sales', channel: '#fleet-desk', channelId: 'C0FLEET1', channelName: 'fleet-desk', product: 'crm.customers',
    columns: ['customer_id', `${MARKUP}col`], requestedBy: '<@U0SUBSCR1>', at: '2026-11-20T10:00:00.000Z',
    approval: { request: 'apr-7', decidedBy: 'U0APPROV2', decidedAt: '2026-11-20T11:00:00.000Z' },
  });
  await subscriptions.put({
    consumer: 'slack.dealer-ops', domain: 'sales', channel: '#dealer-ops', channelId: 'C0DEALER', channelName: 'dealer-ops', product: 'inventory.vehicles',
    columns: [], requestedBy: '<@U0SUBSCR3>', at: '2026-11-21T10:00:00.000Z',
  });
  const cache = new SubscriptionCache(subscriptions, catalog.engine);
  const source: StatusSource = {
    catalog: () => catalog,
    engine,
    results: new ResultStore(redis, keys),
    health: new PlatformHealthStore(redis, keys),
    replicas: new ReplicaRegistry(redis, keys),
    queueJobs: async () => [],
    redisUp: async () => true,
    operate: async (id, operation, by, now, until) => void (await engine.operate(id, operation, by, now.getTime(), until?.getTime())),
    subscriptionsOf: subscriptionsOfCache(cache),
    accountability: { history: new IncidentHistory(redis, keys, history.incidentRetentionMs), cost },
    tierReviews: () => reviews.latest(),
  };
  http = new HttpServer(createLogger({ level: 'silent' }));
  mountStatusRoutes(http, { source: () => source, access: new AccessControl({ operatorToken: OPERATOR }), logger: createLogger({ level: 'silent' }), now: () => new Date(END) });
  base = `http://127.0.0.1:${await http.listen(0, '127.0.0.1')}`;
}, 180_000);

afterAll(async () => {
  await http?.close();
  await deletePrefix(redisUrl(), prefix);
  redis?.disconnect();
  await rm(dir, { recursive: true, force: true });
});

describe('/accountability after the scripted week', () => {
  it('shows the cross-BU matrix with the known incidents and consumer-hours per cell', async () => {
    const res = await get(`${base}/accountability?since=7d`);
    expect(res.status).toBe(200);
    const page = res.body;
    expect(page).toContain('<time datetime="2026-11-23T09:00:00.000Z">2026-11-23 09:00 UTC</time> to <time datetime="2026-11-30T09:00:00.000Z">2026-11-30 09:00 UTC</time> (last 7d)');
    // The same cells as `meshwatch report --since 7d` (tests/accountability-week.test.ts).
    const cell = (p: string, c: string) => {
      const m = new RegExp(`data-cell="${p}→${c}" data-incidents="(\\d+)" data-consumer-hours="([\\d.]+)"`).exec(page);
      return m ? [Number(m[1]), Number(m[2])] : undefined;
    };
    expect(cell('Automotive', 'Automotive')).toEqual([2, 54.5]);
    expect(cell('Automotive', 'Corporate')).toEqual([3, 58.5]);
    expect(cell('Automotive', 'Finance')).toEqual([3, 98]);
    expect(cell('Automotive', 'Retail')).toEqual([2, 36.5]);
    expect(cell('Retail', 'Corporate')).toEqual([2, 13]);
    expect(cell('Retail', 'Retail')).toEqual([1, 3]);
    expect(page).toContain('Across business units: <b>282.5</b> consumer-hours');
    // The nav links the page, marked as the current one.
    expect(page).toMatch(/<a href="\/accountability" class="current" aria-current="page">Accountability<\/a>/);
  });

  it('per producer domain: incidents, consumer-hours, MTTA/MTTR mean and p90, never acknowledged, cost, and the trend against the week before', async () => {
    const page = (await get(`${base}/accountability?since=7d`)).body;
    const crm = element(page, 'tr', 'data-domain', 'crm');
    expect(crm).toContain('data-figure="mtta"><span class="nowrap">5 h 30 min</span><div class="small muted nowrap">p90 5 h 30 min</div>');
    expect(crm).toContain('data-figure="mttr"><span class="nowrap">10 h 00 min</span><div class="small muted nowrap">p90 10 h 00 min</div>');
    const inventory = element(page, 'tr', 'data-domain', 'inventory');
    // 3 incidents, 2 reached other BUs, 288 consumer-hours (0 the week before: worse), 1 never acknowledged, 1 still open.
    expect(inventory.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ')).toMatch(/inventory Automotive 3 ▲ was 0 2 breakages 2 288 ▲ was 0 20 min p90 20 min was – 1 5 h 00 min p90 5 h 00 min was – 1 1 12.5 statements 3.25 s/);
    expect(inventory).toContain('data-figure="cost">12.5 statements<div>3.25 s</div>');
    // sales.deals' breakage started 15 h before the week, hurting 10 consumers: 150 consumer-hours then, 5 in the week: better.
    const sales = element(page, 'tr', 'data-domain', 'sales');
    expect(sales).toMatch(/data-figure="consumer-hours">5<div class="small trend better" data-trend="better">▼ was 150</);
  });

  it('ranks products by harm with availability; a restricted product’s checks are hidden from readers, shown to operators', async () => {
    const reader = (await get(`${base}/accountability?since=7d`)).body;
    const ranked = [...reader.matchAll(/data-ranked="([^"]+)"/g)].map((m) => m[1]);
    expect(ranked.slice(0, 5)).toEqual(['inventory.vehicles', 'crm.customers', 'ecommerce.orders', 'aftersales.service-orders', 'sales.deals']);
    expect(element(reader, 'tr', 'data-ranked', 'inventory.vehicles')).toContain('data-figure="availability">89.29 %');
    const crm = element(reader, 'tr', 'data-ranked', 'crm.customers');
    expect(crm).toContain('details are restricted; ask #crm-data');
    expect(crm).not.toContain('<code>schema</code>');
    expect(element(reader, 'tr', 'data-ranked', 'ecommerce.orders')).toContain('<code>freshness</code>');
    // The tier is shown with its justification.
    expect(element(reader, 'tr', 'data-ranked', 'sales.deals')).toContain('reads only customer_id of crm.customers, a pseudonymous key');
    const cookie = await signIn(OPERATOR);
    const operator = (await get(`${base}/accountability?since=7d`, { cookie })).body;
    expect(element(operator, 'tr', 'data-ranked', 'crm.customers')).toContain('<code>schema</code>');
  });

  it('what broke each consumer domain, and the window selector as a plain form', async () => {
    const page = (await get(`${base}/accountability?since=7d`)).body;
    const finance = element(page, 'tr', 'data-consumer-domain', 'finance').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(finance).toMatch(/finance Finance 4 67 inventory Automotive : 2 breakages, 54 consumer-h · fixed in 5 h 00 min/);
    expect(page).toMatch(/<form class="filters" method="get" action="\/accountability" id="window">/);
    expect(page).toContain('<option value="7d" selected>last 7d</option>');
    expect(page).toContain('<a href="/accountability?since=30d">30d</a>');
    expect(page).not.toContain('<script');
    // Default window: 30 days.
    expect((await get(`${base}/accountability`)).body).toContain('(last 30d)');
  });

  it('a bad window or an unknown parameter is 400, on the page and the API', async () => {
    for (const q of ['since=8d', 'since=', 'since=7d&x=1', `since=${encodeURIComponent(MARKUP)}`]) {
      const page = await get(`${base}/accountability?${q}`);
      if (q === 'since=') {
        expect(page.status).toBe(200); // an empty value is no value (as the filters): the default window
        continue;
      }
      expect(page.status, q).toBe(400);
      expect(page.body).not.toContain(MARKUP);
      const api = await get(`${base}/api/accountability?${q}`);
      expect(api.status, q).toBe(400);
      expect(api.json().error).toMatch(/since|unknown parameter x/);
    }
    expect((await get(`${base}/accountability?since=8d`)).body).toContain('since: one of 7d, 30d, 90d');
  });

  it('the JSON twin: the figures, the trend and the previous window, redacted by tier', async () => {
    const doc = (await get(`${base}/api/accountability?since=7d`)).json();
    expect(doc.since).toBe('7d');
    expect(doc.window).toEqual({ from: '2026-11-23T09:00:00.000Z', to: '2026-11-30T09:00:00.000Z' });
    expect(doc.previous.window).toEqual({ from: '2026-11-16T09:00:00.000Z', to: '2026-11-23T09:00:00.000Z' });
    expect(doc.matrix).toContainEqual({ producerBusinessUnit: 'Retail', consumerBusinessUnit: 'Corporate', incidents: 2, consumerHours: 13 });
    expect(doc.trend.find((t: Json) => t.domain === 'inventory')).toMatchObject({ consumerHours: 288, previousConsumerHours: 0 });
    const crm = doc.products.find((p: Json) => p.product === 'crm.customers');
    expect(crm).toMatchObject({ checks: [], redacted: true, ask: '#crm-data' });
    const nested = doc.producers.find((p: Json) => p.domain === 'crm').products.find((p: Json) => p.product === 'crm.customers');
    expect(nested.checks).toEqual([]);
    const operator = (await get(`${base}/api/accountability?since=7d`, { authorization: `Bearer ${OPERATOR}` })).json();
    expect(operator.products.find((p: Json) => p.product === 'crm.customers').checks).toEqual(['schema']);
  });
});

describe('product page: availability, tier governance, subscriptions', () => {
  it('shows the product’s availability and the harm it caused over the last 30 days', async () => {
    const page = (await get(`${base}/products/inventory.vehicles`)).body;
    // Broken 18 h (Monday 5 h, Sunday 13 h) of 720: 97.50 %; its breakages cost 288 consumer-hours.
    expect(page).toContain('data-availability="0.975"');
    expect(page).toContain('<div class="big">97.50 %</div><div class="small muted">broken 18 h</div>');
    expect(page).toMatch(/harm it caused<\/div><div class="big">288<\/div><div class="small">consumer-hours · 16 consumers in Automotive, Corporate, Finance, Marketing, Retail/);
    const api = (await get(`${base}/api/products/inventory.vehicles`)).json();
    expect(api.product.availability).toMatchObject({ availability: 0.975, consumerHours: 288, breakages: 2, window: { days: 30, to: '2026-11-30T09:00:00.000Z' } });
    // A restricted product's failing checks: operators only, in the API as on /accountability.
    expect((await get(`${base}/api/products/crm.customers`)).json().product.availability).toMatchObject({ incidents: 1, checks: [] });
    expect((await get(`${base}/api/products/crm.customers`, { authorization: `Bearer ${OPERATOR}` })).json().product.availability.checks).toEqual(['schema']);
    // A product that never broke: available throughout.
    expect((await get(`${base}/products/inventory.dealers`)).body).toContain('<div class="big">100.00 %</div>');
  });

  it('the tier with its justification (escaped); a lineage warning when there is none', async () => {
    const why = (await get(`${base}/products/marketing.reach-by-region`)).body;
    expect(why).not.toContain(MARKUP);
    expect(why).toContain('&lt;img src=x onerror=alert(1)&gt; counts per region only');
    expect(why).toContain('data-tier-lineage="justified"');
    expect(why).not.toContain('data-tier-lineage="warning"');
    const leak = (await get(`${base}/products/marketing.leaky-list`)).body;
    expect(leak).toContain('data-tier-lineage="warning"');
    expect(leak).toContain('marketing.leaky-list is open but reads crm.customers (restricted): make it restricted');
    // The overview's product table shows the justification with the tier too.
    expect(element((await get(`${base}/`)).body, 'tr', 'data-product', 'sales.deals')).toContain('data-tier-justification');
  });

  it('tier reviews due: on the overview (recorded reviews count) and on the product page with the link to its file', async () => {
    const overview = (await get(`${base}/`)).body;
    expect(overview).toContain('<h2 id="tier-reviews">Tier reviews due');
    const due = [...overview.matchAll(/data-tier-review="([^"]+)"/g)].map((m) => m[1]);
    expect(due).toContain('crm.customers');
    // Reviewed from Slack yesterday, in the file last month, or by date 2026-10-01 + 90 d: not due.
    expect(due).not.toContain('inventory.vehicles');
    expect(due).not.toContain('marketing.reach-by-region');
    expect(due).not.toContain('sales.deals');
    expect(element(overview, 'tr', 'data-tier-review', 'crm.customers')).toContain(`<a href="${REPO_URL}/products/customers.yaml" rel="noopener"><code>products/customers.yaml</code></a>`);
    const crm = (await get(`${base}/products/crm.customers`)).body;
    expect(crm).toContain('data-tier-review-due');
    expect(crm).toContain('Tier review due (never reviewed)');
    expect(crm).toContain(`href="${REPO_URL}/products/customers.yaml"`);
    expect((await get(`${base}/products/inventory.vehicles`)).body).not.toContain('data-tier-review-due');
  });

  it('lists the Slack subscriptions: channel, columns, who subscribed and who approved (ids readable, values escaped), also in the API', async () => {
    const crm = (await get(`${base}/products/crm.customers`)).body;
    const row = element(crm, 'tr', 'data-subscription', 'slack.fleet-desk');
    expect(row).toContain('#fleet-desk');
    expect(row).toContain('customer_id, &lt;img src=x onerror=alert(1)&gt;col');
    expect(row).toContain('>@U0SUBSCR1 (Slack)</b>');
    expect(row).toContain('approved by <b title="Slack user U0APPROV2">@U0APPROV2 (Slack)</b> 2026-11-20T11:00:00.000Z (apr-7)');
    expect(crm).not.toContain(MARKUP);
    const api = (await get(`${base}/api/products/crm.customers`)).json();
    expect(api.product.subscriptions).toEqual([
      { channel: '#fleet-desk', consumer: 'slack.fleet-desk', columns: ['customer_id', `${MARKUP}col`], by: '<@U0SUBSCR1>', since: '2026-11-20T10:00:00.000Z', status: 'approved', approvedBy: 'U0APPROV2', approvedAt: '2026-11-20T11:00:00.000Z', request: 'apr-7' },
    ]);
    const vehicles = element((await get(`${base}/products/inventory.vehicles`)).body, 'tr', 'data-subscription', 'slack.dealer-ops');
    expect(vehicles).toContain('<span class="muted">all</span>');
    expect((await get(`${base}/products/inventory.dealers`)).body).toContain('no subscriptions');
  });

  it('someone who acknowledged from Slack shows as @id (Slack), a name typed on the page as it is', async () => {
    const open = await engine.currentOf('inventory.vehicles');
    expect(open?.state).toBe('open');
    await engine.operate(open!.id, 'ack', 'U0123ABCD', END);
    const overview = (await get(`${base}/`)).body;
    expect(overview).toMatch(/data-ack-by="U0123ABCD">by <b title="Slack user U0123ABCD">@U0123ABCD \(Slack\)<\/b>/);
    expect(personText('Alice Operator')).toBe('Alice Operator');
    expect(personText('<@U0123ABCD|alice>')).toBe('@alice (Slack)');
    expect(personText('UNKNOWN')).toBe('UNKNOWN'); // capitals without a digit: a name, not an id
    expect(personText('@ivy')).toBe('@ivy');
  });
});
