/**
 * The status page, JSON API and /metrics on a real service (Redis, DuckDB,
 * BullMQ workers) after one known check cycle: content, errors, filters,
 * each token case, CSRF, escaping and tier redaction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../core/logger.js';
import { AccessControl, type AccessConfig } from '../status/auth.js';
import { HttpServer } from '../status/http-server.js';
import { mountStatusRoutes } from '../status/routes.js';
import { serviceSource } from '../status/service-source.js';
import { SlackDeliveryStore } from '../notifier/slack/delivery-store.js';
import { RedisKeys } from '../state/keys.js';
import { cli } from './support/cli.js';
import { drained, startTestService, until, type TestService } from './support/service.js';
import { MARKUP_NAME, MARKUP_VALUE, STATUS_MESH, statusWarehouseSql } from './support/status-mesh.js';

const READER = 'reader-token-1234';
const OPERATOR = 'operator-token-5678';

let svc: TestService;
const servers: HttpServer[] = [];
let open: string; // no tokens
let operatorOnly: string; // MESHWATCH_OPERATOR_TOKEN only
let guarded: string; // both tokens

async function serve(config: AccessConfig): Promise<string> {
  const http = new HttpServer(createLogger({ level: 'silent' }));
  mountStatusRoutes(http, {
    source: () => serviceSource(svc.service, { subscriptionsOf: async (id) => (id === 'sales.orders' ? [{ channel: '#ops-<subs>', columns: ['order_id'], by: 'U1' }] : []) }),
    access: new AccessControl(config),
    metrics: svc.service.metrics,
    logger: createLogger({ level: 'silent' }),
  });
  servers.push(http);
  return `http://127.0.0.1:${await http.listen(0, '127.0.0.1')}`;
}

beforeAll(async () => {
  svc = await startTestService({ files: STATUS_MESH, sql: statusWarehouseSql() });
  await until('first tick', async () => ((await svc.service.queue.checks.getJobCounts('completed')).completed ?? 0) >= 1);
  await drained(svc.service.queue.notify);
  open = await serve({});
  operatorOnly = await serve({ operatorToken: OPERATOR });
  guarded = await serve({ readerToken: READER, operatorToken: OPERATOR });
}, 60_000);

afterAll(async () => {
  for (const s of servers) await s.close();
  await svc?.stop();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; json: () => Json; headers: Headers }> {
  const res = await fetch(url, { headers, redirect: 'manual' });
  const body = await res.text();
  return { status: res.status, body, json: () => JSON.parse(body) as Json, headers: res.headers };
}

async function post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', body: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, redirect: 'manual' });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function signIn(base: string, token: string, by?: string): Promise<string> {
  const res = await post(`${base}/login`, { token, next: '/', ...(by ? { by } : {}) });
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie')!;
  expect(cookie).toMatch(/HttpOnly/);
  expect(cookie).toMatch(/SameSite=Strict/);
  return cookie.split(';')[0]!;
}

const csrfOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)?.[1];

function metric(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

async function incidentOf(product: string): Promise<Json> {
  const { incidents } = (await get(`${open}/api/incidents?state=open`)).json() as { incidents: Json[] };
  const found = incidents.find((i) => i.product === product);
  if (!found) {
    const all = (await get(`${open}/api/incidents`)).json() as { incidents: Json[] };
    return all.incidents.find((i) => i.product === product)!;
  }
  return found;
}

describe('status: metrics after a known cycle', () => {
  it('counts the cycle’s checks by kind and status, its statements, notifications, open incidents and queue jobs', async () => {
    const completed = await svc.service.queue.checks.getJobs(['completed']);
    const ticks = completed.filter((j) => j.name === 'tick');
    expect(ticks).toHaveLength(1);
    const summary = ticks[0]!.returnvalue as { checks: number; queries: number; phasesMs: { cycle: number } };
    const text = (await get(`${open}/metrics`)).body;
    expect(metric(text, 'meshwatch_checks_total{kind="freshness",status="fail"}')).toBe(1);
    expect(metric(text, 'meshwatch_checks_total{kind="freshness",status="pass"}')).toBe(2);
    expect(metric(text, 'meshwatch_checks_total{kind="contract",status="fail"}')).toBe(2);
    expect(summary.checks).toBe(5);
    expect(metric(text, 'meshwatch_warehouse_statements_total{engine="duckdb"}')).toBe(summary.queries);
    expect(summary.queries).toBeGreaterThan(0);
    expect(metric(text, 'meshwatch_check_duration_seconds_count{kind="freshness"}')).toBe(1);
    expect(metric(text, 'meshwatch_check_duration_seconds_count{kind="contract"}')).toBe(1);
    // Each kind gets its share of the cycle's statement time, not the whole cycle each: the shares add up to at most the cycle.
    const kinds = ['freshness', 'contract', 'schema'].map((k) => metric(text, `meshwatch_check_duration_seconds_sum{kind="${k}"}`) ?? 0);
    for (const seconds of kinds.slice(0, 2)) expect(seconds).toBeGreaterThan(0);
    expect(kinds.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(summary.phasesMs.cycle / 1000 + 0.001);
    expect(metric(text, 'meshwatch_schedule_lag_seconds_count')).toBe(1);
    expect(metric(text, 'meshwatch_incidents_open{domain="crm"}')).toBe(1);
    expect(metric(text, 'meshwatch_incidents_open{domain="sales"}')).toBe(1);
    expect(metric(text, 'meshwatch_incidents_open{domain="finance"}')).toBe(1);
    expect(metric(text, 'meshwatch_notifications_total{transport="recording",outcome="delivered"}')).toBe(svc.notifier.delivered.length);
    expect(svc.notifier.delivered.length).toBeGreaterThan(0);
    // The sweep job keeps running on the checks queue: the gauge, read at scrape time, lies between the counts before and after it.
    const completedAfter = (await svc.service.queue.checks.getJobs(['completed'])).length;
    expect(metric(text, 'meshwatch_queue_jobs{queue="checks",state="completed"}')).toBeGreaterThanOrEqual(completed.length);
    expect(metric(text, 'meshwatch_queue_jobs{queue="checks",state="completed"}')).toBeLessThanOrEqual(completedAfter);
    expect(metric(text, 'meshwatch_queue_jobs{queue="notify",state="completed"}')).toBe(svc.notifier.delivered.length);
    expect(metric(text, 'meshwatch_warehouse_up')).toBe(1);
    expect(text).toMatch(/# TYPE meshwatch_check_duration_seconds histogram/);
    expect(text).toMatch(/# TYPE meshwatch_schedule_lag_seconds histogram/);
  });
});

describe('status: JSON API', () => {
  it('/api/products lists every product with its state and last result per kind, redacted by tier', async () => {
    const { products } = (await get(`${open}/api/products`)).json() as { products: Json[] };
    expect(products.map((p) => [p.id, p.tier, p.state]).sort()).toEqual([
      ['crm.customers', 'restricted', 'fail'],
      ['finance.ledger', 'open', 'fail'],
      ['sales.orders', 'limited', 'fail'],
    ]);
    const orders = products.find((p) => p.id === 'sales.orders')!;
    expect(orders.kinds.freshness.status).toBe('pass');
    expect(orders.kinds.contract.status).toBe('fail');
    expect(orders.businessUnit).toBe('Retail');
    expect(orders.incident).toMatch(/^inc-\d+$/);
  });

  it('filters /api/products by domain, business unit and state, and refuses bad filters with 400', async () => {
    const ids = async (q: string) => ((await get(`${open}/api/products?${q}`)).json().products as Json[]).map((p) => p.id).sort();
    expect(await ids('domain=sales')).toEqual(['sales.orders']);
    expect(await ids('businessUnit=Retail')).toEqual(['crm.customers', 'sales.orders']);
    expect(await ids('state=pass')).toEqual([]);
    expect(await ids('state=fail&businessUnit=Finance')).toEqual(['finance.ledger']);
    const bad = await get(`${open}/api/products?state=purple`);
    expect(bad.status).toBe(400);
    expect(bad.json().error).toMatch(/state/);
    const unknownDomain = await get(`${open}/api/products?domain=nope`);
    expect(unknownDomain.status).toBe(400);
    expect(unknownDomain.json()).toMatchObject({ error: 'unknown domain "nope"', domains: ['crm', 'finance', 'marketing', 'sales'] });
    const unknownParam = await get(`${open}/api/products?colour=red`);
    expect(unknownParam.status).toBe(400);
    expect(unknownParam.json().error).toMatch(/unknown parameter colour/);
  });

  it('/api/products/:id has checks, history, incident, lineage neighbours, consumers and subscriptions; unknown ids are 404 JSON', async () => {
    const { product } = (await get(`${open}/api/products/sales.orders`)).json();
    expect(product.upstream).toEqual(['crm.customers']);
    expect(product.consumers).toEqual([{ id: 'finance.revenue-dashboard', domain: 'finance', businessUnit: 'Finance', channel: '#finance-revenue', columns: ['order_id', 'amount'] }]);
    expect(product.subscriptions).toEqual([{ channel: '#ops-<subs>', columns: ['order_id'], by: 'U1' }]);
    expect(product.incident).toMatchObject({ product: 'sales.orders', rootCause: 'crm.customers', state: 'open' });
    expect(product.checks.map((c: Json) => [c.check, c.status])).toEqual([
      ['contract.notNull.order_id', 'fail'],
      ['freshness', 'pass'],
    ]);
    expect(product.history.length).toBe(2);
    const missing = await get(`${open}/api/products/sales.order`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/application\/json/);
    expect(missing.json()).toMatchObject({ code: 'UNKNOWN_PRODUCT', suggestions: ['sales.orders'] });
    expect((await get(`${open}/api/products/sales.orders?history=lots`)).status).toBe(400);
    const unknownRoute = await get(`${open}/api/nothing-here`);
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.json()).toEqual({ error: 'not found' });
  });

  it('/api/incidents filters by state; /api/incidents/:id answers 404 for an unknown id and 400 for a malformed one', async () => {
    const openList = (await get(`${open}/api/incidents?state=open`)).json().incidents as Json[];
    expect(openList.map((i) => [i.product, i.rootCause]).sort()).toEqual([
      ['crm.customers', 'crm.customers'],
      ['finance.ledger', 'finance.ledger'],
      ['sales.orders', 'crm.customers'],
    ]);
    const customers = openList.find((i) => i.product === 'crm.customers')!;
    expect(customers.impact.consumers.map((c: Json) => c.id).sort()).toEqual(['finance.revenue-dashboard', 'marketing.crm-tracker']);
    expect((await get(`${open}/api/incidents?state=resolved`)).json().incidents).toEqual([]);
    const bad = await get(`${open}/api/incidents?state=closed`);
    expect(bad.status).toBe(400);
    expect(bad.json().error).toMatch(/state/);
    const one = (await get(`${open}/api/incidents/${customers.id}`)).json();
    expect(one.incident).toMatchObject({ id: customers.id, product: 'crm.customers', checks: ['freshness'] });
    expect(one.results.map((r: Json) => r.check)).toEqual(['freshness']);
    const none = await get(`${open}/api/incidents/inc-999999`);
    expect(none.status).toBe(404);
    expect(none.json()).toMatchObject({ code: 'INCIDENT_NOT_FOUND' });
    expect((await get(`${open}/api/incidents/DROP%20TABLE`)).status).toBe(400);
  });

  it('Slack delivery problems the notifier noted on an incident show in /api/incidents/:id and on the product page', async () => {
    const customers = await incidentOf('crm.customers');
    const ledger = await incidentOf('finance.ledger');
    // Written the way the Slack notifier notes a refusal that retries cannot fix.
    const store = new SlackDeliveryStore(svc.service.connection, new RedisKeys(svc.service.prefix), 3_600_000);
    await store.noteProblem(customers.id, '#finance-revenue', { code: 'SLACK_CHANNEL_NOT_FOUND', slackError: 'channel_not_found', message: 'Slack chat.postMessage: channel_not_found', at: new Date().toISOString() });
    await store.noteProblem(customers.id, '#crm-<b>tracker', { code: 'SLACK_NOT_IN_CHANNEL', slackError: 'not_in_channel', message: 'Slack chat.postMessage: not_in_channel', at: new Date().toISOString() });
    const one = (await get(`${open}/api/incidents/${customers.id}`)).json();
    expect(one.incident.deliveryProblems).toEqual([
      expect.objectContaining({ channel: '#crm-<b>tracker', code: 'SLACK_NOT_IN_CHANNEL', slackError: 'not_in_channel' }),
      expect.objectContaining({ channel: '#finance-revenue', code: 'SLACK_CHANNEL_NOT_FOUND', slackError: 'channel_not_found' }),
    ]);
    expect((await get(`${open}/api/incidents/${ledger.id}`)).json().incident.deliveryProblems).toBeUndefined();
    const page = (await get(`${open}/products/crm.customers`)).body;
    expect(page).toContain('data-delivery-problems="2"');
    expect(page).toMatch(/<li data-delivery-problem="#finance-revenue"><b>#finance-revenue<\/b>: <code>channel_not_found<\/code> \(fix slackChannel in the config or unarchive the channel\)/);
    expect(page).toContain('<b>#crm-&lt;b&gt;tracker</b>: <code>not_in_channel</code> (invite the meshwatch app to the channel)');
    expect((await get(`${open}/products/finance.ledger`)).body).not.toContain('data-delivery-problems');
  });

  it('/api/impact/:id has the shape of `meshwatch impact --format json`; bad columns are 400, unknown products 404', async () => {
    const api = (await get(`${open}/api/impact/crm.customers`)).json();
    const run = await cli(['impact', 'crm.customers', '--config', svc.dir, '--format', 'json']);
    expect(api).toEqual(JSON.parse(run.stdout));
    expect(api.consumers.map((c: Json) => c.id).sort()).toEqual(['finance.revenue-dashboard', 'marketing.crm-tracker']);
    const byColumn = (await get(`${open}/api/impact/sales.orders?columns=order_id`)).json();
    expect(byColumn).toEqual(JSON.parse((await cli(['impact', 'sales.orders', '--columns', 'order_id', '--config', svc.dir, '--format', 'json'])).stdout));
    expect((await get(`${open}/api/impact/sales.orders?columns=`)).status).toBe(400);
    expect((await get(`${open}/api/impact/nope.nope`)).status).toBe(404);
  });
});

describe('status: tier redaction', () => {
  it('restricted: no observed values, counts or samples for readers, in the API and on the page; operators see them', async () => {
    const reader = (await get(`${open}/api/products/crm.customers`)).json().product;
    const freshness = reader.checks.find((c: Json) => c.check === 'freshness');
    expect(freshness.observed).toBeUndefined();
    expect(freshness.expected).toBeUndefined();
    expect(freshness.message).toBe('freshness failed (details are restricted; ask #crm-data)');
    expect(JSON.stringify(reader.history)).not.toMatch(/max\(updated_at\) =/);
    const page = (await get(`${open}/products/crm.customers`)).body;
    expect(page).toContain('details are restricted');
    expect(page).not.toMatch(/stale:|max\(updated_at\) =/);

    const operator = (await get(`${guarded}/api/products/crm.customers`, bearer(OPERATOR))).json().product;
    expect(operator.checks.find((c: Json) => c.check === 'freshness').message).toMatch(/^stale: max\(updated_at\) = /);
    const cookie = await signIn(guarded, OPERATOR, 'olga');
    expect((await get(`${guarded}/products/crm.customers`, { cookie })).body).toMatch(/stale: max\(updated_at\) = /);
  });

  it('limited: counts but no values for readers', async () => {
    const product = (await get(`${open}/api/products/sales.orders`)).json().product;
    const notNull = product.checks.find((c: Json) => c.check === 'contract.notNull.order_id');
    expect(notNull.failingRows).toBe(2);
    expect(notNull.message).toBe('contract.notNull.order_id failed: 2 rows break the rule (values are limited; ask #sales-data)');
    const freshness = product.checks.find((c: Json) => c.check === 'freshness');
    expect(freshness.observed).toBeUndefined();
    const page = (await get(`${open}/products/sales.orders`)).body;
    expect(page).toContain('2 rows break the rule');
    expect(page).not.toMatch(/max\(updated_at\) =/);
    // Operators see the values.
    const full = (await get(`${guarded}/api/products/sales.orders`, bearer(OPERATOR))).json().product;
    expect(full.checks.find((c: Json) => c.check === 'freshness').observed).toBeDefined();
  });
});

describe('status: escaping', () => {
  it('names, descriptions, domain names, values and samples with markup are shown as text', async () => {
    const product = (await get(`${open}/products/finance.ledger`)).body;
    expect(product).not.toContain(MARKUP_NAME);
    expect(product).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(product).not.toContain('<script>alert');
    expect(product).toContain('&lt;script&gt;alert(&quot;d&quot;)&lt;/script&gt; the ledger');
    // Open tier: the offending value is shown, escaped.
    expect(product).toContain('&lt;script&gt;alert(&quot;v&quot;)&lt;/script&gt;');
    const overview = (await get(`${open}/`)).body;
    expect(overview).toContain('Sales &amp; &lt;Co&gt;');
    expect(overview).not.toContain('<Co>');
    expect(overview).not.toContain(MARKUP_NAME);
    const subs = (await get(`${open}/products/sales.orders`)).body;
    expect(subs).toContain('#ops-&lt;subs&gt;');
    // The API keeps values as they are (JSON is data, not markup).
    expect(JSON.stringify((await get(`${open}/api/products/finance.ledger`)).json())).toContain(MARKUP_VALUE.replaceAll('"', '\\"'));
    // And every page forbids inline script other than its own.
    expect((await get(`${open}/`)).headers.get('content-security-policy')).toMatch(/script-src 'sha256-/);
  });
});

describe('status: filters on the page', () => {
  it('keeps the products of the chosen domain, business unit and state, and says 400 to a bad filter', async () => {
    const rows = (page: string) => [...page.matchAll(/data-product="([^"]+)"/g)].map((m) => m[1]).sort();
    expect(rows((await get(`${open}/?domain=sales`)).body)).toEqual(['sales.orders']);
    expect(rows((await get(`${open}/?businessUnit=Retail`)).body)).toEqual(['crm.customers', 'sales.orders']);
    expect(rows((await get(`${open}/?state=pass`)).body)).toEqual([]);
    expect(rows((await get(`${open}/`)).body)).toEqual(['crm.customers', 'finance.ledger', 'sales.orders']);
    const page = (await get(`${open}/?domain=sales`)).body;
    expect(page).toMatch(/<option value="sales" selected>/);
    expect((await get(`${open}/?state=purple`)).status).toBe(400);
  });
});

describe('status: access tokens', () => {
  it('no tokens: page and API open to read, a wrong Bearer token refused, no sign-in, actions off', async () => {
    expect((await get(`${open}/api/products`)).status).toBe(200);
    const page = await get(`${open}/`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('incident actions are off');
    expect(page.body).not.toContain('action="/incidents/');
    expect((await get(`${open}/api/products`, bearer('guess'))).status).toBe(401);
    expect((await get(`${open}/login`)).status).toBe(404);
    const { id } = await incidentOf('finance.ledger');
    const action = await post(`${open}/incidents/${id}/ack`, { csrf: 'x', by: 'eve' });
    expect(action.status).toBe(403);
    expect(action.body).toContain('MESHWATCH_OPERATOR_TOKEN is not set');
  });

  it('reader token: the API needs a token, the page a session; reader sessions cannot act', async () => {
    const anonymous = await get(`${guarded}/api/products`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect((await get(`${guarded}/api/products`, bearer('wrong-token'))).status).toBe(401);
    expect((await get(`${guarded}/api/products`, bearer(READER))).json().products).toHaveLength(3);
    expect((await get(`${guarded}/api/products`, bearer(OPERATOR))).status).toBe(200);
    const redirect = await get(`${guarded}/products/sales.orders`);
    expect(redirect.status).toBe(303);
    expect(redirect.headers.get('location')).toBe('/login?next=%2Fproducts%2Fsales.orders');
    const wrong = await post(`${guarded}/login`, { token: 'wrong-token', next: '/' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('That token is not valid.');
    const cookie = await signIn(guarded, READER);
    const page = await get(`${guarded}/`, { cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('signed in as reader');
    expect(page.body).not.toContain('action="/incidents/');
    const { id } = await incidentOf('finance.ledger');
    expect((await post(`${guarded}/incidents/${id}/ack`, { csrf: csrfOf(page.body)!, by: 'rita' }, { cookie })).status).toBe(403);
    // A session cookie whose signature does not match is no session.
    const forged = cookie.replace(/\.[^.]+$/, '.AAAA');
    expect((await get(`${guarded}/`, { cookie: forged })).status).toBe(303);
    // Operator session from a token set, read by a server with other tokens: refused too.
    const other = await signIn(operatorOnly, OPERATOR, 'x');
    expect((await get(`${guarded}/`, { cookie: other })).status).toBe(303);
  });

  it('operator token: an operator acknowledges from the page, the name is asked once and kept, and the page shows who', async () => {
    const cookie = await signIn(operatorOnly, OPERATOR);
    const page = (await get(`${operatorOnly}/`, { cookie })).body;
    const { id } = await incidentOf('finance.ledger');
    expect(page).toContain(`action="/incidents/${id}/ack"`);
    expect(page).toContain('placeholder="your name"');
    const res = await post(`${operatorOnly}/incidents/${id}/ack`, { csrf: csrfOf(page)!, by: 'Mallory <b>', back: '/products/finance.ledger' }, { cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/products/finance.ledger?done=ack');
    const named = res.headers.get('set-cookie')!.split(';')[0]!;
    const after = (await get(`${operatorOnly}/products/finance.ledger?done=ack`, { cookie: named })).body;
    expect(after).toContain('Incident acknowledged.');
    expect(after).toContain('by <b>Mallory &lt;b&gt;</b>');
    expect(after).not.toContain('placeholder="your name"');
    expect(await incidentOf('finance.ledger')).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'Mallory <b>' });
    // Acknowledging twice is refused by the engine and said on the page.
    const again = await post(`${operatorOnly}/incidents/${id}/ack`, { csrf: csrfOf(after)!, back: '/' }, { cookie: named });
    expect(again.headers.get('location')).toBe('/?failed=state');
    await drained(svc.service.queue.notify);
    expect(svc.notifications({ transition: 'acknowledged', product: 'finance.ledger', audience: 'producer' })).toHaveLength(1);
  });

  it('refuses page actions without the session’s CSRF token', async () => {
    const cookie = await signIn(operatorOnly, OPERATOR, 'carol');
    const { id } = await incidentOf('crm.customers');
    const missing = await post(`${operatorOnly}/incidents/${id}/snooze`, { until: '1h' }, { cookie });
    expect(missing.status).toBe(403);
    expect(missing.body).toContain('CSRF');
    const foreign = await signIn(operatorOnly, OPERATOR, 'dave');
    const otherCsrf = csrfOf((await get(`${operatorOnly}/`, { cookie: foreign })).body)!;
    expect((await post(`${operatorOnly}/incidents/${id}/snooze`, { csrf: otherCsrf, until: '1h' }, { cookie })).status).toBe(403);
    expect((await incidentOf('crm.customers')).state).toBe('open');
    // With it, the snooze goes through.
    const csrf = csrfOf((await get(`${operatorOnly}/`, { cookie })).body)!;
    expect((await post(`${operatorOnly}/incidents/${id}/snooze`, { csrf, until: '1h' }, { cookie })).status).toBe(303);
    expect(await incidentOf('crm.customers')).toMatchObject({ state: 'snoozed', snoozedBy: 'carol' });
  });
});

describe('status: notification outcomes in metrics', () => {
  it('a delivery that fails once counts as retry, then as delivered', async () => {
    const before = (await get(`${open}/metrics`)).body;
    const delivered = metric(before, 'meshwatch_notifications_total{transport="recording",outcome="delivered"}')!;
    expect(metric(before, 'meshwatch_notifications_total{transport="recording",outcome="retry"}')).toBeUndefined();
    const recorded = svc.notifier.delivered.length;
    svc.notifier.failNext(1);
    const cookie = await signIn(operatorOnly, OPERATOR, 'erin');
    const { id } = await incidentOf('sales.orders');
    const csrf = csrfOf((await get(`${operatorOnly}/`, { cookie })).body)!;
    expect((await post(`${operatorOnly}/incidents/${id}/resolve`, { csrf }, { cookie })).headers.get('location')).toBe('/?done=resolve');
    await drained(svc.service.queue.notify);
    const resolved = svc.notifications({ transition: 'resolved', product: 'sales.orders' }).length;
    expect(resolved).toBeGreaterThan(0);
    const after = (await get(`${open}/metrics`)).body;
    expect(metric(after, 'meshwatch_notifications_total{transport="recording",outcome="retry"}')).toBe(1);
    expect(metric(after, 'meshwatch_notifications_total{transport="recording",outcome="delivered"}')).toBe(delivered + svc.notifier.delivered.length - recorded);
    expect((await incidentOf('sales.orders')).resolvedBy).toBe('erin');
  });
});
