/**
 * The StatusSource of a running `meshwatch serve`: its catalog and stores,
 * and incident operations through `operateIncident` (the same path as the
 * CLI and the Slack buttons: transition in Redis, then notifications).
 */
import type { Subscription } from '../catalog/subscription-source.js';
import { operateIncident } from '../scheduler/operations.js';
import type { MeshwatchService } from '../scheduler/service.js';
import { RedisKeys } from '../state/keys.js';
import type { SubscriptionCache } from '../state/subscriptions.js';
import { TierReviewStore } from '../state/tier-reviews.js';
import type { SubscriptionsOf, SubscriptionView } from './model.js';
import type { StatusSource } from './source.js';
import { SlackDeliveryStore } from '../notifier/slack/delivery-store.js';

export function subscriptionView(s: Subscription): SubscriptionView {
  return {
    channel: s.channel,
    consumer: s.consumer,
    columns: s.columns,
    by: s.requestedBy,
    since: s.at,
    status: s.approval ? 'approved' : 'active',
    ...(s.approval ? { approvedBy: s.approval.decidedBy, approvedAt: s.approval.decidedAt, request: s.approval.request } : {}),
  };
}

/**
 * A product's Slack subscriptions from the service's subscription cache:
 * refreshed first (one GET of the version when nothing changed), so a
 * subscription made on another replica shows here too.
 */
export function subscriptionsOfCache(cache: SubscriptionCache): SubscriptionsOf {
  return async (productId) => {
    await cache.refresh().catch(() => undefined); // Redis away: the subscriptions last read
    return cache.source
      .subscriptions()
      .filter((s) => s.product === productId)
      .sort((a, b) => a.channel.localeCompare(b.channel))
      .map(subscriptionView);
  };
}

export function serviceSource(service: MeshwatchService, extra: { subscriptionsOf?: SubscriptionsOf | undefined } = {}): StatusSource {
  const reviews = new TierReviewStore(service.connection, new RedisKeys(service.prefix));
  return {
    catalog: () => service.snapshot.catalog,
    engine: service.engine,
    results: service.results,
    health: service.health,
    replicas: service.replicas,
    queueJobs: () => service.queueJobs(),
    redisUp: () => service.ready(),
    operate: async (id, operation, by, now, until) => {
      await operateIncident(
        { redis: service.connection, prefix: service.prefix, catalog: service.snapshot.catalog, retentionMs: service.snapshot.config.workspace.history.maxAgeMs },
        id,
        operation,
        by,
        now,
        until,
      );
    },
    ...(extra.subscriptionsOf ? { subscriptionsOf: extra.subscriptionsOf } : {}),
    accountability: { history: service.history, cost: service.cost },
    tierReviews: () => reviews.latest(),
    // Read-only here, so the retention passed does not matter; the notifier writes with history.maxAge.
    deliveryProblems: async (incident) => {
      const problems = await new SlackDeliveryStore(service.connection, new RedisKeys(service.prefix), service.snapshot.config.workspace.history.maxAgeMs).problems(incident);
      return Object.entries(problems)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([channel, p]) => ({ channel, code: p.code, ...(p.slackError ? { slackError: p.slackError } : {}), message: p.message, at: p.at }));
    },
  };
}
