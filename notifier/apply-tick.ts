/**
 * Turns one schedule tick's results into incident transitions and the
 * notifications they call for. Root causes come from the one-shot engine
 * (`buildIncidents`) run over all of the tick's results together, plus the
 * open incidents of products not evaluated in this tick (checked on another
 * schedule, or `error` now), so that a product failing below an incident
 * opened on another schedule is still linked to it, and a product that
 * opened as its own root is re-linked once its upstream turns out broken.
 */
import type { Catalog } from '../catalog/catalog.js';
import { impactOf } from '../catalog/impact.js';
import { buildIncidents } from '../checks/incidents.js';
import type { CheckResult } from '../checks/result.js';
import type { WarehouseProblem } from '../checks/warehouse.js';
import type { Affected, IncidentChange, IncidentEngine, IncidentRecord } from '../state/incident-engine.js';
import type { PlatformHealthStore } from '../state/platform-health.js';
import type { Notification } from './notification.js';
import { NotificationPlanner } from './plan.js';

export interface TickContext {
  readonly catalog: Catalog;
  readonly engine: IncidentEngine;
  readonly health: PlatformHealthStore;
}

export interface TickInput {
  readonly results: readonly CheckResult[];
  /** Products checked in this tick. */
  readonly products: readonly string[];
  /** The tick's due time: orders retries against later ticks. */
  readonly tickMs: number;
  readonly nowMs: number;
  /** Stable per tick (not per attempt): a retry repeats the first attempt's answers. */
  readonly opId: string;
  readonly warehouseProblem?: WarehouseProblem | undefined;
}

export interface TickApplied {
  readonly changes: readonly IncidentChange[];
  readonly notifications: readonly Notification[];
  readonly degraded: boolean;
}

/** Share of a tick's products whose checks all came back `error` that reads as the monitor being degraded. */
export const DEGRADED_SHARE = 0.5;
const DEGRADED_MIN_PRODUCTS = 3;

type Status = 'failing' | 'passing' | 'unknown';

function statusOf(results: readonly CheckResult[]): Map<string, Status> {
  const status = new Map<string, Status>();
  for (const r of results) {
    const prev = status.get(r.product);
    if (r.status === 'fail') status.set(r.product, 'failing');
    else if (prev === 'failing') continue;
    else if (r.status === 'error') status.set(r.product, 'unknown');
    else if (prev === undefined) status.set(r.product, 'passing');
  }
  return status;
}

/** An open incident as failing results, for root-cause search across ticks. */
function asResults(record: IncidentRecord, at: string): CheckResult[] {
  return record.checks.map((check) => ({
    product: record.product,
    check,
    kind: check === 'freshness' ? 'freshness' : check === 'schema' ? 'schema' : 'contract',
    status: 'fail',
    message: `open incident ${record.id}`,
    columns: record.brokenColumns ? [...record.brokenColumns] : [],
    at,
  }));
}

/** Owners and hurt consumers of a failing product, as the incident history records them. */
export function affectedOf(catalog: Catalog, product: string, rootCause: string, brokenColumns: readonly string[] | undefined): Affected {
  const owner = catalog.products.get(product);
  const domain = owner ? catalog.domain(owner.domain) : undefined;
  const rootDomainId = catalog.products.get(rootCause)?.domain;
  const rootDomain = rootDomainId ? catalog.domain(rootDomainId) : undefined;
  const consumers: Record<string, { domain: string; businessUnit?: string | undefined }> = {};
  if (owner) {
    for (const c of impactOf(catalog, product, brokenColumns).consumers) consumers[c.id] = { domain: c.domain, businessUnit: c.businessUnit };
  }
  return {
    owner: { domain: owner?.domain, businessUnit: domain?.businessUnit, tier: owner?.tier, rootDomain: rootDomainId, rootBusinessUnit: rootDomain?.businessUnit },
    consumers,
  };
}

export async function applyTick(ctx: TickContext, input: TickInput): Promise<TickApplied> {
  const { catalog, engine } = ctx;
  const planner = new NotificationPlanner(catalog, engine);
  const at = new Date(input.nowMs).toISOString();
  const status = statusOf(input.results);
  for (const product of input.products) if (!status.has(product)) status.set(product, 'passing');

  const open = await engine.listOpen();
  const openByProduct = new Map(open.map((r) => [r.product, r]));
  const carried: CheckResult[] = [];
  for (const record of open) {
    if (!catalog.products.has(record.product)) continue;
    if (status.get(record.product) === 'failing' || status.get(record.product) === 'passing') continue;
    carried.push(...asResults(record, at));
  }
  const incidents = buildIncidents(catalog, [...input.results, ...carried]);
  const roots = incidents.filter((i) => i.rootCause === i.product);
  const caused = incidents.filter((i) => i.rootCause !== i.product);

  const changes: IncidentChange[] = [];
  const incidentOfProduct = new Map<string, string>();
  for (const [, record] of openByProduct) incidentOfProduct.set(record.product, record.id);

  for (const group of [roots, caused]) {
    for (const incident of group.sort((a, b) => a.product.localeCompare(b.product))) {
      const evaluated = status.get(incident.product) === 'failing';
      const rootIncident = incident.rootCause === incident.product ? undefined : incidentOfProduct.get(incident.rootCause);
      if (incident.rootCause !== incident.product && rootIncident === undefined) continue;
      if (!evaluated) {
        // Carried from an open incident: only its root may change.
        const record = openByProduct.get(incident.product);
        const wantRoot = rootIncident ?? record?.id;
        if (!record || record.root === wantRoot) continue;
      }
      const change = await engine.observe(
        {
          product: incident.product,
          checks: incident.checks,
          brokenColumns: incident.brokenColumns,
          rootCause: incident.rootCause,
          rootIncident,
          affected: affectedOf(catalog, incident.product, incident.rootCause, incident.brokenColumns),
        },
        `${input.opId}-observe`,
        input.tickMs,
        input.nowMs,
        !evaluated,
      );
      incidentOfProduct.set(incident.product, change.incident);
      changes.push(change);
    }
  }

  for (const product of input.products) {
    // Only products with an incident can resolve (ticks run one at a time, so none opens meanwhile).
    if (status.get(product) !== 'passing' || !openByProduct.has(product)) continue;
    const change = await engine.resolveProduct(product, `${input.opId}-resolve`, input.nowMs);
    if (change) changes.push(change);
  }

  const notifications: Notification[] = [];
  notifications.push(...(await planner.planAll(changes, input.opId, at)));

  const unknown = input.products.filter((p) => status.get(p) === 'unknown').length;
  const degraded =
    input.warehouseProblem !== undefined ||
    (unknown >= DEGRADED_MIN_PRODUCTS && unknown / Math.max(1, input.products.length) >= DEGRADED_SHARE);
  const reason = input.warehouseProblem
    ? `${input.warehouseProblem.code}: ${input.warehouseProblem.message}`
    : degraded
      ? `${unknown} of ${input.products.length} products could not be evaluated`
      : '';
  const health = await ctx.health.set(degraded, input.nowMs, reason);
  if (health) notifications.push(planner.platform(health, catalog.config.workspace.platform.slackChannel, at));

  return { changes, notifications, degraded };
}
