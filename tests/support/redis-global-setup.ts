/**
 * Gives the suite a Redis: REDIS_URL when set (the tests then only touch keys
 * under their own prefixes), else a throwaway redis-server on a free port,
 * stopped at teardown. Tests read the URL with `inject('redisUrl')`.
 */
import type { TestProject } from 'vitest/node';
import { startRedisServer, type RedisServer } from './redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let server: RedisServer | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let url = process.env.REDIS_URL;
  if (!url) {
    server = await startRedisServer();
    url = server.url;
  }
  project.provide('redisUrl', url);
  return async () => {
    await server?.destroy();
  };
}
