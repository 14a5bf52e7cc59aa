/**
 * The common shape of a per-row contract rule (notNull, unique,
 * acceptedValues, range, pattern, expressions): one count of failing rows
 * from the scan, compared with the rule's tolerance (`maxRows` /
 * `maxPercent`, default none), reported as `fail` or, for `severity: warn`,
 * as `warn`; example values for `open` products when it is broken.
 */
import type { RuleOptions, Tolerance } from '../../config/types.js';
import { plural } from '../../core/text.js';
import type { CheckResult } from '../result.js';
import type { SqlValue } from '../warehouse.js';
import type { FollowUp, KindContext, KindPlan, ScanExpression, ScanValues } from './kind.js';
import { asNumber, formatSamples, missingColumn, unevaluated } from './results.js';
import { readRowCount, rowCountExpressions } from './row-count-source.js';

export const SAMPLE_LIMIT = 5;

export interface ColumnRule {
  readonly check: string;
  /** The columns the rule is about, as config wrote them: the result's `columns`, for column-aware impact. */
  readonly columns: readonly string[];
  /** The scan expression counting failing rows. */
  readonly failing: string;
  readonly describe: (n: number) => string;
  /** The rule name in the pass message, e.g. `notNull`. */
  readonly rule: string;
  /** A statement selecting up to SAMPLE_LIMIT offending values as `"v"`. */
  readonly samples?: string | undefined;
  readonly options: RuleOptions;
  /**
   * Say what share of the rows fails. The rules that existed before
   * tolerances keep their messages as they were unless they set one.
   */
  readonly share: boolean;
}

/** A rule for a column that does not exist, or that cannot be planned (a config error), is a result right away. */
export type PlannedRule = ColumnRule | CheckResult;

const isResult = (r: PlannedRule): r is CheckResult => 'status' in r;

/** Whether a rule needs the table's row count: to report a share, or to apply `maxPercent`. */
export function needsRowCount(rule: Pick<ColumnRule, 'share' | 'options'>): boolean {
  return rule.share || (rule.options.tolerance !== undefined && 'maxPercent' in rule.options.tolerance);
}

export function planColumnRules(ctx: KindContext, rules: readonly PlannedRule[]): KindPlan | undefined {
  if (rules.length === 0) return undefined;
  const live = rules.filter((r): r is ColumnRule => !isResult(r));
  const expressions: ScanExpression[] = live.map((r, i) => ({ key: `r${i}`, sql: r.failing, shape: 'count' }));
  // The planner merges identical expressions: the row count costs one count(*) per scan, whoever asks.
  if (live.some(needsRowCount)) expressions.push(...rowCountExpressions(ctx));
  return {
    results: rules.filter(isResult),
    expressions,
    evaluate: async (scan, followUp) => {
      const results: CheckResult[] = [];
      for (const [i, rule] of live.entries()) {
        const error = scan.error(`r${i}`);
        if (error !== undefined) {
          results.push(unevaluated(ctx, rule.check, 'contract', rule.columns, error));
          continue;
        }
        results.push(await ruleResult(ctx, rule, asNumber(scan.value(`r${i}`)) ?? 0, totalRows(ctx, scan, rule), followUp));
      }
      return results;
    },
  };
}

/** The table's row count for a rule, when it needs one and it could be read. */
export function totalRows(ctx: KindContext, scan: ScanValues, rule: Pick<ColumnRule, 'share' | 'options'>): number | undefined {
  if (!needsRowCount(rule)) return undefined;
  const rows = readRowCount(ctx, scan);
  return rows.error === undefined ? rows.value : undefined;
}

function formatPercent(value: number): string {
  return `${Number(value.toFixed(2))} %`;
}

function toleranceText(tolerance: Tolerance): string {
  return 'maxRows' in tolerance ? `at most ${plural(tolerance.maxRows, 'row')}` : `at most ${formatPercent(tolerance.maxPercent)} of the rows`;
}

/**
 * Whether `failing` rows are within the tolerance. A percentage is of all the
 * table's rows; exactly `maxPercent` is allowed. Integers are compared, so
 * 2 % of 50 rows allows exactly 1.
 */
export function withinTolerance(failing: number, tolerance: Tolerance | undefined, total: number | undefined): boolean {
  if (failing === 0) return true;
  if (tolerance === undefined) return false;
  if ('maxRows' in tolerance) return failing <= tolerance.maxRows;
  if (total === undefined || total === 0) return false;
  return failing * 100 <= tolerance.maxPercent * total + 1e-9 * total;
}

/** The result of a rule from its failing-row count; shared with the kinds that count failing rows by their own statement. */
export async function ruleResult(ctx: KindContext, rule: ColumnRule, failing: number, total: number | undefined, followUp: FollowUp): Promise<CheckResult> {
  const { tolerance, severity } = rule.options;
  const tolerancePercent = tolerance !== undefined && 'maxPercent' in tolerance;
  if (tolerancePercent && total === undefined && failing > 0) {
    // The share cannot be known without the row count (its scan failed): say the monitor could not look.
    return unevaluated(ctx, rule.check, 'contract', rule.columns, new Error('the row count, needed for maxPercent, could not be read'));
  }
  const broken = !withinTolerance(failing, tolerance, total);
  let samples: SqlValue[] | undefined;
  if (broken && rule.samples && ctx.product.tier === 'open') {
    // Examples help the owner find the rows; a failure to fetch them must not hide the result.
    samples = await followUp
      .query(rule.samples, rule.check)
      .then((rows) => rows.map((r) => r.v ?? null))
      .catch(() => undefined);
  }
  const share = rule.share && total !== undefined && total > 0 && failing > 0 ? ` (${formatPercent((failing * 100) / total)} of ${plural(total, 'row')})` : '';
  const allowed = tolerance ? `; allowed ${toleranceText(tolerance)}` : '';
  const subject = rule.columns.join(', ');
  let message: string;
  if (broken) message = `${rule.describe(failing)}${share}${allowed}${formatSamples(samples)}`;
  else if (failing > 0) message = `${rule.describe(failing)}${share}, within the allowed ${toleranceText(tolerance!)}`;
  else message = `no violations of ${rule.rule} on ${subject}`;
  return {
    product: ctx.product.id,
    check: rule.check,
    kind: 'contract',
    status: broken ? (severity === 'warn' ? 'warn' : 'fail') : 'pass',
    message,
    columns: rule.columns,
    observed: failing,
    expected: tolerance ? { ...tolerance } : 0,
    failingRows: failing,
    ...(samples ? { samples } : {}),
    at: ctx.at,
  };
}

/** The rule, or the missing-column failure when a column is gone. */
export function ruleFor(ctx: KindContext, check: string, columns: string | readonly string[], make: () => PlannedRule): PlannedRule {
  const list = typeof columns === 'string' ? [columns] : columns;
  const missing = list.find((c) => !ctx.lookup.find(c));
  return missing === undefined ? make() : missingColumn(ctx, check, missing);
}
