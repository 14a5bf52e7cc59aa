/**
 * Notification + facts → message models, one function per message of
 * ../shared/SLACK-MESSAGES.md. Pure: everything it needs is in `MessageFacts`
 * (gathered by facts.ts), so the golden tests feed it fixed facts.
 *
 * Tier rule (the one place it is applied): producers see every detail; for
 * consumers, `limited` keeps counts of rows and drops values, `restricted`
 * keeps only which check failed and whom to ask.
 */
import { formatDuration } from '../../config/duration.js';
import type { Tier } from '../../config/types.js';
import { plural } from '../../core/text.js';
import type { Notification } from '../notification.js';
import { SLACK_ACTIONS } from './actions.js';
import { digestMessage, escalatedReplyLine, escalationMessage, tierReviewMessage } from './compose-accountability.js';
import { approvalMessage, genericMessage, platformMessage, subscriptionMessage } from './compose-notices.js';
import type { Action, Inline, Line, ListSection, Mention, MessageModel, ReplyModel } from './message.js';
import { breakPhrase, identity, owner, productLabel, since, statusButton, statusLink, time, whatBroke, zone } from './wording.js';

export { breakPhrase } from './wording.js';

export interface DomainFacts {
  readonly id: string;
  readonly name: string;
  readonly businessUnit?: string | undefined;
  readonly channel?: string | undefined;
  readonly oncall?: Mention | undefined;
}

export interface ProductFacts {
  readonly id: string;
  readonly name?: string | undefined;
  readonly tier: Tier;
  readonly domain: DomainFacts;
}

/** A failing check as the latest result says it. */
export interface FailureFacts {
  readonly check: string;
  readonly kind: string;
  readonly message: string;
  readonly columns: readonly string[];
  readonly failingRows?: number | undefined;
}

export interface IncidentFacts {
  readonly id: string;
  readonly state: string;
  readonly openedAt: string;
  readonly checks: readonly string[];
  readonly brokenColumns?: readonly string[] | undefined;
  readonly acknowledgedBy?: string | undefined;
  readonly acknowledgedAt?: string | undefined;
  readonly snoozedBy?: string | undefined;
  readonly snoozedUntil?: string | undefined;
  readonly resolvedBy?: string | undefined;
  readonly resolvedAt?: string | undefined;
}

export interface BlastEntry {
  readonly id: string;
  readonly kind: 'consumer' | 'product';
  /** Products from the broken one to the one used, both included. */
  readonly via: readonly string[];
  /** A downstream product with an open incident of its own. */
  readonly failing?: boolean | undefined;
}

export interface BlastDomain {
  readonly businessUnit: string;
  readonly domain: string;
  readonly entries: readonly BlastEntry[];
}

export interface BlastFacts {
  readonly consumers: number;
  readonly products: number;
  readonly domains: number;
  readonly businessUnits: number;
  readonly groups: readonly BlastDomain[];
}

export interface ConsumerFacts {
  readonly id: string;
  readonly columns: readonly string[];
  readonly via: readonly string[];
}

export interface MessageFacts {
  readonly notification: Notification;
  /** The notification's product (for consumers: the root product). */
  readonly product?: ProductFacts | undefined;
  /** The upstream root, when it is another product. */
  readonly root?: (ProductFacts & { readonly incident?: string | undefined; readonly checks?: readonly string[] }) | undefined;
  readonly incident?: IncidentFacts | undefined;
  readonly failures: readonly FailureFacts[];
  readonly blast?: BlastFacts | undefined;
  /** Consumer audience: this channel's hurt consumers. */
  readonly consumers?: readonly ConsumerFacts[] | undefined;
  /** Resolved: the passing result that ended it, e.g. "fresh: … 12 min old". */
  readonly recovery?: string | undefined;
  readonly statusUrl?: string | undefined;
  /** The workspace's `defaults.timezone`; times are shown in it (UTC without). */
  readonly timezone?: string | undefined;
  /** reminder / escalated: the notification's `mention` (the on-call group) resolved to a user group. */
  readonly mention?: Mention | undefined;
  /** escalated: the business unit's lead, a user (`U…`) or a group mention, else plain text. */
  readonly lead?: Inline | undefined;
  /** escalated, in the producer channel: where the escalation went. */
  readonly escalatedTo?: string | undefined;
}

