/**
 * meshwatch product → one ODCS v3.1.0 contract (the shape the standard's
 * JSON schema accepts). What ODCS has no field for (tier, lineage, the
 * freshness warn level, the product id) goes in customProperties, which the
 * ODCS reader reads back, so native → ODCS → native keeps the checks.
 */
import path from 'node:path';
import { formatTableRef } from '../../config/identifier.js';
import type { Domain, Product, Workspace } from '../../config/types.js';

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

export function productToOdcs(product: Product, workspace: Workspace): JsonObject {
  const domain: Domain | undefined = workspace.domains.find((d) => d.id === product.domain);
  const table = product.table;
  const objectName = product.name !== undefined && /^[A-Za-z0-9_]+$/.test(product.name) ? product.name : table.table.name;
  const contract = product.contract;
  const notNull = new Set(contract?.notNull ?? []);
  const unique = new Set(contract?.unique ?? []);
  const accepted = contract?.acceptedValues ?? {};

  // Every column the schema declares or a rule names is a property.
  const columns = new Map<string, { type?: string | undefined }>();
  for (const c of product.schema?.columns ?? []) columns.set(c.name, { type: c.type });
  for (const name of [...notNull, ...unique, ...Object.keys(accepted), ...(product.freshness?.column ? [product.freshness.column] : [])]) {
    if (!columns.has(name)) columns.set(name, {});
  }
  const plainName = (name: string) => name.replace(/^"(.*)"$/, '$1').replaceAll('""', '"');
  const properties: JsonObject[] = [...columns].map(([name, { type }]) => {
    const quality: JsonObject[] = [];
    const values = accepted[name];
    if (values) quality.push({ type: 'library', metric: 'invalidValues', arguments: { validValues: values }, mustBe: 0 });
    return {
      name: plainName(name),
      ...(type !== undefined ? { physicalType: type } : {}),
      ...(notNull.has(name) ? { required: true } : {}),
      ...(unique.has(name) ? { unique: true } : {}),
      ...(quality.length > 0 ? { quality } : {}),
    };
  });

  const objectQuality: JsonObject[] = [];
  if (contract?.rowCount) objectQuality.push({ type: 'library', metric: 'rowCount', ...bounds(contract.rowCount) });
  const physical = formatTableRef(table);
  for (const rule of contract?.sql ?? []) {
    objectQuality.push({ type: 'sql', name: rule.name, query: rule.query.replace(/\{\{\s*table\s*\}\}/g, physical), ...bounds(rule.expect) });
  }

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
    ...(product.description ? { description: product.description } : {}),
    properties,
    ...(objectQuality.length > 0 ? { quality: objectQuality } : {}),
    customProperties: custom({
      meshwatchId: product.id,
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
    ...(domain ? { team: { name: domain.name }, support: [{ channel: domain.slackChannel, tool: 'slack' }] } : {}),
    customProperties: custom({
      tier: product.tier,
      meshwatchInputs: product.inputs.length > 0 ? product.inputs.map((i) => (i.columns ? { product: i.product, columns: [...i.columns] } : i.product)) : undefined,
      meshwatchFreshnessWarnAge: product.freshness?.warnAge?.text,
    }),
  };
}
