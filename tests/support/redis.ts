/** Per-test Redis access: a prefix of its own, and cleanup of only the keys under it. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

export function redisUrl(): string {
  return inject('redisUrl');
}

/** A BullMQ/meshwatch prefix no other test uses (a hash tag, as in production). */
export function testPrefix(name: string): string {
  return `{mwtest-${name}-${randomUUID().slice(0, 8)}}`;
}

/** Deletes the keys under `prefix` (and nothing else). */
export async function deletePrefix(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix.replace(/[[\]*?\\]/g, '\\$&')}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
