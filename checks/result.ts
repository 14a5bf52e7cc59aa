/**
 * The outcome of one check on one product. Bad data is a result (`fail`),
 * never an exception; `error` means meshwatch could not evaluate the check
 * (warehouse down, timeout) and is never reported to consumers as breakage.
 */
import type { SqlValue } from './warehouse.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'error';
export type CheckKind = 'freshness' | 'schema' | 'contract';

export interface CheckResult {
  readonly product: string;
  /** `freshness`, `schema`, `contract.rowCount`, `contract.notNull.order_id`, `contract.sql.<name>`. */
  readonly check: string;
  readonly kind: CheckKind;
  readonly status: CheckStatus;
  readonly message: string;
  /** Columns involved; empty when the whole product is concerned (stale, missing table, row count). */
  readonly columns: readonly string[];
  readonly observed?: SqlValue | Readonly<Record<string, SqlValue>> | undefined;
  readonly expected?: SqlValue | Readonly<Record<string, SqlValue>> | undefined;
  /** Rows breaking a rule, where counted. */
  readonly failingRows?: number | undefined;
  /** A few offending values; only for products whose tier is `open`. */
  readonly samples?: readonly SqlValue[] | undefined;
  /** For `error`: the warehouse error code. */
  readonly errorCode?: string | undefined;
  /** ISO time the check was evaluated. */
  readonly at: string;
}
