/**
 * A fast path in front of zod for product and consumer files, the two kinds
 * a mesh has tens of thousands of.
 *
 * Why: at 60,000 product files zod's safeParse was the largest single part of
 * `validate` (about 1.6 s of CPU, plus the garbage of its per-node results).
 * These hand-written checks build the same output directly.
 *
 * Contract (like yaml-fast.ts): for a value these functions accept, the result
 * is exactly what `productFileSchema` / `consumersFileSchema` give: the same
 * keys in the same order, the same defaults, trimmed and transformed the same
 * way. For anything else, valid or not, they return `undefined` ("not sure")
 * and the caller runs zod, which reports problems with its messages and
 * paths. They accept only what zod accepts, never more: any key they do not
 * know (a field added to schema.ts later) sends the file to zod.
 * tests/fast-validate.test.ts compares them with zod on the example and
 * bench files and on thousands of mutated values.
 */
import { parseDuration } from './duration.js';
import { parseColumnName, parseTableRef } from './identifier.js';
import type { z } from 'zod';
import { dateSchema, type consumersFileSchema, type ProductFile } from './schema.js';

type ConsumersFile = z.output<typeof consumersFileSchema>;

/** Thrown internally to leave the fast path; never escapes this module. */
class NotFast {}
const NOT_FAST = new NotFast();
const notFast = (): never => {
  throw NOT_FAST;
};

type Fields = Record<string, unknown>;

function record(value: unknown): Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : notFast();
}

/** A strict object: every key one of `allowed`. */
function strict(value: unknown, allowed: ReadonlySet<string>): Fields {
  const fields = record(value);
  for (const key of Object.keys(fields)) if (!allowed.has(key)) notFast();
  return fields;
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : notFast();
}

function nonEmpty(value: unknown): string {
  if (typeof value !== 'string') notFast();
  const text = (value as string).trim();
  return text.length > 0 ? text : notFast();
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9][A-Za-z0-9_-]*)*$/;
function idString(value: unknown): string {
  const text = nonEmpty(value);
  return ID.test(text) ? text : notFast();
}

function columnName(value: unknown): string {
  const text = nonEmpty(value);
  return typeof parseColumnName(text) === 'string' ? notFast() : text;
}

