/**
 * The raw product and consumer objects a source produces: the same shapes a
 * `products/*.yaml` or `consumers/*.yaml` file holds, before zod validation.
 * They go through `productFileSchema` / `consumerSchema` like any file, so
 * nothing downstream can tell where a product came from.
 *
 * Contract rules use the shapes of issue 13 (thresholds, severities, range,
 * pattern, references, expressions); `fit-schema.ts` drops, with a note,
 * whatever the running meshwatch does not accept yet.
 */
import type { ConfigProblem } from '../config/errors.js';
import type { DomainHint } from '../config/source-hook.js';

export type Severity = 'warn' | 'fail';
export type Scalar = string | number | boolean;

export interface Threshold {
  maxRows?: number;
  maxPercent?: number;
  severity?: Severity;
}

export type NotNullRule = string | ({ column: string } & Threshold);
export type UniqueRule = string | string[] | ({ columns: string[] } & Threshold);
export type AcceptedValuesRule = Scalar[] | ({ values: Scalar[] } & Threshold);
export type RangeRule = { min?: number | string; max?: number | string; exclusive?: boolean } & Threshold;
export type PatternRule = string | ({ regex: string } & Threshold);

export interface RawContract {
  rowCount?: { min?: number; max?: number; severity?: Severity };
  notNull?: NotNullRule[];
  unique?: UniqueRule[];
  acceptedValues?: Record<string, AcceptedValuesRule>;
  range?: Record<string, RangeRule>;
  pattern?: Record<string, PatternRule>;
  references?: Record<string, { product: string; column: string } & Threshold>;
  expressions?: Array<{ name: string; expr: string } & Threshold>;
  sql?: Array<{ name: string; query: string; expect: number | { min?: number; max?: number }; severity?: Severity }>;
}

export interface RawColumn {
  name: string;
  /** Absent: the column is checked for presence only. */
  type?: string;
  nullable?: boolean;
}

export interface RawProduct {
  id: string;
  name?: string;
  description?: string;
  domain: string;
  tier: 'open' | 'limited' | 'restricted';
  table: string;
  schedule?: string;
  freshness?: { column?: string; maxAge: string; warnAge?: string };
  schema?: { columns: RawColumn[]; allowExtraColumns?: boolean };
  contract?: RawContract;
  inputs?: Array<string | { product: string; columns?: string[] }>;
  tierJustification?: string;
  tierReviewedAt?: string;
}

export interface RawConsumer {
  id: string;
  name?: string;
  domain: string;
  slackChannel?: string;
  uses: Array<{ product: string; columns?: string[] }>;
}

/** Something a source file says about a domain: `import` writes it into meshwatch.yaml, `sources:` fills a domain that sets no channel or people. */
export type { DomainHint } from '../config/source-hook.js';

/** A raw object and where in its source file it came from (for problems and notes). */
export interface Sourced<T> {
  readonly value: T;
  readonly file: string;
  readonly path: string;
}

export interface SourceOutput {
  readonly products: Sourced<RawProduct>[];
  readonly consumers: Sourced<RawConsumer>[];
  /** Errors: the file is not valid input, or names something unknown. */
  readonly problems: ConfigProblem[];
  /** What was read but cannot be checked: reported by `validate`, never blocking. */
  readonly notes: ConfigProblem[];
  /** Probably a mistake in the source entry (a dbt `select` matching no model): a warning, never blocking. */
  readonly warnings: ConfigProblem[];
  readonly domains: DomainHint[];
}

export function emptyOutput(): SourceOutput {
  return { products: [], consumers: [], problems: [], notes: [], warnings: [], domains: [] };
}

export function mergeOutput(into: SourceOutput, from: SourceOutput): void {
  into.products.push(...from.products);
  into.consumers.push(...from.consumers);
  into.problems.push(...from.problems);
  into.notes.push(...from.notes);
  into.warnings.push(...from.warnings);
  into.domains.push(...from.domains);
}
