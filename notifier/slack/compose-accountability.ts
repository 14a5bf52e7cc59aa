/**
 * The accountability and governance messages: weekly digests (producer,
 * consumer, platform), the escalation to a business unit's channel, and the
 * tier reviews with their "tier still right" buttons. Pure, like compose.ts:
 * the content is the notification's data (`digest`, `escalation`,
 * `tierReview`), the rest is in MessageFacts.
 *
 * Figures come first (the header and the first lines are what a reader sees
 * in the channel list and the notification); lists follow, cut with "and K
 * more". Tiers: a digest's product lines carry `redacted` where the product
 * is restricted and of another domain (accountability/digest.ts decides);
 * such a line names the product, its owner and its figures, never its
 * checks. The escalation channel is read beyond the owners, so it gets the
 * consumer rule of compose.ts (failureLines with the product's tier).
 */
import { formatDuration } from '../../config/duration.js';
import { plural } from '../../core/text.js';
import type { Digest, TierReviewContent } from '../notification.js';
import { SLACK_ACTIONS } from './actions.js';
import type { Composed, MessageFacts } from './compose.js';
import type { Inline, Line, ListSection, MessageModel, Row } from './message.js';
import { owner, parts, productLabel, since, statusButton, time, whatBroke, zone } from './wording.js';

/** Names in one line (consumers of a business unit, consumers hurt) before "and K more". */
export const NAMES_PER_LINE = 8;
/** Tier review rows in one message (each is a block with its button); the rest are counted. */
export const TIER_ROWS = 30;

type Stats = { count: number; meanMs?: number | undefined; p90Ms?: number | undefined };
type DigestProduct = NonNullable<Digest['platform']>['topProducts'][number];

const day = (iso: string) => iso.slice(0, 10);
/** Consumer-hours read best with one decimal at most. */
const hours = (n: number) => `${Math.round(n * 10) / 10}`;

function names(list: readonly string[], max = NAMES_PER_LINE): string {
  return list.length <= max ? list.join(', ') : `${list.slice(0, max).join(', ')} and ${list.length - max} more`;
}

function stats(s: Stats): string {
  if (s.count === 0 || s.meanMs === undefined) return 'n/a';
  return `${formatDuration(s.meanMs)} (p90 ${formatDuration(s.p90Ms ?? s.meanMs)})`;
}

/** "▲ +12 against 30" / "▼ −8 against 20" / "same as the period before". */
function trend(now: number, before: number): string {
  if (Math.round(now * 10) === Math.round(before * 10)) return 'same as the period before';
  const diff = Math.round((now - before) * 10) / 10;
  return `${diff > 0 ? '▲ +' : '▼ −'}${Math.abs(diff)} against ${hours(before)} the period before`;
}

function speed(now: Stats, before: Stats): string {
  if (now.meanMs === undefined || before.meanMs === undefined) return '';
  if (now.meanMs === before.meanMs) return ', as fast as the period before';
  return now.meanMs < before.meanMs ? `, faster than ${formatDuration(before.meanMs)}` : `, slower than ${formatDuration(before.meanMs)}`;
}

function productItem(p: DigestProduct, withDomain: boolean): Line {
  const figures = `${plural(p.incidents, 'incident')}, ${hours(p.consumerHours)} consumer-hours${p.availability !== undefined ? `, available ${(p.availability * 100).toFixed(2)} %` : ''}`;
  const detail: Inline[] = p.redacted
    ? [' · restricted: details are withheld; ask its owners']
    : p.checks && p.checks.length > 0
      ? [' · ', ...p.checks.flatMap((c, i): Inline[] => (i === 0 ? [{ code: c }] : [', ', { code: c }]))]
      : [];
  return [{ strong: p.product }, withDomain ? ` (${p.domain}): ` : ': ', figures, ...detail];
}

function footer(d: Digest, facts: MessageFacts, extra = ''): Line {
  return [`meshwatch · weekly digest · ${day(d.period.from)} to ${day(d.period.to)} (against ${day(d.previous.from)} to ${day(d.previous.to)})${extra} · sent ${time(facts.notification.at, facts.timezone)} ${zone(facts.timezone)}`];
}

