/**
 * What the Slack app (notifier/slack/interactions.ts) needs from the running
 * service, as plain functions: the app may not import the scheduler, so the
 * scheduler hands it its operations.
 */
import type { Logger } from '../core/logger.js';
import { RedisKeys } from '../state/keys.js';
import { TierReviewStore } from '../state/tier-reviews.js';
import type { SlackInteractionDeps } from '../notifier/slack/interactions.js';
import { operateIncident } from './operations.js';
import { DEFAULT_TUNING } from './queues.js';
import type { MeshwatchService } from './service.js';
import { enqueueNotifications } from './tick.js';

export function slackInteractionDeps(
  service: MeshwatchService,
  options: { logger: Logger; usergroupMembers: SlackInteractionDeps['usergroupMembers']; now?: () => Date },
): SlackInteractionDeps {
  return {
    mesh: () => service.snapshot,
    subscriptions: service.subscriptions,
    engine: service.engine,
    results: service.results,
    operateIncident: (id, operation, by, now, until) =>
      operateIncident(
        { redis: service.connection, prefix: service.prefix, catalog: service.snapshot.catalog, retentionMs: service.snapshot.config.workspace.history.maxAgeMs, notify: service.queue.notify },
        id,
        operation,
        by,
        now,
        until,
      ),
    enqueue: (notifications) => enqueueNotifications(service.queue.notify, notifications, DEFAULT_TUNING),
    usergroupMembers: options.usergroupMembers,
    tierReviews: new TierReviewStore(service.connection, new RedisKeys(service.prefix)),
    now: options.now ?? (() => new Date()),
    logger: options.logger,
  };
}
