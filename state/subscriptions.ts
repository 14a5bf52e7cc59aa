/**
 * Slack subscriptions, approval requests for restricted products, and their
 * history, in Redis. Keys (under `<prefix>:mw:`, beside RedisKeys'):
 *
 * - `subscriptions`: hash `<consumer>|<product>` → JSON Subscription. Kept
 *   until unsubscribed: subscriptions are config, not history.
 * - `subscriptions-version`: INCR on every change, so that each replica's
 *   in-memory index (SubscriptionSource) reloads only when something changed.
 * - `approval-seq`: INCR behind `apr-N` ids.
 * - `approval:<id>`: JSON ApprovalRecord; expires `retention` after it is
 *   decided (pending ones are kept until decided).
 * - `approvals-pending`: hash `<consumer>|<product>` → id of the pending
 *   request, so that asking twice does not make two requests.
 * - `subscription-log`: list of JSON SubscriptionEvent, newest first,
 *   trimmed to LOG_LIMIT entries.
 */
import type { Engine } from '../config/identifier.js';
import { SubscriptionSource, type Subscription } from '../catalog/subscription-source.js';
import type { RedisKeys } from './keys.js';
import type { Redis } from './redis.js';

export type { Subscription };

export interface ApprovalRecord {
  readonly id: string;
  readonly state: 'pending' | 'approved' | 'denied';
  /** The subscription asked for; made only when approved. */
  readonly subscription: Subscription;
  /** Where the Approve / Deny buttons were posted. */
  readonly approvalChannel: string;
  readonly requestedAt: string;
  readonly decidedBy?: string | undefined;
  readonly decidedAt?: string | undefined;
  /** Clicks by people not allowed to decide: who and when. */
  readonly refused: ReadonlyArray<{ readonly by: string; readonly at: string }>;
}

export type SubscriptionEventKind = 'subscribed' | 'unsubscribed' | 'approval_requested' | 'approval_decided' | 'approval_refused';

export interface SubscriptionEvent {
  readonly kind: SubscriptionEventKind;
  readonly at: string;
  readonly consumer: string;
  readonly product: string;
  readonly channel: string;
  readonly by: string;
  readonly columns?: readonly string[] | undefined;
  readonly request?: string | undefined;
  readonly decision?: 'approved' | 'denied' | undefined;
}

const LOG_LIMIT = 10_000;

// KEYS: approval. ARGV: decision, by, at, retentionMs. Decides a pending request once; returns the record as it is after.
const DECIDE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return nil end
local rec = cjson.decode(raw)
if rec.state ~= 'pending' then return {'already', raw} end
rec.state = ARGV[1]
rec.decidedBy = ARGV[2]
rec.decidedAt = ARGV[3]
local out = cjson.encode(rec)
redis.call('SET', KEYS[1], out, 'PX', ARGV[4])
return {'decided', out}
`;

// KEYS: approval. ARGV: by, at. Appends a refused click (a pending request keeps no TTL; a decided one keeps its own).
const REFUSE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return nil end
local rec = cjson.decode(raw)
if type(rec.refused) ~= 'table' or next(rec.refused) == nil then rec.refused = {} end
table.insert(rec.refused, { by = ARGV[1], at = ARGV[2] })
redis.call('SET', KEYS[1], cjson.encode(rec), 'KEEPTTL')
return 1
`;

function field(consumer: string, product: string): string {
  return `${consumer}|${product}`;
}

export class SubscriptionStore {
  private readonly base: string;

  constructor(
    private readonly redis: Redis,
    keys: RedisKeys,
    /** How long decided approval requests stay readable. */
    private readonly retentionMs: number,
  ) {
    this.base = keys.base;
  }

  private key(name: string): string {
    return `${this.base}:${name}`;
  }

  async version(): Promise<number> {
    return Number((await this.redis.get(this.key('subscriptions-version'))) ?? 0);
  }

  async list(): Promise<Subscription[]> {
    const values = await this.redis.hvals(this.key('subscriptions'));
    return values.map((v) => JSON.parse(v) as Subscription).sort((a, b) => a.consumer.localeCompare(b.consumer) || a.product.localeCompare(b.product));
  }

  async get(consumer: string, product: string): Promise<Subscription | undefined> {
    const raw = await this.redis.hget(this.key('subscriptions'), field(consumer, product));
    return raw ? (JSON.parse(raw) as Subscription) : undefined;
  }

  /** Adds or replaces (new columns) a subscription; returns the new version, unique per change. */
  async put(subscription: Subscription): Promise<number> {
    const reply = await this.redis
      .multi()
      .hset(this.key('subscriptions'), field(subscription.consumer, subscription.product), JSON.stringify(subscription))
      .incr(this.key('subscriptions-version'))
      .exec();
    return Number(reply?.[1]?.[1] ?? 0);
  }

