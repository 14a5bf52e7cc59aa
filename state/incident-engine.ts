/**
 * Incidents in Redis: one per product while it has failing checks, with a
 * short id (`inc-42`, from an INCR) that every replica, the CLI, the page and
 * Slack share. Every transition is one Lua script, so two workers never open
 * two incidents for one product and a retried tick repeats its first answer
 * (the product's last operation id and its outcome are kept beside it)
 * instead of counting or notifying twice.
 *
 * State-transition table (→ the transition notified; "-" notifies nothing):
 *
 * | from                         | event                                     | to           | transition   |
 * |------------------------------|-------------------------------------------|--------------|--------------|
 * | (none) or resolved           | a tick with `fail` results                | open         | opened       |
 * | open, acknowledged, snoozed  | fail again, same failing checks           | (same)       | -  (occurrences+1, lastSeen) |
 * | open, acknowledged, snoozed  | fail with a check not failing before      | (same)       | updated      |
 * | open, acknowledged, snoozed  | root cause changes (re-linked)            | (same)       | updated      |
 * | open                         | `escalation.remind` since the last alert  | open         | reminder     |
 * | open, own root, never escalated | `escalation.escalate` since opened or since the last snooze ended | open | escalated |
 * | open, snoozed                | ack (who, when)                           | acknowledged | acknowledged |
 * | open, acknowledged           | snooze until T (who, when)                | snoozed      | snoozed      |
 * | snoozed                      | unsnooze (who, when), or T passes         | open         | unsnoozed    |
 * | open, acknowledged, snoozed  | a tick where every check passes or warns  | resolved     | resolved     |
 * | open, acknowledged, snoozed  | resolve (who, when)                       | resolved     | resolved     |
 *
 * `error` results change nothing: the monitor could not look. Resolving a
 * product that still fails closes the incident; its next failing run opens a
 * new one. Each transition that is notified bumps the incident's `seq`, which
 * makes the notify job ids unique and deterministic.
 *
 * Every transition (and each consumer newly hurt) is also written to the
 * incident's history document in the same script: see incident-history.ts.
 *
 * Consumer channels hear once per channel per ROOT incident: the root
 * incident keeps, per channel, the consumers, columns and failing products
 * that channel was told about; a caused incident merges into that record and
 * the channel gets `updated` only when something new is in it.
 */
import { createHash } from 'node:crypto';
import { MeshwatchError } from '../core/errors.js';
import type { RedisKeys } from './keys.js';
import type { Redis } from './redis.js';

export type IncidentState = 'open' | 'acknowledged' | 'snoozed' | 'resolved';

export interface IncidentRecord {
  readonly id: string;
  readonly product: string;
  readonly state: IncidentState;
  /** Product at the root of this breakage (itself when it is its own root). */
  readonly rootCause: string;
  /** Incident id of the root (its own id when it is its own root). */
  readonly root: string;
  readonly checks: readonly string[];
  /** Broken columns; absent when the whole product is broken. */
  readonly brokenColumns?: readonly string[] | undefined;
  readonly openedAt: string;
  readonly lastSeen: string;
  readonly occurrences: number;
  readonly seq: number;
  readonly acknowledgedBy?: string | undefined;
  readonly acknowledgedAt?: string | undefined;
  readonly snoozedBy?: string | undefined;
  readonly snoozedAt?: string | undefined;
  readonly snoozedUntil?: string | undefined;
  readonly unsnoozedBy?: string | undefined;
  readonly unsnoozedAt?: string | undefined;
  readonly resolvedBy?: string | undefined;
  readonly resolvedAt?: string | undefined;
  /** When the escalation policy escalated it (once per incident). */
  readonly escalatedAt?: string | undefined;
}

export type Transition = 'opened' | 'updated' | 'reminder' | 'acknowledged' | 'snoozed' | 'unsnoozed' | 'resolved' | 'escalated';

/** What one engine call did to one incident. */
export interface IncidentChange {
  readonly incident: string;
  readonly product: string;
  /** `seen`: counted, nothing to tell. */
  readonly transition: Transition | 'seen';
  readonly seq: number;
  /** The root incident before a re-link, when the root changed. */
  readonly previousRoot?: string | undefined;
}

