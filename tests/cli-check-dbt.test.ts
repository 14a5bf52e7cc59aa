/** `meshwatch check` end to end on DuckDB for products that came from a dbt manifest (the cosmos altered_jaffle_shop one, read natively through sources:). */
import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './support/cli.js';
import { writeConfigDir } from './support/config-dir.js';
import { buildDuckdb } from './support/duckdb.js';
import { manifest } from './support/real-inputs.js';

const NOW = new Date('2026-11-25T09:00:00.000Z');
let dir: string;
let cleanup: () => Promise<void>;

/** The manifest's tables in schema `public` of catalog `p` (its database), with one planted problem: a null order id in stg_orders. */
async function buildWarehouse(file: string, nullOrderId: boolean): Promise<void> {
  await rm(file, { force: true });
  await rm(`${file}.wal`, { force: true });
  await buildDuckdb(file, [
    'create schema public',
    'create table public.raw_orders (id integer, order_date date)',
    "insert into public.raw_orders values (1, DATE '2026-11-20'), (2, DATE '2026-11-21')",
    'create table public.stg_customers (customer_id integer)',
    'insert into public.stg_customers values (1), (2)',
    'create table public.stg_orders (order_id integer, status varchar)',
    `insert into public.stg_orders values (1, 'placed'), (${nullOrderId ? 'null' : '2'}, 'shipped')`,
    'create table public.stg_payments (payment_id integer, payment_method varchar)',
    "insert into public.stg_payments values (1, 'coupon'), (2, 'gift_card')",
    'create table public.customers (customer_id integer, first_name varchar, first_order date, last_name varchar, most_recent_order date, number_of_orders integer, total_order_amount double)',
    "insert into public.customers values (1, 'a', DATE '2026-11-20', 'b', DATE '2026-11-21', 2, 10.5)",
    'create table public.orders (amount double, bank_transfer_amount double, coupon_amount double, credit_card_amount double, customer_id integer, gift_card_amount double, order_date date, order_id integer, status varchar)',
    "insert into public.orders values (10, 0, 10, 0, 1, 0, DATE '2026-11-20', 1, 'placed')",
    'create table public.ephemeral_customers_downstream (customer_id integer)',
    'insert into public.ephemeral_customers_downstream values (1)',
  ]);
}

beforeAll(async () => {
  ({ dir, cleanup } = await writeConfigDir({
    'meshwatch.yaml': `warehouse: { type: duckdb, path: p.duckdb }
domains:
  - { id: altered_jaffle_shop, name: Jaffle Shop, businessUnit: Retail, slackChannel: "#jaffle-data" }
sources:
  - dbt: { manifest: target/manifest.json }
    tier: open
`,
  }));
  await cp(manifest('astronomer-cosmos__manifest.json'), path.join(dir, 'target', 'manifest.json'));
});
afterAll(() => cleanup());

interface Report {
  results: Array<{ product: string; check: string; status: string; columns: string[] }>;
  incidents: Array<{ product: string; checks: string[]; rootCause: string; impact: { products: Array<{ id: string }>; consumers: Array<{ id: string; channel: string }> } }>;
}

describe('meshwatch check on products from a dbt manifest', () => {
  it('runs the mapped tests on DuckDB and names who is hurt downstream through models and exposures', async () => {
    await buildWarehouse(path.join(dir, 'p.duckdb'), true);
    const run = await cli(['check', '--config', dir, '--format', 'json'], { now: NOW });
    const report = JSON.parse(run.stdout) as Report;
    expect(run.code).toBe(1);
    expect(report.incidents.map((i) => [i.product, i.checks])).toEqual([['altered_jaffle_shop.stg_orders', ['contract.notNull.order_id']]]);
    const impact = report.incidents[0]!.impact;
    expect(impact.products.map((p) => p.id).sort()).toEqual(['altered_jaffle_shop.customers', 'altered_jaffle_shop.ephemeral_customers_downstream', 'altered_jaffle_shop.orders']);
    expect(impact.consumers).toEqual([expect.objectContaining({ id: 'altered_jaffle_shop.weekly_metrics', channel: '#jaffle-data' })]);
    // The tests of the manifest became checks: unique, accepted values and the schema (presence only) pass.
    const checks = report.results.filter((r) => r.product === 'altered_jaffle_shop.orders').map((r) => [r.check, r.status]);
    expect(checks).toEqual(expect.arrayContaining([['schema', 'pass'], ['contract.unique.order_id', 'pass'], ['contract.acceptedValues.status', 'pass']]));
  });

  it('exits 0 when the warehouse holds what the manifest promises', async () => {
    await buildWarehouse(path.join(dir, 'p.duckdb'), false);
    const run = await cli(['check', '--config', dir, '--format', 'json'], { now: NOW });
    const report = JSON.parse(run.stdout) as Report;
    expect(report.results.filter((r) => r.status !== 'pass')).toEqual([]);
    expect(run.code).toBe(0);
  });
});
