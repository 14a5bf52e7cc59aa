import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalog, type ConsumerSource } from '../catalog/catalog.js';
import { impactOf } from '../catalog/impact.js';
import { MeshLoader, type ReloadResult } from '../catalog/mesh-loader.js';
import { ConfigError } from '../config/errors.js';
import { loadMesh, reloadMesh } from '../scheduler/config-source.js';
import { loadConfig } from '../sources/load-config.js';
import type { Consumer } from '../config/types.js';
import { WORKSPACE, writeConfigDir } from './support/config-dir.js';
import { dbtManifestJson, dbtModel, dbtTest } from './support/dbt-manifest.js';
import { odcs } from './support/real-inputs.js';
import { SMALL_MESH } from './support/small-mesh.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function meshDir(): Promise<string> {
  const { dir, cleanup } = await writeConfigDir({ 'meshwatch.yaml': WORKSPACE, ...SMALL_MESH });
  cleanups.push(cleanup);
  return dir;
}

/** Everything a catalog answers, in its order. */
function catalogView(catalog: Catalog) {
  return [...catalog.products.keys()].map((id) => ({
    id,
    downstream: catalog.downstreamOf(id).map((e) => ({ product: e.product, columns: e.columns && [...e.columns] })),
    consumers: catalog.consumersOf(id).map((l) => ({ consumer: l.consumer, columns: l.columns && [...l.columns] })),
    upstream: catalog.upstreamOf(id),
    impact: impactOf(catalog, id),
  }));
}

/** The reload was accepted and gives exactly what a full load of the directory gives. */
async function expectSameAsFullLoad(dir: string, result: ReloadResult): Promise<void> {
  if (!result.ok) throw new Error(`reload rejected: ${result.error.message}`);
  const full = await loadConfig(dir, { env: {} });
  expect(result.config).toEqual(full);
  expect(catalogView(result.catalog)).toEqual(catalogView(new Catalog(full)));
}

/** The reload was rejected with a full load's problems, and the loader still serves `before`. */
async function expectRejectedLikeFullLoad(dir: string, loader: MeshLoader, result: ReloadResult, before: { config: unknown; catalog: unknown }) {
  const error = await loadConfig(dir, { env: {} }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ConfigError);
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.problems).toEqual((error as ConfigError).problems);
  expect(loader.config).toBe(before.config);
  expect(loader.catalog).toBe(before.catalog);
}

const ORDERS_CHANGED = `id: sales.orders
domain: sales
tier: open
table: sales.orders_v2
schema:
  columns:
    - { name: order_id, type: BIGINT, nullable: false }
    - { name: customer_id, type: INTEGER }
    - { name: amount, type: "DECIMAL(12,2)" }
    - { name: status, type: VARCHAR }
    - { name: updated_at, type: TIMESTAMP }
inputs:
  - { product: crm.customers, columns: [customer_id] }
`;

