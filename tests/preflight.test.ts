/**
 * Preflight (issue 16): change kinds on pairs of configs, column-aware
 * impact, acknowledgements (and the warning they turn the cross-file error
 * into, until `until`), git revisions and --base-manifest as bases, the
 * markdown golden, ODCS and dbt products, and the Done-when scenario on the
 * example mesh.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConsumerSource } from '../catalog/catalog.js';
import { columnSet } from '../catalog/catalog.js';
import { MeshLoader } from '../catalog/mesh-loader.js';
import { loadConfig, loadConfigWithDangling } from '../config/load.js';
import type { Consumer } from '../config/types.js';
import { diffConfigs } from '../preflight/diff.js';
import { runPreflight } from '../preflight/preflight.js';
import { RedisKeys } from '../state/keys.js';
import { createRedis } from '../state/redis.js';
import { SubscriptionStore } from '../state/subscriptions.js';
import { cli, REPO } from './support/cli.js';
import { deletePrefix, redisUrl, testPrefix } from './support/redis.js';
import { WORKSPACE, writeConfigDir } from './support/config-dir.js';

const NOW = new Date('2026-03-01T12:00:00Z');

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const CUSTOMERS = `id: crm.customers
domain: crm
tier: limited
table: crm.customers
freshness: { column: updated_at, maxAge: 2h }
schema:
  columns:
    - { name: customer_id, type: INTEGER, nullable: false }
    - { name: email, type: "VARCHAR(100)" }
    - { name: consent, type: BOOLEAN, nullable: false }
    - { name: status, type: VARCHAR }
    - { name: score, type: "DECIMAL(10,2)" }
    - { name: segment, type: VARCHAR }
    - { name: updated_at, type: TIMESTAMP, nullable: false }
contract:
  rowCount: { min: 10 }
  notNull: [customer_id]
  unique: [customer_id]
  acceptedValues: { status: [active, closed] }
  range: { score: { min: 0, max: 100 } }
  pattern: { email: '^[^@]+@[^@]+$' }
  sql: [{ name: none_bad, query: "select count(*) from {{ table }} where score < 0", expect: 0 }]
`;

const ORDERS = `id: sales.orders
domain: sales
tier: limited
table: sales.orders
schema:
  columns:
    - { name: order_id, type: INTEGER, nullable: false }
    - { name: customer_id, type: INTEGER }
inputs:
  - { product: crm.customers, columns: [customer_id] }
`;

const CONSUMERS = `consumers:
  - id: finance.dashboard
    domain: finance
    uses:
      - { product: crm.customers, columns: [customer_id, segment] }
      - sales.orders
  - id: marketing.mailer
    domain: marketing
    uses:
      - { product: crm.customers, columns: [email, consent] }
  - id: crm.ops
    domain: crm
    uses:
      - crm.customers
`;

const BASE_FILES: Record<string, string> = {
  'meshwatch.yaml': WORKSPACE,
  'products/customers.yaml': CUSTOMERS,
  'products/orders.yaml': ORDERS,
  'consumers/all.yaml': CONSUMERS,
};

async function dirOf(files: Record<string, string>): Promise<string> {
  const { dir, cleanup } = await writeConfigDir(files);
  cleanups.push(cleanup);
  return dir;
}

/** The base mesh and a copy with `edit` applied to its files. */
async function pair(edit: (files: Record<string, string>) => Record<string, string>): Promise<{ base: string; next: string }> {
  return { base: await dirOf(BASE_FILES), next: await dirOf(edit({ ...BASE_FILES })) };
}

const replaceIn = (files: Record<string, string>, file: string, from: string | RegExp, to: string) => {
  const text = files[file]!;
  if (typeof from === 'string' ? !text.includes(from) : !from.test(text)) throw new Error(`test edit: ${String(from)} not in ${file}`);
  return { ...files, [file]: text.replace(from, () => to) };
};

async function kindsAfter(edit: (files: Record<string, string>) => Record<string, string>) {
  const { base, next } = await pair(edit);
  const baseConfig = await loadConfig(base, { env: {} });
  const { config } = await loadConfigWithDangling(next, { env: {}, now: NOW });
  return diffConfigs(baseConfig, config).map((c) => ({ product: c.product, kind: c.kind, breaking: c.breaking, ...(c.column ? { column: c.column } : {}) }));
}

