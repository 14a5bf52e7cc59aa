import type { ColumnInfo, TableMetadata } from './warehouse.js';
import { columnPart } from './sql-dialect.js';

/**
 * Finds a config column name among a table's actual columns: a quoted name
 * (`'"Amount"'`) must match exactly, a plain one matches ignoring case, as
 * both engines resolve unquoted identifiers.
 */
export class ColumnLookup {
  private readonly exact: Map<string, ColumnInfo>;
  private readonly folded: Map<string, ColumnInfo>;

  constructor(metadata: TableMetadata) {
    this.exact = new Map(metadata.columns.map((c) => [c.name, c]));
    this.folded = new Map(metadata.columns.map((c) => [c.name.toLowerCase(), c]));
  }

  find(name: string): ColumnInfo | undefined {
    const part = columnPart(name);
    return part.quoted ? this.exact.get(part.name) : this.folded.get(part.name.toLowerCase());
  }
}
