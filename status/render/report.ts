/**
 * `meshwatch check --html FILE`: one run as one self-contained HTML file
 * (inline CSS and SVG, no scripts, no server, no Redis), built from the
 * same model and components as the live page. Redacted as for readers: a
 * report file is the kind of thing that gets passed around.
 */
import type { Catalog } from '../../catalog/catalog.js';
import type { CheckReport } from '../../checks/report.js';
import type { CheckResult } from '../../checks/result.js';
import { html } from '../html.js';
import { consumersOf, lineageOf, redactAll, scheduleText, summarize, tableText, type IncidentView, type ProductDetail, type ProductState } from '../model.js';
import type { Viewer } from '../redact.js';
import { incidentGroups, productsByDomain } from './components.js';
import { productBody, summaryCards, type PageContext } from './pages.js';
import { page } from './shell.js';
import { groupIncidents } from '../model.js';

export function reportHtml(report: CheckReport, catalog: Catalog, generatedAt: Date, viewer: Viewer = { role: 'reader' }): string {
  const results = redactAll(catalog, report.results, viewer);
  const byProduct = new Map<string, CheckResult[]>();
  for (const r of results) {
    let list = byProduct.get(r.product);
    if (!list) byProduct.set(r.product, (list = []));
    list.push(r);
  }
  const summaries = [...catalog.products.values()].filter((p) => byProduct.has(p.id)).map((p) => summarize(catalog, p, byProduct.get(p.id) ?? []));
  const stateOf = new Map<string, ProductState>(summaries.map((s) => [s.id, s.state]));
  const counts: Record<ProductState, number> = { fail: 0, error: 0, warn: 0, pass: 0, unknown: 0 };
  for (const s of summaries) counts[s.state]++;
  const incidents: IncidentView[] = report.incidents.map((i) => {
    // A caused incident's own impact holds only what its root does not: show the full one here.
    return {
      product: i.product,
      tier: catalog.products.get(i.product)?.tier ?? 'restricted',
      state: 'failing',
      rootCause: i.rootCause,
      checks: i.checks,
      ...(i.brokenColumns ? { brokenColumns: i.brokenColumns } : {}),
      impact: i.impact,
    };
  });
  const ctx: PageContext = { now: generatedAt, canSignIn: false, actionsEnabled: false };
  const notPassing = summaries.filter((s) => s.state !== 'pass').sort((a, b) => a.id.localeCompare(b.id));
  const sections = notPassing.map((summary) => {
    const product = catalog.product(summary.id);
    const incident = incidents.find((i) => i.product === summary.id);
    const impacted = new Set([...(incident?.impact.products.map((p) => p.id) ?? []), ...(incident?.impact.consumers.map((c) => c.id) ?? [])]);
    const domain = catalog.domain(product.domain);
    const detail: ProductDetail = {
      summary,
      ...(product.description ? { description: product.description } : {}),
      table: tableText(product),
      schedule: scheduleText(product),
      owner: { channel: domain?.slackChannel, oncall: domain?.oncall },
      checks: byProduct.get(summary.id) ?? [],
      history: byProduct.get(summary.id) ?? [],
      ...(incident ? { incident } : {}),
      upstream: catalog.upstreamOf(summary.id),
      downstream: catalog.downstreamOf(summary.id).map((e) => e.product),
      lineage: lineageOf(catalog, summary.id, (id) => stateOf.get(id) ?? 'unknown', impacted),
      consumers: consumersOf(catalog, summary.id),
    };
    return html`<section class="card" style="margin:16px 0">${productBody(detail, ctx, false)}</section>`;
  });
  const s = report.summary;
  const warehouse =
    report.warehouse.status === 'ok' ? '' : html`<div class="error-box">warehouse (${report.warehouse.engine}) unavailable: ${report.warehouse.problem?.code ?? ''} ${report.warehouse.problem?.message ?? ''}</div>`;
  const body = html`<h1>meshwatch check report</h1>
<p class="muted">Run at ${generatedAt.toISOString()} · ${s.products} products · ${s.checks} checks: ${s.statuses.pass} pass, ${s.statuses.warn} warn, ${s.statuses.fail} fail, ${s.statuses.error} error · ${s.warehouseQueries} warehouse queries · ${(s.durationMs / 1000).toFixed(1)} s · engine ${report.warehouse.engine}</p>
${warehouse}
${report.monitorProblems.map((p) => html`<div class="error-box">monitor problem: ${p.code}: ${p.message}</div>`)}
${summaryCards(counts, incidents, undefined, generatedAt)}
<h2>Failing products, by root cause</h2>
${incidentGroups(groupIncidents(incidents), { now: generatedAt, linkProducts: false })}
<h2>Products</h2>
${productsByDomain(summaries, { now: generatedAt, linkProducts: false })}
<h2>Products that do not pass</h2>
${sections}`;
  return page({ title: `meshwatch check · ${s.statuses.fail} failing checks`, footer: html`Written by <code>meshwatch check --html</code>. Restricted products show no values or counts, limited ones counts only.` }, body);
}
