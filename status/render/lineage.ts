/**
 * The lineage picture of a product page: an inline SVG, columns by depth
 * (upstream left, the product in the middle, downstream and consumers
 * right), edges as curves; the broken path drawn thick and red with a
 * dashed pattern, so it stands out without colour too. Pure.
 */
import { href, html, type Html } from '../html.js';
import type { LineageModel, LineageNode } from '../model.js';
import { ICON } from './components.js';

const W = 224;
const H = 34;
const GAP_X = 70;
const GAP_Y = 14;
const PAD = 16;

const FILL: Readonly<Record<string, string>> = { fail: '#fde8e6', warn: '#fff2d6', error: '#eee8fb', pass: '#e3f4e8', unknown: '#eceff3' };
const STROKE: Readonly<Record<string, string>> = { fail: '#b42318', warn: '#8a5300', error: '#5b3fa8', pass: '#1d6b3a', unknown: '#5b6675' };

function label(id: string): string {
  return id.length > 31 ? `${id.slice(0, 30)}…` : id;
}

export function lineageSvg(model: LineageModel, linkProducts: boolean): Html {
  const depths = [...new Set(model.nodes.map((n) => n.depth))].sort((a, b) => a - b);
  // Products before consumers in a column, each by id.
  const columns = depths.map((d) => model.nodes.filter((n) => n.depth === d).sort((a, b) => a.kind.localeCompare(b.kind) === 0 ? a.id.localeCompare(b.id) : a.kind === 'product' ? -1 : 1));
  const tallest = Math.max(...columns.map((c) => c.length + (model.hidden[c[0]!.depth] ? 1 : 0)));
  const height = PAD * 2 + tallest * H + (tallest - 1) * GAP_Y + 18;
  const width = PAD * 2 + depths.length * W + (depths.length - 1) * GAP_X;
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((column, ci) => {
    const total = column.length * H + (column.length - 1) * GAP_Y;
    const top = PAD + 18 + (tallest * H + (tallest - 1) * GAP_Y - total) / 2;
    column.forEach((n, i) => pos.set(n.id, { x: PAD + ci * (W + GAP_X), y: top + i * (H + GAP_Y) }));
  });
  const headings = depths.map((d, ci) => {
    const kinds = new Set(columns[ci]!.map((n) => n.kind));
    const down = kinds.size === 2 ? 'downstream · consumers' : kinds.has('consumer') ? 'consumers' : 'downstream';
    const text = d < 0 ? (d === -1 ? 'inputs' : 'upstream') : d === 0 ? 'this product' : d === 1 ? down : 'further down';
    return html`<text x="${PAD + ci * (W + GAP_X) + W / 2}" y="${PAD + 4}" text-anchor="middle" class="h">${text}</text>`;
  });
  // Healthy edges first, so broken ones are drawn on top.
  const edges = [...model.edges].sort((a, b) => Number(a.broken) - Number(b.broken)).map((e) => {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) return html``;
    const x1 = a.x + W;
    const y1 = a.y + H / 2;
    const x2 = b.x;
    const y2 = b.y + H / 2;
    const mid = (x1 + x2) / 2;
    return html`<path d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}" class="${e.broken ? 'e broken' : 'e'}" data-from="${e.from}" data-to="${e.to}" data-broken="${e.broken ? 'true' : 'false'}" marker-end="url(#${e.broken ? 'ab' : 'a'})"/>`;
  });
  const node = (n: LineageNode) => {
    const p = pos.get(n.id)!;
    const center = n.depth === 0;
    const box = html`<rect x="${p.x}" y="${p.y}" width="${W}" height="${H}" rx="${n.kind === 'consumer' ? 16 : 6}" fill="${FILL[n.state]}" stroke="${STROKE[n.state]}" stroke-width="${center ? 3 : 1.2}"/>
<text x="${p.x + 10}" y="${p.y + H / 2 + 4.5}" class="${center ? 'n c' : 'n'}"><tspan fill="${STROKE[n.state]}" font-weight="800">${ICON[n.state]}</tspan> ${label(n.id)}</text><title>${n.id} (${n.kind}, ${n.domain}): ${n.state}</title>`;
    const g = html`<g class="node" data-node="${n.id}" data-state="${n.state}">${box}</g>`;
    return n.kind === 'product' && linkProducts && !center ? html`<a href="${href(['products', n.id])}">${g}</a>` : g;
  };
  const more = depths.map((d, ci) => {
    const n = model.hidden[d];
    if (!n) return html``;
    const column = columns[ci]!;
    const last = pos.get(column.at(-1)!.id)!;
    return html`<text x="${last.x + 10}" y="${last.y + H + GAP_Y + 12}" class="h">… and ${n} more</text>`;
  });
  return html`<svg class="lineage-svg" role="img" aria-label="lineage of ${model.center}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<defs><marker id="a" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#8894a3"/></marker><marker id="ab" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#b42318"/></marker></defs>
<style>.e{fill:none;stroke:#a3adba;stroke-width:1.4}.e.broken{stroke:#b42318;stroke-width:3.2;stroke-dasharray:9 4}.n{font:12.5px system-ui,sans-serif;fill:#1c2430}.n.c{font-weight:700}.h{font:11px system-ui,sans-serif;fill:#5b6675;text-transform:uppercase;letter-spacing:.5px}</style>
${headings}${edges}${model.nodes.map(node)}${more}
</svg>
<div class="small muted">Thick dashed red lines: the broken path (breakage flows along it). ✗ fail · ▲ warn · ? error · ✓ pass · – not run.</div>`;
}
