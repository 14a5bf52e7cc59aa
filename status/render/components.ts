/**
 * Building blocks of the pages: status badges (icon + word + colour, so a
 * state never depends on colour alone), times, blast radius, incident
 * groups, product tables, check tables, the history timeline. Pure.
 */
import { groupImpact, type Impact } from '../../catalog/impact.js';
import type { CheckResult } from '../../checks/result.js';
import { href, html, type Html, type HtmlValue } from '../html.js';
import { CHECK_KINDS, type DeliveryProblemView, type IncidentGroupView, type IncidentView, type ProductState, type ProductSummary } from '../model.js';

export const ICON: Readonly<Record<ProductState, string>> = { pass: '✓', warn: '▲', fail: '✗', error: '?', unknown: '–' };
const LABEL: Readonly<Record<ProductState, string>> = { pass: 'pass', warn: 'warn', fail: 'fail', error: 'error', unknown: 'not run' };

export function badge(state: ProductState, text: string = LABEL[state]): Html {
  return html`<span class="badge s-${state}" data-status="${state}"><span class="icon" aria-hidden="true">${ICON[state]}</span>${text}</span>`;
}

/** The tier, with its justification (`tierJustification`) beside it when the product gives one: shown wherever the tier is. */
export function tierTag(tier: string, justification?: string | undefined): Html {
  return justification
    ? html`<span class="tier" title="shareability tier: ${justification}">${tier}</span> <span class="small muted tier-why" data-tier-justification>${justification}</span>`
    : html`<span class="tier" title="shareability tier">${tier}</span>`;
}

const SLACK_USER = /^(?:<@)?([UW](?=[A-Z0-9]*\d)[A-Z0-9]{6,})(?:\|([^>]*))?>?$/;

/**
 * Who did something, readably. Slack buttons record the Slack user id
 * (`U0123ABCD`) and subscriptions `<@U0123ABCD>`: the page cannot render a
 * mention, and resolving names would need a Slack call per id on every
 * page view, so it shows `@U0123ABCD (Slack)` (or the name a `<@U…|name>`
 * carries); names typed on the page or the CLI are shown as they are.
 */
export function personText(by: string): string {
  const m = SLACK_USER.exec(by);
  if (!m || (by.startsWith('<@') !== by.endsWith('>'))) return by;
  return m[2] ? `@${m[2]} (Slack)` : `@${m[1]} (Slack)`;
}

export function person(by: string | undefined): Html {
  if (!by) return html``;
  const text = personText(by);
  return text === by ? html`<b>${by}</b>` : html`<b title="Slack user ${by}">${text}</b>`;
}

