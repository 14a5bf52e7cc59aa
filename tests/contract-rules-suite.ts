/**
 * The contract rules (thresholds, severities, composite keys, range, pattern,
 * references, expressions) through a warehouse adapter, on the fixture table
 * `shop.lines` (CONTRACT_RULES_SQL). Part of the warehouse contract: run on
 * DuckDB and on Snowflake (driver + local server), with the same expectations.
 */
import { describe, expect, it } from 'vitest';
import { runCheckCycle } from '../checks/cycle.js';
import type { CheckResult } from '../checks/result.js';
import type { Warehouse } from '../checks/warehouse.js';
import { checkContractRules } from '../config/contract-rules.js';
import type { ConfigProblem } from '../config/errors.js';
import { productFileSchema } from '../config/schema.js';
import type { Product } from '../config/types.js';

const NOW = new Date('2024-02-01T00:00:00Z');

/** Products as the loader makes them (references linked to their tables); validation problems returned, not thrown. */
function products(contract: unknown, options: { validate?: boolean } = {}): Product[] {
  const make = (raw: unknown, file: string): Product => {
    const parsed = productFileSchema.parse(raw);
    return { ...parsed, schedule: { kind: 'every', everyMs: 60_000, text: '1m' }, file };
  };
  const list = [
    make({ id: 'shop.lines', domain: 'shop', tier: 'open', table: 'analytics.shop.lines', contract, inputs: ['crm.customers'] }, 'products/lines.yaml'),
    make({ id: 'crm.customers', domain: 'crm', tier: 'open', table: 'analytics.crm.customers' }, 'products/customers.yaml'),
  ];
  const problems: ConfigProblem[] = [];
  checkContractRules(list, 'duckdb', problems);
  if (options.validate !== false) expect(problems).toEqual([]);
  return list;
}

