/**
 * meshwatch product → one ODCS v3.1.0 contract (the shape the standard's
 * JSON schema accepts). What ODCS has no field for (tier, lineage, the
 * freshness warn level, the product id) goes in customProperties, which the
 * ODCS reader reads back, so native → ODCS → native keeps the checks.
 */
import path from 'node:path';
import { formatTableRef } from '../../config/identifier.js';
import { identifier } from '../mapping.js';
import type { Domain, Product, RuleOptions, Workspace } from '../../config/types.js';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Milliseconds → an ODCS value and unit (`24` + `h`), the largest exact unit. */
function slaValue(ms: number): { value: number; unit: string } {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (ms % size === 0) return { value: ms / size, unit };
  }
  return { value: ms, unit: 'ms' };
}

const custom = (entries: Record<string, Json | undefined>): JsonObject[] =>
  Object.entries(entries)
    .filter((e): e is [string, Json] => e[1] !== undefined)
    .map(([property, value]) => ({ property, value }));

function bounds(expect: { min?: number | undefined; max?: number | undefined } | number): JsonObject {
  if (typeof expect === 'number') return { mustBe: expect };
  if (expect.min !== undefined && expect.max !== undefined) return { mustBeBetween: [expect.min, expect.max] };
  if (expect.min !== undefined) return { mustBeGreaterOrEqualTo: expect.min };
  return { mustBeLessOrEqualTo: expect.max ?? 0 };
}

const odcsSeverity = (rule: RuleOptions | { severity: 'warn' | 'fail' }): JsonObject => (rule.severity === 'warn' ? { severity: 'warning' } : {});

/** A rule's tolerance as an ODCS upper limit on failing rows: `mustBe: 0`, or `mustBeLessOrEqualTo` with `unit: percent`. */
function limit(rule: RuleOptions): JsonObject {
  const t = rule.tolerance;
  if (!t) return { mustBe: 0 };
  return 'maxRows' in t ? { mustBeLessOrEqualTo: t.maxRows } : { mustBeLessOrEqualTo: t.maxPercent, unit: 'percent' };
}

const plain = (rule: RuleOptions) => rule.severity === 'fail' && rule.tolerance === undefined;

/** The SQL an expression rule stands for, in a form the reader turns back into the expression. */
export const EXPRESSION_PREFIX = 'meshwatch_expression_';
export const expressionQuery = (table: string, expr: string) => `SELECT COUNT(*) FROM ${table} WHERE NOT (${expr})`;

