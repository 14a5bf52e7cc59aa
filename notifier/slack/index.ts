/**
 * The Slack notifier as `meshwatch serve` builds it: one WebClient from the
 * resolved settings (web-api.ts), the service's Redis and stores, the live
 * catalog. Without a bot token the caller keeps the log notifier.
 */
import type { Catalog } from '../../catalog/catalog.js';
import type { SlackSettings } from '../../config/slack.js';
import type { Logger } from '../../core/logger.js';
import type { IncidentEngine } from '../../state/incident-engine.js';
import type { RedisKeys } from '../../state/keys.js';
import type { Redis } from '../../state/redis.js';
import type { ResultStore } from '../../state/result-store.js';
import { SlackNotifier } from './slack-notifier.js';
import { createSlackClient, type SlackClientOptions } from './web-api.js';

export { SlackNotifier } from './slack-notifier.js';

export interface SlackNotifierContext {
  readonly redis: Redis;
  readonly keys: RedisKeys;
  readonly engine: IncidentEngine;
  readonly results: ResultStore;
  readonly catalog: () => Catalog;
  readonly retentionMs: number;
  readonly logger: Logger;
}

export function createSlackNotifier(settings: SlackSettings, context: SlackNotifierContext, clientOptions: Omit<SlackClientOptions, 'logger'> = {}): SlackNotifier {
  const client = createSlackClient(settings, { ...clientOptions, logger: context.logger });
  return new SlackNotifier({ client, ...context, settings });
}
