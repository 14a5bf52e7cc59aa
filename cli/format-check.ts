/**
 * `meshwatch check` for people. A storm (thousands of failing products from a
 * few root causes) must stay readable, so the report is built around root
 * incidents: a summary line first, then each root incident with its blast
 * radius (at most `NAMES_PER_UNIT` names per business unit, then "and N
 * more"), the incidents it causes one line each under it; then warnings,
 * errors and passes, each list capped. `--format json` has everything.
 */
import { describeTier } from '../config/tier-lineage.js';
import type { Catalog } from '../catalog/catalog.js';
import { plural } from '../core/text.js';
import type { CheckReport } from '../checks/report.js';
import type { Incident } from '../checks/incidents.js';
import type { CheckResult } from '../checks/result.js';
import { formatImpactCompact, formatImpactText, summarizeCounts, summarizeImpact } from './format-impact.js';

/** Names shown per business unit in a blast radius. */
export const NAMES_PER_UNIT = 10;
/** Above this many entries, a blast radius is shown one line per business unit. */
const DETAILED_ENTRIES = 30;
/** Root incidents shown with their blast radius; the rest get one line each. */
const DETAILED_ROOTS = 50;
/** Caused incidents listed under a root, failing checks under a product, lines of other lists. */
const CAUSED_PER_ROOT = 25;
const CHECKS_PER_PRODUCT = 10;
const LIST_LINES = 50;

const count = (n: number) => n.toLocaleString('en-US');

function owner(catalog: Catalog, id: string): string {
  const product = catalog.products.get(id);
  const domain = product ? catalog.domain(product.domain) : undefined;
  return domain ? `${domain.name}${domain.businessUnit ? `, ${domain.businessUnit}` : ''}` : (product?.domain ?? '');
}

function productHeading(catalog: Catalog, id: string): string {
  const product = catalog.products.get(id);
  return [id, owner(catalog, id), product ? `tier ${describeTier(product)}` : ''].filter(Boolean).join('  ·  ');
}

function resultLines(results: readonly CheckResult[], indent: string): string[] {
  const shown = results.slice(0, CHECKS_PER_PRODUCT);
  const width = Math.max(...shown.map((r) => r.check.length));
  const lines = shown.map((r) => `${indent}${r.check.padEnd(width)}  ${r.message}`);
  if (results.length > shown.length) lines.push(`${indent}… and ${plural(results.length - shown.length, 'more failing check')}`);
  return lines;
}

/** Lines of a list, the rest as "… and N more". */
function capped<T>(items: readonly T[], limit: number, line: (item: T) => string, more: (n: number) => string): string[] {
  const lines = items.slice(0, limit).map(line);
  if (items.length > limit) lines.push(more(items.length - limit));
  return lines;
}

