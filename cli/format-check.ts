/** `meshwatch check` for people: failing products first, each with who is hurt; then warnings, errors, passes. */
import type { Catalog } from '../catalog/catalog.js';
import { plural } from '../core/text.js';
import type { CheckReport } from '../checks/report.js';
import type { CheckResult } from '../checks/result.js';
import { formatImpactText, summarizeImpact } from './format-impact.js';

function productHeading(catalog: Catalog, id: string): string {
  const product = catalog.products.get(id);
  const domain = product ? catalog.domain(product.domain) : undefined;
  const owner = domain ? `${domain.name}${domain.businessUnit ? `, ${domain.businessUnit}` : ''}` : (product?.domain ?? '');
  return [id, owner, product ? `tier ${product.tier}` : ''].filter(Boolean).join('  ·  ');
}

function resultLines(results: readonly CheckResult[], indent: string): string[] {
  const width = Math.max(...results.map((r) => r.check.length));
  return results.map((r) => `${indent}${r.check.padEnd(width)}  ${r.message}`);
}

export function formatCheckReport(report: CheckReport, catalog: Catalog): string {
  const { summary } = report;
  const s = summary.statuses;
  const lines: string[] = [
    `meshwatch check · ${plural(summary.products, 'product')} · ${plural(summary.checks, 'check')}: ${s.pass} pass, ${s.warn} warn, ${s.fail} fail, ${s.error} error · ` +
      `${plural(summary.warehouseQueries, 'warehouse query', 'warehouse queries')} · ${(summary.durationMs / 1000).toFixed(1)} s`,
  ];

  const byProduct = new Map<string, CheckResult[]>();
  for (const r of report.results) {
    let list = byProduct.get(r.product);
    if (!list) byProduct.set(r.product, (list = []));
    list.push(r);
  }

  const incidents = [...report.incidents].sort(
    (a, b) => Number(a.rootCause !== a.product) - Number(b.rootCause !== b.product) || a.product.localeCompare(b.product),
  );
  if (incidents.length > 0) {
    lines.push('', `FAILING: ${plural(incidents.length, 'product')}`);
    for (const incident of incidents) {
      lines.push('', `✗ ${productHeading(catalog, incident.product)}`);
      if (incident.rootCause !== incident.product) {
        lines.push(`    probably caused upstream: ${incident.rootCause} fails too; nothing to do here unless this stays broken after it recovers`);
      }
      lines.push(...resultLines((byProduct.get(incident.product) ?? []).filter((r) => r.status === 'fail'), '    '));
      const broken = incident.brokenColumns ? ` (broken columns: ${incident.brokenColumns.join(', ')})` : '';
      lines.push(`    Who is hurt${broken}: ${summarizeImpact(incident.impact)}`);
      lines.push(...formatImpactText(incident.impact, catalog, '      '));
    }
  }

  const warnings = report.results.filter((r) => r.status === 'warn');
  if (warnings.length > 0) {
    lines.push('', `WARNINGS: ${plural(warnings.length, 'check')}`);
    for (const w of warnings) lines.push(`! ${w.product}  ${w.check}  ${w.message}`);
  }

  const errors = report.results.filter((r) => r.status === 'error');
  if (report.warehouse.problem) {
    // One line for the whole warehouse, not one per product.
    lines.push('', `COULD NOT EVALUATE: ${plural(errors.length, 'check')}`);
    lines.push(`? warehouse (${report.warehouse.engine}) unavailable: ${report.warehouse.problem.code}: ${report.warehouse.problem.message}`);
  } else if (errors.length > 0) {
    lines.push('', `COULD NOT EVALUATE: ${plural(errors.length, 'check')}`);
    for (const e of errors) lines.push(`? ${e.product}  ${e.check}  ${e.message}`);
  }

  const failingOrBroken = new Set(report.results.filter((r) => r.status !== 'pass').map((r) => r.product));
  const passing = [...byProduct.keys()].filter((id) => !failingOrBroken.has(id)).sort();
  if (passing.length > 0) lines.push('', `PASSING: ${plural(passing.length, 'product')}: ${passing.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
