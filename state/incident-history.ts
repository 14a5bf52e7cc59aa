/**
 * Incident history: what happened to every incident over its life, kept
 * after the live incident hash expires (`history.maxAge`) for
 * `history.incidentRetention` (default 400 days), so that accountability
 * figures (MTTA, MTTR, consumer-hours, availability) hold over a year.
 *
 * Written only by the incident engine's Lua scripts, in the same script as
 * the transition it records (one Redis command: a crash, or an AOF replay,
 * keeps both or neither). One JSON document per incident under
 * `incidentHistory(id)`, and an index zset `historyIndex()`: id → resolved
 * time, `+inf` while unresolved. Bounds: a document expires
 * `incidentRetention` after its incident resolves; the index is pruned to
 * the same age when read; events per document are capped at
 * MAX_HISTORY_EVENTS (the first is kept, `droppedEvents` counts the rest).
 * An unresolved incident is kept however old it is.
 *
 * Owners and consumers are stored as they were when observed (domain and
 * business unit names), so figures over a past window do not change when a
 * domain moves to another business unit later.
 */
import { z } from 'zod';
import type { RedisKeys } from './keys.js';
import type { Redis } from './redis.js';

const ms = z.union([z.string(), z.number()]).transform((v) => Number(v));

/** cjson writes an empty Lua table as `{}` or `[]`; both read as an empty record. */
const recordOf = <T extends z.ZodType>(value: T) =>
  z.union([z.record(z.string(), value), z.array(z.never()).transform(() => ({}))]).default({});

const historyEventSchema = z.object({
  at: ms,
  /** The transition: opened, updated, reminder, escalated, acknowledged, snoozed, unsnoozed, resolved. */
  t: z.string(),
  by: z.string().optional(),
  until: ms.optional(),
  rootCause: z.string().optional(),
});

const historyDocSchema = z.object({
  id: z.string(),
  product: z.string(),
  openedAt: ms,
  domain: z.string().optional(),
  businessUnit: z.string().optional(),
  tier: z.string().optional(),
  rootCause: z.string().optional(),
  root: z.string().optional(),
  rootDomain: z.string().optional(),
  rootBusinessUnit: z.string().optional(),
  checks: z.union([z.array(z.string()), z.record(z.string(), z.never()).transform(() => [])]).default([]),
  acknowledgedAt: ms.optional(),
  acknowledgedBy: z.string().optional(),
  escalatedAt: ms.optional(),
  resolvedAt: ms.optional(),
  resolvedBy: z.string().optional(),
  consumers: recordOf(z.object({ domain: z.string(), businessUnit: z.string().optional(), since: ms })),
  events: z.union([z.array(historyEventSchema), z.record(z.string(), z.never()).transform(() => [])]).default([]),
  droppedEvents: z.number().optional(),
});

export type HistoryEvent = z.infer<typeof historyEventSchema>;

/** One incident's history; times in epoch ms. */
export interface HistoryRecord {
  readonly id: string;
  readonly product: string;
  /** The product's domain and business unit when it was observed. */
  readonly domain?: string | undefined;
  readonly businessUnit?: string | undefined;
  readonly tier?: string | undefined;
  /** The product at the root of the breakage (the last one known) and its owners. */
  readonly rootCause: string;
  /** Incident id of the root (its own id when it is its own root). */
  readonly root: string;
  readonly rootDomain?: string | undefined;
  readonly rootBusinessUnit?: string | undefined;
  readonly checks: readonly string[];
  readonly openedAt: number;
  /** The first acknowledgement. */
  readonly acknowledgedAt?: number | undefined;
  readonly acknowledgedBy?: string | undefined;
  readonly escalatedAt?: number | undefined;
  readonly resolvedAt?: number | undefined;
  readonly resolvedBy?: string | undefined;
  /** Every consumer hurt at some point of its life, from when it was first hurt. */
  readonly consumers: Readonly<Record<string, { readonly domain: string; readonly businessUnit?: string | undefined; readonly since: number }>>;
  readonly events: readonly HistoryEvent[];
}

export function parseHistory(raw: string): HistoryRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = historyDocSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const d = parsed.data;
  return {
    ...d,
    rootCause: d.rootCause ?? d.product,
    root: d.root ?? d.id,
    checks: d.checks,
    consumers: d.consumers,
    events: d.events,
  };
}

export class IncidentHistory {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly retentionMs: number,
  ) {}

  /**
   * Every kept incident that was open at some time in [fromMs, toMs]:
   * unresolved ones, and those resolved at or after `fromMs` and opened
   * before `toMs`. Prunes the index to the retention first.
   */
  async list(fromMs: number, toMs: number, nowMs = Date.now()): Promise<HistoryRecord[]> {
    await this.redis.zremrangebyscore(this.keys.historyIndex(), '-inf', `(${nowMs - this.retentionMs}`);
    const ids = await this.redis.zrangebyscore(this.keys.historyIndex(), String(fromMs), '+inf');
    const out: HistoryRecord[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const raws = await this.redis.mget(...chunk.map((id) => this.keys.incidentHistory(id)));
      for (const raw of raws) {
        const record = raw ? parseHistory(raw) : undefined;
        if (record && record.openedAt <= toMs) out.push(record);
      }
    }
    return out.sort((a, b) => a.openedAt - b.openedAt || a.id.localeCompare(b.id, 'en', { numeric: true }));
  }

  async get(id: string): Promise<HistoryRecord | undefined> {
    const raw = await this.redis.get(this.keys.incidentHistory(id));
    return raw ? parseHistory(raw) : undefined;
  }
}
