import { columnKey, storedColumnKey, type Engine } from '../config/identifier.js';
import type { ColumnInfo, TableMetadata } from './warehouse.js';

/**
 * Finds a config column name among a table's actual columns by the engine's
 * identifier rules (see `columnKey`): on DuckDB case never matters; on
 * Snowflake `amount` is the stored `AMOUNT` and `'"amount"'` only `amount`.
 */
export class ColumnLookup {
  private readonly byKey: Map<string, ColumnInfo>;

  constructor(
    metadata: TableMetadata,
    private readonly engine: Engine,
  ) {
    this.byKey = new Map(metadata.columns.map((c) => [storedColumnKey(c.name, engine), c]));
  }

  find(name: string): ColumnInfo | undefined {
    return this.byKey.get(columnKey(name, this.engine));
  }
}
