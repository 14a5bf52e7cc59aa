import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoWarehouse, PLANTED_PROBLEMS } from '../scripts/build-demo-warehouse.js';
import { cli, REPO } from './support/cli.js';
import { WORKSPACE, writeConfigDir } from './support/config-dir.js';
import { buildDuckdb } from './support/duckdb.js';
import { startFakeSnowflake } from './support/fake-snowflake.js';

const NOW = new Date('2026-11-25T09:00:00.000Z');
let dir: string;
/** The example mesh without any warehouse file a local `npm run demo` left there. */
const copyMesh = (to: string) => cp(path.join(REPO, 'examples/demo-mesh'), to, { recursive: true, filter: (src) => !/\.duckdb(\.wal)?$/.test(src) });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'meshwatch-cli-check-'));
  await copyMesh(dir);
  await buildDemoWarehouse(path.join(dir, 'warehouse.duckdb'), NOW);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Report {
  results: Array<{ product: string; check: string; kind: string; status: string; message: string; columns: string[]; failingRows?: number }>;
  incidents: Array<{
    product: string;
    checks: string[];
    rootCause: string;
    impact: { domains: string[]; products: Array<{ id: string; domain: string; via: string[] }>; consumers: Array<{ id: string; domain: string; channel: string; via: string[] }> };
  }>;
  summary: { statuses: Record<string, number>; warehouseQueries: number };
  warehouse: { status: string; problem?: { code: string } };
}

async function checkJson(args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; report: Report; stderr: string }> {
  const run = await cli(['check', ...args, '--format', 'json'], { now: NOW, ...(env ? { env } : {}) });
  return { code: run.code, report: JSON.parse(run.stdout) as Report, stderr: run.stderr };
}

