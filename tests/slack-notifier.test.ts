/**
 * The Slack notifier end to end: `meshwatch serve`'s service on a real Redis
 * and DuckDB, delivering through the real @slack/web-api client to the fake
 * Slack Web API server. Retry delays are shrunk through the job tuning, so a
 * 429 storm or an outage is scripted, not waited out in real time.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveSlackSettings } from '../config/slack.js';
import { createSlackNotifier, type SlackNotifier } from '../notifier/slack/index.js';
import type { NotifierContext } from '../scheduler/service.js';
import { operateIncident } from '../scheduler/operations.js';
import { DEFAULT_TUNING } from '../scheduler/queues.js';
import { enqueueNotifications } from '../scheduler/tick.js';
import { CHAIN_WORKSPACE, chainMesh, warehouseSql, type ChainState } from './support/chain-mesh.js';
import { FakeSlackApi, type FakeMessage, type FakeSlackOptions } from './support/fake-slack-api.js';
import { drained, startTestService, until, type TestService } from './support/service.js';

interface Harness {
  readonly s: TestService;
  readonly slack: FakeSlackApi;
  notifier(): SlackNotifier;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const WORKSPACE = `statusUrl: https://status.example.com\n${CHAIN_WORKSPACE.replace('slackChannel: "#sales-data" }', 'slackChannel: "#sales-data", oncall: "@sales-oncall" }')}`;

function mesh(options: { ordersTier?: 'open' | 'limited' | 'restricted' } = {}): Record<string, string> {
  const files = chainMesh();
  return {
    ...files,
    'meshwatch.yaml': WORKSPACE,
    'products/orders.yaml': files['products/orders.yaml']!.replace('tier: open', `tier: ${options.ordersTier ?? 'open'}`),
    // Reads only `amount`: a broken order_id is not its business.
    'consumers/amounts.yaml': `consumers:
  - id: marketing.amount-watch
    domain: marketing
    slackChannel: "#amount-watch"
    uses:
      - { product: sales.orders, columns: [amount] }
`,
  };
}

async function harness(state: ChainState, options: { slack?: FakeSlackOptions; ordersTier?: 'open' | 'limited' | 'restricted' } = {}): Promise<Harness> {
  const slack = await FakeSlackApi.start({ usergroups: [{ id: 'S0SALES', handle: 'sales-oncall', name: 'Sales on call', users: ['U0ALICE'] }], ...options.slack });
  cleanups.push(() => slack.close());
  return harnessWith(slack, state, options.ordersTier ? { ordersTier: options.ordersTier } : {});
}

function texts(messages: readonly FakeMessage[]): string {
  return messages.map((m) => `${m.text}\n${JSON.stringify(m.blocks)}`).join('\n');
}

function producerOf(slack: FakeSlackApi, channel: string): FakeMessage | undefined {
  return slack.messages(channel).find((m) => m.metadata?.event_payload.audience === 'producer');
}

function consumerOf(slack: FakeSlackApi, channel: string): FakeMessage | undefined {
  return slack.messages(channel).find((m) => m.metadata?.event_payload.audience === 'consumer');
}

async function operate(h: Harness, id: string, operation: 'ack' | 'resolve' | 'snooze', by: string): Promise<void> {
  const { s } = h;
  await operateIncident(
    { redis: s.service.connection, prefix: s.prefix, catalog: s.service.snapshot.catalog, retentionMs: s.service.snapshot.config.workspace.history.maxAgeMs },
    id,
    operation,
    by,
    new Date(),
    operation === 'snooze' ? new Date(Date.now() + 3_600_000) : undefined,
  );
  await drained(s.service.queue.notify);
}

describe('Slack notifier: the story', () => {
  it('a planted breakage: one producer message, one per hurt consumer channel, none where the columns are untouched; ack updates both; recovery in the threads', async () => {
    const h = await harness({ nullOrderIds: 2 });
    const { slack, s } = h;
    expect(s.service.notifierName).toBe('slack');
    const [incident] = await s.service.engine.listOpen();
    expect(incident?.checks).toEqual(['contract.notNull.order_id']);

    // #sales-data: the producer alert and the consumer alert of sales.ops-report.
    expect(slack.messages('#sales-data').map((m) => m.metadata?.event_payload.audience).sort()).toEqual(['consumer', 'producer']);
    expect(slack.messages('#finance-revenue')).toHaveLength(1);
    expect(slack.messages('#amount-watch')).toHaveLength(0);
    expect(slack.messages('#marketing-data')).toHaveLength(0);

    const producer = producerOf(slack, '#sales-data')!;
    const producerText = texts([producer]);
    expect(producer.text).toContain('sales.orders fails contract.notNull.order_id');
    expect(producerText).toContain('2 rows');
    expect(producerText).toContain('Who is hurt: 2 consumers in 2 domains of 2 business units');
    expect(producerText).toContain('finance.revenue-dashboard');
    expect(producerText).not.toContain('marketing.amount-watch');
    expect(producerText).toContain('<!subteam^S0SALES|@sales-oncall>');
    expect(producerText).toContain('https://status.example.com/products/sales.orders');
    const actions = (producer.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value?: string }> }>).find((b) => b.type === 'actions')!;
    expect(actions.elements!.map((e) => e.action_id)).toEqual(['meshwatch.ack', 'meshwatch.snooze.1h', 'meshwatch.snooze.24h', 'meshwatch.resolve', 'meshwatch.open_status']);
    expect(JSON.parse(actions.elements![0]!.value!)).toEqual({ incident: incident!.id });
    expect(producer.metadata).toMatchObject({ event_type: 'meshwatch_notification', event_payload: { incident: incident!.id, audience: 'producer', transition: 'opened' } });

    const finance = slack.messages('#finance-revenue')[0]!;
    expect(finance.text).toContain('Upstream breakage: sales.orders fails contract.notNull.order_id (owned by Sales, Retail)');
    expect(texts([finance])).toContain('finance.revenue-dashboard, which reads order_id');

    // Repeats of the same failure say nothing new.
    await s.tick();
    expect(slack.callsTo('chat.postMessage')).toHaveLength(3);

    await operate(h, incident!.id, 'ack', 'U0ALICE');
    expect(producerOf(slack, '#sales-data')!.updates).toBe(1);
    expect(texts([producerOf(slack, '#sales-data')!])).toContain('Acknowledged* by <@U0ALICE>');
    expect(slack.messages('#finance-revenue')[0]!.updates).toBe(1);
    expect(texts(slack.replies('#finance-revenue', finance.ts))).toContain('Acknowledged by <@U0ALICE>');
    expect(texts(slack.replies('#sales-data', producer.ts))).toContain('Acknowledged by <@U0ALICE>');
    // chat.update went to the channel id Slack answered, not the name.
    expect(slack.callsTo('chat.update').every((c) => /^C\d+$/.test(String(c.args.channel)))).toBe(true);

    await s.rebuild(warehouseSql());
    await s.tick();
    const resolvedProducer = producerOf(slack, '#sales-data')!;
    expect(resolvedProducer.text).toContain('Resolved');
    expect(slack.replies('#sales-data', producer.ts).filter((m) => m.text?.includes('Resolved at'))).toHaveLength(1);
    expect(texts(slack.replies('#finance-revenue', finance.ts))).toContain('You can trust sales.orders again');
    expect(texts(slack.replies('#sales-data', consumerOf(slack, '#sales-data')!.ts))).toContain('Resolved at');
    // Every message was posted once: 3 alerts, 3 ack replies, 3 recovery replies.
    expect(slack.callsTo('chat.postMessage')).toHaveLength(9);
  });

  it('a caused downstream failure updates the consumer messages instead of adding new ones', async () => {
    const h = await harness({ customersAgeHours: 5 });
    const { slack, s } = h;
    const root = await s.service.engine.currentOf('crm.customers');
    for (const channel of ['#finance-revenue', '#marketing-data']) expect(slack.messages(channel)).toHaveLength(1);
    const financeBefore = slack.messages('#finance-revenue')[0]!;
    expect(financeBefore.text).toContain('Upstream breakage: crm.customers is stale');
    expect(texts([financeBefore])).toContain('via sales.orders');

    await s.rebuild(warehouseSql({ customersAgeHours: 5, ordersAgeHours: 5 }));
    await s.tick();
    const orders = await s.service.engine.currentOf('sales.orders');
    expect(orders?.root).toBe(root!.id);
    expect(slack.messages('#finance-revenue')).toHaveLength(1);
    expect(slack.messages('#finance-revenue')[0]!.updates).toBe(1);
    expect(texts(slack.messages('#finance-revenue'))).toContain('Also affected: sales.orders');
    // The downstream producer hears of its own failure, with the upstream root named.
    const caused = producerOf(slack, '#sales-data')!;
    expect(caused.text).toContain('sales.orders is stale, probably because upstream crm.customers is stale');
    expect(texts([caused])).toContain('Nothing to do unless it stays broken after crm.customers recovers');
  });
});

describe('Slack notifier: producer updates', () => {
  it('a new failing check updates the producer alert in place', async () => {
    const h = await harness({ ordersAgeHours: 5 });
    const before = producerOf(h.slack, '#sales-data')!;
    expect(before.text).toContain('sales.orders is stale');
    await h.s.rebuild(warehouseSql({ ordersAgeHours: 5, nullOrderIds: 2 }));
    await h.s.tick();
    expect(h.slack.messages('#sales-data').filter((m) => m.metadata?.event_payload.audience === 'producer')).toHaveLength(1);
    const after = producerOf(h.slack, '#sales-data')!;
    expect(after.updates).toBe(1);
    expect(after.text).toContain('sales.orders is stale and fails contract.notNull.order_id');
    expect(texts([after])).toContain('2 rows');
  });
});

describe('Slack notifier: deleted messages', () => {
  it('an alert someone deleted is posted again on the next change, a reminder too, with the reminder in the new alert\'s thread', async () => {
    const h = await harness({ ordersAgeHours: 5 });
    const [incident] = await h.s.service.engine.listOpen();
    const first = producerOf(h.slack, '#sales-data')!;
    h.slack.deleteMessage('#sales-data', first.ts);
    await operate(h, incident!.id, 'ack', 'U0ALICE');
    const again = producerOf(h.slack, '#sales-data')!;
    expect(again.ts).not.toBe(first.ts);
    expect(texts([again])).toContain('Acknowledged* by <@U0ALICE>');
    expect(h.slack.replies('#sales-data', again.ts)).toHaveLength(1);

    h.slack.deleteMessage('#sales-data', again.ts);
    await h.notifier().deliver({
      type: 'notification',
      id: `${incident!.id}-producer-reminder-8`,
      incident: incident!.id,
      product: 'sales.orders',
      rootCause: 'sales.orders',
      audience: 'producer',
      channel: '#sales-data',
      transition: 'reminder',
      at: new Date().toISOString(),
    });
    const reposted = producerOf(h.slack, '#sales-data')!;
    expect(reposted.ts).not.toBe(again.ts);
    expect(h.slack.replies('#sales-data', reposted.ts).map((m) => m.text)).toEqual([expect.stringContaining('Still open')]);
  });

  it('a reminder updates the open alert in place ("Reminded at …, unacknowledged for …") and pings on call in its thread', async () => {
    const h = await harness({ ordersAgeHours: 5 });
    const [incident] = await h.s.service.engine.listOpen();
    const producer = producerOf(h.slack, '#sales-data')!;
    expect(texts([producer])).toContain('not yet acknowledged');
    const at = new Date(Date.parse(incident!.openedAt) + 2 * 3_600_000 + 5 * 60_000);
    await h.notifier().deliver({
      type: 'notification',
      id: `${incident!.id}-producer-reminder-3`,
      incident: incident!.id,
      product: 'sales.orders',
      rootCause: 'sales.orders',
      audience: 'producer',
      channel: '#sales-data',
      transition: 'reminder',
      at: at.toISOString(),
    });
    const updated = producerOf(h.slack, '#sales-data')!;
    expect(updated.ts).toBe(producer.ts);
    expect(texts([updated])).toMatch(/Reminded at \d\d:\d\d\*, unacknowledged for 2 h 05 min/);
    const replies = h.slack.replies('#sales-data', producer.ts);
    expect(replies).toHaveLength(1);
    expect(texts([replies[0]!])).toContain('Still open and not acknowledged');
    expect(texts([replies[0]!])).toContain('<!subteam^S0SALES|@sales-oncall>');
    expect(h.slack.messages('#sales-data')).toHaveLength(2);
  });
});

describe('Slack notifier: delivery when Slack misbehaves', () => {
  it('a 429 storm and 5xx answers still deliver every message exactly once', async () => {
    const slack = await FakeSlackApi.start();
    cleanups.push(() => slack.close());
    slack.script('chat.postMessage', { kind: 'rateLimit', retryAfter: 3 }, 8);
    slack.script('chat.postMessage', { kind: 'status', status: 503 }, 3);
    const h = await harnessWith(slack, { ordersAgeHours: 5 });
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.status === 429)).toHaveLength(8);
    for (const channel of ['#finance-revenue', '#sales-data']) {
      const byAudience = h.slack.messages(channel).map((m) => m.metadata?.event_payload.audience);
      expect(byAudience.length).toBe(new Set(byAudience).size);
    }
    expect(h.slack.messages('#sales-data')).toHaveLength(2);
    expect(h.slack.messages('#finance-revenue')).toHaveLength(1);
    expect(h.slack.messages('#amount-watch')).toHaveLength(1);
  });

  it('an outage longer than the attempts: messages go out once Slack answers again, each once', async () => {
    const slack = await FakeSlackApi.start();
    cleanups.push(() => slack.close());
    const h = await harnessWith(slack, {}, { attempts: 2 });
    slack.setDown(true);
    await h.s.rebuild(warehouseSql({ ordersAgeHours: 5 }));
    await h.s.service.tickNow();
    // Well past the two attempts: the jobs keep being tried.
    await until('many refused calls', () => slack.calls.filter((c) => c.status === 'refused').length >= 12);
    slack.setDown(false);
    await until('all alerts', () => slack.messages('#sales-data').length === 2 && slack.messages('#finance-revenue').length === 1 && slack.messages('#amount-watch').length === 1);
    await drained(h.s.service.queue.notify);
    expect(slack.messages('#sales-data')).toHaveLength(2);
    expect(slack.messages('#finance-revenue')).toHaveLength(1);
    expect(await h.s.service.queue.notify.getJobCounts('failed')).toEqual({ failed: 0 });
  });

  it('a post whose answer was lost is found in the channel history and not posted again', async () => {
    const slack = await FakeSlackApi.start();
    cleanups.push(() => slack.close());
    slack.script('chat.postMessage', { kind: 'lose' }, 1, (args) => String(args.channel) === '#finance-revenue');
    slack.script('chat.postMessage', { kind: 'hang' }, 1, (args) => String(args.channel) === '#amount-watch');
    const h = await harnessWith(slack, { ordersAgeHours: 5 }, { timeoutMs: 300 });
    expect(slack.callsTo('chat.postMessage').filter((c) => c.status === 'lost')).toHaveLength(2);
    expect(slack.messages('#finance-revenue')).toHaveLength(1);
    expect(slack.messages('#amount-watch')).toHaveLength(1);
    expect(slack.callsTo('conversations.history').length).toBeGreaterThanOrEqual(2);
    expect(h.s.lines.some((l) => String(l.msg).includes('found the message of an earlier try'))).toBe(true);
    // Later updates reach the adopted message.
    const [incident] = await h.s.service.engine.listOpen();
    await operate(h, incident!.id, 'ack', 'U0BOB');
    expect(slack.messages('#finance-revenue')[0]!.updates).toBe(1);
  });

  it('channel_not_found: noted on the incident, told once to the platform channel, not retried; other channels still hear', async () => {
    const slack = await FakeSlackApi.start();
    cleanups.push(() => slack.close());
    slack.removeChannel('#finance-revenue');
    const h = await harnessWith(slack, { ordersAgeHours: 5 });
    const [incident] = await h.s.service.engine.listOpen();
    expect(slack.callsTo('chat.postMessage').filter((c) => c.args.channel === '#finance-revenue')).toHaveLength(1);
    expect(slack.messages('#sales-data')).toHaveLength(2);
    expect(await h.notifier().store.problems(incident!.id)).toMatchObject({ '#finance-revenue': { code: 'SLACK_CHANNEL_NOT_FOUND', slackError: 'channel_not_found' } });
    const platform = slack.messages('#data-platform');
    expect(platform).toHaveLength(1);
    expect(platform[0]!.text).toContain('could not deliver to #finance-revenue: channel_not_found');
    expect(h.s.lines.filter((l) => l.code === 'SLACK_CHANNEL_NOT_FOUND' && l.level === 50)).toHaveLength(1);
    // The next change to the same channel fails again but is not told again.
    await operate(h, incident!.id, 'ack', 'U0ALICE');
    expect(slack.messages('#data-platform')).toHaveLength(1);
    expect(h.s.lines.filter((l) => l.code === 'SLACK_CHANNEL_NOT_FOUND' && l.level === 50)).toHaveLength(1);
  });

  it('invalid_auth: logged once, never told through Slack, not retried', async () => {
    const slack = await FakeSlackApi.start();
    cleanups.push(() => slack.close());
    const h = await harnessWith(slack, {});
    slack.token = 'xoxb-rotated';
    await h.s.rebuild(warehouseSql({ ordersAgeHours: 5 }));
    await h.s.tick();
    const posts = slack.callsTo('chat.postMessage');
    expect(posts.length).toBe(4);
    expect(posts.every((c) => c.response?.error === 'invalid_auth')).toBe(true);
    const logged = h.s.lines.filter((l) => l.code === 'SLACK_INVALID_AUTH' && l.level === 50);
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(h.s.lines)).not.toContain(slack.token);
    expect(JSON.stringify(h.s.lines)).not.toContain('xoxb-test-token');
    expect(slack.messages('#data-platform')).toHaveLength(0);
    expect((await h.s.service.queue.notify.getJobCounts('failed')).failed).toBe(4);
  });
});

describe('Slack notifier: tiers and mentions', () => {
  it('restricted: consumers see which check failed and whom to ask, no counts or values; producers see all', async () => {
    const h = await harness({ nullOrderIds: 3 }, { ordersTier: 'restricted' });
    const consumer = texts(h.slack.messages('#finance-revenue'));
    expect(consumer).toContain('contract.notNull.order_id');
    expect(consumer).toContain('details are restricted; ask #sales-data');
    expect(consumer).not.toMatch(/3 rows|null order_id|\b3\b of/);
    expect(texts([producerOf(h.slack, '#sales-data')!])).toContain('3 rows');
  });

  it('limited: consumers see counts but no values', async () => {
    const h = await harness({ nullOrderIds: 3 }, { ordersTier: 'limited' });
    const consumer = texts(h.slack.messages('#finance-revenue'));
    expect(consumer).toContain('3 rows break it');
    expect(consumer).toContain('values are not shown for limited products');
    const producerMessage = producerOf(h.slack, '#sales-data')!;
    expect(texts([producerMessage])).toContain('3 rows');
  });

  it('without usergroups:read, the on-call group is plain text and one warning is logged', async () => {
    const h = await harness({ ordersAgeHours: 5 }, { slack: { scopes: ['chat:write', 'channels:history'] } });
    const producer = texts([producerOf(h.slack, '#sales-data')!]);
    expect(producer).toContain('@sales-oncall');
    expect(producer).not.toContain('subteam');
    await operate(h, (await h.s.service.engine.listOpen())[0]!.id, 'ack', 'U0ALICE');
    expect(h.s.lines.filter((l) => l.code === 'SLACK_MISSING_SCOPE')).toHaveLength(1);
    expect(h.slack.callsTo('usergroups.list')).toHaveLength(1);
  });
});

/** A harness on a fake server the test has scripted already. */
async function harnessWith(
  slack: FakeSlackApi,
  state: ChainState,
  options: { attempts?: number; timeoutMs?: number; ordersTier?: 'open' | 'limited' | 'restricted' } = {},
): Promise<Harness> {
  let built: SlackNotifier | undefined;
  const s = await startTestService({
    files: mesh(options.ordersTier ? { ordersTier: options.ordersTier } : {}),
    sql: warehouseSql(state),
    extra: {
      tuning: { tickAttempts: 1, tickBackoffMs: 50, notifyBackoffMs: 20, notifyAttempts: options.attempts ?? 10, notifyMaxBackoffMs: 50, retryAfterScale: 0.01 },
      notifier: (ctx: NotifierContext) => {
        const workspace = ctx.snapshot().config.workspace;
        built = createSlackNotifier(
          resolveSlackSettings(workspace, { SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_API_URL: slack.url }),
          { ...ctx, catalog: () => ctx.snapshot().catalog, retentionMs: workspace.history.maxAgeMs },
          { timeoutMs: options.timeoutMs ?? 2_000 },
          () => resolveSlackSettings(ctx.snapshot().config.workspace, {}),
        );
        return built;
      },
    },
  });
  cleanups.push(() => s.stop());
  await until('first tick', async () => ((await s.service.queue.checks.getJobCounts('completed')).completed ?? 0) >= 1);
  await drained(s.service.queue.notify);
  return { s, slack, notifier: () => built! };
}