const CHANNEL = /^(#[\w.-]+|[CG][A-Z0-9]{6,})$/;
function channel(value: unknown): string {
  const text = nonEmpty(value);
  return CHANNEL.test(text) ? text : notFast();
}

function finite(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : notFast();
}

function bool(value: unknown): boolean {
  return typeof value === 'boolean' ? value : notFast();
}

function duration(value: unknown): { text: string; ms: number } {
  // A number is accepted by zod's union and then rejected by the transform.
  if (typeof value !== 'string') notFast();
  const ms = parseDuration(value as string);
  return ms === undefined ? notFast() : { text: (value as string).trim(), ms };
}

function columnList(value: unknown): string[] {
  const items = list(value);
  const out: string[] = [];
  for (const item of items) out.push(columnName(item));
  return out;
}

/** maxRows, maxPercent and severity, read and turned into RuleOptions the way `toOptions` does. */
type Options = { severity: string; tolerance?: { maxRows: number } | { maxPercent: number } };
function ruleOptions(fields: Fields): Options {
  const { maxRows, maxPercent, severity } = fields;
  if (maxRows !== undefined && !(Number.isSafeInteger(maxRows) && (maxRows as number) >= 0)) notFast();
  if (maxPercent !== undefined && !(finite(maxPercent) >= 0 && (maxPercent as number) <= 100)) notFast();
  // Both given is a problem zod reports.
  if (maxRows !== undefined && maxPercent !== undefined) notFast();
  const level = severityOf(severity);
  if (maxRows !== undefined) return { severity: level, tolerance: { maxRows: maxRows as number } };
  if (maxPercent !== undefined) return { severity: level, tolerance: { maxPercent: maxPercent as number } };
  return { severity: level };
}

function severityOf(value: unknown): string {
  if (value === undefined) return 'fail';
  return value === 'warn' || value === 'fail' ? value : notFast();
}

/** `{ a, ...options }` in that key order, as the schema's transforms build it. */
function withOptions<T extends Fields>(head: T, options: Options): T & Options {
  const out = head as Fields;
  out.severity = options.severity;
  if (options.tolerance) out.tolerance = options.tolerance;
  return out as T & Options;
}

const keys = (...names: string[]): ReadonlySet<string> => new Set(names);
const OPTION_KEYS = ['maxRows', 'maxPercent', 'severity'];

const NOT_NULL_KEYS = keys('column', ...OPTION_KEYS);
function notNullRule(value: unknown): Fields {
  if (typeof value === 'string') return { column: columnName(value), severity: 'fail' };
  const fields = strict(value, NOT_NULL_KEYS);
  const column = columnName(fields.column);
  return withOptions({ column }, ruleOptions(fields));
}

const UNIQUE_KEYS = keys('column', 'columns', ...OPTION_KEYS);
function uniqueColumns(value: unknown): string[] {
  const columns = columnList(value);
  return columns.length > 0 ? columns : notFast();
}
function uniqueRule(value: unknown): Fields {
  if (typeof value === 'string') return { columns: [columnName(value)], severity: 'fail' };
  if (Array.isArray(value)) return { columns: uniqueColumns(value), severity: 'fail' };
  const fields = strict(value, UNIQUE_KEYS);
  const column = fields.column === undefined ? undefined : columnName(fields.column);
  const columns = fields.columns === undefined ? undefined : uniqueColumns(fields.columns);
  if ((column === undefined) === (columns === undefined)) notFast();
  return withOptions({ columns: columns ?? [column!] }, ruleOptions(fields));
}

function scalarList(value: unknown): unknown[] {
  const items = list(value);
  if (items.length === 0) notFast();
  const out: unknown[] = [];
  for (const item of items) {
    if (typeof item === 'string' || typeof item === 'boolean') out.push(item);
    else out.push(finite(item));
  }
  return out;
}

const ACCEPTED_KEYS = keys('values', ...OPTION_KEYS);
function acceptedValuesRule(column: string, value: unknown): Fields {
  if (Array.isArray(value)) return { column, values: scalarList(value), severity: 'fail' };
  const fields = strict(value, ACCEPTED_KEYS);
  return withOptions({ column, values: scalarList(fields.values) }, ruleOptions(fields));
}

const RANGE_KEYS = keys('min', 'max', 'exclusive', ...OPTION_KEYS);
function rangeBound(value: unknown): number | string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'number' ? finite(value) : nonEmpty(value);
}
function rangeRule(column: string, value: unknown): Fields {
  const fields = strict(value, RANGE_KEYS);
  const min = rangeBound(fields.min);
  const max = rangeBound(fields.max);
  if (min === undefined && max === undefined) notFast();
  if (typeof min === typeof max && min !== undefined && max !== undefined && !((min as number) <= (max as number))) notFast();
  const exclusive = fields.exclusive === undefined ? false : bool(fields.exclusive);
  return withOptions({ column, min, max, exclusive }, ruleOptions(fields));
}

const PATTERN_KEYS = keys('regex', ...OPTION_KEYS);
function patternRule(column: string, value: unknown): Fields {
  if (typeof value === 'string') return { column, regex: nonEmpty(value), severity: 'fail' };
  const fields = strict(value, PATTERN_KEYS);
  return withOptions({ column, regex: nonEmpty(fields.regex) }, ruleOptions(fields));
}

const REFERENCE_KEYS = keys('product', 'column', ...OPTION_KEYS);
function referenceRule(column: string, value: unknown): Fields {
  const fields = strict(value, REFERENCE_KEYS);
  const references = { product: idString(fields.product), column: columnName(fields.column) };
  return withOptions({ column, references }, ruleOptions(fields));
}

const EXPRESSION_KEYS = keys('name', 'expr', ...OPTION_KEYS);
function expressionRule(value: unknown): Fields {
  const fields = strict(value, EXPRESSION_KEYS);
  return withOptions({ name: idString(fields.name), expr: nonEmpty(fields.expr) }, ruleOptions(fields));
}

