import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IncidentEngine, MAX_HISTORY_EVENTS } from '../state/incident-engine.js';
import { IncidentHistory } from '../state/incident-history.js';
import { RedisKeys } from '../state/keys.js';
import { createRedis, type Redis } from '../state/redis.js';
import { deletePrefix, redisUrl, testPrefix } from './support/redis.js';

const T0 = Date.parse('2026-11-24T08:00:00Z');
const MIN = 60_000;
const DAY = 86_400_000;

describe('incident history in Redis', () => {
  let prefix: string;
  let redis: Redis;
  let keys: RedisKeys;
  let engine: IncidentEngine;
  let history: IncidentHistory;
  beforeEach(() => {
    prefix = testPrefix('history');
    redis = createRedis(redisUrl(), { name: 'test-history' });
    keys = new RedisKeys(prefix);
    // Live incidents kept 1 day after resolving, their history 400 days.
    engine = new IncidentEngine(redis, keys, DAY, 400 * DAY);
    history = new IncidentHistory(redis, keys, 400 * DAY);
  });
  afterEach(async () => {
    await deletePrefix(redisUrl(), prefix);
    redis.disconnect();
  });

  const owner = { domain: 'sales', businessUnit: 'Retail', tier: 'open', rootDomain: 'sales', rootBusinessUnit: 'Retail' };
  const failure = (consumers: Record<string, { domain: string; businessUnit?: string }>, checks = ['freshness']) => ({
    product: 'sales.orders', checks, rootCause: 'sales.orders', affected: { owner, consumers },
  });

  it('records every transition, who acted, the checks and every consumer hurt over the incident\'s life', async () => {
    const { incident } = await engine.observe(failure({ 'finance.dash': { domain: 'finance', businessUnit: 'Finance' } }), 'op-1', T0, T0);
    // Seen again, same consumer: no event, `since` kept.
    await engine.observe(failure({ 'finance.dash': { domain: 'finance', businessUnit: 'Finance' } }), 'op-2', T0 + MIN, T0 + MIN);
    // A new failing check, and a consumer hurt from now on.
    await engine.observe(failure({ 'marketing.seg': { domain: 'marketing', businessUnit: 'Marketing' } }, ['freshness', 'schema']), 'op-3', T0 + 2 * MIN, T0 + 2 * MIN);
    await engine.operate(incident, 'snooze', 'bob', T0 + 3 * MIN, T0 + 60 * MIN);
    await engine.operate(incident, 'unsnooze', 'bob', T0 + 4 * MIN);
    await engine.operate(incident, 'ack', 'alice', T0 + 5 * MIN);
    await engine.resolveProduct('sales.orders', 'op-4', T0 + 10 * MIN, 'alice');
    const record = await history.get(incident);
    expect(record).toMatchObject({
      id: incident,
      product: 'sales.orders',
      ...owner,
      rootCause: 'sales.orders',
      root: incident,
      checks: ['freshness', 'schema'],
      openedAt: T0,
      acknowledgedAt: T0 + 5 * MIN,
      acknowledgedBy: 'alice',
      resolvedAt: T0 + 10 * MIN,
      resolvedBy: 'alice',
      consumers: {
        'finance.dash': { domain: 'finance', businessUnit: 'Finance', since: T0 },
        'marketing.seg': { domain: 'marketing', businessUnit: 'Marketing', since: T0 + 2 * MIN },
      },
    });
    expect(record!.events.map((e) => [e.t, (e.at - T0) / MIN, e.by ?? ''])).toEqual([
      ['opened', 0, ''],
      ['updated', 2, ''],
      ['snoozed', 3, 'bob'],
      ['unsnoozed', 4, 'bob'],
      ['acknowledged', 5, 'alice'],
      ['resolved', 10, 'alice'],
    ]);
    expect(record!.events[2]!.until).toBe(T0 + 60 * MIN);
  });

  it('outlives the live incident: the incident expires after history.maxAge, its history after history.incidentRetention', async () => {
    const { incident } = await engine.observe(failure({}), 'op-1', T0, T0);
    // Unresolved: no expiry at all, and listed for any window after it opened.
    expect(await redis.pttl(keys.incidentHistory(incident))).toBe(-1);
    expect((await history.list(T0 + 300 * DAY, T0 + 301 * DAY, T0 + 301 * DAY)).map((r) => r.id)).toEqual([incident]);
    await engine.resolveProduct('sales.orders', 'op-2', T0 + MIN);
    const live = await redis.pttl(keys.incident(incident));
    const kept = await redis.pttl(keys.incidentHistory(incident));
    expect(live).toBeLessThanOrEqual(DAY);
    expect(kept).toBeGreaterThan(399 * DAY);
    expect(kept).toBeLessThanOrEqual(400 * DAY);
    // Listed for windows it overlaps, not for those after it resolved or before it opened.
    expect((await history.list(T0 - DAY, T0 + 1, T0 + DAY)).map((r) => r.id)).toEqual([incident]);
    expect(await history.list(T0 + 2 * MIN, T0 + DAY, T0 + DAY)).toEqual([]);
    expect(await history.list(T0 - 2 * DAY, T0 - DAY, T0 + DAY)).toEqual([]);
    // Read past the retention: pruned from the index.
    expect(await history.list(0, T0 + 500 * DAY, T0 + 401 * DAY)).toEqual([]);
    expect(await redis.zcard(keys.historyIndex())).toBe(0);
  });

  it('is bounded: events per incident are capped, the opening one kept', async () => {
    const { incident } = await engine.observe(failure({}), 'op-1', T0, T0);
    for (let i = 1; i <= MAX_HISTORY_EVENTS + 20; i++) await engine.sweep(T0 + i * MIN, MIN);
    const record = await history.get(incident);
    expect(record!.events).toHaveLength(MAX_HISTORY_EVENTS);
    expect(record!.events[0]!.t).toBe('opened');
    expect(record!.events.at(-1)).toMatchObject({ t: 'reminder', at: T0 + (MAX_HISTORY_EVENTS + 20) * MIN });
    const raw = JSON.parse((await redis.get(keys.incidentHistory(incident)))!) as { droppedEvents: number };
    expect(raw.droppedEvents).toBe(21);
  });

  it('a retried observation (same op id) writes nothing twice', async () => {
    const first = await engine.observe(failure({ 'finance.dash': { domain: 'finance' } }), 'op-1', T0, T0);
    await engine.observe(failure({ 'finance.dash': { domain: 'finance' } }), 'op-1', T0, T0 + 5 * MIN);
    const record = await history.get(first.incident);
    expect(record!.events.map((e) => e.t)).toEqual(['opened']);
    expect(record!.consumers['finance.dash']!.since).toBe(T0);
  });
});