function producerDigest(d: Digest, p: NonNullable<Digest['producer']>, facts: MessageFacts): MessageModel {
  const who = `${d.domain ?? 'your domain'}${d.businessUnit ? ` (${d.businessUnit})` : ''}`;
  const summary: Line[] = [
    [
      { strong: plural(p.incidents, 'incident') },
      ` (${plural(p.breakages, 'breakage')} rooted in your products, ${p.reachedOtherBusinessUnits} reached other business units) · `,
      { strong: `${hours(p.consumerHours)} consumer-hours` },
      ` of breakage caused (${trend(p.consumerHours, p.previousConsumerHours)})`,
    ],
    [{ strong: 'Time to acknowledge:' }, ` ${stats(p.mtta)}${speed(p.mtta, p.previousMtta)}; never acknowledged: ${p.unacknowledged}`],
    [{ strong: 'Time to resolve:' }, ` ${stats(p.mttr)}${speed(p.mttr, p.previousMttr)}; still open: ${p.open}`],
  ];
  if (p.cost) summary.push([`Monitoring your products cost ${plural(p.cost.statements, 'statement')} and ${p.cost.seconds} warehouse seconds.`]);
  if (p.tierReviewsDue) summary.push([`${plural(p.tierReviewsDue, 'product is', 'products are')} due a tier review: see the next message.`]);
  const sections: ListSection[] = [];
  if (p.hurt.length > 0) {
    sections.push({
      title: [{ strong: 'Whom you hurt' }],
      items: p.hurt.map((h): Line => [{ strong: h.businessUnit }, `: ${hours(h.consumerHours)} consumer-hours, ${plural(h.incidents, 'incident')}, ${plural(h.consumers.length, 'consumer')} (${names(h.consumers)})`]),
    });
  }
  if (p.topProducts.length > 0) sections.push({ title: [{ strong: 'Products that broke most' }], items: p.topProducts.map((x) => productItem(x, false)) });
  return {
    kind: 'digest_producer',
    tone: p.consumerHours > 0 ? 'caused' : 'info',
    title: `Weekly digest for ${who}: ${plural(p.incidents, 'incident')}, ${hours(p.consumerHours)} consumer-hours caused`,
    summary,
    sections,
    ...(p.incidents === 0 ? { notes: [['No incidents this period.']] } : {}),
    actions: facts.statusUrl ? [{ id: SLACK_ACTIONS.openStatusPage, label: 'Open accountability page', url: `${facts.statusUrl}/accountability` }] : [],
    footer: footer(d, facts),
  };
}

function consumerDigest(d: Digest, c: NonNullable<Digest['consumer']>, facts: MessageFacts): MessageModel {
  const who = `${d.domain ?? 'your domain'}${d.businessUnit ? ` (${d.businessUnit})` : ''}`;
  const summary: Line[] = [
    [
      { strong: plural(c.incidents, 'upstream breakage') },
      ` hurt ${plural(c.consumersHurt.length, 'of your consumers', 'of your consumers')} for `,
      { strong: `${hours(c.consumerHours)} consumer-hours` },
      ` (${trend(c.consumerHours, c.previousConsumerHours)})`,
    ],
  ];
  if (c.consumersHurt.length > 0) summary.push([`Hurt: ${names(c.consumersHurt)}`]);
  const sections: ListSection[] = c.owners.map((o) => ({
    title: [
      { strong: `${o.domain} (${o.businessUnit})` },
      `: ${plural(o.incidents, 'incident')}, ${hours(o.consumerHours)} consumer-hours · acknowledged in ${stats(o.mtta)} · fixed in ${stats(o.mttr)}`,
    ],
    items: o.products.map((x) => productItem(x, false)),
  }));
  return {
    kind: 'digest_consumer',
    tone: c.consumerHours > 0 ? 'hurt' : 'info',
    title: `What broke ${who} this week: ${plural(c.incidents, 'upstream breakage')}, ${hours(c.consumerHours)} consumer-hours`,
    summary,
    sections,
    ...(c.owners.length === 0 ? { notes: [['Nothing upstream broke for you.']] } : {}),
    actions: facts.statusUrl ? [{ id: SLACK_ACTIONS.openStatusPage, label: 'Open accountability page', url: `${facts.statusUrl}/accountability` }] : [],
    footer: footer(d, facts),
  };
}

