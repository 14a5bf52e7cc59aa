/**
 * One full check cycle (freshness, schema, rowCount) over a generated DuckDB
 * mesh, batched as meshwatch runs it, beside the same cycle done naively with
 * one metadata query per table.
 *
 * The warehouse: 60 schemas, each with one base table of 100 rows; every
 * product is a view on its schema's base table, so building a 60,000-product
 * warehouse takes seconds and megabytes instead of minutes and gigabytes
 * (DuckDB gives every table its own storage blocks). Scans still read real
 * rows. Built once into the temp directory and reused by later runs.
 */
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { runCheckCycle, type CycleOptions } from '../checks/cycle.js';
import { openDuckdbWarehouse } from '../checks/duckdb-warehouse.js';
import { checkProduct } from '../checks/product-checks.js';
import type { Warehouse } from '../checks/warehouse.js';
import { mapConcurrent } from '../core/concurrency.js';
import { loadConfig } from '../config/load.js';
import type { Product } from '../config/types.js';
import { generateMesh, writeMeshConfig } from './generate-mesh.js';
import { ms, printTable } from './table.js';

export const SCHEMAS = 60;
/** The naive cycle costs minutes at these sizes; it runs on a sample and is extrapolated. */
const NAIVE_SAMPLE = 600;
const CONCURRENCY = 4;

