/** The typed, validated model of a config directory. Nothing here is a raw YAML value. */
import type { ConsumerEntry, ProductFile, WorkspaceFile } from './schema.js';
import type { Schedule } from './schedule.js';
import type { TableRef } from './identifier.js';
import type { ConfigNotice } from './notices.js';

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

export interface RedisSettings {
  readonly url?: string | undefined;
  readonly prefix?: string | undefined;
}

export interface HistorySettings {
  /** Results kept per product. */
  readonly results: number;
  readonly maxAgeMs: number;
  /** How long an incident's history is kept after it resolves (`history.incidentRetention`). */
  readonly incidentRetentionMs: number;
}

export interface EscalationSettings {
  readonly remindMs: number;
  /** Undefined: never escalate (`escalate: off`). */
  readonly escalateMs?: number | undefined;
}

export interface BusinessUnit {
  readonly name: string;
  readonly escalationChannel?: string | undefined;
  readonly lead?: string | undefined;
}

export interface DigestSettings {
  readonly enabled: boolean;
  /** A cron pattern. */
  readonly schedule: string;
  readonly timezone: string;
  readonly periodMs: number;
}

export interface GovernanceSettings {
  /** A product less restricted than an input, without a justification: a warning, or with `error` a problem. */
  readonly tierLineage: 'warn' | 'error';
  readonly tierReviewEveryMs: number;
  /** Web address of the config directory's files (a product's link is `${repoUrl}/${product.file}`). */
  readonly repoUrl?: string | undefined;
}

/** A removed or renamed product whose consumers were told (meshwatch.yaml `breakingChanges`). */
export type RemovedProductAck = WorkspaceFile['breakingChanges'][number];
/** An acknowledged breaking change of one product (its file's `breakingChanges`). */
export type BreakingChangeAck = NonNullable<ProductFile['breakingChanges']>[number];

export interface Workspace {
  readonly warehouse: WarehouseConfig;
  readonly redis: RedisSettings;
  readonly history: HistorySettings;
  readonly escalation: EscalationSettings;
  /** `businessUnits` of meshwatch.yaml; empty when absent. */
  readonly businessUnits: readonly BusinessUnit[];
  readonly digests: DigestSettings;
  readonly defaults: Defaults;
  readonly platform: { readonly slackChannel?: string | undefined };
  /** Restricted products' subscription approvals (see the Slack app). */
  readonly approvals: { readonly channel?: string | undefined; readonly approvers: readonly string[] };
  readonly slack?: WorkspaceFile['slack'] | undefined;
  /** The status page's public address, without a trailing slash. */
  readonly statusUrl?: string | undefined;
  readonly domains: readonly Domain[];
  readonly governance: GovernanceSettings;
  readonly breakingChanges: readonly RemovedProductAck[];
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

/** How a failing rule is reported: `fail` breaks the product (incident, consumers told); `warn` is shown only. */
export type Severity = 'warn' | 'fail';

/**
 * Failing rows a rule tolerates before it counts as broken: at most `maxRows`
 * rows, or at most `maxPercent` % of the table's rows. Without one, any
 * failing row breaks the rule.
 */
export type Tolerance = { readonly maxRows: number } | { readonly maxPercent: number };

/** What every contract rule has, whatever its YAML shape was. */
export interface RuleOptions {
  readonly severity: Severity;
  readonly tolerance?: Tolerance | undefined;
}

export interface NotNullRule extends RuleOptions {
  readonly column: string;
}

/** One column, or several (a composite key: the combination repeats in no two rows). */
export interface UniqueRule extends RuleOptions {
  readonly columns: readonly string[];
}

export interface AcceptedValuesRule extends RuleOptions {
  readonly column: string;
  readonly values: ReadonlyArray<string | number | boolean>;
}

/** Bounds compared as the column's type: numbers, or ISO dates / timestamps as text. */
export interface RangeRule extends RuleOptions {
  readonly column: string;
  readonly min?: number | string | undefined;
  readonly max?: number | string | undefined;
  /** Bounds are excluded instead of included. */
  readonly exclusive: boolean;
}

/** Every non-null value matches `regex` in full. */
export interface PatternRule extends RuleOptions {
  readonly column: string;
  readonly regex: string;
}

/** Every non-null value of `column` exists in `references.column` of the input product `references.product`. */
export interface ReferenceRule extends RuleOptions {
  readonly column: string;
  readonly references: {
    readonly product: string;
    readonly column: string;
    /** The referenced product's table: filled in by the loader once every product is known. */
    readonly table?: TableRef | undefined;
  };
}

/** A boolean SQL expression over the product's own columns that holds for every row. */
export interface ExpressionRule extends RuleOptions {
  readonly name: string;
  readonly expr: string;
}

export interface RowCountRule {
  readonly min?: number | undefined;
  readonly max?: number | undefined;
  readonly severity: Severity;
}

export interface OwnerSqlRule {
  readonly name: string;
  readonly query: string;
  readonly expect: number | { readonly min?: number | undefined; readonly max?: number | undefined };
  readonly severity: Severity;
}

/** A product's contract, every rule in one normalised shape (the YAML allows shorter forms). */
export interface Contract {
  readonly rowCount?: RowCountRule | undefined;
  readonly notNull: readonly NotNullRule[];
  readonly unique: readonly UniqueRule[];
  readonly acceptedValues: readonly AcceptedValuesRule[];
  readonly range: readonly RangeRule[];
  readonly pattern: readonly PatternRule[];
  readonly references: readonly ReferenceRule[];
  readonly expressions: readonly ExpressionRule[];
  readonly sql: readonly OwnerSqlRule[];
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
  /**
   * Things worth saying that do not make the config invalid, from every
   * origin in one list (config/notices.ts): warnings (entries of the config
   * directory not read, a glob matching nothing, a config without products)
   * and notes (what sources say that meshwatch cannot check). `validate`,
   * `check` and `serve` print them all as `warning: …` / `note: …`.
   */
  readonly notices: readonly ConfigNotice[];
  /** The warnings among `notices` (kept for readers of this older field). */
  readonly warnings: readonly ConfigNotice[];
  /** The notes among `notices` (kept for readers of this older field). */
  readonly notes: readonly ConfigNotice[];
  /** Files read through `sources:` in meshwatch.yaml, relative to the config directory. */
  readonly sourceFiles?: readonly string[];
}