export type ChannelOutcome = 'opened' | 'updated' | 'none';

export interface ChannelUpdate {
  readonly outcome: ChannelOutcome;
  readonly seq: number;
  /** Everything the channel has been told for this root incident, after the merge. */
  readonly consumers: Readonly<Record<string, readonly string[]>>;
  readonly products: readonly string[];
}

export class IncidentError extends MeshwatchError {
  constructor(code: 'INCIDENT_NOT_FOUND' | 'INCIDENT_STATE', message: string) {
    super(code, message, { origin: 'user' });
  }
}

/**
 * History (see incident-history.ts) is written by the same script as the
 * transition, so a crash cannot keep one without the other. The document is
 * one JSON string per incident; `HISTORY_LUA` holds the helpers every script
 * shares. Events are capped (the first, `opened`, is always kept) so that a
 * month of hourly reminders cannot grow one document without bound.
 */
/** Events kept per incident document. */
export const MAX_HISTORY_EVENTS = 200;

const HISTORY_LUA = `
local MAX_EVENTS = ${MAX_HISTORY_EVENTS}
local function hist_load(hkey)
  local raw = redis.call('GET', hkey)
  if raw then return cjson.decode(raw) end
  return nil
end
local function hist_event(doc, event)
  if doc.events == nil then doc.events = {} end
  table.insert(doc.events, event)
  while #doc.events > MAX_EVENTS do
    table.remove(doc.events, 2)
    doc.droppedEvents = (doc.droppedEvents or 0) + 1
  end
end
local function hist_save(hkey, doc)
  redis.call('SET', hkey, cjson.encode(doc), 'KEEPTTL')
end
`;