export function contractRulesSuite(warehouse: () => Warehouse): void {
  describe('contract rules', () => {
    const run = async (contract: unknown, options: { validate?: boolean } = {}) => {
      const outcome = await runCheckCycle(warehouse(), { products: products(contract, options), now: NOW, concurrency: 2, timeoutMs: 20_000 });
      return { results: outcome.results.filter((r) => r.product === 'shop.lines'), queries: outcome.queries };
    };
    const byCheck = (results: readonly CheckResult[], check: string) => {
      const found = results.find((r) => r.check === check);
      expect(found, check).toBeDefined();
      return found!;
    };
    const statuses = (results: readonly CheckResult[]) => Object.fromEntries(results.map((r) => [r.check, r.status]));
    it('thresholds: exactly maxPercent passes, one row over fails; maxRows likewise', async () => {
      const { results } = await run({
        notNull: [{ column: 'email', maxPercent: 10 }],
        unique: [{ column: 'order_id', maxRows: 3 }],
        acceptedValues: { line_no: { values: [1], maxRows: 0 } },
      });
      expect(byCheck(results, 'contract.notNull.email')).toMatchObject({
        status: 'pass',
        failingRows: 1,
        message: '1 row with null email (10 % of 10 rows), within the allowed at most 10 % of the rows',
      });
      expect(byCheck(results, 'contract.unique.order_id')).toMatchObject({ status: 'pass', failingRows: 3 });
      expect(byCheck(results, 'contract.acceptedValues.line_no')).toMatchObject({ status: 'fail', failingRows: 1, expected: { maxRows: 0 } });

      const over = await run({ notNull: [{ column: 'email', maxPercent: 9.9 }], unique: [{ column: 'order_id', maxRows: 2 }] });
      expect(byCheck(over.results, 'contract.notNull.email')).toMatchObject({
        status: 'fail',
        failingRows: 1,
        expected: { maxPercent: 9.9 },
        message: '1 row with null email (10 % of 10 rows); allowed at most 9.9 % of the rows',
      });
      expect(byCheck(over.results, 'contract.unique.order_id')).toMatchObject({ status: 'fail', failingRows: 3 });
    });

    it('composite unique: the combination repeats, rows with a null key column take no part', async () => {
      const { results } = await run({ unique: [['order_id', 'line_no'], { columns: ['order_id', 'sku'] }] });
      const composite = byCheck(results, 'contract.unique.order_id+line_no');
      expect(composite).toMatchObject({ status: 'fail', failingRows: 1, columns: ['order_id', 'line_no'] });
      expect(composite.message).toMatch(/^1 duplicate row in \(order_id, line_no\) \(10 % of 10 rows\), e\.g\. "2, 1"$/);
      expect(byCheck(results, 'contract.unique.order_id+sku')).toMatchObject({ status: 'pass', failingRows: 0 });
    });

    it('range: numbers, dates and timestamps compared as the column type; inclusive unless exclusive', async () => {
      const { results } = await run({
        range: {
          qty: { min: 0, max: 9 },
          net: { min: 1, max: 20, exclusive: true },
          shipped_on: { min: '2024-01-01' },
          shipped_at: { min: '2024-01-01T00:00:00', max: '2024-01-09 08:00:00' },
          total: { max: 100, severity: 'warn' },
        },
      });
      expect(byCheck(results, 'contract.range.qty')).toMatchObject({ status: 'pass', failingRows: 0, columns: ['qty'] });
      // 20.00 and the seven 1.00 are outside (1, 20).
      expect(byCheck(results, 'contract.range.net')).toMatchObject({ status: 'fail', failingRows: 7 });
      const day = byCheck(results, 'contract.range.shipped_on');
      expect(day).toMatchObject({ status: 'fail', failingRows: 1 });
      expect(day.message).toBe('1 row with shipped_on outside >= 2024-01-01 (10 % of 10 rows), e.g. "2023-12-31T00:00:00.000Z"');
      expect(byCheck(results, 'contract.range.shipped_at')).toMatchObject({ status: 'fail', failingRows: 1 });
      expect(byCheck(results, 'contract.range.total')).toMatchObject({ status: 'pass' });

      const warn = await run({ range: { qty: { min: 1, severity: 'warn' } } });
      expect(byCheck(warn.results, 'contract.range.qty')).toMatchObject({ status: 'warn', failingRows: 1 });
    });

    it('pattern: every non-null value matches in full, run by the engine; backslash classes mean the same on both engines', async () => {
      const { results } = await run({
        pattern: {
          sku: '^[A-Z]{3}-\\d{4}$',
          email: { regex: '[^@\\s]+@[^@\\s]+', severity: 'warn' },
          order_id: '\\d',
          line_no: { regex: '[0-9]', maxPercent: 0 },
        },
      });
      const sku = byCheck(results, 'contract.pattern.sku');
      expect(sku).toMatchObject({ status: 'fail', failingRows: 1, samples: ['abc-1'] });
      // Matched in full: 'ABC-0001x' would not pass, and unanchored patterns are anchored.
      expect(byCheck(results, 'contract.pattern.email')).toMatchObject({ status: 'warn', failingRows: 1, samples: ['not an email'] });
      expect(byCheck(results, 'contract.pattern.order_id')).toMatchObject({ status: 'pass', failingRows: 0 });
      expect(byCheck(results, 'contract.pattern.line_no')).toMatchObject({ status: 'pass', failingRows: 0 });
    });

    it('references: every non-null value exists in the input; one statement per rule', async () => {
      const { results, queries } = await run({ references: { customer_id: { product: 'crm.customers', column: 'customer_id' } } });
      const ref = byCheck(results, 'contract.references.customer_id');
      expect(ref).toMatchObject({ status: 'fail', failingRows: 1, columns: ['customer_id'], samples: [3] });
      expect(ref.message).toMatch(/^1 row with customer_id not found in crm\.customers\.customer_id \(analytics\.crm\.customers\) \(10 % of 10 rows\)/);
      // metadata + the scan of shop.lines (its row count) + the rule's statement + its example values.
      expect(queries).toBeLessThanOrEqual(1 + 1 + 1 + 1);
      const warn = await run({ references: { customer_id: { product: 'crm.customers', column: 'customer_id', maxRows: 1 } } });
      expect(byCheck(warn.results, 'contract.references.customer_id')).toMatchObject({ status: 'pass', failingRows: 1 });
      const sev = await run({ references: { customer_id: { product: 'crm.customers', column: 'customer_id', severity: 'warn' } } });
      expect(byCheck(sev.results, 'contract.references.customer_id')).toMatchObject({ status: 'warn' });
    });

    it('expressions: rows where it is false fail; its columns are the ones it names', async () => {
      const { results } = await run({
        expressions: [
          { name: 'total_matches_lines', expr: 'total = net + tax' },
          { name: 'positive_net', expr: 'net > 0 and coalesce(tax, 0) >= 0' },
          { name: 'small_orders', expr: 'qty < 9', severity: 'warn' },
        ],
      });
      expect(byCheck(results, 'contract.expressions.total_matches_lines')).toMatchObject({
        status: 'fail',
        failingRows: 1,
        columns: ['total', 'net', 'tax'],
      });
      expect(byCheck(results, 'contract.expressions.positive_net')).toMatchObject({ status: 'pass', columns: ['net', 'tax'] });
      expect(byCheck(results, 'contract.expressions.small_orders')).toMatchObject({ status: 'warn', failingRows: 1 });
    });

    it('new column rules join the one aggregate scan: no extra statement per rule', async () => {
      const few = await run({ notNull: ['order_id'] });
      const many = await run({
        notNull: ['order_id', { column: 'email', maxPercent: 50 }],
        unique: [['order_id', 'sku']],
        range: { qty: { min: 0 } },
        pattern: { sku: '[A-Za-z]{3}-\\d+' },
        expressions: [{ name: 'positive_net', expr: 'net > 0' }],
      });
      expect(many.results.every((r) => r.status === 'pass')).toBe(true);
      expect(many.queries).toBe(few.queries);
    });

    it('errors: a rule the engine cannot evaluate is error, and only that rule', async () => {
      const { results } = await run(
        {
          notNull: ['order_id'],
          range: { shipped_on: { min: '2024-13-45' } },
          pattern: { sku: '(unclosed' },
          expressions: [{ name: 'numeric_sku', expr: 'cast(sku as integer) > 0' }],
          references: { customer_id: { product: 'crm.customers', column: 'no_such_column' } },
        },
        { validate: false },
      );
      expect(statuses(results)).toEqual({
        'contract.notNull.order_id': 'pass',
        'contract.range.shipped_on': 'error',
        'contract.pattern.sku': 'error',
        'contract.expressions.numeric_sku': 'error',
        'contract.references.customer_id': 'error',
      });
      expect(byCheck(results, 'contract.references.customer_id').errorCode).toBe('WAREHOUSE_OBJECT_NOT_FOUND');
    });

    it('references a table that is missing: error naming the warehouse problem, never fail', async () => {
      const list = products({ references: { customer_id: { product: 'crm.customers', column: 'customer_id' } } });
      const moved = list.map((p) =>
        p.id === 'shop.lines'
          ? { ...p, contract: { ...p.contract!, references: p.contract!.references.map((r) => ({ ...r, references: { ...r.references, table: { ...r.references.table!, table: { name: 'gone', quoted: false } } } })) } }
          : p,
      );
      const outcome = await runCheckCycle(warehouse(), { products: moved, now: NOW, concurrency: 1 });
      expect(outcome.results.find((r) => r.check === 'contract.references.customer_id')).toMatchObject({ status: 'error', errorCode: 'WAREHOUSE_OBJECT_NOT_FOUND' });
    });

    it('reports every planned rule as error when the warehouse cannot be asked, with its columns', async () => {
      const controller = new AbortController();
      controller.abort();
      const outcome = await runCheckCycle(warehouse(), {
        products: products({ notNull: [{ column: 'email', maxPercent: 5 }], unique: [['order_id', 'line_no']], expressions: [{ name: 'e', expr: 'net <= total' }] }),
        now: NOW,
        concurrency: 1,
        signal: controller.signal,
      });
      const lines = outcome.results.filter((r) => r.product === 'shop.lines');
      expect(lines.map((r) => [r.check, r.status, r.columns])).toEqual([
        ['contract.notNull.email', 'error', ['email']],
        ['contract.unique.order_id+line_no', 'error', ['order_id', 'line_no']],
        ['contract.expressions.e', 'error', ['net', 'total']],
      ]);
    });
  });
}
