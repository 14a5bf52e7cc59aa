/**
 * The monitor's own health as one episode state in Redis: many `error`
 * results at once (the warehouse down) make one `degraded` event for the
 * platform channel, and the first good tick after makes one `recovered`. A
 * check's `error` never opens an incident; this is where it is told instead.
 */
import type { RedisKeys } from './keys.js';
import type { Redis } from './redis.js';

export type HealthTransition = 'degraded' | 'recovered';

export interface HealthChange {
  readonly transition: HealthTransition;
  /** Episode number: makes the notify job ids unique and deterministic. */
  readonly episode: number;
  readonly reason?: string | undefined;
}

// KEYS: platform hash. ARGV: wantDegraded ('1'/'0'), nowMs, reason.
const SET_HEALTH = `
local state = redis.call('HGET', KEYS[1], 'state') or 'ok'
if ARGV[1] == '1' and state ~= 'degraded' then
  local episode = redis.call('HINCRBY', KEYS[1], 'episode', 1)
  redis.call('HSET', KEYS[1], 'state', 'degraded', 'since', ARGV[2], 'reason', ARGV[3])
  return {'degraded', tostring(episode)}
elseif ARGV[1] == '0' and state == 'degraded' then
  redis.call('HSET', KEYS[1], 'state', 'ok', 'since', ARGV[2], 'reason', '')
  return {'recovered', redis.call('HGET', KEYS[1], 'episode')}
end
return false
`;

export interface PlatformHealth {
  readonly state: 'ok' | 'degraded';
  readonly since?: string | undefined;
  readonly reason?: string | undefined;
}

export class PlatformHealthStore {
  constructor(private readonly redis: Redis, private readonly keys: RedisKeys) {}

  async set(degraded: boolean, nowMs: number, reason = ''): Promise<HealthChange | undefined> {
    const reply = (await this.redis.eval(SET_HEALTH, 1, this.keys.platform(), degraded ? '1' : '0', String(nowMs), reason)) as [string, string] | null;
    if (!reply) return undefined;
    return { transition: reply[0] as HealthTransition, episode: Number(reply[1]), ...(reason ? { reason } : {}) };
  }

  async get(): Promise<PlatformHealth> {
    const hash = await this.redis.hgetall(this.keys.platform());
    return {
      state: hash.state === 'degraded' ? 'degraded' : 'ok',
      ...(hash.since ? { since: new Date(Number(hash.since)).toISOString() } : {}),
      ...(hash.reason ? { reason: hash.reason } : {}),
    };
  }
}