const SQL_KEYS = keys('name', 'query', 'expect', 'severity');
const BOUNDS_KEYS = keys('min', 'max');
function sqlRule(value: unknown): Fields {
  const fields = strict(value, SQL_KEYS);
  const name = idString(fields.name);
  const query = nonEmpty(fields.query);
  if (query.includes('{{') && !/\{\{\s*table\s*\}\}/.test(query)) notFast();
  let expect: unknown;
  if (typeof fields.expect === 'number') expect = finite(fields.expect);
  else {
    const bounds = strict(fields.expect, BOUNDS_KEYS);
    const out: Fields = {};
    if (bounds.min !== undefined) out.min = finite(bounds.min);
    if (bounds.max !== undefined) out.max = finite(bounds.max);
    if (out.min === undefined && out.max === undefined) notFast();
    if (out.min !== undefined && out.max !== undefined && !((out.min as number) <= (out.max as number))) notFast();
    expect = out;
  }
  return { name, query, expect, severity: severityOf(fields.severity) };
}

/** A mapping of column names to rules, as the list of rules naming their column (the schema's `byColumn`). */
function byColumn(value: unknown, rule: (column: string, value: unknown) => Fields, trimmedKeys: boolean): Fields[] {
  if (value === undefined) return [];
  const fields = record(value);
  const out: Fields[] = [];
  for (const key of Object.keys(fields)) {
    // zod's record trims column-name keys; two keys trimming to one would merge: leave such files to zod.
    if (key === '__proto__' || (trimmedKeys && columnName(key) !== key)) notFast();
    out.push(rule(key, fields[key]));
  }
  return out;
}

function listOf(value: unknown, item: (value: unknown) => Fields): Fields[] {
  if (value === undefined) return [];
  const out: Fields[] = [];
  for (const entry of list(value)) out.push(item(entry));
  return out;
}

const ROW_COUNT_KEYS = keys('min', 'max', 'severity');
function rowCountRule(value: unknown): Fields {
  const fields = strict(value, ROW_COUNT_KEYS);
  const out: Fields = {};
  if (fields.min !== undefined) out.min = finite(fields.min);
  if (fields.max !== undefined) out.max = finite(fields.max);
  if (out.min === undefined && out.max === undefined) notFast();
  if (out.min !== undefined && out.max !== undefined && !((out.min as number) <= (out.max as number))) notFast();
  out.severity = severityOf(fields.severity);
  return out;
}

const CONTRACT_KEYS = keys('rowCount', 'notNull', 'unique', 'acceptedValues', 'range', 'pattern', 'references', 'expressions', 'sql');
function contract(value: unknown): Fields {
  const fields = strict(value, CONTRACT_KEYS);
  const out: Fields = {};
  if (fields.rowCount !== undefined) out.rowCount = rowCountRule(fields.rowCount);
  out.notNull = listOf(fields.notNull, notNullRule);
  out.unique = listOf(fields.unique, uniqueRule);
  out.acceptedValues = byColumn(fields.acceptedValues, acceptedValuesRule, false);
  out.range = byColumn(fields.range, rangeRule, true);
  out.pattern = byColumn(fields.pattern, patternRule, true);
  out.references = byColumn(fields.references, referenceRule, true);
  out.expressions = listOf(fields.expressions, expressionRule);
  out.sql = listOf(fields.sql, sqlRule);
  return out;
}

const FRESHNESS_KEYS = keys('column', 'maxAge', 'warnAge');
function freshness(value: unknown): Fields {
  const fields = strict(value, FRESHNESS_KEYS);
  const out: Fields = {};
  if (fields.column !== undefined) out.column = columnName(fields.column);
  const maxAge = duration(fields.maxAge);
  out.maxAge = maxAge;
  if (fields.warnAge !== undefined) {
    const warnAge = duration(fields.warnAge);
    if (!(warnAge.ms < maxAge.ms)) notFast();
    out.warnAge = warnAge;
  }
  return out;
}

