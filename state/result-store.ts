/**
 * Latest result per check and a bounded history per product. Bounds: the
 * history zset keeps at most `history.results` entries and none older than
 * `history.maxAge`; both keys expire `maxAge` after their last write, so a
 * product removed from config leaves nothing behind for long.
 *
 * A retried tick writes the same tick again: entries are scored by tick time
 * and the tick's earlier entries are replaced, so a retry never doubles history.
 */
import type { CheckResult } from '../checks/result.js';
import type { HistorySettings } from '../config/types.js';
import type { RedisKeys } from './keys.js';
import type { Redis } from './redis.js';

export class ResultStore {
  constructor(private readonly redis: Redis, private readonly keys: RedisKeys) {}

  async record(results: readonly CheckResult[], tickMs: number, history: HistorySettings, nowMs = Date.now()): Promise<void> {
    const byProduct = new Map<string, CheckResult[]>();
    for (const result of results) {
      let list = byProduct.get(result.product);
      if (!list) byProduct.set(result.product, (list = []));
      list.push(result);
    }
    const multi = this.redis.multi();
    for (const [product, list] of byProduct) {
      const latest = this.keys.latest(product);
      const historyKey = this.keys.history(product);
      multi.hset(latest, ...list.flatMap((r) => [r.check, JSON.stringify(r)]));
      multi.pexpire(latest, history.maxAgeMs);
      multi.zremrangebyscore(historyKey, tickMs, tickMs);
      multi.zadd(historyKey, ...list.flatMap((r) => [tickMs, JSON.stringify({ ...r, tick: tickMs })]));
      multi.zremrangebyscore(historyKey, '-inf', `(${nowMs - history.maxAgeMs}`);
      multi.zremrangebyrank(historyKey, 0, -(history.results + 1));
      multi.pexpire(historyKey, history.maxAgeMs);
    }
    await multi.exec();
  }

  async latest(product: string): Promise<CheckResult[]> {
    const values = await this.redis.hvals(this.keys.latest(product));
    return values.map((v) => JSON.parse(v) as CheckResult).sort((a, b) => a.check.localeCompare(b.check));
  }

  /** Newest first. */
  async history(product: string, limit = 100): Promise<CheckResult[]> {
    const values = await this.redis.zrevrange(this.keys.history(product), 0, limit - 1);
    return values.map((v) => JSON.parse(v) as CheckResult);
  }
}