describe('change kinds', () => {
  it('no change, no finding', async () => {
    expect(await kindsAfter((f) => f)).toEqual([]);
  });

  it('column removed, type changed, type widened, made nullable, column added', async () => {
    const kinds = await kindsAfter((f) => {
      let out = replaceIn(f, 'products/customers.yaml', '    - { name: consent, type: BOOLEAN, nullable: false }\n', '');
      out = replaceIn(out, 'products/customers.yaml', 'name: status, type: VARCHAR', 'name: status, type: INTEGER');
      out = replaceIn(out, 'products/customers.yaml', 'name: customer_id, type: INTEGER, nullable: false', 'name: customer_id, type: BIGINT');
      out = replaceIn(out, 'products/customers.yaml', '"VARCHAR(100)" }', '"VARCHAR(100)" }\n    - { name: phone, type: VARCHAR }');
      return out;
    });
    expect(kinds).toEqual([
      { product: 'crm.customers', kind: 'type_widened', breaking: false, column: 'customer_id' },
      { product: 'crm.customers', kind: 'column_nullable', breaking: true, column: 'customer_id' },
      { product: 'crm.customers', kind: 'column_removed', breaking: true, column: 'consent' },
      { product: 'crm.customers', kind: 'type_changed', breaking: true, column: 'status' },
      { product: 'crm.customers', kind: 'column_added', breaking: false },
    ]);
  });

  it('contract rules removed or loosened are breaking; added or tightened are notes', async () => {
    const kinds = await kindsAfter((f) => {
      let out = replaceIn(f, 'products/customers.yaml', '  unique: [customer_id]\n', '');
      out = replaceIn(out, 'products/customers.yaml', 'status: [active, closed]', 'status: [active, closed, dormant]');
      out = replaceIn(out, 'products/customers.yaml', 'score: { min: 0, max: 100 }', 'score: { min: 0, max: 1000 }');
      out = replaceIn(out, 'products/customers.yaml', "email: '^[^@]+@[^@]+$'", "email: '^.+$'");
      out = replaceIn(out, 'products/customers.yaml', 'rowCount: { min: 10 }', 'rowCount: { min: 100 }');
      out = replaceIn(out, 'products/customers.yaml', 'notNull: [customer_id]', 'notNull: [{ column: customer_id, maxRows: 5 }, email]');
      return out;
    });
    expect(kinds).toEqual([
      { product: 'crm.customers', kind: 'contract_loosened', breaking: true, column: 'customer_id' }, // notNull now tolerates 5 rows
      { product: 'crm.customers', kind: 'contract_loosened', breaking: true, column: 'customer_id' }, // unique removed
      { product: 'crm.customers', kind: 'contract_loosened', breaking: true, column: 'status' },
      { product: 'crm.customers', kind: 'contract_loosened', breaking: true, column: 'score' },
      { product: 'crm.customers', kind: 'contract_loosened', breaking: true, column: 'email' },
      { product: 'crm.customers', kind: 'contract_tightened', breaking: false },
    ]);
  });

  it('a severity fail → warn and a removed table-wide rule are loosened; the latter hurts every reader', async () => {
    const { base, next } = await pair((f) => {
      let out = replaceIn(f, 'products/customers.yaml', /  sql: .*\n/, '');
      out = replaceIn(out, 'products/customers.yaml', 'rowCount: { min: 10 }', 'rowCount: { min: 10, severity: warn }');
      return out;
    });
    const report = runPreflight({ base: await loadConfig(base, { env: {} }), next: await loadConfig(next, { env: {} }), now: NOW });
    expect(report.breaking.map((c) => [c.kind, c.message])).toEqual([
      ['contract_loosened', 'contract rule rowCount loosened: severity fail → warn'],
      ['contract_loosened', 'contract rule sql none_bad removed'],
    ]);
    // Table-wide: every reader, whatever columns it reads.
    expect(report.breaking[1]!.impact!.consumers.map((c) => c.id).sort()).toEqual(['crm.ops', 'finance.dashboard', 'marketing.mailer']);
  });

  it('freshness loosened or removed, tier made stricter or looser, inputs changed', async () => {
    const kinds = await kindsAfter((f) => {
      let out = replaceIn(f, 'products/customers.yaml', 'maxAge: 2h', 'maxAge: 6h');
      out = replaceIn(out, 'products/customers.yaml', 'tier: limited', 'tier: restricted');
      out = replaceIn(out, 'products/orders.yaml', 'tier: limited', 'tier: open');
      out = replaceIn(out, 'products/orders.yaml', 'columns: [customer_id] }', 'columns: [customer_id, email] }');
      return out;
    });
    expect(kinds).toEqual([
      { product: 'crm.customers', kind: 'tier_stricter', breaking: true },
      { product: 'crm.customers', kind: 'freshness_loosened', breaking: true },
      { product: 'sales.orders', kind: 'tier_looser', breaking: false },
      { product: 'sales.orders', kind: 'inputs_changed', breaking: false },
    ]);
    const gone = await kindsAfter((f) => replaceIn(f, 'products/customers.yaml', /^freshness: .*\n/m, ''));
    expect(gone).toEqual([{ product: 'crm.customers', kind: 'freshness_loosened', breaking: true }]);
  });

  it('schema removed is breaking and hurts every reader of its old columns', async () => {
    const edit = (f: Record<string, string>) => replaceIn(f, 'products/orders.yaml', /^schema:\n(?: {2}.*\n)+/m, '');
    expect(await kindsAfter(edit)).toEqual([{ product: 'sales.orders', kind: 'schema_removed', breaking: true }]);
    const { base, next } = await pair(edit);
    const report = runPreflight({ base: await loadConfig(base, { env: {} }), next: (await loadConfigWithDangling(next, { env: {}, now: NOW })).config, now: NOW });
    expect(report.breaking.map((c) => [c.kind, c.message])).toEqual([['schema_removed', 'no schema declared any more (was 2 columns): readers of its columns lose their promise']]);
    // finance.dashboard reads all of sales.orders, in another domain.
    expect(report.breaking[0]!.impact!.consumers.map((c) => c.id)).toEqual(['finance.dashboard']);
  });

  it('freshness tightened or added, and a changed or removed tier justification, are notes', async () => {
    const tightened = await kindsAfter((f) => {
      let out = replaceIn(f, 'products/customers.yaml', 'maxAge: 2h', 'maxAge: 1h');
      out = replaceIn(out, 'products/orders.yaml', 'table: sales.orders\n', 'table: sales.orders\nfreshness: { column: order_id, maxAge: 1d }\n');
      return out;
    });
    expect(tightened).toEqual([
      { product: 'crm.customers', kind: 'freshness_tightened', breaking: false },
      { product: 'sales.orders', kind: 'freshness_tightened', breaking: false },
    ]);

    const justified = (f: Record<string, string>) => replaceIn(f, 'products/orders.yaml', 'tier: limited\n', 'tier: limited\ntierJustification: "order ids only"\n');
    const { base, next } = await pair(justified);
    const added = runPreflight({ base: await loadConfig(base, { env: {} }), next: await loadConfig(next, { env: {} }), now: NOW });
    expect(added.breaking).toEqual([]);
    expect(added.notes.filter((c) => c.kind === 'tier_justification_changed').map((c) => [c.product, c.breaking, c.message])).toEqual([['sales.orders', false, 'tier limited (order ids only)']]);
    // Removed again: the base is the justified mesh, the next the plain one.
    const removed = runPreflight({ base: await loadConfig(next, { env: {} }), next: await loadConfig(base, { env: {} }), now: NOW });
    expect(removed.breaking).toEqual([]);
    expect(removed.notes.filter((c) => c.kind === 'tier_justification_changed').map((c) => c.message)).toEqual(['tier limited (justification removed)']);
  });

  it('a product removed, or renamed (a new id on the same table), and a new product', async () => {
    const removed = await kindsAfter((f) => {
      const { ['products/orders.yaml']: _gone, ...rest } = f;
      return rest;
    });
    expect(removed).toEqual([{ product: 'sales.orders', kind: 'product_removed', breaking: true }]);
    const renamed = await kindsAfter((f) => replaceIn(f, 'products/orders.yaml', 'id: sales.orders', 'id: sales.orders-v2'));
    expect(renamed).toEqual([{ product: 'sales.orders', kind: 'product_renamed', breaking: true }]);
    const added = await kindsAfter((f) => ({ ...f, 'products/new.yaml': 'id: sales.returns\ndomain: sales\ntier: open\ntable: sales.returns\n' }));
    expect(added).toEqual([{ product: 'sales.returns', kind: 'product_added', breaking: false }]);
  });
});