export interface Composed {
  /** The live message (posted, or updated in place). */
  readonly message?: MessageModel | undefined;
  /** A reply in the live message's thread (or a message of its own when there is none). */
  readonly reply?: ReplyModel | undefined;
}

/** Names per business unit before "and K more". */
export const NAMES_PER_UNIT = 10;

function incidentButtons(incident: string): Action[] {
  const value = JSON.stringify({ incident });
  return [
    { id: SLACK_ACTIONS.acknowledge, label: 'Acknowledge', value, style: 'primary' },
    { id: SLACK_ACTIONS.snooze1h, label: 'Snooze 1 h', value },
    { id: SLACK_ACTIONS.snooze24h, label: 'Snooze 24 h', value },
    { id: SLACK_ACTIONS.resolve, label: 'Resolve', value },
  ];
}

function oncallLine(domain: DomainFacts): Inline[] {
  return domain.oncall ? ['On call: ', { mention: domain.oncall }] : [];
}

/** The incident's state in words. */
function statusLine(facts: MessageFacts): Line {
  const i = facts.incident;
  const n = facts.notification;
  const state = i?.state ?? n.state ?? 'open';
  if (state === 'resolved') {
    const at = i?.resolvedAt ?? n.at;
    const broken = i ? formatDuration(new Date(at).getTime() - new Date(i.openedAt).getTime()) : undefined;
    const by = i?.resolvedBy ?? n.by;
    return [
      { strong: `Resolved at ${time(at, facts.timezone)}` },
      facts.recovery ? `: ${facts.recovery}.` : by ? ' by ' : '.',
      ...(facts.recovery || !by ? [] : [{ user: by }, '.']),
      broken ? ` Broken for ${broken}.` : '',
    ];
  }
  if (state === 'snoozed') {
    const by = i?.snoozedBy ?? n.by;
    return [{ strong: 'Snoozed' }, ...(by ? [' by ', { user: by }] : []), ` until ${time(i?.snoozedUntil ?? n.until, facts.timezone)}`];
  }
  if (state === 'acknowledged') {
    const by = i?.acknowledgedBy ?? n.by;
    return [{ strong: 'Acknowledged' }, ...(by ? [' by ', { user: by }] : []), ` at ${time(i?.acknowledgedAt ?? n.at, facts.timezone)}`];
  }
  if (n.transition === 'reminder') {
    // The alert itself says it was chased, so a reader of the channel (not the thread) sees how long it has waited.
    const opened = i?.openedAt;
    const waited = opened ? formatDuration(new Date(n.at).getTime() - new Date(opened).getTime()) : undefined;
    return [{ strong: `Reminded at ${time(n.at, facts.timezone)}` }, waited ? `, unacknowledged for ${waited}` : ', not yet acknowledged'];
  }
  return [{ strong: 'Status:' }, ' open, not yet acknowledged'];
}

function pathText(via: readonly string[]): string {
  return via.length > 1 ? `via ${via.slice(1).join(' → ')}` : '';
}

