/**
 * The demo warehouse (scripts/build-demo-warehouse.ts) against the demo mesh
 * (examples/demo-mesh): the config loads, every product's table matches what
 * its config declares, and exactly the four planted problems are there.
 *
 * The checks here are a small, independent re-implementation written for this
 * test (plain SQL through @duckdb/node-api), so the demo data is verified
 * without depending on meshwatch's own check code.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import type { MeshConfig, Product } from '../config/types.js';
import { buildDemoWarehouse, PLANTED_PROBLEMS } from '../scripts/build-demo-warehouse.js';

const MESH_DIR = fileURLToPath(new URL('../examples/demo-mesh', import.meta.url));
const NOW = new Date('2025-03-14T10:30:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let dir: string;
let dbPath: string;
let mesh: MeshConfig;
let instance: DuckDBInstance;
let db: DuckDBConnection;

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  const reader = await db.runAndReadAll(sql);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}

async function scalar(sql: string): Promise<unknown> {
  const [row] = await rows(sql);
  return row === undefined ? undefined : Object.values(row)[0];
}

async function count(sql: string): Promise<number> {
  return Number(await scalar(sql));
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
const tableOf = (p: Product) => `${quote(p.table.schema.name)}.${quote(p.table.table.name)}`;
const product = (id: string) => {
  const found = mesh.products.find((p) => p.id === id);
  if (!found) throw new Error(`no product ${id}`);
  return found;
};
const sqlLiteral = (v: string | number | boolean) => (typeof v === 'string' ? `'${v.replaceAll("'", "''")}'` : String(v));
const normaliseType = (t: string) => t.toUpperCase().replace(/\s+/g, '');

/**
 * Every check of a product that does not pass (fail or warn), as check ids:
 * `freshness`, `schema.missing.<col>`, `schema.type.<col>`, `schema.nullable.<col>`,
 * `contract.rowCount`, `contract.notNull.<col>`, `contract.unique.<col>`,
 * `contract.acceptedValues.<col>`, `contract.sql.<name>`.
 */
