/**
 * contract.sql.<name>: owner-written SQL returning one number, compared with
 * `expect` (a number or `{ min, max }`). One statement per rule, after the
 * scan; its failures are this rule's `error`, never the warehouse's.
 */
import { errorMessage } from '../../core/errors.js';
import type { CheckResult } from '../result.js';
import { WarehouseError, expandTableTemplate } from '../warehouse.js';
import type { CheckKind } from './kind.js';
import { asNumber } from './results.js';

export const ownerSqlKind: CheckKind = {
  name: 'sql',
  planned: (product) => (product.contract?.sql ?? []).map((rule) => ({ check: `contract.sql.${rule.name}`, kind: 'contract', columns: [] })),
  plan(ctx) {
    const rules = ctx.product.contract?.sql ?? [];
    if (rules.length === 0) return undefined;
    return {
      evaluate: async (_scan, followUp) => {
        const results: CheckResult[] = [];
        for (const rule of rules) {
          const check = `contract.sql.${rule.name}`;
          const expected = typeof rule.expect === 'number' ? { min: rule.expect, max: rule.expect } : rule.expect;
          const expectedText =
            typeof rule.expect === 'number'
              ? `${rule.expect}`
              : [expected.min !== undefined ? `>= ${expected.min}` : '', expected.max !== undefined ? `<= ${expected.max}` : ''].filter(Boolean).join(' and ');
          const base = { product: ctx.product.id, check, kind: 'contract' as const, columns: [] as string[], at: ctx.at, expected: { min: expected.min ?? null, max: expected.max ?? null } };
          try {
            const first = await followUp.ownerQuery(expandTableTemplate(rule.query, ctx.table, ctx.dialect), check);
            const value = first ? asNumber(Object.values(first)[0]) : undefined;
            if (value === undefined) {
              results.push({ ...base, status: 'error', message: `${rule.name}: the query must return one number, got ${first ? 'a non-numeric value' : 'no rows'}`, errorCode: 'CHECK_SQL_RESULT' });
              continue;
            }
            const ok = (expected.min === undefined || value >= expected.min) && (expected.max === undefined || value <= expected.max);
            results.push({ ...base, status: ok ? 'pass' : rule.severity === 'warn' ? 'warn' : 'fail', message: `${rule.name}: got ${value}, expected ${expectedText}`, observed: value });
          } catch (err) {
            results.push({ ...base, status: 'error', message: `${rule.name}: could not evaluate: ${errorMessage(err)}`, errorCode: err instanceof WarehouseError ? err.code : 'CHECK_FAILED' });
          }
        }
        return results;
      },
    };
  },
};
