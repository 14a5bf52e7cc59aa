/**
 * The StatusSource of a running `meshwatch serve`: its catalog and stores,
 * and incident operations through `operateIncident` (the same path as the
 * CLI and the Slack buttons: transition in Redis, then notifications).
 */
import { operateIncident } from '../scheduler/operations.js';
import type { MeshwatchService } from '../scheduler/service.js';
import type { SubscriptionsOf } from './model.js';
import type { StatusSource } from './source.js';

export function serviceSource(service: MeshwatchService, extra: { subscriptionsOf?: SubscriptionsOf | undefined } = {}): StatusSource {
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
  };
}
