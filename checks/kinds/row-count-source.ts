/**
 * The row count, shared by the kinds that need it (freshness tells an empty
 * table from a column of nulls, rowCount checks bounds): exact engine
 * statistics where the warehouse has them for a table, else `count(*)` in the
 * scan. The scan planner merges identical expressions, so both kinds asking
 * costs one `count(*)`.
 */
import type { KindContext, ScanExpression, ScanValues } from './kind.js';
import { asNumber } from './results.js';

export const ROW_COUNT_EXPRESSION: ScanExpression = { key: 'rows', sql: 'count(*)', shape: 'count' };

export function fromMetadata(ctx: KindContext): number | undefined {
  return ctx.capabilities.rowCount && ctx.metadata.kind === 'table' ? ctx.metadata.rowCount : undefined;
}

export function rowCountExpressions(ctx: KindContext): ScanExpression[] {
  return fromMetadata(ctx) === undefined ? [ROW_COUNT_EXPRESSION] : [];
}

/** The row count; `error` is set when its scan failed. */
export function readRowCount(ctx: KindContext, scan: ScanValues): { value?: number | undefined; error?: unknown } {
  const known = fromMetadata(ctx);
  if (known !== undefined) return { value: known };
  const error = scan.error(ROW_COUNT_EXPRESSION.key);
  if (error !== undefined) return { error };
  return { value: asNumber(scan.value(ROW_COUNT_EXPRESSION.key)) };
}
