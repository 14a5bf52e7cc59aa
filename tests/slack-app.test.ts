/**
 * The Slack app end to end in process: signed HTTP requests to the real
 * Bolt app behind the service's HTTP server, a real Redis, DuckDB checks,
 * the notify queue delivering to a recording notifier, and Bolt's
 * response_url answers landing on the fake Slack server.
 */
import { writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { impactOf } from '../catalog/impact.js';
import { tierReviewsDue } from '../catalog/tier-review.js';
import { SLACK_ACTIONS } from '../notifier/slack/actions.js';
import { SlackInteractions } from '../notifier/slack/interactions.js';
import { slackInteractionDeps } from '../scheduler/slack-deps.js';
import { createLogger } from '../core/logger.js';
import { tierReviewNotifications } from '../scheduler/digest-job.js';
import { DEFAULT_TUNING } from '../scheduler/queues.js';
import { enqueueNotifications } from '../scheduler/tick.js';
import { RedisKeys } from '../state/keys.js';
import { TierReviewStore } from '../state/tier-reviews.js';
import type { Notification } from '../notifier/notification.js';
import { chainMesh, warehouseSql } from './support/chain-mesh.js';
import { deletePrefix, redisUrl, testPrefix } from './support/redis.js';
import { startTestService, until } from './support/service.js';
import { actionBody, commandBody, sign, SIGNING_SECRET, startSlackHarness, type ChannelRef, type SlackHarness } from './support/slack-app.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const ORDERS_SCHEMA = `schema:
  columns:
    - { name: order_id, type: INTEGER }
    - { name: amount, type: "DECIMAL(12,2)" }
    - { name: updated_at, type: TIMESTAMP }
`;

const LEAD_SCORING: ChannelRef = { id: 'C0LEADSCO', name: 'lead-scoring' };
const FINANCE_DATA: ChannelRef = { id: 'C0FINDATA', name: 'finance-data' };
const SALES_DATA: ChannelRef = { id: 'C0SALESDA', name: 'sales-data' };

async function harness(options: Parameters<typeof startSlackHarness>[0]): Promise<SlackHarness> {
  const h = await startSlackHarness(options);
  cleanups.push(() => h.stop());
  return h;
}

function textOf(answer: Record<string, unknown> | undefined): string {
  return typeof answer?.text === 'string' ? answer.text : '';
}

async function delivered(h: SlackHarness, what: string, match: (n: Notification) => boolean): Promise<Notification> {
  return until(what, () => h.svc.notifier.delivered.find(match));
}

describe('Slack app: signed requests only', () => {
  it('rejects unsigned, wrongly signed and stale requests with 401 and runs nothing; a signed one is answered', async () => {
    const h = await harness({ files: chainMesh('', ORDERS_SCHEMA), sql: warehouseSql() });
    const response = h.fake.responseUrl();
    const body = commandBody(`subscribe sales.orders domain:marketing`, LEAD_SCORING, 'U0ALICE', response.url);

    const unsigned = await h.post(body, {});
    expect(unsigned.status).toBe(401);
    const wrong = await h.post(body, sign(body, 'not-the-signing-secret'));
    expect(wrong.status).toBe(401);
    const stale = await h.post(body, sign(body, SIGNING_SECRET, Math.floor(Date.now() / 1000) - 6 * 60));
    expect(stale.status).toBe(401);
    // A body changed after signing is a wrong signature too.
    const tampered = await h.post(body.replace('marketing', 'finance'), sign(body));
    expect(tampered.status).toBe(401);
    const click = actionBody(SLACK_ACTIONS.acknowledge, '{"incident":"inc-1"}', 'U0ALICE', SALES_DATA, response.url);
    expect((await h.post(click, sign(click, 'nope'))).status).toBe(401);

    await new Promise((r) => setTimeout(r, 200));
    expect(await h.svc.service.subscriptions.store.list()).toEqual([]);
    expect(h.fake.responses.get(response.id)).toEqual([]);

    const signed = await h.command('help', LEAD_SCORING);
    expect(signed.ack.status).toBe(200);
    expect(textOf(signed.ack.body)).toContain('/meshwatch subscribe PRODUCT');
  });
});

describe('Slack app: slash commands', () => {
  it('help, unknown subcommands, unknown products and columns answer at once with the nearest ids', async () => {
    const h = await harness({ files: chainMesh('', ORDERS_SCHEMA), sql: warehouseSql() });
    const help = await h.command('', LEAD_SCORING);
    expect(textOf(help.ack.body)).toMatch(/subscribe PRODUCT \[COLUMN \.\.\.\] \[domain:ID\]/);
    expect(help.ack.body?.response_type).toBe('ephemeral');

    expect(textOf((await h.command('subscibe sales.orders', LEAD_SCORING)).ack.body)).toContain('did you mean `subscribe`');
    expect(textOf((await h.command('subscribe sales.order', LEAD_SCORING)).ack.body)).toContain('There is no product `sales.order` (did you mean `sales.orders`?)');
    expect(textOf((await h.command('impact crm.customer', LEAD_SCORING)).ack.body)).toContain('did you mean `crm.customers`');
    expect(textOf((await h.command('status sales.ordrs', LEAD_SCORING)).ack.body)).toContain('did you mean `sales.orders`');
    const column = textOf((await h.command('subscribe sales.orders amount ammount', LEAD_SCORING)).ack.body);
    expect(column).toContain('`sales.orders` has no column `ammount` (did you mean `amount`?)');
    expect(column).toContain('Its columns: order_id, amount, updated_at');
    expect(textOf((await h.command('subscribe sales.orders domain:marketting', LEAD_SCORING)).ack.body)).toContain('did you mean `marketing`');
    expect(textOf((await h.command('impact sales.orders order_idd', LEAD_SCORING)).ack.body)).toContain('did you mean `order_id`');
    expect(await h.svc.service.subscriptions.store.list()).toEqual([]);
  });

  it('subscribe asks for the domain when the channel belongs to none, then subscribes, tells the channel, and the subscription counts in impact and routing', async () => {
    const h = await harness({ files: chainMesh('', ORDERS_SCHEMA), sql: warehouseSql() });
    const ask = await h.command('subscribe sales.orders amount', LEAD_SCORING);
    expect(ask.ack.status).toBe(200);
    expect(textOf(await ask.responded())).toMatch(/Which domain does #lead-scoring belong to\?.*domain:ID/);
    expect(await h.svc.service.subscriptions.store.list()).toEqual([]);

    const ok = await h.command('subscribe sales.orders amount domain:marketing', LEAD_SCORING, 'U0BOB');
    // The acknowledgement is empty and immediate; the answer follows on response_url, to the typer alone.
    expect(ok.ack).toMatchObject({ status: 200, text: '' });
    expect((await ok.responded()).response_type).toBe('ephemeral');
    expect(textOf(await ok.responded())).toContain('#lead-scoring is now subscribed to `sales.orders` (columns amount) as `slack.lead-scoring` (domain marketing)');
    const confirmation = await delivered(h, 'subscribed notification', (n) => n.transition === 'subscribed');
    expect(confirmation).toMatchObject({
      audience: 'consumer',
      channel: '#lead-scoring',
      product: 'sales.orders',
      subscription: { consumer: 'slack.lead-scoring', product: 'sales.orders', columns: ['amount'], channel: '#lead-scoring', domain: 'marketing', requestedBy: 'U0BOB' },
    });

    // In the catalog like a config consumer: whole-product breakage and its own column reach it, another column does not.
    const catalog = h.svc.service.snapshot.catalog;
    expect(impactOf(catalog, 'sales.orders').consumers.find((c) => c.id === 'slack.lead-scoring')).toMatchObject({ domain: 'marketing', businessUnit: 'Marketing', channel: '#lead-scoring' });
    expect(impactOf(catalog, 'crm.customers').consumers.map((c) => c.id)).toContain('slack.lead-scoring');
    expect(impactOf(catalog, 'sales.orders', ['amount']).consumers.map((c) => c.id)).toContain('slack.lead-scoring');
    expect(impactOf(catalog, 'sales.orders', ['order_id']).consumers.map((c) => c.id)).not.toContain('slack.lead-scoring');

    // A channel that is a domain's channel subscribes without naming the domain.
    const finance = await h.command('subscribe crm.customers customer_id domain:sales', FINANCE_DATA);
    const financeText = textOf(await finance.responded());
    expect(financeText).toContain('as `slack.finance-data` (domain finance)');
    expect(financeText).toContain('Note: the config puts this channel in domain finance, so domain:sales was not used; crm.customers declares no schema, so the column names could not be checked.');

    // The next breakage is routed to the subscribed channel by the tick's planner.
    await h.svc.rebuild(warehouseSql({ ordersAgeHours: 5 }));
    await h.svc.tick();
    const alert = h.svc.notifier.delivered.find((n) => n.transition === 'opened' && n.channel === '#lead-scoring');
    expect(alert).toMatchObject({ audience: 'consumer', product: 'sales.orders', consumers: [{ id: 'slack.lead-scoring', domain: 'marketing', businessUnit: 'Marketing', columns: [] }] });
    const producer = h.svc.notifier.delivered.find((n) => n.audience === 'producer' && n.transition === 'opened' && n.product === 'sales.orders');
    expect(producer?.impact?.domains).toContain('marketing');
    // The finance channel subscribed to crm.customers only: fresh, so nothing for it.
    expect(h.svc.notifier.delivered.some((n) => n.channel === '#finance-data' && n.incident !== null)).toBe(false);
  });

  it('a channel subscribing to a product with an open incident gets its consumer alert at once, only when the broken columns are among its own', async () => {
    const h = await harness({ files: chainMesh('', ORDERS_SCHEMA), sql: warehouseSql({ nullOrderIds: 2 }) });
    const incident = await until('incident on sales.orders', async () => (await h.svc.service.engine.listOpen()).find((i) => i.product === 'sales.orders'));
    expect(incident.brokenColumns).toEqual(['order_id']);

    const untouched = await h.command('subscribe sales.orders amount domain:marketing', LEAD_SCORING);
    const untouchedText = textOf(await untouched.responded());
    expect(untouchedText).toContain('now subscribed');
    expect(untouchedText).not.toContain('open incident');
    await delivered(h, 'subscribed', (n) => n.transition === 'subscribed' && n.channel === '#lead-scoring');
    expect(h.svc.notifier.delivered.some((n) => n.channel === '#lead-scoring' && n.incident === incident.id)).toBe(false);

    // Re-subscribing with the broken column: the alert comes now, not at the next tick.
    const hit = await h.command('subscribe sales.orders order_id amount domain:marketing', LEAD_SCORING);
    expect(textOf(await hit.responded())).toContain(`1 open incident already affects it (${incident.id})`);
    const alert = await delivered(h, 'consumer alert at once', (n) => n.channel === '#lead-scoring' && n.incident === incident.id);
    expect(alert).toMatchObject({ audience: 'consumer', transition: 'opened', product: 'sales.orders', columns: ['order_id'], consumers: [{ id: 'slack.lead-scoring', domain: 'marketing', columns: ['order_id'] }] });

    // A channel that already has a message about this incident (#finance-revenue, a config consumer's) gets an update, not a second alert.
    const finance = await h.command('subscribe sales.orders order_id domain:finance', { id: 'C0FINREV0', name: 'finance-revenue' });
    await finance.responded();
    const update = await delivered(h, 'update in #finance-revenue', (n) => n.channel === '#finance-revenue' && n.transition === 'updated');
    expect(update.consumers?.map((c) => c.id)).toEqual(['finance.revenue-dashboard', 'slack.finance-revenue']);
    expect(h.svc.notifier.delivered.filter((n) => n.channel === '#finance-revenue' && n.transition === 'opened')).toHaveLength(1);
  });

  it('subscriptions, unsubscribe (with suggestions), status and impact', async () => {
    const h = await harness({ files: chainMesh('', ORDERS_SCHEMA), sql: warehouseSql({ ordersAgeHours: 5 }) });
    await until('incident', async () => (await h.svc.service.engine.listOpen()).length > 0);
    expect(textOf(await (await h.command('subscriptions', LEAD_SCORING)).responded())).toContain('#lead-scoring has no subscriptions');
    await (await h.command('subscribe sales.orders amount domain:marketing', LEAD_SCORING)).responded();
    await (await h.command('subscribe crm.customers domain:marketing', LEAD_SCORING)).responded();

    const list = textOf(await (await h.command('subscriptions', LEAD_SCORING)).responded());
    expect(list).toContain('#lead-scoring (`slack.lead-scoring`, domain marketing) is subscribed to:');
    expect(list).toContain('`crm.customers`: every column (by <@U0ALICE>');
    expect(list).toContain('`sales.orders`: columns amount');

    const impact = textOf(await (await h.command('impact crm.customers', LEAD_SCORING)).responded());
    expect(impact).toMatch(/If `crm.customers` breaks \(the whole product\): 4 consumers and 1 downstream product/);
    expect(impact).toContain('slack.lead-scoring');

    const status = textOf(await (await h.command('status', LEAD_SCORING)).responded());
    expect(status).toMatch(/1 open incident \(1 root cause\):/);
    expect(status).toMatch(/inc-\d+ `sales.orders`: freshness failing since .* open, not acknowledged/);
    const one = textOf(await (await h.command('status sales.orders', LEAD_SCORING)).responded());
    expect(one).toContain('*sales.orders* (tier open, domain sales)');
    expect(one).toMatch(/FAIL `freshness`: stale/);
    expect(one).toMatch(/PASS `contract.notNull.order_id`/);

    const typo = textOf(await (await h.command('unsubscribe sales.order', LEAD_SCORING)).responded());
    expect(typo).toContain('#lead-scoring is not subscribed to `sales.order` (did you mean `sales.orders`?)');
    const gone = textOf(await (await h.command('unsubscribe sales.orders', LEAD_SCORING, 'U0CAROL')).responded());
    expect(gone).toBe('#lead-scoring is no longer subscribed to `sales.orders`.');
    const unsubscribed = await delivered(h, 'unsubscribed', (n) => n.transition === 'unsubscribed');
    expect(unsubscribed).toMatchObject({ channel: '#lead-scoring', by: 'U0CAROL', subscription: { consumer: 'slack.lead-scoring', product: 'sales.orders' } });
    expect(impactOf(h.svc.service.snapshot.catalog, 'sales.orders').consumers.map((c) => c.id)).not.toContain('slack.lead-scoring');

    const history = await h.svc.service.subscriptions.store.history();
    expect(history.map((e) => `${e.kind} ${e.product} ${e.by}`)).toEqual(['unsubscribed sales.orders U0CAROL', 'subscribed crm.customers U0ALICE', 'subscribed sales.orders U0ALICE']);
  });

  it('restricted products show no observed values in status', async () => {
    const files = chainMesh('', ORDERS_SCHEMA);
    files['products/orders.yaml'] = files['products/orders.yaml']!.replace('tier: open', 'tier: restricted');
    const h = await harness({ files, sql: warehouseSql({ ordersAgeHours: 5, nullOrderIds: 3 }) });
    await until('incident', async () => (await h.svc.service.engine.listOpen()).length > 0);
    const status = textOf(await (await h.command('status sales.orders', LEAD_SCORING)).responded());
    expect(status).toContain('tier restricted');
    expect(status).toMatch(/FAIL `freshness` \(/);
    expect(status).toMatch(/FAIL `contract.notNull.order_id` \(/);
    expect(status).not.toMatch(/stale|rows|max\(| 3 /);
  });
});

describe('Slack app: buttons', () => {
  it('acknowledge, snooze and resolve act on the incident with the Slack user as who and the time as when', async () => {
    const h = await harness({ files: chainMesh('', ORDERS_SCHEMA), sql: warehouseSql({ ordersAgeHours: 5 }) });
    const incident = await until('incident', async () => (await h.svc.service.engine.listOpen()).find((i) => i.product === 'sales.orders'));
    const before = Date.now();

    const ack = await h.click(SLACK_ACTIONS.acknowledge, { incident: incident.id }, 'U0ALICE');
    expect(ack.ack.status).toBe(200);
    const acked = await until('acknowledged', async () => {
      const r = await h.svc.service.engine.get(incident.id);
      return r?.state === 'acknowledged' ? r : undefined;
    });
    expect(acked.acknowledgedBy).toBe('U0ALICE');
    expect(Date.parse(acked.acknowledgedAt!)).toBeGreaterThanOrEqual(before - 1000);
    const told = await delivered(h, 'acknowledged notifications', (n) => n.transition === 'acknowledged' && n.audience === 'producer');
    expect(told).toMatchObject({ incident: incident.id, by: 'U0ALICE', channel: '#sales-data' });
    await delivered(h, 'acknowledged to consumers', (n) => n.transition === 'acknowledged' && n.audience === 'consumer' && n.channel === '#finance-revenue');

    await h.click(SLACK_ACTIONS.snooze1h, { incident: incident.id }, 'U0BOB');
    const snoozed = await until('snoozed', async () => {
      const r = await h.svc.service.engine.get(incident.id);
      return r?.state === 'snoozed' ? r : undefined;
    });
    expect(snoozed.snoozedBy).toBe('U0BOB');
    const hour = Date.parse(snoozed.snoozedUntil!) - Date.parse(snoozed.snoozedAt!);
    expect(hour).toBe(3_600_000);

    await h.click(SLACK_ACTIONS.resolve, { incident: incident.id }, 'U0CAROL');
    const resolved = await until('resolved', async () => {
      const r = await h.svc.service.engine.get(incident.id);
      return r?.state === 'resolved' ? r : undefined;
    });
    expect(resolved.resolvedBy).toBe('U0CAROL');
    await delivered(h, 'resolved notification', (n) => n.transition === 'resolved' && n.by === 'U0CAROL');

    // A click on an old message: answered to the clicker alone, nothing changes.
    const again = await h.click(SLACK_ACTIONS.snooze24h, { incident: incident.id }, 'U0DAVE');
    const answer = await until('ephemeral answer', () => again.responses()[0]);
    expect(answer).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(textOf(answer)).toMatch(/Could not do that: cannot snooze inc-\d+: it is resolved/);
    expect((await h.svc.service.engine.get(incident.id))?.state).toBe('resolved');
  });
});

describe('Slack app: approvals for restricted products', () => {
  function restrictedMesh(approvals: string): Record<string, string> {
    const files = chainMesh(approvals, ORDERS_SCHEMA);
    files['products/orders.yaml'] = files['products/orders.yaml']!.replace('tier: open', 'tier: restricted');
    return files;
  }
  const GOVERNANCE = { id: 'S0GOVERN1', handle: 'governance', name: 'Data governance', users: ['U0GOVAN'] };

  it('a subscription request waits for an approver; a click by someone else is refused and recorded; approval subscribes and tells the requester', async () => {
    const h = await harness({
      files: restrictedMesh('approvals: { channel: "#data-approvals", approvers: ["@governance", "U0BOSS01"] }\n'),
      sql: warehouseSql({ ordersAgeHours: 5 }),
      fake: { usergroups: [GOVERNANCE] },
    });
    const incident = await until('incident', async () => (await h.svc.service.engine.listOpen()).find((i) => i.product === 'sales.orders'));

    const asked = textOf(await (await h.command('subscribe sales.orders order_id domain:marketing', LEAD_SCORING, 'U0BOB')).responded());
    expect(asked).toContain('`sales.orders` is restricted: I asked for approval in #data-approvals (request apr-1)');
    const request = await delivered(h, 'approval request', (n) => n.transition === 'approval_requested');
    expect(request).toMatchObject({
      audience: 'producer',
      channel: '#data-approvals',
      approval: { request: 'apr-1', product: 'sales.orders', columns: ['order_id'], requesterChannel: '#lead-scoring', requestedBy: 'U0BOB', domain: 'marketing' },
    });
    expect(request.approval?.decision).toBeUndefined();
    expect(textOf(await (await h.command('subscriptions', LEAD_SCORING)).responded())).toContain(
      '#lead-scoring has no subscriptions. `/meshwatch subscribe PRODUCT` adds one.\n• `sales.orders`: waiting for approval in #data-approvals (request apr-1, asked by <@U0BOB>)',
    );
    // Not subscribed yet: no impact, no alert.
    expect(impactOf(h.svc.service.snapshot.catalog, 'sales.orders').consumers.map((c) => c.id)).not.toContain('slack.lead-scoring');
    // Asking again does not make a second request.
    expect(textOf(await (await h.command('subscribe sales.orders order_id domain:marketing', LEAD_SCORING, 'U0BOB')).responded())).toContain('already asked');

    const mallory = await h.click(SLACK_ACTIONS.approve, { request: 'apr-1' }, 'U0MALLORY');
    const refusal = await until('refusal', () => mallory.responses()[0]);
    expect(refusal).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(textOf(refusal)).toContain('Only approvers may decide this request (@governance, <@U0BOSS01>)');
    const store = h.svc.service.subscriptions.store;
    const pending = await store.approval('apr-1');
    expect(pending?.state).toBe('pending');
    expect(pending?.refused.map((r) => r.by)).toEqual(['U0MALLORY']);
    expect(await store.list()).toEqual([]);
    expect(h.fake.callsTo('usergroups.users.list').map((c) => c.args.usergroup)).toContain('S0GOVERN1');

    const approve = await h.click(SLACK_ACTIONS.approve, { request: 'apr-1' }, 'U0GOVAN');
    expect(approve.ack.status).toBe(200);
    const toRequester = await delivered(h, 'outcome to the requester', (n) => n.transition === 'approval_decided' && n.channel === '#lead-scoring');
    expect(toRequester).toMatchObject({ audience: 'consumer', approval: { request: 'apr-1', decision: 'approved', decidedBy: 'U0GOVAN' } });
    // One outcome notification; the Slack notifier updates the request message from it.
    expect(h.svc.notifier.delivered.filter((n) => n.transition === 'approval_decided')).toHaveLength(1);
    const decided = await store.approval('apr-1');
    expect(decided).toMatchObject({ state: 'approved', decidedBy: 'U0GOVAN' });
    expect(Date.parse(decided!.decidedAt!)).toBeGreaterThan(0);
    const [subscription] = await store.list();
    expect(subscription).toMatchObject({ consumer: 'slack.lead-scoring', product: 'sales.orders', columns: ['order_id'], approval: { request: 'apr-1', decidedBy: 'U0GOVAN' } });
    // Subscribed after approval: it counts, and the open incident reaches it at once.
    await delivered(h, 'subscribed after approval', (n) => n.transition === 'subscribed' && n.channel === '#lead-scoring');
    await delivered(h, 'open incident told at once', (n) => n.channel === '#lead-scoring' && n.incident === incident.id && n.transition === 'opened');

    // A second decision is refused: the first one stands.
    const late = await h.click(SLACK_ACTIONS.deny, { request: 'apr-1' }, 'U0BOSS01');
    expect(textOf(await until('late answer', () => late.responses()[0]))).toContain('already approved by <@U0GOVAN>');
    expect((await store.approval('apr-1'))?.state).toBe('approved');

    const kinds = (await store.history()).map((e) => `${e.kind} ${e.by}`);
    expect(kinds).toEqual(['subscribed U0BOB', 'approval_decided U0GOVAN', 'approval_refused U0MALLORY', 'approval_requested U0BOB']);
  });

  it('without approvers the producer domain on-call group decides; a denial subscribes nobody and tells the requester', async () => {
    const files = restrictedMesh('');
    files['meshwatch.yaml'] = files['meshwatch.yaml']!.replace('slackChannel: "#sales-data" }', 'slackChannel: "#sales-data", oncall: "@sales-oncall" }');
    const h = await harness({
      files,
      sql: warehouseSql(),
      fake: { usergroups: [{ id: 'S0SALESON', handle: 'sales-oncall', name: 'Sales on call', users: ['U0ONCALL'] }] },
    });
    const asked = textOf(await (await h.command('subscribe sales.orders domain:marketing', LEAD_SCORING, 'U0BOB')).responded());
    expect(asked).toContain('I asked for approval in #sales-data (request apr-1)');
    await delivered(h, 'request in the producer channel', (n) => n.transition === 'approval_requested' && n.channel === '#sales-data');

    const outsider = await h.click(SLACK_ACTIONS.deny, { request: 'apr-1' }, 'U0GOVAN');
    expect(textOf(await until('refusal', () => outsider.responses()[0]))).toContain('Only approvers may decide this request (@sales-oncall)');

    const deny = await h.click(SLACK_ACTIONS.deny, { request: 'apr-1' }, 'U0ONCALL');
    const outcome = await delivered(h, 'denial to the requester', (n) => n.transition === 'approval_decided' && n.channel === '#lead-scoring');
    expect(outcome.approval).toMatchObject({ decision: 'denied', decidedBy: 'U0ONCALL' });
    const store = h.svc.service.subscriptions.store;
    expect(await store.list()).toEqual([]);
    expect(h.svc.notifier.delivered.some((n) => n.transition === 'subscribed')).toBe(false);
    expect(deny.responses()).toEqual([]);
    // Denied can be asked again: a new request.
    expect(textOf(await (await h.command('subscribe sales.orders domain:marketing', LEAD_SCORING, 'U0BOB')).responded())).toContain('(request apr-2)');
  });

  it('with no approvals channel and a producer domain without a channel the request goes to the platform channel; with none at all it is refused and nothing is made', async () => {
    // A loaded config always gives a domain a channel; a domain from elsewhere (the type allows it) may not: the mesh is changed underneath the app.
    const h = await harness({ files: restrictedMesh(''), sql: warehouseSql() });
    const real = h.svc.service.snapshot;
    const catalog = Object.create(real.catalog) as typeof real.catalog;
    catalog.domain = (id: string) => {
      const d = real.catalog.domain(id);
      if (!d) return d;
      const { slackChannel: _dropped, ...rest } = d;
      return rest;
    };
    const mesh = (platform: string | undefined) => () => ({
      config: { ...real.config, workspace: { ...real.config.workspace, platform: platform ? { slackChannel: platform } : {} } },
      catalog,
    });
    const deps = slackInteractionDeps(h.svc.service, { logger: createLogger({ level: 'silent' }), usergroupMembers: async () => undefined });
    const input = { text: 'subscribe sales.orders domain:marketing', channelId: LEAD_SCORING.id, channelName: LEAD_SCORING.name, userId: 'U0BOB' };
    const store = h.svc.service.subscriptions.store;

    const nowhere = new SlackInteractions({ ...deps, mesh: mesh(undefined) }).command(input);
    const refused = await nowhere.later!();
    expect(refused.text).toContain('`sales.orders` is restricted, and there is no channel to ask for approval in: set `approvals.channel`');
    expect(refused.text).toContain('No request was made.');
    expect(await store.approval('apr-1')).toBeUndefined();

    const toPlatform = await new SlackInteractions({ ...deps, mesh: mesh('#data-platform') }).command(input).later!();
    expect(toPlatform.text).toContain('I asked for approval in #data-platform (request apr-1)');
    expect((await store.approval('apr-1'))?.approvalChannel).toBe('#data-platform');
    const request = await delivered(h, 'request in the platform channel', (n) => n.transition === 'approval_requested');
    expect(request.channel).toBe('#data-platform');
    // The notify queue delivers in order: the refused request put nothing before this one.
    expect(h.svc.notifier.delivered.filter((n) => n.transition === 'approval_requested')).toHaveLength(1);
  });
});

describe('Slack subscriptions across reloads and replicas', () => {
  it('a config reload keeps the subscriptions in the catalog', async () => {
    const h = await harness({ files: chainMesh('', ORDERS_SCHEMA), sql: warehouseSql() });
    await (await h.command('subscribe sales.orders domain:marketing', LEAD_SCORING)).responded();
    await writeFile(`${h.svc.dir}/consumers/extra.yaml`, 'consumers:\n  - { id: crm.audit, domain: crm, uses: [sales.orders] }\n');
    expect(await h.svc.service.reload()).toBe(true);
    const ids = impactOf(h.svc.service.snapshot.catalog, 'sales.orders').consumers.map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['crm.audit', 'slack.lead-scoring']));
  });

  it('a subscription made through one replica routes the alerts of a tick run by another', async () => {
    const prefix = testPrefix('slack-replicas');
    cleanups.push(() => deletePrefix(redisUrl(), prefix));
    // Replica B runs the workers; the Slack app's replica A only schedules.
    const a = await harness({ files: chainMesh('', ORDERS_SCHEMA), sql: warehouseSql(), prefix, keepKeys: true, extra: { noWorkers: true } });
    const b = await startTestService({ files: {}, dir: a.svc.dir, prefix, keepKeys: true });
    cleanups.push(() => b.stop());
    await (await a.command('subscribe sales.orders domain:marketing', LEAD_SCORING)).responded();
    await b.rebuild(warehouseSql({ ordersAgeHours: 5 }));
    await b.tick();
    const alert = b.notifier.delivered.find((n) => n.channel === '#lead-scoring' && n.transition === 'opened');
    expect(alert?.consumers?.map((c) => c.id)).toEqual(['slack.lead-scoring']);
  });
});

describe('Slack app and Slack notifier together', () => {
  type Block = { type: string; elements?: Array<{ type: string; action_id?: string; value?: string }> };
  function button(blocks: unknown[] | undefined, actionId: string): { action_id: string; value: string } | undefined {
    for (const block of (blocks ?? []) as Block[]) {
      for (const e of block.elements ?? []) if (e.type === 'button' && e.action_id === actionId && e.value) return { action_id: e.action_id, value: e.value };
    }
    return undefined;
  }

  it('the buttons Slack shows act: Acknowledge on the producer alert updates it; Approve on the request, refused for an outsider, subscribes and closes the request', async () => {
    const files = chainMesh('approvals: { channel: "#data-approvals", approvers: ["@governance"] }\n', ORDERS_SCHEMA);
    files['products/orders.yaml'] = files['products/orders.yaml']!.replace('tier: open', 'tier: restricted');
    const h = await harness({
      files,
      sql: warehouseSql({ ordersAgeHours: 5 }),
      slackNotifier: true,
      fake: { usergroups: [{ id: 'S0GOVERN1', handle: 'governance', name: 'Data governance', users: ['U0GOVAN'] }] },
    });
    const alert = await until('producer alert in #sales-data', () => h.fake.messages('sales-data').find((m) => button(m.blocks, SLACK_ACTIONS.acknowledge)));
    const ack = button(alert.blocks, SLACK_ACTIONS.acknowledge)!;
    await h.click(ack.action_id, JSON.parse(ack.value) as Record<string, string>, 'U0ALICE');
    await until('producer alert updated', () => alert.updates > 0 && JSON.stringify(alert.blocks).includes('U0ALICE'));
    expect((await h.svc.service.engine.listOpen()).find((i) => i.product === 'sales.orders')?.acknowledgedBy).toBe('U0ALICE');

    await (await h.command('subscribe sales.orders order_id domain:marketing', LEAD_SCORING, 'U0BOB')).responded();
    const request = await until('approval request in #data-approvals', () => h.fake.messages('data-approvals').find((m) => button(m.blocks, SLACK_ACTIONS.approve)));
    const approve = button(request.blocks, SLACK_ACTIONS.approve)!;
    expect(JSON.parse(approve.value)).toEqual({ request: 'apr-1' });

    const outsider = await h.click(approve.action_id, JSON.parse(approve.value) as Record<string, string>, 'U0MALLORY');
    expect(textOf(await until('refusal', () => outsider.responses()[0]))).toContain('Only approvers may decide');
    expect(request.updates).toBe(0);

    await h.click(approve.action_id, JSON.parse(approve.value) as Record<string, string>, 'U0GOVAN');
    await until('request closed: no buttons left', () => request.updates > 0 && !button(request.blocks, SLACK_ACTIONS.approve));
    expect(JSON.stringify(request.blocks)).toContain('U0GOVAN');
    // The requester's channel: the outcome, the confirmation, and the open incident's consumer alert.
    await until('three messages in #lead-scoring', () => h.fake.messages('lead-scoring').length >= 3);
    const texts = h.fake.messages('lead-scoring').map((m) => m.text ?? '');
    expect(texts).toEqual([
      expect.stringMatching(/^.+ Subscription to sales\.orders approved\./),
      expect.stringMatching(/^.+ Subscribed to sales\.orders\./),
      expect.stringMatching(/Upstream breakage: sales\.orders is stale.*Affects your slack\.lead-scoring/),
    ]);
  });

  /** The first row button (a section accessory) of the tier review. */
  function rowButton(blocks: unknown[] | undefined): { action_id: string; value: string } | undefined {
    for (const block of (blocks ?? []) as Array<{ accessory?: { action_id?: string; value?: string } }>) {
      if (block.accessory?.action_id === SLACK_ACTIONS.tierStillRight && block.accessory.value) return { action_id: block.accessory.action_id, value: block.accessory.value };
    }
    return undefined;
  }

  it('a rate-limited chat.update from a click is not waited out: Bolt\'s client rejects the 429, and the person gets the answer at once', async () => {
    const files = chainMesh('approvals: { approvers: ["U0STEWARD"] }\n', ORDERS_SCHEMA);
    const h = await harness({ files, sql: warehouseSql(), slackNotifier: true });
    const { catalog } = h.svc.service.snapshot;
    const dueMs = Date.parse('2026-03-02T09:00:00Z');
    await enqueueNotifications(h.svc.service.queue.notify, tierReviewNotifications(catalog, tierReviewsDue(catalog, new Date(dueMs)), dueMs), DEFAULT_TUNING);
    const posted = await until('tier review in #sales-data', () => h.fake.messages('sales-data').find((m) => rowButton(m.blocks)));
    // Retry-After 1 s: a client that honours it retries and succeeds, and the person is never answered.
    h.fake.script('chat.update', { kind: 'rateLimit', retryAfter: 1 }, 1, (args) => args.ts === posted.ts);
    const click = await h.click(SLACK_ACTIONS.tierStillRight, { product: 'sales.orders' }, 'U0STEWARD', { id: posted.channel, name: 'sales-data' }, { ts: posted.ts, text: posted.text, blocks: posted.blocks! });
    const answer = await until('answer to the click', () => click.responses()[0]);
    expect(answer).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(textOf(answer)).toContain('sales.orders');
    const updates = h.fake.callsTo('chat.update').filter((c) => c.args.ts === posted.ts);
    expect(updates.map((c) => c.status)).toEqual([429]);
    expect(posted.updates).toBe(0);
    // The review itself was recorded: only the message could not be changed.
    expect((await new TierReviewStore(h.svc.service.connection, new RedisKeys(h.svc.service.prefix)).latest()).get('sales.orders')?.by).toBe('U0STEWARD');
  });

  it('"tier still right" from the tier review Slack shows: on call records it and the row says who; an outsider is refused; a second click records nothing new', async () => {
    const files = chainMesh('governance: { repoUrl: "https://git.example.com/mesh/blob/main" }\napprovals: { approvers: ["U0STEWARD"] }\n', ORDERS_SCHEMA);
    files['meshwatch.yaml'] = files['meshwatch.yaml']!.replace('slackChannel: "#sales-data" }', 'slackChannel: "#sales-data", oncall: "@sales-oncall" }');
    const h = await harness({
      files,
      sql: warehouseSql(),
      slackNotifier: true,
      fake: { usergroups: [{ id: 'S0SALESON', handle: 'sales-oncall', name: 'Sales on call', users: ['U0ONCALL'] }] },
    });
    const { catalog } = h.svc.service.snapshot;
    const dueMs = Date.parse('2026-03-02T09:00:00Z');
    await enqueueNotifications(h.svc.service.queue.notify, tierReviewNotifications(catalog, tierReviewsDue(catalog, new Date(dueMs)), dueMs), DEFAULT_TUNING);
    const posted = await until('tier review in #sales-data', () => h.fake.messages('sales-data').find((m) => rowButton(m.blocks)));
    const original = JSON.parse(JSON.stringify(posted.blocks)) as unknown[];
    const tierButton = rowButton(posted.blocks)!;
    expect(JSON.parse(tierButton.value)).toEqual({ product: 'sales.orders' });
    expect(JSON.stringify(posted.blocks)).toContain('<https://git.example.com/mesh/blob/main/products/orders.yaml|products/orders.yaml>');
    const channel = { id: posted.channel, name: 'sales-data' };
    const onMessage = { ts: posted.ts, text: posted.text, blocks: original };
    const store = new TierReviewStore(h.svc.service.connection, new RedisKeys(h.svc.service.prefix));

    const outsider = await h.click(SLACK_ACTIONS.tierStillRight, { product: 'sales.orders' }, 'U0MALLORY', channel, onMessage);
    const refusal = await until('refusal', () => outsider.responses()[0]);
    expect(refusal).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(textOf(refusal)).toContain("Only the owners' on-call group and the approvers may confirm the tier of `sales.orders` (@sales-oncall, <@U0STEWARD>). Nothing was recorded.");
    expect((await store.latest()).size).toBe(0);
    expect(posted.updates).toBe(0);

    const unknown = await h.click(SLACK_ACTIONS.tierStillRight, { product: 'sales.ordrs' }, 'U0ONCALL', channel, onMessage);
    expect(textOf(await until('unknown product', () => unknown.responses()[0]))).toContain('There is no product `sales.ordrs` any more (did you mean `sales.orders`?)');

    const owner = await h.click(SLACK_ACTIONS.tierStillRight, { product: 'sales.orders' }, 'U0ONCALL', channel, onMessage);
    await until('row marked', () => posted.updates > 0 && JSON.stringify(posted.blocks).includes('Tier confirmed by <@U0ONCALL>'));
    const review = (await store.latest()).get('sales.orders');
    expect(review?.by).toBe('U0ONCALL');
    expect(Date.parse(review!.at)).toBeGreaterThan(0);
    // The row lost its button (the golden test shows other rows keep theirs); the message itself is the answer.
    expect(rowButton(posted.blocks)).toBeUndefined();
    expect(JSON.stringify(posted.blocks)).toContain('products/orders.yaml');
    expect(owner.responses()).toEqual([]);
    // No longer due.
    expect(tierReviewsDue(catalog, new Date(), await store.latest()).map((d) => d.product)).not.toContain('sales.orders');

    // The same button again (a stale copy of the message): told, nothing new recorded.
    const again = await h.click(SLACK_ACTIONS.tierStillRight, { product: 'sales.orders' }, 'U0ONCALL', channel, onMessage);
    expect(textOf(await until('second click answer', () => again.responses()[0]))).toMatch(/already confirmed by <@U0ONCALL> at .* UTC; the next review is due \d{4}-\d{2}-\d{2}\. Nothing new was recorded\./);
    expect(await store.history('sales.orders')).toHaveLength(1);

    // crm has no on-call group: an approver may confirm its tier.
    const crm = await until('tier review in #crm-data', () => h.fake.messages('crm-data').find((m) => rowButton(m.blocks)));
    // Sales' on-call group is not crm's.
    const notCrm = await h.click(SLACK_ACTIONS.tierStillRight, { product: 'crm.customers' }, 'U0ONCALL', { id: crm.channel, name: 'crm-data' }, { ts: crm.ts, text: crm.text, blocks: crm.blocks! });
    expect(textOf(await until('crm refusal', () => notCrm.responses()[0]))).toContain('(<@U0STEWARD>). Nothing was recorded.');
    await h.click(SLACK_ACTIONS.tierStillRight, { product: 'crm.customers' }, 'U0STEWARD', { id: crm.channel, name: 'crm-data' }, { ts: crm.ts, text: crm.text, blocks: crm.blocks! });
    await until('crm row marked', () => JSON.stringify(crm.blocks).includes('Tier confirmed by <@U0STEWARD>'));
    expect((await store.latest()).get('crm.customers')?.by).toBe('U0STEWARD');
  });
});
