/**
 * Redis for one-shot commands (`incident`, `report`, `impact`,
 * `subscriptions`, `preflight`): one short-lived connection that fails fast
 * instead of retrying the way the service does, never leaves an unhandled
 * `error` event, and is closed whatever the command does with it.
 */
import type { MeshConfig } from '../config/types.js';
import { RedisKeys } from '../state/keys.js';
import { connectRedis, createRedis, DEFAULT_PREFIX, type Redis } from '../state/redis.js';

/** The service's default when neither REDIS_URL nor redis.url is set. */
export const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';

/** REDIS_URL, else meshwatch.yaml's `redis.url`; undefined when neither is set. */
export function configuredRedisUrl(config: MeshConfig, env: NodeJS.ProcessEnv): string | undefined {
  return env.REDIS_URL || config.workspace.redis.url || undefined;
}

export interface CliRedisOptions {
  /** The client's name in Redis (`CLIENT LIST`). */
  readonly name: string;
  /** Give up connecting after this long (the connection's own retries are off either way). */
  readonly connectTimeoutMs?: number | undefined;
}

/** Connects to `url`, runs `use` with the client and the config's key layout, and disconnects. Connection failures reject. */
export async function withCliRedis<T>(url: string, config: MeshConfig, options: CliRedisOptions, use: (redis: Redis, keys: RedisKeys) => Promise<T>): Promise<T> {
  const redis = createRedis(url, { name: options.name, failFast: true });
  // Failures surface from connectRedis and the commands; the event would only crash the process.
  redis.on('error', () => {});
  try {
    await connectWithin(redis, url, options.connectTimeoutMs);
    return await use(redis, new RedisKeys(config.workspace.redis.prefix ?? DEFAULT_PREFIX));
  } finally {
    redis.disconnect();
  }
}

async function connectWithin(redis: Redis, url: string, timeoutMs: number | undefined): Promise<void> {
  if (timeoutMs === undefined) return connectRedis(redis, url);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([connectRedis(redis, url), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
