/**
 * The service's two BullMQ queues and their job options. `checks` carries the
 * schedule ticks (one job per tick of a distinct schedule) and the incident
 * sweep; `notify` carries one job per notification, its id the
 * notification's deterministic id. Completed and failed jobs are trimmed by
 * age and count, so neither queue grows without bound.
 */
import { Queue, type JobsOptions } from 'bullmq';
import { z } from 'zod';
import type { Redis } from '../state/redis.js';

export const CHECKS_QUEUE = 'checks';
export const NOTIFY_QUEUE = 'notify';
export const SWEEP_SCHEDULER = 'sweep';

export const tickJobData = z.object({ scheduler: z.string() });
export type TickJobData = z.infer<typeof tickJobData>;

export interface JobTuning {
  /** Attempts of a tick whose warehouse is unreachable before its checks are recorded as `error`. */
  readonly tickAttempts: number;
  readonly tickBackoffMs: number;
  readonly notifyAttempts: number;
  readonly notifyBackoffMs: number;
  /**
   * After the last attempt, a notification that failed for a retryable reason
   * (Slack down) is tried again every this long instead of being dropped.
   */
  readonly notifyMaxBackoffMs: number;
  /** Scales a receiver's Retry-After (1 in production; tests shrink it). */
  readonly retryAfterScale: number;
}

export const DEFAULT_TUNING: JobTuning = {
  tickAttempts: 3,
  tickBackoffMs: 5_000,
  notifyAttempts: 10,
  notifyBackoffMs: 1_000,
  notifyMaxBackoffMs: 300_000,
  retryAfterScale: 1,
};

export const KEEP = {
  completed: { age: 3_600, count: 200 },
  failed: { age: 7 * 86_400, count: 1_000 },
} as const;

export function tickJobOptions(tuning: JobTuning): JobsOptions {
  return {
    attempts: tuning.tickAttempts,
    backoff: { type: 'exponential', delay: tuning.tickBackoffMs },
    removeOnComplete: KEEP.completed,
    removeOnFail: KEEP.failed,
  };
}

export function notifyJobOptions(tuning: JobTuning, jobId: string): JobsOptions {
  return {
    jobId,
    attempts: tuning.notifyAttempts,
    backoff: { type: 'exponential', delay: tuning.notifyBackoffMs },
    // A notify job's id is the notification's id: while the job is kept, a
    // second add with that id is ignored; the delivered marker covers the rest.
    removeOnComplete: { age: 86_400, count: 5_000 },
    removeOnFail: KEEP.failed,
  };
}

export function createQueues(connection: Redis, prefix: string): { checks: Queue; notify: Queue } {
  return {
    checks: new Queue(CHECKS_QUEUE, { connection, prefix }),
    notify: new Queue(NOTIFY_QUEUE, { connection, prefix }),
  };
}
