/**
 * `meshwatch report --since` output: the figures as text (for people), JSON
 * (one document) or CSV (one table per run, chosen with `--table`, so that
 * each file loads into a spreadsheet as is: a header row, then one row per
 * line, RFC 4180 quoting, CRLF line ends, durations in hours as plain
 * numbers).
 */
import { plural } from '../core/text.js';
import { formatDuration } from '../config/duration.js';
import type { DurationStats, Figures, ProductFigures } from './figures.js';

export const REPORT_TABLES = ['matrix', 'domains', 'units', 'consumers', 'products'] as const;
export type ReportTable = (typeof REPORT_TABLES)[number];

export interface ReportMeta {
  /** What `--since` said, e.g. `30d`. */
  readonly since: string;
  /** What `--until` said, when given. */
  readonly until?: string | undefined;
  /** Restricted products' checks were left out (the default). */
  readonly redacted?: boolean | undefined;
}

/**
 * The report's output gets pasted into tickets and shared beyond the
 * operators who can run it, so a restricted product shows its name, owner
 * and figures but not which checks failed (the columns they name can say
 * more than the product's readers may know), in every format, as the
 * digests do for other domains. `--full` keeps them.
 */
export function redactRestricted(figures: Figures): Figures {
  const redact = (p: ProductFigures): ProductFigures => (p.tier === 'restricted' ? { ...p, checks: [], redacted: true } : p);
  return {
    ...figures,
    producers: figures.producers.map((d) => ({ ...d, products: d.products.map(redact) })),
    products: figures.products.map(redact),
  };
}

/** RFC 4180: a field with a comma, quote, CR or LF is quoted, quotes doubled. */
export function csvField(value: string | number | undefined): string {
  if (value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csv(rows: ReadonlyArray<ReadonlyArray<string | number | undefined>>): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

const hours = (ms: number | undefined) => (ms === undefined ? undefined : Math.round((ms / 3_600_000) * 1000) / 1000);

export function reportCsv(figures: Figures, table: ReportTable): string {
  switch (table) {
    case 'matrix':
      return csv([
        ['producer_business_unit', 'consumer_business_unit', 'incidents', 'consumer_hours'],
        ...figures.matrix.map((m) => [m.producerBusinessUnit, m.consumerBusinessUnit, m.incidents, m.consumerHours]),
      ]);
    case 'domains':
      return csv([
        [
          'domain', 'business_unit', 'incidents', 'breakages', 'caused_downstream', 'reached_other_business_units', 'consumer_hours', 'consumers_hurt',
          'mtta_mean_hours', 'mtta_p90_hours', 'acknowledged', 'never_acknowledged', 'mttr_mean_hours', 'mttr_p90_hours', 'resolved', 'still_open', 'escalated',
          'monitoring_statements', 'monitoring_warehouse_seconds',
        ],
        ...figures.producers.map((p) => [
          p.domain, p.businessUnit, p.incidents, p.breakages, p.causedDownstream, p.reachedOtherBusinessUnits, p.consumerHours, p.consumersHurt,
          hours(p.mtta.meanMs), hours(p.mtta.p90Ms), p.mtta.count, p.unacknowledged, hours(p.mttr.meanMs), hours(p.mttr.p90Ms), p.mttr.count, p.open, p.escalated,
          p.cost?.statements ?? 0, p.cost?.seconds ?? 0,
        ]),
      ]);
    case 'units':
      return csv([
        ['business_unit', 'domains', 'incidents', 'breakages', 'reached_other_business_units', 'consumer_hours', 'consumer_hours_in_other_business_units',
          'mtta_mean_hours', 'mtta_p90_hours', 'never_acknowledged', 'mttr_mean_hours', 'mttr_p90_hours', 'still_open'],
        ...figures.businessUnits.map((u) => [
          u.businessUnit, u.domains.join(' '), u.incidents, u.breakages, u.reachedOtherBusinessUnits, u.consumerHours, u.consumerHoursElsewhere,
          hours(u.mtta.meanMs), hours(u.mtta.p90Ms), u.unacknowledged, hours(u.mttr.meanMs), hours(u.mttr.p90Ms), u.open,
        ]),
      ]);
    case 'consumers':
      return csv([
        ['consumer_domain', 'consumer_business_unit', 'owner_domain', 'owner_business_unit', 'products', 'incidents', 'consumer_hours', 'mtta_mean_hours', 'mttr_mean_hours'],
        ...figures.consumers.flatMap((c) =>
          c.owners.map((o) => [c.domain, c.businessUnit, o.domain, o.businessUnit, o.products.join(' '), o.incidents, o.consumerHours, hours(o.mtta.meanMs), hours(o.mttr.meanMs)]),
        ),
      ]);
    case 'products':
      return csv([
        ['rank', 'product', 'domain', 'tier', 'tier_justification', 'breakages', 'incidents', 'consumer_hours', 'consumers_hurt', 'business_units_hurt', 'availability', 'broken_hours'],
        ...figures.products.map((p, i) => [
          i + 1, p.product, p.domain, p.tier, p.tierJustification, p.breakages, p.incidents, p.consumerHours, p.consumersHurt, p.businessUnitsHurt.join(' '), p.availability, hours(p.brokenMs),
        ]),
      ]);
  }
}

export function reportJson(figures: Figures, meta: ReportMeta): string {
  return `${JSON.stringify({ since: meta.since, ...(meta.until !== undefined ? { until: meta.until } : {}), redacted: meta.redacted ?? false, ...figures }, null, 2)}\n`;
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, rightAligned: ReadonlySet<number> = new Set()): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r.map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].map((l) => `  ${l}`);
}