describe('MeshLoader.reload', () => {
  it('applies a changed product file as a full load would', async () => {
    const dir = await meshDir();
    const loader = MeshLoader.open(dir, { env: {} });
    await writeFile(path.join(dir, 'products/orders.yaml'), ORDERS_CHANGED);
    const result = loader.reload(['products/orders.yaml']);
    expect(result).toMatchObject({ ok: true, changedFiles: ['products/orders.yaml'], full: false });
    await expectSameAsFullLoad(dir, result);
    expect(loader.config.products.find((p) => p.id === 'sales.orders')?.table.table.name).toBe('orders_v2');
  });

  it('hashes the files in use: a changed file changes the hash, to what a fresh open of the same files gives', async () => {
    const dir = await meshDir();
    const loader = MeshLoader.open(dir, { env: {} });
    const before = loader.filesHash;
    expect(MeshLoader.open(dir, { env: {} }).filesHash).toBe(before);
    await writeFile(path.join(dir, 'products/orders.yaml'), ORDERS_CHANGED);
    expect(loader.reload(['products/orders.yaml']).ok).toBe(true);
    expect(loader.filesHash).not.toBe(before);
    expect(loader.filesHash).toBe(MeshLoader.open(dir, { env: {} }).filesHash);
  });

  it('applies an added and a removed product file, and a changed consumer file', async () => {
    const dir = await meshDir();
    const loader = MeshLoader.open(dir, { env: {} });
    await writeFile(path.join(dir, 'products/aaa-leads.yaml'), 'id: marketing.leads\ndomain: marketing\ntier: open\ntable: marketing.leads\ninputs: [sales.orders]\n');
    let result = loader.reload([path.join(dir, 'products/aaa-leads.yaml')]);
    expect(result).toMatchObject({ ok: true, full: false });
    await expectSameAsFullLoad(dir, result);
    expect(loader.catalog.downstreamOf('sales.orders').map((e) => e.product)).toContain('marketing.leads');

    await writeFile(
      path.join(dir, 'consumers/marketing.yaml'),
      'consumers:\n  - id: marketing.leads-board\n    domain: marketing\n    uses: [marketing.leads, { product: sales.orders, columns: [amount] }]\n',
    );
    result = loader.reload(['consumers/marketing.yaml']);
    expect(result).toMatchObject({ ok: true, full: false });
    await expectSameAsFullLoad(dir, result);

    await writeFile(path.join(dir, 'consumers/marketing.yaml'), 'consumers:\n  - id: marketing.churn-model\n    domain: marketing\n    uses: [marketing.segments]\n');
    await rm(path.join(dir, 'products/aaa-leads.yaml'));
    result = loader.reload(['products/aaa-leads.yaml', 'consumers/marketing.yaml']);
    expect(result).toMatchObject({ ok: true, full: false });
    await expectSameAsFullLoad(dir, result);
    expect(loader.catalog.products.has('marketing.leads')).toBe(false);
  });

  it('reloads a product file in a subfolder, and a removed one found without a list', async () => {
    const dir = await meshDir();
    const loader = MeshLoader.open(dir, { env: {} });
    await mkdir(path.join(dir, 'products/marketing'), { recursive: true });
    await writeFile(path.join(dir, 'products/marketing/leads.yml'), 'id: marketing.leads\ndomain: marketing\ntier: open\ntable: marketing.leads\n');
    const result = loader.reload(['products/marketing/leads.yml']);
    expect(result).toMatchObject({ ok: true, full: false, changedFiles: ['products/marketing/leads.yml'] });
    await expectSameAsFullLoad(dir, result);
    await rm(path.join(dir, 'products/marketing/leads.yml'));
    await expectSameAsFullLoad(dir, loader.reload());
  });

  it('finds changed, added and removed files itself when not told', async () => {
    const dir = await meshDir();
    const loader = MeshLoader.open(dir, { env: {} });
    await writeFile(path.join(dir, 'products/orders.yaml'), ORDERS_CHANGED);
    await writeFile(path.join(dir, 'products/zz-new.yaml'), 'id: sales.returns\ndomain: sales\ntier: open\ntable: sales.returns\n');
    await rm(path.join(dir, 'consumers/sales.yaml'));
    const result = loader.reload();
    expect(result.ok && [...result.changedFiles].sort()).toEqual(['consumers/sales.yaml', 'products/orders.yaml', 'products/zz-new.yaml']);
    await expectSameAsFullLoad(dir, result);
    expect(loader.reload()).toMatchObject({ ok: true, changedFiles: [] });
  });

  it('rejects a change that introduces a lineage cycle, keeping the config in use, then accepts the fix', async () => {
    const dir = await meshDir();
    const loader = MeshLoader.open(dir, { env: {} });
    const before = { config: loader.config, catalog: loader.catalog };
    const customers = SMALL_MESH['products/customers.yaml']!;
    await writeFile(path.join(dir, 'products/customers.yaml'), `${customers}inputs: [finance.pnl]\n`);
    const result = loader.reload(['products/customers.yaml']);
    await expectRejectedLikeFullLoad(dir, loader, result, before);
    expect(!result.ok && result.problems.map((p) => p.message)).toEqual([
      'lineage cycle: crm.customers → sales.orders → finance.revenue → finance.pnl → crm.customers',
    ]);

    // Another file changes meanwhile; fixing the bad one is enough, and both changes apply.
    await writeFile(path.join(dir, 'products/orders.yaml'), ORDERS_CHANGED);
    await expectRejectedLikeFullLoad(dir, loader, loader.reload(['products/orders.yaml']), before);
    await writeFile(path.join(dir, 'products/customers.yaml'), customers);
    const fixed = loader.reload(['products/customers.yaml']);
    await expectSameAsFullLoad(dir, fixed);
    expect(loader.config.products.find((p) => p.id === 'sales.orders')?.table.table.name).toBe('orders_v2');
  });

  it('rejects an unknown input, and a removed product that others still read, like a full load', async () => {
    const dir = await meshDir();
    const loader = MeshLoader.open(dir, { env: {} });
    const before = { config: loader.config, catalog: loader.catalog };
    await writeFile(path.join(dir, 'products/segments.yaml'), 'id: marketing.segments\ndomain: marketing\ntier: open\ntable: marketing.segments\ninputs: [sales.order]\n');
    const result = loader.reload(['products/segments.yaml']);
    await expectRejectedLikeFullLoad(dir, loader, result, before);
    expect(!result.ok && result.problems.map((p) => `${p.file}: ${p.path}: ${p.message}`)).toEqual([
      'products/segments.yaml: inputs[0]: unknown product "sales.order" (did you mean sales.orders?)',
    ]);
    await writeFile(path.join(dir, 'products/segments.yaml'), SMALL_MESH['products/segments.yaml']!);
    expect(loader.reload(['products/segments.yaml'])).toMatchObject({ ok: true, changedFiles: ['products/segments.yaml'] });
    expect(loader.config).toBe(before.config); // back to the content in use: nothing to apply

    await rm(path.join(dir, 'products/revenue.yaml'));
    await expectRejectedLikeFullLoad(dir, loader, loader.reload(['products/revenue.yaml']), before);
  });

  it('rejects a changed schema that drops a column a consumer reads, and an invalid file, like a full load', async () => {
    const dir = await meshDir();
    const loader = MeshLoader.open(dir, { env: {} });
    const before = { config: loader.config, catalog: loader.catalog };
    await writeFile(path.join(dir, 'products/orders.yaml'), ORDERS_CHANGED.replace('    - { name: status, type: VARCHAR }\n', ''));
    await expectRejectedLikeFullLoad(dir, loader, loader.reload(['products/orders.yaml']), before);
    await writeFile(path.join(dir, 'products/orders.yaml'), 'id: sales.orders\ndomain: sales\ntier: sometimes\n');
    await expectRejectedLikeFullLoad(dir, loader, loader.reload(['products/orders.yaml']), before);
  });

  it('re-derives every product when meshwatch.yaml changes, and keeps extra consumer sources', async () => {
    const dir = await meshDir();
    const subscriber: Consumer = { id: 'slack.sub', domain: 'crm', uses: [{ product: 'finance.pnl' }], source: 'slack' };
    const slack: ConsumerSource = { consumersOf: (id) => (id === 'finance.pnl' ? [{ consumer: subscriber, columns: undefined }] : []) };
    const loader = MeshLoader.open(dir, { env: {}, extraSources: [slack] });
    await writeFile(path.join(dir, 'meshwatch.yaml'), WORKSPACE.replace('timezone: UTC', 'timezone: Europe/Berlin'));
    const result = loader.reload(['meshwatch.yaml']);
    expect(result).toMatchObject({ ok: true, full: true });
    await expectSameAsFullLoad(dir, { ...result, ...(result.ok ? { catalog: new Catalog(result.config) } : {}) } as ReloadResult);
    expect(loader.config.workspace.defaults.timezone).toBe('Europe/Berlin');
    expect(loader.catalog.consumersOf('finance.pnl').map((l) => l.consumer.id)).toContain('slack.sub');

    await writeFile(path.join(dir, 'products/orders.yaml'), ORDERS_CHANGED);
    loader.reload(['products/orders.yaml']);
    expect(loader.catalog.consumersOf('finance.pnl').map((l) => l.consumer.id)).toContain('slack.sub');
  });
});