describe('impact of breaking changes', () => {
  it('a removed column reaches only the readers of that column (and those reading everything), grouped with paths', async () => {
    const { base, next } = await pair((f) => replaceIn(f, 'products/customers.yaml', '    - { name: segment, type: VARCHAR }\n', ''));
    const run = await cli(['preflight', '--config', next, '--base', base, '--format', 'json'], { now: NOW });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { breaking: Array<{ kind: string; impact: { consumers: Array<{ id: string; columns?: string[] }>; products: unknown[] } }> };
    expect(report.breaking).toHaveLength(1);
    const impact = report.breaking[0]!.impact;
    // finance reads segment; crm.ops reads everything; marketing.mailer (email, consent) and sales.orders (customer_id) do not.
    expect(impact.consumers.map((c) => c.id)).toEqual(['finance.dashboard', 'crm.ops']);
    expect(impact.consumers[0]!.columns).toEqual(['segment']);
    expect(impact.products).toEqual([]);
  });

  it('a column read only inside its own domain breaks nobody elsewhere: exit 0, still listed', async () => {
    const files = { ...BASE_FILES, 'consumers/all.yaml': CONSUMERS.replace('columns: [customer_id, segment]', 'columns: [customer_id]') };
    const base = await dirOf(files);
    const next = await dirOf(replaceIn(files, 'products/customers.yaml', '    - { name: segment, type: VARCHAR }\n', ''));
    const run = await cli(['preflight', '--config', next, '--base', base], { now: NOW });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^preflight: no unacknowledged breaking change hurts another domain/);
    expect(run.stdout).toMatch(/consumer {2}crm\.ops/);
  });

  it('a removed product names the readers the new config still has, and its downstream products', async () => {
    const { base, next } = await pair((f) => {
      const { ['products/customers.yaml']: _gone, ...rest } = f;
      return rest;
    });
    const run = await cli(['preflight', '--config', next, '--base', base, '--format', 'json'], { now: NOW });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { breaking: Array<{ kind: string; impact: { consumers: Array<{ id: string }>; products: Array<{ id: string }> } }> };
    expect(report.breaking[0]!.kind).toBe('product_removed');
    expect(report.breaking[0]!.impact.products.map((p) => p.id)).toEqual(['sales.orders']);
    expect(report.breaking[0]!.impact.consumers.map((c) => c.id).sort()).toEqual(['crm.ops', 'finance.dashboard', 'marketing.mailer']);
  });

  it('a consumer reading a column that never existed is still a config error (exit 2), not a change', async () => {
    const { base, next } = await pair((f) => replaceIn(f, 'consumers/all.yaml', 'columns: [email, consent]', 'columns: [email, consnet]'));
    const run = await cli(['preflight', '--config', next, '--base', base], { now: NOW });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/consumers\/all\.yaml: consumers\[1\]\.uses\[0\]\.columns\[1\]: crm\.customers has no column "consnet"/);
  });

  it('Slack subscriptions (a consumer source) count as readers', async () => {
    const { base, next } = await pair((f) => replaceIn(f, 'products/customers.yaml', '    - { name: consent, type: BOOLEAN, nullable: false }\n', ''));
    const subscriber: Consumer = { id: 'finance.slack-sub', domain: 'finance', uses: [{ product: 'crm.customers', columns: ['consent'] }], source: 'slack' };
    const subscriptions: ConsumerSource = {
      consumersOf: (id) => (id === 'crm.customers' ? [{ consumer: subscriber, columns: columnSet(['consent'], 'duckdb') }] : []),
    };
    const { config, dangling } = await loadConfigWithDangling(next, { env: {}, now: NOW });
    const report = runPreflight({ base: await loadConfig(base, { env: {} }), next: config, dangling, now: NOW, consumerSources: [subscriptions] });
    expect(report.breaking[0]!.impact!.consumers.map((c) => c.id)).toEqual(['marketing.mailer', 'crm.ops', 'finance.slack-sub']);
  });

  it('preflight reads the Slack subscriptions in Redis: the subscribed channel is named as hurt; unreachable Redis is a note and the run goes on', async () => {
    const prefix = testPrefix('preflight-subs');
    const url = redisUrl();
    cleanups.push(() => deletePrefix(url, prefix));
    const withPrefix = (f: Record<string, string>) => ({ ...f, 'meshwatch.yaml': `${f['meshwatch.yaml']!}redis: { prefix: "${prefix}" }\n` });
    const { base, next } = await pair((f) => withPrefix(replaceIn(f, 'products/customers.yaml', '    - { name: consent, type: BOOLEAN, nullable: false }\n', '')));
    const redis = createRedis(url, { name: 'test' });
    try {
      const store = new SubscriptionStore(redis, new RedisKeys(prefix), 86_400_000);
      const sub = { consumer: 'slack.lead-scoring', domain: 'marketing', channel: '#lead-scoring', channelId: 'C0LEADSCO', channelName: 'lead-scoring', requestedBy: 'U0BOB', at: '2026-02-28T10:00:00.000Z' };
      await store.put({ ...sub, product: 'crm.customers', columns: ['consent'] });
      // Another channel reading only email is not hurt by the removed consent column.
      await store.put({ ...sub, consumer: 'slack.mail-ops', channel: '#mail-ops', channelId: 'C0MAILOPS', channelName: 'mail-ops', product: 'crm.customers', columns: ['email'] });
    } finally {
      redis.disconnect();
    }
    const run = await cli(['preflight', '--config', next, '--base', base, '--format', 'json'], { now: NOW, env: { REDIS_URL: url } });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { breaking: Array<{ impact: { consumers: Array<{ id: string; domain: string; businessUnit: string; channel?: string }> } }> };
    const hurt = report.breaking[0]!.impact.consumers;
    expect(hurt.map((c) => c.id)).toEqual(expect.arrayContaining(['marketing.mailer', 'crm.ops', 'slack.lead-scoring']));
    expect(hurt.map((c) => c.id)).not.toContain('slack.mail-ops');
    expect(hurt.find((c) => c.id === 'slack.lead-scoring')).toMatchObject({ domain: 'marketing', businessUnit: 'Marketing' });
    const text = await cli(['preflight', '--config', next, '--base', base], { now: NOW, env: { REDIS_URL: url } });
    expect(text.stdout).toContain('slack.lead-scoring');
    expect(text.stderr).not.toContain('Slack subscriptions not included');

    // Redis down: a note, and the config's consumers still decide the exit code.
    const down = await cli(['preflight', '--config', next, '--base', base, '--format', 'json'], { now: NOW, env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('Slack subscriptions not included: cannot reach Redis at redis://127.0.0.1:1');
    expect(JSON.stringify(JSON.parse(down.stdout))).not.toContain('slack.lead-scoring');
  });

  it('bad input exits 2: no --base, a base that is neither a directory nor a revision, an unknown format', async () => {
    const dir = await dirOf(BASE_FILES);
    expect((await cli(['preflight', '--config', dir])).code).toBe(2);
    const notGit = await cli(['preflight', '--config', dir, '--base', 'origin/main']);
    expect(notGit.code).toBe(2);
    expect(notGit.stderr).toMatch(/not in a git repository/);
    expect((await cli(['preflight', '--config', dir, '--base', dir, '--format', 'html'])).code).toBe(2);
  });
});

