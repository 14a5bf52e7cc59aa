/**
 * Incident operations from outside the workers (the CLI now; Slack buttons
 * and the status page later): the transition in Redis, then its
 * notifications on the notify queue, which the service's workers deliver.
 */
import type { Queue } from 'bullmq';
import type { Catalog } from '../catalog/catalog.js';
import { NotificationPlanner } from '../notifier/plan.js';
import { IncidentEngine, type IncidentChange, type Operation } from '../state/incident-engine.js';
import { RedisKeys } from '../state/keys.js';
import type { Redis } from '../state/redis.js';
import { createQueues, DEFAULT_TUNING } from './queues.js';
import { enqueueNotifications } from './tick.js';

export interface OperationResult {
  readonly change: IncidentChange;
  readonly notifications: number;
}

export async function operateIncident(
  /** `notify`: the service's notify queue (the Slack app); without it a queue is opened for the call (the CLI). */
  deps: { redis: Redis; prefix: string; catalog: Catalog; retentionMs: number; historyRetentionMs?: number | undefined; notify?: Queue | undefined },
  id: string,
  operation: Operation,
  by: string,
  now: Date,
  until?: Date,
): Promise<OperationResult> {
  const keys = new RedisKeys(deps.prefix);
  const engine = new IncidentEngine(deps.redis, keys, deps.retentionMs, deps.historyRetentionMs ?? deps.catalog.config.workspace.history.incidentRetentionMs);
  const change = await engine.operate(id, operation, by, now.getTime(), until?.getTime());
  const notifications = await new NotificationPlanner(deps.catalog, engine).plan(change, `op-${id}-${change.seq}`, now.toISOString());
  if (deps.notify) {
    await enqueueNotifications(deps.notify, notifications, DEFAULT_TUNING);
    return { change, notifications: notifications.length };
  }
  const queues = createQueues(deps.redis, deps.prefix);
  try {
    await enqueueNotifications(queues.notify, notifications, DEFAULT_TUNING);
  } finally {
    await Promise.all([queues.checks.close(), queues.notify.close()]);
  }
  return { change, notifications: notifications.length };
}
