/**
 * The messages that are not an incident's live alert: platform health,
 * subscriptions, approvals, and a plain rendering for any transition the
 * renderer does not know.
 */
import type { Inline, Line, MessageModel } from './message.js';
import { SLACK_ACTIONS } from './actions.js';
import type { Composed, MessageFacts } from './compose.js';
import { statusButton, time, zone } from './wording.js';

export function platformMessage(facts: MessageFacts): Composed {
  const n = facts.notification;
  if (n.transition === 'recovered') {
    const message: MessageModel = {
      kind: 'platform_recovered',
      tone: 'recovered',
      title: 'meshwatch recovered: checks are evaluated again',
      summary: [[`Recovered at ${time(n.at, facts.timezone)} ${zone(facts.timezone)}.`]],
      sections: [],
      actions: [],
    };
    return { message, reply: { kind: 'platform_recovered_reply', lines: [[`Recovered at ${time(n.at, facts.timezone)} ${zone(facts.timezone)}; incidents and consumer alerts are reliable again.`]] } };
  }
  return {
    message: {
      kind: 'platform_degraded',
      tone: 'platform',
      title: 'meshwatch is degraded: checks cannot be evaluated',
      summary: [[n.reason ?? 'the warehouse did not answer'], ['Consumers are not told about checks that could not be evaluated; incidents may open late.']],
      sections: [],
      status: [{ strong: 'Since' }, ` ${time(n.at, facts.timezone)} ${zone(facts.timezone)}`],
      actions: [],
    },
  };
}

export function subscriptionMessage(facts: MessageFacts): Composed {
  const n = facts.notification;
  const s = n.subscription;
  const product = s?.product ?? n.product ?? 'a product';
  const cols = s && s.columns.length > 0 ? `, columns ${s.columns.join(', ')}` : '';
  const subscribed = n.transition === 'subscribed';
  return {
    message: {
      kind: n.transition,
      tone: 'info',
      title: subscribed ? `Subscribed to ${product}` : `Unsubscribed from ${product}`,
      summary: [
        [
          ...(s ? [{ channel: s.channel } as Inline] : ['This channel']),
          subscribed ? ` now hears about breakage of ${product}${cols}` : ` no longer hears about ${product}`,
          s ? ` (as consumer ${s.consumer}${s.domain ? ` in ${s.domain}` : ''})` : '',
          '.',
        ],
        ...(s?.requestedBy ? [['By ', { user: s.requestedBy }] as Line] : []),
      ],
      sections: [],
      actions: statusButton(facts, product),
    },
  };
}

export function approvalMessage(facts: MessageFacts): Composed {
  const n = facts.notification;
  const a = n.approval;
  const product = a?.product ?? n.product ?? 'a product';
  const cols = a && a.columns.length > 0 ? `, columns ${a.columns.join(', ')}` : '';
  const tier = facts.product?.tier ?? 'restricted';
  if (n.transition === 'approval_requested') {
    return {
      message: {
        kind: 'approval_request',
        tone: 'lock',
        title: `${a?.requesterChannel ?? 'A channel'} asks to subscribe to ${product} (${tier})${cols}`,
        summary: [['Requested by ', { user: a?.requestedBy ?? 'someone' }, a?.domain ? ` (${a.domain})` : ''], ['Only the listed approvers (or the domain’s on-call group) can decide.']],
        sections: [],
        actions: a
          ? [
              { id: SLACK_ACTIONS.approve, label: 'Approve', value: JSON.stringify({ request: a.request }), style: 'primary' },
              { id: SLACK_ACTIONS.deny, label: 'Deny', value: JSON.stringify({ request: a.request }), style: 'danger' },
            ]
          : [],
        footer: [`meshwatch · request ${a?.request ?? ''}`],
      },
    };
  }
  const approved = a?.decision === 'approved';
  const line: Line = [
    `The request of ${a?.requesterChannel ?? 'this channel'} to subscribe to ${product}${cols} was `,
    { strong: approved ? 'approved' : 'denied' },
    ...(a?.decidedBy ? [' by ', { user: a.decidedBy } as Inline] : []),
    a?.decidedAt ? ` at ${time(a.decidedAt, facts.timezone)}` : '',
    approved ? '; the channel is subscribed.' : '.',
  ];
  return {
    message: { kind: 'approval_decided', tone: approved ? 'recovered' : 'info', title: `Subscription to ${product} ${approved ? 'approved' : 'denied'}`, summary: [line], sections: [], actions: [] },
  };
}

/** Any transition this renderer does not know: still said plainly, never a crash. */
export function genericMessage(facts: MessageFacts): Composed {
  const n = facts.notification;
  const about = n.product ?? n.incident ?? 'meshwatch';
  return {
    message: {
      kind: 'generic',
      tone: 'info',
      title: `${about}: ${n.transition.replaceAll('_', ' ')}`,
      summary: [
        [
          n.incident ? `Incident ${n.incident}` : '',
          n.state ? `${n.incident ? ', ' : ''}state ${n.state}` : '',
          n.by ? ' by ' : '',
          ...(n.by ? [{ user: n.by } as Inline] : []),
          n.reason ? ` · ${n.reason}` : '',
        ].filter((x) => x !== ''),
      ].filter((l) => l.length > 0),
      sections: [],
      actions: statusButton(facts, n.product ?? undefined),
      footer: [`meshwatch · ${n.transition} · ${time(n.at, facts.timezone)} ${zone(facts.timezone)}`],
    },
  };
}
