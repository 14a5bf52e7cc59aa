import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { chainMesh } from './support/chain-mesh.js';
import { writeConfigDir } from './support/config-dir.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function load(extra: string) {
  const { dir, cleanup } = await writeConfigDir(chainMesh(extra));
  cleanups.push(cleanup);
  return loadConfig(dir, { env: {} });
}

describe('service settings in meshwatch.yaml', () => {
  it('defaults: no Redis URL, history 100 results for 30d, reminders after 1h', async () => {
    const { workspace } = await load('');
    expect(workspace.redis).toEqual({});
    expect(workspace.history).toEqual({ results: 100, maxAgeMs: 30 * 86_400_000 });
    expect(workspace.escalation).toEqual({ remindMs: 3_600_000 });
  });

  it('reads redis, history and escalation', async () => {
    const { workspace } = await load('redis: { url: "redis://cache:6380", prefix: "{mw-prod}" }\nhistory: { results: 20, maxAge: 7d }\nescalation: { remind: 30m }\n');
    expect(workspace.redis).toEqual({ url: 'redis://cache:6380', prefix: '{mw-prod}' });
    expect(workspace.history).toEqual({ results: 20, maxAgeMs: 7 * 86_400_000 });
    expect(workspace.escalation).toEqual({ remindMs: 1_800_000 });
  });

  it('names the file and path of a bad value', async () => {
    const error = await load('history: { results: 0, maxAge: soon }\nescalation: { remind: later }\nredis: { url: nope }\n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).message;
    expect(text).toMatch(/meshwatch\.yaml: history\.results: expected at least 1/);
    expect(text).toMatch(/meshwatch\.yaml: history\.maxAge: expected a duration like 2h, got "soon"/);
    expect(text).toMatch(/meshwatch\.yaml: escalation\.remind: expected a duration/);
    expect(text).toMatch(/meshwatch\.yaml: redis\.url: expected a Redis URL/);
  });
});
