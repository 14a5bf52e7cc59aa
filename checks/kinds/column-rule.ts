/**
 * The common shape of a per-column contract rule (notNull, unique,
 * acceptedValues, and the rules to come): one count of failing rows from the
 * scan, example values for `open` products when it fails.
 */
import type { CheckResult } from '../result.js';
import type { SqlValue } from '../warehouse.js';
import type { FollowUp, KindContext, KindPlan, ScanExpression } from './kind.js';
import { asNumber, formatSamples, missingColumn, unevaluated } from './results.js';

export const SAMPLE_LIMIT = 5;

export interface ColumnRule {
  readonly check: string;
  readonly column: string;
  /** The scan expression counting failing rows. */
  readonly failing: string;
  readonly describe: (n: number) => string;
  /** The rule name in the pass message, e.g. `notNull`. */
  readonly rule: string;
  /** A statement selecting up to SAMPLE_LIMIT offending values as `"v"`. */
  readonly samples?: string | undefined;
}

/** A rule for a column that does not exist, or that cannot be planned (a config error), is a result right away. */
export type PlannedRule = ColumnRule | CheckResult;

const isResult = (r: PlannedRule): r is CheckResult => 'status' in r;

export function planColumnRules(ctx: KindContext, rules: readonly PlannedRule[]): KindPlan | undefined {
  if (rules.length === 0) return undefined;
  const live = rules.filter((r): r is ColumnRule => !isResult(r));
  const expressions: ScanExpression[] = live.map((r, i) => ({ key: `r${i}`, sql: r.failing, shape: 'count' }));
  return {
    results: rules.filter(isResult),
    expressions,
    evaluate: async (scan, followUp) => {
      const results: CheckResult[] = [];
      for (const [i, rule] of live.entries()) {
        const error = scan.error(`r${i}`);
        if (error !== undefined) {
          results.push(unevaluated(ctx, rule.check, 'contract', [rule.column], error));
          continue;
        }
        results.push(await ruleResult(ctx, rule, asNumber(scan.value(`r${i}`)) ?? 0, followUp));
      }
      return results;
    },
  };
}

async function ruleResult(ctx: KindContext, rule: ColumnRule, failing: number, followUp: FollowUp): Promise<CheckResult> {
  let samples: SqlValue[] | undefined;
  if (failing > 0 && rule.samples && ctx.product.tier === 'open') {
    // Examples help the owner find the rows; a failure to fetch them must not hide the result.
    samples = await followUp
      .query(rule.samples, rule.check)
      .then((rows) => rows.map((r) => r.v ?? null))
      .catch(() => undefined);
  }
  return {
    product: ctx.product.id,
    check: rule.check,
    kind: 'contract',
    status: failing > 0 ? 'fail' : 'pass',
    message: failing > 0 ? `${rule.describe(failing)}${formatSamples(samples)}` : `no violations of ${rule.rule} on ${rule.column}`,
    columns: [rule.column],
    observed: failing,
    expected: 0,
    failingRows: failing,
    ...(samples ? { samples } : {}),
    at: ctx.at,
  };
}

/** The rule, or the missing-column failure when the column is gone. */
export function ruleFor(ctx: KindContext, check: string, column: string, make: () => PlannedRule): PlannedRule {
  return ctx.lookup.find(column) ? make() : missingColumn(ctx, check, column);
}
