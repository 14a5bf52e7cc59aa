/**
 * `/accountability` and `/api/accountability`: the figures of a window
 * (`?since=7d|30d|90d`) and of the window before it, from the incident
 * history and the cost counters (accountability/load.ts), redacted for the
 * viewer like the rest of the page: a restricted product's failing checks
 * are hidden from everyone but operators (its name, owner and figures stay:
 * harm and availability are what the page is for).
 */
import { accountabilityView, type AccountabilityView } from '../accountability/load.js';
import type { Figures, ProducerFigures, ProductFigures } from '../accountability/figures.js';
import type { Catalog } from '../catalog/catalog.js';
import { askOf } from './model.js';
import { redactionOf, type Viewer } from './redact.js';
import type { StatusSource } from './source.js';

export const ACCOUNTABILITY_WINDOWS = ['7d', '30d', '90d'] as const;
export type AccountabilitySince = (typeof ACCOUNTABILITY_WINDOWS)[number];
export const DEFAULT_SINCE: AccountabilitySince = '30d';
const DAYS: Readonly<Record<AccountabilitySince, number>> = { '7d': 7, '30d': 30, '90d': 90 };

/** A product's figures as this viewer may see them. */
export type ShownProductFigures = ProductFigures & {
  /** Its checks are hidden from this viewer (restricted tier). */
  readonly redacted?: true | undefined;
  /** Where to ask for them (the owner's channel). */
  readonly ask?: string | undefined;
};

export interface ShownFigures extends Omit<Figures, 'products' | 'producers'> {
  readonly producers: ReadonlyArray<Omit<ProducerFigures, 'products'> & { readonly products: readonly ShownProductFigures[] }>;
  readonly products: readonly ShownProductFigures[];
}

export interface AccountabilityModel {
  readonly since: AccountabilitySince;
  readonly days: number;
  readonly figures: ShownFigures;
  readonly previous: ShownFigures;
  readonly trend: AccountabilityView['trend'];
}

function showProduct(catalog: Catalog, p: ProductFigures, viewer: Viewer): ShownProductFigures {
  const product = catalog.products.get(p.product);
  // A product gone from the config: its tier as the history recorded it, else treated as restricted.
  const tier = product?.tier ?? (p.tier === 'open' || p.tier === 'limited' || p.tier === 'restricted' ? p.tier : 'restricted');
  if (redactionOf(tier, viewer) !== 'all') return p;
  const ask = product ? askOf(catalog, product) : undefined;
  return { ...p, checks: [], redacted: true, ...(ask ? { ask } : {}) };
}

export function showFigures(catalog: Catalog, figures: Figures, viewer: Viewer): ShownFigures {
  return {
    ...figures,
    producers: figures.producers.map((d) => ({ ...d, products: d.products.map((p) => showProduct(catalog, p, viewer)) })),
    products: figures.products.map((p) => showProduct(catalog, p, viewer)),
  };
}

/** Undefined when this process has no incident history (the page then says so). */
export async function loadAccountability(source: StatusSource, viewer: Viewer, since: AccountabilitySince, now: Date): Promise<AccountabilityModel | undefined> {
  if (!source.accountability) return undefined;
  const catalog = source.catalog();
  const days = DAYS[since];
  const view = await accountabilityView({ ...source.accountability, catalog }, now.getTime(), days * 86_400_000);
  return { since, days, figures: showFigures(catalog, view.figures, viewer), previous: showFigures(catalog, view.previous, viewer), trend: view.trend };
}