// KEYS: seq, productIncident, productOp, openZset, allZset. ARGV: incidentKeyPrefix, product, nowMs, opId,
// checksJson, brokenColumnsJson ('' = whole product), rootCause, rootIncident ('' = itself), tickMs,
// relinkOnly ('1': only the root may change; the product was not checked in this tick), historyPrefix,
// affectedJson ({ owner = {domain, businessUnit, tier, rootDomain, rootBusinessUnit}, consumers = {id = {domain, businessUnit}} }),
// affectedHash (of affectedJson: unchanged and nothing notified = nothing to write).
// KEYS[6]: history index.
const OBSERVE = HISTORY_LUA + `
local memo = redis.call('GET', KEYS[3])
if memo then
  local m = cjson.decode(memo)
  if m.op == ARGV[4] then return {m.incident, m.transition, tostring(m.seq), m.previousRoot or ''} end
end
local now = ARGV[3]
local checks = cjson.decode(ARGV[5])
local id = redis.call('GET', KEYS[2])
local transition, seq, previousRoot = 'seen', 0, ''
if not id then
  id = 'inc-' .. redis.call('INCR', KEYS[1])
  local root = ARGV[8]
  if root == '' then root = id end
  redis.call('HSET', ARGV[1] .. id, 'id', id, 'product', ARGV[2], 'state', 'open', 'rootCause', ARGV[7], 'root', root,
    'checks', ARGV[5], 'brokenColumns', ARGV[6], 'openedAt', now, 'lastSeen', now, 'lastAlertAt', now,
    'occurrences', 1, 'seq', 1, 'tick', ARGV[9])
  redis.call('SET', KEYS[2], id)
  redis.call('ZADD', KEYS[4], now, id)
  redis.call('ZADD', KEYS[5], now, id)
  transition, seq = 'opened', 1
else
  local key = ARGV[1] .. id
  local tick = tonumber(redis.call('HGET', key, 'tick') or '0')
  if ARGV[10] ~= '1' and tonumber(ARGV[9]) < tick then
    -- A retry of an older tick: the incident has moved on.
    return {id, 'seen', redis.call('HGET', key, 'seq'), ''}
  end
  local known = {}
  for _, c in ipairs(cjson.decode(redis.call('HGET', key, 'checks'))) do known[c] = true end
  local merged, added = cjson.decode(redis.call('HGET', key, 'checks')), false
  for _, c in ipairs(checks) do
    if not known[c] then table.insert(merged, c); added = true end
  end
  if ARGV[10] == '1' then added = false end
  local root = ARGV[8]
  if root == '' then root = id end
  local oldRoot = redis.call('HGET', key, 'root')
  if ARGV[10] ~= '1' then
    redis.call('HINCRBY', key, 'occurrences', 1)
    redis.call('HSET', key, 'lastSeen', now, 'tick', ARGV[9])
  end
  if added then
    redis.call('HSET', key, 'checks', cjson.encode(merged), 'brokenColumns', ARGV[6])
  end
  if oldRoot ~= root then
    redis.call('HSET', key, 'root', root, 'rootCause', ARGV[7])
    previousRoot = oldRoot
  end
  seq = tonumber(redis.call('HGET', key, 'seq'))
  if added or previousRoot ~= '' then
    seq = redis.call('HINCRBY', key, 'seq', 1)
    transition = 'updated'
  end
end
-- A repeat of the last observation (same owners and consumers, nothing notified) leaves the
-- history as it is: skipping the JSON round trip keeps a long outage's ticks cheap.
local sameAffected = transition == 'seen' and redis.call('HGET', ARGV[1] .. id, 'affectedHash') == ARGV[13]
if not sameAffected then
  redis.call('HSET', ARGV[1] .. id, 'affectedHash', ARGV[13])
  local hkey = ARGV[11] .. id
  local affected = cjson.decode(ARGV[12])
  local doc = hist_load(hkey)
  local changed = false
  if not doc then
    doc = {id = id, product = ARGV[2], openedAt = redis.call('HGET', ARGV[1] .. id, 'openedAt'), consumers = {}, events = {}}
    redis.call('ZADD', KEYS[6], '+inf', id)
    changed = true
  end
  if type(affected.owner) == 'table' then
    for k, v in pairs(affected.owner) do
      if doc[k] ~= v then doc[k] = v; changed = true end
    end
  end
  if type(affected.consumers) == 'table' then
    for cid, c in pairs(affected.consumers) do
      if doc.consumers[cid] == nil then
        c.since = now
        doc.consumers[cid] = c
        changed = true
      end
    end
  end
  local incidentKey = ARGV[1] .. id
  local rootCause = redis.call('HGET', incidentKey, 'rootCause')
  if doc.rootCause ~= rootCause then doc.rootCause = rootCause; changed = true end
  doc.root = redis.call('HGET', incidentKey, 'root')
  if transition ~= 'seen' then
    doc.checks = cjson.decode(redis.call('HGET', incidentKey, 'checks'))
    hist_event(doc, {at = now, t = transition, rootCause = rootCause})
    changed = true
  end
  if changed then hist_save(hkey, doc) end
end
redis.call('SET', KEYS[3], cjson.encode({op = ARGV[4], incident = id, transition = transition, seq = seq, previousRoot = previousRoot}), 'PX', 86400000)
return {id, transition, tostring(seq), previousRoot}
`;

// KEYS: productIncident, productOp, openZset, historyIndex. ARGV: incidentKeyPrefix, nowMs, opId, by, ttlMs, channelsSuffix,
// historyPrefix, historyTtlMs.
const RESOLVE_PRODUCT = HISTORY_LUA + `
local memo = redis.call('GET', KEYS[2])
if memo then
  local m = cjson.decode(memo)
  if m.op == ARGV[3] then return {m.incident, m.transition, tostring(m.seq), ''} end
end
local id = redis.call('GET', KEYS[1])
if not id then return false end
local key = ARGV[1] .. id
local seq = redis.call('HINCRBY', key, 'seq', 1)
redis.call('HSET', key, 'state', 'resolved', 'resolvedAt', ARGV[2], 'resolvedBy', ARGV[4])
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], id)
redis.call('PEXPIRE', key, ARGV[5])
redis.call('PEXPIRE', key .. ARGV[6], ARGV[5])
local hkey = ARGV[7] .. id
local doc = hist_load(hkey)
if doc then
  doc.resolvedAt = ARGV[2]
  if ARGV[4] ~= '' then doc.resolvedBy = ARGV[4] end
  local event = {at = ARGV[2], t = 'resolved'}
  if ARGV[4] ~= '' then event.by = ARGV[4] end
  hist_event(doc, event)
  hist_save(hkey, doc)
  redis.call('PEXPIRE', hkey, ARGV[8])
  redis.call('ZADD', KEYS[4], ARGV[2], id)
end
redis.call('SET', KEYS[2], cjson.encode({op = ARGV[3], incident = id, transition = 'resolved', seq = seq}), 'PX', 86400000)
return {id, 'resolved', tostring(seq), ''}
`;

