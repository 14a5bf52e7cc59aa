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

/**
 * `live`, when given, is read at each delivery, so statusUrl and the platform
 * channel follow a config reload; the token and apiUrl are the client's, fixed
 * at start.
 */
export function createSlackNotifier(
  settings: SlackSettings,
  context: SlackNotifierContext,
  clientOptions: Omit<SlackClientOptions, 'logger'> = {},
  live?: () => Pick<SlackSettings, 'statusUrl' | 'platformChannel'>,
): SlackNotifier {
  const client = createSlackClient(settings, { ...clientOptions, logger: context.logger });
  return new SlackNotifier({ client, ...context, settings: live ?? settings });
}