/** What failed, for whom: producers everything, consumers per tier. */
function failureLines(facts: MessageFacts, tier: Tier, audience: 'producer' | 'consumer', ask: string | undefined): Line[] {
  const failures = facts.failures;
  const fallbackChecks = facts.incident?.checks ?? facts.notification.checks ?? [];
  if (failures.length === 0 && (facts.incident?.state ?? facts.notification.state) === 'resolved') {
    return fallbackChecks.map((c) => [{ code: c }, ': passing again']);
  }
  if (audience === 'producer' || tier === 'open') {
    if (failures.length === 0) return fallbackChecks.map((c) => [{ code: c }]);
    // Checks failing for one reason (a missing table fails them all) share a line.
    const byMessage = new Map<string, string[]>();
    for (const f of failures) byMessage.set(f.message, [...(byMessage.get(f.message) ?? []), f.check]);
    return [...byMessage].map(([message, checks]): Line => [...checks.flatMap((c, i): Inline[] => (i === 0 ? [{ code: c }] : [', ', { code: c }])), `: ${message}`]);
  }
  const checks = failures.length > 0 ? failures.map((f) => f.check) : [...fallbackChecks];
  if (tier === 'restricted') {
    return checks.map((c) => [{ code: c }, ` failed (details are restricted${ask ? '; ask ' : ''}`, ...(ask ? [{ channel: ask }] : []), ')']);
  }
  // limited: counts, no values.
  const known: readonly FailureFacts[] = failures.length > 0 ? failures : checks.map((check) => ({ check, kind: '', message: '', columns: [] }));
  return known.map((f) => {
    const rows = f.failingRows !== undefined ? `${plural(f.failingRows, 'row')} ${f.failingRows === 1 ? 'breaks' : 'break'} it` : 'failed';
    const cols = f.columns.length > 0 ? ` (${f.columns.join(', ')})` : '';
    return [{ code: f.check }, `: ${rows}${cols}; values are not shown for limited products`];
  });
}

function blastSection(facts: MessageFacts): ListSection | undefined {
  const blast = facts.blast;
  if (!blast || blast.consumers + blast.products === 0) return undefined;
  const items: Line[] = [];
  let more = 0;
  const perUnit = new Map<string, number>();
  for (const group of blast.groups) {
    const used = perUnit.get(group.businessUnit) ?? 0;
    const room = Math.max(0, NAMES_PER_UNIT - used);
    const shown = group.entries.slice(0, room);
    more += group.entries.length - shown.length;
    perUnit.set(group.businessUnit, used + shown.length);
    if (shown.length === 0) continue;
    // Neighbours with the same notes share them: "a · b (via x)".
    const runs: Array<{ names: string[]; notes: string }> = [];
    for (const e of shown) {
      const notes = [e.kind === 'product' ? (e.failing ? 'product, failing too' : 'product') : '', pathText(e.kind === 'product' ? e.via.slice(0, -1) : e.via)].filter(Boolean).join(', ');
      const last = runs[runs.length - 1];
      if (last && last.notes === notes) last.names.push(e.id);
      else runs.push({ names: [e.id], notes });
    }
    const names = runs.map((r) => `${r.names.join(' · ')}${r.notes ? ` (${r.notes})` : ''}`);
    items.push([{ strong: `${group.businessUnit} › ${group.domain}` }, `: ${names.join(' · ')}`]);
  }
  const who = [
    plural(blast.consumers, 'consumer'),
    ...(blast.products > 0 ? [plural(blast.products, 'downstream product')] : []),
  ].join(' and ');
  return {
    title: [{ strong: `Who is hurt: ${who} in ${plural(blast.domains, 'domain')} of ${plural(blast.businessUnits, 'business unit')}` }],
    items,
    ...(more > 0 ? { more } : {}),
    ...(more > 0 && statusLink(facts, facts.product?.id) ? { moreLink: statusLink(facts, facts.product?.id)! } : {}),
  };
}

