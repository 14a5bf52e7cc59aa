/**
 * What the pages and the API show, built from the catalog and check results
 * without any I/O: the live page fills it from Redis (source.ts), the static
 * report (`check --html`) from one run. Results are redacted here, once,
 * for the viewer, so no renderer can show what the viewer may not see.
 */
import type { Catalog } from '../catalog/catalog.js';
import { impactOf, type Impact } from '../catalog/impact.js';
import type { CheckKind, CheckResult, CheckStatus } from '../checks/result.js';
import type { ProductFigures } from '../accountability/figures.js';
import type { TierReviewDue } from '../catalog/tier-review.js';
import type { Product, Tier } from '../config/types.js';
import { redactResult, type Viewer } from './redact.js';

export type ProductState = CheckStatus | 'unknown';
export const PRODUCT_STATES: readonly ProductState[] = ['fail', 'error', 'warn', 'pass', 'unknown'];
export const CHECK_KINDS: readonly CheckKind[] = ['freshness', 'schema', 'contract'];
export type IncidentViewState = 'open' | 'acknowledged' | 'snoozed' | 'resolved' | 'failing';

export interface KindStatus {
  readonly status: CheckStatus;
  readonly at: string;
  /** Checks of the kind in that state / all checks of the kind. */
  readonly count: number;
  readonly of: number;
}

export interface ProductSummary {
  readonly id: string;
  readonly name?: string | undefined;
  readonly domain: string;
  readonly domainName: string;
  readonly businessUnit?: string | undefined;
  readonly tier: Tier;
  /** Why the tier may be less strict than an input's (`tierJustification`), shown with the tier. */
  readonly tierJustification?: string | undefined;
  readonly state: ProductState;
  readonly kinds: Partial<Record<CheckKind, KindStatus>>;
  readonly lastRun?: string | undefined;
  /** Id of the unresolved incident, if any. */
  readonly incident?: string | undefined;
}

export interface IncidentView {
  /** Absent in a static report (no incident engine). */
  readonly id?: string | undefined;
  readonly product: string;
  readonly tier: Tier;
  readonly tierJustification?: string | undefined;
  readonly state: IncidentViewState;
  readonly rootCause: string;
  readonly checks: readonly string[];
  readonly brokenColumns?: readonly string[] | undefined;
  readonly openedAt?: string | undefined;
  readonly lastSeen?: string | undefined;
  readonly occurrences?: number | undefined;
  readonly acknowledgedBy?: string | undefined;
  readonly acknowledgedAt?: string | undefined;
  readonly snoozedBy?: string | undefined;
  readonly snoozedUntil?: string | undefined;
  readonly resolvedBy?: string | undefined;
  readonly resolvedAt?: string | undefined;
  readonly impact: Impact;
  /** Channels Slack refused this incident's messages to (channel_not_found, not_in_channel, …), latest refusal per channel. */
  readonly deliveryProblems?: readonly DeliveryProblemView[] | undefined;
}

/** A Slack refusal that retries cannot fix, as the Slack notifier noted it on the incident. */
export interface DeliveryProblemView {
  readonly channel: string;
  readonly code: string;
  readonly slackError?: string | undefined;
  readonly message: string;
  readonly at: string;
}

export interface IncidentGroupView {
  readonly rootCause: string;
  readonly incidents: readonly IncidentView[];
}

export interface MonitorHealth {
  readonly redis: 'ok' | 'unreachable';
  readonly warehouse: { readonly state: 'ok' | 'degraded'; readonly since?: string | undefined; readonly reason?: string | undefined };
  /** Notify and check jobs waiting, delayed or running. */
  readonly queueDepth?: number | undefined;
  readonly lastTick?: string | undefined;
  /** Notify jobs that gave up. */
  readonly notificationsFailing?: number | undefined;
  readonly replicas?: number | undefined;
  readonly configHash?: string | undefined;
}

export interface Filters {
  readonly domain?: string | undefined;
  readonly businessUnit?: string | undefined;
  readonly state?: ProductState | undefined;
}

export interface LineageNode {
  readonly id: string;
  readonly kind: 'product' | 'consumer';
  /** Column: negative upstream, 0 the product, positive downstream. */
  readonly depth: number;
  readonly state: ProductState;
  readonly domain: string;
}

export interface LineageEdge {
  readonly from: string;
  readonly to: string;
  /** On the broken path: breakage flows along it. */
  readonly broken: boolean;
}

export interface LineageModel {
  readonly center: string;
  readonly nodes: readonly LineageNode[];
  readonly edges: readonly LineageEdge[];
  /** Nodes left out per depth (too many to draw). */
  readonly hidden: Readonly<Record<number, number>>;
}

export interface ConsumerView {
  readonly id: string;
  readonly domain: string;
  readonly businessUnit?: string | undefined;
  readonly channel?: string | undefined;
  readonly columns?: readonly string[] | undefined;
}

