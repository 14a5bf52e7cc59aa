import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, formatProblem } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { parseDuration } from '../config/duration.js';
import { parseTableRef } from '../config/identifier.js';
import { parseSchedule } from '../config/schedule.js';
import { WORKSPACE, productYaml, writeConfigDir } from './support/config-dir.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function dirWith(files: Record<string, string>): Promise<string> {
  const { dir, cleanup } = await writeConfigDir({ 'meshwatch.yaml': WORKSPACE, ...files });
  cleanups.push(cleanup);
  return dir;
}

/** Loads and returns the formatted problems; fails the test when the config is valid. */
async function problemsOf(files: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const dir = await dirWith(files);
  const error = await loadConfig(dir, { env }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems.map(formatProblem);
}

describe('config values', () => {
  it('parses durations and rejects other text', () => {
    expect(parseDuration('90m')).toBe(90 * 60_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration('0m')).toBeUndefined();
    expect(parseDuration('2 hours')).toBeUndefined();
  });

  it('parses cron schedules and intervals', () => {
    expect(parseSchedule('*/15 * * * *', 'UTC')).toEqual({ kind: 'cron', pattern: '*/15 * * * *', timezone: 'UTC' });
    expect(parseSchedule('30s', 'UTC')).toEqual({ kind: 'every', everyMs: 30_000, text: '30s' });
    expect(parseSchedule('5m', 'UTC')).toEqual({ kind: 'every', everyMs: 300_000, text: '5m' });
    expect(parseSchedule('61 * * * *', 'UTC')).toMatch(/invalid cron expression/);
    expect(parseSchedule('* * *', 'UTC')).toMatch(/5 or 6 fields/);
    expect(parseSchedule('1s', 'UTC')).toMatch(/shorter than the minimum/);
  });

  it('keeps tables structured, with quoted parts', () => {
    expect(parseTableRef('sales.orders')).toEqual({ schema: { name: 'sales', quoted: false }, table: { name: 'orders', quoted: false } });
    expect(parseTableRef('ANALYTICS."Sales Data"."x.y"')).toEqual({
      database: { name: 'ANALYTICS', quoted: false },
      schema: { name: 'Sales Data', quoted: true },
      table: { name: 'x.y', quoted: true },
    });
    expect(parseTableRef('a."b""c"')).toEqual({ schema: { name: 'a', quoted: false }, table: { name: 'b"c', quoted: true } });
    expect(parseTableRef('orders')).toBe('expected a table like SCHEMA.TABLE or DB.SCHEMA.TABLE, got "orders" (1 part)');
    expect(parseTableRef('a.b.c.d')).toMatch(/\(4 parts\)/);
    expect(parseTableRef('sales.orders; drop table x')).toMatch(/not a valid identifier/);
    expect(parseTableRef('a."b')).toMatch(/unterminated/);
  });
});

describe('loadConfig', () => {
  it('loads a valid directory into the typed model', async () => {
    const dir = await dirWith({
      'products/orders.yaml': productYaml(
        'sales.orders',
        'sales',
        `schedule: 5m
freshness: { column: updated_at, maxAge: 2h, warnAge: 1h }
schema:
  columns:
    - { name: order_id, type: INTEGER, nullable: false }
    - { name: amount, type: "DECIMAL(12,2)" }
    - { name: updated_at, type: TIMESTAMP }
inputs: [crm.customers]
`,
      ),
      'products/customers.yaml': productYaml('crm.customers', 'crm'),
      'consumers/finance.yaml': `consumers:
  - id: finance.revenue-dashboard
    domain: finance
    uses:
      - { product: sales.orders, columns: [order_id, amount] }
      - crm.customers
`,
    });
    const config = await loadConfig(dir);
    const orders = config.products.find((p) => p.id === 'sales.orders')!;
    expect(orders.schedule).toEqual({ kind: 'every', everyMs: 300_000, text: '5m' });
    expect(orders.freshness?.maxAge.ms).toBe(7_200_000);
    expect(orders.inputs).toEqual([{ product: 'crm.customers', columns: undefined }]);
    expect(orders.file).toBe('products/orders.yaml');
    expect(orders.schema?.columns[0]).toEqual({ name: 'order_id', type: 'INTEGER', nullable: false });
    expect(orders.schema?.columns[1]?.nullable).toBe(true);
    const customers = config.products.find((p) => p.id === 'crm.customers')!;
    expect(customers.schedule).toEqual({ kind: 'cron', pattern: '*/15 * * * *', timezone: 'UTC' });
    expect(config.consumers[0]?.uses).toEqual([
      { product: 'sales.orders', columns: ['order_id', 'amount'] },
      { product: 'crm.customers', columns: undefined },
    ]);
    expect(config.workspace.warehouse).toEqual({ type: 'duckdb', path: `${dir}/warehouse.duckdb`, catalog: 'warehouse' });
  });

  it('interpolates ${ENV} and names a missing variable', async () => {
    const workspace = `warehouse:
  type: snowflake
  account: acme-xy12345
  user: MESHWATCH
  password: \${SF_PASSWORD}
  role: "$\${literal}"
domains:
  - { id: sales, name: Sales, slackChannel: "#sales" }
`;
    const dir = await dirWith({ 'meshwatch.yaml': workspace });
    const config = await loadConfig(dir, { env: { SF_PASSWORD: 's3cret: {not yaml}' } });
    expect(config.workspace.warehouse).toMatchObject({ type: 'snowflake', password: 's3cret: {not yaml}', role: '${literal}' });

    expect(await problemsOf({ 'meshwatch.yaml': workspace })).toEqual([
      'meshwatch.yaml: warehouse.password: environment variable SF_PASSWORD is not set',
    ]);
  });

  it('reports every problem in every file together, each with file and path', async () => {
    const problems = await problemsOf({
      'products/orders.yaml': `id: sales.orders
domain: sales
tier: limted
table: ANALYTICS.SALES.ORDERS
freshness: { column: updated_at, maxAge: soon }
schedul: 5m
`,
      'products/deals.yaml': productYaml('sales.deals', 'slaes', 'schedule: "*/5 * *"\n'),
      'products/broken.yaml': 'id: [unclosed\n',
      'products/notable.yaml': productYaml('sales.notable', 'sales').replace('table: sales.notable', 'table: notable'),
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'products/orders.yaml: tier: expected one of open, limited, restricted, got "limted"',
        'products/orders.yaml: freshness.maxAge: expected a duration like 2h, got "soon"',
        'products/orders.yaml: unknown field "schedul"',
        'products/deals.yaml: schedule: expected a cron expression (5 or 6 fields) or an interval like 5m, got "*/5 * *"',
        'products/deals.yaml: domain: unknown domain "slaes" (did you mean sales?)',
        'products/notable.yaml: table: expected a table like SCHEMA.TABLE or DB.SCHEMA.TABLE, got "notable" (1 part)',
        'products/broken.yaml: line 2, column 1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
      ]),
    );
    expect(problems).toHaveLength(7);
  });

  it('rejects duplicate ids across files', async () => {
    const problems = await problemsOf({
      'products/a.yaml': productYaml('sales.orders', 'sales'),
      'products/b.yaml': productYaml('sales.orders', 'sales'),
      'consumers/x.yaml': 'consumers:\n  - { id: c1, domain: finance, uses: [sales.orders] }\n',
      'consumers/y.yaml': 'consumers:\n  - { id: c1, domain: finance, uses: [sales.orders] }\n',
      'meshwatch.yaml': `${WORKSPACE}  - { id: sales, name: Sales again, slackChannel: "#x" }\n`,
    });
    expect(problems).toEqual([
      'meshwatch.yaml: domains[4].id: duplicate domain id "sales" (also at domains[0])',
      'products/b.yaml: id: duplicate product id "sales.orders" (also in products/a.yaml)',
      'consumers/y.yaml: consumers[0].id: duplicate consumer id "c1" (also in consumers/x.yaml)',
    ]);
  });

  it('rejects unknown products in inputs and uses, with the nearest ids', async () => {
    const problems = await problemsOf({
      'products/orders.yaml': productYaml('sales.orders', 'sales', 'inputs: [crm.customer]\n'),
      'products/customers.yaml': productYaml('crm.customers', 'crm'),
      'consumers/finance.yaml': 'consumers:\n  - { id: f1, domain: finance, uses: [sales.order, { product: nope.x }] }\n',
    });
    expect(problems).toEqual([
      'products/orders.yaml: inputs[0]: unknown product "crm.customer" (did you mean crm.customers?)',
      'consumers/finance.yaml: consumers[0].uses[0]: unknown product "sales.order" (did you mean sales.orders?)',
      'consumers/finance.yaml: consumers[0].uses[1]: unknown product "nope.x"',
    ]);
  });

  it('rejects columns that the declared schema does not have', async () => {
    const schema = `schema:
  columns:
    - { name: order_id, type: INTEGER }
    - { name: amount, type: DOUBLE }
`;
    const problems = await problemsOf({
      'products/orders.yaml': productYaml(
        'sales.orders',
        'sales',
        `${schema}freshness: { column: updated, maxAge: 1h }
contract:
  notNull: [order_id, ammount]
  unique: [id]
  acceptedValues: { status: [a] }
`,
      ),
      'products/revenue.yaml': productYaml('finance.revenue', 'finance', 'inputs: [{ product: sales.orders, columns: [amount, tax] }]\n'),
      'consumers/m.yaml': 'consumers:\n  - { id: m1, domain: marketing, uses: [{ product: sales.orders, columns: [ORDER_ID, customer] }] }\n',
    });
    expect(problems).toEqual([
      'products/orders.yaml: freshness.column: column "updated" is not in schema.columns',
      'products/revenue.yaml: inputs[0].columns[1]: sales.orders has no column "tax" in its declared schema',
      'consumers/m.yaml: consumers[0].uses[0].columns[1]: sales.orders has no column "customer" in its declared schema',
      // Contract rules are checked after the references between files (config/contract-rules.ts).
      'products/orders.yaml: contract.notNull[1]: sales.orders has no column "ammount" in its declared schema (did you mean amount?)',
      'products/orders.yaml: contract.unique[0]: sales.orders has no column "id" in its declared schema (did you mean order_id?)',
      'products/orders.yaml: contract.acceptedValues.status: column "status" is not in schema.columns',
    ]);
  });

  it('rejects lineage cycles and prints the cycle', async () => {
    const problems = await problemsOf({
      'products/a.yaml': productYaml('sales.a', 'sales', 'inputs: [sales.c]\n'),
      'products/b.yaml': productYaml('sales.b', 'sales', 'inputs: [sales.a]\n'),
      'products/c.yaml': productYaml('sales.c', 'sales', 'inputs: [sales.b]\n'),
      'products/d.yaml': productYaml('sales.d', 'sales', 'inputs: [sales.d]\n'),
    });
    expect(problems).toEqual([
      'products/a.yaml: inputs: lineage cycle: sales.a → sales.b → sales.c → sales.a',
      'products/d.yaml: inputs: lineage cycle: sales.d → sales.d',
    ]);
  });

  it('reports a missing meshwatch.yaml and a missing directory', async () => {
    const { dir, cleanup } = await writeConfigDir({ 'products/a.yaml': productYaml('sales.a', 'sales') });
    cleanups.push(cleanup);
    await expect(loadConfig(dir)).rejects.toThrow('meshwatch.yaml: file not found');
    await expect(loadConfig(`${dir}/nope`)).rejects.toThrow('config directory not found');
  });

  it('rejects SCHEMA.TABLE on Snowflake without a default database', async () => {
    const problems = await problemsOf(
      {
        'meshwatch.yaml': `warehouse: { type: snowflake, account: a, user: u, password: "\${PW}" }
domains: [{ id: sales, name: Sales, slackChannel: "#sales" }]
`,
        'products/orders.yaml': productYaml('sales.orders', 'sales'),
        'products/lines.yaml': productYaml('sales.lines', 'sales').replace('table: sales.lines', 'table: ANALYTICS.SALES.LINES'),
      },
      { PW: 'x' },
    );
    expect(problems).toEqual(['products/orders.yaml: table: sales.orders names no database: write DB.SCHEMA.TABLE or set warehouse.database in meshwatch.yaml']);
  });

  it('insists that Snowflake secrets come from the environment', async () => {
    const problems = await problemsOf({
      'meshwatch.yaml': `warehouse: { type: snowflake, account: a, user: u, password: hunter2, database: DB }
domains: [{ id: sales, name: Sales, slackChannel: "#sales" }]
`,
    });
    expect(problems).toEqual(['meshwatch.yaml: warehouse.password: a secret must come from the environment, e.g. password: ${SNOWFLAKE_PASSWORD}']);
  });

  it('validates snowflake authentication settings', async () => {
    const problems = await problemsOf({
      'meshwatch.yaml': `warehouse: { type: snowflake, account: a, user: u, authenticator: SNOWFLAKE_JWT }
domains: [{ id: sales, name: Sales, slackChannel: "#sales" }]
`,
    });
    expect(problems).toEqual(['meshwatch.yaml: warehouse.privateKey: key-pair authentication needs privateKey or privateKeyPath']);
  });
});