describe('acknowledged breaking changes', () => {
  const dropConsent = (f: Record<string, string>, until: string) =>
    replaceIn(
      replaceIn(f, 'products/customers.yaml', '    - { name: consent, type: BOOLEAN, nullable: false }\n', ''),
      'products/customers.yaml',
      /$/,
      `breakingChanges:\n  - { column: consent, notice: "use marketing_opt_in", until: ${until} }\n`,
    );

  it('pass preflight until `until`, and fail again after it', async () => {
    const { base, next } = await pair((f) => dropConsent(f, '2026-03-31'));
    const before = await cli(['preflight', '--config', next, '--base', base], { now: NOW });
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/acknowledged until 2026-03-31 in products\/customers\.yaml: use marketing_opt_in/);
    const lastDay = await cli(['preflight', '--config', next, '--base', base], { now: new Date('2026-03-31T23:59:00Z') });
    expect(lastDay.code).toBe(0);
    const after = await cli(['preflight', '--config', next, '--base', base], { now: new Date('2026-04-01T00:00:00Z') });
    expect(after.code).toBe(1);
    expect(after.stdout).toMatch(/acknowledgement expired on 2026-03-31/);
  });

  it('--allow-breaking reports the change and exits 0', async () => {
    const { base, next } = await pair((f) => replaceIn(f, 'products/customers.yaml', '    - { name: consent, type: BOOLEAN, nullable: false }\n', ''));
    const run = await cli(['preflight', '--config', next, '--base', base, '--allow-breaking'], { now: NOW });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/allowed by --allow-breaking/);
  });

  it('turn the cross-file error into a warning in validate and check until `until`; an error again after', async () => {
    const { next } = await pair((f) => dropConsent(f, '2026-03-31'));
    const ok = await cli(['validate', '--config', next], { now: NOW });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(
      /warning: consumers\/all\.yaml: consumers\[1\]\.uses\[0\]\.columns\[1\]: crm\.customers has no column "consent" in its declared schema; acknowledged breaking change until 2026-03-31: use marketing_opt_in/,
    );
    const expired = await cli(['validate', '--config', next], { now: new Date('2026-04-02T00:00:00Z') });
    expect(expired.code).toBe(2);
    expect(expired.stderr).toMatch(/consumers\[1\]\.uses\[0\]\.columns\[1\]: crm\.customers has no column "consent"/);
    // check loads the same way (its warehouse is missing here, which is exit 1, not a config error).
    const check = await cli(['check', '--config', next], { now: NOW });
    expect(check.code).not.toBe(2);
    expect(check.stderr).toMatch(/warning: consumers\/all\.yaml: .*acknowledged breaking change/);
  });

  it('a removed product is acknowledged in meshwatch.yaml', async () => {
    const { base, next } = await pair((f) => {
      const { ['products/orders.yaml']: _gone, ...rest } = f;
      return { ...rest, 'meshwatch.yaml': `${WORKSPACE}breakingChanges:\n  - { product: sales.orders, notice: "moved to the warehouse team", until: 2026-06-30 }\n` };
    });
    const run = await cli(['preflight', '--config', next, '--base', base], { now: NOW });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/acknowledged until 2026-06-30 in meshwatch\.yaml/);
    const validate = await cli(['validate', '--config', next], { now: NOW });
    expect(validate.code).toBe(0);
    expect(validate.stderr).toMatch(/consumers\[0\]\.uses\[1\]: unknown product "sales\.orders"; acknowledged breaking change until 2026-06-30/);
  });

  it('serve: a reload keeps the warnings of a full load while an acknowledgement is declared, and rejects once it expired', async () => {
    const { next } = await pair((f) => dropConsent(f, '2026-03-31'));
    let now = NOW;
    const loader = MeshLoader.open(next, { env: {}, now: () => now });
    expect(loader.config.warnings.map((w) => w.path)).toEqual(['consumers[1].uses[0].columns[1]']);
    await writeFile(path.join(next, 'products/orders.yaml'), ORDERS.replace('tier: limited', 'tier: open'));
    const reloaded = loader.reload();
    expect(reloaded.ok).toBe(true);
    if (reloaded.ok) expect(reloaded.config).toEqual(await loadConfig(next, { env: {}, now: NOW }));
    now = new Date('2026-04-05T00:00:00Z');
    await writeFile(path.join(next, 'products/orders.yaml'), ORDERS);
    const late = loader.reload();
    expect(late.ok).toBe(false);
    if (!late.ok) expect(late.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^crm\.customers has no column "consent"/)]);
  });
});