function platformDigest(d: Digest, p: NonNullable<Digest['platform']>, facts: MessageFacts): MessageModel {
  const across = p.matrix.filter((m) => m.producerBusinessUnit !== m.consumerBusinessUnit);
  const sum = (list: typeof p.matrix, f: (m: (typeof p.matrix)[number]) => number) => list.reduce((a, m) => a + f(m), 0);
  const summary: Line[] = [
    [
      { strong: `${hours(sum(p.matrix, (m) => m.consumerHours))} consumer-hours` },
      ' of breakage in all; ',
      { strong: `${hours(sum(across, (m) => m.consumerHours))}` },
      ` of them across business units`,
    ],
  ];
  const top = p.topOffenders[0];
  if (top) summary.push([`Top offender: `, { strong: top.domain }, ` (${top.businessUnit}), ${hours(top.consumerHours)} consumer-hours`]);
  const sections: ListSection[] = [
    {
      title: [{ strong: 'Who hurt whom' }, ' (producer business unit → consumer business unit)'],
      items: p.matrix.length > 0 ? [...p.matrix].sort((a, b) => b.consumerHours - a.consumerHours).map((m): Line => [`${m.producerBusinessUnit} → ${m.consumerBusinessUnit}: `, { strong: `${hours(m.consumerHours)} consumer-hours` }, `, ${plural(m.incidents, 'incident')}`]) : [['nobody: no breakage reached a consumer']],
    },
    {
      title: [{ strong: 'Top offenders' }],
      items: p.topOffenders.length > 0 ? p.topOffenders.map((o): Line => [{ strong: o.domain }, ` (${o.businessUnit}): ${hours(o.consumerHours)} consumer-hours, ${plural(o.incidents, 'incident')}, resolved in ${stats(o.mttr)}`]) : [['none']],
    },
    {
      title: [{ strong: 'Most improved' }],
      items: p.mostImproved.length > 0 ? p.mostImproved.map((o): Line => [{ strong: o.domain }, ` (${o.businessUnit}): ${hours(o.consumerHours)} consumer-hours, down from ${hours(o.previousConsumerHours)}`]) : [['none']],
    },
  ];
  if (p.topProducts.length > 0) sections.push({ title: [{ strong: 'Products ranked by harm' }], items: p.topProducts.map((x) => productItem(x, true)) });
  return {
    kind: 'digest_platform',
    tone: 'info',
    title: `Weekly cross-business-unit digest, ${day(d.period.from)} to ${day(d.period.to)}`,
    summary,
    sections,
    actions: facts.statusUrl ? [{ id: SLACK_ACTIONS.openStatusPage, label: 'Open accountability page', url: `${facts.statusUrl}/accountability` }] : [],
    footer: footer(d, facts),
  };
}

export function digestMessage(facts: MessageFacts): Composed | undefined {
  const d = facts.notification.digest;
  if (!d) return undefined;
  if (d.kind === 'producer' && d.producer) return { message: producerDigest(d, d.producer, facts) };
  if (d.kind === 'consumer' && d.consumer) return { message: consumerDigest(d, d.consumer, facts) };
  if (d.kind === 'platform' && d.platform) return { message: platformDigest(d, d.platform, facts) };
  return undefined;
}

/**
 * The escalation to the business unit's channel: what broke and whose it
 * is, how long it went unacknowledged, the lead and the on-call group
 * mentioned, the consumers still hurt per business unit, and where the
 * alert's buttons are (the producer channel).
 */
export function escalationMessage(facts: MessageFacts, failures: readonly Line[]): Composed {
  const n = facts.notification;
  const e = n.escalation!;
  const p = facts.product;
  const id = productLabel(p, n.product);
  const checks = facts.incident?.checks ?? n.checks ?? [];
  const waited = formatDuration(e.unacknowledgedMs);
  const summary: Line[] = [
    [
      p ? `Owned by ${owner(p)}` : `Product ${id}`,
      ` · incident ${n.incident ?? ''} · open since ${since(facts.incident?.openedAt ?? n.at, n.at, facts.timezone)}, never acknowledged`,
    ],
  ];
  const call: Inline[] = [];
  if (facts.lead) call.push(...(e.businessUnit ? [`${e.businessUnit} lead: `] : ['Lead: ']), facts.lead);
  if (facts.mention) call.push(...(call.length > 0 ? [' · on call: '] : ['On call: ']), { mention: facts.mention });
  if (call.length > 0) summary.push(call);
  if (e.producerChannel) summary.push(['The alert and its Acknowledge button are in ', { channel: e.producerChannel }, '.']);
  const consumers = n.consumers ?? [];
  const byUnit = new Map<string, string[]>();
  for (const c of consumers) byUnit.set(c.businessUnit ?? 'Other', [...(byUnit.get(c.businessUnit ?? 'Other') ?? []), c.id]);
  const sections: ListSection[] = [{ title: [{ strong: 'What failed' }], items: failures }];
  if (consumers.length > 0) {
    sections.push({
      title: [{ strong: `Still hurt: ${plural(consumers.length, 'consumer')} in ${plural(byUnit.size, 'business unit')}` }],
      items: [...byUnit].map(([unit, ids]): Line => [{ strong: unit }, `: ${names(ids, 10)}`]),
    });
  }
  return {
    message: {
      kind: 'escalation',
      tone: 'broken',
      title: `Escalated: ${id} ${whatBroke(facts, checks)}, unacknowledged for ${waited}`,
      summary,
      sections,
      ...(consumers.length === 0 ? { notes: [['No consumer is hurt by it yet.']] } : {}),
      actions: statusButton(facts, p?.id ?? n.product ?? undefined),
      footer: [`meshwatch · escalation of incident ${n.incident ?? ''} · ${time(n.at, facts.timezone)} ${zone(facts.timezone)}`],
    },
  };
}

