/**
 * What one tick job does. Idempotent, because BullMQ delivers at least once:
 * results are stored under the tick's time (a retry replaces them), incident
 * transitions carry the tick's op id (a retry repeats the first answer), and
 * notifications have deterministic ids.
 *
 * One tick = one `runCheckCycle` over every product due on that schedule:
 * one metadata pass per database, whatever their number.
 */
import { performance } from 'node:perf_hooks';
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import { runCheckCycle, unavailableCycle, type CycleOutcome } from '../checks/cycle.js';
import type { Warehouse } from '../checks/warehouse.js';
import type { WarehouseConfig } from '../config/types.js';
import { MeshwatchError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { applyTick } from '../notifier/apply-tick.js';
import type { Notification } from '../notifier/notification.js';
import { escalationPolicyFor } from '../notifier/escalation.js';
import { NotificationPlanner } from '../notifier/plan.js';
import type { CostStore } from '../state/cost-store.js';
import type { IncidentEngine } from '../state/incident-engine.js';
import type { PlatformHealthStore } from '../state/platform-health.js';
import type { ResultStore } from '../state/result-store.js';
import type { MeshSnapshot } from './config-source.js';
import { notifyJobOptions, tickJobData, type JobTuning } from './queues.js';

export type OpenWarehouse = (config: WarehouseConfig, defaultTimeoutMs: number) => Promise<Warehouse>;

export interface TickDeps {
  readonly mesh: () => MeshSnapshot;
  readonly openWarehouse: OpenWarehouse;
  readonly engine: IncidentEngine;
  readonly results: ResultStore;
  readonly health: PlatformHealthStore;
  /** Monitoring cost counters (statements and seconds per domain); none: not counted. */
  readonly cost?: CostStore | undefined;
  readonly notify: Queue;
  readonly tuning: JobTuning;
  readonly logger: Logger;
  /** Aborted when shutdown runs out of time: running statements are cancelled. */
  readonly signal: AbortSignal;
  /** Reloads consumers kept outside config (Slack subscriptions) before impact is read. */
  readonly refreshConsumers?: () => Promise<void>;
  readonly now?: () => Date;
  readonly metrics?: Metrics | undefined;
}

export interface TickSummary {
  readonly scheduler: string;
  readonly products: number;
  readonly checks: number;
  /** Warehouse statements of the cycle. */
  readonly queries: number;
  readonly dueAt: number;
  readonly doneAt: number;
  readonly notifications: number;
  readonly warehouseProblem?: string | undefined;
  readonly skipped?: string | undefined;
  /** Where the tick's time went: the check cycle, storing results, incidents and notifications. */
  readonly phasesMs?: { readonly cycle: number; readonly store: number; readonly incidents: number } | undefined;
}

/** The warehouse said unreachable or timed out: worth another attempt with backoff. */
export class WarehouseUnavailableError extends MeshwatchError {
  constructor(message: string) {
    super('WAREHOUSE_UNAVAILABLE_RETRY', message, { origin: 'operational', retryable: true });
  }
}

const RETRYABLE_PROBLEMS = new Set(['WAREHOUSE_UNREACHABLE', 'WAREHOUSE_TIMEOUT']);

export async function enqueueNotifications(queue: Queue, notifications: readonly Notification[], tuning: JobTuning): Promise<void> {
  if (notifications.length === 0) return;
  await queue.addBulk(notifications.map((n) => ({ name: n.transition, data: n, opts: notifyJobOptions(tuning, n.id) })));
}

function monitorProblemOf(outcome: CycleOutcome): { code: string; message: string } | undefined {
  const problems = outcome.monitorProblems ?? [];
  if (problems.length === 0) return undefined;
  return { code: problems[0]!.code, message: problems.map((p) => p.message).join('; ') };
}

async function cycle(deps: TickDeps, mesh: MeshSnapshot, products: MeshSnapshot['config']['products'], now: Date): Promise<CycleOutcome> {
  const { defaults, warehouse: warehouseConfig } = mesh.config.workspace;
  let warehouse: Warehouse;
  try {
    warehouse = await deps.openWarehouse(warehouseConfig, defaults.queryTimeoutMs);
  } catch (err) {
    deps.logger.debug({ err }, 'warehouse unavailable');
    return unavailableCycle(products, err, now);
  }
  try {
    // `mesh`: owner SQL may read its inputs' tables, which need not be due in this tick.
    return await runCheckCycle(warehouse, { products, mesh: mesh.config.products, defaults, now, concurrency: defaults.concurrency, timeoutMs: defaults.queryTimeoutMs, signal: deps.signal });
  } finally {
    await warehouse.close().catch(() => {});
  }
}

/**
 * When a tick job was meant to run: a cron tick carries its time as
 * `prevMillis`; an interval tick is made when the previous one is taken, due
 * `delay` after it was made; a manual tick is due when added.
 */
export function scheduledAt(job: { readonly timestamp: number; readonly opts: { readonly prevMillis?: number | undefined; readonly delay?: number | undefined } }): number {
  return job.opts.prevMillis ?? job.timestamp + (job.opts.delay ?? 0);
}

export async function runTickJob(deps: TickDeps, job: Job): Promise<TickSummary> {
  const parsed = tickJobData.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`tick job ${job.id} has invalid data`);
  const { scheduler } = parsed.data;
  const mesh = deps.mesh();
  const dueAt = job.opts.prevMillis ?? job.timestamp;
  const entry = mesh.schedules.get(scheduler);
  if (!entry || entry.products.length === 0) {
    // Removed from config since the job was made; reconciliation removes the scheduler.
    return { scheduler, products: 0, checks: 0, queries: 0, dueAt, doneAt: Date.now(), notifications: 0, skipped: 'no products on this schedule' };
  }
  // Lag against the real clock (BullMQ's times are real), first attempt only: a retry's delay is backoff, not lag.
  if (job.attemptsMade === 0) deps.metrics?.scheduleLagSeconds((Date.now() - scheduledAt(job)) / 1000);
  const now = deps.now?.() ?? new Date();
  const t0 = performance.now();
  const outcome = await cycle(deps, mesh, entry.products, now);
  const t1 = performance.now();
  deps.metrics?.statementsSent(mesh.config.workspace.warehouse.type, outcome.queries);
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  if (outcome.warehouseProblem && RETRYABLE_PROBLEMS.has(outcome.warehouseProblem.code) && !lastAttempt) {
    throw new WarehouseUnavailableError(`${outcome.warehouseProblem.code}: ${outcome.warehouseProblem.message}`);
  }

  const { history } = mesh.config.workspace;
  await deps.results.record(outcome.results, dueAt, history, now.getTime());
  if (deps.cost && outcome.cost) await deps.cost.add(now.getTime(), outcome.cost);
  deps.metrics?.cycle(outcome.results, outcome.secondsByKind);
  await deps.refreshConsumers?.();
  const t2 = performance.now();
  const applied = await applyTick(
    { catalog: mesh.catalog, engine: deps.engine, health: deps.health },
    {
      results: outcome.results,
      products: entry.products.map((p) => p.id),
      tickMs: dueAt,
      nowMs: now.getTime(),
      // Stable across the job's retries, distinct for every tick job.
      opId: `tick-${String(job.id)}`,
      // Most tables of a database missing is a monitor problem like an outage: one degraded event, with its reason.
      warehouseProblem: outcome.warehouseProblem ?? monitorProblemOf(outcome),
    },
  );
  await enqueueNotifications(deps.notify, applied.notifications, deps.tuning);
  const t3 = performance.now();
  return {
    phasesMs: { cycle: Math.round(t1 - t0), store: Math.round(t2 - t1), incidents: Math.round(t3 - t2) },
    scheduler,
    products: entry.products.length,
    checks: outcome.results.length,
    queries: outcome.queries,
    dueAt,
    doneAt: Date.now(),
    notifications: applied.notifications.length,
    ...(outcome.warehouseProblem ? { warehouseProblem: outcome.warehouseProblem.code } : {}),
  };
}

/** Snooze expiry, escalations and reminders (each product's domain policy), then their notifications. */
// Partial: tests and scripts drive the sweep without a warehouse; optional deps (e.g. a consumer refresh) still reach it.
export async function runSweepJob(deps: Pick<TickDeps, 'mesh' | 'engine' | 'notify' | 'tuning'> & Partial<TickDeps>): Promise<{ changes: number }> {
  const mesh = deps.mesh();
  const now = deps.now?.() ?? new Date();
  const changes = await deps.engine.sweep(now.getTime(), (product) => escalationPolicyFor(mesh.catalog, product));
  await deps.refreshConsumers?.();
  const planner = new NotificationPlanner(mesh.catalog, deps.engine);
  const notifications = await planner.planAll(changes, `sweep-${now.getTime()}`, now.toISOString());
  await enqueueNotifications(deps.notify, notifications, deps.tuning);
  return { changes: changes.length };
}