async function problemsOf(p: Product): Promise<string[]> {
  const problems: string[] = [];
  const table = tableOf(p);
  const actual = new Map(
    (
      await rows(
        `select column_name, data_type, is_nullable from information_schema.columns
         where table_catalog = 'warehouse' and table_schema = ${sqlLiteral(p.table.schema.name)} and table_name = ${sqlLiteral(p.table.table.name)}`,
      )
    ).map((r) => [String(r.column_name), { type: String(r.data_type), nullable: r.is_nullable === 'YES' }]),
  );
  if (actual.size === 0) return ['schema.table-missing'];
  for (const column of p.schema?.columns ?? []) {
    const found = actual.get(column.name);
    if (!found) problems.push(`schema.missing.${column.name}`);
    else {
      if (column.type !== undefined && normaliseType(found.type) !== normaliseType(column.type)) problems.push(`schema.type.${column.name}`);
      if (found.nullable !== column.nullable) problems.push(`schema.nullable.${column.name}`);
    }
  }
  const has = (column: string) => actual.has(column);

  if (p.freshness?.column && has(p.freshness.column)) {
    const latest = await scalar(`select epoch_ms(max(${quote(p.freshness.column)})) from ${table}`);
    const age = latest === null ? Infinity : NOW.getTime() - Number(latest);
    const warnMs = p.freshness.warnAge?.ms ?? p.freshness.maxAge.ms;
    if (age > warnMs || age < 0) problems.push('freshness');
  }

  const contract = p.contract;
  if (contract) {
    if (contract.rowCount) {
      const n = await count(`select count(*) from ${table}`);
      if ((contract.rowCount.min !== undefined && n < contract.rowCount.min) || (contract.rowCount.max !== undefined && n > contract.rowCount.max)) {
        problems.push('contract.rowCount');
      }
    }
    // Thresholds: a rule is broken when its failing rows exceed maxRows / maxPercent (default: any row).
    const total = await count(`select count(*) from ${table}`);
    const broken = (failing: number, rule: { tolerance?: { maxRows: number } | { maxPercent: number } | undefined }) =>
      failing > 0 &&
      (rule.tolerance === undefined || ('maxRows' in rule.tolerance ? failing > rule.tolerance.maxRows : failing * 100 > rule.tolerance.maxPercent * total));
    for (const rule of contract.notNull) {
      const c = rule.column;
      if (has(c) && broken(await count(`select count(*) from ${table} where ${quote(c)} is null`), rule)) problems.push(`contract.notNull.${c}`);
    }
    for (const rule of contract.unique) {
      if (!rule.columns.every(has)) continue;
      const cols = rule.columns.map(quote).join(', ');
      const dupes = await count(
        `select coalesce(sum(n - 1), 0) from (select count(*) as n from ${table} where ${rule.columns.map((c) => `${quote(c)} is not null`).join(' and ')} group by ${cols})`,
      );
      if (broken(dupes, rule)) problems.push(`contract.unique.${rule.columns.join('+')}`);
    }
    for (const rule of contract.acceptedValues) {
      const c = rule.column;
      const list = rule.values.map(sqlLiteral).join(', ');
      if (has(c) && broken(await count(`select count(*) from ${table} where ${quote(c)} is not null and ${quote(c)} not in (${list})`), rule)) {
        problems.push(`contract.acceptedValues.${c}`);
      }
    }
    for (const rule of contract.range) {
      const c = quote(rule.column);
      const lit = (b: number | string) => (typeof b === 'number' ? String(b) : `'${b}'`);
      const [lo, hi] = rule.exclusive ? ['<=', '>='] : ['<', '>'];
      const outside = [rule.min !== undefined ? `${c} ${lo} ${lit(rule.min)}` : '', rule.max !== undefined ? `${c} ${hi} ${lit(rule.max)}` : ''].filter(Boolean).join(' or ');
      if (has(rule.column) && broken(await count(`select count(*) from ${table} where ${outside}`), rule)) problems.push(`contract.range.${rule.column}`);
    }
    for (const rule of contract.pattern) {
      const c = quote(rule.column);
      const failing = await count(`select count(*) from ${table} where ${c} is not null and not regexp_full_match(cast(${c} as varchar), ${sqlLiteral(rule.regex)})`);
      if (has(rule.column) && broken(failing, rule)) problems.push(`contract.pattern.${rule.column}`);
    }
    for (const rule of contract.references) {
      const c = quote(rule.column);
      const target = tableOf(product(rule.references.product));
      const failing = await count(`select count(*) from ${table} t where t.${c} is not null and t.${c} not in (select ${quote(rule.references.column)} from ${target} where ${quote(rule.references.column)} is not null)`);
      if (has(rule.column) && broken(failing, rule)) problems.push(`contract.references.${rule.column}`);
    }
    for (const rule of contract.expressions) {
      if (broken(await count(`select count(*) from ${table} where not (${rule.expr})`), rule)) problems.push(`contract.expressions.${rule.name}`);
    }
    for (const rule of contract.sql) {
      const value = Number(await scalar(rule.query.replace(/\{\{\s*table\s*\}\}/g, table)));
      const ok =
        typeof rule.expect === 'number'
          ? value === rule.expect
          : (rule.expect.min === undefined || value >= rule.expect.min) && (rule.expect.max === undefined || value <= rule.expect.max);
      if (!ok) problems.push(`contract.sql.${rule.name}`);
    }
  }
  return problems;
}

beforeAll(async () => {
  mesh = await loadConfig(MESH_DIR);
  dir = await mkdtemp(path.join(os.tmpdir(), 'meshwatch-demo-warehouse-'));
  // Same file name as in meshwatch.yaml, so the DuckDB catalog is `warehouse`.
  dbPath = path.join(dir, 'warehouse.duckdb');
  await buildDemoWarehouse(dbPath, NOW);
  instance = await DuckDBInstance.create(dbPath, { access_mode: 'READ_ONLY' });
  db = await instance.connect();
});

