/**
 * A small mesh for impact and check tests:
 *
 *   crm.customers ──► sales.orders ──{amount}──► finance.revenue ──┐
 *                          │                                        ├──► finance.pnl
 *                          └────────────────► marketing.segments ──┘
 *
 * (a diamond: sales.orders reaches finance.pnl on two paths).
 */
export const SMALL_MESH: Record<string, string> = {
  'products/customers.yaml': `id: crm.customers
domain: crm
tier: limited
table: crm.customers
schema:
  columns:
    - { name: customer_id, type: INTEGER, nullable: false }
    - { name: email, type: VARCHAR }
`,
  'products/orders.yaml': `id: sales.orders
domain: sales
tier: open
tierJustification: "reads only customer_id of crm.customers"
table: sales.orders
schema:
  columns:
    - { name: order_id, type: INTEGER, nullable: false }
    - { name: customer_id, type: INTEGER }
    - { name: amount, type: "DECIMAL(12,2)" }
    - { name: status, type: VARCHAR }
    - { name: updated_at, type: TIMESTAMP }
inputs: [crm.customers]
`,
  'products/revenue.yaml': `id: finance.revenue
domain: finance
tier: restricted
table: finance.revenue
inputs:
  - { product: sales.orders, columns: [amount] }
`,
  'products/segments.yaml': `id: marketing.segments
domain: marketing
tier: open
table: marketing.segments
inputs: [sales.orders]
`,
  'products/pnl.yaml': `id: finance.pnl
domain: finance
tier: restricted
table: finance.pnl
inputs: [finance.revenue, marketing.segments]
`,
  'consumers/finance.yaml': `consumers:
  - id: finance.revenue-dashboard
    domain: finance
    slackChannel: "#finance-revenue"
    uses:
      - { product: sales.orders, columns: [order_id, amount] }
  - id: finance.cfo-dashboard
    domain: finance
    uses: [finance.pnl, finance.revenue]
`,
  'consumers/marketing.yaml': `consumers:
  - id: marketing.status-tracker
    domain: marketing
    uses:
      - { product: sales.orders, columns: [status] }
  - id: marketing.churn-model
    domain: marketing
    uses: [marketing.segments]
`,
  'consumers/sales.yaml': `consumers:
  - id: sales.ops-report
    domain: sales
    uses: [sales.orders]
`,
};
