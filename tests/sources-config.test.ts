/**
 * `sources:` in meshwatch.yaml as the loader sees them: sourced rules that
 * break the contract rules are notes (hand-written files keep their
 * errors); domains take their Slack channel and people from the sources
 * where meshwatch.yaml sets none; config/ loads sources only through the
 * reader given to it.
 */
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, formatProblem } from '../config/errors.js';
import { loadConfig as loadWithoutReader } from '../config/load.js';
import { loadConfig } from '../sources/load-config.js';
import { dbtManifestJson, dbtModel, dbtTest } from './support/dbt-manifest.js';
import { writeConfigDir } from './support/config-dir.js';
import { odcs } from './support/real-inputs.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function dir(files: Record<string, string>): Promise<string> {
  const { dir, cleanup } = await writeConfigDir(files);
  cleanups.push(cleanup);
  return dir;
}

const problemsOf = (dir: string) =>
  loadConfig(dir, { env: {} }).then(
    () => [] as string[],
    (err: unknown) => {
      if (!(err instanceof ConfigError)) throw err;
      return err.problems.map(formatProblem);
    },
  );

const WS = `warehouse: { type: duckdb, path: w.duckdb }
domains:
  - { id: shop, name: Shop, slackChannel: "#shop" }
sources:
  - { dbt: { manifest: target/manifest.json } }
`;

/** customers declares id only; orders reads customers and tests a column customers does not have. */
const MANIFEST = dbtManifestJson([
  dbtModel('customers', { columns: { id: { name: 'id', data_type: 'integer' } } }),
  dbtModel('orders', { depends_on: { nodes: ['model.shop.customers'] }, columns: { id: { name: 'id', data_type: 'integer' }, customer_id: { name: 'customer_id', data_type: 'integer' } } }),
  dbtTest('not_null', { column_name: 'id' }, 'orders'),
  dbtTest('relationships', { column_name: 'customer_id', to: "ref('customers')", field: 'customer_key' }, 'orders'),
  dbtTest('dbt_utils.expression_is_true', { expression: 'amount >= 0' }, 'orders', 'dbt_utils'),
  dbtTest('unique', { column_name: 'id' }, 'customers'),
]);

describe('sourced rules that break the contract rules', () => {
  it('are dropped with a note naming the file, the model and the rule; the rest of the config loads', async () => {
    const config = await loadConfig(await dir({ 'meshwatch.yaml': WS, 'target/manifest.json': MANIFEST }), { env: {} });
    const orders = config.products.find((p) => p.id === 'shop.orders')!;
    expect(orders.contract?.notNull.map((r) => r.column)).toEqual(['id']);
    expect(orders.contract?.references).toEqual([]);
    expect(orders.contract?.expressions).toEqual([]);
    expect(config.products.find((p) => p.id === 'shop.customers')!.contract?.unique.map((r) => r.columns)).toEqual([['id']]);
    const ruleNotes = config.notes.filter((n) => n.message.includes('the rule is not checked'));
    expect(ruleNotes.map(formatProblem)).toEqual([
      'target/manifest.json: nodes["model.shop.orders"]: shop.orders: contract.references.customer_id.column: shop.customers has no column "customer_key" in its declared schema: the rule is not checked',
      'target/manifest.json: nodes["model.shop.orders"]: shop.orders: contract.expressions[0].expr: contract.expressions.orders_expression: shop.orders has no column "amount" in its declared schema: the rule is not checked',
    ]);
    expect(ruleNotes.every((n) => n.kind === 'note' && n.source === 'dbt')).toBe(true);
  });

  it('in products/*.yaml stay errors, beside the same rule from a source that is a note', async () => {
    const problems = await problemsOf(
      await dir({
        'meshwatch.yaml': WS,
        'target/manifest.json': MANIFEST,
        'products/mine.yaml': `id: shop.mine
domain: shop
tier: open
table: s.mine
inputs: [shop.customers]
schema: { columns: [{ name: customer_id, type: integer }] }
contract:
  references:
    customer_id: { product: shop.customers, column: customer_key }
`,
      }),
    );
    expect(problems).toEqual(['products/mine.yaml: contract.references.customer_id.column: shop.customers has no column "customer_key" in its declared schema']);
  });
});

describe('domains from sources', () => {
  const contractsWorkspace = (domain: string) => `warehouse: { type: duckdb, path: w.duckdb }
domains:
  - ${domain}
sources:
  - { odcs: "contracts/*.odcs.yaml" }
`;

  it('a domain that sets no channel or people takes the ODCS support channel and team; one that sets them keeps its own', async () => {
    const d1 = await dir({ 'meshwatch.yaml': contractsWorkspace('{ id: seller, name: Seller }') });
    await cp(odcs('docs__examples__all__full-example'), path.join(d1, 'contracts', 'full.odcs.yaml'));
    expect((await loadConfig(d1, { env: {} })).workspace.domains).toEqual([{ id: 'seller', name: 'Seller', slackChannel: '#product-help', people: ['mhopper', 'daustin'] }]);

    const d2 = await dir({ 'meshwatch.yaml': contractsWorkspace('{ id: seller, name: Seller, slackChannel: "#seller", people: [ana] }') });
    await cp(odcs('docs__examples__all__full-example'), path.join(d2, 'contracts', 'full.odcs.yaml'));
    expect((await loadConfig(d2, { env: {} })).workspace.domains).toEqual([{ id: 'seller', name: 'Seller', slackChannel: '#seller', people: ['ana'] }]);
  });

  it('a domain that no source gives a channel still needs one, as without sources', async () => {
    expect(await problemsOf(await dir({ 'meshwatch.yaml': 'warehouse: { type: duckdb, path: w.duckdb }\ndomains:\n  - { id: shop, name: Shop }\n' }))).toEqual([
      'meshwatch.yaml: domains[0].slackChannel: expected a Slack channel like "#sales-data" or a channel id, got nothing',
    ]);
    const ws = 'warehouse: { type: duckdb, path: w.duckdb }\ndomains:\n  - { id: shop, name: Shop }\nsources:\n  - { dbt: { manifest: target/manifest.json } }\n';
    expect(await problemsOf(await dir({ 'meshwatch.yaml': ws, 'target/manifest.json': MANIFEST }))).toEqual([
      'meshwatch.yaml: domains[0].slackChannel: expected a Slack channel like "#sales-data" or a channel id, got nothing (no source naming shop gives a Slack support channel)',
    ]);
  });
});

describe('the source reader is given from above config/', () => {
  it('config/load.ts alone refuses a config with sources instead of loading it without them', async () => {
    const d = await dir({ 'meshwatch.yaml': WS, 'target/manifest.json': MANIFEST });
    await expect(loadWithoutReader(d, { env: {} })).rejects.toThrow(/no source reader was given/);
    expect((await loadConfig(d, { env: {} })).products.map((p) => p.id)).toEqual(['shop.customers', 'shop.orders']);
  });
});
