/** Impact benchmark: config load, catalog build and impact latency on generated meshes. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Catalog } from '../catalog/catalog.js';
import { impactOf } from '../catalog/impact.js';
import { loadConfig } from '../config/load.js';
import { generateMesh, prng, writeMeshConfig } from './generate-mesh.js';
import { ms, percentile, printTable } from './table.js';

export async function benchImpact(sizes: readonly number[]): Promise<void> {
  const rows: string[][] = [];
  for (const size of sizes) {
    const mesh = generateMesh(size);
    const dir = await mkdtemp(path.join(tmpdir(), `meshwatch-bench-impact-${size}-`));
    try {
      await writeMeshConfig(mesh, dir, 'unused.duckdb');
      let start = performance.now();
      const config = await loadConfig(dir);
      const loadMs = performance.now() - start;
      start = performance.now();
      const catalog = new Catalog(config);
      const buildMs = performance.now() - start;

      const random = prng(7);
      const ids = config.products.map((p) => p.id);
      // Warm up the JIT so the numbers describe the steady state of a long-running service.
      for (let i = 0; i < 200; i++) impactOf(catalog, ids[Math.floor(random() * ids.length)]!);
      const latencies: number[] = [];
      let affected = 0;
      let maxAffected = 0;
      for (let i = 0; i < 1000; i++) {
        const id = ids[Math.floor(random() * ids.length)]!;
        const t = performance.now();
        const impact = impactOf(catalog, id);
        latencies.push(performance.now() - t);
        const n = impact.products.length + impact.consumers.length;
        affected += n;
        maxAffected = Math.max(maxAffected, n);
      }
      latencies.sort((a, b) => a - b);
      rows.push([
        size.toLocaleString('en-US'),
        config.consumers.length.toLocaleString('en-US'),
        mesh.crossDomainEdges.toLocaleString('en-US'),
        ms(loadMs),
        ms(buildMs),
        ms(percentile(latencies, 50)),
        ms(percentile(latencies, 99)),
        ms(latencies[latencies.length - 1]!),
        `${(affected / 1000).toFixed(1)} / ${maxAffected}`,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  printTable(
    'Impact (1,000 random products per mesh, after 200 warm-up queries)',
    ['products', 'consumers', 'cross-domain edges', 'config load', 'catalog build', 'impact p50', 'impact p99', 'impact max', 'affected mean / max'],
    rows,
  );
}
