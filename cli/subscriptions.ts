/**
 * Slack subscriptions for one-shot commands (`impact`, `subscriptions
 * export`): read from Redis when one is configured (REDIS_URL, else
 * `redis.url`) and reachable. The CLI never waits for Redis the way the
 * service does: unreachable means a note on stderr and an answer without
 * subscriptions, because an impact answer is still worth having.
 */
import type { Subscription } from '../catalog/subscription-source.js';
import type { MeshConfig } from '../config/types.js';
import { errorMessage } from '../core/errors.js';
import { safeRedisUrl } from '../state/redis.js';
import { SUBSCRIPTION_LOG_LIMIT, SubscriptionStore, type SubscriptionEvent } from '../state/subscriptions.js';
import type { CliIo } from './io.js';
import { configuredRedisUrl, withCliRedis } from './redis.js';

const CONNECT_TIMEOUT_MS = 3_000;

/** The stored subscriptions; undefined when no Redis is configured or it cannot be reached (then a note says so). */
export async function readSubscriptions(config: MeshConfig, io: CliIo, options: { required?: boolean } = {}): Promise<Subscription[] | undefined> {
  return readSubscriptionStore(config, io, options, (store) => store.list());
}

/** The subscription history (newest first, at most the 10,000 kept); undefined like readSubscriptions. */
export async function readSubscriptionHistory(config: MeshConfig, io: CliIo): Promise<SubscriptionEvent[] | undefined> {
  return readSubscriptionStore(config, io, { required: true }, (store) => store.history(SUBSCRIPTION_LOG_LIMIT));
}

async function readSubscriptionStore<T>(config: MeshConfig, io: CliIo, options: { required?: boolean }, read: (store: SubscriptionStore) => Promise<T>): Promise<T | undefined> {
  const url = configuredRedisUrl(config, io.env);
  if (!url) {
    if (options.required) io.stderr('meshwatch: note: no Redis configured (REDIS_URL or redis.url in meshwatch.yaml): no subscriptions to read\n');
    return undefined;
  }
  try {
    return await withCliRedis(url, config, { name: 'cli', connectTimeoutMs: CONNECT_TIMEOUT_MS }, (redis, keys) =>
      read(new SubscriptionStore(redis, keys, config.workspace.history.maxAgeMs)),
    );
  } catch (err) {
    io.stderr(`meshwatch: note: Slack subscriptions not included: cannot reach Redis at ${safeRedisUrl(url)} (${errorMessage(err).replace(/^cannot reach Redis at \S+: /, '')})\n`);
    return undefined;
  }
}
