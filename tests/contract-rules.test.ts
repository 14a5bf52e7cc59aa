/**
 * Contract rules at the edges the warehouse suite does not cover: how the
 * YAML shapes are read, what `validate` refuses (unknown columns, a range on
 * text, a reference to a non-input, an invalid regex, an expression that
 * reaches outside its table, duplicate rules), and what severities do to
 * incidents and impact. On real DuckDB.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/catalog.js';
import { runCheckCycle } from '../checks/cycle.js';
import { duckdbDialect, openDuckdbWarehouse } from '../checks/duckdb-warehouse.js';
import { snowflakeDialect } from '../checks/snowflake-warehouse.js';
import { buildIncidents } from '../checks/incidents.js';
import { buildReport, reportExitCode } from '../checks/report.js';
import { ConfigError, formatProblem } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { parseRowExpression } from '../config/row-expression.js';
import { WORKSPACE, writeConfigDir } from './support/config-dir.js';
import { buildDuckdb } from './support/duckdb.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function dirWith(files: Record<string, string>): Promise<string> {
  const { dir, cleanup } = await writeConfigDir({ 'meshwatch.yaml': WORKSPACE, ...files });
  cleanups.push(cleanup);
  return dir;
}

async function problemsOf(files: Record<string, string>): Promise<string[]> {
  const error = await loadConfig(await dirWith(files), { env: {} }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems.map(formatProblem);
}

const CUSTOMERS = `id: crm.customers
domain: crm
tier: open
table: crm.customers
schema:
  columns:
    - { name: customer_id, type: INTEGER }
    - { name: email, type: VARCHAR }
`;

const orders = (contract: string, extra = 'inputs: [crm.customers]\n') => `id: sales.orders
domain: sales
tier: open
table: sales.orders
schema:
  columns:
    - { name: order_id, type: INTEGER }
    - { name: line_no, type: INTEGER }
    - { name: customer_id, type: INTEGER }
    - { name: status, type: VARCHAR }
    - { name: amount, type: "DECIMAL(12,2)" }
    - { name: ordered_at, type: TIMESTAMP }
${extra}contract:
${contract}`;

describe('contract config', () => {
  it('reads every YAML shape into one rule shape per kind', async () => {
    const config = await loadConfig(
      await dirWith({
        'products/customers.yaml': CUSTOMERS,
        'products/orders.yaml': orders(`  rowCount: { min: 1, severity: warn }
  notNull: [order_id, { column: status, maxPercent: 2 }]
  unique: [order_id, [order_id, line_no], { columns: [customer_id], maxRows: 3, severity: warn }]
  acceptedValues:
    status: [placed, shipped]
    amount: { values: [1, 2], maxRows: 10, severity: warn }
  range:
    amount: { min: 0, max: 100000 }
    ordered_at: { min: "2020-01-01", exclusive: true }
  pattern:
    status: '^[a-z]+$'
  references:
    customer_id: { product: crm.customers, column: customer_id }
  expressions:
    - { name: positive, expr: "amount >= 0" }
  sql:
    - { name: some, query: "select count(*) from {{ table }}", expect: { min: 1 }, severity: warn }
`),
      }),
      { env: {} },
    );
    const contract = config.products.find((p) => p.id === 'sales.orders')!.contract!;
    expect(contract.rowCount).toEqual({ min: 1, severity: 'warn' });
    expect(contract.notNull).toEqual([
      { column: 'order_id', severity: 'fail' },
      { column: 'status', severity: 'fail', tolerance: { maxPercent: 2 } },
    ]);
    expect(contract.unique).toEqual([
      { columns: ['order_id'], severity: 'fail' },
      { columns: ['order_id', 'line_no'], severity: 'fail' },
      { columns: ['customer_id'], severity: 'warn', tolerance: { maxRows: 3 } },
    ]);
    expect(contract.acceptedValues).toEqual([
      { column: 'status', values: ['placed', 'shipped'], severity: 'fail' },
      { column: 'amount', values: [1, 2], severity: 'warn', tolerance: { maxRows: 10 } },
    ]);
    expect(contract.range).toEqual([
      { column: 'amount', min: 0, max: 100000, exclusive: false, severity: 'fail' },
      { column: 'ordered_at', min: '2020-01-01', max: undefined, exclusive: true, severity: 'fail' },
    ]);
    expect(contract.pattern).toEqual([{ column: 'status', regex: '^[a-z]+$', severity: 'fail' }]);
    // Linked to the input's table by the loader.
    expect(contract.references).toEqual([
      {
        column: 'customer_id',
        references: { product: 'crm.customers', column: 'customer_id', table: { schema: { name: 'crm', quoted: false }, table: { name: 'customers', quoted: false } } },
        severity: 'fail',
      },
    ]);
    expect(contract.expressions).toEqual([{ name: 'positive', expr: 'amount >= 0', severity: 'fail' }]);
    expect(contract.sql[0]).toMatchObject({ name: 'some', severity: 'warn' });
  });

  it('refuses each broken rule, naming the rule', async () => {
    const problems = await problemsOf({
      'products/customers.yaml': CUSTOMERS,
      'products/other.yaml': 'id: finance.other\ndomain: finance\ntier: open\ntable: finance.other\n',
      'products/orders.yaml': orders(`  notNull: [order_id, { column: emial, maxPercent: 2 }, ORDER_ID]
  unique: [[order_id, lineno], [line_no, order_id], [order_id, line_no]]
  range:
    status: { min: 0 }
    amount: { min: "2020-01-01" }
    ordered_at: { min: "2020-02-30" }
  pattern:
    status: '([a-z]+'
    customer_id: '(?=x)y'
  references:
    customer_id: { product: finance.other, column: id }
    order_id: { product: crm.customers, column: id }
  expressions:
    - { name: outside, expr: "amount > (select max(amount) from sales.orders)" }
    - { name: qualified, expr: "crm.customers.email is not null" }
    - { name: two, expr: "amount > 0; select 1" }
    - { name: unknown, expr: "amonut > 0" }
    - { name: unknown, expr: "amount > 0" }
`),
    });
    expect(problems).toEqual([
      'products/orders.yaml: contract.notNull[1]: sales.orders has no column "emial" in its declared schema',
      'products/orders.yaml: contract.notNull[2]: duplicate rule contract.notNull.ORDER_ID (also at contract.notNull[0])',
      'products/orders.yaml: contract.unique[0][1]: sales.orders has no column "lineno" in its declared schema (did you mean line_no?)',
      'products/orders.yaml: contract.unique[2]: duplicate rule contract.unique.order_id+line_no (also at contract.unique[1])',
      'products/orders.yaml: contract.range.status: contract.range.status: a range needs a number, date or timestamp column; status is declared VARCHAR',
      'products/orders.yaml: contract.range.amount: contract.range.amount: amount is a number column (DECIMAL(12,2)); give numeric bounds',
      'products/orders.yaml: contract.range.ordered_at: contract.range.ordered_at: bound "2020-02-30" is neither a number nor an ISO date or timestamp',
      'products/orders.yaml: contract.pattern.status: contract.pattern.status: invalid regular expression "([a-z]+": /([a-z]+/: Unterminated group',
      'products/orders.yaml: contract.pattern.customer_id: contract.pattern.customer_id: invalid regular expression "(?=x)y": lookahead and lookbehind are not supported by the warehouse engines',
      'products/orders.yaml: contract.references.customer_id.product: contract.references.customer_id: finance.other is not an input of sales.orders; a reference must follow lineage: add it to inputs (inputs: crm.customers)',
      'products/orders.yaml: contract.references.order_id.column: crm.customers has no column "id" in its declared schema (did you mean customer_id?)',
      `products/orders.yaml: contract.expressions[0].expr: contract.expressions.outside: not a row expression over sales.orders's columns: SELECT is not allowed in a row expression`,
      `products/orders.yaml: contract.expressions[1].expr: contract.expressions.qualified: not a row expression over sales.orders's columns: "." at position 4: qualified names reach outside the product's table`,
      `products/orders.yaml: contract.expressions[2].expr: contract.expressions.two: not a row expression over sales.orders's columns: a ";" ends the statement: an expression is not a statement`,
      'products/orders.yaml: contract.expressions[3].expr: contract.expressions.unknown: sales.orders has no column "amonut" in its declared schema (did you mean amount?)',
      'products/orders.yaml: contract.expressions[4].name: duplicate rule contract.expressions.unknown (also at contract.expressions[3].name)',
    ]);
  });

  it('refuses shapes that mean nothing: both thresholds, a percentage over 100, min above max', async () => {
    const problems = await problemsOf({
      'products/orders.yaml': orders(
        `  notNull: [{ column: order_id, maxRows: 1, maxPercent: 1 }]
  acceptedValues: { status: { values: [a], maxPercent: 101 } }
  range: { amount: { min: 10, max: 1 } }
  pattern: { status: { regex: 'a', severity: sometimes } }
`,
        '',
      ),
    });
    expect(problems).toEqual([
      'products/orders.yaml: contract.notNull[0]: expected a column name or { column, maxRows | maxPercent, severity }, got a mapping',
      'products/orders.yaml: contract.acceptedValues.status: expected a list of values or { values, maxRows | maxPercent, severity }, got a mapping',
      'products/orders.yaml: contract.range.amount: min must not be greater than max',
      'products/orders.yaml: contract.pattern.status: expected a regular expression or { regex, maxRows | maxPercent, severity }, got a mapping',
    ]);
  });
});

describe('row expressions are confined to the product\'s own columns', () => {
  it.each([
    ['amount > 0 and status in (\'placed\', \'shipped\')', ['amount', 'status']],
    ['coalesce(net, 0) + tax = total', ['net', 'tax', 'total']],
    ['cast(qty as integer) between 1 and 10', ['qty']],
    ['"Mixed Col" is not distinct from status', ['"Mixed Col"', 'status']],
    ['case when status = \'x\' then amount > 0 else true end', ['status', 'amount']],
  ])('accepts %s', (expr, columns) => {
    expect(parseRowExpression(expr)).toEqual({ columns });
  });

  it.each([
    ['amount in (select amount from crm.secrets)', /SELECT is not allowed/],
    ['exists(select 1)', /function "exists" is not allowed/],
    ['read_csv(\'/etc/passwd\') is not null', /function "read_csv" is not allowed/],
    ['count(*) > 0', /function "count" is not allowed/],
    ['amount > 0 -- comment', /comment/],
    ['status = \'it\\\'s\'', /backslash/],
    ['crm.secrets.id = 1', /qualified names/],
    ['amount > 0; drop table x', /";" ends the statement/],
    ['amount from x', /FROM reaches outside/],
    ['cast(amount as regclass) > 0', /unknown type/],
    ['(amount > 0', /unbalanced/],
  ])('refuses %s', (expr, reason) => {
    const parsed = parseRowExpression(expr);
    expect('error' in parsed && parsed.error).toMatch(reason);
  });
});

describe('patterns through the dialect', () => {
  it('are full matches by each engine\'s own function, the pattern quoted by its own string rules', () => {
    expect(duckdbDialect.regexFullMatch('"SKU"', duckdbDialect.quoteString('^\\d+$'))).toBe(`regexp_full_match("SKU", '^\\d+$')`);
    // Snowflake reads backslash escapes in strings: the backslash is doubled so that RLIKE sees \d.
    expect(snowflakeDialect.regexFullMatch('"SKU"', snowflakeDialect.quoteString('^\\d+$'))).toBe(`RLIKE("SKU", '^\\\\d+$')`);
  });
});

describe('severity', () => {
  it('a failing warn rule gives warn: reported, no incident, no consumer reached, exit 0', async () => {
    const dir = await dirWith({
      'products/orders.yaml': `id: sales.orders
domain: sales
tier: open
table: sales.orders
contract:
  rowCount: { min: 5, severity: warn }
  notNull: [{ column: status, severity: warn }]
  unique: [{ columns: [order_id, status], severity: warn }]
  range: { amount: { min: 0, severity: warn } }
  expressions: [{ name: big, expr: "amount < 100", severity: warn }]
  sql:
    - { name: none_negative, query: "select count(*) from {{ table }} where amount < 0", expect: 0, severity: warn }
`,
      'consumers/finance.yaml': `consumers:\n  - { id: finance.dash, domain: finance, uses: [{ product: sales.orders, columns: [amount, status] }] }\n`,
    });
    await buildDuckdb(path.join(dir, 'warehouse.duckdb'), [
      'create schema sales; create table sales.orders (order_id integer, status varchar, amount decimal(12,2))',
      `insert into sales.orders values (1, 'placed', -5), (1, 'placed', 500), (2, null, 10)`,
    ]);
    const config = await loadConfig(dir, { env: {} });
    const warehouse = await openDuckdbWarehouse({ path: path.join(dir, 'warehouse.duckdb'), catalog: 'warehouse' });
    cleanups.push(() => warehouse.close());
    const outcome = await runCheckCycle(warehouse, { products: config.products, now: NOW, concurrency: 1 });
    expect(outcome.results.map((r) => [r.check, r.status])).toEqual([
      ['contract.rowCount', 'warn'],
      ['contract.notNull.status', 'warn'],
      ['contract.unique.order_id+status', 'warn'],
      ['contract.range.amount', 'warn'],
      ['contract.expressions.big', 'warn'],
      ['contract.sql.none_negative', 'warn'],
    ]);
    const catalog = new Catalog(config);
    expect(buildIncidents(catalog, outcome.results)).toEqual([]);
    const report = buildReport(catalog, outcome, { products: 1, engine: 'duckdb', durationMs: 0 });
    expect(report.summary.statuses).toMatchObject({ warn: 6, fail: 0 });
    expect(reportExitCode(report)).toBe(0);
  });

  it('a fail rule next to warn rules opens the incident, with the failing rule\'s columns only', async () => {
    const dir = await dirWith({
      'products/orders.yaml': `id: sales.orders
domain: sales
tier: open
table: sales.orders
contract:
  pattern: { status: { regex: '[a-z]+', severity: warn } }
  expressions: [{ name: positive, expr: "amount > 0" }]
`,
      'consumers/finance.yaml': `consumers:
  - { id: finance.dash, domain: finance, uses: [{ product: sales.orders, columns: [amount] }] }
  - { id: finance.status, domain: finance, uses: [{ product: sales.orders, columns: [status] }] }
`,
    });
    await buildDuckdb(path.join(dir, 'warehouse.duckdb'), [
      'create schema sales; create table sales.orders (order_id integer, status varchar, amount decimal(12,2))',
      `insert into sales.orders values (1, 'PLACED', -5), (2, 'placed', 10)`,
    ]);
    const config = await loadConfig(dir, { env: {} });
    const warehouse = await openDuckdbWarehouse({ path: path.join(dir, 'warehouse.duckdb'), catalog: 'warehouse' });
    cleanups.push(() => warehouse.close());
    const outcome = await runCheckCycle(warehouse, { products: config.products, now: NOW, concurrency: 1 });
    const incidents = buildIncidents(new Catalog(config), outcome.results);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ checks: ['contract.expressions.positive'], brokenColumns: ['amount'] });
    // Column-aware: the consumer of status (broken only at warn) is not told.
    expect(incidents[0]!.impact.consumers.map((c) => c.id)).toEqual(['finance.dash']);
  });
});
