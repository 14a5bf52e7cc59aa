/**
 * The digest job: on `digests.schedule` (a BullMQ job scheduler, see
 * reconcile.ts), the period ending at the job's due time against the one
 * before it, as digest notifications on the notify queue. Idempotent: the
 * period comes from the due time (not the clock), so a retried or
 * duplicated job builds the same digests with the same ids, and the notify
 * queue delivers each once.
 *
 * Beside each producer digest: the domain's products whose tier review is
 * due (catalog/tier-review.ts, recorded reviews included) as one
 * `tier_review` notification with a "tier still right" button per product;
 * the digest counts them.
 */
import type { Job, Queue } from 'bullmq';
import { buildDigests } from '../accountability/digest.js';
import type { Catalog } from '../catalog/catalog.js';
import { tierReviewsDue, type RecordedReview, type TierReviewDue } from '../catalog/tier-review.js';
import { channelSlug, type Notification } from '../notifier/notification.js';
import type { TierReviewStore } from '../state/tier-reviews.js';
import type { CostStore } from '../state/cost-store.js';
import type { IncidentHistory } from '../state/incident-history.js';
import type { MeshSnapshot } from './config-source.js';
import type { JobTuning } from './queues.js';
import { enqueueNotifications } from './tick.js';

export const DIGEST_SCHEDULER = 'digest';

export interface DigestDeps {
  readonly mesh: () => MeshSnapshot;
  readonly history: IncidentHistory;
  readonly cost?: CostStore | undefined;
  readonly notify: Queue;
  /** Reviews recorded from Slack ("tier still right"); without it every review is the file's date. */
  readonly tierReviews?: TierReviewStore | undefined;
  readonly tuning: JobTuning;
  readonly now?: (() => Date) | undefined;
}

export async function runDigests(deps: DigestDeps, dueMs: number): Promise<{ digests: number; tierReviews: number }> {
  const mesh = deps.mesh();
  const { periodMs } = mesh.config.workspace.digests;
  const nowMs = deps.now?.().getTime() ?? Date.now();
  const history = await deps.history.list(dueMs - 2 * periodMs, dueMs, nowMs);
  const cost = deps.cost ? await deps.cost.read(dueMs - periodMs, dueMs) : undefined;
  const digests = buildDigests({ history, catalog: mesh.catalog, period: { toMs: dueMs, periodMs }, cost });
  // Due as of the digest's due time (not the clock), with the reviews recorded so far.
  const reviews = deps.tierReviews ? await deps.tierReviews.latest() : new Map<string, RecordedReview>();
  const reviewNotes = tierReviewNotifications(mesh.catalog, tierReviewsDue(mesh.catalog, new Date(dueMs), reviews), dueMs);
  for (const n of digests) {
    const count = reviewNotes.find((r) => r.tierReview?.domain === n.digest?.domain)?.tierReview?.products.length;
    if (n.digest?.kind === 'producer' && n.digest.producer && count) n.digest.producer.tierReviewsDue = count;
  }
  // Each producer's tier review right after its digest (the notify queue keeps the order of one add).
  const ordered = digests.flatMap((n) => [n, ...(n.digest?.kind === 'producer' ? reviewNotes.filter((r) => r.tierReview?.domain === n.digest?.domain) : [])]);
  const told = new Set(ordered.map((n) => n.id));
  const notifications = [...ordered, ...reviewNotes.filter((r) => !told.has(r.id))];
  await enqueueNotifications(deps.notify, notifications, deps.tuning);
  return { digests: digests.length, tierReviews: reviewNotes.length };
}

/**
 * One `tier_review` notification per producer domain with products past
 * due, to its channel. The id is the domain and the period's end, like the
 * digest's, so a retried job (or a second replica) queues it once.
 */
export function tierReviewNotifications(catalog: Catalog, due: readonly TierReviewDue[], dueMs: number): Notification[] {
  const at = new Date(dueMs).toISOString();
  const stamp = at.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const byDomain = new Map<string, TierReviewDue[]>();
  for (const d of due) byDomain.set(d.domain, [...(byDomain.get(d.domain) ?? []), d]);
  return [...byDomain].sort(([a], [b]) => a.localeCompare(b)).map(([domain, products]) => ({
    type: 'notification' as const,
    id: `tier-review-${channelSlug(domain)}-${stamp}`,
    incident: null,
    product: null,
    rootCause: null,
    audience: 'producer' as const,
    channel: catalog.domain(domain)?.slackChannel ?? null,
    transition: 'tier_review',
    at,
    tierReview: {
      domain,
      products: products.map((p) => ({
        product: p.product,
        tier: p.tier,
        ...(p.tierJustification !== undefined ? { tierJustification: p.tierJustification } : {}),
        file: p.file,
        ...(p.link !== undefined ? { link: p.link } : {}),
        ...(p.lastReviewedAt !== undefined ? { lastReviewedAt: p.lastReviewedAt } : {}),
        ...(p.reviewedBy !== undefined ? { reviewedBy: p.reviewedBy } : {}),
        reviewSource: p.reviewSource,
        ...(p.dueAt !== undefined ? { dueAt: p.dueAt } : {}),
        overdueDays: p.overdueDays,
      })),
    },
  }));
}

export async function runDigestJob(deps: DigestDeps, job: Job): Promise<{ digests: number; tierReviews: number }> {
  // prevMillis: the scheduled time of this occurrence, the same on every attempt.
  return runDigests(deps, job.opts.prevMillis ?? job.timestamp);
}