// KEYS: incident, history document. ARGV: operation, by, nowMs, untilMs.
const OPERATE = HISTORY_LUA + `
local function record(transition)
  local doc = hist_load(KEYS[2])
  if not doc then return end
  local event = {at = ARGV[3], t = transition, by = ARGV[2]}
  if transition == 'acknowledged' and doc.acknowledgedAt == nil then
    -- The first acknowledgement is the one MTTA measures.
    doc.acknowledgedAt = ARGV[3]
    doc.acknowledgedBy = ARGV[2]
  end
  if transition == 'snoozed' then event['until'] = ARGV[4] end
  hist_event(doc, event)
  hist_save(KEYS[2], doc)
end
local key = KEYS[1]
local state = redis.call('HGET', key, 'state')
if not state then return {'err', 'INCIDENT_NOT_FOUND'} end
local op, by, now = ARGV[1], ARGV[2], ARGV[3]
if state == 'resolved' then return {'err', 'INCIDENT_STATE', state} end
if op == 'ack' then
  if state == 'acknowledged' then return {'err', 'INCIDENT_STATE', state} end
  redis.call('HSET', key, 'state', 'acknowledged', 'acknowledgedBy', by, 'acknowledgedAt', now)
  redis.call('HDEL', key, 'snoozedUntil')
  record('acknowledged')
  return {'ok', 'acknowledged', tostring(redis.call('HINCRBY', key, 'seq', 1))}
elseif op == 'snooze' then
  redis.call('HSET', key, 'state', 'snoozed', 'snoozedBy', by, 'snoozedAt', now, 'snoozedUntil', ARGV[4])
  record('snoozed')
  return {'ok', 'snoozed', tostring(redis.call('HINCRBY', key, 'seq', 1))}
elseif op == 'unsnooze' then
  if state ~= 'snoozed' then return {'err', 'INCIDENT_STATE', state} end
  redis.call('HSET', key, 'state', 'open', 'unsnoozedBy', by, 'unsnoozedAt', now, 'lastAlertAt', now)
  redis.call('HDEL', key, 'snoozedUntil')
  record('unsnoozed')
  return {'ok', 'unsnoozed', tostring(redis.call('HINCRBY', key, 'seq', 1))}
end
return {'err', 'INCIDENT_STATE', state}
`;

