/**
 * Where the live page and the API read from: the catalog and the stores in
 * Redis, behind one small interface so that the HTTP side never reaches
 * into the service. `loadOverview` / `loadProduct` / `incidentViews` turn
 * them into the models of model.ts, redacted for the viewer.
 */
import { productAvailability } from '../accountability/load.js';
import type { Catalog } from '../catalog/catalog.js';
import { productFileLink, tierReviewsDue, type RecordedReview, type TierReviewDue } from '../catalog/tier-review.js';
import { tierLineageFindings, tierLineageMessage } from '../config/tier-lineage.js';
import type { CostStore } from '../state/cost-store.js';
import type { IncidentHistory } from '../state/incident-history.js';
import type { QueueJobCount } from '../core/metrics.js';
import type { IncidentEngine, IncidentRecord, Operation } from '../state/incident-engine.js';
import type { PlatformHealthStore } from '../state/platform-health.js';
import type { ReplicaRegistry } from '../state/replicas.js';
import type { ResultStore } from '../state/result-store.js';
import {
  consumersOf,
  filterOptions,
  impactFor,
  lineageOf,
  matches,
  redactAll,
  scheduleText,
  summarize,
  tableText,
  type DeliveryProblemView,
  type Filters,
  type IncidentView,
  type MonitorHealth,
  type ProductDetail,
  type ProductState,
  type ProductSummary,
  type SubscriptionsOf,
} from './model.js';
import type { OverviewModel } from './render/pages.js';
import { redactionOf, type Viewer } from './redact.js';

export interface StatusSource {
  catalog(): Catalog;
  readonly engine: IncidentEngine;
  readonly results: ResultStore;
  readonly health: PlatformHealthStore;
  readonly replicas: ReplicaRegistry;
  queueJobs(): Promise<readonly QueueJobCount[]>;
  redisUp(): Promise<boolean>;
  /** An incident operation through the incident engine, with its notifications. */
  operate(id: string, operation: Operation, by: string, now: Date, until?: Date): Promise<void>;
  /** Slack subscriptions of a product, once the subscription store is wired in. */
  readonly subscriptionsOf?: SubscriptionsOf | undefined;
  /** Incident history and monitoring cost counters: `/accountability` and each product's availability. */
  readonly accountability?: { readonly history: IncidentHistory; readonly cost?: CostStore | undefined } | undefined;
  /** Tier reviews recorded from Slack (TierReviewStore.latest()); absent: the files' dates alone count. */
  tierReviews?(): Promise<ReadonlyMap<string, RecordedReview>>;
  /** Channels Slack refused an incident's messages to, by channel (the Slack notifier's `problems:<incident>`). */
  deliveryProblems?(incident: string): Promise<readonly DeliveryProblemView[]>;
}

/** The view with the Slack delivery problems noted on the incident; a failing Redis read leaves them out. */
export async function withDeliveryProblems(source: StatusSource, view: IncidentView): Promise<IncidentView> {
  if (!source.deliveryProblems || !view.id) return view;
  const problems = await source.deliveryProblems(view.id).catch(() => undefined);
  return problems && problems.length > 0 ? { ...view, deliveryProblems: problems } : view;
}

/** The window of a product page's availability. */
export const AVAILABILITY_DAYS = 30;
const DAY_MS = 86_400_000;

/** Products whose tier review is due now; a failing Redis read leaves the files' dates to count. */
export async function loadTierReviewsDue(source: StatusSource, now: Date): Promise<TierReviewDue[]> {
  const recorded = source.tierReviews ? await source.tierReviews().catch(() => undefined) : undefined;
  return tierReviewsDue(source.catalog(), now, recorded ? new Map(recorded) : new Map());
}

/** Rows of the products table at most; the counts cover every product. */
export const MAX_PRODUCT_ROWS = 1_000;

