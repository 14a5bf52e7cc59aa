/**
 * A mesh for the status page and API tests: one product per tier, each
 * failing, and markup wherever config or data can put it.
 *
 *   crm.customers (restricted, stale) ──► sales.orders (limited, 2 null order_id)
 *   finance.ledger (open, a status value "<script>…" outside acceptedValues;
 *                   name and description with markup)
 */
import { hoursAgo } from './duckdb.js';

export const MARKUP_NAME = '<img src=x onerror=alert(1)>';
export const MARKUP_VALUE = '<script>alert("v")</script>';

export const STATUS_MESH: Record<string, string> = {
  'meshwatch.yaml': `
warehouse: { type: duckdb, path: warehouse.duckdb }
defaults: { schedule: "0 0 1 1 *", timezone: UTC, concurrency: 2 }
platform: { slackChannel: "#data-platform" }
domains:
  - { id: sales, name: "Sales & <Co>", businessUnit: Retail, slackChannel: "#sales-data" }
  - { id: crm, name: CRM, businessUnit: Retail, slackChannel: "#crm-data" }
  - { id: finance, name: Group Finance, businessUnit: Finance, slackChannel: "#finance-data" }
  - { id: marketing, name: Marketing, businessUnit: Marketing, slackChannel: "#marketing-data" }
`,
  'products/customers.yaml': `id: crm.customers
domain: crm
tier: restricted
table: crm.customers
freshness: { column: updated_at, maxAge: 2h }
`,
  'products/orders.yaml': `id: sales.orders
domain: sales
tier: limited
table: sales.orders
freshness: { column: updated_at, maxAge: 2h }
contract:
  notNull: [order_id]
inputs: [crm.customers]
`,
  'products/ledger.yaml': `id: finance.ledger
name: '${MARKUP_NAME}'
description: '<script>alert("d")</script> the ledger'
domain: finance
tier: open
table: finance.ledger
freshness: { column: updated_at, maxAge: 2h }
contract:
  acceptedValues: { status: [ok] }
`,
  'consumers/finance.yaml': `consumers:
  - id: finance.revenue-dashboard
    domain: finance
    slackChannel: "#finance-revenue"
    uses:
      - { product: sales.orders, columns: [order_id, amount] }
`,
  'consumers/marketing.yaml': `consumers:
  - id: marketing.crm-tracker
    domain: marketing
    uses: [crm.customers]
`,
};

export function statusWarehouseSql(now = new Date()): string[] {
  const fresh = hoursAgo(now, 0.1);
  const stale = hoursAgo(now, 5);
  return [
    'create schema crm',
    'create table crm.customers (customer_id integer, updated_at timestamp)',
    `insert into crm.customers values (1, ${stale})`,
    'create schema sales',
    'create table sales.orders (order_id integer, amount decimal(12,2), updated_at timestamp)',
    `insert into sales.orders values (1, 10.5, ${fresh}), (null, 2, ${fresh}), (null, 3, ${fresh})`,
    'create schema finance',
    'create table finance.ledger (entry_id integer, status varchar, updated_at timestamp)',
    `insert into finance.ledger values (1, 'ok', ${fresh}), (2, '${MARKUP_VALUE.replaceAll("'", "''")}', ${fresh})`,
  ];
}
