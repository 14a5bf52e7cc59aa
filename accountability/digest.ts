/**
 * Weekly digests: the figures of a period against the previous one, as
 * notifications with transition `digest` and their content in `digest`
 * (notifier/notification.ts), one per producer domain, one per consumer
 * domain and one for the platform channel; plus a plain-text rendering.
 *
 * Tier-aware: a digest for one domain shows the failing checks of its own
 * products and of other domains' open and limited products; a restricted
 * product of another domain (and every restricted product in the platform
 * digest, which the whole platform channel reads) shows its name, owner and
 * figures only (`redacted: true`), as consumer alerts do.
 *
 * Ids are deterministic (`digest-<kind>-<domain>-<period end>`), so a
 * retried digest job delivers each digest once.
 */
import { formatDuration } from '../config/duration.js';
import type { Catalog } from '../catalog/catalog.js';
import { plural } from '../core/text.js';
import { channelSlug, type Digest, type Notification } from '../notifier/notification.js';
import type { HistoryRecord } from '../state/incident-history.js';
import { computeFigures, type DurationStats, type Figures, type MonitoringCost, type ProductFigures } from './figures.js';

export interface DigestPeriod {
  /** End of the period (the digest job's due time), epoch ms. */
  readonly toMs: number;
  readonly periodMs: number;
}

export interface DigestInputs {
  /** History covering both the period and the one before it. */
  readonly history: readonly HistoryRecord[];
  readonly catalog: Catalog;
  readonly period: DigestPeriod;
  readonly cost?: ReadonlyMap<string, MonitoringCost> | undefined;
}

const TOP = 5;

type DigestProduct = NonNullable<Digest['platform']>['topProducts'][number];

