/**
 * The accountability page: who broke whom (producer business unit ×
 * consumer business unit), each producer domain's figures with their trend
 * against the window before, the products ranked by the harm they caused,
 * and what broke each consuming domain. Pure: model in, HTML out. The window
 * selector is a plain GET form (works without JavaScript).
 */
import type { DurationStats } from '../../accountability/figures.js';
import { html, raw, type Html, type HtmlValue } from '../html.js';
import { formatDuration } from '../../config/duration.js';
import { ACCOUNTABILITY_WINDOWS, type AccountabilityModel, type ShownProductFigures } from '../accountability.js';
import { productLink, tierTag } from './components.js';
import { bar, messages, NAV, type PageContext } from './pages.js';
import { page } from './shell.js';


/** `2026-11-23 09:00 UTC`: the window's ends, exact in `datetime`. */
function when(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function num(n: number): string {
  return String(Math.round(n * 100) / 100);
}

function stats(s: DurationStats): Html {
  if (s.count === 0 || s.meanMs === undefined) return html`<span class="muted">–</span>`;
  return html`<span class="nowrap">${formatDuration(s.meanMs)}</span><div class="small muted nowrap">p90 ${formatDuration(s.p90Ms ?? s.meanMs)}</div>`;
}

/** More is worse for every figure shown with a trend (incidents, hours, time to act). */
function trend(now: number | undefined, before: number | undefined, format: (n: number) => string = num): Html {
  if (now === undefined || before === undefined) return html`<div class="small muted trend" data-trend="none">was ${before === undefined ? '–' : format(before)}</div>`;
  if (Math.round(now * 100) === Math.round(before * 100)) return html`<div class="small muted trend" data-trend="same">= same as before</div>`;
  const worse = now > before;
  return html`<div class="small trend ${worse ? 'worse' : 'better'}" data-trend="${worse ? 'worse' : 'better'}">${worse ? '▲' : '▼'} was ${format(before)}</div>`;
}

function windowForm(model: AccountabilityModel): Html {
  const options = ACCOUNTABILITY_WINDOWS.map((w) => html`<option value="${w}"${w === model.since ? raw(' selected') : ''}>last ${w}</option>`);
  return html`<form class="filters" method="get" action="/accountability" id="window">
<label>window<select name="since">${options}</select></label>
<button type="submit">Show</button>
<span class="small muted">${ACCOUNTABILITY_WINDOWS.map((w, i) => html`${i > 0 ? ' · ' : ''}${w === model.since ? html`<b>${w}</b>` : html`<a href="/accountability?since=${w}">${w}</a>`}`)}</span>
</form>`;
}

function matrix(model: AccountabilityModel): Html {
  const cells = model.figures.matrix;
  if (cells.length === 0) return html`<p class="card">No breakage reached a consumer in this window.</p>`;
  const producers = [...new Set(cells.map((c) => c.producerBusinessUnit))].sort();
  const consumers = [...new Set(cells.map((c) => c.consumerBusinessUnit))].sort();
  const max = Math.max(...cells.map((c) => c.consumerHours), 0);
  const rows = producers.map((p) => {
    const tds = consumers.map((c) => {
      const cell = cells.find((x) => x.producerBusinessUnit === p && x.consumerBusinessUnit === c);
      if (!cell) return html`<td class="num muted" data-cell="${p}→${c}">–</td>`;
      // Shade by consumer-hours: the worst cell darkest (the number is always there too).
      const level = max > 0 ? Math.min(4, Math.ceil((cell.consumerHours / max) * 4)) : 0;
      return html`<td class="num heat-${level}${p === c ? ' own' : ''}" data-cell="${p}→${c}" data-incidents="${cell.incidents}" data-consumer-hours="${cell.consumerHours}"><b>${cell.incidents}</b> <span class="small">incident${cell.incidents === 1 ? '' : 's'}</span><div>${num(cell.consumerHours)} <span class="small">consumer-h</span></div></td>`;
    });
    return html`<tr><th scope="row">${p}</th>${tds}</tr>`;
  });
  const across = cells.filter((c) => c.producerBusinessUnit !== c.consumerBusinessUnit).reduce((s, c) => s + c.consumerHours, 0);
  return html`<table class="matrix"><thead><tr><th>producer ↓ · consumer →</th>${consumers.map((c) => html`<th>${c}</th>`)}</tr></thead><tbody>${rows}</tbody></table>
<p class="small muted">Breakages (root incidents) whose consumers in the column's business unit were hurt, and their consumer-hours; the darker, the more hours; dashed: within one business unit. Across business units: <b>${num(across)}</b> consumer-hours.</p>`;
}

function domains(model: AccountabilityModel): Html {
  const before = new Map(model.previous.producers.map((p) => [p.domain, p]));
  const rows = [...model.figures.producers]
    .sort((a, b) => b.consumerHours - a.consumerHours || b.incidents - a.incidents || a.domain.localeCompare(b.domain))
    .map((d) => {
      const b = before.get(d.domain);
      const cost = d.cost;
      return html`<tr data-domain="${d.domain}">
<td><b>${d.domain}</b><div class="small muted">${d.businessUnit}</div></td>
<td class="num">${d.incidents}${trend(d.incidents, b?.incidents ?? 0)}<div class="small muted">${d.breakages} breakage${d.breakages === 1 ? '' : 's'}</div></td>
<td class="num">${d.reachedOtherBusinessUnits}</td>
<td class="num" data-figure="consumer-hours">${num(d.consumerHours)}${trend(d.consumerHours, b?.consumerHours ?? 0)}</td>
<td data-figure="mtta">${stats(d.mtta)}${d.mtta.meanMs !== undefined ? trend(d.mtta.meanMs, b?.mtta.meanMs, formatDuration) : ''}</td>
<td class="num">${d.unacknowledged}</td>
<td data-figure="mttr">${stats(d.mttr)}${d.mttr.meanMs !== undefined ? trend(d.mttr.meanMs, b?.mttr.meanMs, formatDuration) : ''}</td>
<td class="num">${d.open}</td>
<td class="num">${d.escalated}</td>
<td class="num small" data-figure="cost">${cost ? html`${num(cost.statements)} statements<div>${num(cost.seconds)} s</div>` : html`<span class="muted">–</span>`}</td>
</tr>`;
    });
  return html`<table class="domains"><thead><tr><th>producer domain</th><th>incidents</th><th>reached other BUs</th><th>consumer-hours</th><th>time to acknowledge</th><th>never acked</th><th>time to resolve</th><th>still open</th><th>escalated</th><th>monitoring cost</th></tr></thead><tbody>${rows}</tbody></table>
<p class="small muted">A caused incident counts against its root cause's domain. Trend: against the ${model.days} days before (▲ worse, ▼ better). Monitoring cost: statements and warehouse seconds meshwatch spent checking the domain's products.</p>`;
}

function checksCell(p: ShownProductFigures): HtmlValue {
  if (p.redacted) return html`<span class="small muted" data-redacted>details are restricted${p.ask ? `; ask ${p.ask}` : ''}</span>`;
  return p.checks.length > 0 ? html`<code>${p.checks.join(', ')}</code>` : html`<span class="muted">–</span>`;
}

function products(model: AccountabilityModel, tierOf: (id: string) => { tier?: string; justification?: string } | undefined): Html {
  const list = model.figures.products;
  if (list.length === 0) return html`<p class="card">No product broke in this window.</p>`;
  return html`<table class="ranked"><thead><tr><th>#</th><th>product</th><th>tier</th><th>breakages</th><th>incidents</th><th>consumer-hours</th><th>consumers hurt</th><th>business units hurt</th><th>availability</th><th>failing checks</th></tr></thead><tbody>${list.map((p, i) => {
    const t = tierOf(p.product);
    return html`<tr data-ranked="${p.product}"><td class="num">${i + 1}</td><td>${productLink(p.product, true)}<div class="small muted">${p.domain}</div></td><td>${t?.tier ? tierTag(t.tier, t.justification) : p.tier ? tierTag(p.tier) : ''}</td><td class="num">${p.breakages}</td><td class="num">${p.incidents}</td><td class="num">${num(p.consumerHours)}</td><td class="num">${p.consumersHurt}</td><td>${p.businessUnitsHurt.join(', ') || html`<span class="muted">–</span>`}</td><td class="num" data-figure="availability">${(p.availability * 100).toFixed(2)} %</td><td>${checksCell(p)}</td></tr>`;
  })}</tbody></table>`;
}

function consumers(model: AccountabilityModel): Html {
  const list = model.figures.consumers.filter((c) => c.incidents > 0 || c.consumerHours > 0);
  if (list.length === 0) return html`<p class="card muted">No consumer was hurt in this window.</p>`;
  return html`<table class="consumer-domains"><thead><tr><th>consumer domain</th><th>breakages</th><th>consumer-hours</th><th>who broke it</th></tr></thead><tbody>${list.map(
    (c) => html`<tr data-consumer-domain="${c.domain}"><td><b>${c.domain}</b><div class="small muted">${c.businessUnit}</div></td><td class="num">${c.incidents}</td><td class="num">${num(c.consumerHours)}</td><td><ul class="owners">${c.owners.map(
      (o) => html`<li><b>${o.domain}</b> <span class="small muted">${o.businessUnit}</span>: ${o.incidents} breakage${o.incidents === 1 ? '' : 's'}, ${num(o.consumerHours)} consumer-h · fixed in ${o.mttr.meanMs !== undefined ? formatDuration(o.mttr.meanMs) : '–'} <span class="small muted">(${o.products.join(', ')})</span></li>`,
    )}</ul></td></tr>`,
  )}</tbody></table>`;
}

export interface AccountabilityPageInput {
  /** Undefined: this process keeps no incident history. */
  readonly model?: AccountabilityModel | undefined;
  readonly since: string;
  readonly tierOf: (id: string) => { tier?: string; justification?: string } | undefined;
}

export function accountabilityPage(input: AccountabilityPageInput, ctx: PageContext): string {
  const model = input.model;
  if (!model) {
    const body = html`${messages(ctx)}<h1>Accountability</h1><p class="card muted">No incident history is available in this process.</p>`;
    return page({ title: 'Accountability · meshwatch', bar: bar(ctx), nav: NAV('/accountability') }, body);
  }
  const f = model.figures;
  const incidents = f.producers.reduce((s, p) => s + p.incidents, 0);
  const breakages = f.producers.reduce((s, p) => s + p.breakages, 0);
  const reached = f.producers.reduce((s, p) => s + p.reachedOtherBusinessUnits, 0);
  const hoursNow = f.producers.reduce((s, p) => s + p.consumerHours, 0);
  const hoursBefore = model.previous.producers.reduce((s, p) => s + p.consumerHours, 0);
  const body = html`${messages(ctx)}
<h1>Accountability</h1>
<p class="muted small">Who broke whom, from the incident history: <time datetime="${f.window.from}">${when(f.window.from)}</time> to <time datetime="${f.window.to}">${when(f.window.to)}</time> (last ${model.since}), against the ${model.days} days before. Same figures as <code>meshwatch report --since ${model.since}</code>; JSON at <a href="/api/accountability?since=${model.since}">/api/accountability?since=${model.since}</a>.</p>
${windowForm(model)}
<div class="cards">
<div class="card" data-card="incidents"><div class="muted small">incidents</div><div class="big">${incidents}</div><div class="small muted">${breakages} breakage${breakages === 1 ? '' : 's'} at the root</div></div>
<div class="card" data-card="reached"><div class="muted small">reached other business units</div><div class="big">${reached}</div></div>
<div class="card" data-card="consumer-hours"><div class="muted small">consumer-hours of breakage</div><div class="big">${num(hoursNow)}</div>${trend(hoursNow, hoursBefore)}</div>
</div>
<h2 id="matrix">Who hurt whom: producer business unit × consumer business unit</h2>
${matrix(model)}
<h2 id="domains">Producer domains</h2>
${domains(model)}
<h2 id="products">Products ranked by the harm they caused</h2>
${products(model, input.tierOf)}
<h2 id="consumers">Consumer domains: what broke them</h2>
${consumers(model)}`;
  return page({ title: `Accountability (last ${model.since}) · meshwatch`, bar: bar(ctx), nav: NAV('/accountability') }, body);
}
