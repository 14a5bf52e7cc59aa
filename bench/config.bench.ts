/**
 * Config benchmark: `meshwatch validate` and `meshwatch impact` end to end
 * (the built CLI spawned, process start to exit, nothing cached between
 * runs), and incremental reloads of one product file (catalog/mesh-loader.ts).
 */
import { spawnSync } from 'node:child_process';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { MeshLoader } from '../catalog/mesh-loader.js';
import { generateMesh, writeMeshConfig } from './generate-mesh.js';
import { ms, percentile, printTable } from './table.js';

const CLI = path.resolve(import.meta.dirname, '..', 'cli', 'main.js');

function timeCli(args: string[]): { ms: number; code: number | null } {
  const start = performance.now();
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, MESHWATCH_LOG_LEVEL: 'silent' }, maxBuffer: 1 << 28 });
  return { ms: performance.now() - start, code: run.status };
}

export async function benchConfig(sizes: readonly number[]): Promise<void> {
  const endToEnd: string[][] = [];
  const reloads: string[][] = [];
  for (const size of sizes) {
    const mesh = generateMesh(size);
    const dir = await mkdtemp(path.join(tmpdir(), `meshwatch-bench-config-${size}-`));
    try {
      await writeMeshConfig(mesh, dir, 'unused.duckdb');
      const hub = mesh.products[0]!.id;
      const validate = timeCli(['validate', '--config', dir]);
      const impact = timeCli(['impact', hub, '--config', dir, '--format', 'json']);
      const noop = timeCli(['--help']);
      endToEnd.push([
        size.toLocaleString('en-US'),
        `${ms(validate.ms)}${validate.code === 0 ? '' : ` (exit ${validate.code})`}`,
        `${ms(impact.ms)}${impact.code === 0 ? '' : ` (exit ${impact.code})`}`,
        ms(noop.ms),
      ]);

      let start = performance.now();
      const loader = MeshLoader.open(dir);
      const openMs = performance.now() - start;
      // A product in the middle layers: it has inputs, downstream products and consumers.
      const target = mesh.products[Math.floor(size * 0.6)]!;
      const file = path.join(dir, 'products', `${target.table}.yaml`);
      const original = await readFile(file, 'utf8');
      const times: number[] = [];
      for (let i = 0; i < 9; i++) {
        await writeFile(file, original.replace('maxAge: 3650d', `maxAge: ${3000 + i}d`));
        start = performance.now();
        const result = loader.reload([file]);
        times.push(performance.now() - start);
        if (!result.ok || result.full) throw new Error(`bench reload was not incremental: ${result.ok ? 'full' : result.error.message}`);
      }
      times.sort((a, b) => a - b);
      await writeFile(file, original.replace(/inputs:\n/, 'inputs:\n  - no.such-product\n').replace('inputs: []', 'inputs: [no.such-product]'));
      start = performance.now();
      const rejected = loader.reload([file]);
      const rejectMs = performance.now() - start;
      if (rejected.ok) throw new Error('bench reload with an unknown input was accepted');
      await writeFile(file, original);
      loader.reload([file]);
      start = performance.now();
      loader.reload();
      const discoverMs = performance.now() - start;
      reloads.push([size.toLocaleString('en-US'), ms(openMs), ms(percentile(times, 50)), ms(times[times.length - 1]!), ms(rejectMs), ms(discoverMs)]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  printTable('Config end to end (the built CLI spawned, process start to exit; --help for the start-up floor)', ['products', 'validate', 'impact --format json', 'meshwatch --help'], endToEnd);
  printTable(
    'Incremental reload of one product file (MeshLoader; 9 reloads, the file changed each time)',
    ['products', 'open (full load)', 'reload p50', 'reload max', 'rejected reload (unknown input)', 'reload, files not named (stat all)'],
    reloads,
  );
}
