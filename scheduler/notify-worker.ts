/**
 * Delivers notify jobs through the configured Notifier, each notification
 * once: the delivered marker (keyed by the notification's deterministic id)
 * is checked before sending and set right after, and the job lock keeps two
 * replicas from sending the same job at once.
 *
 * Waiting is the queue's job, never the notifier's: an error carrying
 * `retryAfterMs` (Slack's 429 Retry-After) moves the job to delayed for that
 * long without spending an attempt, so the worker's slot is free meanwhile;
 * other retryable errors back off exponentially, and after the last attempt
 * keep being tried every `maxBackoffMs` (a Slack outage longer than the
 * backoff must not lose the message). Non-retryable errors fail the job.
 */
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { MeshwatchError } from '../core/errors.js';
import type { Metrics } from '../core/metrics.js';
import { notificationSchema } from '../notifier/notification.js';
import type { Notifier } from '../notifier/notifier.js';
import type { RedisKeys } from '../state/keys.js';
import type { Redis } from '../state/redis.js';

export interface NotifyDeps {
  readonly redis: Redis;
  readonly keys: RedisKeys;
  readonly notifier: () => Notifier;
  readonly retentionMs: number;
  readonly metrics?: Metrics | undefined;
  /** Retry interval once the attempts are used up; default 5 min. */
  readonly maxBackoffMs?: number | undefined;
  /** Scales Retry-After (tests); default 1. */
  readonly retryAfterScale?: number | undefined;
}

export async function runNotifyJob(deps: NotifyDeps, job: Job, token?: string): Promise<'delivered' | 'already delivered'> {
  const parsed = notificationSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`notify job ${job.id} has invalid data: ${parsed.error.message}`);
  const notification = parsed.data;
  const marker = deps.keys.delivered(notification.id);
  const notifier = deps.notifier();
  if (await deps.redis.exists(marker)) {
    deps.metrics?.notification(notifier.name, 'duplicate');
    return 'already delivered';
  }
  try {
    await notifier.deliver(notification);
  } catch (err) {
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (err instanceof MeshwatchError && !err.retryable) {
      deps.metrics?.notification(notifier.name, 'failed');
      throw new UnrecoverableError(`${err.code}: ${err.message}`);
    }
    // A job moved to delayed is tried again, however many attempts it used: `retry`; `failed` only when BullMQ fails it for good.
    const retryAfterMs = (err as { retryAfterMs?: unknown }).retryAfterMs;
    if (token && typeof retryAfterMs === 'number') {
      deps.metrics?.notification(notifier.name, 'retry');
      await job.moveToDelayed(Date.now() + Math.ceil(retryAfterMs * (deps.retryAfterScale ?? 1)), token);
      throw new DelayedError();
    }
    // Only a failure known to be the receiver's passing trouble is kept alive; a bug fails after its attempts.
    if (token && err instanceof MeshwatchError && err.retryable && lastAttempt) {
      deps.metrics?.notification(notifier.name, 'retry');
      await job.moveToDelayed(Date.now() + (deps.maxBackoffMs ?? 300_000), token);
      throw new DelayedError();
    }
    deps.metrics?.notification(notifier.name, lastAttempt ? 'failed' : 'retry');
    throw err;
  }
  deps.metrics?.notification(notifier.name, 'delivered');
  await deps.redis.set(marker, new Date().toISOString(), 'PX', deps.retentionMs);
  return 'delivered';
}
