import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMesh, writeMeshConfig } from '../bench/generate-mesh.js';
import { addHubs } from '../bench/storm.bench.js';
import { Catalog } from '../catalog/catalog.js';
import { impactOf } from '../catalog/impact.js';
import { analyzeIncidents, type Incident } from '../checks/incidents.js';
import { buildReport, writeReportJson, type CheckReport } from '../checks/report.js';
import type { CheckResult } from '../checks/result.js';
import { formatCheckReport, NAMES_PER_UNIT } from '../cli/format-check.js';
import { loadConfig } from '../config/load.js';
import { WORKSPACE, writeConfigDir } from './support/config-dir.js';
import { SMALL_MESH } from './support/small-mesh.js';

const AT = '2026-11-25T09:00:00.000Z';
const fail = (product: string, check = 'freshness', columns: string[] = []): CheckResult => ({
  product,
  check,
  kind: check === 'schema' ? 'schema' : check === 'freshness' ? 'freshness' : 'contract',
  status: 'fail',
  message: `${check} failed`,
  columns,
  at: AT,
});
const pass = (product: string): CheckResult => ({ ...fail(product), status: 'pass', message: 'fresh' });

let catalog: Catalog;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const written = await writeConfigDir({
    'meshwatch.yaml': WORKSPACE,
    ...SMALL_MESH,
    // An island: nothing links it to the small mesh.
    'products/targets.yaml': 'id: sales.targets\ndomain: sales\ntier: open\ntable: sales.targets\n',
    'consumers/targets.yaml': 'consumers:\n  - { id: finance.target-tracker, domain: finance, uses: [sales.targets] }\n',
  });
  cleanup = written.cleanup;
  catalog = new Catalog(await loadConfig(written.dir));
});
afterAll(() => cleanup());

const roots = (incidents: readonly Incident[]) => Object.fromEntries(incidents.map((i) => [i.product, i.rootCause]));

describe('root-cause groups', () => {
  it('names the head of a chain as root of every failure below it, with one group and the full impact on the root only', () => {
    const { incidents, groups } = analyzeIncidents(catalog, [fail('crm.customers'), fail('sales.orders'), fail('finance.revenue'), pass('marketing.segments'), fail('finance.pnl')]);
    expect(roots(incidents)).toEqual({ 'crm.customers': 'crm.customers', 'sales.orders': 'crm.customers', 'finance.revenue': 'crm.customers', 'finance.pnl': 'crm.customers' });
    expect(groups).toHaveLength(1);
    expect(groups[0]!.products).toEqual(['crm.customers', 'sales.orders', 'finance.revenue', 'finance.pnl']);
    const root = incidents.find((i) => i.product === 'crm.customers')!;
    expect(root.impactScope).toBe('full');
    expect(root.impact).toEqual(impactOf(catalog, 'crm.customers'));
    for (const caused of incidents.filter((i) => i.product !== 'crm.customers')) {
      expect(caused.impactScope).toBe('beyondRoot');
      expect(caused.impact.products).toEqual([]);
      expect(caused.impact.consumers).toEqual([]);
    }
    expect(groups[0]!.counts).toEqual({ consumers: 5, products: 4, domains: 3, businessUnits: 3 });
  });

  it('settles a diamond: the product below both branches is caused by the root above them, listed nearest first', () => {
    const { incidents, groups } = analyzeIncidents(catalog, [fail('finance.pnl'), fail('marketing.segments'), fail('finance.revenue'), fail('sales.orders')]);
    expect(new Set(Object.values(roots(incidents)))).toEqual(new Set(['sales.orders']));
    expect(groups.map((g) => g.products)).toEqual([['sales.orders', 'finance.revenue', 'marketing.segments', 'finance.pnl']]);
    // Incidents stay in the order of the results that opened them.
    expect(incidents.map((i) => i.product)).toEqual(['finance.pnl', 'marketing.segments', 'finance.revenue', 'sales.orders']);
  });

  it('keeps independent failures apart, largest blast radius first', () => {
    const { incidents, groups } = analyzeIncidents(catalog, [fail('sales.targets'), fail('crm.customers'), fail('sales.orders')]);
    expect(roots(incidents)).toEqual({ 'sales.targets': 'sales.targets', 'crm.customers': 'crm.customers', 'sales.orders': 'crm.customers' });
    expect(groups.map((g) => [g.rootCause, g.counts.consumers])).toEqual([
      ['crm.customers', 5],
      ['sales.targets', 1],
    ]);
    expect(groups[1]!.counts).toEqual({ consumers: 1, products: 0, domains: 1, businessUnits: 1 });
  });

  it('does not blame an upstream whose broken columns a product does not read', () => {
    // sales.orders breaks only `status`; finance.revenue reads only `amount`, marketing.segments reads everything.
    const { incidents, groups } = analyzeIncidents(catalog, [fail('sales.orders', 'schema', ['status']), fail('finance.revenue'), fail('marketing.segments')]);
    expect(roots(incidents)).toEqual({ 'sales.orders': 'sales.orders', 'finance.revenue': 'finance.revenue', 'marketing.segments': 'sales.orders' });
    expect(groups.map((g) => g.rootCause).sort()).toEqual(['finance.revenue', 'sales.orders']);
    const orders = incidents.find((i) => i.product === 'sales.orders')!;
    expect(orders.brokenColumns).toEqual(['status']);
    expect(orders.impact.products.map((p) => p.id).sort()).toEqual(['finance.pnl', 'marketing.segments']);
  });

  it('follows a cause through a failing product that does not itself pass the breakage on', () => {
    // crm.customers is wholly stale; sales.orders fails only in `status`, which finance.revenue does not read.
    // finance.revenue is still reached by crm.customers through sales.orders, which counts as wholly broken past the first hop.
    const { incidents } = analyzeIncidents(catalog, [fail('crm.customers'), fail('sales.orders', 'schema', ['status']), fail('finance.revenue')]);
    expect(roots(incidents)).toEqual({ 'crm.customers': 'crm.customers', 'sales.orders': 'crm.customers', 'finance.revenue': 'crm.customers' });
  });

  it('never lists a consumer twice for one root cause', () => {
    const { incidents, groups } = analyzeIncidents(catalog, ['crm.customers', 'sales.orders', 'finance.revenue', 'marketing.segments', 'finance.pnl'].map((p) => fail(p)));
    for (const group of groups) {
      const listed = incidents.filter((i) => i.rootCause === group.rootCause).flatMap((i) => i.impact.consumers.map((c) => c.id));
      expect(new Set(listed).size).toBe(listed.length);
      expect(listed.length).toBe(group.counts.consumers);
    }
  });
});

