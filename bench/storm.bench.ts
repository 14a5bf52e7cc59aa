/**
 * Incident storms: many failing products from few root causes.
 *
 * In process, on generated meshes (no warehouse: the failing results are
 * made up, so this measures grouping and reporting alone):
 * - "hubs": 3 source products that one product in seven reads (hubs) go
 *   stale, and everything downstream of them fails too;
 * - "every product": every product fails its schema check on one column.
 * Each scenario runs in a child process of its own, so its peak memory
 * (max RSS) is its own.
 *
 * End to end: `meshwatch check` (the built CLI) on a 6,000-product DuckDB mesh
 * whose every product fails its schema check: exit code, whether the JSON
 * parses, report sizes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { Catalog } from '../catalog/catalog.js';
import { impactOf } from '../catalog/impact.js';
import { buildReport, writeReportJson } from '../checks/report.js';
import type { CheckResult } from '../checks/result.js';
import { formatCheckReport } from '../cli/format-check.js';
import { loadConfig } from '../config/load.js';
import { buildBenchWarehouse, BENCH_SCHEMAS } from './check-cycle.bench.js';
import { generateMesh, writeMeshConfig, type GeneratedMesh } from './generate-mesh.js';
import { ms, printTable } from './table.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;

type Scenario = 'sources' | 'every';

/**
 * Makes the first `count` source products hubs: one product in seven above
 * the source layer reads one of them. The generated mesh alone has no hubs
 * (its largest blast radius is a few dozen entries), and storms start at hubs.
 */
export function addHubs(mesh: GeneratedMesh, count: number): string[] {
  const hubs = mesh.products.filter((p) => p.layer === 0).slice(0, count).map((p) => p.id);
  mesh.products.forEach((p, i) => {
    if (p.layer > 0 && i % 7 === 0) p.inputs.push(hubs[i % count]!);
  });
  return hubs;
}

interface ChildResult {
  failing: number;
  roots: number;
  groupMs: number;
  jsonBytes: number;
  textBytes: number;
  textLines: number;
  maxRssBytes: number;
}

/** Runs in the child: builds the storm, groups it, writes both reports to counting sinks. */
export async function stormChild(size: number, scenario: Scenario): Promise<ChildResult> {
  const dir = await mkdtemp(path.join(tmpdir(), `meshwatch-bench-storm-${size}-`));
  try {
    const mesh = generateMesh(size);
    const hubs = scenario === 'sources' ? addHubs(mesh, 3) : [];
    await writeMeshConfig(mesh, dir, 'unused.duckdb');
    const catalog = new Catalog(await loadConfig(dir));
    const at = new Date().toISOString();
    const failing = new Set<string>();
    if (scenario === 'sources') {
      for (const id of hubs) {
        failing.add(id);
        for (const p of impactOf(catalog, id).products) failing.add(p.id);
      }
    } else for (const id of catalog.products.keys()) failing.add(id);
    const results: CheckResult[] = [...failing].map((product) =>
      scenario === 'sources'
        ? { product, check: 'freshness', kind: 'freshness', status: 'fail', message: 'stale', columns: [], at }
        : { product, check: 'schema', kind: 'schema', status: 'fail', message: 'column value changed type', columns: ['value'], at },
    );
    const start = performance.now();
    const report = buildReport(catalog, { results, queries: 0 }, { products: catalog.products.size, engine: 'duckdb', durationMs: 0 });
    const groupMs = performance.now() - start;
    let jsonBytes = 0;
    writeReportJson(report, (chunk) => {
      jsonBytes += Buffer.byteLength(chunk);
    });
    const text = formatCheckReport(report, catalog);
    return {
      failing: report.incidents.length,
      roots: report.groups.length,
      groupMs,
      jsonBytes,
      textBytes: Buffer.byteLength(text),
      textLines: text.split('\n').length,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `meshwatch check` end to end on a DuckDB mesh whose every product fails its schema check. */
async function endToEnd(size: number): Promise<string[]> {
  const file = path.join(tmpdir(), `meshwatch-bench-v1-${size}.duckdb`);
  await buildBenchWarehouse(file, size);
  const dir = await mkdtemp(path.join(tmpdir(), `meshwatch-bench-storm-e2e-${size}-`));
  try {
    await writeMeshConfig(generateMesh(size, { schemas: BENCH_SCHEMAS }), dir, file);
    // Declare `value` as text: every product's schema check now fails on that column.
    const products = path.join(dir, 'products');
    for (const name of await readdir(products)) {
      const f = path.join(products, name);
      await writeFile(f, (await readFile(f, 'utf8')).replace('type: DECIMAL(12,2)', 'type: VARCHAR'));
    }
    const bin = path.join(ROOT, 'dist', 'cli', 'main.js');
    const cli = async (format: string) => {
      const start = performance.now();
      const out = await run(process.execPath, [bin, 'check', '--config', dir, '--format', format], { maxBuffer: 2 ** 31 - 1, encoding: 'utf8' }).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (err: { code?: number; stdout?: string }) => ({ code: err.code ?? -1, stdout: err.stdout ?? '' }),
      );
      return { ...out, ms: performance.now() - start };
    };
    const json = await cli('json');
    let parses = 'yes';
    let roots = '?';
    try {
      const parsed = JSON.parse(json.stdout) as { results: unknown[]; groups: unknown[] };
      roots = parsed.groups.length.toLocaleString('en-US');
      if (parsed.results.length === 0) parses = 'no results';
    } catch (err) {
      parses = `no (${(err as Error).message.slice(0, 40)})`;
    }
    const text = await cli('text');
    return [size.toLocaleString('en-US'), String(json.code), parses, roots, mb(Buffer.byteLength(json.stdout)), ms(json.ms), String(text.code), text.stdout.split('\n').length.toLocaleString('en-US'), mb(Buffer.byteLength(text.stdout)), ms(text.ms)];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchStorm(sizes: readonly number[]): Promise<void> {
  const rows: string[][] = [];
  for (const size of sizes) {
    for (const scenario of ['sources', 'every'] as const) {
      const { stdout } = await run(process.execPath, ['--max-old-space-size=8192', path.join(ROOT, 'dist', 'bench', 'storm-child.js'), String(size), scenario], {
        maxBuffer: 1 << 20,
      });
      const r = JSON.parse(stdout) as ChildResult;
      rows.push([
        size.toLocaleString('en-US'),
        scenario === 'sources' ? '3 hubs go stale' : 'every product fails',
        r.failing.toLocaleString('en-US'),
        r.roots.toLocaleString('en-US'),
        ms(r.groupMs),
        mb(r.jsonBytes),
        `${r.textLines.toLocaleString('en-US')} lines, ${mb(r.textBytes)}`,
        mb(r.maxRssBytes),
      ]);
    }
  }
  printTable(
    'Incident storms, in process (grouping and reports; results made up, no warehouse)',
    ['products', 'storm', 'failing products', 'root incidents', 'incidents + groups', 'JSON report', 'text report', 'peak RSS (whole process)'],
    rows,
  );
  const e2e: string[][] = [];
  for (const size of sizes.filter((s) => s <= 6000)) e2e.push(await endToEnd(size));
  if (e2e.length > 0) {
    printTable(
      '`meshwatch check` end to end on DuckDB, every product failing its schema check',
      ['products', 'json exit', 'JSON parses', 'root incidents', 'JSON size', 'json time', 'text exit', 'text lines', 'text size', 'text time'],
      e2e,
    );
  }
}
