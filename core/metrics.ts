/**
 * The service's Prometheus metrics: the only prom-client import. Each
 * instance has its own registry (no global default registry), so two
 * services in one test process never share counters.
 *
 * Counters are incremented where things happen (the tick job, the notify
 * worker); gauges that mirror state elsewhere (queue jobs, open incidents,
 * warehouse up) are read at scrape time through injected functions, so
 * prom-client never needs to know about BullMQ or Redis. A source that
 * fails (Redis down) leaves its gauge empty for that scrape instead of
 * failing the scrape: the counters still reach Prometheus.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface QueueJobCount {
  readonly queue: string;
  readonly state: string;
  readonly count: number;
}

/** Read at scrape time; each may be absent (a process without that part). */
export interface MetricSources {
  queueJobs?(): Promise<readonly QueueJobCount[]>;
  /** Open (unresolved) incidents per domain. */
  incidentsOpen?(): Promise<ReadonlyMap<string, number>>;
  /** 1 when the platform health is ok, 0 when degraded; undefined: not known yet. */
  warehouseUp?(): Promise<number | undefined>;
}

export type NotifyOutcome = 'delivered' | 'duplicate' | 'retry' | 'failed';

export class Metrics {
  readonly registry = new Registry();
  private sources: MetricSources = {};
  private readonly checks: Counter<'kind' | 'status'>;
  private readonly checkDuration: Histogram<'kind'>;
  private readonly notifications: Counter<'transport' | 'outcome'>;
  private readonly statements: Counter<'engine'>;
  private readonly scheduleLag: Histogram;

  constructor() {
    const registers = [this.registry];
    this.checks = new Counter({ name: 'meshwatch_checks_total', help: 'Check results recorded, by check kind and status.', labelNames: ['kind', 'status'], registers });
    this.checkDuration = new Histogram({
      name: 'meshwatch_check_duration_seconds',
      help: 'Warehouse seconds per cycle that served checks of this kind (batched statements split among the kinds they served).',
      labelNames: ['kind'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    const sources = () => this.sources;
    new Gauge({
      name: 'meshwatch_incidents_open',
      help: 'Unresolved incidents (open, acknowledged or snoozed), by domain of the product.',
      labelNames: ['domain'],
      registers,
      async collect() {
        this.reset();
        const open = await sources().incidentsOpen?.().catch(() => undefined);
        for (const [domain, n] of open ?? []) this.set({ domain }, n);
      },
    });
    this.notifications = new Counter({
      name: 'meshwatch_notifications_total',
      help: 'Notify job attempts by notifier and outcome (delivered, duplicate: already delivered, retry: will be retried, failed: given up).',
      labelNames: ['transport', 'outcome'],
      registers,
    });
    new Gauge({
      name: 'meshwatch_queue_jobs',
      help: 'Jobs in the service queues, by queue and state.',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const { queue, state, count } of (await sources().queueJobs?.().catch(() => undefined)) ?? []) this.set({ queue, state }, count);
      },
    });
    this.statements = new Counter({ name: 'meshwatch_warehouse_statements_total', help: 'Statements sent to the warehouse, by engine.', labelNames: ['engine'], registers });
    this.scheduleLag = new Histogram({
      name: 'meshwatch_schedule_lag_seconds',
      help: 'Delay between the time a tick was scheduled for and the time its job started.',
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
      registers,
    });
    new Gauge({
      name: 'meshwatch_warehouse_up',
      help: '1 when the last check cycle could use the warehouse (platform health ok), 0 when degraded.',
      registers,
      async collect() {
        this.reset();
        const up = await sources().warehouseUp?.().catch(() => undefined);
        if (up !== undefined) this.set(up);
      },
    });
  }

  setSources(sources: MetricSources): void {
    this.sources = sources;
  }

  /** One cycle's results: a count per kind and status, and per kind the warehouse seconds that served it (once per cycle). */
  cycle(results: ReadonlyArray<{ readonly kind: string; readonly status: string }>, secondsByKind: Readonly<Record<string, number>> | undefined): void {
    const counts = new Map<string, number>();
    for (const r of results) {
      const key = `${r.kind}\0${r.status}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [key, n] of counts) {
      const [kind, status] = key.split('\0') as [string, string];
      this.checks.inc({ kind, status }, n);
    }
    for (const [kind, seconds] of Object.entries(secondsByKind ?? {})) this.checkDuration.observe({ kind }, seconds);
  }

  statementsSent(engine: string, n: number): void {
    if (n > 0) this.statements.inc({ engine }, n);
    // Present from the first cycle, so `rate()` has a series even before any statement.
    else this.statements.inc({ engine }, 0);
  }

  scheduleLagSeconds(seconds: number): void {
    this.scheduleLag.observe(Math.max(0, seconds));
  }

  notification(transport: string, outcome: NotifyOutcome): void {
    this.notifications.inc({ transport, outcome });
  }

  contentType(): string {
    return this.registry.contentType;
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }
}
