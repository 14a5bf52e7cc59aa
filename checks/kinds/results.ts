/** Result builders and value decoding shared by the kinds. */
import { errorMessage } from '../../core/errors.js';
import type { CheckKind as ResultKind, CheckResult } from '../result.js';
import { WarehouseError, type SqlValue } from '../warehouse.js';
import type { KindContext } from './kind.js';

export function missingColumn(ctx: KindContext, check: string, column: string): CheckResult {
  return {
    product: ctx.product.id,
    check,
    kind: check === 'freshness' ? 'freshness' : 'contract',
    status: 'fail',
    message: `column ${column} does not exist in ${ctx.tableName}`,
    columns: [column],
    at: ctx.at,
  };
}

/** A check whose scan or statement failed: the monitor could not look. */
export function unevaluated(ctx: KindContext, check: string, kind: ResultKind, columns: readonly string[], error: unknown): CheckResult {
  return {
    product: ctx.product.id,
    check,
    kind,
    status: 'error',
    message: `could not evaluate: ${errorMessage(error)}`,
    columns,
    errorCode: error instanceof WarehouseError ? error.code : 'CHECK_FAILED',
    at: ctx.at,
  };
}

export function configError(ctx: KindContext, check: string, kind: ResultKind, columns: readonly string[], message: string): CheckResult {
  return { product: ctx.product.id, check, kind, status: 'error', message, columns, errorCode: 'CHECK_CONFIG', at: ctx.at };
}

export function asNumber(value: SqlValue | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return undefined;
}

export function asDate(value: SqlValue | undefined): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'string') {
    const parsed = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
    return Number.isNaN(parsed.getTime()) ? undefined : parsed;
  }
  return undefined;
}

/** Example values as a message suffix. */
export function formatSamples(samples: readonly SqlValue[] | undefined): string {
  if (!samples || samples.length === 0) return '';
  return `, e.g. ${samples.map((v) => JSON.stringify(v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? v.toString() : v)).join(', ')}`;
}
