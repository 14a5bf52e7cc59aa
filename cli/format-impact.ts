import { plural } from '../core/text.js';
import { groupImpact, type Impact } from '../catalog/impact.js';
import type { Catalog } from '../catalog/catalog.js';

const arrow = (ids: readonly string[]) => ids.join(' → ');

/** One line: "3 consumers and 2 products in 2 business units (finance, marketing)". */
export function summarizeImpact(impact: Impact): string {
  if (impact.products.length === 0 && impact.consumers.length === 0) return 'nobody downstream is affected';
  const units = impact.businessUnits.length;
  return `${plural(impact.consumers.length, 'consumer')} and ${plural(impact.products.length, 'downstream product')} in ${
    units > 0 ? `${plural(units, 'business unit')}, ` : ''
  }${plural(impact.domains.length, 'domain')}`;
}

/**
 * Impact for a terminal: grouped by business unit, then domain; each entry
 * with the path that makes it affected. `indent` nests it under a heading.
 */
export function formatImpactText(impact: Impact, catalog: Catalog, indent = ''): string[] {
  const lines: string[] = [];
  for (const group of groupImpact(impact)) {
    lines.push(`${indent}${group.businessUnit}`);
    for (const { domain, products, consumers } of group.domains) {
      const name = catalog.domain(domain)?.name;
      lines.push(`${indent}  ${domain}${name && name !== domain ? ` (${name})` : ''}`);
      const width = Math.max(...products.map((p) => p.id.length), ...consumers.map((c) => c.id.length));
      for (const p of products) {
        lines.push(`${indent}    product   ${p.id.padEnd(width)}  via ${arrow(p.via)}${p.columns ? `  (reads ${p.columns.join(', ')})` : ''}`);
      }
      for (const c of consumers) {
        const details = [c.channel ?? '', c.columns ? `reads ${c.columns.join(', ')}` : '', c.via.length > 1 ? `via ${arrow(c.via)}` : '']
          .filter(Boolean)
          .join('  ');
        lines.push(`${indent}    consumer  ${c.id.padEnd(width)}  ${details}`.trimEnd());
      }
    }
  }
  return lines;
}
