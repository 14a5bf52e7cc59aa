/**
 * Delivers notify jobs through the configured Notifier, each notification
 * once: the delivered marker (keyed by the notification's deterministic id)
 * is checked before sending and set right after, and the job lock keeps two
 * replicas from sending the same job at once.
 */
import { UnrecoverableError, type Job } from 'bullmq';
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
}

export async function runNotifyJob(deps: NotifyDeps, job: Job): Promise<'delivered' | 'already delivered'> {
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
    const giveUp = (err instanceof MeshwatchError && !err.retryable) || lastAttempt;
    deps.metrics?.notification(notifier.name, giveUp ? 'failed' : 'retry');
    if (err instanceof MeshwatchError && !err.retryable) throw new UnrecoverableError(`${err.code}: ${err.message}`);
    throw err;
  }
  deps.metrics?.notification(notifier.name, 'delivered');
  await deps.redis.set(marker, new Date().toISOString(), 'PX', deps.retentionMs);
  return 'delivered';
}