function producerAlert(facts: MessageFacts): MessageModel {
  const n = facts.notification;
  const p = facts.product;
  const id = productLabel(p, n.product);
  const checks = facts.incident?.checks ?? n.checks ?? [];
  const resolved = (facts.incident?.state ?? n.state) === 'resolved';
  const caused = n.rootCause !== null && n.rootCause !== n.product;
  const incident = n.incident ?? facts.incident?.id ?? '';
  const headline = `${id} ${whatBroke(facts, checks)}`;
  const root = facts.root;
  const rootHeadline = `${n.rootCause} ${breakPhrase(root?.checks ?? [])}${root?.incident ? ` (incident ${root.incident})` : ''}`;
  const summary: Line[] = [];
  const sections: ListSection[] = [];
  if (p) summary.push([`${identity(p)} · incident ${incident} · since ${since(facts.incident?.openedAt ?? n.at, n.at, facts.timezone)}`]);
  if (caused) {
    summary.push([
      `Nothing to do unless it stays broken after ${n.rootCause} recovers`,
      ...(root ? [`; ${n.rootCause} is owned by ${owner(root)}`, ...(root.domain.channel ? [' (', { channel: root.domain.channel } as Inline, ')'] : [])] : []),
      '.',
    ]);
  }
  sections.push({ title: [{ strong: 'What failed' }], items: failureLines(facts, p?.tier ?? 'open', 'producer', undefined) });
  const blast = blastSection(facts);
  if (blast) sections.push(blast);
  const notes: Line[] = p?.domain.oncall && !caused ? [oncallLine(p.domain)] : [];
  return {
    kind: caused ? 'caused_producer_alert' : 'producer_alert',
    tone: resolved ? 'recovered' : caused ? 'caused' : 'broken',
    title: resolved ? `Resolved: ${headline}` : caused ? `${headline}, probably because upstream ${rootHeadline}` : headline,
    summary,
    sections,
    notes,
    status: statusLine(facts),
    actions: [...(resolved || !incident ? [] : incidentButtons(incident)), ...statusButton(facts, p?.id ?? n.product ?? undefined)],
    footer: [`meshwatch · incident ${incident} · ${n.occurrences !== undefined ? `${plural(n.occurrences, 'occurrence')} · ` : ''}updated ${time(n.at, facts.timezone)} ${zone(facts.timezone)}`],
  };
}

function consumerAlert(facts: MessageFacts): MessageModel {
  const n = facts.notification;
  const p = facts.product;
  const id = productLabel(p, n.product);
  const checks = facts.incident?.checks ?? n.checks ?? [];
  const resolved = (facts.incident?.state ?? n.state) === 'resolved';
  const tier = p?.tier ?? 'restricted';
  const ask = p?.domain.channel;
  const consumers = facts.consumers ?? (n.consumers ?? []).map((c) => ({ id: c.id, columns: c.columns, via: [] as string[] }));
  const summary: Line[] = [];
  const yours = consumers.map((c) => {
    const parts = [c.id, c.columns.length > 0 ? `, which reads ${c.columns.join(', ')}` : '', c.via.length > 1 ? ` (${pathText(c.via)})` : ''];
    return parts.join('');
  });
  if (yours.length > 0) summary.push([`Affects your ${yours.slice(0, 5).join('; ')}${yours.length > 5 ? ` and ${yours.length - 5} more` : ''}.`]);
  const contact: Inline[] = [`Since ${since(facts.incident?.openedAt ?? n.at, n.at, facts.timezone)}`];
  if (ask) contact.push(' · the owners are alerted in ', { channel: ask });
  if (p?.domain.oncall) contact.push(' · on call ', { mention: p.domain.oncall });
  summary.push(contact);
  const also = (n.products ?? []).filter((x) => x !== id);
  if (also.length > 0) summary.push([`Also affected: ${also.join(', ')} (failing because of ${id}).`]);
  const sections: ListSection[] = [{ title: [{ strong: 'What failed' }], items: failureLines(facts, tier, 'consumer', ask) }];
  const headline = `Upstream breakage: ${id} ${whatBroke(facts, checks)}${p ? ` (owned by ${owner(p)})` : ''}`;
  return {
    kind: tier === 'open' ? 'consumer_alert' : `consumer_alert_${tier}`,
    tone: resolved ? 'recovered' : 'hurt',
    title: resolved ? `Recovered: ${id} can be trusted again` : headline,
    summary,
    sections,
    status: statusLine(facts),
    actions: statusButton(facts, p?.id ?? n.product ?? undefined),
    footer: [`meshwatch · incident ${n.incident ?? ''} · updated ${time(n.at, facts.timezone)} ${zone(facts.timezone)}`],
  };
}

