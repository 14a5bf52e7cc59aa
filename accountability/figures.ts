/**
 * Accountability figures: incident history + catalog + a window → who broke
 * what, whom it hurt and how fast it was fixed. Pure: no Redis, no clock.
 *
 * Definitions (README "Accountability" repeats them for users):
 * - **Window** `[from, to)`. An incident is *counted* in the window when it
 *   opened in it; *time-based* figures (consumer-hours, availability) take
 *   every incident open at some time in the window, clipped to it: one that
 *   opened before `from` counts from `from`, one still open counts to `to`.
 * - **Breakage**: a root incident and the incidents it caused downstream
 *   (those whose `root` is its id). A caused incident counts against its
 *   root cause's domain: the producer who broke the chain owns the harm.
 *   `incidents` counts every incident attributed (root and caused),
 *   `breakages` the root incidents alone.
 * - **Consumer-hours**: per breakage, each hurt consumer × the hours it was
 *   hurt (from when it was first hurt by an incident of the breakage to when
 *   that incident resolved), the intervals of one consumer across the
 *   breakage's incidents merged so that nothing is counted twice.
 * - **MTTA / MTTR** (mean and p90, nearest rank): over the breakages' root
 *   incidents that opened in the window; acknowledgement is the first one.
 *   Never acknowledged ones are counted in `unacknowledged` and left out of
 *   MTTA; unresolved ones are counted in `open` and left out of MTTR.
 * - **Availability** of a product: the share of the window with no incident
 *   of its own open (caused ones count: its consumers could not use it).
 * - A domain without a business unit is its own unit, shown as `(domain)`.
 */
import type { Catalog } from '../catalog/catalog.js';
import type { HistoryRecord } from '../state/incident-history.js';

export interface Window {
  readonly fromMs: number;
  readonly toMs: number;
}

export interface DurationStats {
  /** Incidents measured. */
  readonly count: number;
  readonly meanMs?: number | undefined;
  readonly p90Ms?: number | undefined;
}

export interface MonitoringCost {
  /** Statements meshwatch sent for the domain's products (shares of batched statements included). */
  readonly statements: number;
  /** Warehouse seconds meshwatch waited for them. */
  readonly seconds: number;
}

export interface BusinessUnitHarm {
  readonly businessUnit: string;
  readonly consumers: readonly string[];
  readonly incidents: number;
  readonly consumerHours: number;
}

export interface ProductFigures {
  readonly product: string;
  readonly domain: string;
  readonly tier?: string | undefined;
  /** Why the tier is what it is (issue 16: shown wherever the tier is). */
  readonly tierJustification?: string | undefined;
  /** Incidents of this product opened in the window (its own, whatever their root). */
  readonly incidents: number;
  /** Breakages rooted in this product opened in the window. */
  readonly breakages: number;
  /** Consumer-hours of the breakages rooted in this product. */
  readonly consumerHours: number;
  readonly consumersHurt: number;
  readonly businessUnitsHurt: readonly string[];
  /** Share of the window without an incident of its own open, 0..1. */
  readonly availability: number;
  readonly brokenMs: number;
  /** The checks that failed, over its incidents in the window. */
  readonly checks: readonly string[];
  /** Set when a reader left the checks out (a restricted product in a shared report). */
  readonly redacted?: true | undefined;
}

export interface ProducerFigures {
  readonly domain: string;
  readonly businessUnit: string;
  /** Incidents attributed to the domain (root cause in it), opened in the window. */
  readonly incidents: number;
  readonly breakages: number;
  /** Incidents of other products caused by its breakages. */
  readonly causedDownstream: number;
  /** Breakages whose hurt consumers include another business unit. */
  readonly reachedOtherBusinessUnits: number;
  readonly consumerHours: number;
  readonly consumersHurt: number;
  readonly hurt: readonly BusinessUnitHarm[];
  readonly mtta: DurationStats;
  readonly mttr: DurationStats;
  readonly unacknowledged: number;
  readonly open: number;
  readonly escalated: number;
  readonly products: readonly ProductFigures[];
  readonly cost?: MonitoringCost | undefined;
}