function span(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h${m % 60 ? ` ${m % 60} min` : ''}`;
  return `${Math.floor(h / 24)} d`;
}

/** "12 min ago", the exact time on hover and in `datetime`. */
export function ago(iso: string | undefined, now: Date): Html {
  if (!iso) return html`<span class="muted">never</span>`;
  const ms = now.getTime() - Date.parse(iso);
  return html`<time datetime="${iso}" title="${iso}">${ms >= 0 ? `${span(ms)} ago` : `in ${span(ms)}`}</time>`;
}

export function age(iso: string | undefined, now: Date): string {
  return iso ? span(now.getTime() - Date.parse(iso)) : '';
}

export function productLink(id: string, linkProducts: boolean): Html {
  return linkProducts ? html`<a href="${href(['products', id])}">${id}</a>` : html`<a href="#p-${id}">${id}</a>`;
}

/** Who is hurt, by business unit: consumers named, downstream products counted and named. */
export function blastRadius(impact: Impact, linkProducts: boolean, maxPerUnit = 8): Html {
  const groups = groupImpact(impact);
  if (groups.length === 0) return html`<p class="muted small">nobody downstream is affected</p>`;
  const units = groups.map((group) => {
    const consumers = group.domains.flatMap((d) => d.consumers);
    const products = group.domains.flatMap((d) => d.products);
    const items: HtmlValue[] = [
      ...consumers.map((c) => html`<li>${c.id}${c.columns && c.columns.length > 0 ? html` <span class="muted small">reads ${c.columns.join(', ')}</span>` : ''}</li>`),
      ...products.map((p) => html`<li>${productLink(p.id, linkProducts)} <span class="muted small">product</span></li>`),
    ];
    const shown = items.slice(0, maxPerUnit);
    const more = items.length - shown.length;
    return html`<div class="unit" data-unit="${group.businessUnit}"><b>${group.businessUnit} · ${consumers.length} consumer${consumers.length === 1 ? '' : 's'}, ${products.length} product${products.length === 1 ? '' : 's'}</b><ul>${shown}${more > 0 ? html`<li class="muted">… and ${more} more</li>` : ''}</ul></div>`;
  });
  return html`<div class="radius">${units}</div>`;
}

export function radiusSummary(impact: Impact): string {
  const c = impact.consumers.length;
  const p = impact.products.length;
  if (c + p === 0) return 'nobody downstream is affected';
  return `${c} consumer${c === 1 ? '' : 's'} and ${p} downstream product${p === 1 ? '' : 's'} in ${impact.businessUnits.length} business unit${impact.businessUnits.length === 1 ? '' : 's'}`;
}

const STATE_ICON: Readonly<Record<IncidentView['state'], ProductState>> = { open: 'fail', failing: 'fail', acknowledged: 'warn', snoozed: 'unknown', resolved: 'pass' };

export function incidentState(incident: IncidentView, now: Date): Html {
  const who =
    incident.state === 'acknowledged' && incident.acknowledgedBy
      ? html` <span class="ack" data-ack-by="${incident.acknowledgedBy}">by ${person(incident.acknowledgedBy)} ${ago(incident.acknowledgedAt, now)}</span>`
      : incident.state === 'snoozed'
        ? html` <span>by ${person(incident.snoozedBy)} until <time datetime="${incident.snoozedUntil ?? ''}">${incident.snoozedUntil ?? ''}</time></span>`
        : incident.state === 'resolved' && incident.resolvedBy
          ? html` <span>by ${person(incident.resolvedBy)}</span>`
          : '';
  return html`${badge(STATE_ICON[incident.state], incident.state)}${who}`;
}

/** Actions on an incident, as plain forms (POST), for operators. */
export interface ActionContext {
  readonly csrf: string;
  /** Ask for the operator's name (not yet in the session). */
  readonly askName: boolean;
  /** Where to come back to after the action. */
  readonly back: string;
}

export function actionForms(incident: IncidentView, actions: ActionContext | undefined): Html {
  if (!actions || !incident.id || incident.state === 'resolved') return html``;
  const target = (op: string) => href(['incidents', incident.id!, op]);
  const common = html`<input type="hidden" name="csrf" value="${actions.csrf}"><input type="hidden" name="back" value="${actions.back}">${
    actions.askName ? html`<input type="text" name="by" placeholder="your name" required aria-label="your name" size="10">` : ''
  }`;
  return html`<div class="actions" data-incident="${incident.id}">
${incident.state !== 'acknowledged' ? html`<form class="inline" method="post" action="${target('ack')}">${common}<button class="primary" type="submit">Acknowledge</button></form>` : ''}
${incident.state !== 'snoozed' ? html`<form class="inline" method="post" action="${target('snooze')}">${common}<select name="until" aria-label="snooze for"><option value="1h">1 h</option><option value="4h" selected>4 h</option><option value="24h">24 h</option></select><button type="submit">Snooze</button></form>` : ''}
<form class="inline" method="post" action="${target('resolve')}">${common}<button type="submit">Resolve</button></form>
</div>`;
}

export interface IncidentListOptions {
  readonly now: Date;
  readonly linkProducts: boolean;
  readonly actions?: ActionContext | undefined;
}

export function incidentGroups(groups: readonly IncidentGroupView[], options: IncidentListOptions): Html {
  if (groups.length === 0) return html`<p class="card">${badge('pass', 'no open incidents')}</p>`;
  return html`${groups.map((group) => {
    const root = group.incidents.find((i) => i.product === group.rootCause) ?? group.incidents[0]!;
    // A static report has no incident ids or ages: no empty columns for them.
    const live = group.incidents.some((i) => i.id !== undefined);
    const rows = group.incidents.map(
      (i) => html`<tr data-incident-row="${i.id ?? i.product}">
<td>${productLink(i.product, options.linkProducts)} ${tierTag(i.tier, i.tierJustification)}${i.product !== group.rootCause ? html`<div class="small muted">caused by ${group.rootCause}</div>` : ''}</td>
${live ? html`<td>${i.id ?? ''}</td>` : ''}
<td>${incidentState(i, options.now)}</td>
${live ? html`<td class="nowrap">${i.openedAt ? age(i.openedAt, options.now) : ''}</td>` : ''}
<td><code>${i.checks.join(', ')}</code>${i.brokenColumns ? html`<div class="small muted">broken columns: ${i.brokenColumns.join(', ')}</div>` : ''}</td>
${options.actions ? html`<td>${actionForms(i, options.actions)}</td>` : ''}
</tr>`,
    );
    return html`<section class="group" data-root="${group.rootCause}">
<h3>${badge('fail')} Root cause: ${productLink(group.rootCause, options.linkProducts)} <span class="muted small">· ${group.incidents.length} failing product${group.incidents.length === 1 ? '' : 's'}</span></h3>
<table><thead><tr><th>product</th>${live ? html`<th>incident</th>` : ''}<th>state</th>${live ? html`<th>age</th>` : ''}<th>failing checks</th>${options.actions ? html`<th>actions</th>` : ''}</tr></thead><tbody>${rows}</tbody></table>
<div class="small" style="margin-top:8px"><b>Blast radius:</b> ${radiusSummary(root.impact)}</div>
${blastRadius(root.impact, options.linkProducts)}
</section>`;
  })}`;
}

export function kindCell(summary: ProductSummary, kind: (typeof CHECK_KINDS)[number], now: Date): Html {
  const k = summary.kinds[kind];
  if (!k) return html`<td class="muted small">—</td>`;
  return html`<td data-kind="${kind}">${badge(k.status)} <span class="small muted">${k.of > 1 ? `${k.count}/${k.of} · ` : ''}${ago(k.at, now)}</span></td>`;
}

export function productsByDomain(products: readonly ProductSummary[], options: { now: Date; linkProducts: boolean }): Html {
  if (products.length === 0) return html`<p class="card muted">no products match</p>`;
  const byDomain = new Map<string, ProductSummary[]>();
  for (const p of products) {
    let list = byDomain.get(p.domain);
    if (!list) byDomain.set(p.domain, (list = []));
    list.push(p);
  }
  const rows = [...byDomain.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, list]) => {
      const first = list[0]!;
      return html`<tr class="domain-head"><td colspan="6">${first.domainName} <span class="muted small">${first.domain}${first.businessUnit ? ` · ${first.businessUnit}` : ''}</span></td></tr>
${list.map(
  (p) => html`<tr data-product="${p.id}" data-state="${p.state}"><td>${productLink(p.id, options.linkProducts)}${p.name ? html`<div class="small muted">${p.name}</div>` : ''}</td><td>${tierTag(p.tier, p.tierJustification)}</td><td>${badge(p.state)}</td>${CHECK_KINDS.map((k) => kindCell(p, k, options.now))}</tr>`,
)}`;
    });
  return html`<table class="products"><thead><tr><th>product</th><th>tier</th><th>state</th><th>freshness</th><th>schema</th><th>contract</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function value(v: unknown): string {
  if (v === undefined) return '';
  if (v === null) return 'null';
  if (typeof v === 'object' && !(v instanceof Date)) return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  return String(v);
}

export function checksTable(results: readonly CheckResult[], now: Date): Html {
  if (results.length === 0) return html`<p class="card muted">no results yet</p>`;
  const RANK: Record<string, number> = { fail: 0, error: 1, warn: 2, pass: 3 };
  results = [...results].sort((a, b) => (RANK[a.status] ?? 4) - (RANK[b.status] ?? 4) || a.check.localeCompare(b.check));
  return html`<table class="checks"><thead><tr><th>check</th><th>status</th><th>observed</th><th>expected</th><th>message</th><th>ran</th></tr></thead><tbody>${results.map(
    (r) => html`<tr data-check="${r.check}" data-status="${r.status}"><td><code>${r.check}</code>${r.columns.length > 0 ? html`<div class="small muted">${r.columns.join(', ')}</div>` : ''}</td><td>${badge(r.status)}</td><td><code>${value(r.observed)}</code>${
      r.failingRows !== undefined ? html`<div class="small">${r.failingRows} failing rows</div>` : ''
    }</td><td><code>${value(r.expected)}</code></td><td>${r.message}${r.samples && r.samples.length > 0 ? html`<div class="small muted">samples: ${r.samples.map(value).join(', ')}</div>` : ''}</td><td class="small">${ago(r.at, now)}</td></tr>`,
  )}</tbody></table>`;
}

/** History as one mark per run (the worst status of that run), oldest first, then the runs that were not all green. */
export function timeline(history: readonly CheckResult[], now: Date, maxRuns = 40): Html {
  if (history.length === 0) return html`<p class="muted">no history yet</p>`;
  const runs = new Map<string, CheckResult[]>();
  for (const r of history) {
    let list = runs.get(r.at);
    if (!list) runs.set(r.at, (list = []));
    list.push(r);
  }
  const ordered = [...runs.entries()].sort(([a], [b]) => a.localeCompare(b)).slice(-maxRuns);
  const SEV: Record<string, number> = { fail: 4, error: 3, warn: 2, pass: 1 };
  const worstOf = (list: readonly CheckResult[]): ProductState => list.reduce<ProductState>((w, r) => ((SEV[r.status] ?? 0) > (SEV[w] ?? 0) ? r.status : w), 'pass');
  const marks = ordered.map(([at, list]) => {
    const w = worstOf(list);
    const failing = list.filter((r) => r.status !== 'pass').map((r) => `${r.check} ${r.status}`);
    return html`<span class="tick s-${w}" data-run="${at}" data-status="${w}" title="${at}: ${failing.length > 0 ? failing.join(', ') : 'all pass'}">${ICON[w]}</span>`;
  });
  const notable = [...ordered].reverse().filter(([, list]) => list.some((r) => r.status !== 'pass')).slice(0, 10);
  return html`<div class="timeline" aria-label="recent runs, oldest first">${marks}</div>
<div class="small muted">${ordered.length} run${ordered.length === 1 ? '' : 's'}, oldest first; newest ${ago(ordered.at(-1)![0], now)}</div>
${notable.length > 0 ? html`<table class="history" style="margin-top:8px"><thead><tr><th>run</th><th>not passing</th></tr></thead><tbody>${notable.map(
  ([at, list]) => html`<tr><td class="small">${ago(at, now)}</td><td>${list.filter((r) => r.status !== 'pass').map((r) => html`${badge(r.status)} <code>${r.check}</code> `)}</td></tr>`,
)}</tbody></table>` : ''}`;
}

/** What a Slack refusal asks of someone: a channel problem is fixed in Slack or in the config, not by waiting. */
function deliveryHint(p: DeliveryProblemView): string {
  if (p.slackError === 'channel_not_found' || p.slackError === 'is_archived') return 'fix slackChannel in the config or unarchive the channel';
  if (p.slackError === 'not_in_channel') return 'invite the meshwatch app to the channel';
  if (p.slackError === 'invalid_auth' || p.slackError === 'token_revoked' || p.slackError === 'account_inactive') return 'fix SLACK_BOT_TOKEN';
  return 'see the service log';
}

/** Channels Slack refused this incident's messages to: the people there were not told. */
export function deliveryProblems(problems: readonly DeliveryProblemView[] | undefined, now: Date): Html {
  if (!problems || problems.length === 0) return html``;
  return html`<div class="card small" data-delivery-problems="${problems.length}" role="status">${badge('warn', 'not delivered')} Slack refused this incident's messages to ${problems.length === 1 ? 'one channel' : `${problems.length} channels`}; nobody there was told:
<ul>${problems.map(
    (p) => html`<li data-delivery-problem="${p.channel}"><b>${p.channel}</b>: <code>${p.slackError ?? p.code}</code> (${deliveryHint(p)}) · last refused ${ago(p.at, now)}</li>`,
  )}</ul></div>`;
}
