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
  it('defaults: no Redis URL, history 100 results for 30d and incidents for 400d, reminders after 1h, escalation after 4h, no digests unless configured', async () => {
    const { workspace } = await load('');
    expect(workspace.redis).toEqual({});
    expect(workspace.history).toEqual({ results: 100, maxAgeMs: 30 * 86_400_000, incidentRetentionMs: 400 * 86_400_000 });
    expect(workspace.escalation).toEqual({ remindMs: 3_600_000, escalateMs: 4 * 3_600_000 });
    expect(workspace.businessUnits).toEqual([]);
    expect(workspace.digests).toEqual({ enabled: false, schedule: '0 9 * * MON', timezone: 'UTC', periodMs: 7 * 86_400_000 });
  });

  it('reads redis, history and escalation', async () => {
    const { workspace } = await load(
      'redis: { url: "redis://cache:6380", prefix: "{mw-prod}" }\nhistory: { results: 20, maxAge: 7d, incidentRetention: 90d }\nescalation: { remind: 30m, escalate: off }\n' +
        'digests: { schedule: "30 8 * * FRI", timezone: Europe/Berlin, period: 14d }\n',
    );
    expect(workspace.redis).toEqual({ url: 'redis://cache:6380', prefix: '{mw-prod}' });
    expect(workspace.history).toEqual({ results: 20, maxAgeMs: 7 * 86_400_000, incidentRetentionMs: 90 * 86_400_000 });
    expect(workspace.escalation).toEqual({ remindMs: 1_800_000 });
    expect(workspace.digests).toEqual({ enabled: true, schedule: '30 8 * * FRI', timezone: 'Europe/Berlin', periodMs: 14 * 86_400_000 });
  });

  it('businessUnits: escalation channel and lead, keyed by the names domains use; an unknown name is an error naming the path', async () => {
    const units = 'businessUnits:\n  - { name: Retail, escalationChannel: "#retail-leads", lead: "@rita" }\n  - { name: Finance }\n  - { name: Marketing }\n';
    const { workspace } = await load(units);
    expect(workspace.businessUnits).toEqual([{ name: 'Retail', escalationChannel: '#retail-leads', lead: '@rita' }, { name: 'Finance' }, { name: 'Marketing' }]);
    const error = await load('businessUnits:\n  - { name: Retail }\n  - { name: Finance }\n  - { name: Retail, lead: x }\n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).message;
    expect(text).toMatch(/meshwatch\.yaml: domains\[3\]\.businessUnit: unknown business unit "Marketing"; business units: Retail, Finance/);
    expect(text).toMatch(/meshwatch\.yaml: businessUnits\[2\]\.name: duplicate business unit "Retail"/);
  });

  it('a domain overrides the escalation policy; a digest schedule must be a cron', async () => {
    const { dir, cleanup } = await writeConfigDir({
      ...chainMesh('digests: { schedule: 15m }\n'),
    });
    cleanups.push(cleanup);
    const error = await loadConfig(dir, { env: {} }).catch((e: unknown) => e);
    expect((error as ConfigError).message).toMatch(/meshwatch\.yaml: digests\.schedule: expected a cron expression like "0 9 \* \* MON", got an interval "15m"/);
    const mesh = chainMesh();
    const { dir: other, cleanup: c2 } = await writeConfigDir({
      ...mesh,
      'meshwatch.yaml': mesh['meshwatch.yaml']!.replace('slackChannel: "#crm-data" }', 'slackChannel: "#crm-data", escalation: { remind: 10m, escalate: off } }'),
    });
    cleanups.push(c2);
    const config = await loadConfig(other, { env: {} });
    expect(config.workspace.domains.find((d) => d.id === 'crm')?.escalation).toEqual({ remind: { text: '10m', ms: 600_000 }, escalate: 'off' });
  });

  it('names the file and path of a bad value', async () => {
    const error = await load('history: { results: 0, maxAge: soon, incidentRetention: ever }\nescalation: { remind: later, escalate: never }\nredis: { url: nope }\n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).message;
    expect(text).toMatch(/meshwatch\.yaml: history\.results: expected at least 1/);
    expect(text).toMatch(/meshwatch\.yaml: history\.maxAge: expected a duration like 2h, got "soon"/);
    expect(text).toMatch(/meshwatch\.yaml: escalation\.remind: expected a duration/);
    expect(text).toMatch(/meshwatch\.yaml: history\.incidentRetention: expected a duration/);
    expect(text).toMatch(/meshwatch\.yaml: escalation\.escalate: expected a duration like 4h, or off, got "never"/);
    expect(text).toMatch(/meshwatch\.yaml: redis\.url: expected a Redis URL/);
  });
});