describe('a storm on a generated mesh of 6,000 products', () => {
  let storm: Catalog;
  let dir: string;
  let hubs: string[];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'meshwatch-storm-'));
    const mesh = generateMesh(6000);
    hubs = addHubs(mesh, 3);
    await writeMeshConfig(mesh, dir, 'unused.duckdb');
    storm = new Catalog(await loadConfig(dir));
    // Writing and loading 6,000 files takes seconds, more on a busy machine.
  }, 180_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const reportOf = (results: CheckResult[]): CheckReport =>
    buildReport(storm, { results, queries: 0 }, { products: storm.products.size, engine: 'duckdb', durationMs: 0 });

  it('streams a JSON report that parses and holds every result when every product fails', () => {
    const results = [...storm.products.keys()].map((id) => fail(id, 'schema', ['value']));
    const report = reportOf(results);
    const chunks: string[] = [];
    writeReportJson(report, (chunk) => chunks.push(chunk));
    expect(chunks.length).toBeGreaterThan(1);
    const parsed = JSON.parse(chunks.join('')) as {
      results: unknown[];
      incidents: Array<{ product: string; rootCause: string; impactScope: string }>;
      groups: Array<{ rootCause: string; products: string[]; counts: Record<string, number> }>;
      summary: { failingProducts: number; rootIncidents: number };
    };
    expect(parsed.results).toHaveLength(6000);
    expect(parsed.incidents).toHaveLength(6000);
    // Every failing product is in exactly one group, and each group starts with its root.
    expect(parsed.groups.flatMap((g) => g.products).sort()).toEqual([...storm.products.keys()].sort());
    for (const g of parsed.groups) expect(g.products[0]).toBe(g.rootCause);
    expect(parsed.summary).toMatchObject({ failingProducts: 6000, rootIncidents: parsed.groups.length });
    expect(parsed.incidents.filter((i) => i.impactScope === 'full').length).toBe(parsed.groups.length);
    expect(JSON.parse(JSON.stringify(report, (_k, v: unknown) => v))).toEqual(parsed);
  });

  it('reads a few broken hubs as a few root incidents, capping names per business unit in text', () => {
    const sources = hubs;
    const failing = new Set(sources);
    for (const id of sources) for (const p of impactOf(storm, id).products) failing.add(p.id);
    const report = reportOf([...failing].map((id) => fail(id)));
    expect(report.groups.map((g) => g.rootCause).sort()).toEqual(sources.sort());
    expect(report.incidents.filter((i) => i.impactScope === 'beyondRoot').every((i) => i.impact.consumers.length === 0 && i.impact.products.length === 0)).toBe(true);

    const text = formatCheckReport(report, storm);
    const lines = text.split('\n');
    expect(lines[1]).toBe(`${failing.size} failing products in 3 root incidents`);
    // A large blast radius: one line per business unit, at most NAMES_PER_UNIT names, then "… and N more".
    const unitLines = lines.filter((l) => /^ {6}bu\d+ \(/.test(l));
    expect(unitLines.length).toBeGreaterThan(0);
    for (const line of unitLines) {
      const [, consumers, products, names, more] = /\((\d+) consumers?, (\d+) products?\): (.*?)(?: … and ([\d,]+) more)?$/.exec(line)!;
      const shown = names!.split(', ').length;
      expect(shown).toBeLessThanOrEqual(NAMES_PER_UNIT);
      expect(shown + Number((more ?? '0').replace(',', ''))).toBe(Number(consumers) + Number(products));
    }
    expect(text).toMatch(/ … and [\d,]+ more$/m);
    // One line per caused incident, under its root.
    const shownPerGroup = report.groups.map((g) => Math.min(g.products.length - 1, 25));
    expect(lines.filter((l) => l.startsWith('      ↳ ')).length).toBe(shownPerGroup.reduce((a, b) => a + b, 0));
    expect(lines.length).toBeLessThan(1000);
  });
});
