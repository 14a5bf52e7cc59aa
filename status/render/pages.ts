/**
 * The status pages: overview, product, sign-in and error pages. Pure: each
 * takes its model and returns the HTML string. Links to product pages exist
 * on the live page; the static report links to anchors in itself.
 */
import { href, html, raw, type Html, type HtmlValue } from '../html.js';
import {
  groupIncidents,
  PRODUCT_STATES,
  type Filters,
  type IncidentView,
  type MonitorHealth,
  type ProductDetail,
  type ProductState,
  type ProductSummary,
} from '../model.js';
import type { Role } from '../redact.js';
import { actionForms, ago, badge, blastRadius, checksTable, incidentGroups, incidentState, productsByDomain, radiusSummary, tierTag, timeline, type ActionContext } from './components.js';
import { lineageSvg } from './lineage.js';
import { page } from './shell.js';

export const REFRESH_SECONDS = 30;

/** The page's only script (the filters apply on change; the Filter button does it without JS). Allowed by its hash in the CSP. */
export const FILTER_SCRIPT = "document.getElementById('filters').addEventListener('change',function(e){if(e.target.tagName==='SELECT')this.submit()})";

/** Who is looking, for the top bar and the actions. */
export interface PageContext {
  readonly now: Date;
  /** `undefined`: nobody signed in (the page is open to read). */
  readonly role?: Role | undefined;
  readonly name?: string | undefined;
  /** Page actions (operators with a session); absent: no action forms. */
  readonly csrf?: string | undefined;
  /** A sign-in form exists (some token is configured). */
  readonly canSignIn: boolean;
  /** Operator actions are configured at all (MESHWATCH_OPERATOR_TOKEN). */
  readonly actionsEnabled: boolean;
  readonly notice?: string | undefined;
  readonly error?: string | undefined;
}

function bar(ctx: PageContext): Html {
  if (ctx.role) {
    const who = ctx.role === 'operator' ? html`operator${ctx.name ? html` <b>${ctx.name}</b>` : ''}` : html`reader`;
    return html`<span>signed in as ${who}</span><form class="inline" method="post" action="/logout"><input type="hidden" name="csrf" value="${ctx.csrf ?? ''}"><button type="submit">Sign out</button></form>`;
  }
  return ctx.canSignIn ? html`<a href="/login">Sign in</a>` : html`<span class="small">read-only (no tokens configured)</span>`;
}

const NAV = (current: string) => [{ href: '/', label: 'Overview', current: current === '/' }];

function messages(ctx: PageContext): Html {
  return html`${ctx.notice ? html`<div class="notice" role="status">${ctx.notice}</div>` : ''}${ctx.error ? html`<div class="error-box" role="alert">${ctx.error}</div>` : ''}`;
}

function actionsFor(ctx: PageContext, back: string): ActionContext | undefined {
  if (ctx.role !== 'operator' || !ctx.csrf) return undefined;
  return { csrf: ctx.csrf, askName: !ctx.name, back };
}

export interface OverviewModel {
  readonly products: readonly ProductSummary[];
  readonly counts: Readonly<Record<ProductState, number>>;
  readonly incidents: readonly IncidentView[];
  readonly monitor: MonitorHealth;
  readonly filters: Filters;
  readonly options: { readonly domains: ReadonlyArray<{ id: string; name: string }>; readonly businessUnits: readonly string[] };
}

