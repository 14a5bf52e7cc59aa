/**
 * A notification: one state change told to one audience in one channel. It is
 * format-neutral (the log notifier prints it as one JSON line; the Slack
 * notifier renders it to Block Kit) and travels as notify-job data, so it is
 * parsed with zod when a worker picks it up.
 */
import { z } from 'zod';

export const AUDIENCES = ['producer', 'consumer', 'platform'] as const;
export type Audience = (typeof AUDIENCES)[number];

/**
 * Known transitions. The schema keeps `transition` an open string so that an
 * older worker still delivers (and logs) a job queued by a newer replica.
 * - incidents: opened … recovered; `escalated` (escalation policy)
 * - Slack app: subscribed, unsubscribed, approval_requested, approval_decided
 * - accountability and governance: digest, tier_review
 */
export const TRANSITIONS = [
  'opened',
  'updated',
  'reminder',
  'acknowledged',
  'snoozed',
  'unsnoozed',
  'resolved',
  'degraded',
  'recovered',
  'escalated',
  'subscribed',
  'unsubscribed',
  'approval_requested',
  'approval_decided',
  'digest',
  'tier_review',
] as const;
export type NotificationTransition = (typeof TRANSITIONS)[number];

const affectedConsumer = z.object({
  id: z.string(),
  domain: z.string().optional(),
  businessUnit: z.string().optional(),
  /** The broken columns it reads; empty when it is hurt by the whole product. */
  columns: z.array(z.string()),
});

export const notificationSchema = z.object({
  type: z.literal('notification'),
  /** Deterministic: incident, audience, channel, transition, sequence. Also the notify job's id. */
  id: z.string().regex(/^[^:]+$/),
  incident: z.string().nullable(),
  product: z.string().nullable(),
  rootCause: z.string().nullable(),
  audience: z.enum(AUDIENCES),
  channel: z.string().nullable(),
  /** Open set: later issues add their own transitions. */
  transition: z.string(),
  at: z.string(),
  state: z.string().optional(),
  checks: z.array(z.string()).optional(),
  brokenColumns: z.array(z.string()).optional(),
  /** For consumers: the affected consumers of this channel, and the union of their broken columns. */
  consumers: z.array(affectedConsumer).optional(),
  columns: z.array(z.string()).optional(),
  /** For consumers: the failing products of this root incident that reach the channel. */
  products: z.array(z.string()).optional(),
  /** For producers: how far the breakage reaches. */
  impact: z
    .object({ consumers: z.number(), products: z.number(), domains: z.array(z.string()), businessUnits: z.array(z.string()) })
    .optional(),
  /** For a re-linked incident: the incident whose consumer notification this one now carries on. */
  folded: z.array(z.string()).optional(),
  occurrences: z.number().optional(),
  by: z.string().optional(),
  until: z.string().optional(),
  reason: z.string().optional(),
  /** subscribed / unsubscribed: the Slack subscription this is about. */
  subscription: z
    .object({
      consumer: z.string(),
      product: z.string(),
      columns: z.array(z.string()),
      /** The subscribing channel (id or #name as Slack gave it). */
      channel: z.string(),
      domain: z.string().optional(),
      requestedBy: z.string().optional(),
    })
    .optional(),
  /** approval_requested / approval_decided: a restricted product's subscription request. */
  approval: z
    .object({
      request: z.string(),
      product: z.string(),
      columns: z.array(z.string()),
      /** The channel that asked (told the outcome). */
      requesterChannel: z.string(),
      requestedBy: z.string(),
      domain: z.string().optional(),
      decision: z.enum(['approved', 'denied']).optional(),
      decidedBy: z.string().optional(),
      decidedAt: z.string().optional(),
    })
    .optional(),
});

export type Notification = z.infer<typeof notificationSchema>;

/** A channel name as it may appear in a job id (no `:`). */
export function channelSlug(channel: string | null): string {
  return (channel ?? 'none').replace(/^#/, '').replace(/[^A-Za-z0-9_.-]/g, '_');
}