// KEYS: incident, history document. ARGV: nowMs, remindMs, escalateMs ('' = never).
// Snooze expiry, escalation and reminders, decided against the stored times.
// Escalation: once per incident, `escalateMs` after it opened or after its
// last snooze ended (whoever snoozed it had looked at it), while open; it
// counts as an alert, so the next reminder is `remindMs` after it. Caused
// incidents (root elsewhere) are reminded but never escalated.
const SWEEP_ONE = HISTORY_LUA + `
local key = KEYS[1]
local state = redis.call('HGET', key, 'state')
local now = tonumber(ARGV[1])
local function record(transition, by)
  local doc = hist_load(KEYS[2])
  if not doc then return end
  local event = {at = ARGV[1], t = transition}
  if by then event.by = by end
  if transition == 'escalated' then doc.escalatedAt = ARGV[1] end
  hist_event(doc, event)
  hist_save(KEYS[2], doc)
end
if state == 'snoozed' then
  local untilMs = tonumber(redis.call('HGET', key, 'snoozedUntil') or '0')
  if untilMs <= now then
    redis.call('HSET', key, 'state', 'open', 'unsnoozedBy', 'snooze expired', 'unsnoozedAt', ARGV[1], 'lastAlertAt', ARGV[1])
    redis.call('HDEL', key, 'snoozedUntil')
    record('unsnoozed', 'snooze expired')
    return {'unsnoozed', tostring(redis.call('HINCRBY', key, 'seq', 1))}
  end
elseif state == 'open' then
  -- A caused incident is not escalated: its root's owners are the ones to move.
  local caused = redis.call('HGET', key, 'root') ~= redis.call('HGET', key, 'id')
  if ARGV[3] ~= '' and not caused and not redis.call('HGET', key, 'escalatedAt') then
    local from = math.max(tonumber(redis.call('HGET', key, 'openedAt') or '0'), tonumber(redis.call('HGET', key, 'unsnoozedAt') or '0'))
    if from + tonumber(ARGV[3]) <= now then
      redis.call('HSET', key, 'escalatedAt', ARGV[1], 'lastAlertAt', ARGV[1])
      record('escalated')
      return {'escalated', tostring(redis.call('HINCRBY', key, 'seq', 1))}
    end
  end
  local last = tonumber(redis.call('HGET', key, 'lastAlertAt') or '0')
  if last + tonumber(ARGV[2]) <= now then
    redis.call('HSET', key, 'lastAlertAt', ARGV[1])
    record('reminder')
    return {'reminder', tostring(redis.call('HINCRBY', key, 'seq', 1))}
  end
end
return false
`;

// KEYS: channels hash of the root incident. ARGV: channel, consumersJson ({id: "c1,c2"}), productsJson ([...]), opId, ttlMs ('' = none), adopt ('1': never 'opened').
const MERGE_CHANNEL = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local rec
if raw then rec = cjson.decode(raw) end
if rec and rec.op == ARGV[4] then return {rec.result, tostring(rec.seq), raw} end
local consumers = cjson.decode(ARGV[2])
local products = cjson.decode(ARGV[3])
local result
if not rec then
  rec = {consumers = {}, products = {}, seq = 1}
  result = 'opened'
  if ARGV[6] == '1' then result = 'updated' end
else
  result = 'none'
end
for id, cols in pairs(consumers) do
  local old = rec.consumers[id]
  if old == nil then
    rec.consumers[id] = cols
    if result == 'none' then result = 'updated' end
  elseif old ~= '' then
    -- A consumer reading specific columns: add the new ones ('' means it reads the whole product).
    if cols == '' then
      rec.consumers[id] = ''
      if result == 'none' then result = 'updated' end
    else
      local have = {}
      for c in string.gmatch(old, '[^,]+') do have[c] = true end
      for c in string.gmatch(cols, '[^,]+') do
        if not have[c] then old = old .. ',' .. c; have[c] = true; if result == 'none' then result = 'updated' end end
      end
      rec.consumers[id] = old
    end
  end
end
for _, p in ipairs(products) do
  if rec.products[p] == nil then
    rec.products[p] = true
    if result == 'none' then result = 'updated' end
  end