  /** Removes a subscription; the version is undefined when there was none. */
  async remove(consumer: string, product: string): Promise<{ removed: Subscription; version: number } | undefined> {
    const existing = await this.get(consumer, product);
    if (!existing) return undefined;
    const reply = await this.redis.multi().hdel(this.key('subscriptions'), field(consumer, product)).incr(this.key('subscriptions-version')).exec();
    if (Number(reply?.[0]?.[1] ?? 0) === 0) return undefined; // removed by someone else meanwhile
    return { removed: existing, version: Number(reply?.[1]?.[1] ?? 0) };
  }

  /** A pending request for the same channel and product is returned instead of a second one (`created` false). */
  async requestApproval(subscription: Subscription, approvalChannel: string, at: string): Promise<{ record: ApprovalRecord; created: boolean }> {
    const pendingField = field(subscription.consumer, subscription.product);
    const pendingId = await this.redis.hget(this.key('approvals-pending'), pendingField);
    if (pendingId) {
      const pending = await this.approval(pendingId);
      if (pending?.state === 'pending') return { record: pending, created: false };
    }
    const id = `apr-${await this.redis.incr(this.key('approval-seq'))}`;
    const record: ApprovalRecord = { id, state: 'pending', subscription, approvalChannel, requestedAt: at, refused: [] };
    await this.redis.multi().set(this.key(`approval:${id}`), JSON.stringify(record)).hset(this.key('approvals-pending'), pendingField, id).exec();
    return { record, created: true };
  }

  async approval(id: string): Promise<ApprovalRecord | undefined> {
    const raw = await this.redis.get(this.key(`approval:${id}`));
    return raw ? parseApproval(raw) : undefined;
  }

  /**
   * Decides a pending request, once: a second decision (two approvers
   * clicking at once) gets `already` and the first decision.
   */
  async decide(id: string, decision: 'approved' | 'denied', by: string, at: string): Promise<{ outcome: 'decided' | 'already'; record: ApprovalRecord } | undefined> {
    const reply = (await this.redis.eval(DECIDE, 1, this.key(`approval:${id}`), decision, by, at, String(this.retentionMs))) as [string, string] | null;
    if (!reply) return undefined;
    const record = parseApproval(reply[1]);
    if (reply[0] === 'decided') {
      const pendingField = field(record.subscription.consumer, record.subscription.product);
      if ((await this.redis.hget(this.key('approvals-pending'), pendingField)) === id) await this.redis.hdel(this.key('approvals-pending'), pendingField);
    }
    return { outcome: reply[0] === 'decided' ? 'decided' : 'already', record };
  }

  /** Records a click on Approve / Deny by someone not allowed to decide. */
  async refuse(id: string, by: string, at: string): Promise<void> {
    await this.redis.eval(REFUSE, 1, this.key(`approval:${id}`), by, at);
  }

  async log(event: SubscriptionEvent): Promise<void> {
    await this.redis.multi().lpush(this.key('subscription-log'), JSON.stringify(event)).ltrim(this.key('subscription-log'), 0, LOG_LIMIT - 1).exec();
  }

  /** Newest first. */
  async history(limit = 100): Promise<SubscriptionEvent[]> {
    const values = await this.redis.lrange(this.key('subscription-log'), 0, limit - 1);
    return values.map((v) => JSON.parse(v) as SubscriptionEvent);
  }
}

function parseApproval(raw: string): ApprovalRecord {
  const rec = JSON.parse(raw) as ApprovalRecord & { refused?: unknown };
  // cjson writes an empty Lua table as {}: an empty list of refusals.
  return { ...rec, refused: Array.isArray(rec.refused) ? rec.refused : [] };
}

/**
 * A replica's view of the subscriptions: the catalog's consumer source,
 * reloaded from Redis when the version moved. Ticks and the Slack app call
 * `refresh` before they read impact, so a subscription made on one replica
 * counts on every replica from its next tick on.
 */
export class SubscriptionCache {
  readonly source: SubscriptionSource;
  private loaded = -1;

  constructor(
    readonly store: SubscriptionStore,
    engine: Engine,
  ) {
    this.source = new SubscriptionSource(engine);
  }

  async refresh(): Promise<void> {
    const version = await this.store.version();
    if (version === this.loaded) return;
    // Version first: a change between the two reads only makes the next refresh reload again.
    this.source.replace(await this.store.list());
    this.loaded = version;
  }
}
