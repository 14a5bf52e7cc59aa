/**
 * What the Slack notifier keeps in Redis, under `<prefix>:mw:slack:`:
 *
 * - `ref:<incident>/<audience>/<channel>`: the live message (channel id and
 *   ts that chat.postMessage answered) that later changes update and reply
 *   under. Expires `history.maxAge` after the last write.
 * - `step:<notification id>.<n>`: one post of one notification:
 *   `attempted@<ms>` before the first call, then the answer. A step found `attempted` means an
 *   earlier try may have reached Slack (lost answer, dead process): the
 *   channel's history is searched for the step's metadata before posting
 *   again. Expires with `history.maxAge`.
 * - `problems:<incident>`: hash channel → the Slack error that kept a message
 *   from it (channel_not_found, not_in_channel, invalid_auth), for the status
 *   page and `incident` commands. Expires with `history.maxAge`.
 * - `lock:<ref key>`: held while one notification of that live message is
 *   delivered (30 s TTL).
 * - `wait:<notification id>`: the change waited once for its message to be
 *   posted (20 s TTL).
 * - `told:<code>:<channel>`: the operator was told about this problem (log,
 *   platform channel); set for a day so a broken channel is not reported on
 *   every message.
 * - `channel-ids`: hash channel name → id, learnt from answers; one entry per
 *   channel meshwatch posts to.
 */
import type { RedisKeys } from '../../state/keys.js';
import type { Redis } from '../../state/redis.js';

export interface MessageRef {
  /** The channel id Slack answered (chat.update needs the id, not the name). */
  readonly channel: string;
  readonly ts: string;
}

export interface DeliveryProblem {
  readonly code: string;
  readonly slackError?: string | undefined;
  readonly message: string;
  readonly at: string;
}

const TOLD_TTL_MS = 86_400_000;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export class SlackDeliveryStore {
  private readonly base: string;

  constructor(
    private readonly redis: Redis,
    keys: RedisKeys,
    private readonly retentionMs: number,
  ) {
    this.base = `${keys.base}:slack`;
  }

  static refKey(incident: string, audience: string, channel: string): string {
    return `${incident}/${audience}/${channel.replace(/^#/, '')}`;
  }

  /**
   * One delivery at a time per live message (a post racing an update would
   * post twice): a token with a TTL, so a dead worker's lock runs out.
   */
  async lock(key: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(`${this.base}:lock:${key}`, token, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async unlock(key: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, `${this.base}:lock:${key}`, token);
  }

  /** True the first time for this notification: it waits once for the message it changes. */
  async firstWait(notification: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(`${this.base}:wait:${notification}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  async ref(key: string): Promise<MessageRef | undefined> {
    const raw = await this.redis.get(`${this.base}:ref:${key}`);
    return raw ? (JSON.parse(raw) as MessageRef) : undefined;
  }

  async setRef(key: string, ref: MessageRef): Promise<void> {
    await this.redis.set(`${this.base}:ref:${key}`, JSON.stringify(ref), 'PX', this.retentionMs);
  }

  /** `undefined`: never tried; `{ attemptedAt }`: tried (first at that time), answer unknown; else what Slack answered. */
  async step(id: string): Promise<{ readonly attemptedAt: number } | MessageRef | undefined> {
    const raw = await this.redis.get(`${this.base}:step:${id}`);
    if (raw === null) return undefined;
    if (raw.startsWith('attempted@')) return { attemptedAt: Number(raw.slice('attempted@'.length)) };
    return JSON.parse(raw) as MessageRef;
  }

  /** Keeps the first attempt's time (NX): the history search starts there. */
  async markAttempted(id: string, atMs: number): Promise<void> {
    await this.redis.set(`${this.base}:step:${id}`, `attempted@${atMs}`, 'PX', this.retentionMs, 'NX');
  }

  async markDone(id: string, ref: MessageRef): Promise<void> {
    await this.redis.set(`${this.base}:step:${id}`, JSON.stringify(ref), 'PX', this.retentionMs);
  }

  async noteProblem(incident: string, channel: string, problem: DeliveryProblem): Promise<void> {
    const key = `${this.base}:problems:${incident}`;
    await this.redis.multi().hset(key, channel, JSON.stringify(problem)).pexpire(key, this.retentionMs).exec();
  }

  async problems(incident: string): Promise<Record<string, DeliveryProblem>> {
    const all = await this.redis.hgetall(`${this.base}:problems:${incident}`);
    return Object.fromEntries(Object.entries(all).map(([channel, raw]) => [channel, JSON.parse(raw) as DeliveryProblem]));
  }

  /** True the first time within a day for this code and channel: the caller tells the operator. */
  async firstTold(code: string, channel: string): Promise<boolean> {
    const set = await this.redis.set(`${this.base}:told:${code}:${channel}`, new Date().toISOString(), 'PX', TOLD_TTL_MS, 'NX');
    return set === 'OK';
  }

  async channelId(name: string): Promise<string | undefined> {
    if (/^[CG][A-Z0-9]{6,}$/.test(name)) return name;
    return (await this.redis.hget(`${this.base}:channel-ids`, name.replace(/^#/, ''))) ?? undefined;
  }

  async learnChannel(name: string, id: string): Promise<void> {
    if (name === id) return;
    await this.redis.hset(`${this.base}:channel-ids`, name.replace(/^#/, ''), id);
  }
}
