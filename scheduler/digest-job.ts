/**
 * The digest job: on `digests.schedule` (a BullMQ job scheduler, see
 * reconcile.ts), the period ending at the job's due time against the one
 * before it, as digest notifications on the notify queue. Idempotent: the
 * period comes from the due time (not the clock), so a retried or
 * duplicated job builds the same digests with the same ids, and the notify
 * queue delivers each once.
 */
import type { Job, Queue } from 'bullmq';
import { buildDigests } from '../accountability/digest.js';
import type { CostStore } from '../state/cost-store.js';
import type { IncidentHistory } from '../state/incident-history.js';
import type { MeshSnapshot } from './config-source.js';
import type { JobTuning } from './queues.js';
import { enqueueNotifications } from './tick.js';

export const DIGEST_SCHEDULER = 'digest';

export interface DigestDeps {
  readonly mesh: () => MeshSnapshot;
  readonly history: IncidentHistory;
  readonly cost?: CostStore | undefined;
  readonly notify: Queue;
  readonly tuning: JobTuning;
  readonly now?: (() => Date) | undefined;
}

export async function runDigests(deps: DigestDeps, dueMs: number): Promise<{ digests: number }> {
  const mesh = deps.mesh();
  const { periodMs } = mesh.config.workspace.digests;
  const nowMs = deps.now?.().getTime() ?? Date.now();
  const history = await deps.history.list(dueMs - 2 * periodMs, dueMs, nowMs);
  const cost = deps.cost ? await deps.cost.read(dueMs - periodMs, dueMs) : undefined;
  const notifications = buildDigests({ history, catalog: mesh.catalog, period: { toMs: dueMs, periodMs }, cost });
  await enqueueNotifications(deps.notify, notifications, deps.tuning);
  return { digests: notifications.length };
}

export async function runDigestJob(deps: DigestDeps, job: Job): Promise<{ digests: number }> {
  // prevMillis: the scheduled time of this occurrence, the same on every attempt.
  return runDigests(deps, job.opts.prevMillis ?? job.timestamp);
}
