/**
 * `meshwatch serve` without its HTTP and signal plumbing: config, Redis,
 * queues, job schedulers, the check and notify workers, the replica
 * heartbeat. Several instances on one Redis (replicas, or two in one test
 * process) share the work through BullMQ: each job runs on one of them.
 *
 * Concurrency: the checks queue has a global concurrency of 1, so one tick
 * runs at a time across all replicas, and that tick runs at most
 * `defaults.concurrency` statements at once: the warehouse never sees more
 * than `defaults.concurrency` statements from meshwatch, however many
 * replicas run.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import { openWarehouse } from '../checks/open-warehouse.js';
import { ConfigError } from '../config/errors.js';
import { MeshwatchError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { Metrics, type QueueJobCount } from '../core/metrics.js';
import type { Notifier } from '../notifier/notifier.js';
import { IncidentEngine } from '../state/incident-engine.js';
import { RedisKeys } from '../state/keys.js';
import { PlatformHealthStore } from '../state/platform-health.js';
import { createRedis, DEFAULT_PREFIX, maxmemoryPolicy, safeRedisUrl, type Redis } from '../state/redis.js';
import { HEARTBEAT_MS, ReplicaRegistry, type ReplicaInfo } from '../state/replicas.js';
import { ResultStore } from '../state/result-store.js';
import { formatNotice } from '../config/notices.js';
import { SubscriptionCache, SubscriptionStore } from '../state/subscriptions.js';
import { loadMesh, reloadMesh, type MeshSnapshot } from './config-source.js';
import { runNotifyJob } from './notify-worker.js';
import { CHECKS_QUEUE, createQueues, DEFAULT_TUNING, NOTIFY_QUEUE, tickJobOptions, type JobTuning } from './queues.js';
import { reconcileSchedulers } from './reconcile.js';
import { runSweepJob, runTickJob, type OpenWarehouse, type TickSummary } from './tick.js';
import { runDigestJob } from './digest-job.js';
import { TierReviewStore } from '../state/tier-reviews.js';
import { CostStore } from '../state/cost-store.js';
import { IncidentHistory } from '../state/incident-history.js';

export interface WorkerTuning {
  /** BullMQ job lock; a worker that dies loses its job to stall detection after about this long. */
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  /** Notifications per second, across replicas (BullMQ's limiter is per queue). */
  readonly notifyPerSecond: number;
}

export const DEFAULT_WORKER_TUNING: WorkerTuning = { lockDurationMs: 30_000, stalledIntervalMs: 30_000, notifyPerSecond: 20 };

/** What a notifier built at start may use: the service's own connection and stores. */
export interface NotifierContext {
  readonly redis: Redis;
  readonly keys: RedisKeys;
  readonly engine: IncidentEngine;
  readonly results: ResultStore;
  /** The config in force (it changes on reload). */
  readonly snapshot: () => MeshSnapshot;
  readonly logger: Logger;
}

/** Builds the notifier once config and Redis are there (the Slack notifier needs both). */
export type NotifierFactory = (context: NotifierContext) => Notifier | Promise<Notifier>;

export interface ServiceOptions {
  readonly configDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** REDIS_URL, else `redis.url` of meshwatch.yaml, else redis://127.0.0.1:6379. */
  readonly redisUrl?: string | undefined;
  /** Key prefix; default `redis.prefix`, else `{meshwatch}`. */
  readonly prefix?: string | undefined;
  readonly notifier: Notifier | NotifierFactory;
  readonly logger: Logger;
  readonly openWarehouse?: OpenWarehouse | undefined;
  readonly tuning?: Partial<JobTuning> | undefined;
  readonly workers?: Partial<WorkerTuning> | undefined;
  /** Run no workers (a replica that only schedules), for tests. */
  readonly noWorkers?: boolean | undefined;
  readonly now?: () => Date;
  /** Where counters go; a fresh registry by default (one per service). */
  readonly metrics?: Metrics | undefined;
}