describe('Slack notifier: lifecycle, platform and the Slack app’s transitions', () => {
  it('snooze updates the alert and replies; a reminder replies in the thread and mentions on call', async () => {
    const h = await harness({ ordersAgeHours: 5 });
    const [incident] = await h.s.service.engine.listOpen();
    const producer = producerOf(h.slack, '#sales-data')!;
    await operate(h, incident!.id, 'snooze', 'U0ALICE');
    expect(texts([producerOf(h.slack, '#sales-data')!])).toContain('Snoozed* by <@U0ALICE> until');
    expect(h.slack.replies('#sales-data', producer.ts).map((m) => m.text)).toEqual([expect.stringContaining('reminders stop until then')]);

    await h.notifier().deliver({
      type: 'notification',
      id: `${incident!.id}-producer-reminder-9`,
      incident: incident!.id,
      product: 'sales.orders',
      rootCause: 'sales.orders',
      audience: 'producer',
      channel: '#sales-data',
      transition: 'reminder',
      at: new Date().toISOString(),
    });
    const replies = h.slack.replies('#sales-data', producer.ts);
    expect(replies).toHaveLength(2);
    expect(texts([replies[1]!])).toContain('Still open and not acknowledged');
    expect(texts([replies[1]!])).toContain('<!subteam^S0SALES|@sales-oncall>');
    expect(h.slack.messages('#sales-data')).toHaveLength(2);
  });

  it('degraded posts to the platform channel; recovered updates that message and replies in its thread', async () => {
    const h = await harness({});
    const at = new Date().toISOString();
    const base = { type: 'notification' as const, incident: null, product: null, rootCause: null, audience: 'platform' as const, channel: '#data-platform', at };
    await h.notifier().deliver({ ...base, id: 'platform-degraded-1', transition: 'degraded', reason: 'WAREHOUSE_UNREACHABLE: no route' });
    await h.notifier().deliver({ ...base, id: 'platform-recovered-1', transition: 'recovered' });
    const [message] = h.slack.messages('#data-platform');
    expect(h.slack.messages('#data-platform')).toHaveLength(1);
    expect(message!.text).toContain('meshwatch recovered');
    expect(message!.updates).toBe(1);
    expect(h.slack.replies('#data-platform', message!.ts)[0]!.text).toContain('Recovered at');
    // A second episode is a message of its own.
    await h.notifier().deliver({ ...base, id: 'platform-degraded-2', transition: 'degraded', reason: 'again' });
    expect(h.slack.messages('#data-platform')).toHaveLength(2);
  });

  it('escalated: the escalation is a message of its own (even in the producer channel), the alert keeps its content and its thread pings on call; a platform digest leaves the degraded message alone', async () => {
    const h = await harness({ ordersAgeHours: 5 });
    const [incident] = await h.s.service.engine.listOpen();
    const producer = producerOf(h.slack, '#sales-data')!;
    const alertBlocks = JSON.stringify(producer.blocks);
    const base = { type: 'notification' as const, incident: incident!.id, product: 'sales.orders', rootCause: 'sales.orders', audience: 'producer' as const, at: new Date().toISOString(), mention: '@sales-oncall' };
    await h.notifier().deliver({ ...base, id: `${incident!.id}-producer-escalated-5`, channel: '#sales-data', transition: 'escalated' });
    // No businessUnits entry and no other channel: the escalation falls back to the producer's own channel.
    const escalation = {
      ...base,
      id: `${incident!.id}-escalation-sales-data-escalated-5`,
      channel: '#sales-data',
      transition: 'escalated',
      consumers: [{ id: 'finance.revenue-dashboard', domain: 'finance', businessUnit: 'Finance', columns: ['order_id'] }],
      escalation: { businessUnit: 'Retail', unacknowledgedMs: 4 * 3_600_000, producerChannel: '#sales-data' },
    };
    await h.notifier().deliver(escalation);
    await h.notifier().deliver(escalation);
    const messages = h.slack.messages('#sales-data');
    const escalations = messages.filter((m) => m.metadata?.event_payload.transition === 'escalated' && m.threadTs === undefined);
    expect(escalations).toHaveLength(1);
    expect(JSON.stringify(messages.find((m) => m.ts === producer.ts)!.blocks)).toBe(alertBlocks);
    expect(escalations[0]!.text).toContain('Escalated: sales.orders is stale, unacknowledged for 4 h 00 min');
    expect(JSON.stringify(escalations[0]!.blocks)).toContain('<!subteam^S0SALES|@sales-oncall>');
    expect(JSON.stringify(escalations[0]!.blocks)).toContain('finance.revenue-dashboard');
    const reply = h.slack.replies('#sales-data', producer.ts).at(-1)!;
    expect(texts([reply])).toContain('Escalated');
    expect(texts([reply])).toContain('<!subteam^S0SALES|@sales-oncall>');

    const platform = { type: 'notification' as const, incident: null, product: null, rootCause: null, audience: 'platform' as const, channel: '#data-platform', at: new Date().toISOString() };
    await h.notifier().deliver({ ...platform, id: 'platform-degraded-7', transition: 'degraded', reason: 'WAREHOUSE_UNREACHABLE' });
    const period = { from: '2026-02-23T09:00:00.000Z', to: '2026-03-02T09:00:00.000Z' };
    const digest = {
      ...platform,
      id: 'digest-platform-platform-20260302T090000Z',
      transition: 'digest',
      digest: { kind: 'platform' as const, period, previous: period, platform: { matrix: [{ producerBusinessUnit: 'Retail', consumerBusinessUnit: 'Finance', incidents: 1, consumerHours: 3 }], topOffenders: [], mostImproved: [], topProducts: [] } },
    };
    await h.notifier().deliver(digest);
    await h.notifier().deliver(digest);
    const inPlatform = h.slack.messages('#data-platform');
    expect(inPlatform.map((m) => m.text)).toEqual([expect.stringContaining('meshwatch is degraded'), expect.stringContaining('Weekly cross-business-unit digest')]);
    expect(inPlatform[0]!.updates).toBe(0);
  });

  it('approval requested with Approve / Deny; the decision goes to the requester and closes the request', async () => {
    const h = await harness({});
    const approval = { request: 'apr-1', product: 'sales.orders', columns: ['order_id'], requesterChannel: '#lead-scoring', requestedBy: 'U0BOB', domain: 'marketing' };
    const base = { type: 'notification' as const, incident: null, product: 'sales.orders', rootCause: null, at: new Date().toISOString() };
    await h.notifier().deliver({ ...base, id: 'apr-1-requested', audience: 'producer', channel: '#sales-data', transition: 'approval_requested', approval });
    const request = h.slack.messages('#sales-data').at(-1)!;
    const buttons = (request.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>).find((b) => b.type === 'actions')!.elements!;
    expect(buttons.map((b) => [b.action_id, JSON.parse(b.value)])).toEqual([
      ['meshwatch.approve', { request: 'apr-1' }],
      ['meshwatch.deny', { request: 'apr-1' }],
    ]);
    await h.notifier().deliver({
      ...base,
      id: 'apr-1-decided',
      audience: 'consumer',
      channel: '#lead-scoring',
      transition: 'approval_decided',
      approval: { ...approval, decision: 'denied', decidedBy: 'U0CAROL', decidedAt: new Date().toISOString() },
    });
    expect(h.slack.messages('#lead-scoring')[0]!.text).toContain('Subscription to sales.orders denied');
    const closed = h.slack.messages('#sales-data').find((m) => m.ts === request.ts)!;
    expect(closed.updates).toBe(1);
    expect(JSON.stringify(closed.blocks)).not.toContain('meshwatch.approve');
    expect(JSON.stringify(closed.blocks)).toContain('denied');
  });

  it('subscribed and an unknown transition are posted plainly, once each, even when delivered twice', async () => {
    const h = await harness({});
    const base = { type: 'notification' as const, incident: null, product: 'sales.orders', rootCause: null, audience: 'consumer' as const, channel: '#lead-scoring', at: new Date().toISOString() };
    const subscribed = { ...base, id: 'sub-1-subscribed', transition: 'subscribed', subscription: { consumer: 'slack.lead-scoring', product: 'sales.orders', columns: [], channel: '#lead-scoring' } };
    await h.notifier().deliver(subscribed);
    await h.notifier().deliver(subscribed);
    await h.notifier().deliver({ ...base, id: 'future-1', transition: 'tier_review' });
    expect(h.slack.messages('#lead-scoring').map((m) => m.text)).toEqual([expect.stringContaining('Subscribed to sales.orders'), expect.stringContaining('tier review')]);
  });
});