const SCHEMA_KEYS = keys('columns', 'allowExtraColumns');
const COLUMN_KEYS = keys('name', 'type', 'nullable');
function tableSchema(value: unknown): Fields {
  const fields = strict(value, SCHEMA_KEYS);
  const items = list(fields.columns);
  if (items.length === 0) notFast();
  const columns: Fields[] = [];
  for (const item of items) {
    const column = strict(item, COLUMN_KEYS);
    const out: Fields = { name: columnName(column.name) };
    if (column.type !== undefined) out.type = nonEmpty(column.type);
    out.nullable = column.nullable === undefined ? true : bool(column.nullable);
    columns.push(out);
  }
  return { columns, allowExtraColumns: fields.allowExtraColumns === undefined ? true : bool(fields.allowExtraColumns) };
}

const REF_KEYS = keys('product', 'columns');
/** An input or a consumer's use: `id` or `{ product, columns }`. */
function productRef(value: unknown): Fields {
  if (typeof value === 'string') return { product: idString(value), columns: undefined };
  const fields = strict(value, REF_KEYS);
  const out: Fields = { product: idString(fields.product) };
  if (fields.columns !== undefined) {
    const columns = columnList(fields.columns);
    if (columns.length === 0) notFast();
    out.columns = columns;
  }
  return out;
}

const TIERS = keys('open', 'limited', 'restricted');
// breakingChanges is rare (a few files at a time, while a change ships): it takes zod's path.
const PRODUCT_KEYS = keys('id', 'name', 'description', 'domain', 'tier', 'table', 'schedule', 'freshness', 'schema', 'contract', 'inputs', 'tierJustification', 'tierReviewedAt');

/** productFileSchema's output for a value it accepts, or undefined. */
export function fastProductFile(value: unknown): ProductFile | undefined {
  try {
    const fields = strict(value, PRODUCT_KEYS);
    const out: Fields = { id: idString(fields.id) };
    if (fields.name !== undefined) out.name = nonEmpty(fields.name);
    if (fields.description !== undefined) out.description = typeof fields.description === 'string' ? fields.description : notFast();
    out.domain = idString(fields.domain);
    out.tier = typeof fields.tier === 'string' && TIERS.has(fields.tier) ? fields.tier : notFast();
    const table = parseTableRef(nonEmpty(fields.table));
    out.table = typeof table === 'string' ? notFast() : table;
    if (fields.schedule !== undefined) out.schedule = nonEmpty(fields.schedule);
    if (fields.freshness !== undefined) out.freshness = freshness(fields.freshness);
    if (fields.schema !== undefined) out.schema = tableSchema(fields.schema);
    if (fields.contract !== undefined) out.contract = contract(fields.contract);
    out.inputs = listOf(fields.inputs, productRef);
    if (fields.tierJustification !== undefined) out.tierJustification = nonEmpty(fields.tierJustification);
    if (fields.tierReviewedAt !== undefined) {
      // One small schema, so the date rules stay in one place.
      const date = dateSchema.safeParse(fields.tierReviewedAt);
      out.tierReviewedAt = date.success ? date.data : notFast();
    }
    return out as unknown as ProductFile;
  } catch (err) {
    if (err === NOT_FAST) return undefined;
    throw err;
  }
}

const CONSUMERS_FILE_KEYS = keys('consumers');
const CONSUMER_KEYS = keys('id', 'name', 'domain', 'slackChannel', 'uses');

/** consumersFileSchema's output for a value it accepts, or undefined. */
export function fastConsumersFile(value: unknown): ConsumersFile | undefined {
  try {
    const file = strict(value, CONSUMERS_FILE_KEYS);
    const consumers: Fields[] = [];
    for (const item of list(file.consumers)) {
      const fields = strict(item, CONSUMER_KEYS);
      const out: Fields = { id: idString(fields.id) };
      if (fields.name !== undefined) out.name = nonEmpty(fields.name);
      out.domain = idString(fields.domain);
      if (fields.slackChannel !== undefined) out.slackChannel = channel(fields.slackChannel);
      const uses = listOf(fields.uses, productRef);
      if (uses.length === 0) notFast();
      out.uses = uses;
      consumers.push(out);
    }
    return { consumers } as unknown as ConsumersFile;
  } catch (err) {
    if (err === NOT_FAST) return undefined;
    throw err;
  }
}