/** A Slack subscription as the product page shows it; the subscriptions store (Slack work) provides them. */
export interface SubscriptionView {
  readonly channel: string;
  readonly columns?: readonly string[] | undefined;
  readonly by?: string | undefined;
  readonly since?: string | undefined;
  readonly status?: string | undefined;
  /** The subscribing consumer (`slack.<channel>`). */
  readonly consumer?: string | undefined;
  /** Restricted products: who approved the request, and when. */
  readonly approvedBy?: string | undefined;
  readonly approvedAt?: string | undefined;
  readonly request?: string | undefined;
}

/** A product's availability and the harm it caused over a window (accountability figures), for its page. */
export interface AvailabilityView extends ProductFigures {
  readonly window: { readonly from: string; readonly to: string; readonly days: number };
}

/** Tier lineage of a product less restricted than one of its inputs. */
export interface TierLineageView {
  readonly stricterInputs: ReadonlyArray<{ readonly id: string; readonly tier: Tier }>;
  /** The product's `tierJustification`; absent: the finding is a warning (or a config error). */
  readonly justification?: string | undefined;
  readonly message: string;
}

export type SubscriptionsOf = (productId: string) => Promise<readonly SubscriptionView[]>;

export interface ProductDetail {
  readonly summary: ProductSummary;
  readonly description?: string | undefined;
  readonly table: string;
  readonly schedule: string;
  readonly owner: { readonly channel?: string | undefined; readonly oncall?: string | undefined };
  readonly checks: readonly CheckResult[];
  /** Newest first. */
  readonly history: readonly CheckResult[];
  readonly incident?: IncidentView | undefined;
  readonly upstream: readonly string[];
  readonly downstream: readonly string[];
  readonly lineage: LineageModel;
  readonly consumers: readonly ConsumerView[];
  /** Undefined: no subscription store is wired into this process. */
  readonly subscriptions?: readonly SubscriptionView[] | undefined;
  /** Undefined: no incident history in this process (static report). */
  readonly availability?: AvailabilityView | undefined;
  readonly tierLineage?: TierLineageView | undefined;
  /** Present when the product's tier review is due. */
  readonly tierReview?: TierReviewDue | undefined;
  /** Where the product's file is (`governance.repoUrl` + its path), else its path. */
  readonly file?: { readonly path: string; readonly link?: string | undefined } | undefined;
}

const SEVERITY: Readonly<Record<ProductState, number>> = { fail: 4, error: 3, warn: 2, pass: 1, unknown: 0 };

export function worst(states: Iterable<ProductState>): ProductState {
  let out: ProductState = 'unknown';
  for (const s of states) if (SEVERITY[s] > SEVERITY[out]) out = s;
  return out;
}

export function askOf(catalog: Catalog, product: Product): string | undefined {
  return catalog.domain(product.domain)?.slackChannel;
}

export function redactAll(catalog: Catalog, results: readonly CheckResult[], viewer: Viewer): CheckResult[] {
  return results.map((r) => {
    const product = catalog.products.get(r.product);
    return product ? redactResult(r, product.tier, viewer, askOf(catalog, product)) : redactResult(r, 'restricted', viewer);
  });
}

export function summarize(catalog: Catalog, product: Product, latest: readonly CheckResult[], incident?: string): ProductSummary {
  const domain = catalog.domain(product.domain);
  const kinds: Partial<Record<CheckKind, KindStatus>> = {};
  for (const kind of CHECK_KINDS) {
    const of = latest.filter((r) => r.kind === kind);
    if (of.length === 0) continue;
    const status = worst(of.map((r) => r.status)) as CheckStatus;
    const at = of.map((r) => r.at).sort().at(-1)!;
    kinds[kind] = { status, at, count: of.filter((r) => r.status === status).length, of: of.length };
  }
  const lastRun = latest.map((r) => r.at).sort().at(-1);
  return {
    id: product.id,
    ...(product.name ? { name: product.name } : {}),
    domain: product.domain,
    domainName: domain?.name ?? product.domain,
    ...(domain?.businessUnit ? { businessUnit: domain.businessUnit } : {}),
    tier: product.tier,
    ...(product.tierJustification !== undefined ? { tierJustification: product.tierJustification } : {}),
    state: worst(latest.map((r) => r.status)),
    kinds,
    ...(lastRun ? { lastRun } : {}),
    ...(incident ? { incident } : {}),
  };
}

export function matches(summary: ProductSummary, filters: Filters): boolean {
  if (filters.domain && summary.domain !== filters.domain) return false;
  if (filters.businessUnit && summary.businessUnit !== filters.businessUnit) return false;
  if (filters.state && summary.state !== filters.state) return false;
  return true;
}

export function filterOptions(catalog: Catalog): { domains: Array<{ id: string; name: string }>; businessUnits: string[] } {
  const domains = [...catalog.domains.values()].map((d) => ({ id: d.id, name: d.name })).sort((a, b) => a.id.localeCompare(b.id));
  const businessUnits = [...new Set([...catalog.domains.values()].flatMap((d) => (d.businessUnit ? [d.businessUnit] : [])))].sort();
  return { domains, businessUnits };
}