function lifecycleReply(facts: MessageFacts, audience: string): ReplyModel {
  const n = facts.notification;
  const id = productLabel(facts.product, n.product);
  const by: Inline[] = n.by ? [' by ', { user: n.by }] : [];
  switch (n.transition) {
    case 'acknowledged':
      return { kind: 'acknowledged_reply', lines: [['Acknowledged', ...by, ` at ${time(n.at, facts.timezone)}.`, audience === 'consumer' ? ` The owners of ${id} are on it.` : '']] };
    case 'snoozed':
      return { kind: 'snoozed_reply', lines: [['Snoozed', ...by, ` until ${time(n.until, facts.timezone)}; reminders stop until then.`]] };
    case 'unsnoozed':
      return { kind: 'unsnoozed_reply', lines: [['Snooze ended', ...by, '; reminders are back on.']] };
    case 'resolved': {
      const status = statusLine(facts);
      return {
        kind: 'resolved_reply',
        lines: [[...status, audience === 'consumer' ? ` You can trust ${id} again.` : '']],
      };
    }
    case 'reminder': {
      const oncall = facts.mention ?? facts.product?.domain.oncall;
      return {
        kind: 'reminder_reply',
        lines: [[`Still open and not acknowledged (since ${since(facts.incident?.openedAt, n.at, facts.timezone)})`, ...(oncall ? [': ', { mention: oncall } as Inline] : []), '.']],
      };
    }
    case 'escalated':
      return { kind: 'escalated_reply', lines: [escalatedReplyLine(facts)] };
    default:
      return { kind: `${n.transition}_reply`, lines: [[`${n.transition}`, ...by]] };
  }
}

const INCIDENT_TRANSITIONS = new Set(['opened', 'updated', 'acknowledged', 'snoozed', 'unsnoozed', 'resolved', 'reminder', 'escalated']);

/** What to post, update or reply for one notification. */
export function compose(given: MessageFacts): Composed {
  const n = given.notification;
  // A recovery line quotes a passing result (a timestamp, a count): producers and open products only.
  const facts = n.audience === 'consumer' && (given.product?.tier ?? 'restricted') !== 'open' ? { ...given, recovery: undefined } : given;
  if (n.audience === 'platform' && (n.transition === 'degraded' || n.transition === 'recovered')) return platformMessage(facts);
  if (n.transition === 'subscribed' || n.transition === 'unsubscribed') return subscriptionMessage(facts);
  if (n.transition === 'approval_requested' || n.transition === 'approval_decided') return approvalMessage(facts);
  if (n.transition === 'digest') {
    const digest = digestMessage(facts);
    if (digest) return digest;
  }
  if (n.transition === 'tier_review') {
    const review = tierReviewMessage(facts);
    if (review) return review;
  }
  // The escalation channel's own message (the producer channel's one has no `escalation`).
  if (n.transition === 'escalated' && n.escalation) {
    return escalationMessage(facts, failureLines(facts, facts.product?.tier ?? 'restricted', 'consumer', facts.product?.domain.channel));
  }
  if ((n.audience === 'producer' || n.audience === 'consumer') && INCIDENT_TRANSITIONS.has(n.transition)) {
    const message = n.audience === 'producer' ? producerAlert(facts) : consumerAlert(facts);
    if (n.transition === 'opened' || n.transition === 'updated') return { message };
    // An escalation leaves the alert as it is (the escalation channel gets its own message); both ping the on-call group in the thread.
    if (n.transition === 'escalated') return { reply: lifecycleReply(facts, n.audience) };
    return { message, reply: lifecycleReply(facts, n.audience) };
  }
  return genericMessage(facts);
}