/** `impact`: given when already known (a caused incident shown under its root reuses the root's). */
export function incidentView(catalog: Catalog, record: IncidentRecord, impact?: IncidentView['impact']): IncidentView {
  return {
    id: record.id,
    product: record.product,
    tier: catalog.products.get(record.product)?.tier ?? 'restricted',
    ...(catalog.products.get(record.product)?.tierJustification !== undefined ? { tierJustification: catalog.products.get(record.product)!.tierJustification } : {}),
    state: record.state,
    rootCause: record.rootCause,
    checks: record.checks,
    ...(record.brokenColumns ? { brokenColumns: record.brokenColumns } : {}),
    openedAt: record.openedAt,
    lastSeen: record.lastSeen,
    occurrences: record.occurrences,
    ...(record.acknowledgedBy ? { acknowledgedBy: record.acknowledgedBy, acknowledgedAt: record.acknowledgedAt } : {}),
    ...(record.snoozedBy ? { snoozedBy: record.snoozedBy, snoozedUntil: record.snoozedUntil } : {}),
    ...(record.resolvedAt ? { resolvedBy: record.resolvedBy, resolvedAt: record.resolvedAt } : {}),
    impact: impact ?? impactFor(catalog, record.product, record.brokenColumns),
  };
}

/**
 * Views of the open incidents for the overview, which shows one blast radius
 * per root cause: a caused incident whose root is open too shares the root's
 * impact instead of walking the graph again (a storm is thousands of caused
 * incidents under a few roots).
 */
export function openIncidentViews(catalog: Catalog, records: readonly IncidentRecord[]): IncidentView[] {
  const roots = new Map<string, IncidentView>();
  for (const r of records) if (r.product === r.rootCause) roots.set(r.product, incidentView(catalog, r));
  return records.map((r) => roots.get(r.product) ?? incidentView(catalog, r, roots.get(r.rootCause)?.impact));
}

async function monitorHealth(source: StatusSource, lastTick: string | undefined): Promise<MonitorHealth> {
  const [redis, platform, jobs, replicas] = await Promise.all([
    source.redisUp(),
    source.health.get().catch(() => undefined),
    source.queueJobs().catch(() => undefined),
    source.replicas.list().catch(() => undefined),
  ]);
  const count = (queue: string, states: readonly string[]) => (jobs ?? []).filter((j) => j.queue === queue && states.includes(j.state)).reduce((n, j) => n + j.count, 0);
  return {
    redis: redis ? 'ok' : 'unreachable',
    warehouse: platform ?? { state: 'ok' },
    // The checks queue always holds its schedulers' next (delayed) ticks: those are not backlog.
    ...(jobs ? { queueDepth: count('checks', ['waiting', 'active', 'prioritized']) + count('notify', ['waiting', 'active', 'prioritized', 'delayed']) } : {}),
    ...(jobs ? { notificationsFailing: count('notify', ['failed']) } : {}),
    ...(lastTick ? { lastTick } : {}),
    ...(replicas ? { replicas: replicas.length } : {}),
  };
}

export async function loadSummaries(source: StatusSource, viewer: Viewer): Promise<{ all: ProductSummary[]; open: IncidentRecord[] }> {
  const catalog = source.catalog();
  const ids = [...catalog.products.keys()];
  const [latest, open] = await Promise.all([source.results.latestMany(ids), source.engine.listOpen()]);
  const incidentOf = new Map(open.map((i) => [i.product, i.id]));
  const all = ids.map((id) => summarize(catalog, catalog.product(id), redactAll(catalog, latest.get(id) ?? [], viewer), incidentOf.get(id)));
  return { all, open };
}

export async function loadOverview(source: StatusSource, viewer: Viewer, filters: Filters, now: Date = new Date()): Promise<OverviewModel> {
  const catalog = source.catalog();
  const [{ all, open }, tierReviews] = await Promise.all([loadSummaries(source, viewer), loadTierReviewsDue(source, now)]);
  const counts: Record<ProductState, number> = { fail: 0, error: 0, warn: 0, pass: 0, unknown: 0 };
  let lastTick: string | undefined;
  for (const s of all) {
    counts[s.state]++;
    if (s.lastRun && (!lastTick || s.lastRun > lastTick)) lastTick = s.lastRun;
  }
  const order = (a: ProductSummary, b: ProductSummary) => a.domain.localeCompare(b.domain) || a.id.localeCompare(b.id);
  return {
    products: all.filter((s) => matches(s, filters)).sort(order).slice(0, MAX_PRODUCT_ROWS),
    counts,
    incidents: openIncidentViews(catalog, open),
    monitor: await monitorHealth(source, lastTick),
    filters,
    options: filterOptions(catalog),
    tierReviews,
  };
}

