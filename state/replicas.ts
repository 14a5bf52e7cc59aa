/**
 * Which replicas run, on which config: each replica writes its id, config
 * hash and a heartbeat time into one hash; entries not refreshed for three
 * heartbeats are pruned, so the hash stays as small as the set of replicas.
 */
import type { RedisKeys } from './keys.js';
import type { Redis } from './redis.js';

export interface ReplicaInfo {
  readonly id: string;
  readonly configHash: string;
  readonly seenAt: string;
  readonly startedAt: string;
}

export const HEARTBEAT_MS = 10_000;

export class ReplicaRegistry {
  constructor(private readonly redis: Redis, private readonly keys: RedisKeys) {}

  async heartbeat(info: Omit<ReplicaInfo, 'seenAt'>, nowMs = Date.now()): Promise<void> {
    await this.redis.hset(this.keys.replicas(), info.id, JSON.stringify({ ...info, seenAt: new Date(nowMs).toISOString() }));
  }

  async remove(id: string): Promise<void> {
    await this.redis.hdel(this.keys.replicas(), id);
  }

  /** Live replicas; prunes the stale ones. */
  async list(nowMs = Date.now()): Promise<ReplicaInfo[]> {
    const hash = await this.redis.hgetall(this.keys.replicas());
    const live: ReplicaInfo[] = [];
    const stale: string[] = [];
    for (const [id, raw] of Object.entries(hash)) {
      const info = JSON.parse(raw) as ReplicaInfo;
      if (nowMs - Date.parse(info.seenAt) > 3 * HEARTBEAT_MS) stale.push(id);
      else live.push(info);
    }
    if (stale.length > 0) await this.redis.hdel(this.keys.replicas(), ...stale);
    return live.sort((a, b) => a.id.localeCompare(b.id));
  }
}
