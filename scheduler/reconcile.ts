/**
 * Makes the queue's job schedulers match the config: one per distinct
 * schedule (all products on that schedule are checked by its tick), plus the
 * incident sweep and the weekly digest (`digests.schedule`). New ones are added, changed ones updated, removed ones
 * removed; unchanged ones are left alone so their next run is kept. Runs under
 * a Redis lock, one replica at a time; `upsertJobScheduler` is itself atomic,
 * so replicas starting together never duplicate schedulers or jobs.
 */
import type { Queue } from 'bullmq';
import type { Logger } from '../core/logger.js';
import type { RedisKeys } from '../state/keys.js';
import type { Redis } from '../state/redis.js';
import type { MeshSnapshot } from './config-source.js';
import { DIGEST_SCHEDULER } from './digest-job.js';
import { withLock } from './lock.js';
import { SWEEP_SCHEDULER, tickJobOptions, type JobTuning } from './queues.js';

interface Wanted {
  readonly repeat: { pattern: string; tz: string; immediately?: boolean } | { every: number };
  readonly name: string;
  readonly data: Record<string, string>;
}

export interface ReconcileReport {
  readonly added: string[];
  readonly updated: string[];
  readonly removed: string[];
  readonly kept: string[];
}

/** How often snooze expiry and reminders are looked at. */
export function sweepEveryMs(remindMs: number): number {
  return Math.max(1_000, Math.min(60_000, Math.floor(remindMs / 4)));
}

/** The shortest remind or escalate interval of any domain: the sweep looks four times as often. */
function sweepBasisMs(mesh: MeshSnapshot): number {
  const { escalation, domains } = mesh.config.workspace;
  let ms = escalation.remindMs;
  if (escalation.escalateMs !== undefined) ms = Math.min(ms, escalation.escalateMs);
  for (const d of domains) {
    if (d.escalation?.remind) ms = Math.min(ms, d.escalation.remind.ms);
    if (d.escalation?.escalate && d.escalation.escalate !== 'off') ms = Math.min(ms, d.escalation.escalate.ms);
  }
  return ms;
}

export async function reconcileSchedulers(
  deps: { queue: Queue; redis: Redis; keys: RedisKeys; logger: Logger },
  mesh: MeshSnapshot,
  tuning: JobTuning,
): Promise<ReconcileReport> {
  const wanted = new Map<string, Wanted>();
  for (const [id, { schedule }] of mesh.schedules) {
    wanted.set(id, {
      // A new cron schedule also ticks at once (an interval does by itself): a fresh
      // start checks everything instead of waiting for a daily schedule.
      repeat: schedule.kind === 'cron' ? { pattern: schedule.pattern, tz: schedule.timezone, immediately: true } : { every: schedule.everyMs },
      name: 'tick',
      data: { scheduler: id },
    });
  }
  wanted.set(SWEEP_SCHEDULER, { repeat: { every: sweepEveryMs(sweepBasisMs(mesh)) }, name: 'sweep', data: {} });
  const { digests } = mesh.config.workspace;
  // No `immediately`: a digest covers the week up to its scheduled time, not a restart's.
  if (digests.enabled) wanted.set(DIGEST_SCHEDULER, { repeat: { pattern: digests.schedule, tz: digests.timezone }, name: 'digest', data: {} });

  return withLock(deps.redis, deps.keys.reconcileLock(), 60_000, 120_000, async () => {
    const report: ReconcileReport = { added: [], updated: [], removed: [], kept: [] };
    const existing = await deps.queue.getJobSchedulers(0, -1);
    const have = new Map(existing.map((s) => [s.key, s]));
    for (const [id] of have) {
      if (!wanted.has(id)) {
        await deps.queue.removeJobScheduler(id);
        report.removed.push(id);
      }
    }
    for (const [id, want] of wanted) {
      const current = have.get(id);
      const same =
        current &&
        ('pattern' in want.repeat
          ? current.pattern === want.repeat.pattern && (current.tz ?? 'UTC') === want.repeat.tz
          : Number(current.every) === want.repeat.every);
      if (same) {
        report.kept.push(id);
        continue;
      }
      await deps.queue.upsertJobScheduler(id, want.repeat, { name: want.name, data: want.data, opts: tickJobOptions(tuning) });
      (current ? report.updated : report.added).push(id);
    }
    deps.logger.info({ ...report, kept: report.kept.length }, 'job schedulers reconciled with config');
    return report;
  });
}
