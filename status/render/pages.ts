/**
 * The status pages: overview, product, sign-in and error pages. Pure: each
 * takes its model and returns the HTML string. Links to product pages exist
 * on the live page; the static report links to anchors in itself.
 */
import { plural } from '../../core/text.js';
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
import type { TierReviewDue } from '../../catalog/tier-review.js';
import type { Role } from '../redact.js';
import { actionForms, ago, badge, blastRadius, checksTable, deliveryProblems, incidentGroups, incidentState, person, productLink, productsByDomain, radiusSummary, tierTag, timeline, type ActionContext } from './components.js';
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

export function bar(ctx: PageContext): Html {
  if (ctx.role) {
    const who = ctx.role === 'operator' ? html`operator${ctx.name ? html` <b>${ctx.name}</b>` : ''}` : html`reader`;
    return html`<span>signed in as ${who}</span><form class="inline" method="post" action="/logout"><input type="hidden" name="csrf" value="${ctx.csrf ?? ''}"><button type="submit">Sign out</button></form>`;
  }
  return ctx.canSignIn ? html`<a href="/login">Sign in</a>` : html`<span class="small">read-only (no tokens configured)</span>`;
}

export const NAV = (current: string) => [
  { href: '/', label: 'Overview', current: current === '/' },
  { href: '/accountability', label: 'Accountability', current: current === '/accountability' },
];

export function messages(ctx: PageContext): Html {
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
  /** Products whose tier review is due; absent in a static report. */
  readonly tierReviews?: readonly TierReviewDue[] | undefined;
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
<div class="card" data-card="incidents"><div class="muted small">${live ? 'open incidents' : 'failing products'}</div><div class="big">${incidents.length}</div>${live ? html`<div>${acked} acknowledged</div>` : ''}<div class="small muted">${plural(groupIncidents(incidents).length, 'root cause')}</div></div>
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
${model.tierReviews && model.tierReviews.length > 0 ? tierReviewSection(model.tierReviews, ctx.now) : ''}
<h2 id="products">Products</h2>
${filterForm(model)}
${productsByDomain(model.products, { now: ctx.now, linkProducts: true })}`;
  return page({ title: `meshwatch · ${model.incidents.length} open incident${model.incidents.length === 1 ? '' : 's'}`, refreshSeconds: REFRESH_SECONDS, bar: bar(ctx), nav: NAV('/') }, body);
}

function fileLink(file: string, link: string | undefined): Html {
  return link ? html`<a href="${link}" rel="noopener"><code>${file}</code></a>` : html`<code>${file}</code>`;
}

function lastReview(r: TierReviewDue): Html {
  if (r.reviewSource === 'never') return html`<span class="muted">never reviewed</span>`;
  return html`${r.lastReviewedAt?.slice(0, 10) ?? ''} <span class="small muted">${r.reviewSource === 'recorded' ? html`from Slack${r.reviewedBy ? html` by ${person(r.reviewedBy)}` : ''}` : 'tierReviewedAt in the file'}</span>`;
}

/** The overview's small list of products whose tier review is due (the longest overdue first, at most 20 rows). */
function tierReviewSection(due: readonly TierReviewDue[], now: Date): Html {
  const shown = due.slice(0, 20);
  // Folded: on a mesh that has just turned audits on nearly everything is due, and the incidents come first.
  return html`<h2 id="tier-reviews">Tier reviews due <span class="muted small">· ${due.length} product${due.length === 1 ? '' : 's'}</span></h2>
<details class="card"><summary>${shown.slice(0, 3).map((r, i) => html`${i > 0 ? ', ' : ''}${r.product}`)}${due.length > 3 ? ` and ${due.length - 3} more` : ''} <span class="small muted">(the longest overdue first; show the list)</span></summary>
<table class="tier-reviews" style="margin-top:8px"><thead><tr><th>product</th><th>tier</th><th>last review</th><th>due</th><th>file</th></tr></thead><tbody>${shown.map(
    (r) => html`<tr data-tier-review="${r.product}"><td>${productLink(r.product, true)}</td><td>${tierTag(r.tier, r.tierJustification)}</td><td>${lastReview(r)}</td><td class="small">${r.dueAt ? html`${r.overdueDays} d overdue ${ago(r.dueAt, now)}` : 'now'}</td><td>${fileLink(r.file, r.link)}</td></tr>`,
  )}</tbody></table>${due.length > shown.length ? html`<p class="small muted">… and ${due.length - shown.length} more (<code>meshwatch report --tiers</code> lists them all)</p>` : ''}
<p class="small muted">Confirm a tier with the “tier still right” button of the producer’s digest in Slack, or change <code>tier</code> / <code>tierReviewedAt</code> in the product’s file.</p></details>`;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(2)} %`;
}

function hours(h: number): string {
  return Number.isInteger(h) ? String(h) : h.toFixed(h < 10 ? 2 : 1).replace(/\.?0+$/, '');
}

