/**
 * Preflight reports for people: text for a terminal, markdown for a
 * pull-request comment (the verdict in the first line, the details
 * collapsed), and the JSON document.
 */
import type { Catalog } from '../catalog/catalog.js';
import { groupImpact } from '../catalog/impact.js';
import { describeTier } from '../config/tier-lineage.js';
import { plural } from '../core/text.js';
import type { AssessedChange, PreflightReport } from '../preflight/preflight.js';
import { formatImpactText, summarizeCounts } from './format-impact.js';

export interface PreflightHeader {
  readonly base: string;
  readonly config: string;
  readonly now: Date;
}

/** The verdict in one sentence (first line of every format). */
export function preflightVerdict(report: PreflightReport): string {
  const { summary } = report;
  const notes = summary.notes > 0 ? `; ${plural(summary.notes, 'note')}` : '';
  if (summary.blocking > 0) {
    const who = summarizeCounts({
      consumers: summary.consumersHurt,
      products: summary.productsHurt,
      businessUnits: summary.businessUnits.length,
      domains: summary.domains.length,
    });
    const units = summary.businessUnits.length > 0 ? ` (${summary.businessUnits.join(', ')})` : '';
    const allowed = report.exitCode === 0 ? ' (allowed by --allow-breaking)' : '';
    const changes = summary.blocking === 1 ? '1 unacknowledged breaking change hurts' : `${summary.blocking} unacknowledged breaking changes hurt`;
    return `${changes} readers in other domains: ${who}${units}${allowed}${notes}`;
  }
  if (summary.breaking > 0) {
    const acked = summary.acknowledged > 0 ? `${summary.acknowledged} acknowledged` : '';
    const inside = summary.breaking - summary.acknowledged > 0 ? `${summary.breaking - summary.acknowledged} hurting no other domain` : '';
    return `no unacknowledged breaking change hurts another domain (${plural(summary.breaking, 'breaking change')}: ${[acked, inside].filter(Boolean).join(', ')})${notes}`;
  }
  return `no breaking change${notes}`;
}

const ackSuggestion = (change: AssessedChange, now: Date): string => {
  const until = new Date(now.getTime() + 30 * 86_400_000).toISOString().slice(0, 10);
  if (change.kind === 'product_removed' || change.kind === 'product_renamed') {
    return `breakingChanges:\n  - { product: ${change.product}, notice: "…what consumers should use instead…", until: ${until} }`;
  }
  const what = change.column !== undefined ? `column: ${yamlScalar(change.column)}` : `change: ${change.kind}`;
  return `breakingChanges:\n  - { ${what}, notice: "…what consumers should do…", until: ${until} }`;
};

/** A column name as a YAML flow scalar (quoted when it is not plain). */
const yamlScalar = (text: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(text) ? text : JSON.stringify(text));

const ackFile = (change: AssessedChange) => (change.kind === 'product_removed' || change.kind === 'product_renamed' ? 'meshwatch.yaml' : change.file);

function ackLine(change: AssessedChange): string {
  const ack = change.acknowledgement;
  if (!ack) return change.hurtElsewhere > 0 ? `not acknowledged: tell the consumers, then add it to breakingChanges in ${ackFile(change)}` : 'hurts no other domain';
  if (ack.expired) return `acknowledgement expired on ${ack.until} (${ack.notice}): no longer covers this change`;
  return `acknowledged until ${ack.until} in ${ack.file}: ${ack.notice}`;
}

