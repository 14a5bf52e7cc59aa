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
 * Consumer channels hear once per channel per ROOT incident: the root
 * incident keeps, per channel, the consumers, columns and failing products
 * that channel was told about; a caused incident merges into that record and
 * the channel gets `updated` only when something new is in it.
 */
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
}

export type Transition = 'opened' | 'updated' | 'reminder' | 'acknowledged' | 'snoozed' | 'unsnoozed' | 'resolved';

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

// KEYS: seq, productIncident, productOp, openZset, allZset. ARGV: incidentKeyPrefix, product, nowMs, opId,
// checksJson, brokenColumnsJson ('' = whole product), rootCause, rootIncident ('' = itself), tickMs,
// relinkOnly ('1': only the root may change; the product was not checked in this tick).
const OBSERVE = `
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
redis.call('SET', KEYS[3], cjson.encode({op = ARGV[4], incident = id, transition = transition, seq = seq, previousRoot = previousRoot}), 'PX', 86400000)
return {id, transition, tostring(seq), previousRoot}
`;

// KEYS: productIncident, productOp, openZset. ARGV: incidentKeyPrefix, nowMs, opId, by, ttlMs, channelsSuffix.
const RESOLVE_PRODUCT = `
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
redis.call('SET', KEYS[2], cjson.encode({op = ARGV[3], incident = id, transition = 'resolved', seq = seq}), 'PX', 86400000)
return {id, 'resolved', tostring(seq), ''}
`;

// KEYS: incident. ARGV: operation, by, nowMs, untilMs.
const OPERATE = `
local key = KEYS[1]
local state = redis.call('HGET', key, 'state')
if not state then return {'err', 'INCIDENT_NOT_FOUND'} end
local op, by, now = ARGV[1], ARGV[2], ARGV[3]
if state == 'resolved' then return {'err', 'INCIDENT_STATE', state} end
if op == 'ack' then
  if state == 'acknowledged' then return {'err', 'INCIDENT_STATE', state} end
  redis.call('HSET', key, 'state', 'acknowledged', 'acknowledgedBy', by, 'acknowledgedAt', now)
  redis.call('HDEL', key, 'snoozedUntil')
  return {'ok', 'acknowledged', tostring(redis.call('HINCRBY', key, 'seq', 1))}
elseif op == 'snooze' then
  redis.call('HSET', key, 'state', 'snoozed', 'snoozedBy', by, 'snoozedAt', now, 'snoozedUntil', ARGV[4])
  return {'ok', 'snoozed', tostring(redis.call('HINCRBY', key, 'seq', 1))}
elseif op == 'unsnooze' then
  if state ~= 'snoozed' then return {'err', 'INCIDENT_STATE', state} end
  redis.call('HSET', key, 'state', 'open', 'unsnoozedBy', by, 'unsnoozedAt', now, 'lastAlertAt', now)
  redis.call('HDEL', key, 'snoozedUntil')
  return {'ok', 'unsnoozed', tostring(redis.call('HINCRBY', key, 'seq', 1))}
end
return {'err', 'INCIDENT_STATE', state}
`;

// KEYS: incident. ARGV: nowMs, remindMs. Snooze expiry and reminders, decided against the stored times.
const SWEEP_ONE = `
local key = KEYS[1]
local state = redis.call('HGET', key, 'state')
local now = tonumber(ARGV[1])
if state == 'snoozed' then
  local untilMs = tonumber(redis.call('HGET', key, 'snoozedUntil') or '0')
  if untilMs <= now then
    redis.call('HSET', key, 'state', 'open', 'unsnoozedBy', 'snooze expired', 'unsnoozedAt', ARGV[1], 'lastAlertAt', ARGV[1])
    redis.call('HDEL', key, 'snoozedUntil')
    return {'unsnoozed', tostring(redis.call('HINCRBY', key, 'seq', 1))}
  end
elseif state == 'open' then
  local last = tonumber(redis.call('HGET', key, 'lastAlertAt') or '0')
  if last + tonumber(ARGV[2]) <= now then
    redis.call('HSET', key, 'lastAlertAt', ARGV[1])
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
  };
}

export interface FailureObservation {
  readonly product: string;
  readonly checks: readonly string[];
  readonly brokenColumns?: readonly string[] | undefined;
  readonly rootCause: string;
  /** Incident id of the root; undefined when the product is its own root. */
  readonly rootIncident?: string | undefined;
}

export type Operation = 'ack' | 'snooze' | 'unsnooze' | 'resolve';

export class IncidentEngine {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    /** How long resolved incidents (and what was told about them) stay readable. */
    private readonly retentionMs: number,
  ) {}

  private incidentPrefix(): string {
    return this.keys.incident('');
  }

  /** Records a failing product in a tick: opens, updates, re-links or counts its incident. */
  async observe(observation: FailureObservation, opId: string, tickMs: number, nowMs: number, relinkOnly = false): Promise<IncidentChange> {
    const reply = (await this.redis.eval(
      OBSERVE,
      5,
      this.keys.incidentSeq(),
      this.keys.productIncident(observation.product),
      this.keys.productOp(observation.product),
      this.keys.openIncidents(),
      this.keys.allIncidents(),
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
      3,
      this.keys.productIncident(product),
      this.keys.productOp(product),
      this.keys.openIncidents(),
      this.incidentPrefix(),
      String(nowMs),
      opId,
      by,
      String(this.retentionMs),
      ':channels',
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
    const reply = (await this.redis.eval(OPERATE, 1, this.keys.incident(id), operation, by, String(nowMs), String(untilMs ?? ''))) as string[];
    if (reply[0] === 'err') {
      if (reply[1] === 'INCIDENT_NOT_FOUND') throw new IncidentError('INCIDENT_NOT_FOUND', `no incident ${id}`);
      throw new IncidentError('INCIDENT_STATE', `cannot ${operation} ${id}: it is ${reply[2]}`);
    }
    return { incident: id, product: record.product, transition: reply[1] as Transition, seq: Number(reply[2]) };
  }

  /** Snooze expiry and reminders as of `nowMs`, for every unresolved incident. */
  async sweep(nowMs: number, remindMs: number): Promise<IncidentChange[]> {
    const ids = await this.redis.zrange(this.keys.openIncidents(), "0", "-1");
    const changes: IncidentChange[] = [];
    for (const id of ids) {
      const reply = (await this.redis.eval(SWEEP_ONE, 1, this.keys.incident(id), String(nowMs), String(remindMs))) as [string, string] | null;
      if (!reply) continue;
      const product = await this.redis.hget(this.keys.incident(id), 'product');
      changes.push({ incident: id, product: product ?? '', transition: reply[0] as Transition, seq: Number(reply[1]) });
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