export function formatCheckReport(report: CheckReport, catalog: Catalog): string {
  const { summary } = report;
  const s = summary.statuses;
  const lines: string[] = [
    `meshwatch check · ${count(summary.products)} product${summary.products === 1 ? '' : 's'} · ${count(summary.checks)} check${summary.checks === 1 ? '' : 's'}: ${s.pass} pass, ${s.warn} warn, ${s.fail} fail, ${s.error} error · ` +
      `${plural(summary.warehouseQueries, 'warehouse query', 'warehouse queries')} · ${(summary.durationMs / 1000).toFixed(1)} s`,
  ];
  if (summary.products === 0) lines.push('nothing to check: the config has no products (product files go under products/)');
  if (report.incidents.length > 0) {
    lines.push(`${count(report.incidents.length)} failing product${report.incidents.length === 1 ? '' : 's'} in ${count(report.groups.length)} root incident${report.groups.length === 1 ? '' : 's'}`);
  }

  const failuresOf = new Map<string, CheckResult[]>();
  const productsSeen = new Set<string>();
  for (const r of report.results) {
    productsSeen.add(r.product);
    if (r.status !== 'fail') continue;
    let list = failuresOf.get(r.product);
    if (!list) failuresOf.set(r.product, (list = []));
    list.push(r);
  }
  const incidentOf = new Map<string, Incident>(report.incidents.map((i) => [i.product, i]));

  if (report.groups.length > 0) {
    lines.push('', `FAILING: ${plural(report.incidents.length, 'product')} in ${plural(report.groups.length, 'root incident')}, largest blast radius first`);
    report.groups.slice(0, DETAILED_ROOTS).forEach((group) => {
      const root = incidentOf.get(group.rootCause)!;
      lines.push('', `✗ ${productHeading(catalog, root.product)}`);
      lines.push(...resultLines(failuresOf.get(root.product) ?? [], '    '));
      const broken = root.brokenColumns ? ` (broken columns: ${root.brokenColumns.join(', ')})` : '';
      const caused = group.products.slice(1);
      // Counts over the group: the caused incidents may add a few entries to the root's own impact.
      const whoIsHurt = caused.length > 0 ? summarizeCounts(group.counts) : summarizeImpact(root.impact);
      lines.push(`    Who is hurt${broken}: ${whoIsHurt}`);
      const entries = root.impact.consumers.length + root.impact.products.length;
      lines.push(
        ...(entries > DETAILED_ENTRIES ? formatImpactCompact(root.impact, '      ', NAMES_PER_UNIT) : formatImpactText(root.impact, catalog, '      ', NAMES_PER_UNIT)),
      );
      if (caused.length > 0) {
        lines.push(`    Failing because of it: ${plural(caused.length, 'product')} (probably caused upstream by ${root.product}; nothing to do there unless they stay broken after it recovers)`);
        lines.push(
          ...capped(
            caused,
            CAUSED_PER_ROOT,
            (id) => causedLine(incidentOf.get(id)!, failuresOf.get(id) ?? [], catalog),
            (n) => `      … and ${plural(n, 'more failing product')} (all in --format json)`,
          ),
        );
      }
    });
    const rest = report.groups.slice(DETAILED_ROOTS);
    if (rest.length > 0) {
      lines.push('', `${plural(rest.length, 'more root incident')}, smaller blast radius:`);
      for (const group of rest) {
        const failures = failuresOf.get(group.rootCause) ?? [];
        const also = group.products.length > 1 ? `; ${plural(group.products.length - 1, 'product')} failing because of it` : '';
        lines.push(`✗ ${group.rootCause}  ${failures.map((f) => f.check).join(', ')}  · hurts ${summarizeCounts(group.counts)}${also}`);
      }
    }
  }

  const warnings = report.results.filter((r) => r.status === 'warn');
  if (warnings.length > 0) {
    lines.push('', `WARNINGS: ${plural(warnings.length, 'check')}`);
    lines.push(...capped(warnings, LIST_LINES, (w) => `! ${w.product}  ${w.check}  ${w.message}`, (n) => `… and ${plural(n, 'more warning')}`));
  }

  const errors = report.results.filter((r) => r.status === 'error');
  if (report.warehouse.problem) {
    // One line for the whole warehouse, not one per product.
    lines.push('', `COULD NOT EVALUATE: ${plural(errors.length, 'check')}`);
    lines.push(`? warehouse (${report.warehouse.engine}) unavailable: ${report.warehouse.problem.code}: ${report.warehouse.problem.message}`);
  } else if (errors.length > 0) {
    lines.push('', `COULD NOT EVALUATE: ${plural(errors.length, 'check')}`);
    // A monitor problem (most tables of a database missing) is said once, not per check.
    const byMonitor = new Set(report.monitorProblems.flatMap((p) => p.products));
    for (const problem of report.monitorProblems) lines.push(`? monitor problem: ${problem.code}: ${problem.message}`);
    const others = errors.filter((e) => !byMonitor.has(e.product));
    lines.push(...capped(others, LIST_LINES, (e) => `? ${e.product}  ${e.check}  ${e.message}`, (n) => `… and ${plural(n, 'more check')} that could not be evaluated`));
  }

  const failingOrBroken = new Set(report.results.filter((r) => r.status !== 'pass').map((r) => r.product));
  const passing = [...productsSeen].filter((id) => !failingOrBroken.has(id)).sort();
  if (passing.length > 0) {
    const shown = passing.slice(0, LIST_LINES);
    lines.push('', `PASSING: ${plural(passing.length, 'product')}: ${shown.join(', ')}${passing.length > shown.length ? ` … and ${count(passing.length - shown.length)} more` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** One line for a caused incident: the product, what fails, and anything it hurts that its root does not. */
function causedLine(incident: Incident, failures: readonly CheckResult[], catalog: Catalog): string {
  const first = failures[0];
  const what = first ? `${first.check}: ${first.message}${failures.length > 1 ? ` (+${plural(failures.length - 1, 'more check')})` : ''}` : incident.checks.join(', ');
  const beyond = incident.impact.consumers.length + incident.impact.products.length > 0 ? `  · also hurts ${summarizeImpact(incident.impact)}` : '';
  return `      ↳ ${incident.product}  (${owner(catalog, incident.product)})  ${what}${beyond}`;
}