/** Incidents grouped by root cause: the group with the largest blast radius first, its root first. */
export function groupIncidents(incidents: readonly IncidentView[]): IncidentGroupView[] {
  const groups = new Map<string, IncidentView[]>();
  for (const incident of incidents) {
    let list = groups.get(incident.rootCause);
    if (!list) groups.set(incident.rootCause, (list = []));
    list.push(incident);
  }
  const size = (list: readonly IncidentView[]) => list.reduce((n, i) => n + i.impact.consumers.length + i.impact.products.length, 0);
  return [...groups.entries()]
    .map(([rootCause, list]) => ({
      rootCause,
      incidents: [...list].sort((a, b) => Number(b.product === rootCause) - Number(a.product === rootCause) || a.product.localeCompare(b.product)),
    }))
    .sort((a, b) => size(b.incidents) - size(a.incidents) || a.rootCause.localeCompare(b.rootCause));
}

/** The impact of an incident's product as it is broken now; an unknown product (removed from config) has none. */
export function impactFor(catalog: Catalog, product: string, brokenColumns?: readonly string[]): Impact {
  if (!catalog.products.has(product)) return { product, domains: [], businessUnits: [], products: [], consumers: [] };
  return impactOf(catalog, product, brokenColumns);
}

const MAX_PER_COLUMN = 10;

/**
 * Two hops up and down from the product, plus its direct consumers. An
 * edge is on the broken path when breakage flows along it: from a failing
 * product to one that fails because of it or that it hurts (`impacted`).
 */
export function lineageOf(catalog: Catalog, center: string, stateOf: (id: string) => ProductState, impacted: ReadonlySet<string>): LineageModel {
  const nodes = new Map<string, LineageNode>();
  const edges: LineageEdge[] = [];
  const hidden: Record<number, number> = {};
  const perDepth = new Map<number, number>();
  const add = (id: string, kind: LineageNode['kind'], depth: number, domain: string): boolean => {
    if (nodes.has(id)) return true;
    const n = perDepth.get(depth) ?? 0;
    if (n >= MAX_PER_COLUMN) {
      hidden[depth] = (hidden[depth] ?? 0) + 1;
      return false;
    }
    perDepth.set(depth, n + 1);
    nodes.set(id, { id, kind, depth, state: kind === 'consumer' ? (impacted.has(id) ? 'fail' : 'pass') : stateOf(id), domain });
    return true;
  };
  const domainOf = (id: string) => catalog.products.get(id)?.domain ?? '';
  const flows = (from: string, to: string) => stateOf(from) === 'fail' && (stateOf(to) === 'fail' || impacted.has(to));
  add(center, 'product', 0, domainOf(center));
  let frontier = [center];
  for (let depth = -1; depth >= -2; depth--) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const up of catalog.upstreamOf(id)) {
        if (!catalog.products.has(up)) continue;
        if (add(up, 'product', depth, domainOf(up))) {
          edges.push({ from: up, to: id, broken: flows(up, id) });
          next.push(up);
        }
      }
    }
    frontier = next;
  }
  frontier = [center];
  for (let depth = 1; depth <= 2; depth++) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const edge of catalog.downstreamOf(id)) {
        if (nodes.get(edge.product)?.depth === 0) continue;
        if (add(edge.product, 'product', depth, domainOf(edge.product))) {
          edges.push({ from: id, to: edge.product, broken: flows(id, edge.product) });
          next.push(edge.product);
        }
      }
    }
    frontier = next;
  }
  // Beside the direct downstream products: an edge to a column further right would cross them.
  for (const link of catalog.consumersOf(center)) {
    const id = link.consumer.id;
    if (add(id, 'consumer', 1, link.consumer.domain)) edges.push({ from: center, to: id, broken: stateOf(center) === 'fail' && impacted.has(id) });
  }
  return { center, nodes: [...nodes.values()], edges, hidden };
}

export function consumersOf(catalog: Catalog, productId: string): ConsumerView[] {
  return catalog.consumersOf(productId).map((link) => {
    const unit = catalog.domain(link.consumer.domain)?.businessUnit;
    const channel = catalog.channelOf(link.consumer);
    return {
      id: link.consumer.id,
      domain: link.consumer.domain,
      ...(unit ? { businessUnit: unit } : {}),
      ...(channel ? { channel } : {}),
      ...(link.columns ? { columns: [...link.columns.values()] } : {}),
    };
  });
}

export function scheduleText(product: Product): string {
  const s = product.schedule;
  return s.kind === 'cron' ? `${s.pattern} (${s.timezone})` : `every ${s.text}`;
}

export function tableText(product: Product): string {
  const t = product.table;
  return [t.database?.name, t.schema.name, t.table.name].filter((x): x is string => Boolean(x)).join('.');
}