/** The producer channel's escalation news: a thread reply under the alert, with the on-call group again. */
export function escalatedReplyLine(facts: MessageFacts): Line {
  const n = facts.notification;
  const to = facts.escalatedTo;
  return [
    { strong: 'Escalated' },
    to ? ' to ' : '',
    ...(to ? [{ channel: to } as Inline] : []),
    ` (still not acknowledged since ${since(facts.incident?.openedAt, n.at, facts.timezone)})`,
    ...(facts.mention ? [': ', { mention: facts.mention } as Inline] : []),
    '.',
  ];
}

function reviewRow(r: TierReviewContent['products'][number]): Row {
  const last =
    r.reviewSource === 'never'
      ? 'never reviewed'
      : `last reviewed ${day(r.lastReviewedAt ?? '')}${r.reviewSource === 'recorded' && r.reviewedBy ? ' by ' : r.reviewSource === 'file' ? ' (tierReviewedAt in its file)' : ''}`;
  const line: Inline[] = [
    { strong: r.product },
    ` · tier ${r.tier}${r.tierJustification ? ` (${r.tierJustification})` : ''} · ${last}`,
    ...(r.reviewSource === 'recorded' && r.reviewedBy ? [{ user: r.reviewedBy } as Inline] : []),
    r.overdueDays > 0 ? ` · ${plural(r.overdueDays, 'day')} overdue` : r.dueAt ? ' · due today' : '',
    '\n',
    r.link ? { link: r.link, text: r.file } : { code: r.file },
  ];
  return { line, action: { id: SLACK_ACTIONS.tierStillRight, label: 'Tier still right', value: JSON.stringify({ product: r.product }), style: 'primary' } };
}

export function tierReviewMessage(facts: MessageFacts): Composed | undefined {
  const t = facts.notification.tierReview;
  if (!t) return undefined;
  const rows = t.products.slice(0, TIER_ROWS).map(reviewRow);
  const more = t.products.length - rows.length;
  const notes: Line[] = [];
  if (more > 0) notes.push([`…and ${more} more: `, { code: 'meshwatch report --tiers' }, ' lists them all.']);
  notes.push(['If a tier is wrong, change it in the product’s file (and its ', { code: 'tierReviewedAt' }, '); a click records who confirmed it, and when.']);
  return {
    message: {
      kind: 'tier_review',
      tone: 'lock',
      title: `Tier review: ${plural(t.products.length, 'product')} of ${t.domain} ${t.products.length === 1 ? 'is' : 'are'} due`,
      summary: [[`Is each product’s shareability tier still right? Only the domain’s on-call group and the listed approvers can confirm.`]],
      sections: [],
      rows,
      notes,
      actions: facts.statusUrl ? [{ id: SLACK_ACTIONS.openStatusPage, label: 'Open status page', url: facts.statusUrl }] : [],
      footer: [`meshwatch · tier review · ${day(facts.notification.at)}`],
    },
  };
}

/** The line a confirmed row gets in place of its button. */
export function tierConfirmedLine(by: string, at: string, timezone: string | undefined): Line {
  const when = parts(at, timezone ?? 'UTC');
  return ['✅ Tier confirmed by ', { user: by }, ` at ${when ? `${when.day} ${when.clock}` : at} ${zone(timezone)}`];
}