function availabilityBlock(detail: ProductDetail): Html {
  const a = detail.availability;
  if (!a) return html``;
  return html`<h2 id="availability">Availability <span class="muted small">· last ${a.window.days} days</span></h2>
<div class="cards" data-availability="${a.availability}">
<div class="card"><div class="muted small">available</div><div class="big">${percent(a.availability)}</div><div class="small muted">broken ${hours(Math.round((a.brokenMs / 3_600_000) * 100) / 100)} h</div></div>
<div class="card"><div class="muted small">incidents</div><div class="big">${a.incidents}</div><div class="small muted">${a.breakages} rooted here</div></div>
<div class="card" data-harm><div class="muted small">harm it caused</div><div class="big">${hours(a.consumerHours)}</div><div class="small">consumer-hours · ${a.consumersHurt} consumer${a.consumersHurt === 1 ? '' : 's'}${a.businessUnitsHurt.length > 0 ? html` in ${a.businessUnitsHurt.join(', ')}` : ''}</div></div>
</div>
<p class="small muted">From the incident history; the whole mesh on <a href="/accountability">Accountability</a>.</p>`;
}

function governanceBlock(detail: ProductDetail): Html {
  const lineage = detail.tierLineage;
  const review = detail.tierReview;
  const lineageHtml = lineage
    ? lineage.justification
      ? html`<p data-tier-lineage="justified">Reads the stricter ${lineage.stricterInputs.map((i, n) => html`${n > 0 ? ', ' : ''}${productLink(i.id, true)} (${i.tier})`)}; its tier is justified: <i>${lineage.justification}</i></p>`
      : html`<div class="notice" data-tier-lineage="warning">▲ Tier lineage: ${lineage.message}</div>`
    : '';
  const reviewHtml = review
    ? html`<div class="notice" data-tier-review-due>▲ Tier review due${review.dueAt ? html` since ${review.dueAt.slice(0, 10)} (${review.overdueDays} d overdue; last review ${lastReview(review)})` : ' (never reviewed)'}. Is <b>${detail.summary.tier}</b> still right? Confirm it with “tier still right” in the producer’s digest in Slack, or change <code>tier</code> / <code>tierReviewedAt</code> in ${fileLink(review.file, review.link)}.</div>`
    : '';
  if (!lineageHtml && !reviewHtml) return html``;
  return html`<h2 id="governance">Tier governance</h2>${lineageHtml}${reviewHtml}`;
}

function subscriptionsBlock(detail: ProductDetail): Html {
  if (detail.subscriptions === undefined) return html`<p class="muted small">Slack subscriptions are not available in this process.</p>`;
  if (detail.subscriptions.length === 0) return html`<p class="muted small">no subscriptions</p>`;
  return html`<table class="subscriptions"><thead><tr><th>channel</th><th>columns</th><th>subscribed by</th><th>since</th><th>status</th></tr></thead><tbody>${detail.subscriptions.map(
    (s) => html`<tr data-subscription="${s.consumer ?? s.channel}"><td>${s.channel}</td><td>${s.columns && s.columns.length > 0 ? s.columns.join(', ') : html`<span class="muted">all</span>`}</td><td>${person(s.by)}</td><td class="small">${s.since ?? ''}</td><td>${s.status ?? ''}${
      s.approvedBy ? html`<div class="small">approved by ${person(s.approvedBy)}${s.approvedAt ? ` ${s.approvedAt}` : ''}${s.request ? ` (${s.request})` : ''}</div>` : ''
    }</td></tr>`,
  )}</tbody></table>`;
}

export function productBody(detail: ProductDetail, ctx: PageContext, linkProducts: boolean, actions?: ActionContext): Html {
  const s = detail.summary;
  const incident: HtmlValue = detail.incident
    ? html`<section class="group" data-incident="${detail.incident.id ?? ''}"><h3>${detail.incident.id ? `Incident ${detail.incident.id}` : 'Failing'}: ${incidentState(detail.incident, ctx.now)}</h3>
<div class="small">Root cause: ${detail.incident.rootCause === s.id ? 'this product' : html`<a href="${linkProducts ? href(['products', detail.incident.rootCause]) : `#p-${detail.incident.rootCause}`}">${detail.incident.rootCause}</a>`} · failing: <code>${detail.incident.checks.join(', ')}</code>${detail.incident.openedAt ? html` · open for ${ago(detail.incident.openedAt, ctx.now)}` : ''}${detail.incident.occurrences ? ` · seen ${detail.incident.occurrences}×` : ''}</div>
<div class="small" style="margin-top:6px"><b>Blast radius:</b> ${radiusSummary(detail.incident.impact)}</div>
${blastRadius(detail.incident.impact, linkProducts)}
${deliveryProblems(detail.incident.deliveryProblems, ctx.now)}
<div style="margin-top:8px">${actionForms(detail.incident, actions)}</div></section>`
    : '';
  return html`<h1 id="p-${s.id}">${s.id} ${badge(s.state)} ${tierTag(s.tier, s.tierJustification)}</h1>
<p class="muted">${s.name ? html`<b>${s.name}</b> · ` : ''}${s.domainName} (${s.domain})${s.businessUnit ? ` · ${s.businessUnit}` : ''} · table <code>${detail.table}</code> · schedule <code>${detail.schedule}</code>${detail.owner.channel ? ` · ${detail.owner.channel}` : ''}${detail.owner.oncall ? ` · on call ${detail.owner.oncall}` : ''}</p>
${detail.description ? html`<p>${detail.description}</p>` : ''}
${detail.file ? html`<p class="small muted">defined in ${fileLink(detail.file.path, detail.file.link)}</p>` : ''}
${incident}
${availabilityBlock(detail)}
${governanceBlock(detail)}
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