describe('Slack notifier: re-linked roots', () => {
  it('an own-root incident re-linked under a new root: its consumer messages are adopted and updated, not posted again', async () => {
    const h = await harness({ ordersAgeHours: 5 });
    const { slack, s } = h;
    const orders = await s.service.engine.currentOf('sales.orders');
    const financeBefore = slack.messages('#finance-revenue');
    expect(financeBefore).toHaveLength(1);
    expect(financeBefore[0]!.text).toContain('sales.orders is stale');

    await s.rebuild(warehouseSql({ ordersAgeHours: 5, customersAgeHours: 5 }));
    await s.tick();
    const customers = await s.service.engine.currentOf('crm.customers');
    expect((await s.service.engine.get(orders!.id))?.root).toBe(customers!.id);
    expect(slack.messages('#finance-revenue')).toHaveLength(1);
    const adopted = slack.messages('#finance-revenue')[0]!;
    expect(adopted.ts).toBe(financeBefore[0]!.ts);
    expect(adopted.updates).toBe(1);
    expect(adopted.text).toContain('Upstream breakage: crm.customers is stale');
    expect(texts([adopted])).toContain('Also affected: sales.orders');
    expect(slack.messages('#marketing-data')).toHaveLength(1);

    // The root's lifecycle reaches the adopted message.
    await operate(h, customers!.id, 'ack', 'U0CRM');
    expect(slack.messages('#finance-revenue')[0]!.updates).toBe(2);
    expect(slack.replies('#finance-revenue', adopted.ts).map((m) => m.text)).toEqual([expect.stringContaining('Acknowledged by')]);
  });
});

