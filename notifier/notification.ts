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

const durationStats = z.object({ count: z.number(), meanMs: z.number().optional(), p90Ms: z.number().optional() });

/** One product line of a digest. `checks` is left out where the product's tier hides it from the audience. */
const digestProduct = z.object({
  product: z.string(),
  domain: z.string(),
  tier: z.string().optional(),
  incidents: z.number(),
  consumerHours: z.number(),
  availability: z.number().optional(),
  checks: z.array(z.string()).optional(),
  /** Restricted product of another domain: only its name, owner and figures are shown. */
  redacted: z.boolean().optional(),
});

/**
 * A weekly digest's content as data (transition `digest`): the log notifier
 * prints it, Slack renders it, `renderDigestText` (accountability/digest.ts)
 * writes it as plain text. Figures are defined in accountability/figures.ts.
 */
export const digestSchema = z.object({
  kind: z.enum(['producer', 'consumer', 'platform']),
  /** The domain it is for (producer and consumer digests). */
  domain: z.string().optional(),
  businessUnit: z.string().optional(),
  period: z.object({ from: z.string(), to: z.string() }),
  previous: z.object({ from: z.string(), to: z.string() }),
  /** producer: your incidents, whom you hurt, how fast you were, the products that broke most. */
  producer: z
    .object({
      incidents: z.number(),
      breakages: z.number(),
      reachedOtherBusinessUnits: z.number(),
      consumerHours: z.number(),
      previousConsumerHours: z.number(),
      hurt: z.array(z.object({ businessUnit: z.string(), consumers: z.array(z.string()), incidents: z.number(), consumerHours: z.number() })),
      mtta: durationStats,
      mttr: durationStats,
      previousMtta: durationStats,
      previousMttr: durationStats,
      unacknowledged: z.number(),
      open: z.number(),
      topProducts: z.array(digestProduct),
      cost: z.object({ statements: z.number(), seconds: z.number() }).optional(),
      /** Products of this domain whose tier review is due (told in their own `tier_review` notification). */
      tierReviewsDue: z.number().optional(),
    })
    .optional(),
  /** consumer: what broke you, who owns it, how fast they fixed it. */
  consumer: z
    .object({
      incidents: z.number(),
      consumerHours: z.number(),
      previousConsumerHours: z.number(),
      consumersHurt: z.array(z.string()),
      owners: z.array(
        z.object({
          domain: z.string(),
          businessUnit: z.string(),
          products: z.array(digestProduct),
          incidents: z.number(),
          consumerHours: z.number(),
          mtta: durationStats,
          mttr: durationStats,
        }),
      ),
    })
    .optional(),
  /** platform: the cross-BU matrix, top offenders, most improved. */
  platform: z
    .object({
      matrix: z.array(z.object({ producerBusinessUnit: z.string(), consumerBusinessUnit: z.string(), incidents: z.number(), consumerHours: z.number() })),
      topOffenders: z.array(z.object({ domain: z.string(), businessUnit: z.string(), incidents: z.number(), consumerHours: z.number(), mttr: durationStats })),
      mostImproved: z.array(z.object({ domain: z.string(), businessUnit: z.string(), consumerHours: z.number(), previousConsumerHours: z.number() })),
      topProducts: z.array(digestProduct),
    })
    .optional(),
});

export type Digest = z.infer<typeof digestSchema>;

/**
 * A tier review notification's content (transition `tier_review`): sent to
 * each producer domain beside its weekly digest, one line per product past
 * due, as `tierReviewsDue` (catalog/tier-review.ts) computes it at the
 * digest's due time.
 */
export const tierReviewSchema = z.object({
  domain: z.string(),
  products: z.array(
    z.object({
      product: z.string(),
      tier: z.string(),
      tierJustification: z.string().optional(),
      file: z.string(),
      /** governance.repoUrl + file, when repoUrl is set. */
      link: z.string().optional(),
      lastReviewedAt: z.string().optional(),
      reviewedBy: z.string().optional(),
      reviewSource: z.enum(['file', 'recorded', 'never']),
      dueAt: z.string().optional(),
      overdueDays: z.number(),
    }),
  ),
});

export type TierReviewContent = z.infer<typeof tierReviewSchema>;

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
  /** reminder / escalated: the on-call group to mention again (the domain's `oncall`). */
  mention: z.string().optional(),
  /** escalated: where it went and why. The consumers still hurt are in `consumers`. */
  escalation: z
    .object({
      businessUnit: z.string().optional(),
      lead: z.string().optional(),
      /** How long it has been open without an acknowledgement, in ms. */
      unacknowledgedMs: z.number(),
      /** The producer's channel, where the alert and its buttons are. */
      producerChannel: z.string().optional(),
    })
    .optional(),
  /** digest: the content (see digestSchema). */
  digest: digestSchema.optional(),
  /** tier_review: a producer domain's products whose tier review is due (catalog/tier-review.ts), with the "tier still right" button each. */
  tierReview: tierReviewSchema.optional(),
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
