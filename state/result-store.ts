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

// KEYS: latest hash, history zset. ARGV: tickMs, oldestKeptMs, maxResults, ttlMs, then check, json pairs.
const RECORD = `
local tick, oldest, keep, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', KEYS[2], tick, tick)
for i = 5, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[2], tick, ARGV[i + 1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. oldest)
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(keep + 1))
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return 1
`;

/** Products per pipeline round trip when recording a tick. */
const CHUNK = 500;

export class ResultStore {
  private readonly sha: Promise<string>;

  constructor(private readonly redis: Redis, private readonly keys: RedisKeys) {
    this.sha = Promise.resolve(redis.script('LOAD', RECORD) as Promise<string>);
    this.sha.catch(() => {});
  }

  /**
   * One script call per product (atomic per product), pipelined: a tick of
   * 6,000 products is a dozen round trips, not 40,000 commands.
   */
  async record(results: readonly CheckResult[], tickMs: number, history: HistorySettings, nowMs = Date.now()): Promise<void> {
    const byProduct = new Map<string, CheckResult[]>();
    for (const result of results) {
      let list = byProduct.get(result.product);
      if (!list) byProduct.set(result.product, (list = []));
      list.push(result);
    }
    const entries = [...byProduct.entries()];
    let sha = await this.sha.catch(() => undefined);
    for (let i = 0; i < entries.length; i += CHUNK) {
      const pipeline = this.redis.pipeline();
      for (const [product, list] of entries.slice(i, i + CHUNK)) {
        const args = [String(tickMs), String(nowMs - history.maxAgeMs), String(history.results), String(history.maxAgeMs)];
        for (const r of list) args.push(r.check, JSON.stringify({ ...r, tick: tickMs }));
        if (sha) pipeline.evalsha(sha, 2, this.keys.latest(product), this.keys.history(product), ...args);
        else pipeline.eval(RECORD, 2, this.keys.latest(product), this.keys.history(product), ...args);
      }
      const replies = (await pipeline.exec()) ?? [];
      // After a Redis restart the script cache is empty: load it again and redo the chunk.
      if (replies.some(([err]) => err && /NOSCRIPT/.test(String(err)))) {
        sha = (await this.redis.script('LOAD', RECORD)) as string;
        i -= CHUNK;
        continue;
      }
      const failed = replies.find(([err]) => err);
      if (failed) throw failed[0];
    }
  }

  async latest(product: string): Promise<CheckResult[]> {
    const values = await this.redis.hvals(this.keys.latest(product));
    return values.map((v) => JSON.parse(v) as CheckResult).sort((a, b) => a.check.localeCompare(b.check));
  }

  /** Latest results of many products in one round trip (the status page's overview). */
  async latestMany(products: readonly string[]): Promise<Map<string, CheckResult[]>> {
    const out = new Map<string, CheckResult[]>();
    for (let i = 0; i < products.length; i += CHUNK * 4) {
      const slice = products.slice(i, i + CHUNK * 4);
      const pipeline = this.redis.pipeline();
      for (const product of slice) pipeline.hvals(this.keys.latest(product));
      const replies = (await pipeline.exec()) ?? [];
      slice.forEach((product, j) => {
        const [err, values] = replies[j] ?? [];
        if (err) throw err;
        const list = ((values ?? []) as string[]).map((v) => JSON.parse(v) as CheckResult).sort((a, b) => a.check.localeCompare(b.check));
        if (list.length > 0) out.set(product, list);
      });
    }
    return out;
  }

  /** Newest first. */
  async history(product: string, limit = 100): Promise<CheckResult[]> {
    const values = await this.redis.zrevrange(this.keys.history(product), 0, limit - 1);
    return values.map((v) => JSON.parse(v) as CheckResult);
  }
}
