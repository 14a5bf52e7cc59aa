import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKSPACE, writeConfigDir } from './support/config-dir.js';
import { SMALL_MESH } from './support/small-mesh.js';
import { cli, cliProcess, REPO } from './support/cli.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await writeConfigDir({ 'meshwatch.yaml': WORKSPACE, ...SMALL_MESH }));
});
afterAll(() => cleanup());

describe('meshwatch validate', () => {
  it('exits 0 on valid config and says what it found', async () => {
    const run = await cli(['validate', '--config', dir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('valid (4 domains, 5 products, 5 consumers, 5 lineage edges; warehouse duckdb)');
  });

  it('exits 2 on invalid config and lists every problem on stderr', async () => {
    const broken = await writeConfigDir({
      'meshwatch.yaml': WORKSPACE,
      'products/a.yaml': 'id: sales.a\ndomain: sales\ntier: secret\ntable: sales.a\n',
      'products/b.yaml': 'id: sales.b\ndomain: nowhere\ntier: open\ntable: sales.b\ninputs: [sales.zzz]\n',
    });
    try {
      const run = await cli(['validate', '--config', broken.dir]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('invalid config: 3 problems');
      expect(run.stderr).toContain('products/a.yaml: tier: expected one of open, limited, restricted, got "secret"');
      expect(run.stderr).toContain('products/b.yaml: domain: unknown domain "nowhere"');
      expect(run.stderr).toContain('products/b.yaml: inputs[0]: unknown product "sales.zzz"');
    } finally {
      await broken.cleanup();
    }
  });

  it('accepts the example mesh, and lists every problem of a copy with several broken files', async () => {
    const examples = path.join(REPO, 'examples/demo-mesh');
    const ok = cliProcess(['validate', '--config', examples]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/valid \(10 domains, 16 products, 18 consumers/);

    const copy = await mkdtemp(path.join(tmpdir(), 'meshwatch-broken-examples-'));
    try {
      await cp(examples, copy, { recursive: true, filter: (src) => !src.endsWith('.duckdb') });
      const edit = async (file: string, from: RegExp, to: string) => {
        const text = await readFile(path.join(copy, file), 'utf8');
        expect(text).toMatch(from);
        await writeFile(path.join(copy, file), text.replace(from, to));
      };
      await edit('products/vehicles.yaml', /maxAge: 2h/, 'maxAge: soon');
      await edit('products/deals.yaml', /^tier: \w+/m, 'tier: secret');
      await edit('consumers/finance.yaml', /product: sales\.deals/, 'product: sales.dealz');
      await edit('meshwatch.yaml', /timezone: Europe\/London/, 'timezone: Mars/Olympus');
      const run = cliProcess(['validate', '--config', copy]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('products/vehicles.yaml: freshness.maxAge: expected a duration like 2h, got "soon"');
      expect(run.stderr).toContain('products/deals.yaml: tier: expected one of open, limited, restricted, got "secret"');
      expect(run.stderr).toMatch(/consumers\/finance\.yaml: consumers\[\d+\]\.uses\[\d+\]: unknown product "sales\.dealz"/);
      expect(run.stderr).toContain('meshwatch.yaml: defaults.timezone: expected an IANA time zone like UTC or Europe/Berlin, got "Mars/Olympus"');
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('exits 2 on usage errors', async () => {
    expect((await cli(['validate', '--confg', dir])).code).toBe(2);
    expect((await cli(['frobnicate'])).stderr).toContain('unknown command "frobnicate"');
    expect((await cli(['impact', '--config', dir])).stderr).toContain('impact needs a product id');
    expect((await cli(['impact', 'sales.orders', '--config', dir, '--format', 'yaml'])).code).toBe(2);
  });
});

describe('meshwatch impact', () => {
  it('prints the impact object with product added, as DESIGN.md shows', async () => {
    const run = await cli(['impact', 'sales.orders', '--config', dir, '--columns', 'amount', '--format', 'json']);
    expect(run.code).toBe(0);
    const impact = JSON.parse(run.stdout);
    expect(impact.product).toBe('sales.orders');
    // marketing.segments reads every column of sales.orders, so amount breaks it too.
    expect(impact.domains).toEqual(['finance', 'marketing', 'sales']);
    expect(impact.products).toEqual([
      { id: 'finance.revenue', domain: 'finance', businessUnit: 'Finance', via: ['sales.orders', 'finance.revenue'], columns: ['amount'] },
      { id: 'marketing.segments', domain: 'marketing', businessUnit: 'Marketing', via: ['sales.orders', 'marketing.segments'] },
      { id: 'finance.pnl', domain: 'finance', businessUnit: 'Finance', via: ['sales.orders', 'finance.revenue', 'finance.pnl'] },
    ]);
    expect(impact.consumers).toContainEqual({
      id: 'finance.revenue-dashboard',
      domain: 'finance',
      businessUnit: 'Finance',
      channel: '#finance-revenue',
      via: ['sales.orders'],
      columns: ['amount'],
    });
    expect(impact.consumers.map((c: { id: string }) => c.id)).not.toContain('marketing.status-tracker');
  });

  it('prints text grouped by business unit and domain, with paths', async () => {
    const run = await cli(['impact', 'crm.customers', '--config', dir]);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('If crm.customers breaks (the whole product): 5 consumers and 4 downstream products in 3 business units, 3 domains');
    expect(lines).toContain('Finance');
    expect(lines).toContain('  finance (Group Finance)');
    expect(run.stdout).toMatch(/product {3}finance\.pnl +via crm\.customers → sales\.orders → finance\.revenue → finance\.pnl/);
    expect(lines.indexOf('Finance')).toBeLessThan(lines.indexOf('Marketing'));
  });

  it('exits 2 for an unknown product and suggests the nearest ids', async () => {
    const run = await cli(['impact', 'sales.ordrs', '--config', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('meshwatch: unknown product "sales.ordrs" (did you mean sales.orders?)\n');
  });

  it('works as the installed bin', () => {
    const help = cliProcess(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('meshwatch impact PRODUCT --config DIR');
    const run = cliProcess(['impact', 'finance.pnl', '--config', dir, '--format', 'json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).consumers.map((c: { id: string }) => c.id)).toEqual(['finance.cfo-dashboard']);
  });
});