function productLine(p: ProductFigures, audienceDomain: string | undefined, catalog: Catalog): DigestProduct {
  const tier = p.tier ?? catalog.products.get(p.product)?.tier;
  const redacted = tier === 'restricted' && p.domain !== audienceDomain;
  return {
    product: p.product,
    domain: p.domain,
    ...(tier ? { tier } : {}),
    incidents: p.incidents,
    consumerHours: p.consumerHours,
    availability: p.availability,
    ...(redacted ? { redacted: true } : { checks: [...p.checks] }),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The three kinds of digest for one period, as notifications. */
export function buildDigests(inputs: DigestInputs): Notification[] {
  const { catalog, period } = inputs;
  const to = period.toMs;
  const from = to - period.periodMs;
  const prevFrom = from - period.periodMs;
  const now = computeFigures(inputs.history, catalog, { fromMs: from, toMs: to }, { cost: inputs.cost });
  const before = computeFigures(inputs.history, catalog, { fromMs: prevFrom, toMs: from });
  const periods = { period: { from: iso(from), to: iso(to) }, previous: { from: iso(prevFrom), to: iso(from) } };
  const at = iso(to);
  const stamp = at.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const out: Notification[] = [];
  const base = (kind: Digest['kind'], key: string, channel: string | null, audience: Notification['audience']) => ({
    type: 'notification' as const,
    id: `digest-${kind}-${channelSlug(key)}-${stamp}`,
    incident: null,
    product: null,
    rootCause: null,
    audience,
    channel,
    transition: 'digest',
    at,
  });

  const producingDomains = new Set([...catalog.products.values()].map((p) => p.domain));
  for (const p of now.producers) {
    if (!producingDomains.has(p.domain)) continue;
    const prev = before.producers.find((x) => x.domain === p.domain);
    const domain = catalog.domain(p.domain);
    const ranked = [...p.products].sort((a, b) => b.consumerHours - a.consumerHours || b.incidents - a.incidents || a.product.localeCompare(b.product));
    const digest: Digest = {
      kind: 'producer',
      domain: p.domain,
      businessUnit: p.businessUnit,
      ...periods,
      producer: {
        incidents: p.incidents,
        breakages: p.breakages,
        reachedOtherBusinessUnits: p.reachedOtherBusinessUnits,
        consumerHours: p.consumerHours,
        previousConsumerHours: prev?.consumerHours ?? 0,
        hurt: p.hurt.map((h) => ({ ...h, consumers: [...h.consumers] })),
        mtta: p.mtta,
        mttr: p.mttr,
        previousMtta: prev?.mtta ?? { count: 0 },
        previousMttr: prev?.mttr ?? { count: 0 },
        unacknowledged: p.unacknowledged,
        open: p.open,
        topProducts: ranked.filter((x) => x.incidents > 0 || x.consumerHours > 0).slice(0, TOP).map((x) => productLine(x, p.domain, catalog)),
        ...(p.cost ? { cost: p.cost } : {}),
      },
    };
    out.push({ ...base('producer', p.domain, domain?.slackChannel ?? null, 'producer'), digest });
  }

  for (const c of now.consumers) {
    const prev = before.consumers.find((x) => x.domain === c.domain);
    const domain = catalog.domain(c.domain);
    const channel = domain?.slackChannel ?? catalog.config.consumers.find((x) => x.domain === c.domain && x.slackChannel)?.slackChannel ?? null;
    const digest: Digest = {
      kind: 'consumer',
      domain: c.domain,
      businessUnit: c.businessUnit,
      ...periods,
      consumer: {
        incidents: c.incidents,
        consumerHours: c.consumerHours,
        previousConsumerHours: prev?.consumerHours ?? 0,
        consumersHurt: [...c.consumersHurt],
        owners: c.owners.map((o) => ({
          domain: o.domain,
          businessUnit: o.businessUnit,
          // Incidents and consumer-hours as this domain felt them; checks and availability are the product's.
          products: o.productHarm.map((h) => {
            const figures = now.products.find((x) => x.product === h.product);
            const line = figures ? productLine(figures, c.domain, catalog) : { product: h.product, domain: o.domain };
            return { ...line, incidents: h.incidents, consumerHours: h.consumerHours };
          }),
          incidents: o.incidents,
          consumerHours: o.consumerHours,
          mtta: o.mtta,
          mttr: o.mttr,
        })),
      },
    };
    out.push({ ...base('consumer', c.domain, channel, 'consumer'), digest });
  }

  out.push({ ...base('platform', 'platform', catalog.config.workspace.platform.slackChannel ?? null, 'platform'), digest: platformDigest(now, before, periods, catalog) });
  return out;
}

function platformDigest(now: Figures, before: Figures, periods: Pick<Digest, 'period' | 'previous'>, catalog: Catalog): Digest {
  const offenders = now.producers
    .filter((p) => p.consumerHours > 0 || p.breakages > 0)
    .sort((a, b) => b.consumerHours - a.consumerHours || b.breakages - a.breakages || a.domain.localeCompare(b.domain))
    .slice(0, TOP);
  const improved = now.producers
    .map((p) => ({ p, prev: before.producers.find((x) => x.domain === p.domain)?.consumerHours ?? 0 }))
    .filter(({ p, prev }) => prev > p.consumerHours)
    .sort((a, b) => b.prev - b.p.consumerHours - (a.prev - a.p.consumerHours) || a.p.domain.localeCompare(b.p.domain))
    .slice(0, TOP);
  return {
    kind: 'platform',
    ...periods,
    platform: {
      matrix: now.matrix.map((m) => ({ ...m })),
      topOffenders: offenders.map((p) => ({ domain: p.domain, businessUnit: p.businessUnit, incidents: p.incidents, consumerHours: p.consumerHours, mttr: p.mttr })),
      mostImproved: improved.map(({ p, prev }) => ({ domain: p.domain, businessUnit: p.businessUnit, consumerHours: p.consumerHours, previousConsumerHours: prev })),
      // `undefined` audience: every restricted product is redacted for the platform channel.
      topProducts: now.products.slice(0, TOP).map((p) => productLine(p, undefined, catalog)),
    },
  };
}


export function formatStats(stats: DurationStats): string {
  if (stats.count === 0 || stats.meanMs === undefined) return 'n/a';
  return `${formatDuration(stats.meanMs)} (p90 ${formatDuration(stats.p90Ms ?? stats.meanMs)}, ${plural(stats.count, 'incident')})`;
}

function trend(now: number, before: number, unit = ''): string {
  if (now === before) return 'same as the week before';
  const diff = Math.round((now - before) * 100) / 100;
  return `${diff > 0 ? '+' : ''}${diff}${unit} against ${before}${unit} the period before`;
}

function speedTrend(now: DurationStats, before: DurationStats): string {
  if (now.meanMs === undefined || before.meanMs === undefined) return '';
  if (now.meanMs === before.meanMs) return ', as fast as the period before';
  return now.meanMs < before.meanMs ? `, faster than ${formatDuration(before.meanMs)} the period before` : `, slower than ${formatDuration(before.meanMs)} the period before`;
}

function productText(p: DigestProduct): string {
  const detail = p.redacted ? ' (restricted: details are restricted; ask its owners)' : p.checks && p.checks.length > 0 ? `  checks: ${p.checks.join(', ')}` : '';
  const availability = p.availability !== undefined ? `, available ${(p.availability * 100).toFixed(2)} %` : '';
  return `${p.product} (${p.domain}): ${plural(p.incidents, 'incident')}, ${p.consumerHours} consumer-hours${availability}${detail}`;
}

/** A digest as plain text (README samples, the log, Slack's fallback text). */
export function renderDigestText(digest: Digest): string {
  const day = (s: string) => s.slice(0, 10);
  const range = `${day(digest.period.from)} to ${day(digest.period.to)}`;
  const lines: string[] = [];
  if (digest.kind === 'producer' && digest.producer) {
    const p = digest.producer;
    lines.push(`Weekly accountability digest for ${digest.domain} (${digest.businessUnit}), ${range}`);
    lines.push('');
    lines.push(
      `Your incidents: ${p.incidents} (${plural(p.breakages, 'breakage')} rooted in your products; ${p.reachedOtherBusinessUnits} reached other business units)`,
    );
    lines.push(`Consumer-hours of breakage you caused: ${p.consumerHours} (${trend(p.consumerHours, p.previousConsumerHours)})`);
    if (p.hurt.length > 0) {
      lines.push('Whom you hurt:');
      for (const h of p.hurt) lines.push(`  • ${h.businessUnit}: ${h.consumerHours} consumer-hours, ${plural(h.consumers.length, 'consumer')} (${h.consumers.join(', ')})`);
    }
    lines.push(`Time to acknowledge: ${formatStats(p.mtta)}${speedTrend(p.mtta, p.previousMtta)}; never acknowledged: ${p.unacknowledged}`);
    lines.push(`Time to resolve: ${formatStats(p.mttr)}${speedTrend(p.mttr, p.previousMttr)}; still open: ${p.open}`);
    if (p.topProducts.length > 0) {
      lines.push('Products that broke most:');
      for (const x of p.topProducts) lines.push(`  • ${productText(x)}`);
    }
    if (p.cost) lines.push(`Monitoring your products cost ${p.cost.statements} statements, ${p.cost.seconds} warehouse seconds`);
    if (p.tierReviewsDue) lines.push(`Tier reviews due: ${plural(p.tierReviewsDue, 'product')} (listed with a "tier still right" button in the tier review)`);
  } else if (digest.kind === 'consumer' && digest.consumer) {
    const c = digest.consumer;
    lines.push(`Weekly digest for ${digest.domain} (${digest.businessUnit}): what broke you, ${range}`);
    lines.push('');
    lines.push(`${plural(c.incidents, 'upstream breakage')} hurt ${plural(c.consumersHurt.length, 'of your consumers', 'of your consumers')}: ${c.consumerHours} consumer-hours (${trend(c.consumerHours, c.previousConsumerHours)})`);
    for (const o of c.owners) {
      lines.push(`  • ${o.domain} (${o.businessUnit}): ${plural(o.incidents, 'incident')}, ${o.consumerHours} consumer-hours; acknowledged in ${formatStats(o.mtta)}, fixed in ${formatStats(o.mttr)}`);
      for (const x of o.products) lines.push(`      ${productText(x)}`);
    }
    if (c.owners.length === 0) lines.push('Nothing upstream broke for you.');
  } else if (digest.platform) {
    const p = digest.platform;
    lines.push(`Weekly cross-business-unit digest, ${range}`);
    lines.push('');
    lines.push('Who hurt whom (producer business unit → consumer business unit):');
    for (const m of p.matrix) lines.push(`  • ${m.producerBusinessUnit} → ${m.consumerBusinessUnit}: ${plural(m.incidents, 'incident')}, ${m.consumerHours} consumer-hours`);
    if (p.matrix.length === 0) lines.push('  nobody: no breakage reached a consumer');
    lines.push('Top offenders:');
    for (const o of p.topOffenders) lines.push(`  • ${o.domain} (${o.businessUnit}): ${o.consumerHours} consumer-hours, ${plural(o.incidents, 'incident')}, resolved in ${formatStats(o.mttr)}`);
    if (p.topOffenders.length === 0) lines.push('  none');
    lines.push('Most improved:');
    for (const o of p.mostImproved) lines.push(`  • ${o.domain} (${o.businessUnit}): ${o.consumerHours} consumer-hours, down from ${o.previousConsumerHours}`);
    if (p.mostImproved.length === 0) lines.push('  none');
    if (p.topProducts.length > 0) {
      lines.push('Products ranked by harm:');
      for (const x of p.topProducts) lines.push(`  • ${productText(x)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
