/**
 * Freshness: the newest value of `freshness.column` (or, without a column,
 * the warehouse's last-modified time) against `maxAge` / `warnAge`.
 */
import { formatDuration } from '../../config/duration.js';
import type { Product } from '../../config/types.js';
import type { CheckResult } from '../result.js';
import type { CheckKind } from './kind.js';
import { configError, asDate, missingColumn, unevaluated } from './results.js';
import { fromMetadata, readRowCount, rowCountExpressions } from './row-count-source.js';

const CHECK = 'freshness';

export const freshnessKind: CheckKind = {
  name: 'freshness',
  planned: (product) => (product.freshness ? [{ check: CHECK, kind: 'freshness', columns: [] }] : []),
  plan(ctx) {
    const freshness = ctx.product.freshness;
    if (!freshness) return undefined;
    const column = freshness.column;
    if (column === undefined) {
      return {
        evaluate: () => {
          const last = ctx.metadata.lastModified;
          if (last === undefined) {
            return [
              configError(
                ctx,
                CHECK,
                'freshness',
                [],
                `the warehouse has no last-modified time for ${ctx.tableName}${ctx.metadata.kind === 'view' ? ' (a view: only its DDL time is recorded)' : ''}; declare freshness.column in ${ctx.product.file}`,
              ),
            ];
          }
          const rows = fromMetadata(ctx);
          return [freshnessResult(ctx.product, last, 'warehouse last-modified time', rows, ctx.now)];
        },
      };
    }
    if (!ctx.lookup.find(column)) return { results: [missingColumn(ctx, CHECK, column)] };
    return {
      expressions: [...rowCountExpressions(ctx), { key: 'max', sql: `max(${ctx.column(column)})`, shape: `value:${ctx.lookup.find(column)!.type}` }],
      evaluate: (scan) => {
        const error = scan.error('max');
        if (error !== undefined) return [unevaluated(ctx, CHECK, 'freshness', [], error)];
        const rows = readRowCount(ctx, scan);
        return [freshnessResult(ctx.product, asDate(scan.value('max')), `max(${column})`, rows.value, ctx.now)];
      },
    };
  },
};

function freshnessResult(product: Product, last: Date | undefined, source: string, rowCount: number | undefined, now: Date): CheckResult {
  const freshness = product.freshness!;
  const base = { product: product.id, check: CHECK, kind: 'freshness' as const, columns: [] as string[], at: now.toISOString() };
  const expected = { maxAge: freshness.maxAge.text, warnAge: freshness.warnAge?.text ?? null };
  if (last === undefined) {
    const empty = rowCount === 0 || rowCount === undefined;
    return {
      ...base,
      status: 'fail',
      message: empty ? 'no rows: the table is empty' : `no value: ${source} is null in every row`,
      observed: null,
      expected,
    };
  }
  const age = now.getTime() - last.getTime();
  const observed = last.toISOString();
  const ageText = age < 0 ? `${formatDuration(-age)} in the future` : `${formatDuration(age)} old`;
  if (age > freshness.maxAge.ms) {
    return { ...base, status: 'fail', message: `stale: ${source} = ${observed}, ${ageText}; allowed ${freshness.maxAge.text}`, observed, expected };
  }
  if (freshness.warnAge && age > freshness.warnAge.ms) {
    return { ...base, status: 'warn', message: `getting stale: ${source} = ${observed}, ${ageText}; warn after ${freshness.warnAge.text}, fail after ${freshness.maxAge.text}`, observed, expected };
  }
  return { ...base, status: 'pass', message: `fresh: ${source} = ${observed}, ${ageText}`, observed, expected };
}