export function summaryCards(counts: Readonly<Record<ProductState, number>>, incidents: readonly IncidentView[], monitor: MonitorHealth | undefined, now: Date): Html {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const states = PRODUCT_STATES.filter((s) => counts[s] > 0 || s === 'fail').map((s) => html`<div>${badge(s)} <b>${counts[s]}</b></div>`);
  const acked = incidents.filter((i) => i.state === 'acknowledged').length;
  // A static report has failing products, not incidents in an engine.
  const live = monitor !== undefined;
  const monitorCard = monitor
    ? html`<div class="card" data-card="monitor"><div class="muted small">monitor health</div><dl>
<dt>Redis</dt><dd>${monitor.redis === 'ok' ? badge('pass', 'reachable') : badge('fail', 'unreachable')}</dd>
<dt>warehouse</dt><dd>${monitor.warehouse.state === 'ok' ? badge('pass', 'up') : badge('error', 'degraded')}${monitor.warehouse.reason ? html`<div class="small">${monitor.warehouse.reason}</div>` : ''}</dd>
<dt>queue depth</dt><dd>${monitor.queueDepth ?? '?'}</dd>
<dt>last tick</dt><dd>${ago(monitor.lastTick, now)}</dd>
<dt>notifications failing</dt><dd>${monitor.notificationsFailing ? badge('fail', String(monitor.notificationsFailing)) : badge('pass', '0')}</dd>
${monitor.replicas !== undefined ? html`<dt>replicas</dt><dd>${monitor.replicas}</dd>` : ''}
</dl></div>`
    : '';
  return html`<div class="cards">
<div class="card" data-card="products"><div class="muted small">products by state</div><div class="big">${total}</div>${states}</div>
<div class="card" data-card="incidents"><div class="muted small">${live ? 'open incidents' : 'failing products'}</div><div class="big">${incidents.length}</div>${live ? html`<div>${acked} acknowledged</div>` : ''}<div class="small muted">${groupIncidents(incidents).length} root cause${groupIncidents(incidents).length === 1 ? '' : 's'}</div></div>
${monitorCard}
</div>`;
}

function filterForm(model: OverviewModel): Html {
  const option = (value: string, text: string, selected: string | undefined) => html`<option value="${value}"${value === (selected ?? '') ? raw(' selected') : ''}>${text}</option>`;
  return html`<form class="filters" method="get" action="/" id="filters">
<label>domain<select name="domain">${option('', 'all', model.filters.domain)}${model.options.domains.map((d) => option(d.id, `${d.id} (${d.name})`, model.filters.domain))}</select></label>
<label>business unit<select name="businessUnit">${option('', 'all', model.filters.businessUnit)}${model.options.businessUnits.map((u) => option(u, u, model.filters.businessUnit))}</select></label>
<label>state<select name="state">${option('', 'all', model.filters.state)}${PRODUCT_STATES.map((s) => option(s, s === 'unknown' ? 'not run' : s, model.filters.state))}</select></label>
<button type="submit">Filter</button> <a href="/" class="small">clear</a>
</form>
<script>${raw(FILTER_SCRIPT)}</script>`;
}

export function overviewPage(model: OverviewModel, ctx: PageContext): string {
  const back = href([], { domain: model.filters.domain, businessUnit: model.filters.businessUnit, state: model.filters.state });
  const body = html`${messages(ctx)}
<h1>On-call overview</h1>
<p class="muted small">Updated ${ctx.now.toISOString()} · refreshes every ${REFRESH_SECONDS} s${!ctx.actionsEnabled ? ' · incident actions are off (no MESHWATCH_OPERATOR_TOKEN)' : ctx.role !== 'operator' ? ' · sign in as operator to act on incidents' : ''}</p>
${summaryCards(model.counts, model.incidents, model.monitor, ctx.now)}
<h2 id="incidents">Open incidents, by root cause</h2>
${incidentGroups(groupIncidents(model.incidents), { now: ctx.now, linkProducts: true, actions: actionsFor(ctx, back) })}
<h2 id="products">Products</h2>
${filterForm(model)}
${productsByDomain(model.products, { now: ctx.now, linkProducts: true })}`;
  return page({ title: `meshwatch · ${model.incidents.length} open incident${model.incidents.length === 1 ? '' : 's'}`, refreshSeconds: REFRESH_SECONDS, bar: bar(ctx), nav: NAV('/') }, body);
}

function subscriptionsBlock(detail: ProductDetail): Html {
  if (detail.subscriptions === undefined) return html`<p class="muted small">Slack subscriptions are not available in this process.</p>`;
  if (detail.subscriptions.length === 0) return html`<p class="muted small">no subscriptions</p>`;
  return html`<table class="subscriptions"><thead><tr><th>channel</th><th>columns</th><th>by</th><th>since</th><th>status</th></tr></thead><tbody>${detail.subscriptions.map(
    (s) => html`<tr><td>${s.channel}</td><td>${s.columns && s.columns.length > 0 ? s.columns.join(', ') : html`<span class="muted">all</span>`}</td><td>${s.by ?? ''}</td><td class="small">${s.since ?? ''}</td><td>${s.status ?? ''}</td></tr>`,
  )}</tbody></table>`;
}

