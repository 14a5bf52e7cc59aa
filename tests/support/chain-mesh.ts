/**
 * A small mesh for service tests, on one yearly schedule (its first tick runs
 * at start; tests drive the others with `tick()`):
 *
 *   crm.customers ──► sales.orders
 *        │                 └─► finance.revenue-dashboard (#finance-revenue), sales.ops-report (#sales-data)
 *        └─► marketing.crm-tracker (#marketing-data)
 *
 * `warehouseSql` builds the tables with each product fresh or stale.
 */
import { hoursAgo } from './duckdb.js';

export const CHAIN_WORKSPACE = `
warehouse: { type: duckdb, path: warehouse.duckdb }
defaults: { schedule: "0 0 1 1 *", timezone: UTC, concurrency: 2 }
platform: { slackChannel: "#data-platform" }
domains:
  - { id: sales, name: Sales, businessUnit: Retail, slackChannel: "#sales-data" }
  - { id: crm, name: CRM, businessUnit: Retail, slackChannel: "#crm-data" }
  - { id: finance, name: Group Finance, businessUnit: Finance, slackChannel: "#finance-data" }
  - { id: marketing, name: Marketing, businessUnit: Marketing, slackChannel: "#marketing-data" }
`;

export function chainMesh(workspaceExtra = '', ordersExtra = ''): Record<string, string> {
  return {
    'meshwatch.yaml': CHAIN_WORKSPACE + workspaceExtra,
    'products/customers.yaml': `id: crm.customers
domain: crm
tier: open
table: crm.customers
freshness: { column: updated_at, maxAge: 2h }
`,
    'products/orders.yaml': `id: sales.orders
domain: sales
tier: open
table: sales.orders
freshness: { column: updated_at, maxAge: 2h }
contract:
  notNull: [order_id]
${ordersExtra}inputs: [crm.customers]
`,
    'consumers/finance.yaml': `consumers:
  - id: finance.revenue-dashboard
    domain: finance
    slackChannel: "#finance-revenue"
    uses:
      - { product: sales.orders, columns: [order_id, amount] }
`,
    'consumers/sales.yaml': `consumers:
  - id: sales.ops-report
    domain: sales
    uses: [sales.orders]
`,
    'consumers/marketing.yaml': `consumers:
  - id: marketing.crm-tracker
    domain: marketing
    uses: [crm.customers]
`,
  };
}

export interface ChainState {
  readonly customersAgeHours?: number;
  readonly ordersAgeHours?: number;
  /** Rows of sales.orders with a null order_id (breaks contract.notNull.order_id). */
  readonly nullOrderIds?: number;
}

export function warehouseSql(state: ChainState = {}, now = new Date()): string[] {
  const customers = hoursAgo(now, state.customersAgeHours ?? 0.1);
  const orders = hoursAgo(now, state.ordersAgeHours ?? 0.1);
  const sql = [
    'create schema crm',
    'create table crm.customers (customer_id integer, updated_at timestamp)',
    `insert into crm.customers values (1, ${customers})`,
    'create schema sales',
    'create table sales.orders (order_id integer, amount decimal(12,2), updated_at timestamp)',
    `insert into sales.orders values (1, 10.5, ${orders})`,
  ];
  for (let i = 0; i < (state.nullOrderIds ?? 0); i++) sql.push(`insert into sales.orders values (null, 1, ${orders})`);
  return sql;
}
