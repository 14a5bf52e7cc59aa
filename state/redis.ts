/**
 * The one place that imports ioredis. Connections are made at the entry
 * point and passed in. BullMQ's workers need `maxRetriesPerRequest: null`
 * (a blocking command must wait through a reconnect instead of failing), and
 * meshwatch's own commands use the same setting so that a Redis restart
 * mid-run delays them instead of failing them. Keys are prefixed by the
 * callers (BullMQ's `prefix`, `RedisKeys`), never by ioredis `keyPrefix`,
 * which BullMQ does not support.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';
import { MeshwatchError, errorMessage } from '../core/errors.js';

export type { Redis };

/** Default key prefix; the braces make it a Redis Cluster hash tag, so every meshwatch key lands in one slot. */
export const DEFAULT_PREFIX = '{meshwatch}';

export interface ConnectOptions {
  readonly name: string;
  readonly logger?: Logger | undefined;
  /** Fail fast instead of waiting for Redis (the CLI): one attempt, no offline queue. */
  readonly failFast?: boolean | undefined;
}

/** Redis URL without its password, for logs and messages. */
export function safeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis://(invalid url)';
  }
}

export function createRedis(url: string, options: ConnectOptions): Redis {
  const { logger } = options;
  let lastLogged = 0;
  const client = new Redis(url, {
    connectionName: `meshwatch-${options.name}`,
    lazyConnect: true,
    maxRetriesPerRequest: options.failFast ? 1 : null,
    enableOfflineQueue: !options.failFast,
    // Reconnect forever (a Redis restart must not end the service), backing off to 2 s.
    retryStrategy: options.failFast ? () => null : (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
  });
  client.on('error', (err: unknown) => {
    // ioredis emits an error on every failed reconnect; say it at most every 10 s.
    const now = Date.now();
    if (logger && now - lastLogged > 10_000) {
      lastLogged = now;
      logger.warn({ redis: safeRedisUrl(url), connection: options.name, error: errorMessage(err) }, 'Redis connection problem; retrying');
    }
  });
  return client;
}

export class RedisUnavailableError extends MeshwatchError {
  constructor(url: string, cause: unknown) {
    super('REDIS_UNAVAILABLE', `cannot reach Redis at ${safeRedisUrl(url)}: ${errorMessage(cause)}`, { origin: 'operational', retryable: true, cause });
  }
}

/** Connects a lazy client, turning a refused connection into RedisUnavailableError. */
export async function connectRedis(client: Redis, url: string): Promise<void> {
  try {
    if (client.status === 'wait') await client.connect();
    await client.ping();
  } catch (err) {
    throw new RedisUnavailableError(url, err);
  }
}

/** BullMQ needs `noeviction`: an evicted job or lock key silently breaks queues and incidents. */
export async function maxmemoryPolicy(client: Redis): Promise<string | undefined> {
  const reply = (await client.config('GET', 'maxmemory-policy')) as unknown;
  return Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : undefined;
}