const stat = (s: DurationStats) => (s.meanMs === undefined ? '-' : `${formatDuration(s.meanMs)} / ${formatDuration(s.p90Ms ?? s.meanMs)}`);

export function reportText(figures: Figures, meta: ReportMeta): string {
  const out: string[] = [];
  out.push(`Accountability report: ${figures.window.from} to ${figures.window.to} (--since ${meta.since}${meta.until !== undefined ? ` --until ${meta.until}` : ''})`);
  out.push('');

  out.push('Who hurt whom: producer business unit (rows) × consumer business unit (columns), incidents / consumer-hours');
  const producersBU = [...new Set(figures.matrix.map((m) => m.producerBusinessUnit))].sort();
  const consumersBU = [...new Set(figures.matrix.map((m) => m.consumerBusinessUnit))].sort();
  if (figures.matrix.length === 0) out.push('  no breakage reached a consumer in this window');
  else {
    const rows = producersBU.map((p) => [
      p,
      ...consumersBU.map((c) => {
        const cell = figures.matrix.find((m) => m.producerBusinessUnit === p && m.consumerBusinessUnit === c);
        return cell ? `${cell.incidents} / ${cell.consumerHours}` : '-';
      }),
    ]);
    out.push(...table(['producer \\ consumer', ...consumersBU], rows, new Set(consumersBU.map((_, i) => i + 1))));
    const cross = figures.matrix.filter((m) => m.producerBusinessUnit !== m.consumerBusinessUnit).reduce((n, m) => n + m.consumerHours, 0);
    out.push(`  across business units: ${Math.round(cross * 100) / 100} consumer-hours`);
  }
  out.push('');

  out.push('Producer domains (a caused incident counts against its root cause\'s domain; MTTA and MTTR as mean / p90)');
  const producers = figures.producers.filter((p) => p.incidents > 0 || p.consumerHours > 0 || p.cost);
  if (producers.length === 0) out.push('  none');
  else {
    out.push(
      ...table(
        ['domain', 'business unit', 'incidents', 'other BUs', 'consumer-hours', 'MTTA', 'never acked', 'MTTR', 'open', 'statements', 'warehouse s'],
        producers.map((p) => [
          p.domain,
          p.businessUnit,
          String(p.incidents),
          String(p.reachedOtherBusinessUnits),
          String(p.consumerHours),
          stat(p.mtta),
          String(p.unacknowledged),
          stat(p.mttr),
          String(p.open),
          String(p.cost?.statements ?? 0),
          String(p.cost?.seconds ?? 0),
        ]),
        new Set([2, 3, 4, 6, 8, 9, 10]),
      ),
    );
  }
  out.push('');

  out.push('Producer business units');
  if (figures.businessUnits.length === 0) out.push('  none');
  else {
    out.push(
      ...table(
        ['business unit', 'domains', 'incidents', 'other BUs', 'consumer-hours', 'in other BUs', 'MTTA', 'never acked', 'MTTR', 'open'],
        figures.businessUnits.map((u) => [
          u.businessUnit,
          u.domains.join(', '),
          String(u.incidents),
          String(u.reachedOtherBusinessUnits),
          String(u.consumerHours),
          String(u.consumerHoursElsewhere),
          stat(u.mtta),
          String(u.unacknowledged),
          stat(u.mttr),
          String(u.open),
        ]),
        new Set([2, 3, 4, 5, 7, 9]),
      ),
    );
  }
  out.push('');

  out.push('Consumer domains: what broke them');
  const consumers = figures.consumers.filter((c) => c.owners.length > 0);
  if (consumers.length === 0) out.push('  none');
  for (const c of consumers) {
    out.push(`  ${c.domain} (${c.businessUnit}): ${plural(c.incidents, 'incident')}, ${c.consumerHours} consumer-hours`);
    for (const o of c.owners) out.push(`    ${o.domain} (${o.businessUnit}): ${plural(o.incidents, 'incident')}, ${o.consumerHours} consumer-hours, MTTR ${stat(o.mttr)}  [${o.products.join(', ')}]`);
  }
  out.push('');

  out.push('Products ranked by the harm they caused');
  if (figures.products.length === 0) out.push('  none');
  else {
    out.push(
      ...table(
        ['#', 'product', 'domain', 'breakages', 'consumer-hours', 'consumers', 'business units hurt', 'availability'],
        figures.products.map((p, i) => [
          String(i + 1),
          p.product,
          p.domain,
          String(p.breakages),
          String(p.consumerHours),
          String(p.consumersHurt),
          p.businessUnitsHurt.join(', ') || '-',
          `${(p.availability * 100).toFixed(2)} %`,
        ]),
        new Set([0, 3, 4, 5, 7]),
      ),
    );
  }
  return `${out.join('\n')}\n`;
}