describe('meshwatch check', () => {
  it('prints the JSON report of DESIGN.md and exits 1 when a check fails', async () => {
    const { code, report } = await checkJson(['--config', dir]);
    expect(code).toBe(1);
    for (const r of report.results) {
      expect(Object.keys(r)).toEqual(expect.arrayContaining(['product', 'check', 'kind', 'status', 'message', 'columns']));
    }
    expect(report.incidents.map((i) => i.product).sort()).toEqual(
      [PLANTED_PROBLEMS.contract.product, PLANTED_PROBLEMS.droppedColumn.product, PLANTED_PROBLEMS.staleUpstream.product, PLANTED_PROBLEMS.stale.product].sort(),
    );
    const stale = report.incidents.find((i) => i.product === PLANTED_PROBLEMS.stale.product)!;
    expect(stale).toMatchObject({ checks: ['freshness'], rootCause: PLANTED_PROBLEMS.stale.product });
    for (const p of stale.impact.products) expect(p.via[0]).toBe(PLANTED_PROBLEMS.stale.product);
    for (const c of stale.impact.consumers) expect(c.channel).toMatch(/^#/);
    expect(report.summary.statuses.fail).toBe(4);
  });

  it('names the stale upstream as root cause of the downstream incident', async () => {
    const { report } = await checkJson(['--config', dir]);
    expect(report.incidents.find((i) => i.product === PLANTED_PROBLEMS.staleUpstream.product)?.rootCause).toBe(PLANTED_PROBLEMS.staleUpstream.rootCause);
  });

  it('attaches column-aware impact: only consumers reading the dropped column are hurt', async () => {
    const { report } = await checkJson(['--config', dir]);
    const dropped = report.incidents.find((i) => i.product === PLANTED_PROBLEMS.droppedColumn.product)!;
    expect(dropped.checks).toEqual(['schema']);
    const consumers = dropped.impact.consumers.map((c) => c.id).sort();
    expect(consumers).toEqual(['compliance.gdpr-consent-register', 'marketing.email-campaigns']);
    expect(dropped.impact.products.map((p) => p.id)).toEqual(['marketing.customer-segments']);
  });

  it('exits 0 when every check of the selected product passes', async () => {
    const run = await cli(['check', '--config', dir, '--product', 'inventory.dealers'], { now: NOW });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^meshwatch check · 1 product · \d+ checks: \d+ pass, 0 warn, 0 fail, 0 error/);
    expect(run.stdout).toContain('PASSING: 1 product: inventory.dealers');
  });

  it('prints failing products first in text, with who is hurt by business unit', async () => {
    const run = await cli(['check', '--config', dir], { now: NOW });
    expect(run.code).toBe(1);
    const failing = run.stdout.indexOf('FAILING: 4 products');
    expect(failing).toBeGreaterThan(0);
    expect(run.stdout.indexOf('PASSING')).toBeGreaterThan(failing);
    expect(run.stdout).toContain('4 failing products in 3 root incidents');
    expect(run.stdout).toContain(`probably caused upstream by ${PLANTED_PROBLEMS.stale.product}`);
    expect(run.stdout).toMatch(new RegExp(`↳ ${PLANTED_PROBLEMS.staleUpstream.product.replace('.', '\\.')} .*freshness: stale`));
    expect(run.stdout).toContain('Who is hurt (broken columns: consent_marketing): 2 consumers and 1 downstream product in 2 business units, 2 domains');
  });

  it('reports an unreachable warehouse once, with every check as error and none as fail', async () => {
    const broken = await mkdtemp(path.join(tmpdir(), 'meshwatch-cli-down-'));
    try {
      await copyMesh(broken);
      const { code, report } = await checkJson(['--config', broken]);
      expect(code).toBe(1);
      expect(report.results.length).toBeGreaterThan(0);
      expect(report.results.every((r) => r.status === 'error')).toBe(true);
      expect(report.incidents).toEqual([]);
      expect(report.warehouse).toMatchObject({ status: 'unavailable', problem: { code: 'WAREHOUSE_UNREACHABLE' } });

      const text = await cli(['check', '--config', broken], { now: NOW });
      expect(text.stdout.match(/unavailable/g)).toHaveLength(1);
      expect(text.stdout).not.toContain('FAILING');
      expect(text.stdout).toContain(`COULD NOT EVALUATE: ${report.results.length} checks`);
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });

  it('exits 2 for freshness without a column on DuckDB, naming the product', async () => {
    const bad = await mkdtemp(path.join(tmpdir(), 'meshwatch-cli-bad-'));
    try {
      await cp(dir, bad, { recursive: true });
      const file = path.join(bad, 'products/vehicles.yaml');
      await writeFile(file, (await readFile(file, 'utf8')).replace(/freshness:.*\n/, 'freshness: { maxAge: 2h }\n'));
      const run = await cli(['check', '--config', bad], { now: NOW });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('products/vehicles.yaml: freshness.column: inventory.vehicles: duckdb records no last-modified time');
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });

  it('gives the same report on Snowflake (driver + local server) as on DuckDB', async () => {
    const snow = await mkdtemp(path.join(tmpdir(), 'meshwatch-cli-snow-'));
    const fake = await startFakeSnowflake({ duckdbPath: path.join(dir, 'warehouse.duckdb'), users: { MESHWATCH: { password: 'pw-from-env' } } });
    try {
      await copyMesh(snow);
      const workspace = await readFile(path.join(snow, 'meshwatch.yaml'), 'utf8');
      await writeFile(
        path.join(snow, 'meshwatch.yaml'),
        workspace.replace(
          /^warehouse:.*$/m,
          `warehouse: { type: snowflake, account: acme-test, user: MESHWATCH, password: "\${SF_PASSWORD}", role: MESHWATCH_READER, warehouse: MONITORING, database: WAREHOUSE, accessUrl: "${fake.url}" }`,
        ),
      );
      // The demo mesh declares freshness columns everywhere, so both engines read the same signal.
      const duck = await checkJson(['--config', dir]);
      const sf = await checkJson(['--config', snow], { ...process.env, SF_PASSWORD: 'pw-from-env', MESHWATCH_LOG_LEVEL: 'silent' });
      expect(sf.report.warehouse.status).toBe('ok');
      expect(sf.code).toBe(duck.code);
      const comparable = (r: Report) => ({
        results: r.results.map(({ product, check, kind, status, columns, failingRows }) => ({ product, check, kind, status, columns, failingRows })),
        incidents: r.incidents,
      });
      expect(comparable(sf.report)).toEqual(comparable(duck.report));
      // Messages agree too, up to case: Snowflake reports the names it stores (MARKETING_OPT_IN).
      const messages = (r: Report) => r.results.map((x) => x.message.toLowerCase());
      expect(messages(sf.report)).toEqual(messages(duck.report));
      // Every statement carried a query tag naming meshwatch.
      expect(fake.queries.length).toBeGreaterThan(0);
      for (const q of fake.queries) expect(q.queryTag).toMatchObject({ app: 'meshwatch' });
    } finally {
      await fake.close();
      await rm(snow, { recursive: true, force: true });
    }
  });

  it('writes integers beyond 2^53 in example values as strings in JSON', async () => {
    const { dir: big, cleanup } = await writeConfigDir({
      'meshwatch.yaml': WORKSPACE,
      'products/events.yaml': 'id: sales.events\ndomain: sales\ntier: open\ntable: sales.events\ncontract: { unique: [id] }\n',
    });
    try {
      await buildDuckdb(path.join(big, 'warehouse.duckdb'), [
        'create schema sales; create table sales.events (id bigint)',
        'insert into sales.events values (9007199254740993), (9007199254740993), (1)',
      ]);
      const { code, report } = await checkJson(['--config', big]);
      expect(code).toBe(1);
      expect(report.results[0]).toMatchObject({ check: 'contract.unique.id', status: 'fail', failingRows: 1, samples: ['9007199254740993'] });
    } finally {
      await cleanup();
    }
  });

  it('reads freshness from LAST_ALTERED on Snowflake when no column is declared', async () => {
    const { dir: cfg, cleanup } = await writeConfigDir({
      'meshwatch.yaml': WORKSPACE.replace(
        /^warehouse:.*$/m,
        'warehouse: { type: snowflake, account: acme-test, user: MESHWATCH, password: "${SF_PASSWORD}", database: WAREHOUSE, accessUrl: "ACCESS_URL" }',
      ),
      'products/orders.yaml': 'id: sales.orders\ndomain: sales\ntier: open\ntable: sales.orders\nfreshness: { maxAge: 2h, warnAge: 1h }\n',
      'products/open-orders.yaml': 'id: sales.open-orders\ndomain: sales\ntier: open\ntable: sales.open_orders\nfreshness: { maxAge: 2h }\n',
    });
    await buildDuckdb(path.join(cfg, 'warehouse.duckdb'), [
      'create schema sales; create table sales.orders (id integer)',
      'insert into sales.orders values (1)',
      'create view sales.open_orders as select * from sales.orders',
    ]);
    const fake = await startFakeSnowflake({
      duckdbPath: path.join(cfg, 'warehouse.duckdb'),
      users: { MESHWATCH: { password: 'pw' } },
      lastAltered: new Date(NOW.getTime() - 90 * 60_000),
    });
    try {
      const file = path.join(cfg, 'meshwatch.yaml');
      await writeFile(file, (await readFile(file, 'utf8')).replace('ACCESS_URL', fake.url));
      const { report } = await checkJson(['--config', cfg], { ...process.env, SF_PASSWORD: 'pw', MESHWATCH_LOG_LEVEL: 'silent' });
      expect(report.results).toEqual([
        // A view has no data-change time: asking for a column is the honest answer.
        expect.objectContaining({ product: 'sales.open-orders', check: 'freshness', status: 'error', errorCode: 'CHECK_CONFIG' }),
        expect.objectContaining({
          product: 'sales.orders',
          check: 'freshness',
          status: 'warn',
          message: 'getting stale: warehouse last-modified time = 2026-11-25T07:30:00.000Z, 1 h 30 min old; warn after 1h, fail after 2h',
        }),
      ]);
      // Metadata only: no scan of the table was needed.
      expect(fake.queries.filter((q) => (q.queryTag as { op?: string }).op === 'query')).toEqual([]);
    } finally {
      await fake.close();
      await cleanup();
    }
  });
});