end
if result == 'updated' and raw then rec.seq = rec.seq + 1 end
rec.op = ARGV[4]
rec.result = result
local encoded = cjson.encode(rec)
redis.call('HSET', KEYS[1], ARGV[1], encoded)
if ARGV[5] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
return {result, tostring(rec.seq), encoded}
`;

function parseRecord(hash: Record<string, string>): IncidentRecord | undefined {
  if (!hash.id || !hash.product || !hash.state) return undefined;
  const iso = (ms: string | undefined) => (ms ? new Date(Number(ms)).toISOString() : undefined);
  const brokenColumns = hash.brokenColumns ? (JSON.parse(hash.brokenColumns) as string[]) : undefined;
  return {
    id: hash.id,
    product: hash.product,
    state: hash.state as IncidentState,
    rootCause: hash.rootCause ?? hash.product,
    root: hash.root ?? hash.id,
    checks: hash.checks ? (JSON.parse(hash.checks) as string[]) : [],
    ...(brokenColumns ? { brokenColumns } : {}),
    openedAt: iso(hash.openedAt)!,
    lastSeen: iso(hash.lastSeen)!,
    occurrences: Number(hash.occurrences ?? 0),
    seq: Number(hash.seq ?? 0),
    ...(hash.acknowledgedBy ? { acknowledgedBy: hash.acknowledgedBy, acknowledgedAt: iso(hash.acknowledgedAt) } : {}),
    ...(hash.snoozedBy ? { snoozedBy: hash.snoozedBy, snoozedAt: iso(hash.snoozedAt) } : {}),
    ...(hash.snoozedUntil ? { snoozedUntil: iso(hash.snoozedUntil) } : {}),
    ...(hash.unsnoozedBy ? { unsnoozedBy: hash.unsnoozedBy, unsnoozedAt: iso(hash.unsnoozedAt) } : {}),
    ...(hash.resolvedAt ? { resolvedBy: hash.resolvedBy || undefined, resolvedAt: iso(hash.resolvedAt) } : {}),
    ...(hash.escalatedAt ? { escalatedAt: iso(hash.escalatedAt) } : {}),
  };
}

export interface FailureObservation {
  readonly product: string;
  readonly checks: readonly string[];
  readonly brokenColumns?: readonly string[] | undefined;
  readonly rootCause: string;
  /** Incident id of the root; undefined when the product is its own root. */
  readonly rootIncident?: string | undefined;
  /** Who owns it and who it hurts now, for the history (merged: a consumer once hurt stays in it). */
  readonly affected?: Affected | undefined;
}

/** What the history learns about an incident from the catalog at each observation. */
export interface Affected {
  readonly owner: {
    readonly domain?: string | undefined;
    readonly businessUnit?: string | undefined;
    readonly tier?: string | undefined;
    readonly rootDomain?: string | undefined;
    readonly rootBusinessUnit?: string | undefined;
  };
  readonly consumers: Readonly<Record<string, { readonly domain: string; readonly businessUnit?: string | undefined }>>;
}

/** The escalation policy of one incident's product (per-domain overrides applied). */
export interface EscalationPolicy {
  readonly remindMs: number;
  readonly escalateMs?: number | undefined;
}

export type Operation = 'ack' | 'snooze' | 'unsnooze' | 'resolve';

export class IncidentEngine {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    /** How long resolved incidents (and what was told about them) stay readable. */
    private readonly retentionMs: number,
    /** How long an incident's history stays after it resolves (`history.incidentRetention`). */
    private readonly historyRetentionMs = 400 * 86_400_000,
  ) {}

  private incidentPrefix(): string {
    return this.keys.incident('');
  }

  /** Records a failing product in a tick: opens, updates, re-links or counts its incident. */
  async observe(observation: FailureObservation, opId: string, tickMs: number, nowMs: number, relinkOnly = false): Promise<IncidentChange> {
    const affected = encodeAffected(observation.affected);
    const reply = (await this.redis.eval(
      OBSERVE,
      6,
      this.keys.incidentSeq(),
      this.keys.productIncident(observation.product),
      this.keys.productOp(observation.product),
      this.keys.openIncidents(),
      this.keys.allIncidents(),
      this.keys.historyIndex(),
      this.incidentPrefix(),
      observation.product,
      String(nowMs),
      opId,
      JSON.stringify(observation.checks),
      observation.brokenColumns ? JSON.stringify(observation.brokenColumns) : '',
      observation.rootCause,
      observation.rootIncident ?? '',
      String(tickMs),
      relinkOnly ? '1' : '0',
      this.keys.incidentHistory(''),
      affected,
      createHash('sha1').update(affected).digest('hex'),
    )) as [string, string, string, string];
    return {
      incident: reply[0],
      product: observation.product,
      transition: reply[1] as Transition | 'seen',
      seq: Number(reply[2]),
      ...(reply[3] ? { previousRoot: reply[3] } : {}),
    };
  }

  /** A product whose checks all passed: resolves its incident, if it has one. */
  async resolveProduct(product: string, opId: string, nowMs: number, by = ''): Promise<IncidentChange | undefined> {
    const reply = (await this.redis.eval(
      RESOLVE_PRODUCT,
      4,
      this.keys.productIncident(product),
      this.keys.productOp(product),
      this.keys.openIncidents(),
      this.keys.historyIndex(),
      this.incidentPrefix(),
      String(nowMs),
      opId,
      by,
      String(this.retentionMs),
      ':channels',
      this.keys.incidentHistory(''),
      String(this.historyRetentionMs),
    )) as [string, string, string, string] | null;
    if (!reply) return undefined;
    return { incident: reply[0], product, transition: 'resolved', seq: Number(reply[2]) };
  }

  /** ack, snooze, unsnooze or resolve by a person; who and when are recorded. */
  async operate(id: string, operation: Operation, by: string, nowMs: number, untilMs?: number): Promise<IncidentChange> {
    const record = await this.get(id);
    if (!record) throw new IncidentError('INCIDENT_NOT_FOUND', `no incident ${id}`);
    if (operation === 'resolve') {
      if (record.state === 'resolved') throw new IncidentError('INCIDENT_STATE', `${id} is already resolved`);
      const change = await this.resolveProduct(record.product, `resolve-${id}-${nowMs}`, nowMs, by);
      if (!change || change.incident !== id) throw new IncidentError('INCIDENT_STATE', `${id} is already resolved`);
      return change;
    }
    if (operation === 'snooze' && (untilMs === undefined || untilMs <= nowMs)) {
      throw new IncidentError('INCIDENT_STATE', 'snooze needs a time in the future (--until 2h or an ISO time)');
    }
    const reply = (await this.redis.eval(OPERATE, 2, this.keys.incident(id), this.keys.incidentHistory(id), operation, by, String(nowMs), String(untilMs ?? ''))) as string[];
    if (reply[0] === 'err') {
      if (reply[1] === 'INCIDENT_NOT_FOUND') throw new IncidentError('INCIDENT_NOT_FOUND', `no incident ${id}`);
      throw new IncidentError('INCIDENT_STATE', `cannot ${operation} ${id}: it is ${reply[2]}`);
    }
    return { incident: id, product: record.product, transition: reply[1] as Transition, seq: Number(reply[2]) };
  }

  /**
   * Snooze expiry, escalations and reminders as of `nowMs`, for every
   * unresolved incident. `policy`: one interval for all (the remind
   * interval), or the policy of each incident's product.
   */
  async sweep(nowMs: number, policy: number | ((product: string) => EscalationPolicy)): Promise<IncidentChange[]> {
    const ids = await this.redis.zrange(this.keys.openIncidents(), "0", "-1");
    const changes: IncidentChange[] = [];
    for (const id of ids) {
      const product = (await this.redis.hget(this.keys.incident(id), 'product')) ?? '';
      const { remindMs, escalateMs } = typeof policy === 'number' ? { remindMs: policy, escalateMs: undefined } : policy(product);
      const reply = (await this.redis.eval(
        SWEEP_ONE,
        2,
        this.keys.incident(id),
        this.keys.incidentHistory(id),
        String(nowMs),
        String(remindMs),
        escalateMs === undefined ? '' : String(escalateMs),
      )) as [string, string] | null;
      if (!reply) continue;
      changes.push({ incident: id, product, transition: reply[0] as Transition, seq: Number(reply[1]) });
    }
    return changes;
  }

  /**
   * Merges what a consumer channel must hear into the root incident's record
   * for that channel. `adopt`: the channel already has a message about this
   * breakage (a re-linked incident's), so it is never told `opened` again.
   */
  async mergeChannel(
    rootIncident: string,
    channel: string,
    consumers: Readonly<Record<string, readonly string[]>>,
    products: readonly string[],
    opId: string,
    adopt = false,
  ): Promise<ChannelUpdate> {
    const consumersArg: Record<string, string> = {};
    for (const [id, columns] of Object.entries(consumers)) consumersArg[id] = columns.join(',');
    const reply = (await this.redis.eval(
      MERGE_CHANNEL,
      1,
      this.keys.incidentChannels(rootIncident),
      channel,
      Object.keys(consumersArg).length === 0 ? '{}' : JSON.stringify(consumersArg),
      JSON.stringify(products),
      opId,
      '',
      adopt ? '1' : '0',
    )) as [string, string, string];
    return { outcome: reply[0] as ChannelOutcome, seq: Number(reply[1]), ...decodeChannel(reply[2]) };
  }

  /** What each consumer channel has been told for a root incident. */
  async channels(rootIncident: string): Promise<Map<string, Omit<ChannelUpdate, 'outcome'>>> {
    const hash = await this.redis.hgetall(this.keys.incidentChannels(rootIncident));
    const out = new Map<string, Omit<ChannelUpdate, 'outcome'>>();
    for (const [channel, raw] of Object.entries(hash)) {
      const rec = JSON.parse(raw) as { seq: number };
      out.set(channel, { seq: rec.seq, ...decodeChannel(raw) });
    }
    return out;
  }

  /** Drops a re-linked incident's channel records once they are folded into the root's. */
  async clearChannels(incident: string): Promise<void> {
    await this.redis.del(this.keys.incidentChannels(incident));
  }

  async get(id: string): Promise<IncidentRecord | undefined> {
    return parseRecord(await this.redis.hgetall(this.keys.incident(id)));
  }

  async currentOf(product: string): Promise<IncidentRecord | undefined> {
    const id = await this.redis.get(this.keys.productIncident(product));
    return id ? this.get(id) : undefined;
  }

  async listOpen(): Promise<IncidentRecord[]> {
    return this.load(await this.redis.zrange(this.keys.openIncidents(), "0", "-1"));
  }

  /** Every incident still kept (resolved ones for `retention`), newest first. */
  async list(nowMs = Date.now()): Promise<IncidentRecord[]> {
    await this.redis.zremrangebyscore(this.keys.allIncidents(), '-inf', `(${nowMs - this.retentionMs}`);
    const ids = await this.redis.zrevrange(this.keys.allIncidents(), 0, -1);
    return this.load(ids);
  }

  private async load(ids: readonly string[]): Promise<IncidentRecord[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.incident(id));
    const replies = (await pipeline.exec()) ?? [];
    const out: IncidentRecord[] = [];
    for (const [, hash] of replies) {
      const record = parseRecord((hash ?? {}) as Record<string, string>);
      if (record) out.push(record);
    }
    return out;
  }
}

function encodeAffected(affected: Affected | undefined): string {
  if (!affected) return '{}';
  const owner: Record<string, string> = {};
  for (const [k, v] of Object.entries(affected.owner)) if (v !== undefined) owner[k] = v;
  const consumers: Record<string, Record<string, string>> = {};
  for (const [id, c] of Object.entries(affected.consumers)) consumers[id] = { domain: c.domain, ...(c.businessUnit ? { businessUnit: c.businessUnit } : {}) };
  // cjson reads {} as an empty table either way; an absent key is skipped by the script.
  return JSON.stringify({ owner, ...(Object.keys(consumers).length > 0 ? { consumers } : {}) });
}

function decodeChannel(raw: string): { consumers: Record<string, string[]>; products: string[] } {
  const rec = JSON.parse(raw) as { consumers?: Record<string, string> | unknown[]; products?: Record<string, boolean> | unknown[] };
  const consumers: Record<string, string[]> = {};
  // cjson encodes an empty table as {} or []: accept both.
  if (rec.consumers && !Array.isArray(rec.consumers)) {
    for (const [id, cols] of Object.entries(rec.consumers)) consumers[id] = cols ? cols.split(',') : [];
  }
  const products = rec.products && !Array.isArray(rec.products) ? Object.keys(rec.products).sort() : [];
  return { consumers, products };
}