/** Undefined for a product the config does not have. */
export async function loadProduct(source: StatusSource, viewer: Viewer, id: string, historyLimit = 200, now: Date = new Date()): Promise<ProductDetail | undefined> {
  const catalog = source.catalog();
  const product = catalog.products.get(id);
  if (!product) return undefined;
  const neighbours = [...new Set([...catalog.upstreamOf(id), ...catalog.downstreamOf(id).map((e) => e.product)])];
  for (const up of [...neighbours]) for (const further of catalog.upstreamOf(up)) neighbours.push(further);
  for (const e of catalog.downstreamOf(id)) for (const further of catalog.downstreamOf(e.product)) neighbours.push(further.product);
  const periodMs = AVAILABILITY_DAYS * DAY_MS;
  const [latest, history, record, around, subscriptions, availability, reviewsDue] = await Promise.all([
    source.results.latest(id),
    source.results.history(id, historyLimit),
    source.engine.currentOf(id),
    source.results.latestMany([...new Set(neighbours)]),
    source.subscriptionsOf ? source.subscriptionsOf(id) : Promise.resolve(undefined),
    source.accountability ? productAvailability({ ...source.accountability, catalog }, id, now.getTime(), periodMs) : Promise.resolve(undefined),
    loadTierReviewsDue(source, now),
  ]);
  const finding = tierLineageFindings([product], catalog.products)[0];
  const link = productFileLink(catalog.config.workspace.governance.repoUrl, product.file);
  const states = new Map<string, ProductState>();
  for (const [pid, results] of around) {
    const p = catalog.products.get(pid);
    if (p) states.set(pid, summarize(catalog, p, results).state);
  }
  const summary = summarize(catalog, product, redactAll(catalog, latest, viewer), record?.id);
  states.set(id, summary.state);
  const incident = record ? await withDeliveryProblems(source, incidentView(catalog, record)) : undefined;
  const impacted = new Set([...(incident?.impact.products.map((p) => p.id) ?? []), ...(incident?.impact.consumers.map((c) => c.id) ?? [])]);
  const domain = catalog.domain(product.domain);
  return {
    summary,
    ...(product.description ? { description: product.description } : {}),
    table: tableText(product),
    schedule: scheduleText(product),
    owner: { channel: domain?.slackChannel, oncall: domain?.oncall },
    checks: redactAll(catalog, latest, viewer),
    history: redactAll(catalog, history, viewer),
    ...(incident ? { incident } : {}),
    upstream: catalog.upstreamOf(id),
    downstream: catalog.downstreamOf(id).map((e) => e.product),
    lineage: lineageOf(catalog, id, (pid) => states.get(pid) ?? 'unknown', impacted),
    consumers: consumersOf(catalog, id),
    ...(subscriptions ? { subscriptions } : {}),
    ...(source.accountability
      ? {
          availability: {
            // A product the history never saw was available all along.
            ...(availability ?? { product: id, domain: product.domain, tier: product.tier, incidents: 0, breakages: 0, consumerHours: 0, consumersHurt: 0, businessUnitsHurt: [], availability: 1, brokenMs: 0, checks: [] }),
            // As on /accountability: a restricted product's failing checks are for operators.
            ...(availability && redactionOf(product.tier, viewer) === 'all' ? { checks: [] } : {}),
            window: { from: new Date(now.getTime() - periodMs).toISOString(), to: now.toISOString(), days: AVAILABILITY_DAYS },
          },
        }
      : {}),
    ...(finding
      ? { tierLineage: { stricterInputs: finding.stricterInputs, ...(product.tierJustification !== undefined ? { justification: product.tierJustification } : {}), message: tierLineageMessage(finding) } }
      : {}),
    ...(reviewsDue.find((r) => r.product === id) ? { tierReview: reviewsDue.find((r) => r.product === id) } : {}),
    file: { path: product.file, ...(link ? { link } : {}) },
  };
}