describe('tier lineage', () => {
  const RESTRICTED = (f: Record<string, string>) => replaceIn(f, 'products/customers.yaml', 'tier: limited', 'tier: restricted');

  it('a product less restricted than an input is a warning (exit 0) without a justification', async () => {
    const dir = await dirOf(RESTRICTED(BASE_FILES));
    const run = await cli(['validate', '--config', dir]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: products\/orders\.yaml: tier: sales\.orders is limited but reads crm\.customers \(restricted\): make it restricted, or say why/);
  });

  it('a justification silences it; governance.tierLineage: error makes the unjustified one an error', async () => {
    const justified = await dirOf(replaceIn(RESTRICTED(BASE_FILES), 'products/orders.yaml', 'tier: limited\n', 'tier: limited\ntierJustification: "only customer_id, a pseudonymous key"\n'));
    const ok = await cli(['validate', '--config', justified]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe('');
    const strict = { ...RESTRICTED(BASE_FILES), 'meshwatch.yaml': `${WORKSPACE}governance: { tierLineage: error }\n` };
    const failing = await cli(['validate', '--config', await dirOf(strict)]);
    expect(failing.code).toBe(2);
    expect(failing.stderr).toMatch(/products\/orders\.yaml: tier: sales\.orders is limited but reads crm\.customers/);
    const strictJustified = await cli(['validate', '--config', await dirOf({ ...strict, 'products/orders.yaml': ORDERS.replace('tier: limited\n', 'tier: limited\ntierJustification: "ids only"\n') })]);
    expect(strictJustified.code).toBe(0);
  });

  it('preflight lists the finding, says when the change introduces it, and shows the justification with the tier', async () => {
    const { base, next } = await pair(RESTRICTED);
    const run = await cli(['preflight', '--config', next, '--base', base], { now: NOW });
    expect(run.stdout).toMatch(/! sales\.orders is limited, reads crm\.customers \(restricted\) {2}· {2}no tierJustification {2}\(new in this change\)/);
    // Making crm.customers stricter is itself breaking for its readers elsewhere.
    expect(run.stdout).toMatch(/crm\.customers {2}tier limited → restricted/);
    const justified = await dirOf(replaceIn(RESTRICTED(BASE_FILES), 'products/orders.yaml', 'tier: limited\n', 'tier: limited\ntierJustification: "ids only"\n'));
    const again = await cli(['preflight', '--config', justified, '--base', base], { now: NOW });
    expect(again.stdout).toMatch(/sales\.orders is limited, reads crm\.customers \(restricted\) {2}· {2}justified: ids only/);
    expect(again.stdout).toMatch(/sales\.orders {2}tier limited \(ids only\)/);
  });

  it('a reload gives the tier lineage warnings of a full load', async () => {
    const dir = await dirOf(BASE_FILES);
    const loader = MeshLoader.open(dir, { env: {} });
    expect(loader.config.warnings).toEqual([]);
    await writeFile(path.join(dir, 'products/customers.yaml'), CUSTOMERS.replace('tier: limited', 'tier: restricted'));
    const result = loader.reload();
    expect(result.ok && result.full).toBe(false);
    if (result.ok) {
      expect(result.config.warnings.map((w) => w.file)).toEqual(['products/orders.yaml']);
      expect(result.config).toEqual(await loadConfig(dir, { env: {} }));
    }
    // A change elsewhere keeps the warning; justifying it removes it; both without the full pass.
    await writeFile(path.join(dir, 'consumers/all.yaml'), CONSUMERS.replace('id: crm.ops', 'id: crm.ops2'));
    const other = loader.reload();
    expect(other.ok && !other.full && other.config.warnings.map((w) => w.file)).toEqual(['products/orders.yaml']);
    if (other.ok) expect(other.config).toEqual(await loadConfig(dir, { env: {} }));
    await writeFile(path.join(dir, 'products/orders.yaml'), ORDERS.replace('tier: limited\n', 'tier: limited\ntierJustification: "ids only"\n'));
    const justified = loader.reload();
    expect(justified.ok && !justified.full && justified.config.warnings).toEqual([]);
  });
});

function git(cwd: string, ...args: string[]): string {
  const run = spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr}`);
  return run.stdout.trim();
}

describe('bases', () => {
  it('a git revision of the repository holding the config directory (a subfolder), without touching the work tree', async () => {
    const repo = await mkdtemp(path.join(tmpdir(), 'meshwatch-git-'));
    cleanups.push(() => rm(repo, { recursive: true, force: true }));
    const mesh = path.join(repo, 'platform', 'mesh');
    for (const [file, text] of Object.entries(BASE_FILES)) {
      await mkdir(path.dirname(path.join(mesh, file)), { recursive: true });
      await writeFile(path.join(mesh, file), text);
    }
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'base');
    await writeFile(path.join(mesh, 'products/customers.yaml'), CUSTOMERS.replace('    - { name: consent, type: BOOLEAN, nullable: false }\n', ''));
    const run = await cli(['preflight', '--config', mesh, '--base', 'main', '--format', 'json'], { now: NOW });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { base: string; breaking: Array<{ message: string; impact: { consumers: Array<{ id: string }> } }> };
    expect(report.base).toMatch(/^main \([0-9a-f]{12}\)$/);
    expect(report.breaking.map((c) => c.message)).toEqual(['column consent removed']);
    expect(report.breaking[0]!.impact.consumers.map((c) => c.id)).toEqual(['marketing.mailer', 'crm.ops']);
    // The work tree still has the change; the index is untouched.
    expect(git(repo, 'status', '--porcelain')).toBe('M platform/mesh/products/customers.yaml');
    const unknown = await cli(['preflight', '--config', mesh, '--base', 'no-such-branch'], { now: NOW });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no such directory or git revision/);
  });

  const manifest = (columns: string[]) =>
    JSON.stringify({
      metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json', project_name: 'shop' },
      nodes: {
        'model.shop.customers': {
          unique_id: 'model.shop.customers', resource_type: 'model', name: 'customers', database: 'db', schema: 'mart', alias: 'customers',
          depends_on: { nodes: [] }, config: {}, meta: {},
          columns: Object.fromEntries(columns.map((c) => [c, { name: c, data_type: 'varchar' }])),
        },
      },
      exposures: {
        'exposure.shop.board': {
          unique_id: 'exposure.shop.board', name: 'board', type: 'dashboard', owner: { name: 'x' }, depends_on: { nodes: ['model.shop.customers'] },
          meta: { meshwatch: { domain: 'finance' } },
        },
      },
    });

  it('--base-manifest: the same dbt project against the previous manifest (preflight on dbt products)', async () => {
    const workspace = WORKSPACE.replace('warehouse: { type: duckdb, path: warehouse.duckdb }', 'warehouse: { type: duckdb, path: db.duckdb }');
    const dir = await dirOf({
      'meshwatch.yaml': `${workspace}sources:\n  - { dbt: { manifest: target/manifest.json }, domain: crm }\n`,
      'target/manifest.json': manifest(['customer_id', 'email']),
      'consumers/marketing.yaml': 'consumers:\n  - { id: marketing.mailer, domain: marketing, uses: [{ product: crm.customers, columns: [email] }] }\n',
    });
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'meshwatch-prev-'));
    cleanups.push(() => rm(elsewhere, { recursive: true, force: true }));
    const previous = path.join(elsewhere, 'manifest.json');
    await writeFile(previous, manifest(['customer_id', 'email', 'phone']));
    const same = await cli(['preflight', '--config', dir, '--base-manifest', previous, '--format', 'json'], { now: NOW });
    expect(same.stderr).toBe('');
    const report = JSON.parse(same.stdout) as { breaking: Array<{ product: string; kind: string; message: string; impact: { consumers: Array<{ id: string }> } }> };
    // phone was dropped; nobody declared reading it but the exposure (which reads everything).
    expect(report.breaking.map((c) => [c.product, c.kind, c.message])).toEqual([['crm.customers', 'column_removed', 'column phone removed']]);
    expect(report.breaking[0]!.impact.consumers.map((c) => c.id)).toEqual(['finance.board']);
    expect(same.code).toBe(1);
  });

  it('--base-manifest needs one dbt source; a base whose manifest is missing says to give it', async () => {
    const plain = await dirOf(BASE_FILES);
    const none = await cli(['preflight', '--config', plain, '--base-manifest', path.join(plain, 'nothing.json')], { now: NOW });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--base-manifest needs exactly one dbt source/);
    const workspace = `${WORKSPACE}sources:\n  - { dbt: { manifest: target/manifest.json }, domain: crm }\n`;
    const base = await dirOf({ 'meshwatch.yaml': workspace });
    const next = await dirOf({ 'meshwatch.yaml': workspace, 'target/manifest.json': manifest(['customer_id']) });
    const missing = await cli(['preflight', '--config', next, '--base', base], { now: NOW });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/the base config \(.*\) is invalid:[\s\S]*manifest "target\/manifest\.json" not found[\s\S]*--base-manifest PATH/);
  });

  it('preflight on products imported from ODCS contracts', async () => {
    const contract = (extra: string) =>
      `apiVersion: v3.0.2\nkind: DataContract\nid: c1\nversion: 1.0.0\nstatus: active\ndomain: crm\nschema:\n  - name: customers\n    properties:\n      - name: customer_id\n        physicalType: INTEGER\n${extra}`;
    const files = (extra: string) => ({
      'meshwatch.yaml': `${WORKSPACE}sources:\n  - { odcs: "contracts/*.odcs.yaml", schema: crm }\n`,
      'contracts/customers.odcs.yaml': contract(extra),
      'consumers/all.yaml': 'consumers:\n  - { id: finance.dash, domain: finance, uses: [{ product: crm.customers, columns: [score] }] }\n  - { id: marketing.m, domain: marketing, uses: [{ product: crm.customers, columns: [customer_id] }] }\n',
    });
    const base = await dirOf(files('      - name: score\n        physicalType: INTEGER\n'));
    const next = await dirOf(files('      - name: score\n        physicalType: VARCHAR\n'));
    const run = await cli(['preflight', '--config', next, '--base', base, '--format', 'json'], { now: NOW });
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as { breaking: Array<{ kind: string; file: string; impact: { consumers: Array<{ id: string }> } }> };
    expect(report.breaking.map((c) => [c.kind, c.file])).toEqual([['type_changed', 'contracts/customers.odcs.yaml']]);
    expect(report.breaking[0]!.impact.consumers.map((c) => c.id)).toEqual(['finance.dash']);
    expect(run.code).toBe(1);
    // An ODCS product has no product file of its own: meshwatch.yaml acknowledges it, and validate warns instead of failing.
    const acked = await dirOf({
      ...files(''),
      'meshwatch.yaml': `${WORKSPACE}sources:\n  - { odcs: "contracts/*.odcs.yaml", schema: crm }\nbreakingChanges:\n  - { product: crm.customers, column: score, notice: "score moves to crm.scores", until: 2026-03-31 }\n`,
    });
    const ok = await cli(['preflight', '--config', acked, '--base', base], { now: NOW });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/column score removed .*\n.*acknowledged until 2026-03-31 in meshwatch\.yaml: score moves to crm\.scores/);
    const validate = await cli(['validate', '--config', acked], { now: NOW });
    expect(validate.code).toBe(0);
    expect(validate.stderr).toMatch(/warning: consumers\/all\.yaml: consumers\[0\]\.uses\[0\]\.columns\[0\]: crm\.customers has no column "score".*acknowledged/);
    expect((await cli(['validate', '--config', acked], { now: new Date('2026-04-01T00:00:00Z') })).code).toBe(2);
  });
});

describe('markdown for a pull-request comment', () => {
  it('matches the golden file: summary line first, details collapsed, the acknowledgement to add', async () => {
    const { base, next } = await pair((f) => {
      let out = replaceIn(f, 'products/customers.yaml', '    - { name: consent, type: BOOLEAN, nullable: false }\n', '');
      out = replaceIn(out, 'products/customers.yaml', '    - { name: segment, type: VARCHAR }\n', '');
      out = replaceIn(out, 'products/customers.yaml', '"VARCHAR(100)" }', '"VARCHAR(100)" }\n    - { name: phone, type: VARCHAR }');
      out = replaceIn(out, 'products/customers.yaml', /$/, 'breakingChanges:\n  - { column: segment, notice: "see segment_v2 in crm.segments", until: 2026-04-30 }\n');
      out = replaceIn(out, 'products/orders.yaml', 'columns: [customer_id] }', 'columns: [customer_id, consent] }');
      return out;
    });
    const run = await cli(['preflight', '--config', next, '--base', base, '--format', 'markdown'], { now: NOW });
    expect(run.code).toBe(1);
    // Temp directory names vary: the golden has placeholders for them.
    const text = run.stdout.replaceAll(base, '<base>');
    const goldenFile = path.join(REPO, 'tests/golden/preflight.md');
    // UPDATE_GOLDEN=1 rewrites it after a deliberate change of the format; review the diff.
    if (process.env.UPDATE_GOLDEN === '1') await writeFile(goldenFile, text);
    const golden = await readFile(goldenFile, 'utf8');
    expect(text).toBe(golden);
    expect(text.split('\n')[0]).toMatch(/^❌ \*\*meshwatch preflight\*\*: 1 unacknowledged breaking change hurts/);
  });

  it('escapes what config values hold (a notice cannot open a tag, a table cell or emphasis)', async () => {
    const { base, next } = await pair((f) =>
      replaceIn(
        replaceIn(f, 'products/customers.yaml', '    - { name: consent, type: BOOLEAN, nullable: false }\n', ''),
        'products/customers.yaml',
        /$/,
        'breakingChanges:\n  - { column: consent, notice: "<img src=x> | **now**", until: 2026-04-30 }\n',
      ),
    );
    const run = await cli(['preflight', '--config', next, '--base', base, '--format', 'markdown'], { now: NOW });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/<img/);
    expect(run.stdout).toContain('&lt;img src=x&gt; \\| \\*\\*now\\*\\*');
  });
});

describe('Done when: the example mesh', () => {
  const copyMesh = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'meshwatch-demo-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await cp(path.join(REPO, 'examples/demo-mesh'), dir, { recursive: true, filter: (src) => !/\.duckdb(\.wal)?$/.test(src) });
    return dir;
  };
  const dropConsent = async (dir: string, extra = '') => {
    const file = path.join(dir, 'products/customers.yaml');
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/consent_marketing/);
    await writeFile(file, text.replace(/^ {4}- \{ name: consent_marketing.*\n/m, '') + extra);
  };

  it('crm.customers dropping consent_marketing exits 1 naming the readers in other business units; acknowledged, exit 0', async () => {
    const dir = await copyMesh();
    await dropConsent(dir);
    const run = await cli(['preflight', '--config', dir, '--base', path.join(REPO, 'examples/demo-mesh'), '--format', 'json'], { now: NOW });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      breaking: Array<{ kind: string; column: string; impact: { consumers: Array<{ id: string; businessUnit: string }>; products: Array<{ id: string; businessUnit: string }> } }>;
    };
    expect(report.breaking.map((c) => [c.kind, c.column])).toEqual([['column_removed', 'consent_marketing']]);
    const { consumers, products } = report.breaking[0]!.impact;
    expect(consumers.map((c) => [c.id, c.businessUnit]).sort()).toEqual([
      ['compliance.gdpr-consent-register', 'Corporate'],
      ['marketing.email-campaigns', 'Marketing'],
    ]);
    expect(products.map((p) => [p.id, p.businessUnit])).toEqual([['marketing.customer-segments', 'Marketing']]);
    // Readers of other columns are not named (demo README, planted problem b).
    const text = await cli(['preflight', '--config', dir, '--base', path.join(REPO, 'examples/demo-mesh')], { now: NOW });
    for (const id of ['sales.showroom-lead-routing', 'aftersales.service-reminders', 'leasing.credit-decisioning']) expect(text.stdout).not.toContain(id);

    const acked = await copyMesh();
    await dropConsent(acked, 'breakingChanges:\n  - { column: consent_marketing, notice: "renamed to marketing_opt_in", until: 2026-04-30 }\n');
    const ok = await cli(['preflight', '--config', acked, '--base', path.join(REPO, 'examples/demo-mesh')], { now: NOW });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/compliance\.gdpr-consent-register/);
    expect(ok.stderr).toMatch(/warning: consumers\/compliance\.yaml: .*acknowledged breaking change until 2026-04-30/);
  });

  it('the example mesh validates without tier lineage warnings: its two limited readers of crm.customers are justified', async () => {
    const config = await loadConfig(path.join(REPO, 'examples/demo-mesh'), { env: {} });
    expect(config.warnings).toEqual([]);
    expect(config.products.filter((p) => p.tierJustification !== undefined).map((p) => p.id).sort()).toEqual(['ecommerce.orders', 'sales.deals']);
    const error = await loadConfigWithDangling(path.join(REPO, 'examples/demo-mesh'), { env: {} });
    expect(error.dangling).toEqual([]);
  });
});
