/**
 * Owner SQL (`contract.sql` rules) is written by producer teams and run with
 * a role that can read every product, so each adapter confines it before it
 * runs (see `Warehouse.queryOwnerSql`):
 * - the strict text guard (`assertReadOnlySql`): one SELECT/WITH, no `;`;
 * - the tables it reads, as the engine resolves them, must be the product's
 *   own table (and, for a view, what the view reads) or its inputs' tables;
 *   anything else (another product's table, a table function such as
 *   `read_csv`, a stage) is a `CHECK_CONFIG` error naming it;
 * - it is wrapped so that at most one row is read.
 */
import { MeshwatchError } from '../core/errors.js';
import type { ResolvedTable } from './warehouse.js';

export interface OwnerSqlScope {
  /** The product's own table first, then its declared inputs' tables. */
  readonly tables: readonly ResolvedTable[];
}

/** Owner SQL that reads outside its product: the rule's config error, never the warehouse's. */
export class OwnerSqlScopeError extends MeshwatchError {
  declare readonly code: 'CHECK_CONFIG';
  constructor(message: string) {
    super('CHECK_CONFIG', message, { origin: 'user' });
  }
}

export function outsideScope(what: string): OwnerSqlScopeError {
  return new OwnerSqlScopeError(`reads ${what}, which is neither this product's table nor one of its inputs' tables; owner SQL may read only those`);
}

/** The statement wrapped so that the engine returns one row at most, whatever the owner wrote. */
export function oneRow(sql: string, quoteAlias: (alias: string) => string): string {
  const body = sql.trim().replace(/;\s*$/, '');
  // The newline ends a trailing `-- comment` before the closing parenthesis.
  return `select * from (\n${body}\n) as ${quoteAlias('owner_sql')} limit 1`;
}
