/**
 * Slack subscriptions, approval requests for restricted products, and their
 * history, in Redis. Keys (under `<prefix>:mw:`, beside RedisKeys'):
 *
 * - `subscriptions`: hash `<consumer>|<product>` → JSON Subscription. Kept
 *   until unsubscribed: subscriptions are config, not history.
 * - `subscriptions-version`: INCR on every change, so that each replica's
 *   in-memory index (SubscriptionSource) reloads only when something changed.
 * - `approval-seq`: INCR behind `apr-N` ids.
 * - `approval:<id>`: hash of one request (the subscription asked for as
 *   JSON, state, decidedBy, decidedAt); `approval:<id>:refused`: list of
 *   refused clicks (at most 100). Both expire `retention` after the decision;
 *   pending ones are kept until decided.
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

/** Entries kept in `subscription-log`. */
export const SUBSCRIPTION_LOG_LIMIT = 10_000;
const LOG_LIMIT = SUBSCRIPTION_LOG_LIMIT;

// KEYS: approval hash, its refusals list. ARGV: decision, by, at, retentionMs. Decides a pending request once.
// The request itself stays an opaque JSON field: Lua's cjson would turn its empty lists into objects.
const DECIDE = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return nil end
if state ~= 'pending' then return 'already' end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'decidedBy', ARGV[2], 'decidedAt', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
return 'decided'
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
    await this.redis
      .multi()
      .hset(this.key(`approval:${id}`), { id, state: 'pending', subscription: JSON.stringify(subscription), approvalChannel, requestedAt: at })
      .hset(this.key('approvals-pending'), pendingField, id)
      .exec();
    return { record, created: true };
  }

  /** Pending requests of one subscribing consumer (channel). */
  async pendingFor(consumer: string): Promise<ApprovalRecord[]> {
    const pending = await this.redis.hgetall(this.key('approvals-pending'));
    const ids = Object.entries(pending).filter(([f]) => f.startsWith(`${consumer}|`)).map(([, id]) => id);
    const records = await Promise.all(ids.map((id) => this.approval(id)));
    return records.filter((r): r is ApprovalRecord => r?.state === 'pending').sort((a, b) => a.id.localeCompare(b.id));
  }

  async approval(id: string): Promise<ApprovalRecord | undefined> {
    const [hash, refused] = await Promise.all([this.redis.hgetall(this.key(`approval:${id}`)), this.redis.lrange(this.key(`approval:${id}:refused`), 0, -1)]);
    if (!hash.subscription || !hash.state) return undefined;
    return {
      id: hash.id ?? id,
      state: hash.state as ApprovalRecord['state'],
      subscription: JSON.parse(hash.subscription) as Subscription,
      approvalChannel: hash.approvalChannel ?? '',
      requestedAt: hash.requestedAt ?? '',
      ...(hash.decidedBy ? { decidedBy: hash.decidedBy } : {}),
      ...(hash.decidedAt ? { decidedAt: hash.decidedAt } : {}),
      refused: refused.map((r) => JSON.parse(r) as { by: string; at: string }),
    };
  }

  /**
   * Decides a pending request, once: a second decision (two approvers
   * clicking at once) gets `already` and the first decision.
   */
  async decide(id: string, decision: 'approved' | 'denied', by: string, at: string): Promise<{ outcome: 'decided' | 'already'; record: ApprovalRecord } | undefined> {
    const reply = (await this.redis.eval(DECIDE, 2, this.key(`approval:${id}`), this.key(`approval:${id}:refused`), decision, by, at, String(this.retentionMs))) as string | null;
    if (!reply) return undefined;
    const record = await this.approval(id);
    if (!record) return undefined;
    if (reply === 'decided') {
      const pendingField = field(record.subscription.consumer, record.subscription.product);
      if ((await this.redis.hget(this.key('approvals-pending'), pendingField)) === id) await this.redis.hdel(this.key('approvals-pending'), pendingField);
    }
    return { outcome: reply === 'decided' ? 'decided' : 'already', record };
  }

  /** Records a click on Approve / Deny by someone not allowed to decide. */
  async refuse(id: string, by: string, at: string): Promise<void> {
    const key = this.key(`approval:${id}:refused`);
    const ttl = await this.redis.pttl(this.key(`approval:${id}`));
    const tx = this.redis.multi().rpush(key, JSON.stringify({ by, at })).ltrim(key, -100, -1);
    // A decided request expires: its refusals go with it.
    if (ttl > 0) tx.pexpire(key, ttl);
    await tx.exec();
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