describe('MeshLoader with sources: (ODCS contracts, a dbt manifest)', () => {
  const SOURCED_WS = `warehouse: { type: duckdb, path: w.duckdb }
domains:
  - { id: shop, name: Shop, slackChannel: "#shop" }
  - { id: seller, name: Seller }
  - { id: own, name: Own, slackChannel: "#own" }
sources:
  - { dbt: { manifest: target/manifest.json } }
  - { odcs: "contracts/*.odcs.yaml", domain: seller }
`;
  const manifestWith = (models: string[]) =>
    dbtManifestJson([
      dbtModel('customers', { columns: { id: { name: 'id', data_type: 'integer' } } }),
      ...models.map((m) => dbtModel(m, { depends_on: { nodes: ['model.shop.customers'] } })),
      dbtTest('not_null', { column_name: 'id' }, 'customers'),
    ]);

  async function sourcedDir(): Promise<string> {
    const { dir, cleanup } = await writeConfigDir({
      'meshwatch.yaml': SOURCED_WS,
      'target/manifest.json': manifestWith(['orders']),
      // A hand-written product reading a sourced one: the loader must know the sourced products.
      'products/mine.yaml': 'id: own.mine\ndomain: own\ntier: open\ntable: s.mine\ninputs: [shop.orders]\n',
    });
    cleanups.push(cleanup);
    await cp(odcs('docs__examples__all__full-example'), path.join(dir, 'contracts', 'full.odcs.yaml'));
    return dir;
  }

  it('opens with the sourced products, notices and domains of a full load', async () => {
    const dir = await sourcedDir();
    const loader = MeshLoader.open(dir, { env: {} });
    expect(loader.usesSources).toBe(true);
    expect(loader.config).toEqual(await loadConfig(dir, { env: {} }));
    expect(loader.config.products.map((p) => p.id)).toContain('own.mine');
    expect(loader.config.workspace.domains.find((d) => d.id === 'seller')?.slackChannel).toBe('#product-help');
  });

  it('re-reads a changed manifest alone, told or not; the contract file is not read again', async () => {
    const dir = await sourcedDir();
    const loader = MeshLoader.open(dir, { env: {} });
    const hash = loader.filesHash;
    const fromContract = loader.config.products.find((p) => p.file === 'contracts/full.odcs.yaml')!;
    await writeFile(path.join(dir, 'target/manifest.json'), manifestWith(['orders', 'refunds']));
    let result = loader.reload(['target/manifest.json']);
    expect(result).toMatchObject({ ok: true, changedFiles: ['target/manifest.json'] });
    await expectSameAsFullLoad(dir, result);
    expect(loader.config.products.map((p) => p.id)).toContain('shop.refunds');
    // The same object: the contract's entry was kept, not read and mapped again.
    expect(loader.config.products.find((p) => p.id === fromContract.id)).toBe(fromContract);
    expect(loader.filesHash).not.toBe(hash);
    expect(loader.filesHash).toBe(MeshLoader.open(dir, { env: {} }).filesHash);

    await writeFile(path.join(dir, 'target/manifest.json'), manifestWith(['orders', 'refunds', 'returns']));
    result = loader.reload();
    expect(result).toMatchObject({ ok: true, changedFiles: ['target/manifest.json'] });
    await expectSameAsFullLoad(dir, result);
  });

  it('rejects a broken manifest and a sourced product others still read, like a full load, then accepts the fix', async () => {
    const dir = await sourcedDir();
    const loader = MeshLoader.open(dir, { env: {} });
    const before = { config: loader.config, catalog: loader.catalog };
    await writeFile(path.join(dir, 'target/manifest.json'), '{ not json');
    await expectRejectedLikeFullLoad(dir, loader, loader.reload(['target/manifest.json']), before);
    // orders is gone from the manifest but products/mine.yaml reads it.
    await writeFile(path.join(dir, 'target/manifest.json'), manifestWith([]));
    await expectRejectedLikeFullLoad(dir, loader, loader.reload(), before);
    await writeFile(path.join(dir, 'target/manifest.json'), manifestWith(['orders']));
    await expectSameAsFullLoad(dir, loader.reload());
    // A manifest removed, told so: "not found", as a full load says.
    const now = { config: loader.config, catalog: loader.catalog };
    await rm(path.join(dir, 'target/manifest.json'));
    await expectRejectedLikeFullLoad(dir, loader, loader.reload(['target/manifest.json']), now);
  });

  it('is what serve loads and reloads with (scheduler/config-source.ts): one loader, a changed manifest, a new hash', async () => {
    const dir = await sourcedDir();
    const first = await loadMesh(dir, {});
    expect(first.config).toEqual(await loadConfig(dir, { env: {} }));
    await writeFile(path.join(dir, 'target/manifest.json'), manifestWith(['orders', 'refunds']));
    const next = await reloadMesh(first, dir, {});
    expect(next.loader).toBe(first.loader);
    expect(next.config.products.map((p) => p.id)).toContain('shop.refunds');
    expect(next.hash).not.toBe(first.hash);
    await writeFile(path.join(dir, 'target/manifest.json'), '[]');
    await expect(reloadMesh(next, dir, {})).rejects.toBeInstanceOf(ConfigError);
    expect(next.loader.config).toBe(next.config);
  });

  it('finds a contract a glob newly matches, and one removed; a changed meshwatch.yaml reads every source again', async () => {
    const dir = await sourcedDir();
    const loader = MeshLoader.open(dir, { env: {} });
    await cp(odcs('docs__examples__quality__column-completeness'), path.join(dir, 'contracts', 'completeness.odcs.yaml'));
    let result = loader.reload();
    expect(result).toMatchObject({ ok: true, changedFiles: ['contracts/completeness.odcs.yaml'] });
    await expectSameAsFullLoad(dir, result);
    expect(loader.config.sourceFiles).toEqual(['target/manifest.json', 'contracts/completeness.odcs.yaml', 'contracts/full.odcs.yaml']);

    await rm(path.join(dir, 'contracts', 'completeness.odcs.yaml'));
    result = loader.reload(['contracts/completeness.odcs.yaml']);
    expect(result.ok).toBe(true);
    await expectSameAsFullLoad(dir, result);

    await writeFile(path.join(dir, 'meshwatch.yaml'), SOURCED_WS.replace('"contracts/*.odcs.yaml"', '"elsewhere/*.odcs.yaml"').replace('{ id: seller, name: Seller }', '{ id: seller, name: Seller, slackChannel: "#seller" }'));
    result = loader.reload(['meshwatch.yaml']);
    expect(result).toMatchObject({ ok: true, full: true });
    await expectSameAsFullLoad(dir, result);
    expect(loader.config.warnings.map((w) => w.message)).toContain('"elsewhere/*.odcs.yaml" matches no file');
  });
});

describe('MeshLoader.reload and contract rules', () => {
  it('checks a changed product’s contract rules like a full load, and links a reference to the referenced table', async () => {
    const dir = await meshDir();
    const loader = MeshLoader.open(dir, { env: {} });
    const before = { config: loader.config, catalog: loader.catalog };
    const orders = SMALL_MESH['products/orders.yaml']!;
    await writeFile(path.join(dir, 'products/orders.yaml'), `${orders}contract:\n  notNull: [nope]\n`);
    await expectRejectedLikeFullLoad(dir, loader, loader.reload(['products/orders.yaml']), before);
    await writeFile(path.join(dir, 'products/orders.yaml'), `${orders}contract:\n  notNull: [order_id]\n  references:\n    customer_id: { product: crm.customers, column: customer_id }\n`);
    const result = loader.reload(['products/orders.yaml']);
    await expectSameAsFullLoad(dir, result);
    expect(loader.config.products.find((p) => p.id === 'sales.orders')?.contract?.references[0]?.references.table?.table.name).toBe('customers');
  });
});