export interface OwnerHarm {
  readonly domain: string;
  readonly businessUnit: string;
  readonly products: readonly string[];
  /** Per root product: the breakages that hurt this consumer domain and its consumer-hours from them. */
  readonly productHarm: ReadonlyArray<{ readonly product: string; readonly incidents: number; readonly consumerHours: number }>;
  readonly incidents: number;
  readonly consumerHours: number;
  readonly mtta: DurationStats;
  readonly mttr: DurationStats;
}

export interface ConsumerFigures {
  readonly domain: string;
  readonly businessUnit: string;
  /** Breakages that hurt a consumer of this domain, opened in the window. */
  readonly incidents: number;
  readonly consumerHours: number;
  readonly consumersHurt: readonly string[];
  /** Who broke it, worst first. */
  readonly owners: readonly OwnerHarm[];
}

export interface MatrixCell {
  readonly producerBusinessUnit: string;
  readonly consumerBusinessUnit: string;
  readonly incidents: number;
  readonly consumerHours: number;
}

/** The producer figures summed per business unit (its domains' breakages together). */
export interface UnitFigures {
  readonly businessUnit: string;
  readonly domains: readonly string[];
  readonly incidents: number;
  readonly breakages: number;
  readonly reachedOtherBusinessUnits: number;
  readonly consumerHours: number;
  /** Consumer-hours in other business units. */
  readonly consumerHoursElsewhere: number;
  readonly mtta: DurationStats;
  readonly mttr: DurationStats;
  readonly unacknowledged: number;
  readonly open: number;
}

export interface Figures {
  readonly window: { readonly from: string; readonly to: string };
  readonly producers: readonly ProducerFigures[];
  /** Per producer business unit. */
  readonly businessUnits: readonly UnitFigures[];
  readonly consumers: readonly ConsumerFigures[];
  /** Producer BU × consumer BU, cells with something in them. */
  readonly matrix: readonly MatrixCell[];
  /** Products whose breakages harmed someone or broke, by consumer-hours then breakages. */
  readonly products: readonly ProductFigures[];
}

const HOUR = 3_600_000;

export function unitOf(domain: string, businessUnit: string | undefined): string {
  return businessUnit ?? `(${domain})`;
}