describe('Slack notifier: config reload', () => {
  it('statusUrl follows a reload', async () => {
    const h = await harness({});
    await writeFile(path.join(h.s.dir, 'meshwatch.yaml'), WORKSPACE.replace('https://status.example.com', 'https://status2.example.com'));
    expect(await h.s.service.reload()).toBe(true);
    await h.notifier().deliver({
      type: 'notification',
      id: 'sub-9-subscribed',
      incident: null,
      product: 'sales.orders',
      rootCause: null,
      audience: 'consumer',
      channel: '#ops',
      transition: 'subscribed',
      at: new Date().toISOString(),
      subscription: { consumer: 'slack.ops', product: 'sales.orders', columns: [], channel: '#ops' },
    });
    expect(JSON.stringify(h.slack.messages('#ops')[0]!.blocks)).toContain('https://status2.example.com/products/sales.orders');
  });
});

describe('Slack notifier: changes queued together', () => {
  it('a change queued with (or before) the message it changes still ends as one message, updated, with its reply', async () => {
    const h = await harness({});
    const at = new Date().toISOString();
    const base = { type: 'notification' as const, incident: null, product: null, rootCause: null, audience: 'platform' as const, channel: '#data-platform', at };
    await enqueueNotifications(
      h.s.service.queue.notify,
      [
        { ...base, id: 'platform-recovered-7', transition: 'recovered' },
        { ...base, id: 'platform-degraded-7', transition: 'degraded', reason: 'WAREHOUSE_UNREACHABLE' },
      ],
      { ...DEFAULT_TUNING, notifyBackoffMs: 20 },
    );
    await drained(h.s.service.queue.notify);
    const messages = h.slack.messages('#data-platform');
    expect(messages).toHaveLength(1);
    expect(messages[0]!.text).toContain('meshwatch recovered');
    expect(h.slack.replies('#data-platform', messages[0]!.ts)).toHaveLength(1);
  });
});