export function formatPreflightText(report: PreflightReport, catalog: Catalog, header: PreflightHeader): string {
  const lines = [`preflight: ${preflightVerdict(report)}`, `base ${header.base}  →  config ${header.config}`];
  if (report.breaking.length > 0) {
    lines.push('', `BREAKING: ${plural(report.breaking.length, 'change')}`);
    for (const change of report.breaking) {
      const mark = change.blocking ? '✗' : '!';
      const product = catalog.products.get(change.product);
      const tier = product ? `  ·  tier ${describeTier(product)}` : '';
      lines.push(`${mark} ${change.product}  ${change.message}  [${change.kind}]`);
      lines.push(`    ${change.file}${tier}  ·  ${ackLine(change)}`);
      const impact = change.impact!;
      const counts = summarizeCounts({ consumers: impact.consumers.length, products: impact.products.length, businessUnits: impact.businessUnits.length, domains: impact.domains.length });
      lines.push(`    hurts ${counts}`);
      lines.push(...formatImpactText(impact, catalog, '      ', 20));
      if (change.blocking) lines.push(`    to ship it, acknowledge it in ${ackFile(change)}:`, ...ackSuggestion(change, header.now).split('\n').map((l) => `      ${l}`));
    }
  }
  if (report.notes.length > 0) {
    lines.push('', `NOTES: ${plural(report.notes.length, 'change')} that break no reader`);
    for (const note of report.notes) lines.push(`  ${note.product}  ${note.message}`);
  }
  const lineage = report.tierLineage;
  if (lineage.length > 0) {
    lines.push('', `TIER LINEAGE: ${plural(lineage.length, 'product')} less restricted than an input`);
    for (const item of lineage) {
      const inputs = item.inputs.map((i) => `${i.id} (${i.tier})`).join(', ');
      const why = item.justification ? `justified: ${item.justification}` : 'no tierJustification';
      lines.push(`  ${item.justification ? ' ' : '!'} ${item.product} is ${item.tier}, reads ${inputs}  ·  ${why}${item.new ? '  (new in this change)' : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Text inside markdown (and the HTML GitHub allows in it): nothing a config value holds can open a tag, a link or a table cell. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!).replace(/([\\`*_[\]|#~])/g, '\\$1');
}

const md = escapeMarkdown;

export function formatPreflightMarkdown(report: PreflightReport, catalog: Catalog, header: PreflightHeader): string {
  const icon = report.summary.blocking > 0 ? (report.exitCode === 1 ? '❌' : '⚠️') : '✅';
  const out: string[] = [`${icon} **meshwatch preflight**: ${md(preflightVerdict(report))}`, ''];
  out.push(`Base: ${md(header.base)}`, '');
  if (report.breaking.length > 0) {
    out.push(`<details><summary>Breaking changes (${report.breaking.length})</summary>`, '');
    for (const change of report.breaking) {
      const product = catalog.products.get(change.product);
      const state = change.blocking ? '❌' : change.acknowledgement && !change.acknowledgement.expired ? '☑️' : 'ℹ️';
      out.push(`#### ${state} ${md(change.product)}: ${md(change.message)}`, '');
      const tier = product ? ` · tier ${md(product.tier)}${product.tierJustification ? ` (${md(product.tierJustification)})` : ''}` : '';
      out.push(`${md(change.kind)} · ${md(change.file)}${tier} · ${md(ackLine(change))}`, '');
      const groups = groupImpact(change.impact!);
      if (groups.length === 0) out.push('Nobody downstream reads what changed.', '');
      else {
        out.push('| business unit | domain | reader | reads | via |', '|---|---|---|---|---|');
        for (const group of groups) {
          for (const { domain, products, consumers } of group.domains) {
            for (const c of consumers) {
              out.push(`| ${md(group.businessUnit)} | ${md(domain)} | consumer ${md(c.id)} | ${md(c.columns?.join(', ') ?? 'whole product')} | ${md(c.via.join(' → '))} |`);
            }
            for (const p of products) {
              out.push(`| ${md(group.businessUnit)} | ${md(domain)} | product ${md(p.id)} | ${md(p.columns?.join(', ') ?? 'whole product')} | ${md(p.via.join(' → '))} |`);
            }
          }
        }
        out.push('');
      }
      if (change.blocking) {
        out.push(`To ship it, tell the consumers and acknowledge it in ${md(ackFile(change))}:`, '', '```yaml', ackSuggestion(change, header.now), '```', '');
      }
    }
    out.push('</details>', '');
  }
  if (report.notes.length > 0) {
    out.push(`<details><summary>Notes (${report.notes.length})</summary>`, '');
    for (const note of report.notes) out.push(`- ${md(note.product)}: ${md(note.message)}`);
    out.push('', '</details>', '');
  }
  if (report.tierLineage.length > 0) {
    out.push(`<details><summary>Tier lineage (${report.tierLineage.length})</summary>`, '');
    for (const item of report.tierLineage) {
      const inputs = item.inputs.map((i) => `${i.id} (${i.tier})`).join(', ');
      const why = item.justification ? `justified: ${item.justification}` : 'no tierJustification';
      out.push(`- ${item.justification ? '' : '⚠️ '}${md(item.product)} is ${md(item.tier)} but reads ${md(inputs)}: ${md(why)}${item.new ? ' (new in this change)' : ''}`);
    }
    out.push('', '</details>', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

export function preflightJson(report: PreflightReport, header: PreflightHeader): string {
  return `${JSON.stringify({ base: header.base, config: header.config, ...report }, null, 2)}\n`;
}
