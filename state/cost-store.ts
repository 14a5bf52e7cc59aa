/**
 * Monitoring cost counters in Redis: per UTC day, per domain, the statements
 * meshwatch sent and the milliseconds they took (see
 * checks/metered-warehouse.ts for how shared statements are split). A
 * retried tick adds its statements again: they did run twice, and the bill
 * counts them twice too. Each day's hash expires after
 * `history.incidentRetention`, like the incident history it is shown beside.
 */
import type { RedisKeys } from './keys.js';
import type { Redis } from './redis.js';

const DAY = 86_400_000;

export interface CostEntry {
  readonly statements: number;
  readonly ms: number;
}

export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export class CostStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly retentionMs: number,
  ) {}

  async add(atMs: number, byDomain: Readonly<Record<string, CostEntry>>): Promise<void> {
    const entries = Object.entries(byDomain);
    if (entries.length === 0) return;
    const key = this.keys.cost(dayOf(atMs));
    const multi = this.redis.multi();
    for (const [domain, cost] of entries) {
      multi.hincrbyfloat(key, `${domain}:statements`, cost.statements);
      multi.hincrbyfloat(key, `${domain}:ms`, cost.ms);
    }
    multi.pexpire(key, this.retentionMs + DAY);
    await multi.exec();
  }

  /** Sums of the UTC days that overlap [fromMs, toMs): the counters are per day, so a window is widened to whole days. */
  async read(fromMs: number, toMs: number): Promise<Map<string, { statements: number; seconds: number }>> {
    const days: string[] = [];
    for (let t = Date.parse(`${dayOf(fromMs)}T00:00:00Z`); t < toMs; t += DAY) days.push(dayOf(t));
    const out = new Map<string, { statements: number; seconds: number }>();
    const pipeline = this.redis.pipeline();
    for (const day of days) pipeline.hgetall(this.keys.cost(day));
    for (const [, hash] of (await pipeline.exec()) ?? []) {
      for (const [field, value] of Object.entries((hash ?? {}) as Record<string, string>)) {
        const cut = field.lastIndexOf(':');
        const domain = field.slice(0, cut);
        const kind = field.slice(cut + 1);
        let entry = out.get(domain);
        if (!entry) out.set(domain, (entry = { statements: 0, seconds: 0 }));
        if (kind === 'statements') entry.statements += Number(value);
        else if (kind === 'ms') entry.seconds += Number(value) / 1000;
      }
    }
    return out;
  }
}
