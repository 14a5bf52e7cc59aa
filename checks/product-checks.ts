/**
 * Runs all checks of one product. The freshness maximum, the row count and
 * every column rule (notNull, unique, acceptedValues) are computed in ONE
 * aggregate scan; owner SQL expectations run one statement each; example
 * values are fetched only for failing rules of `open` products.
 */
import { plural } from '../core/text.js';
import { formatDuration } from '../config/duration.js';
import { formatTableRef } from '../config/identifier.js';
import type { Product } from '../config/types.js';
import { errorMessage } from '../core/errors.js';
import { ColumnLookup } from './column-lookup.js';
import { planChecks } from './plan.js';
import type { CheckResult } from './result.js';
import { evaluateSchema } from './schema-check.js';
import { normalizeType } from './type-normalize.js';
import {
  WarehouseError,
  expandTableTemplate,
  isWarehouseDownCode,
  type QueryOptions,
  type ResolvedTable,
  type SqlValue,
  type TableMetadata,
  type Warehouse,
  type WarehouseProblem,
} from './warehouse.js';

export interface ProductCheckContext {
  readonly warehouse: Warehouse;
  readonly now: Date;
  readonly timeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

const SAMPLE_LIMIT = 5;

/** Every planned check of the product as `error`, e.g. when the warehouse could not be asked. */
export function errorResults(product: Product, problem: WarehouseProblem, at: string): CheckResult[] {
  return planChecks(product).map((planned) => ({
    product: product.id,
    check: planned.check,
    kind: planned.kind,
    status: 'error',
    message: `could not evaluate: ${problem.message}`,
    columns: planned.columns,
    errorCode: problem.code,
    at,
  }));
}

function asNumber(value: SqlValue | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return undefined;
}

function asDate(value: SqlValue | undefined): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'string') {
    const parsed = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
    return Number.isNaN(parsed.getTime()) ? undefined : parsed;
  }
  return undefined;
}

/**
 * An accepted value as a SQL literal of the column's type, so that the
 * comparison cannot fail on a type mismatch; undefined when the value cannot
 * be one of the column's values (a string on a numeric column, say).
 */
function literalFor(value: string | number | boolean, columnType: string, warehouse: Warehouse): string | undefined {
  const type = normalizeType(columnType, warehouse.engine);
  if (type.family === 'integer' || type.family === 'decimal' || type.family === 'float') {
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    return Number.isFinite(n) ? String(n) : undefined;
  }
  if (type.family === 'named' && type.name === 'BOOLEAN') {
    if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
    if (value === 'true' || value === 'false') return value.toUpperCase();
    return undefined;
  }
  return warehouse.dialect.quoteString(String(value));
}

/** The warehouse is down, slow or the run was cancelled: retrying rule by rule would not help. */
function isOperational(err: unknown): boolean {
  return err instanceof WarehouseError && (isWarehouseDownCode(err.code) || err.code === 'WAREHOUSE_TIMEOUT' || err.code === 'WAREHOUSE_CANCELLED');
}

/**
 * Runs the aggregate expressions as one scan. When the combined statement
 * fails for a reason in the SQL (not the warehouse being down or slow), each
 * expression is retried alone, so one bad rule errors alone instead of
 * taking every check of the product with it.
 */
async function scan(
  warehouse: Warehouse,
  expressions: ReadonlyArray<{ alias: string; sql: string }>,
  table: string,
  options: QueryOptions,
): Promise<{ row: Record<string, SqlValue>; errors: Map<string, unknown> }> {
  const errors = new Map<string, unknown>();
  if (expressions.length === 0) return { row: {}, errors };
  try {
    const rows = await warehouse.query(`select ${expressions.map((e) => e.sql).join(', ')} from ${table}`, options);
    return { row: rows[0] ?? {}, errors };
  } catch (err) {
    if (expressions.length === 1 || isOperational(err)) {
      for (const e of expressions) errors.set(e.alias, err);
      return { row: {}, errors };
    }
  }
  const row: Record<string, SqlValue> = {};
  for (const e of expressions) {
    try {
      Object.assign(row, (await warehouse.query(`select ${e.sql} from ${table}`, options))[0]);
    } catch (err) {
      errors.set(e.alias, err);
    }
  }
  return { row, errors };
}

