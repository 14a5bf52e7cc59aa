/** The typed, validated model of a config directory. Nothing here is a raw YAML value. */
import type { ConsumerEntry, ProductFile, WorkspaceFile } from './schema.js';
import type { Schedule } from './schedule.js';
import type { TableRef } from './identifier.js';
import type { ConfigProblem } from './errors.js';

export type { TableRef, IdentifierPart } from './identifier.js';
export type { Schedule } from './schedule.js';

export type Tier = ProductFile['tier'];
export type Domain = WorkspaceFile['domains'][number];
export type SnowflakeWarehouseConfig = Extract<WorkspaceFile['warehouse'], { type: 'snowflake' }>;
export interface DuckdbWarehouseConfig {
  readonly type: 'duckdb';
  /** Absolute path of the database file. */
  readonly path: string;
  /** The catalog name DuckDB gives the file: its base name without extension. */
  readonly catalog: string;
}
export type WarehouseConfig = DuckdbWarehouseConfig | SnowflakeWarehouseConfig;

export interface Defaults {
  readonly schedule: Schedule;
  readonly timezone: string;
  readonly concurrency: number;
  readonly queryTimeoutMs: number;
  /** How far in the future a freshness timestamp may be before freshness fails. */
  readonly futureToleranceMs: number;
  /** Share of a database's products missing in one cycle that is read as one monitor problem. */
  readonly massMissing: number;
}

export interface Workspace {
  readonly warehouse: WarehouseConfig;
  readonly defaults: Defaults;
  readonly platform: { readonly slackChannel?: string | undefined };
  readonly slack?: Record<string, unknown> | undefined;
  readonly domains: readonly Domain[];
}

export interface ProductInput {
  readonly product: string;
  /** Columns of the input that this product reads; undefined means all of them. */
  readonly columns?: readonly string[] | undefined;
}

export interface Product extends Omit<ProductFile, 'schedule' | 'table' | 'inputs'> {
  readonly table: TableRef;
  readonly schedule: Schedule;
  readonly inputs: readonly ProductInput[];
  /** Config file the product came from, relative to the config directory. */
  readonly file: string;
}

export interface ConsumerUse {
  readonly product: string;
  /** Columns the consumer reads; undefined means all of them. */
  readonly columns?: readonly string[] | undefined;
}

export interface Consumer extends Omit<ConsumerEntry, 'uses'> {
  readonly uses: readonly ConsumerUse[];
  /** Where this consumer was declared: a config file, or `slack` for subscriptions. */
  readonly source: string;
}

export interface MeshConfig {
  readonly dir: string;
  readonly workspace: Workspace;
  readonly products: readonly Product[];
  readonly consumers: readonly Consumer[];
  /** What sources (ODCS, dbt) say that meshwatch cannot check: printed by `validate`, never blocking. */
  readonly notes?: readonly ConfigProblem[];
  /** Files read through `sources:` in meshwatch.yaml, relative to the config directory. */
  readonly sourceFiles?: readonly string[];
}
