import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckResult } from '../checks/result.js';
import { applyTick } from '../notifier/apply-tick.js';
import { notificationSchema, type Notification } from '../notifier/notification.js';
import { loadMesh, type MeshSnapshot } from '../scheduler/config-source.js';
import { createQueues, DEFAULT_TUNING } from '../scheduler/queues.js';
import { runSweepJob } from '../scheduler/tick.js';
import { IncidentEngine } from '../state/incident-engine.js';
import { IncidentHistory } from '../state/incident-history.js';
import { RedisKeys } from '../state/keys.js';
import { PlatformHealthStore } from '../state/platform-health.js';
import { createRedis, type Redis } from '../state/redis.js';
import { chainMesh } from './support/chain-mesh.js';
import { writeConfigDir } from './support/config-dir.js';
import { deletePrefix, redisUrl, testPrefix } from './support/redis.js';

const T0 = Date.parse('2026-11-24T08:00:00Z');
const MIN = 60_000;
const H = 60 * MIN;

const POLICY = `escalation: { remind: 1h, escalate: 3h }
businessUnits:
  - { name: Retail, escalationChannel: "#retail-leads", lead: "@rita" }
  - { name: Finance }
  - { name: Marketing }
`;

describe('escalation policy, driven by the sweep job with a controlled clock', () => {
  let prefix: string;
  let redis: Redis;
  let mesh: MeshSnapshot;
  let engine: IncidentEngine;
  let queues: ReturnType<typeof createQueues>;
  let cleanup: () => Promise<void>;
  let clock = T0;

  beforeEach(async () => {
    prefix = testPrefix('escalation');
    redis = createRedis(redisUrl(), { name: 'test-escalation' });
    const files = chainMesh(POLICY);
    files['meshwatch.yaml'] = files['meshwatch.yaml']!
      .replace('slackChannel: "#sales-data" }', 'slackChannel: "#sales-data", oncall: "@sales-oncall" }')
      .replace('slackChannel: "#crm-data" }', 'slackChannel: "#crm-data", escalation: { escalate: off } }');
    const written = await writeConfigDir(files);
    cleanup = written.cleanup;
    mesh = await loadMesh(written.dir, {});
    engine = new IncidentEngine(redis, new RedisKeys(prefix), 30 * 86_400_000);
    queues = createQueues(redis, prefix);
    clock = T0;
  });
  afterEach(async () => {
    await Promise.all([queues.checks.close(), queues.notify.close()]);
    await deletePrefix(redisUrl(), prefix);
    redis.disconnect();
    await cleanup();
  });

  const fail = async (product: string, at: number) => {
    const iso = new Date(at).toISOString();
    const results: CheckResult[] = ['crm.customers', 'sales.orders'].map((p) => ({
      product: p, check: 'freshness', kind: 'freshness', status: p === product ? 'fail' : 'pass', message: '', columns: [], at: iso,
    }));
    const applied = await applyTick({ catalog: mesh.catalog, engine, health: new PlatformHealthStore(redis, new RedisKeys(prefix)) }, {
      results, products: ['crm.customers', 'sales.orders'], tickMs: at, nowMs: at, opId: `t-${at}`,
    });
    return applied.changes[0]!.incident;
  };
  /** Runs the sweep job at `at` and returns the notifications it queued. */
  const sweepAt = async (at: number): Promise<Notification[]> => {
    clock = at;
    const before = new Set((await queues.notify.getJobs(['waiting', 'delayed', 'prioritized'])).map((j) => j.id));
    await runSweepJob({ mesh: () => mesh, engine, notify: queues.notify, tuning: DEFAULT_TUNING, now: () => new Date(clock) });
    const jobs = await queues.notify.getJobs(['waiting', 'delayed', 'prioritized']);
    return jobs.filter((j) => !before.has(j.id)).map((j) => notificationSchema.parse(j.data)).sort((a, b) => a.id.localeCompare(b.id));
  };
  const transitions = (ns: Notification[]) => ns.map((n) => `${n.transition}:${n.channel}`);
  const events = async (id: string) => (await new IncidentHistory(redis, new RedisKeys(prefix), 400 * 86_400_000).get(id))!.events.map((e) => `${e.t}@${(e.at - T0) / MIN}`);

  it('reminds with the on-call group after remind, escalates once to the BU channel after escalate, naming the consumers still hurt', async () => {
    const id = await fail('sales.orders', T0);
    expect(await sweepAt(T0 + 59 * MIN)).toEqual([]);
    const reminder = await sweepAt(T0 + H);
    expect(transitions(reminder)).toEqual(['reminder:#sales-data']);
    expect(reminder[0]).toMatchObject({ id: `${id}-producer-reminder-2`, mention: '@sales-oncall' });
    expect(transitions(await sweepAt(T0 + 2 * H))).toEqual(['reminder:#sales-data']);
    const escalated = await sweepAt(T0 + 3 * H);
    expect(transitions(escalated)).toEqual(['escalated:#retail-leads', 'escalated:#sales-data']);
    expect(escalated[0]).toMatchObject({
      id: `${id}-escalation-retail-leads-escalated-4`,
      audience: 'producer',
      product: 'sales.orders',
      mention: '@sales-oncall',
      escalation: { businessUnit: 'Retail', lead: '@rita', unacknowledgedMs: 3 * H, producerChannel: '#sales-data' },
    });
    expect(escalated[0]!.consumers!.map((c) => c.id)).toEqual(['finance.revenue-dashboard', 'sales.ops-report']);
    // The same sweep again (a retried job, a second replica): nothing new.
    expect(await sweepAt(T0 + 3 * H)).toEqual([]);
    // Escalated once; reminders go on, an interval after the escalation.
    expect(transitions(await sweepAt(T0 + 3 * H + 59 * MIN))).toEqual([]);
    expect(transitions(await sweepAt(T0 + 4 * H))).toEqual(['reminder:#sales-data']);
    expect(transitions(await sweepAt(T0 + 10 * H))).toEqual(['reminder:#sales-data']);
    expect(await events(id)).toEqual(['opened@0', 'reminder@60', 'reminder@120', 'escalated@180', 'reminder@240', 'reminder@600']);
  });

  it('an acknowledgement stops reminders and escalation', async () => {
    const id = await fail('sales.orders', T0);
    expect(transitions(await sweepAt(T0 + H))).toEqual(['reminder:#sales-data']);
    await engine.operate(id, 'ack', '@sam', T0 + 90 * MIN);
    expect(await sweepAt(T0 + 3 * H)).toEqual([]);
    expect(await sweepAt(T0 + 24 * H)).toEqual([]);
    expect(await events(id)).toEqual(['opened@0', 'reminder@60', 'acknowledged@90']);
    expect((await new IncidentHistory(redis, new RedisKeys(prefix), 400 * 86_400_000).get(id))).toMatchObject({ acknowledgedBy: '@sam', acknowledgedAt: T0 + 90 * MIN });
  });

  it('a snooze stops it; when the snooze ends the escalation clock starts again', async () => {
    const id = await fail('sales.orders', T0);
    await engine.operate(id, 'snooze', '@sam', T0 + 30 * MIN, T0 + 5 * H);
    expect(await sweepAt(T0 + 3 * H)).toEqual([]);
    expect(await sweepAt(T0 + 4 * H)).toEqual([]);
    // The end of a snooze is told to both sides (consumers: #finance-revenue, and sales.ops-report in #sales-data).
    expect(transitions(await sweepAt(T0 + 5 * H))).toEqual(['unsnoozed:#finance-revenue', 'unsnoozed:#sales-data', 'unsnoozed:#sales-data']);
    expect(transitions(await sweepAt(T0 + 6 * H))).toEqual(['reminder:#sales-data']);
    expect(transitions(await sweepAt(T0 + 7 * H))).toEqual(['reminder:#sales-data']);
    expect(transitions(await sweepAt(T0 + 8 * H))).toEqual(['escalated:#retail-leads', 'escalated:#sales-data']);
    expect(await events(id)).toEqual(['opened@0', 'snoozed@30', 'unsnoozed@300', 'reminder@360', 'reminder@420', 'escalated@480']);
  });

  it('a domain with escalate: off is reminded, never escalated; a caused incident is never escalated either', async () => {
    const crm = await fail('crm.customers', T0);
    for (const hour of [1, 2, 3, 4, 5]) expect(transitions(await sweepAt(T0 + hour * H))).toEqual(['reminder:#crm-data']);
    // sales.orders failing below the open crm incident: caused by it.
    const iso = new Date(T0 + 5 * H + MIN).toISOString();
    const results: CheckResult[] = ['crm.customers', 'sales.orders'].map((p) => ({ product: p, check: 'freshness', kind: 'freshness', status: 'fail', message: '', columns: [], at: iso }));
    await applyTick({ catalog: mesh.catalog, engine, health: new PlatformHealthStore(redis, new RedisKeys(prefix)) }, {
      results, products: ['crm.customers', 'sales.orders'], tickMs: T0 + 5 * H + MIN, nowMs: T0 + 5 * H + MIN, opId: 'caused',
    });
    const sales = (await engine.currentOf('sales.orders'))!;
    expect(sales.root).toBe(crm);
    const later = await sweepAt(T0 + 10 * H);
    expect(later.filter((n) => n.transition === 'escalated')).toEqual([]);
  });
});