export async function checkProduct(product: Product, table: ResolvedTable, metadata: TableMetadata | undefined, ctx: ProductCheckContext): Promise<CheckResult[]> {
  const at = ctx.now.toISOString();
  const { warehouse } = ctx;
  const name = formatTableRef(product.table);
  const queryOptions = (check: string): QueryOptions => ({
    product: product.id,
    domain: product.domain,
    check,
    timeoutMs: ctx.timeoutMs,
    signal: ctx.signal,
  });

  if (!metadata) {
    // A missing table breaks every check of the product, and the whole product.
    return planChecks(product).map((planned) => ({
      product: product.id,
      check: planned.check,
      kind: planned.kind,
      status: 'fail',
      message: `table ${name} does not exist (or the monitoring role cannot see it)`,
      columns: [],
      at,
    }));
  }

  const results: CheckResult[] = [];
  const schemaResult = evaluateSchema(product, metadata, warehouse.engine, at);
  if (schemaResult) results.push(schemaResult);

  const lookup = new ColumnLookup(metadata, warehouse.engine);
  const quoted = warehouse.dialect.quoteTable(table);
  const missingColumn = (check: string, column: string): CheckResult => ({
    product: product.id,
    check,
    kind: check === 'freshness' ? 'freshness' : 'contract',
    status: 'fail',
    message: `column ${column} does not exist in ${name}`,
    columns: [column],
    at,
  });

  // Aggregate expressions of the one scan, aliased a0, a1, ... and read back by alias.
  const expressions: Array<{ alias: string; sql: string }> = [];
  const alias = (expression: string): string => {
    const a = `a${expressions.length}`;
    expressions.push({ alias: a, sql: `${expression} as ${warehouse.dialect.quoteIdentifier({ name: a, quoted: true })}` });
    return a;
  };
  // The name as the warehouse stores it, quoted exactly: resolves the same on every engine.
  const col = (name: string) => warehouse.dialect.quoteIdentifier({ name: lookup.find(name)?.name ?? name, quoted: true });

  const contract = product.contract;
  const freshness = product.freshness;
  const useMetadataRows = warehouse.capabilities.rowCount && metadata.kind === 'table' && metadata.rowCount !== undefined;
  const needsRowCount = contract?.rowCount !== undefined || freshness?.column !== undefined;
  const rowsAlias = needsRowCount && !useMetadataRows ? alias('count(*)') : undefined;

  let freshnessAlias: string | undefined;
  if (freshness?.column) {
    if (lookup.find(freshness.column)) freshnessAlias = alias(`max(${col(freshness.column)})`);
    else results.push(missingColumn('freshness', freshness.column));
  }

  interface ColumnRule {
    readonly check: string;
    readonly column: string;
    readonly alias: string;
    readonly describe: (n: number) => string;
    readonly samples?: () => string;
  }
  const rules: ColumnRule[] = [];
  if (contract) {
    for (const column of contract.notNull) {
      if (!lookup.find(column)) results.push(missingColumn(`contract.notNull.${column}`, column));
      else rules.push({ check: `contract.notNull.${column}`, column, alias: alias(`count(*) - count(${col(column)})`), describe: (n) => `${plural(n, 'row')} with null ${column}` });
    }
    for (const column of contract.unique) {
      if (!lookup.find(column)) results.push(missingColumn(`contract.unique.${column}`, column));
      else {
        const c = col(column);
        rules.push({
          check: `contract.unique.${column}`,
          column,
          alias: alias(`count(${c}) - count(distinct ${c})`),
          describe: (n) => `${plural(n, 'duplicate row')} in ${column}`,
          samples: () => `select ${c} as "v" from ${quoted} where ${c} is not null group by ${c} having count(*) > 1 order by count(*) desc limit ${SAMPLE_LIMIT}`,
        });
      }
    }
    for (const [column, values] of Object.entries(contract.acceptedValues)) {
      if (!lookup.find(column)) {
        results.push(missingColumn(`contract.acceptedValues.${column}`, column));
        continue;
      }
      const c = col(column);
      const literals = values.map((v) => literalFor(v, lookup.find(column)!.type, warehouse));
      const mismatch = values.find((_, i) => literals[i] === undefined);
      if (mismatch !== undefined) {
        results.push({
          product: product.id,
          check: `contract.acceptedValues.${column}`,
          kind: 'contract',
          status: 'error',
          message: `accepted value ${JSON.stringify(mismatch)} cannot be compared with column ${column} of type ${lookup.find(column)!.type}; fix acceptedValues in ${product.file}`,
          columns: [column],
          errorCode: 'CHECK_CONFIG',
          at,
        });
        continue;
      }
      const list = literals.join(', ');
      const outside = `${c} is not null and ${c} not in (${list})`;
      rules.push({
        check: `contract.acceptedValues.${column}`,
        column,
        alias: alias(`count(case when ${outside} then 1 end)`),
        describe: (n) => `${plural(n, 'row')} with ${column} outside the accepted values (${values.join(', ')})`,
        samples: () => `select distinct ${c} as "v" from ${quoted} where ${outside} limit ${SAMPLE_LIMIT}`,
      });
    }
  }

  const { row, errors } = await scan(warehouse, expressions, quoted, queryOptions('scan'));
  const unevaluated = (check: string, kind: CheckResult['kind'], columns: readonly string[], error: unknown): CheckResult => ({
    product: product.id,
    check,
    kind,
    status: 'error',
    message: `could not evaluate: ${errorMessage(error)}`,
    columns,
    errorCode: error instanceof WarehouseError ? error.code : 'CHECK_FAILED',
    at,
  });
  const rowCount = useMetadataRows ? metadata.rowCount! : asNumber(row[rowsAlias ?? '']);

  if (freshnessAlias !== undefined && errors.has(freshnessAlias)) results.push(unevaluated('freshness', 'freshness', [], errors.get(freshnessAlias)));
  else if (freshness && freshness.column === undefined && metadata.lastModified === undefined) {
    results.push({
      product: product.id,
      check: 'freshness',
      kind: 'freshness',
      status: 'error',
      message: `the warehouse has no last-modified time for ${name}${metadata.kind === 'view' ? ' (a view: only its DDL time is recorded)' : ''}; declare freshness.column in ${product.file}`,
      columns: [],
      errorCode: 'CHECK_CONFIG',
      at,
    });
  } else if (freshness) {
    const observed = freshness.column
      ? freshnessAlias === undefined
        ? undefined
        : { value: asDate(row[freshnessAlias]), source: `max(${freshness.column})` }
      : { value: metadata.lastModified, source: 'warehouse last-modified time' };
    if (observed) results.push(freshnessResult(product, observed.value, observed.source, rowCount, ctx.now));
  }

  if (contract?.rowCount && rowsAlias !== undefined && errors.has(rowsAlias)) results.push(unevaluated('contract.rowCount', 'contract', [], errors.get(rowsAlias)));
  else if (contract?.rowCount) {
    const { min, max } = contract.rowCount;
    const n = rowCount ?? 0;
    const bad = (min !== undefined && n < min) || (max !== undefined && n > max);
    results.push({
      product: product.id,
      check: 'contract.rowCount',
      kind: 'contract',
      status: bad ? 'fail' : 'pass',
      message: `${plural(n, 'row')}; expected ${min !== undefined ? `at least ${min}` : ''}${min !== undefined && max !== undefined ? ' and ' : ''}${max !== undefined ? `at most ${max}` : ''}`,
      columns: [],
      observed: n,
      expected: { min: min ?? null, max: max ?? null },
      at,
    });
  }

  for (const rule of rules) {
    if (errors.has(rule.alias)) {
      results.push(unevaluated(rule.check, 'contract', [rule.column], errors.get(rule.alias)));
      continue;
    }
    const failing = asNumber(row[rule.alias]) ?? 0;
    let samples: SqlValue[] | undefined;
    if (failing > 0 && rule.samples && product.tier === 'open') {
      // Examples help the owner find the rows; a failure to fetch them must not hide the result.
      samples = await warehouse
        .query(rule.samples(), queryOptions(rule.check))
        .then((rows) => rows.map((r) => r.v ?? null))
        .catch(() => undefined);
    }
    results.push({
      product: product.id,
      check: rule.check,
      kind: 'contract',
      status: failing > 0 ? 'fail' : 'pass',
      message: failing > 0 ? `${rule.describe(failing)}${samples && samples.length > 0 ? `, e.g. ${samples.map((v) => JSON.stringify(v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? v.toString() : v)).join(', ')}` : ''}` : `no violations of ${rule.check.split('.')[1]} on ${rule.column}`,
      columns: [rule.column],
      observed: failing,
      expected: 0,
      failingRows: failing,
      ...(samples ? { samples } : {}),
      at,
    });
  }

  results.push(...(await sqlExpectations(product, table, ctx, queryOptions)));
  return results;
}

