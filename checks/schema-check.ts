/**
 * Schema check: the declared columns against the warehouse's. Breaking (fail):
 * a missing column, a changed type, a column that became nullable where the
 * contract says `nullable: false`, extra columns when `allowExtraColumns:
 * false`. Widened types and added columns pass with a note.
 */
import { configColumnName, formatTableRef } from '../config/identifier.js';
import { ColumnLookup } from './column-lookup.js';
import type { Product } from '../config/types.js';
import type { CheckResult } from './result.js';
import { compareTypes, type Engine } from './type-normalize.js';
import type { TableMetadata } from './warehouse.js';

export function evaluateSchema(product: Product, metadata: TableMetadata, engine: Engine, at: string): CheckResult | undefined {
  const schema = product.schema;
  if (!schema) return undefined;
  const lookup = new ColumnLookup(metadata, engine);

  const missing: string[] = [];
  const changed: string[] = [];
  const changedColumns: string[] = [];
  const nullable: string[] = [];
  const notes: string[] = [];
  const matched = new Set<string>();
  for (const column of schema.columns) {
    const found = lookup.find(column.name);
    if (!found) {
      missing.push(column.name);
      continue;
    }
    matched.add(found.name);
    const comparison = column.type === undefined ? 'same' : compareTypes(column.type, found.type, engine);
    if (comparison === 'changed') {
      changed.push(`${column.name} ${column.type} → ${found.type}`);
      changedColumns.push(column.name);
    }
    else if (comparison === 'widened') notes.push(`${column.name} widened ${column.type} → ${found.type}`);
    if (column.nullable === false && found.nullable) nullable.push(column.name);
  }
  // Named as config would write them, so that impact matches them against consumers' columns.
  const extra = metadata.columns.filter((c) => !matched.has(c.name)).map((c) => configColumnName(c.name, engine));

  const problems: string[] = [];
  const columns: string[] = [];
  if (missing.length > 0) {
    problems.push(`missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
    columns.push(...missing);
  }
  if (changed.length > 0) {
    problems.push(`type changed: ${changed.join('; ')}`);
    columns.push(...changedColumns);
  }
  if (nullable.length > 0) {
    problems.push(`now nullable, contract says not null: ${nullable.join(', ')}`);
    columns.push(...nullable);
  }
  if (extra.length > 0) {
    if (schema.allowExtraColumns) notes.push(`added column${extra.length > 1 ? 's' : ''} ${extra.join(', ')}`);
    else {
      problems.push(`unexpected column${extra.length > 1 ? 's' : ''} ${extra.join(', ')} (allowExtraColumns: false)`);
      columns.push(...extra);
    }
  }
  const table = formatTableRef(product.table);
  return {
    product: product.id,
    check: 'schema',
    kind: 'schema',
    status: problems.length > 0 ? 'fail' : 'pass',
    message:
      problems.length > 0
        ? `breaking schema change in ${table}: ${problems.join('; ')}${notes.length > 0 ? ` (also ${notes.join('; ')})` : ''}`
        : `schema matches (${schema.columns.length} columns)${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`,
    columns: [...new Set(columns)],
    observed: { missing: missing.join(', ') || null, changed: changed.join('; ') || null, extra: extra.join(', ') || null },
    at,
  };
}