afterAll(async () => {
  db?.closeSync();
  instance?.closeSync();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('demo mesh config', () => {
  it('loads and is a realistic multi-domain mesh', () => {
    const businessUnits = new Set(mesh.workspace.domains.map((d) => d.businessUnit));
    expect(mesh.workspace.warehouse).toMatchObject({ type: 'duckdb', catalog: 'warehouse' });
    expect(mesh.workspace.domains.length).toBeGreaterThanOrEqual(4);
    expect(businessUnits.size).toBeGreaterThanOrEqual(3);
    expect(mesh.products.length).toBeGreaterThanOrEqual(12);
    expect(mesh.consumers.length).toBeGreaterThanOrEqual(10);
    expect(mesh.consumers.some((c) => c.uses.some((u) => u.columns !== undefined))).toBe(true);
    expect(mesh.consumers.some((c) => c.uses.some((u) => u.columns === undefined))).toBe(true);
    expect(new Set(mesh.products.map((p) => p.tier))).toEqual(new Set(['open', 'limited', 'restricted']));
    for (const p of mesh.products) {
      expect(p.table.database, p.id).toBeUndefined();
      expect(p.file, p.id).toBe(`products/${p.id.slice(p.id.indexOf('.') + 1)}.yaml`);
    }
  });

  it('has multi-hop lineage with a diamond', () => {
    const inputs = new Map(mesh.products.map((p) => [p.id, p.inputs.map((i) => i.product)]));
    const depth = (id: string): number => Math.max(0, ...(inputs.get(id) ?? []).map((i) => depth(i) + 1));
    expect(Math.max(...mesh.products.map((p) => depth(p.id)))).toBeGreaterThanOrEqual(3);
    // inventory.vehicles -> sales.deals -> sales.dealer-performance
    // inventory.vehicles -> inventory.stock-levels -> sales.dealer-performance
    expect(inputs.get('sales.dealer-performance')).toEqual(expect.arrayContaining(['sales.deals', 'inventory.stock-levels']));
    expect(inputs.get('sales.deals')).toContain('inventory.vehicles');
    expect(inputs.get('inventory.stock-levels')).toContain('inventory.vehicles');
  });
});

describe('demo warehouse', () => {
  it('has a table for every product, and exactly the planted problems', async () => {
    const found: Record<string, string[]> = {};
    for (const p of mesh.products) {
      const problems = await problemsOf(p);
      if (problems.length > 0) found[p.id] = problems;
    }
    expect(found).toEqual({
      'inventory.vehicles': ['freshness'],
      'inventory.stock-levels': ['freshness'],
      'crm.customers': ['schema.missing.consent_marketing'],
      'aftersales.service-orders': ['contract.acceptedValues.status'],
    });
  });

  it('(a) inventory.vehicles was last updated 5 h ago, beyond its maxAge', async () => {
    const vehicles = product(PLANTED_PROBLEMS.stale.product);
    const latest = Number(await scalar(`select epoch_ms(max(updated_at)) from inventory.vehicles`));
    expect(NOW.getTime() - latest).toBe(5 * HOUR);
    expect(vehicles.freshness?.maxAge.ms).toBe(2 * HOUR);
    expect(await count('select count(*) from inventory.vehicles')).toBeGreaterThanOrEqual(50);
  });

  it('(d) inventory.stock-levels is stale only because its input inventory.vehicles is', async () => {
    const stock = product(PLANTED_PROBLEMS.staleUpstream.product);
    expect(stock.inputs.map((i) => i.product)).toContain('inventory.vehicles');
    const latest = Number(await scalar(`select epoch_ms(max(updated_at)) from inventory.stock_levels`));
    const vehiclesLatest = Number(await scalar(`select epoch_ms(max(updated_at)) from inventory.vehicles`));
    expect(NOW.getTime() - latest).toBe(5 * HOUR - 5 * MINUTE);
    expect(NOW.getTime() - latest).toBeGreaterThan(stock.freshness!.maxAge.ms);
    // Rebuilt right after the last vehicle load: it is exactly as fresh as its input allows.
    expect(latest - vehiclesLatest).toBe(5 * MINUTE);
    // Its own content is right: stock per dealer/make/condition adds up to the vehicle table.
    expect(
      await count(`select count(*) from inventory.vehicles where status in ('in_stock', 'reserved')`),
    ).toBe(await count('select sum(units_in_stock) from inventory.stock_levels'));
  });

  it('(b) crm.customers lacks the declared consent_marketing column; only some consumers read it', async () => {
    const customers = product(PLANTED_PROBLEMS.droppedColumn.product);
    expect(customers.schema?.columns.map((c) => c.name)).toContain('consent_marketing');
    const columns = (await rows(`select column_name from information_schema.columns where table_schema = 'crm' and table_name = 'customers'`)).map((r) =>
      String(r.column_name),
    );
    expect(columns).not.toContain('consent_marketing');
    expect(columns).toContain('marketing_opt_in');

    const users = mesh.consumers.filter((c) => c.uses.some((u) => u.product === 'crm.customers'));
    const reads = (id: string) => users.find((c) => c.id === id)!.uses.find((u) => u.product === 'crm.customers')!.columns ?? [];
    // Every consumer of crm.customers lists its columns, so impact can tell them apart.
    expect(users.every((c) => c.uses.every((u) => u.product !== 'crm.customers' || u.columns !== undefined))).toBe(true);
    const hurt = users.filter((c) => reads(c.id).includes('consent_marketing')).map((c) => c.id);
    const unhurt = users.filter((c) => !reads(c.id).includes('consent_marketing')).map((c) => c.id);
    expect(hurt.sort()).toEqual(['compliance.gdpr-consent-register', 'marketing.email-campaigns']);
    expect(unhurt.sort()).toEqual(['aftersales.service-reminders', 'leasing.credit-decisioning', 'sales.showroom-lead-routing']);

    // Downstream products: only marketing.customer-segments reads the column.
    const downstream = mesh.products.filter((p) => p.inputs.some((i) => i.product === 'crm.customers'));
    const readers = downstream.filter((p) => {
      const input = p.inputs.find((i) => i.product === 'crm.customers')!;
      return input.columns === undefined || input.columns.includes('consent_marketing');
    });
    expect(readers.map((p) => p.id)).toEqual(['marketing.customer-segments']);
    expect(downstream.length).toBeGreaterThan(readers.length);
  });

  it('(c) aftersales.service-orders has rows with a status outside acceptedValues', async () => {
    const orders = product(PLANTED_PROBLEMS.contract.product);
    const accepted = orders.contract!.acceptedValues.find((r) => r.column === 'status')!.values;
    expect(accepted).not.toContain('awaiting_parts');
    const bad = await rows(
      `select status, count(*) as n from aftersales.service_orders where status not in (${accepted.map(sqlLiteral).join(', ')}) group by status`,
    );
    expect(bad).toEqual([{ status: 'awaiting_parts', n: BigInt(PLANTED_PROBLEMS.contract.rows) }]);
    // Still open in the workshop: not closed, fresh, and otherwise valid.
    expect(await count(`select count(*) from aftersales.service_orders where status = 'awaiting_parts' and closed_at is not null`)).toBe(0);
  });

  it('a healthy product (sales.deals) satisfies each of its declared rules', async () => {
    const deals = product('sales.deals');
    const latest = Number(await scalar('select epoch_ms(max(updated_at)) from sales.deals'));
    expect(NOW.getTime() - latest).toBe(12 * MINUTE);
    expect(NOW.getTime() - latest).toBeLessThan(deals.freshness!.warnAge!.ms);
    expect(await count('select count(*) from sales.deals')).toBeGreaterThanOrEqual(deals.contract!.rowCount!.min!);
    expect(await count('select count(*) from sales.deals where deal_id is null or vin is null or customer_id is null')).toBe(0);
    expect(await count('select count(*) - count(distinct deal_id) from sales.deals')).toBe(0);
    const statuses = (await rows('select distinct status from sales.deals order by 1')).map((r) => r.status);
    expect(statuses).toEqual(['cancelled', 'delivered', 'quoted', 'signed']);
    expect(await count('select count(*) from sales.deals where sale_price <= 0')).toBe(0);
    expect(await count('select count(*) from sales.deals where discount_amount > sale_price * 0.15')).toBe(0);
    expect(await problemsOf(deals)).toEqual([]);
  });

  it('is deterministic for the same time, and replaces an existing file', async () => {
    const fingerprint = async (conn: DuckDBConnection) => {
      const out: Record<string, unknown> = {};
      for (const p of mesh.products) {
        const reader = await conn.runAndReadAll(`select count(*) as n, md5(string_agg(cast(t as varchar), chr(10) order by cast(t as varchar))) as h from ${tableOf(p)} t`);
        out[p.id] = reader.getRowObjectsJS()[0];
      }
      return out;
    };
    const expected = await fingerprint(db);

    const second = path.join(await mkdtemp(path.join(dir, 'again-')), 'warehouse.duckdb');
    await buildDemoWarehouse(second, NOW);
    await buildDemoWarehouse(second, NOW); // over the existing file
    expect((await stat(second)).size).toBeGreaterThan(0);
    const other = await DuckDBInstance.create(second, { access_mode: 'READ_ONLY' });
    const conn = await other.connect();
    try {
      expect(await fingerprint(conn)).toEqual(expected);
    } finally {
      conn.closeSync();
      other.closeSync();
    }
  });
});