export function durationStats(values: readonly number[]): DurationStats {
  if (values.length === 0) return { count: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return { count: sorted.length, meanMs: Math.round(mean), p90Ms: sorted[Math.ceil(0.9 * sorted.length) - 1]! };
}

type Interval = readonly [number, number];

function clip(from: number, to: number, w: Window): Interval | undefined {
  const a = Math.max(from, w.fromMs);
  const b = Math.min(to, w.toMs);
  return b > a ? [a, b] : undefined;
}

/** Total length of the union of intervals. */
function unionLength(intervals: Interval[]): number {
  if (intervals.length === 0) return 0;
  const sorted = [...intervals].sort((x, y) => x[0] - y[0]);
  let total = 0;
  let [start, end] = sorted[0]!;
  for (const [a, b] of sorted.slice(1)) {
    if (a > end) {
      total += end - start;
      start = a;
      end = b;
    } else end = Math.max(end, b);
  }
  return total + (end - start);
}

const round2 = (n: number) => Math.round(n * 100) / 100;

interface Breakage {
  readonly root: string;
  readonly rootRecord?: HistoryRecord | undefined;
  readonly members: HistoryRecord[];
  readonly product: string;
  readonly domain: string;
  readonly unit: string;
  readonly openedAt: number;
  readonly counted: boolean;
  /** consumer → { domain, unit, ms clipped to the window } */
  readonly consumers: Map<string, { domain: string; unit: string; ms: number }>;
}

function endOf(r: HistoryRecord, w: Window): number {
  return r.resolvedAt ?? w.toMs;
}

function breakagesOf(history: readonly HistoryRecord[], w: Window, catalog: Catalog): Breakage[] {
  const byRoot = new Map<string, HistoryRecord[]>();
  for (const r of history) {
    let list = byRoot.get(r.root);
    if (!list) byRoot.set(r.root, (list = []));
    list.push(r);
  }
  const out: Breakage[] = [];
  for (const [root, members] of byRoot) {
    const rootRecord = members.find((m) => m.id === root);
    const head = rootRecord ?? members[0]!;
    const product = rootRecord?.product ?? head.rootCause;
    const domain = rootRecord?.domain ?? head.rootDomain ?? catalog.products.get(product)?.domain ?? '(unknown)';
    const unit = unitOf(domain, rootRecord ? rootRecord.businessUnit : head.rootBusinessUnit ?? catalog.domain(domain)?.businessUnit);
    // A breakage starts when its root opened (an incident re-linked to it may have opened earlier).
    const openedAt = rootRecord?.openedAt ?? Math.min(...members.map((m) => m.openedAt));
    const perConsumer = new Map<string, { domain: string; unit: string; intervals: Interval[] }>();
    for (const m of members) {
      for (const [id, c] of Object.entries(m.consumers)) {
        const span = clip(Math.max(m.openedAt, c.since), endOf(m, w), w);
        let entry = perConsumer.get(id);
        if (!entry) perConsumer.set(id, (entry = { domain: c.domain, unit: unitOf(c.domain, c.businessUnit), intervals: [] }));
        if (span) entry.intervals.push(span);
      }
    }
    const consumers = new Map<string, { domain: string; unit: string; ms: number }>();
    for (const [id, e] of perConsumer) consumers.set(id, { domain: e.domain, unit: e.unit, ms: unionLength(e.intervals) });
    out.push({ root, rootRecord, members, product, domain, unit, openedAt, counted: openedAt >= w.fromMs && openedAt < w.toMs, consumers });
  }
  return out.sort((a, b) => a.openedAt - b.openedAt);
}

/** As of the window's end: acknowledged or resolved after it reads as not (yet). */
function speed(breakages: readonly Breakage[], w: Window): { mtta: DurationStats; mttr: DurationStats; unacknowledged: number; open: number } {
  const tta: number[] = [];
  const ttr: number[] = [];
  let unacknowledged = 0;
  let open = 0;
  for (const b of breakages) {
    const r = b.rootRecord;
    if (!b.counted || !r) continue;
    if (r.acknowledgedAt !== undefined && r.acknowledgedAt < w.toMs) tta.push(r.acknowledgedAt - r.openedAt);
    else unacknowledged++;
    if (r.resolvedAt !== undefined && r.resolvedAt <= w.toMs) ttr.push(r.resolvedAt - r.openedAt);
    else open++;
  }
  return { mtta: durationStats(tta), mttr: durationStats(ttr), unacknowledged, open };
}

const hoursOf = (b: Breakage, pick?: (c: { domain: string; unit: string }) => boolean) => {
  let ms = 0;
  for (const c of b.consumers.values()) if (!pick || pick(c)) ms += c.ms;
  return ms / HOUR;
};

export interface FigureOptions {
  /** Monitoring cost per domain over the window (from CostStore). */
  readonly cost?: ReadonlyMap<string, MonitoringCost> | undefined;
}

export function computeFigures(history: readonly HistoryRecord[], catalog: Catalog, w: Window, options: FigureOptions = {}): Figures {
  const inWindow = history.filter((r) => r.openedAt < w.toMs && endOf(r, w) > w.fromMs);
  const breakages = breakagesOf(inWindow, w, catalog);
  const windowMs = w.toMs - w.fromMs;

  // Products: every catalog product, plus history's products no longer in it.
  const productIds = new Set<string>([...catalog.products.keys(), ...inWindow.map((r) => r.product)]);
  const products = new Map<string, ProductFigures>();
  for (const id of productIds) {
    const own = inWindow.filter((r) => r.product === id);
    const spans = own.map((r) => clip(r.openedAt, endOf(r, w), w)).filter((s): s is Interval => s !== undefined);
    const brokenMs = unionLength(spans);
    const rooted = breakages.filter((b) => b.product === id);
    const hurt = new Set<string>();
    const units = new Set<string>();
    for (const b of rooted) for (const [cid, c] of b.consumers) if (c.ms > 0 || b.counted) (hurt.add(cid), units.add(c.unit));
    const domain = catalog.products.get(id)?.domain ?? own[0]?.domain ?? '(unknown)';
    products.set(id, {
      product: id,
      domain,
      tier: catalog.products.get(id)?.tier ?? own[0]?.tier,
      ...(catalog.products.get(id)?.tierJustification !== undefined ? { tierJustification: catalog.products.get(id)!.tierJustification } : {}),
      incidents: own.filter((r) => r.openedAt >= w.fromMs).length,
      breakages: rooted.filter((b) => b.counted).length,
      consumerHours: round2(rooted.reduce((s, b) => s + hoursOf(b), 0)),
      consumersHurt: hurt.size,
      businessUnitsHurt: [...units].sort(),
      availability: windowMs > 0 ? Math.round((1 - brokenMs / windowMs) * 100_000) / 100_000 : 1,
      brokenMs,
      checks: [...new Set(own.flatMap((r) => r.checks))].sort(),
    });
  }

  const domainIds = new Set<string>([...catalog.config.workspace.domains.map((d) => d.id), ...breakages.map((b) => b.domain)]);
  const unitOfDomain = (id: string) => unitOf(id, catalog.domain(id)?.businessUnit);

  const producers: ProducerFigures[] = [];
  for (const domain of [...domainIds].sort()) {
    const mine = breakages.filter((b) => b.domain === domain);
    const counted = mine.filter((b) => b.counted);
    const unit = mine[0]?.unit ?? unitOfDomain(domain);
    const hurtByUnit = new Map<string, { consumers: Set<string>; incidents: Set<string>; ms: number }>();
    const consumersHurt = new Set<string>();
    for (const b of mine) {
      for (const [cid, c] of b.consumers) {
        if (c.ms === 0 && !b.counted) continue;
        let e = hurtByUnit.get(c.unit);
        if (!e) hurtByUnit.set(c.unit, (e = { consumers: new Set(), incidents: new Set(), ms: 0 }));
        e.consumers.add(cid);
        if (b.counted) e.incidents.add(b.root);
        e.ms += c.ms;
        consumersHurt.add(cid);
      }
    }
    const s = speed(mine, w);
    const cost = options.cost?.get(domain);
    producers.push({
      domain,
      businessUnit: unit,
      incidents: counted.reduce((n, b) => n + b.members.filter((m) => m.openedAt >= w.fromMs).length, 0),
      breakages: counted.length,
      causedDownstream: counted.reduce((n, b) => n + b.members.filter((m) => m.id !== b.root && m.openedAt >= w.fromMs).length, 0),
      reachedOtherBusinessUnits: counted.filter((b) => [...b.consumers.values()].some((c) => c.unit !== b.unit)).length,
      consumerHours: round2(mine.reduce((n, b) => n + hoursOf(b), 0)),
      consumersHurt: consumersHurt.size,
      hurt: [...hurtByUnit.entries()]
        .map(([businessUnit, e]) => ({ businessUnit, consumers: [...e.consumers].sort(), incidents: e.incidents.size, consumerHours: round2(e.ms / HOUR) }))
        .sort((a, b) => b.consumerHours - a.consumerHours || a.businessUnit.localeCompare(b.businessUnit)),
      ...s,
      escalated: counted.filter((b) => b.rootRecord?.escalatedAt !== undefined).length,
      products: [...products.values()].filter((p) => p.domain === domain).sort((a, b) => a.product.localeCompare(b.product)),
      ...(cost ? { cost: { statements: round2(cost.statements), seconds: round2(cost.seconds) } } : {}),
    });
  }

  const businessUnits: UnitFigures[] = [...new Set(breakages.map((b) => b.unit))].sort().map((unit) => {
    const mine = breakages.filter((b) => b.unit === unit);
    const counted = mine.filter((b) => b.counted);
    return {
      businessUnit: unit,
      domains: [...new Set(mine.map((b) => b.domain))].sort(),
      incidents: counted.reduce((n, b) => n + b.members.filter((m) => m.openedAt >= w.fromMs).length, 0),
      breakages: counted.length,
      reachedOtherBusinessUnits: counted.filter((b) => [...b.consumers.values()].some((c) => c.unit !== b.unit)).length,
      consumerHours: round2(mine.reduce((n, b) => n + hoursOf(b), 0)),
      consumerHoursElsewhere: round2(mine.reduce((n, b) => n + hoursOf(b, (c) => c.unit !== unit), 0)),
      ...speed(mine, w),
    };
  });

  const consumerDomains = new Set<string>([...catalog.config.consumers.map((c) => c.domain)]);
  for (const b of breakages) for (const c of b.consumers.values()) consumerDomains.add(c.domain);
  const consumers: ConsumerFigures[] = [];
  for (const domain of [...consumerDomains].sort()) {
    const mineOf = (b: Breakage) => [...b.consumers.entries()].filter(([, c]) => c.domain === domain);
    const hurting = breakages.filter((b) => mineOf(b).length > 0);
    const hurt = new Set<string>();
    for (const b of hurting) for (const [cid, c] of mineOf(b)) if (c.ms > 0 || b.counted) hurt.add(cid);
    const byOwner = new Map<string, Breakage[]>();
    for (const b of hurting) {
      let list = byOwner.get(b.domain);
      if (!list) byOwner.set(b.domain, (list = []));
      list.push(b);
    }
    const owners: OwnerHarm[] = [...byOwner.entries()].map(([owner, list]) => {
      const s = speed(list, w);
      return {
        domain: owner,
        businessUnit: list[0]!.unit,
        products: [...new Set(list.map((b) => b.product))].sort(),
        productHarm: [...new Set(list.map((b) => b.product))].sort().map((product) => {
          const of = list.filter((b) => b.product === product);
          return { product, incidents: of.filter((b) => b.counted).length, consumerHours: round2(of.reduce((n, b) => n + hoursOf(b, (c) => c.domain === domain), 0)) };
        }),
        incidents: list.filter((b) => b.counted).length,
        consumerHours: round2(list.reduce((n, b) => n + hoursOf(b, (c) => c.domain === domain), 0)),
        mtta: s.mtta,
        mttr: s.mttr,
      };
    });
    owners.sort((a, b) => b.consumerHours - a.consumerHours || b.incidents - a.incidents || a.domain.localeCompare(b.domain));
    consumers.push({
      domain,
      businessUnit: unitOfDomain(domain),
      incidents: hurting.filter((b) => b.counted).length,
      consumerHours: round2(hurting.reduce((n, b) => n + hoursOf(b, (c) => c.domain === domain), 0)),
      consumersHurt: [...hurt].sort(),
      owners,
    });
  }

  const cells = new Map<string, { p: string; c: string; incidents: Set<string>; ms: number }>();
  for (const b of breakages) {
    for (const c of b.consumers.values()) {
      if (c.ms === 0 && !b.counted) continue;
      const key = `${b.unit}\u0000${c.unit}`;
      let cell = cells.get(key);
      if (!cell) cells.set(key, (cell = { p: b.unit, c: c.unit, incidents: new Set(), ms: 0 }));
      if (b.counted) cell.incidents.add(b.root);
      cell.ms += c.ms;
    }
  }
  const matrix = [...cells.values()]
    .map((cell) => ({ producerBusinessUnit: cell.p, consumerBusinessUnit: cell.c, incidents: cell.incidents.size, consumerHours: round2(cell.ms / HOUR) }))
    .sort((a, b) => a.producerBusinessUnit.localeCompare(b.producerBusinessUnit) || a.consumerBusinessUnit.localeCompare(b.consumerBusinessUnit));

  const ranked = [...products.values()]
    .filter((p) => p.consumerHours > 0 || p.breakages > 0 || p.incidents > 0)
    .sort((a, b) => b.consumerHours - a.consumerHours || b.breakages - a.breakages || b.incidents - a.incidents || a.product.localeCompare(b.product));

  return {
    window: { from: new Date(w.fromMs).toISOString(), to: new Date(w.toMs).toISOString() },
    producers,
    businessUnits,
    consumers,
    matrix,
    products: ranked,
  };
}
