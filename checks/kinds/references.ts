/**
 * contract.references.<col>: every non-null value exists in a column of an
 * input product (referential integrity, dbt's `relationships`). Config makes
 * sure the referenced product is one of `inputs`, so the statement reads only
 * the product's table and an input's, as lineage says. It reads two tables,
 * so it cannot join the product's aggregate scan: one statement per rule,
 * after the scan (the scan still gives the row count for the share).
 */
import type { ReferenceRule } from '../../config/types.js';
import { formatTableRef } from '../../config/identifier.js';
import { plural } from '../../core/text.js';
import type { CheckResult } from '../result.js';
import { SAMPLE_LIMIT, ruleFor, ruleResult, totalRows, type ColumnRule } from './column-rule.js';
import type { CheckKind, KindContext } from './kind.js';
import { asNumber, configError, unevaluated } from './results.js';
import { rowCountExpressions } from './row-count-source.js';

const checkOf = (rule: ReferenceRule) => `contract.references.${rule.column}`;

/** The rule and the statement counting its orphan rows, or a result when it cannot run. */
function planRule(ctx: KindContext, rule: ReferenceRule): { rule: ColumnRule; count: string } | CheckResult {
  const check = checkOf(rule);
  const target = rule.references;
  if (!target.table) {
    return configError(ctx, check, 'contract', [rule.column], `${check}: ${target.product} is not a known input of ${ctx.product.id}; fix references in ${ctx.product.file}`);
  }
  const planned = ruleFor(ctx, check, rule.column, () => {
    const self = ctx.dialect.quoteIdentifier({ name: 't', quoted: true });
    const other = ctx.dialect.quoteIdentifier({ name: 'r', quoted: true });
    const c = `${self}.${ctx.column(rule.column)}`;
    // The referenced column is quoted by config's rules: its table's metadata is not read, so the engine resolves it.
    const rc = `${other}.${ctx.dialect.quoteColumn(target.column)}`;
    const orphans = `from ${ctx.quotedTable} ${self} where ${c} is not null and not exists (select 1 from ${ctx.dialect.quoteTable(ctx.resolve(target.table!))} ${other} where ${rc} = ${c})`;
    return {
      check,
      columns: [rule.column],
      rule: 'references',
      failing: `select count(*) as "n" ${orphans}`,
      describe: (n: number) => `${plural(n, 'row')} with ${rule.column} not found in ${target.product}.${target.column} (${formatTableRef(target.table!)})`,
      samples: `select distinct ${c} as "v" ${orphans} limit ${SAMPLE_LIMIT}`,
      options: rule,
      share: true,
    };
  });
  return 'status' in planned ? planned : { rule: planned, count: planned.failing };
}

export const referencesKind: CheckKind = {
  name: 'references',
  planned: (product) => (product.contract?.references ?? []).map((rule) => ({ check: checkOf(rule), kind: 'contract', columns: [rule.column] })),
  plan(ctx) {
    const rules = ctx.product.contract?.references ?? [];
    if (rules.length === 0) return undefined;
    const planned = rules.map((rule) => planRule(ctx, rule));
    const live = planned.filter((p): p is { rule: ColumnRule; count: string } => !('status' in p));
    return {
      results: planned.filter((p): p is CheckResult => 'status' in p),
      expressions: live.length > 0 ? rowCountExpressions(ctx) : [],
      evaluate: async (scan, followUp) => {
        const results: CheckResult[] = [];
        for (const { rule, count } of live) {
          let failing: number | undefined;
          try {
            failing = asNumber((await followUp.query(count, rule.check))[0]?.n);
          } catch (err) {
            results.push(unevaluated(ctx, rule.check, 'contract', rule.columns, err));
            continue;
          }
          if (failing === undefined) {
            results.push(unevaluated(ctx, rule.check, 'contract', rule.columns, new Error('the count of orphan rows was not a number')));
            continue;
          }
          results.push(await ruleResult(ctx, rule, failing, totalRows(ctx, scan, rule), followUp));
        }
        return results;
      },
    };
  },
};
