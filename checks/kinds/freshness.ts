/**
 * Freshness: the newest value of `freshness.column` (or, without a column,
 * the warehouse's last-modified time) against `maxAge` / `warnAge`.
 */
import { formatDuration } from '../../config/duration.js';
import type { Product } from '../../config/types.js';
import type { CheckResult } from '../result.js';
import { normalizeType } from '../type-normalize.js';
import type { CheckKind, KindContext } from './kind.js';
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
          return [freshnessResult(ctx.product, last, 'warehouse last-modified time', rows, ctx.now, ctx.settings.futureToleranceMs)];
        },
      };
    }
    const found = ctx.lookup.find(column);
    if (!found) return { results: [missingColumn(ctx, CHECK, column)] };
    if (!isTimeType(found.type, ctx)) {
      // An epoch number or a text column has no age that can be read safely: say so instead of "no value".
      return {
        results: [
          configError(ctx, CHECK, 'freshness', [column], `freshness column ${column} is of type ${found.type}, not a timestamp or date; declare a timestamp column as freshness.column in ${ctx.product.file}`),
        ],
      };
    }
    return {
      expressions: [...rowCountExpressions(ctx), { key: 'max', sql: `max(${ctx.column(column)})`, shape: `value:${found.type}` }],
      evaluate: (scan) => {
        const error = scan.error('max');
        if (error !== undefined) return [unevaluated(ctx, CHECK, 'freshness', [], error)];
        const rows = readRowCount(ctx, scan);
        return [freshnessResult(ctx.product, asDate(scan.value('max')), `max(${column})`, rows.value, ctx.now, ctx.settings.futureToleranceMs)];
      },
    };
  },
};

const TIME_TYPES = new Set(['TIMESTAMP_NTZ', 'TIMESTAMP_TZ', 'TIMESTAMP_LTZ', 'DATE']);

function isTimeType(type: string, ctx: KindContext): boolean {
  const canonical = normalizeType(type, ctx.engine);
  return canonical.family === 'named' && TIME_TYPES.has(canonical.name);
}

function freshnessResult(product: Product, last: Date | undefined, source: string, rowCount: number | undefined, now: Date, futureToleranceMs: number): CheckResult {
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
  if (-age > futureToleranceMs) {
    // A date in 2099 would keep the product "fresh" forever: a clock or load bug, and a breakage.
    return {
      ...base,
      status: 'fail',
      message: `in the future: ${source} = ${observed}, ${ageText}; at most ${formatDuration(futureToleranceMs)} ahead is tolerated (defaults.futureTolerance)`,
      observed,
      expected: { ...expected, futureTolerance: formatDuration(futureToleranceMs) },
    };
  }
  if (age > freshness.maxAge.ms) {
    return { ...base, status: 'fail', message: `stale: ${source} = ${observed}, ${ageText}; allowed ${freshness.maxAge.text}`, observed, expected };
  }
  if (freshness.warnAge && age > freshness.warnAge.ms) {
    return { ...base, status: 'warn', message: `getting stale: ${source} = ${observed}, ${ageText}; warn after ${freshness.warnAge.text}, fail after ${freshness.maxAge.text}`, observed, expected };
  }
  return { ...base, status: 'pass', message: `fresh: ${source} = ${observed}, ${ageText}`, observed, expected };
}
