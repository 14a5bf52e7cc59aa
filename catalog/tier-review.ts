/**
 * Tier audits: every product's owner re-confirms its shareability tier every
 * `governance.tierReviewEvery` (default 90 days). A review is either the
 * date in the product's file (`tierReviewedAt`) or one recorded from Slack
 * ("tier still right", kept in Redis by state/tier-reviews.ts); the newer of
 * the two counts. A product never reviewed is due.
 *
 * Pure: the clock and the recorded reviews are parameters, so the status
 * page, the producer's weekly digest (transition `tier_review`) and
 * `meshwatch report --tiers` all ask the same function.
 */
import { dateStartMs } from '../config/dates.js';
import type { MeshConfig, Product, Tier } from '../config/types.js';

/** A review recorded outside the config (the Slack button). */
export interface RecordedReview {
  readonly by: string;
  /** ISO time. */
  readonly at: string;
}

export interface TierReviewDue {
  readonly product: string;
  readonly domain: string;
  readonly tier: Tier;
  readonly tierJustification?: string | undefined;
  readonly file: string;
  /** Where to change it: `governance.repoUrl` + the file, when repoUrl is set. */
  readonly link?: string | undefined;
  /** The review that counts (ISO), absent when never reviewed. */
  readonly lastReviewedAt?: string | undefined;
  /** Who, for a recorded review. */
  readonly reviewedBy?: string | undefined;
  readonly reviewSource: 'file' | 'recorded' | 'never';
  /** When the next review was due (ISO); absent when never reviewed. */
  readonly dueAt?: string | undefined;
  /** Whole days past due (0 when due today or never reviewed). */
  readonly overdueDays: number;
}

const DAY_MS = 86_400_000;

/** The web address of a product's file: repoUrl is the config directory's address in the repository. */
export function productFileLink(repoUrl: string | undefined, file: string): string | undefined {
  if (repoUrl === undefined) return undefined;
  const encoded = file.split('/').map(encodeURIComponent).join('/');
  return `${repoUrl.replace(/\/+$/, '')}/${encoded}`;
}

/** The review that counts for one product: the newer of its file's date and the recorded one. */
export function lastTierReview(product: Pick<Product, 'tierReviewedAt'>, recorded: RecordedReview | undefined): { atMs: number; source: 'file' | 'recorded'; by?: string } | undefined {
  const fileMs = product.tierReviewedAt !== undefined ? dateStartMs(product.tierReviewedAt) : undefined;
  const recordedMs = recorded ? Date.parse(recorded.at) : undefined;
  if (recordedMs !== undefined && !Number.isNaN(recordedMs) && (fileMs === undefined || recordedMs > fileMs)) return { atMs: recordedMs, source: 'recorded', by: recorded!.by };
  return fileMs === undefined ? undefined : { atMs: fileMs, source: 'file' };
}

/**
 * Products whose tier review is due at `now`, never-reviewed first, then the
 * longest overdue. `mesh`: a Catalog or a MeshConfig; `reviews`: recorded
 * reviews by product id (TierReviewStore.latest()).
 */
export function tierReviewsDue(
  mesh: Pick<MeshConfig, 'products' | 'workspace'> | { readonly config: Pick<MeshConfig, 'products' | 'workspace'> },
  now: Date,
  reviews: ReadonlyMap<string, RecordedReview> = new Map(),
): TierReviewDue[] {
  // A Catalog (the service's snapshot) or a config: both are at hand for the callers.
  const config = 'config' in mesh ? mesh.config : mesh;
  const every = config.workspace.governance.tierReviewEveryMs;
  const repoUrl = config.workspace.governance.repoUrl;
  const due: TierReviewDue[] = [];
  for (const product of config.products) {
    const last = lastTierReview(product, reviews.get(product.id));
    const dueMs = last ? last.atMs + every : undefined;
    if (dueMs !== undefined && dueMs > now.getTime()) continue;
    due.push({
      product: product.id,
      domain: product.domain,
      tier: product.tier,
      ...(product.tierJustification !== undefined ? { tierJustification: product.tierJustification } : {}),
      file: product.file,
      ...(repoUrl !== undefined ? { link: productFileLink(repoUrl, product.file) } : {}),
      ...(last ? { lastReviewedAt: new Date(last.atMs).toISOString(), reviewSource: last.source } : { reviewSource: 'never' as const }),
      ...(last?.by !== undefined ? { reviewedBy: last.by } : {}),
      ...(dueMs !== undefined ? { dueAt: new Date(dueMs).toISOString() } : {}),
      overdueDays: dueMs === undefined ? 0 : Math.floor((now.getTime() - dueMs) / DAY_MS),
    });
  }
  return due.sort((a, b) => (a.dueAt === undefined ? -1 : 0) - (b.dueAt === undefined ? -1 : 0) || (a.dueAt ?? '').localeCompare(b.dueAt ?? '') || a.product.localeCompare(b.product));
}
