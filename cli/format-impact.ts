import { plural } from '../core/text.js';
import { groupImpact, type Impact } from '../catalog/impact.js';
import type { Catalog } from '../catalog/catalog.js';

const arrow = (ids: readonly string[]) => ids.join(' → ');

/** One line: "3 consumers and 2 downstream products in 2 business units, 2 domains", from counts. */
export function summarizeCounts(counts: { readonly consumers: number; readonly products: number; readonly businessUnits: number; readonly domains: number }): string {
  if (counts.products === 0 && counts.consumers === 0) return 'nobody downstream is affected';
  const units = counts.businessUnits;
  return `${plural(counts.consumers, 'consumer')} and ${plural(counts.products, 'downstream product')} in ${
    units > 0 ? `${plural(units, 'business unit')}, ` : ''
  }${plural(counts.domains, 'domain')}`;
}

/** `summarizeCounts` of one impact. */
export function summarizeImpact(impact: Impact): string {
  return summarizeCounts({
    consumers: impact.consumers.length,
    products: impact.products.length,
    businessUnits: impact.businessUnits.length,
    domains: impact.domains.length,
  });
}

/**
 * Impact for a terminal: grouped by business unit, then domain; each entry
 * with the path that makes it affected. `indent` nests it under a heading.
 * With `maxPerUnit`, at most that many entries are named per business unit,
 * then "… and N more in <unit>": a hub's blast radius stays readable.
 */
export function formatImpactText(impact: Impact, catalog: Catalog, indent = '', maxPerUnit = Infinity): string[] {
  const lines: string[] = [];
  for (const group of groupImpact(impact)) {
    lines.push(`${indent}${group.businessUnit}`);
    let left = maxPerUnit;
    let hidden = 0;
    for (const { domain, products, consumers } of group.domains) {
      if (left <= 0) {
        hidden += products.length + consumers.length;
        continue;
      }
      const name = catalog.domain(domain)?.name;
      lines.push(`${indent}  ${domain}${name && name !== domain ? ` (${name})` : ''}`);
      const shownProducts = products.slice(0, left);
      const shownConsumers = consumers.slice(0, left - shownProducts.length);
      left -= shownProducts.length + shownConsumers.length;
      hidden += products.length - shownProducts.length + consumers.length - shownConsumers.length;
      const width = Math.max(...shownProducts.map((p) => p.id.length), ...shownConsumers.map((c) => c.id.length));
      for (const p of shownProducts) {
        lines.push(`${indent}    product   ${p.id.padEnd(width)}  via ${arrow(p.via)}${p.columns ? `  (reads ${p.columns.join(', ')})` : ''}`);
      }
      for (const c of shownConsumers) {
        const details = [c.channel ?? '', c.columns ? `reads ${c.columns.join(', ')}` : '', c.via.length > 1 ? `via ${arrow(c.via)}` : '']
          .filter(Boolean)
          .join('  ');
        lines.push(`${indent}    consumer  ${c.id.padEnd(width)}  ${details}`.trimEnd());
      }
    }
    if (hidden > 0) lines.push(`${indent}  … and ${hidden.toLocaleString('en-US')} more in ${group.businessUnit}`);
  }
  return lines;
}

/**
 * A large blast radius in one line per business unit: counts, then at most
 * `maxPerUnit` names (consumers first: they are the people hurt), then
 * "… and N more". For storms, where one line per entry would bury the reader.
 */
export function formatImpactCompact(impact: Impact, indent: string, maxPerUnit: number, maxUnits = 20): string[] {
  const groups = groupImpact(impact);
  // The business units hurt most first, so a cut keeps the ones that matter.
  const size = (g: (typeof groups)[number]) => g.domains.reduce((n, d) => n + d.consumers.length + d.products.length, 0);
  const ordered = groups.length > maxUnits ? [...groups].sort((a, b) => size(b) - size(a)) : groups;
  const lines = ordered.slice(0, maxUnits).map((group) => {
    const consumers = group.domains.flatMap((d) => d.consumers.map((c) => c.id));
    const products = group.domains.flatMap((d) => d.products.map((p) => `${p.id} (product)`));
    const names = [...consumers, ...products];
    const shown = names.slice(0, maxPerUnit);
    const more = names.length > shown.length ? ` … and ${(names.length - shown.length).toLocaleString('en-US')} more` : '';
    return `${indent}${group.businessUnit} (${plural(consumers.length, 'consumer')}, ${plural(products.length, 'product')}): ${shown.join(', ')}${more}`;
  });
  const rest = ordered.slice(maxUnits);
  if (rest.length > 0) {
    const entries = rest.reduce((n, g) => n + size(g), 0);
    lines.push(`${indent}… and ${plural(rest.length, 'more business unit')} (${entries.toLocaleString('en-US')} more entries)`);
  }
  return lines;
}