/** BullMQ job states reported by `queueJobs`. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;

export interface ServiceHealth {
  readonly status: 'ok';
  readonly replica: string;
  readonly configHash: string;
  readonly configLoadedAt: string;
  readonly replicas: readonly ReplicaInfo[];
  /** Replicas run different configs (each replica's hash is in `replicas`). */
  readonly configsDiffer: boolean;
  readonly platform: Awaited<ReturnType<PlatformHealthStore['get']>>;
}

export function resolveRedisUrl(env: NodeJS.ProcessEnv, mesh: MeshSnapshot | undefined): string {
  return env.REDIS_URL || mesh?.config.workspace.redis.url || 'redis://127.0.0.1:6379';
}

const defaultOpenWarehouse: OpenWarehouse = (config, defaultTimeoutMs) => openWarehouse(config, { defaultTimeoutMs });

export class MeshwatchService {
  readonly replicaId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 6)}`;
  readonly startedAt = new Date();
  private mesh!: MeshSnapshot;
  private redis!: Redis;
  private keys!: RedisKeys;
  private queues!: { checks: Queue; notify: Queue };
  private workers: Worker[] = [];
  private workerConnections: Redis[] = [];
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private lastConfigWarning = '';
  private closing = false;
  private notifier: Notifier | undefined;
  private readonly logger: Logger;
  private readonly tuning: JobTuning;
  private readonly workerTuning: WorkerTuning;
  engine!: IncidentEngine;
  history!: IncidentHistory;
  cost!: CostStore;
  results!: ResultStore;
  health!: PlatformHealthStore;
  replicas!: ReplicaRegistry;
  /** Slack subscriptions: the catalog's consumer source, reloaded from Redis when they change. */
  subscriptions!: SubscriptionCache;
  url = '';
  prefix = '';
  readonly metrics: Metrics;

  constructor(private readonly options: ServiceOptions) {
    this.metrics = options.metrics ?? new Metrics();
    this.logger = options.logger;
    this.tuning = { ...DEFAULT_TUNING, ...options.tuning };
    this.workerTuning = { ...DEFAULT_WORKER_TUNING, ...options.workers };
  }

  get snapshot(): MeshSnapshot {
    return this.mesh;
  }

  get queue(): { checks: Queue; notify: Queue } {
    return this.queues;
  }

  /** The notifier in use (`log`, `slack`, …), once started. */
  get notifierName(): string | undefined {
    return this.notifier?.name;
  }

  get connection(): Redis {
    return this.redis;
  }

  /** Loads config (a ConfigError stops here), then waits for Redis, retrying, and starts everything. */
  async start(): Promise<void> {
    this.mesh = await loadMesh(this.options.configDir, this.options.env);
    this.logNotices(this.mesh);
    this.url = this.options.redisUrl ?? resolveRedisUrl(this.options.env, this.mesh);
    this.prefix = this.options.prefix ?? this.mesh.config.workspace.redis.prefix ?? DEFAULT_PREFIX;
    this.keys = new RedisKeys(this.prefix);
    this.redis = createRedis(this.url, { name: 'commands', logger: this.logger });
    await this.waitForRedis();
    if (this.closing) return;
    await this.warnOnEvictionPolicy();

    const retentionMs = this.mesh.config.workspace.history.maxAgeMs;
    const historyRetentionMs = this.mesh.config.workspace.history.incidentRetentionMs;
    this.engine = new IncidentEngine(this.redis, this.keys, retentionMs, historyRetentionMs);
    this.history = new IncidentHistory(this.redis, this.keys, historyRetentionMs);
    this.cost = new CostStore(this.redis, this.keys, historyRetentionMs);
    this.results = new ResultStore(this.redis, this.keys);
    this.health = new PlatformHealthStore(this.redis, this.keys);
    this.replicas = new ReplicaRegistry(this.redis, this.keys);
    const given = this.options.notifier;
    this.notifier =
      typeof given === 'function'
        ? await given({ redis: this.redis, keys: this.keys, engine: this.engine, results: this.results, snapshot: () => this.mesh, logger: this.logger })
        : given;
    this.subscriptions = new SubscriptionCache(new SubscriptionStore(this.redis, this.keys, retentionMs), this.mesh.catalog.engine);
    this.attachSubscriptions(this.mesh);
    await this.subscriptions.refresh();
    this.queues = createQueues(this.redis, this.prefix);
    for (const queue of [this.queues.checks, this.queues.notify]) {
      queue.on('error', (err: Error) => this.logger.warn({ queue: queue.name, error: err.message }, 'queue connection problem'));
    }
    // One tick at a time across every replica; see the comment at the top.
    await this.queues.checks.setGlobalConcurrency(1);
    this.metrics.setSources({
      queueJobs: () => this.queueJobs(),
      incidentsOpen: async () => {
        const byDomain = new Map<string, number>();
        for (const incident of await this.engine.listOpen()) {
          const domain = this.mesh.catalog.products.get(incident.product)?.domain ?? 'unknown';
          byDomain.set(domain, (byDomain.get(domain) ?? 0) + 1);
        }
        return byDomain;
      },
      warehouseUp: async () => ((await this.health.get()).state === 'ok' ? 1 : 0),
    });
    await this.reconcile();
    await this.beat();
    this.heartbeatTimer = setInterval(() => void this.beat().catch((err: unknown) => this.logger.warn({ error: errorMessage(err) }, 'heartbeat failed')), HEARTBEAT_MS);
    this.heartbeatTimer.unref();
    if (!this.options.noWorkers) this.startWorkers();
    this.logger.info({ replica: this.replicaId, redis: safeRedisUrl(this.url), prefix: this.prefix, configHash: this.mesh.hash, schedules: this.mesh.schedules.size }, 'meshwatch serve started');
  }

  /** A catalog built anew (a reload of a config with sources) does not carry the subscriptions' source over by itself. */
  private attachSubscriptions(mesh: MeshSnapshot): void {
    if (!mesh.catalog.extraConsumerSources().includes(this.subscriptions.source)) mesh.catalog.addConsumerSource(this.subscriptions.source);
  }

  private async waitForRedis(): Promise<void> {
    this.redis.connect().catch(() => {});
    let attempt = 0;
    for (;;) {
      const ping = this.redis.ping().then(() => true, () => false);
      const ok = await Promise.race([ping, new Promise<false>((r) => setTimeout(() => r(false), 3_000).unref())]);
      if (ok) return;
      if (this.closing) return;
      attempt++;
      this.logger.warn({ redis: safeRedisUrl(this.url), attempt }, `cannot reach Redis at ${safeRedisUrl(this.url)}; retrying (set REDIS_URL or redis.url in meshwatch.yaml)`);
    }
  }

  private async warnOnEvictionPolicy(): Promise<void> {
    try {
      const policy = await maxmemoryPolicy(this.redis);
      if (policy !== undefined && policy !== 'noeviction') {
        this.logger.warn({ maxmemoryPolicy: policy }, `Redis maxmemory-policy is "${policy}", not "noeviction": Redis may evict queue and incident keys under memory pressure; set maxmemory-policy noeviction`);
      }
    } catch (err) {
      // Managed Redis services often refuse CONFIG; say so once and go on.
      this.logger.info({ error: errorMessage(err) }, 'could not read Redis maxmemory-policy');
    }
  }

  private async reconcile(): Promise<void> {
    await reconcileSchedulers({ queue: this.queues.checks, redis: this.redis, keys: this.keys, logger: this.logger }, this.mesh, this.tuning);
  }

  private async beat(): Promise<void> {
    await this.replicas.heartbeat({ id: this.replicaId, configHash: this.mesh.hash, startedAt: this.startedAt.toISOString() });
    const live = await this.replicas.list();
    const hashes = [...new Set(live.map((r) => r.configHash))].sort();
    const key = hashes.join(',');
    if (hashes.length > 1 && key !== this.lastConfigWarning) {
      this.logger.warn({ replicas: live.map((r) => ({ id: r.id, configHash: r.configHash })) }, 'replicas run different configs');
    }
    this.lastConfigWarning = hashes.length > 1 ? key : '';
  }

  private startWorkers(): void {
    const tickDeps = {
      mesh: () => this.mesh,
      openWarehouse: this.options.openWarehouse ?? defaultOpenWarehouse,
      engine: this.engine,
      results: this.results,
      health: this.health,
      cost: this.cost,
      notify: this.queues.notify,
      tuning: this.tuning,
      logger: this.logger,
      signal: this.abort.signal,
      metrics: this.metrics,
      refreshConsumers: () => this.subscriptions.refresh(),
      ...(this.options.now ? { now: this.options.now } : {}),
    };
    const checksConnection = createRedis(this.url, { name: 'checks-worker', logger: this.logger });
    const notifyConnection = createRedis(this.url, { name: 'notify-worker', logger: this.logger });
    this.workerConnections.push(checksConnection, notifyConnection);
    const checks = new Worker(
      CHECKS_QUEUE,
      async (job: Job) => {
        try {
          if (job.name === 'sweep') return await runSweepJob(tickDeps);
          if (job.name === 'digest') return await runDigestJob({ ...tickDeps, history: this.history, tierReviews: new TierReviewStore(this.redis, this.keys) }, job);
          return await runTickJob(tickDeps, job);
        } catch (err) {
          // Config and other user errors do not get better with retries.
          if (err instanceof MeshwatchError && err.origin === 'user') throw new UnrecoverableError(`${err.code}: ${err.message}`);
          throw err;
        }
      },
      {
        connection: checksConnection,
        prefix: this.prefix,
        concurrency: 1,
        lockDuration: this.workerTuning.lockDurationMs,
        stalledInterval: this.workerTuning.stalledIntervalMs,
        maxStalledCount: 2,
      },
    );
    checks.on('completed', (job: Job, summary: TickSummary | { changes: number } | { digests: number }) => {
      if (job.name === 'tick') this.logger.info({ job: job.id, ...summary }, 'tick done');
      if (job.name === 'digest') this.logger.info({ job: job.id, ...summary }, 'digests queued');
    });
    checks.on('failed', (job: Job | undefined, err: Error) => this.logger.warn({ job: job?.id, attempts: job?.attemptsMade, error: err.message }, 'check job failed'));
    const notify = new Worker(
      NOTIFY_QUEUE,
      (job: Job, token?: string) =>
        runNotifyJob(
          {
            redis: this.redis,
            keys: this.keys,
            notifier: () => this.notifier!,
            retentionMs: this.mesh.config.workspace.history.maxAgeMs,
            maxBackoffMs: this.tuning.notifyMaxBackoffMs,
            retryAfterScale: this.tuning.retryAfterScale,
            metrics: this.metrics,
          },
          job,
          token,
        ),
      {
        connection: notifyConnection,
        prefix: this.prefix,
        concurrency: 4,
        limiter: { max: this.workerTuning.notifyPerSecond, duration: 1_000 },
        lockDuration: this.workerTuning.lockDurationMs,
        stalledInterval: this.workerTuning.stalledIntervalMs,
      },
    );
    notify.on('failed', (job: Job | undefined, err: Error) => this.logger.warn({ job: job?.id, attempts: job?.attemptsMade, error: err.message }, 'notification not delivered yet'));
    for (const worker of [checks, notify]) worker.on('error', (err: Error) => this.logger.warn({ error: err.message }, 'worker connection problem'));
    this.workers.push(checks, notify);
  }

  /**
   * Reloads config. An invalid config is logged with every problem and the
   * running one is kept. Returns whether the new config is in force.
   */
  async reload(): Promise<boolean> {
    let next: MeshSnapshot;
    try {
      next = await reloadMesh(this.mesh, this.options.configDir, this.options.env);
    } catch (err) {
      if (err instanceof ConfigError) {
        this.logger.error({ problems: err.problems.map((p) => `${p.file}: ${p.path ? `${p.path}: ` : ''}${p.message}`) }, 'config reload failed; keeping the running config');
      } else {
        this.logger.error({ error: errorMessage(err) }, 'config reload failed; keeping the running config');
      }
      return false;
    }
    const previous = this.mesh.hash;
    if (next.config !== this.mesh.config) this.logNotices(next);
    this.attachSubscriptions(next);
    this.mesh = next;
    await this.reconcile();
    await this.beat();
    this.logger.info({ previous, configHash: next.hash }, 'config reloaded');
    return true;
  }

  /** Warnings and notes of a loaded config, as `validate` prints them (one log line, however many). */
  private logNotices(mesh: MeshSnapshot): void {
    const { notices } = mesh.config;
    if (notices.length === 0) return;
    const warnings = notices.filter((n) => n.kind === 'warning').length;
    this.logger.warn({ notices: notices.map(formatNotice) }, `config: ${warnings} warning${warnings === 1 ? '' : 's'}, ${notices.length - warnings} note${notices.length - warnings === 1 ? '' : 's'}`);
  }

  async healthReport(): Promise<ServiceHealth> {
    const replicas = await this.replicas.list();
    return {
      status: 'ok',
      replica: this.replicaId,
      configHash: this.mesh.hash,
      configLoadedAt: this.mesh.loadedAt.toISOString(),
      replicas,
      configsDiffer: new Set(replicas.map((r) => r.configHash)).size > 1,
      platform: await this.health.get(),
    };
  }

  /** Jobs per queue and state (BullMQ's counts), for metrics and the status page. */
  async queueJobs(): Promise<QueueJobCount[]> {
    const out: QueueJobCount[] = [];
    for (const queue of [this.queues.checks, this.queues.notify]) {
      const counts = await queue.getJobCounts(...QUEUE_STATES);
      for (const state of QUEUE_STATES) out.push({ queue: queue.name, state, count: counts[state] ?? 0 });
    }
    return out;
  }

  /**
   * Adds one tick job per schedule now (besides the scheduled ones), for an
   * operator who wants a run at once and for tests that drive ticks.
   * Returns the job ids.
   */
  async tickNow(): Promise<string[]> {
    const ids: string[] = [];
    for (const scheduler of this.mesh.schedules.keys()) {
      const jobId = `manual-${scheduler}-${Date.now()}-${randomUUID().slice(0, 6)}`;
      await this.queues.checks.add('tick', { scheduler }, { ...tickJobOptions(this.tuning), jobId });
      ids.push(jobId);
    }
    return ids;
  }

  /** Redis answers and a config is loaded. */
  async ready(): Promise<boolean> {
    if (!this.mesh || !this.redis) return false;
    const ping = this.redis.ping().then(() => true, () => false);
    return Promise.race([ping, new Promise<boolean>((r) => setTimeout(() => r(false), 1_000).unref())]);
  }

  /**
   * Graceful stop: workers take no new jobs and finish the running ones
   * within `timeoutMs` (BullMQ's close has no timeout of its own); after it,
   * running statements are cancelled and the workers closed by force (their
   * jobs return to the queue through stall detection).
   */
  async close(timeoutMs = 30_000): Promise<{ drained: boolean }> {
    this.closing = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    let drained = true;
    if (this.workers.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const graceful = Promise.all(this.workers.map((w) => w.close())).then(() => true);
      const timedOut = new Promise<false>((r) => (timer = setTimeout(() => r(false), timeoutMs)));
      drained = await Promise.race([graceful, timedOut]);
      clearTimeout(timer);
      if (!drained) {
        this.logger.warn({ timeoutMs }, 'shutdown timeout: cancelling running checks');
        this.abort.abort(new Error('shutdown'));
        await Promise.all(this.workers.map((w) => w.close(true).catch(() => {})));
      }
    }
    if (this.replicas) await this.replicas.remove(this.replicaId).catch(() => {});
    if (this.queues) await Promise.all([this.queues.checks.close(), this.queues.notify.close()]).catch(() => {});
    for (const connection of this.workerConnections) connection.disconnect();
    if (this.redis) {
      // quit() on a connection that never came up would wait for it.
      if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
      else this.redis.disconnect();
    }
    await this.notifier?.close?.();
    return { drained };
  }
}