function freshnessResult(product: Product, last: Date | undefined, source: string, rowCount: number | undefined, now: Date): CheckResult {
  const freshness = product.freshness!;
  const base = { product: product.id, check: 'freshness', kind: 'freshness' as const, columns: [] as string[], at: now.toISOString() };
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

async function sqlExpectations(
  product: Product,
  table: ResolvedTable,
  ctx: ProductCheckContext,
  queryOptions: (check: string) => QueryOptions,
): Promise<CheckResult[]> {
  const rules = product.contract?.sql ?? [];
  const at = ctx.now.toISOString();
  const results: CheckResult[] = [];
  for (const rule of rules) {
    const check = `contract.sql.${rule.name}`;
    const expected = typeof rule.expect === 'number' ? { min: rule.expect, max: rule.expect } : rule.expect;
    const expectedText =
      typeof rule.expect === 'number' ? `${rule.expect}` : [expected.min !== undefined ? `>= ${expected.min}` : '', expected.max !== undefined ? `<= ${expected.max}` : ''].filter(Boolean).join(' and ');
    const base = { product: product.id, check, kind: 'contract' as const, columns: [] as string[], at, expected: { min: expected.min ?? null, max: expected.max ?? null } };
    try {
      const rows = await ctx.warehouse.query(expandTableTemplate(rule.query, table, ctx.warehouse.dialect), queryOptions(check));
      const first = rows[0];
      const value = first ? asNumber(Object.values(first)[0]) : undefined;
      if (value === undefined) {
        results.push({ ...base, status: 'error', message: `${rule.name}: the query must return one number, got ${first ? 'a non-numeric value' : 'no rows'}`, errorCode: 'CHECK_SQL_RESULT' });
        continue;
      }
      const ok = (expected.min === undefined || value >= expected.min) && (expected.max === undefined || value <= expected.max);
      results.push({ ...base, status: ok ? 'pass' : 'fail', message: `${rule.name}: got ${value}, expected ${expectedText}`, observed: value });
    } catch (err) {
      results.push({ ...base, status: 'error', message: `${rule.name}: could not evaluate: ${errorMessage(err)}`, errorCode: err instanceof WarehouseError ? err.code : 'CHECK_FAILED' });
    }
  }
  return results;
}
