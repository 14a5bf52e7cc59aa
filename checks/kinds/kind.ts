/**
 * One check kind behind one interface, as in Soda's model (a check type is a
 * parse/plan + evaluate pair). A kind looks at a product's config and the
 * table's metadata and returns:
 * - `results`: what it can say without reading data (a missing column, a
 *   value that cannot be compared, the schema check);
 * - `expressions`: aggregate expressions it needs from the product's one
 *   scan (`select <expressions> from <table>`), each with a `shape` label;
 * - `evaluate`: turns the scanned values into results, optionally running
 *   follow-up statements (example values of a failing rule, owner SQL).
 *
 * The scan (and its batching across products) knows nothing of kinds; a new
 * rule kind is one new file registered in `registry.ts`.
 */
import type { Engine } from '../../config/identifier.js';
import type { Defaults, Product, TableRef } from '../../config/types.js';
import type { ColumnLookup } from '../column-lookup.js';
import type { PlannedCheck } from '../plan.js';
import type { CheckResult } from '../result.js';
import type { ResolvedTable, Row, SqlDialect, SqlValue, TableMetadata, WarehouseCapabilities } from '../warehouse.js';

/** Settings from `defaults` that kinds read. */
export type CheckSettings = Pick<Defaults, 'futureToleranceMs'>;

export const DEFAULT_SETTINGS: CheckSettings = { futureToleranceMs: 300_000 };

export interface KindContext {
  readonly product: Product;
  readonly table: ResolvedTable;
  /** The table as SQL, quoted by the dialect. */
  readonly quotedTable: string;
  /** The table as config wrote it, for messages. */
  readonly tableName: string;
  readonly metadata: TableMetadata;
  readonly lookup: ColumnLookup;
  readonly dialect: SqlDialect;
  readonly engine: Engine;
  readonly capabilities: WarehouseCapabilities;
  readonly settings: CheckSettings;
  readonly now: Date;
  /** ISO time of the cycle, the `at` of every result. */
  readonly at: string;
  /** A config column name as the warehouse stores it, quoted exactly (resolves the same on every engine). */
  column(name: string): string;
  /** Another table from config (a referenced input's), with the warehouse's default database filled in. */
  resolve(ref: TableRef): ResolvedTable;
}

/**
 * An aggregate expression for the scan. `shape` labels the SQL type of its
 * value: expressions with the same shape must produce the same type (the
 * batcher stacks them in one column of a UNION ALL). Use `count` for
 * counts; for a column's own values, `value:<the column's type text>`.
 */
export interface ScanExpression {
  /** The kind's own name for it; unique within the kind's plan. */
  readonly key: string;
  readonly sql: string;
  readonly shape: string;
}

/** The scanned values of one kind's expressions, or why one could not be computed. */
export interface ScanValues {
  value(key: string): SqlValue | undefined;
  /** Set when this expression's scan failed. */
  error(key: string): unknown;
}

/** Statements a kind may run after the scan. */
export interface FollowUp {
  /** A statement built by meshwatch (example values), tagged with the check. */
  query(sql: string, check: string): Promise<Row[]>;
  /** Owner-written SQL of a rule: confined to the product, read as one row at most. */
  ownerQuery(sql: string, check: string): Promise<Row | undefined>;
}

export interface KindPlan {
  readonly results?: readonly CheckResult[];
  readonly expressions?: readonly ScanExpression[];
  evaluate?(scan: ScanValues, followUp: FollowUp): CheckResult[] | Promise<CheckResult[]>;
}

export interface CheckKind {
  readonly name: string;
  /** The checks this kind has for a product, from config alone (to report them all as `error` when the warehouse is down). */
  planned(product: Product): PlannedCheck[];
  /** Undefined when the product has no check of this kind. */
  plan(ctx: KindContext): KindPlan | undefined;
}
