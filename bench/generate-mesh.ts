/**
 * A synthetic mesh shaped like an enterprise one (the reference: ~600 teams,
 * ~6,000 shared objects, ~1,200 cross-team exchanges), scalable by 10x.
 *
 * Shape, chosen to match how meshes are layered in practice rather than a
 * uniformly random graph: domains of 10 products, 20 domains per business
 * unit; products in four layers (source-aligned 50%, aggregates 30%,
 * consumer-aligned 15%, cross-domain marts 5%). A product above layer 0 reads
 * about 2 inputs (1 to 3) from the layer below: from its own domain where it
 * can, else (and for about one input in five) from another domain. Each
 * product has 1 to 3 consumers, a third of them with column lists. A seeded
 * PRNG makes every run the same mesh.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { prng } from '../scripts/prng.js';

export { prng };

export const COLUMNS = ['id', 'value', 'status', 'updated_at'] as const;

export interface GeneratedProduct {
  readonly id: string;
  readonly domain: string;
  readonly schema: string;
  readonly table: string;
  readonly layer: number;
  readonly inputs: Array<string | { product: string; columns: string[] }>;
}

export interface GeneratedMesh {
  readonly domains: Array<{ id: string; businessUnit: string }>;
  readonly products: GeneratedProduct[];
  readonly consumers: Array<{ id: string; domain: string; uses: Array<string | { product: string; columns: string[] }> }>;
  readonly crossDomainEdges: number;
}

const LAYER_SHARE = [0.5, 0.3, 0.15, 0.05];

export function generateMesh(size: number, options: { schemas?: number; seed?: number } = {}): GeneratedMesh {
  const random = prng(options.seed ?? 42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const schemas = options.schemas ?? 60;
  const domainCount = Math.max(1, Math.ceil(size / 10));
  const domains = Array.from({ length: domainCount }, (_, d) => ({ id: `d${d}`, businessUnit: `bu${Math.floor(d / 20)}` }));

  const products: GeneratedProduct[] = [];
  const byLayer: string[][] = [[], [], [], []];
  const byLayerDomain = new Map<string, string[]>();
  let crossDomainEdges = 0;
  let index = 0;
  for (let layer = 0; layer < 4; layer++) {
    const count = layer === 3 ? size - index : Math.round(size * LAYER_SHARE[layer]!);
    for (let k = 0; k < count; k++, index++) {
      const domain = domains[index % domainCount]!.id;
      const id = `${domain}.p${index}`;
      const inputs: GeneratedProduct['inputs'] = [];
      if (layer > 0) {
        const below = byLayer[layer - 1]!;
        const local = byLayerDomain.get(`${layer - 1}/${domain}`) ?? [];
        const wanted = 1 + Math.floor(random() * 3);
        const chosen = new Set<string>();
        for (let j = 0; j < wanted; j++) {
          const cross = local.length === 0 || random() < 0.2;
          const input = cross ? pick(below) : pick(local);
          if (chosen.has(input)) continue;
          chosen.add(input);
          if (!input.startsWith(`${domain}.`)) crossDomainEdges++;
          inputs.push(random() < 0.3 ? { product: input, columns: [pick(COLUMNS), 'id'] } : input);
        }
      }
      products.push({ id, domain, schema: `s${index % schemas}`, table: `p${index}`, layer, inputs });
      byLayer[layer]!.push(id);
      const key = `${layer}/${domain}`;
      const list = byLayerDomain.get(key);
      if (list) list.push(id);
      else byLayerDomain.set(key, [id]);
    }
  }

  const consumers: GeneratedMesh['consumers'] = [];
  for (const product of products) {
    const count = 1 + Math.floor(random() * 3);
    for (let j = 0; j < count; j++) {
      consumers.push({
        id: `${product.id}.c${j}`,
        domain: pick(domains).id,
        uses: [random() < 0.33 ? { product: product.id, columns: [pick(COLUMNS)] } : product.id],
      });
    }
  }
  return { domains, products, consumers, crossDomainEdges };
}

/** Writes the mesh as a config directory (one file per product, one consumer file per 1,000 consumers). */
export async function writeMeshConfig(mesh: GeneratedMesh, dir: string, warehousePath: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, 'products'), { recursive: true });
  await mkdir(path.join(dir, 'consumers'), { recursive: true });
  await writeFile(
    path.join(dir, 'meshwatch.yaml'),
    stringify({
      warehouse: { type: 'duckdb', path: warehousePath },
      defaults: { schedule: '*/15 * * * *', timezone: 'UTC', concurrency: 4 },
      domains: mesh.domains.map((d) => ({ id: d.id, name: `Domain ${d.id}`, businessUnit: d.businessUnit, slackChannel: `#${d.id}-data` })),
    }),
  );
  const writes: Array<Promise<void>> = [];
  for (const p of mesh.products) {
    writes.push(
      writeFile(
        path.join(dir, 'products', `${p.table}.yaml`),
        stringify({
          id: p.id,
          domain: p.domain,
          tier: 'open',
          table: `${p.schema}.${p.table}`,
          // The cached bench warehouse is reused across days: freshness must not expire.
          freshness: { column: 'updated_at', maxAge: '3650d' },
          schema: {
            columns: [
              // The bench products are views, whose columns DuckDB reports as nullable.
              { name: 'id', type: 'INTEGER' },
              { name: 'value', type: 'DECIMAL(12,2)' },
              { name: 'status', type: 'VARCHAR' },
              { name: 'updated_at', type: 'TIMESTAMP' },
            ],
          },
          contract: { rowCount: { min: 1 } },
          inputs: p.inputs,
        }),
      ),
    );
    if (writes.length >= 256) await Promise.all(writes.splice(0));
  }
  for (let i = 0; i < mesh.consumers.length; i += 1000) {
    writes.push(writeFile(path.join(dir, 'consumers', `c${i / 1000}.yaml`), stringify({ consumers: mesh.consumers.slice(i, i + 1000) })));
  }
  await Promise.all(writes);
}