export async function buildWarehouse(file: string, size: number): Promise<void> {
  if (await access(file).then(() => true, () => false)) return;
  const partial = `${file}.building`;
  await rm(partial, { force: true });
  const instance = await DuckDBInstance.create(partial);
  const connection = await instance.connect();
  try {
    await connection.run('begin');
    for (let s = 0; s < SCHEMAS; s++) {
      await connection.run(`create schema s${s}`);
      await connection.run(
        `create table s${s}.base as select range::integer as id, (range * 1.5)::decimal(12,2) as value, 'ok' as status,
           current_timestamp::timestamp - to_minutes(range) as updated_at from range(100)`,
      );
    }
    for (let i = 0; i < size; i++) await connection.run(`create view s${i % SCHEMAS}.p${i} as select * from s${i % SCHEMAS}.base`);
    await connection.run('commit');
    await connection.run('checkpoint');
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  const { rename } = await import('node:fs/promises');
  await rename(partial, file);
}

/** The naive cycle: per product, its own metadata query, then its checks. */
async function naiveCycle(warehouse: Warehouse, products: readonly Product[], now: Date): Promise<{ queries: number; failures: number }> {
  const start = warehouse.stats().queries;
  let failures = 0;
  await mapConcurrent(products, CONCURRENCY, async (product) => {
    const table = warehouse.resolve(product.table);
    const metadata = await warehouse.describeTables([table]);
    const { results } = await checkProduct(product, table, metadata.get(warehouse.dialect.tableKey(table)), { warehouse, now });
    failures += results.filter((r) => r.status !== 'pass').length;
  });
  return { queries: warehouse.stats().queries - start, failures };
}

interface CycleRun {
  readonly ms: number;
  readonly statements: number;
  readonly checks: number;
}

async function timedCycle(warehouse: Warehouse, products: readonly Product[], now: Date, options: Pick<CycleOptions, 'batchSize' | 'batchWithin'>): Promise<CycleRun> {
  const start = performance.now();
  const outcome = await runCheckCycle(warehouse, { products, now, concurrency: CONCURRENCY, ...options });
  const elapsed = performance.now() - start;
  const notPassing = outcome.results.filter((r) => r.status !== 'pass');
  if (notPassing.length > 0) throw new Error(`bench mesh should pass every check, got ${notPassing.length} others, e.g. ${JSON.stringify(notPassing[0])}`);
  return { ms: elapsed, statements: outcome.queries, checks: outcome.results.length };
}

/**
 * The bench products with the contract rules of issue 13 added: the column
 * rules (a notNull with maxPercent, a composite unique, a range, a pattern, a
 * row expression) join the aggregate scan; a `references` rule on the first
 * input, when there is one, is one statement of its own.
 */
function withContractRules(products: readonly Product[], references: boolean): Product[] {
  const byId = new Map(products.map((p) => [p.id, p]));
  return products.map((p) => {
    const input = references ? p.inputs[0] : undefined;
    const target = input ? byId.get(input.product) : undefined;
    return {
      ...p,
      contract: {
        ...p.contract!,
        notNull: [{ column: 'id', severity: 'fail', tolerance: { maxPercent: 1 } }],
        unique: [{ columns: ['id', 'status'], severity: 'fail' }],
        range: [{ column: 'value', min: 0, exclusive: false, severity: 'fail' }],
        pattern: [{ column: 'status', regex: '[a-z]+', severity: 'fail' }],
        expressions: [{ name: 'value_not_negative', expr: 'value >= 0', severity: 'fail' }],
        references: target ? [{ column: 'id', references: { product: target.id, column: 'id', table: target.table }, severity: 'fail' }] : [],
      },
    };
  });
}

export async function benchCheckCycle(sizes: readonly number[]): Promise<void> {
  const rows: string[][] = [];
  const statementRows: string[][] = [];
  const ruleRows: string[][] = [];
  for (const size of sizes) {
    const file = path.join(tmpdir(), `meshwatch-bench-v1-${size}.duckdb`);
    let start = performance.now();
    await buildWarehouse(file, size);
    const buildMs = performance.now() - start;
    const dir = await mkdtemp(path.join(tmpdir(), `meshwatch-bench-checks-${size}-`));
    try {
      await writeMeshConfig(generateMesh(size, { schemas: SCHEMAS }), dir, file);
      const config = await loadConfig(dir);
      // The views are named p0..pN in schema s(i % 60), matching the generator.
      const warehouse = await openDuckdbWarehouse({ path: file, catalog: path.basename(file, '.duckdb') }, { connections: CONCURRENCY });
      try {
        const now = new Date();
        const perDatabase = await timedCycle(warehouse, config.products, now, {});
        const perDomain = await timedCycle(warehouse, config.products, now, { batchWithin: 'domain' });
        const perProduct = await timedCycle(warehouse, config.products, now, { batchSize: 1 });
        // Per domain, like the row they are compared with (the DuckDB default batches per database).
        const columnRules = await timedCycle(warehouse, withContractRules(config.products, false), now, { batchWithin: 'domain' });
        const referenced = withContractRules(config.products, true);
        const withReferences = await timedCycle(warehouse, referenced, now, { batchWithin: 'domain' });
        const referenceRules = referenced.reduce((sum, p) => sum + (p.contract?.references.length ?? 0), 0);
        // The done-when of issue 13, checked where it is measured.
        if (columnRules.statements !== perDomain.statements) throw new Error(`column rules added statements: ${columnRules.statements} vs ${perDomain.statements}`);
        if (withReferences.statements !== perDomain.statements + referenceRules) {
          throw new Error(`references should cost one statement each: ${withReferences.statements} vs ${perDomain.statements} + ${referenceRules}`);
        }

        // Each naive metadata query reads whole schemas, so its cost grows with the mesh: a smaller sample at 60,000.
        const sample = config.products.slice(0, Math.min(size, Math.max(30, Math.round((NAIVE_SAMPLE * 6000) / size))));
        start = performance.now();
        const naive = await naiveCycle(warehouse, sample, now);
        const naiveSampleMs = performance.now() - start;
        const scale = size / sample.length;
        const n = (v: number) => v.toLocaleString('en-US');
        rows.push([
          n(size),
          n(perDomain.checks),
          ms(perDatabase.ms),
          ms(perDomain.ms),
          ms(perProduct.ms),
          `${ms(naiveSampleMs * scale)}${scale > 1 ? ` (from ${sample.length})` : ''}`,
          `${(perProduct.ms / perDatabase.ms).toFixed(1)}x`,
          ms(buildMs),
        ]);
        statementRows.push([
          n(size),
          `${n(perDatabase.statements)} (${n(perDatabase.statements - 1)} scans)`,
          `${n(perDomain.statements)} (${n(perDomain.statements - 1)} scans)`,
          `${n(perProduct.statements)} (${n(perProduct.statements - 1)} scans)`,
          `${n(Math.round(naive.queries * scale))} (${n(size)} metadata)`,
          n(Math.floor(size / 20)),
        ]);
        ruleRows.push([
          n(size),
          `${n(perDomain.checks)} · ${ms(perDomain.ms)} · ${n(perDomain.statements)}`,
          `${n(columnRules.checks)} · ${ms(columnRules.ms)} · ${n(columnRules.statements)}`,
          `${n(withReferences.checks)} · ${ms(withReferences.ms)} · ${n(withReferences.statements)}`,
          n(referenceRules),
        ]);
      } finally {
        await warehouse.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  printTable(
    `Check cycle on DuckDB: freshness + schema + rowCount per product, ${SCHEMAS} schemas, domains of 10 products, concurrency ${CONCURRENCY}: wall time`,
    ['products', 'checks', 'batched (default: per database)', 'batched per domain (as on Snowflake)', 'one scan per product', 'naive (metadata per table)', 'batched vs one per product', 'warehouse build (cached)'],
    rows,
  );
  printTable(
    'Statements per cycle (1 metadata + aggregate scans; no owner SQL or failing rules in the bench mesh)',
    ['products', 'batched per database (≤ 50)', 'batched per domain (≤ 50)', 'one scan per product', 'naive', 'goal: scans ≤ products / 20'],
    statementRows,
  );
  printTable(
    'Contract rules (batched per domain): checks · wall time · statements. Column rules (notNull maxPercent, composite unique, range, pattern, expression) join the scan; a references rule is one statement each',
    ['products', 'freshness + schema + rowCount', '+ 5 column rules per product', '+ 1 references rule per product with an input', 'references rules'],
    ruleRows,
  );
}

/** The storm bench runs `meshwatch check` on the same warehouse. */
export { buildWarehouse as buildBenchWarehouse, SCHEMAS as BENCH_SCHEMAS };
