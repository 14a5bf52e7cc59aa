/**
 * `meshwatch report --tiers`: the tier audit. Products whose tier review is
 * due (catalog/tier-review.ts), each with a link to its file. Reviews recorded
 * from Slack count when Redis is configured (REDIS_URL or redis.url) and
 * reachable; otherwise the files' `tierReviewedAt` alone, said on stderr.
 */
import { tierReviewsDue, type RecordedReview, type TierReviewDue } from '../../catalog/tier-review.js';
import { describeTier } from '../../config/tier-lineage.js';
import { formatDuration } from '../../config/duration.js';
import { loadConfig } from '../../sources/load-config.js';
import type { MeshConfig } from '../../config/types.js';
import { errorMessage } from '../../core/errors.js';
import { plural } from '../../core/text.js';
import { TierReviewStore } from '../../state/tier-reviews.js';
import { EXIT, type CliIo } from '../io.js';
import { configuredRedisUrl, withCliRedis } from '../redis.js';

export interface ReportTiersOptions {
  readonly config: string;
  readonly format: 'text' | 'json';
}

/** Recorded reviews, or undefined (with the reason) when there is no Redis to read them from. */
async function recordedReviews(config: MeshConfig, io: CliIo): Promise<{ reviews?: Map<string, RecordedReview>; note?: string }> {
  const url = configuredRedisUrl(config, io.env);
  if (!url) return { note: 'no Redis configured (REDIS_URL or redis.url): reviews recorded from Slack are not counted' };
  try {
    return { reviews: await withCliRedis(url, config, { name: 'cli-report' }, (redis, keys) => new TierReviewStore(redis, keys).latest()) };
  } catch (err) {
    return { note: `${errorMessage(err)}: reviews recorded from Slack are not counted` };
  }
}

function line(item: TierReviewDue): string {
  const tier = describeTier(item);
  const when =
    item.reviewSource === 'never'
      ? 'never reviewed'
      : `last reviewed ${item.lastReviewedAt!.slice(0, 10)}${item.reviewedBy ? ` by ${item.reviewedBy}` : ''}, due ${item.dueAt!.slice(0, 10)}${item.overdueDays > 0 ? ` (${plural(item.overdueDays, 'day')} overdue)` : ''}`;
  return `  ${item.product}  tier ${tier}  ·  ${when}\n    ${item.link ?? item.file}\n`;
}

export async function reportTiersCommand(options: ReportTiersOptions, io: CliIo): Promise<number> {
  const now = io.now();
  const config = await loadConfig(options.config, { env: io.env, now });
  const { reviews, note } = await recordedReviews(config, io);
  if (note) io.stderr(`meshwatch: note: ${note}\n`);
  const due = tierReviewsDue(config, now, reviews);
  const every = config.workspace.governance.tierReviewEveryMs;
  if (options.format === 'json') {
    io.stdout(`${JSON.stringify({ at: now.toISOString(), tierReviewEvery: formatDuration(every), products: config.products.length, due }, null, 2)}\n`);
    return EXIT.ok;
  }
  const head = `tier reviews: ${plural(due.length, 'product')} of ${config.products.length} due (every ${formatDuration(every)})`;
  const hint = due.length > 0 && config.workspace.governance.repoUrl === undefined ? '\n(set governance.repoUrl in meshwatch.yaml to get links to the files)' : '';
  io.stdout(`${head}${hint}\n${due.map(line).join('')}`);
  return EXIT.ok;
}
