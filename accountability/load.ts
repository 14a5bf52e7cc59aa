/**
 * The one way readers get figures out of Redis: the CLI report, the digest
 * job and the status page's `/accountability` (issue 12 calls
 * `accountabilityView`). History and cost counters in, figures out.
 */
import type { Catalog } from '../catalog/catalog.js';
import type { CostStore } from '../state/cost-store.js';
import type { IncidentHistory } from '../state/incident-history.js';
import { computeFigures, type Figures, type ProducerFigures, type ProductFigures, type Window } from './figures.js';

export interface AccountabilitySources {
  readonly history: IncidentHistory;
  readonly cost?: CostStore | undefined;
  readonly catalog: Catalog;
}

/** Figures of one window, with the monitoring cost of the same days. */
export async function loadFigures(sources: AccountabilitySources, window: Window, nowMs: number): Promise<Figures> {
  const history = await sources.history.list(window.fromMs, window.toMs, nowMs);
  const cost = sources.cost ? await sources.cost.read(window.fromMs, window.toMs) : undefined;
  return computeFigures(history, sources.catalog, window, { cost });
}

export interface AccountabilityView {
  readonly figures: Figures;
  /** The window of the same length before it: the trend. */
  readonly previous: Figures;
  /** Per producer domain: consumer-hours, MTTA and MTTR mean now and before (for the trend column). */
  readonly trend: ReadonlyArray<{
    readonly domain: string;
    readonly consumerHours: number;
    readonly previousConsumerHours: number;
    readonly mttaMs?: number | undefined;
    readonly previousMttaMs?: number | undefined;
    readonly mttrMs?: number | undefined;
    readonly previousMttrMs?: number | undefined;
  }>;
}

/**
 * What `/accountability` shows: the matrix, per-domain figures and their
 * trend against the previous window of the same length. `periodMs` default
 * 30 days. Not tier-filtered: the page is the on-call page; a product page
 * that shows availability uses `productAvailability`.
 */
export async function accountabilityView(sources: AccountabilitySources, nowMs: number, periodMs = 30 * 86_400_000): Promise<AccountabilityView> {
  const figures = await loadFigures(sources, { fromMs: nowMs - periodMs, toMs: nowMs }, nowMs);
  const previous = await loadFigures(sources, { fromMs: nowMs - 2 * periodMs, toMs: nowMs - periodMs }, nowMs);
  const before = new Map<string, ProducerFigures>(previous.producers.map((p) => [p.domain, p]));
  const trend = figures.producers.map((p) => {
    const b = before.get(p.domain);
    return {
      domain: p.domain,
      consumerHours: p.consumerHours,
      previousConsumerHours: b?.consumerHours ?? 0,
      mttaMs: p.mtta.meanMs,
      previousMttaMs: b?.mtta.meanMs,
      mttrMs: p.mttr.meanMs,
      previousMttrMs: b?.mttr.meanMs,
    };
  });
  return { figures, previous, trend };
}

/** One product's figures (availability, incidents, harm) over the window, for its status page. */
export async function productAvailability(sources: AccountabilitySources, product: string, nowMs: number, periodMs = 30 * 86_400_000): Promise<ProductFigures | undefined> {
  const figures = await loadFigures(sources, { fromMs: nowMs - periodMs, toMs: nowMs }, nowMs);
  return figures.producers.flatMap((p) => p.products).find((p) => p.product === product);
}