export function productBody(detail: ProductDetail, ctx: PageContext, linkProducts: boolean, actions?: ActionContext): Html {
  const s = detail.summary;
  const incident: HtmlValue = detail.incident
    ? html`<section class="group" data-incident="${detail.incident.id ?? ''}"><h3>${detail.incident.id ? `Incident ${detail.incident.id}` : 'Failing'}: ${incidentState(detail.incident, ctx.now)}</h3>
<div class="small">Root cause: ${detail.incident.rootCause === s.id ? 'this product' : html`<a href="${linkProducts ? href(['products', detail.incident.rootCause]) : `#p-${detail.incident.rootCause}`}">${detail.incident.rootCause}</a>`} · failing: <code>${detail.incident.checks.join(', ')}</code>${detail.incident.openedAt ? html` · open for ${ago(detail.incident.openedAt, ctx.now)}` : ''}${detail.incident.occurrences ? ` · seen ${detail.incident.occurrences}×` : ''}</div>
<div class="small" style="margin-top:6px"><b>Blast radius:</b> ${radiusSummary(detail.incident.impact)}</div>
${blastRadius(detail.incident.impact, linkProducts)}
<div style="margin-top:8px">${actionForms(detail.incident, actions)}</div></section>`
    : '';
  return html`<h1 id="p-${s.id}">${s.id} ${badge(s.state)} ${tierTag(s.tier)}</h1>
<p class="muted">${s.name ? html`<b>${s.name}</b> · ` : ''}${s.domainName} (${s.domain})${s.businessUnit ? ` · ${s.businessUnit}` : ''} · table <code>${detail.table}</code> · schedule <code>${detail.schedule}</code>${detail.owner.channel ? ` · ${detail.owner.channel}` : ''}${detail.owner.oncall ? ` · on call ${detail.owner.oncall}` : ''}</p>
${detail.description ? html`<p>${detail.description}</p>` : ''}
${incident}
<h2>Lineage</h2>
<div class="lineage">${lineageSvg(detail.lineage, linkProducts)}</div>
<h2>Checks</h2>
${checksTable(detail.checks, ctx.now)}
<h2>History</h2>
${timeline(detail.history, ctx.now)}
<h2>Consumers</h2>
${detail.consumers.length === 0 ? html`<p class="muted">no consumers declared</p>` : html`<table class="consumers"><thead><tr><th>consumer</th><th>domain</th><th>business unit</th><th>channel</th><th>columns read</th></tr></thead><tbody>${detail.consumers.map(
    (c) => html`<tr><td>${c.id}</td><td>${c.domain}</td><td>${c.businessUnit ?? ''}</td><td>${c.channel ?? ''}</td><td>${c.columns ? c.columns.join(', ') : html`<span class="muted">all</span>`}</td></tr>`,
  )}</tbody></table>`}
<h3>Subscriptions</h3>
${subscriptionsBlock(detail)}`;
}

export function productPage(detail: ProductDetail, ctx: PageContext): string {
  const back = href(['products', detail.summary.id]);
  const body = html`${messages(ctx)}<p class="small"><a href="/">← overview</a></p>${productBody(detail, ctx, true, actionsFor(ctx, back))}`;
  return page({ title: `${detail.summary.id} · meshwatch`, refreshSeconds: REFRESH_SECONDS, bar: bar(ctx), nav: NAV('') }, body);
}

export function loginPage(options: { next: string; error?: string | undefined; askName: boolean }): string {
  const body = html`<h1>Sign in</h1>
${options.error ? html`<div class="error-box" role="alert">${options.error}</div>` : ''}
<form method="post" action="/login" class="card" style="max-width:420px">
<input type="hidden" name="next" value="${options.next}">
<p><label>Access token<br><input type="password" name="token" required autocomplete="current-password" size="36"></label></p>
${options.askName ? html`<p><label>Your name (operators: shown as "acknowledged by")<br><input type="text" name="by" size="36"></label></p>` : ''}
<p><button class="primary" type="submit">Sign in</button></p>
<p class="small muted">A reader token shows the page; an operator token also allows acknowledge, snooze and resolve. The session is kept in an HttpOnly cookie.</p>
</form>`;
  return page({ title: 'Sign in · meshwatch', nav: NAV('') }, body);
}

export function errorPage(status: number, message: string, ctx?: PageContext): string {
  return page({ title: `${status} · meshwatch`, nav: NAV(''), bar: ctx ? bar(ctx) : '' }, html`<h1>${status}</h1><p>${message}</p><p><a href="/">← overview</a></p>`);
}