export function productToOdcs(product: Product, workspace: Workspace): JsonObject {
  const domain: Domain | undefined = workspace.domains.find((d) => d.id === product.domain);
  const table = product.table;
  const objectName = product.name !== undefined && /^[A-Za-z0-9_]+$/.test(product.name) ? product.name : table.table.name;
  const contract = product.contract;
  const plainName = (name: string) => name.replace(/^"(.*)"$/, '$1').replaceAll('""', '"');

  // Every column the schema declares or a rule names is a property.
  interface Prop { type?: string | undefined; nullable?: boolean; required?: boolean; unique?: boolean; options: JsonObject; quality: JsonObject[]; custom: Record<string, Json> }
  const props = new Map<string, Prop>();
  const prop = (name: string): Prop => {
    let p = props.get(name);
    if (!p) props.set(name, (p = { options: {}, quality: [], custom: {} }));
    return p;
  };
  for (const c of product.schema?.columns ?? []) {
    const p = prop(c.name);
    p.type = c.type;
    // The warehouse column's own nullability (schema check), which ODCS `required` (a data rule) does not say.
    if (!c.nullable) p.custom.meshwatchNullable = false;
  }
  if (product.freshness?.column) prop(product.freshness.column);

  const objectQuality: JsonObject[] = [];
  const physical = formatTableRef(table);
  if (contract) {
    for (const r of contract.notNull) {
      if (plain(r)) prop(r.column).required = true;
      else prop(r.column).quality.push({ type: 'library', metric: 'nullValues', ...limit(r), ...odcsSeverity(r) });
    }
    for (const r of contract.unique) {
      if (r.columns.length === 1 && plain(r)) prop(r.columns[0]!).unique = true;
      else if (r.columns.length === 1) prop(r.columns[0]!).quality.push({ type: 'library', metric: 'duplicateValues', ...limit(r), ...odcsSeverity(r) });
      else objectQuality.push({ type: 'library', metric: 'duplicateValues', arguments: { properties: r.columns.map(plainName) }, ...limit(r), ...odcsSeverity(r) });
    }
    for (const r of contract.acceptedValues) {
      prop(r.column).quality.push({ type: 'library', metric: 'invalidValues', arguments: { validValues: [...r.values] }, ...limit(r), ...odcsSeverity(r) });
    }
    for (const r of contract.pattern) {
      // As a quality rule, not logicalTypeOptions.pattern: those options validate only beside a logicalType, which meshwatch does not know.
      prop(r.column).quality.push({ type: 'library', metric: 'invalidValues', arguments: { pattern: r.regex }, ...limit(r), ...odcsSeverity(r) });
    }
    for (const r of contract.range) {
      // Kept for meshwatch in a custom property: ODCS's logicalTypeOptions minimum/maximum depend on a
      // logicalType (a property without one is read as a string, which allows no bounds), and ODCS has
      // no range metric with a tolerance.
      prop(r.column).custom.meshwatchRange = { ...(r.min !== undefined ? { min: r.min } : {}), ...(r.max !== undefined ? { max: r.max } : {}), ...(r.exclusive ? { exclusive: true } : {}), ...toleranceJson(r) };
    }
    for (const r of contract.references) {
      prop(r.column).custom.meshwatchReferences = { product: r.references.product, column: r.references.column, ...toleranceJson(r) };
    }
    if (contract.rowCount) objectQuality.push({ type: 'library', metric: 'rowCount', ...bounds(contract.rowCount), ...odcsSeverity(contract.rowCount) });
    for (const r of contract.expressions) {
      objectQuality.push({ type: 'sql', name: `${EXPRESSION_PREFIX}${r.name}`, query: expressionQuery(physical, r.expr), ...limit(r), ...odcsSeverity(r) });
    }
    for (const rule of contract.sql) {
      objectQuality.push({ type: 'sql', name: rule.name, query: rule.query.replace(/\{\{\s*table\s*\}\}/g, physical), ...bounds(rule.expect), ...odcsSeverity(rule) });
    }
  }
  for (const name of props.keys()) {
    // A quoted name that reads the same unquoted (`"Orders"`: exact case on Snowflake) would come back unquoted.
    if (name.startsWith('"') && identifier(plainName(name)) !== name) props.get(name)!.custom.meshwatchColumn = name;
  }
  const properties: JsonObject[] = [...props].map(([name, p]) => ({
    name: plainName(name),
    ...(p.type !== undefined ? { physicalType: p.type } : {}),
    ...(p.required ? { required: true } : {}),
    ...(p.unique ? { unique: true } : {}),
    ...(Object.keys(p.options).length > 0 ? { logicalTypeOptions: p.options } : {}),
    ...(p.quality.length > 0 ? { quality: p.quality } : {}),
    ...(Object.keys(p.custom).length > 0 ? { customProperties: custom(p.custom) } : {}),
  }));

  const server: JsonObject =
    workspace.warehouse.type === 'duckdb'
      ? { server: 'meshwatch', type: 'duckdb', database: path.basename(workspace.warehouse.path), schema: table.schema.name }
      : {
          server: 'meshwatch',
          type: 'snowflake',
          account: workspace.warehouse.account,
          database: table.database?.name ?? workspace.warehouse.database ?? '',
          schema: table.schema.name,
        };

  const sla: JsonObject[] = [];
  if (product.freshness) {
    const { value, unit } = slaValue(product.freshness.maxAge.ms);
    sla.push({ property: 'freshness', value, unit, ...(product.freshness.column ? { element: `${objectName}.${plainName(product.freshness.column)}` } : {}) });
  }

  const schemaObject: JsonObject = {
    name: objectName,
    physicalName: table.table.name,
    physicalType: 'table',
    ...(product.name !== undefined ? { businessName: product.name } : {}),
    ...(product.description ? { description: product.description } : {}),
    properties,
    ...(objectQuality.length > 0 ? { quality: objectQuality } : {}),
    customProperties: custom({
      meshwatchId: product.id,
      // The table exactly as config names it: quoting and a DuckDB catalog have no ODCS field.
      meshwatchTable: physical,
      // Properties listed only because rules name them: no schema check on import.
      meshwatchSchema: product.schema ? undefined : false,
      meshwatchAllowExtraColumns: product.schema && !product.schema.allowExtraColumns ? false : undefined,
    }),
  };

  return {
    apiVersion: 'v3.1.0',
    kind: 'DataContract',
    id: product.id,
    name: product.name ?? product.id,
    version: '1.0.0',
    status: 'active',
    domain: product.domain,
    ...(product.description ? { description: { purpose: product.description } } : {}),
    servers: [server],
    schema: [schemaObject],
    ...(sla.length > 0 ? { slaProperties: sla } : {}),
    ...(domain ? { team: { name: domain.name, ...(domain.people ? { members: domain.people.map((username) => ({ username })) } : {}) } } : {}),
    ...(domain?.slackChannel ? { support: [{ channel: domain.slackChannel, tool: 'slack' }] } : {}),
    customProperties: custom({
      tier: product.tier,
      tierJustification: product.tierJustification,
      tierReviewedAt: product.tierReviewedAt,
      meshwatchInputs: product.inputs.length > 0 ? product.inputs.map((i) => (i.columns ? { product: i.product, columns: [...i.columns] } : i.product)) : undefined,
      meshwatchFreshnessWarnAge: product.freshness?.warnAge?.text,
      meshwatchSchedule: scheduleText(product, workspace),
    }),
  };
}

/** The product's own schedule as config writes it; undefined when it is the workspace default. */
function scheduleText(product: Product, workspace: Workspace): string | undefined {
  const s = product.schedule;
  const d = workspace.defaults.schedule;
  const text = s.kind === 'cron' ? s.pattern : s.text;
  const defaultText = d.kind === 'cron' ? d.pattern : d.text;
  return text === defaultText ? undefined : text;
}

function toleranceJson(rule: RuleOptions): JsonObject {
  const t = rule.tolerance;
  return { ...(t ? ('maxRows' in t ? { maxRows: t.maxRows } : { maxPercent: t.maxPercent }) : {}), ...(rule.severity === 'warn' ? { severity: 'warn' } : {}) };
}
