/**
 * contract.pattern.<col>: every non-null value matches the regular expression
 * in full, run by the engine (DuckDB `regexp_full_match`, Snowflake `RLIKE`,
 * through the dialect). A column that is not text is matched as its text.
 */
import { plural } from '../../core/text.js';
import { normalizeType } from '../type-normalize.js';
import { SAMPLE_LIMIT, planColumnRules, ruleFor } from './column-rule.js';
import type { CheckKind } from './kind.js';

export const patternKind: CheckKind = {
  name: 'pattern',
  planned: (product) => (product.contract?.pattern ?? []).map(({ column }) => ({ check: `contract.pattern.${column}`, kind: 'contract', columns: [column] })),
  plan: (ctx) =>
    planColumnRules(
      ctx,
      (ctx.product.contract?.pattern ?? []).map((rule) => {
        const { column, regex } = rule;
        const check = `contract.pattern.${column}`;
        return ruleFor(ctx, check, column, () => {
          const c = ctx.column(column);
          const text = normalizeType(ctx.lookup.find(column)!.type, ctx.engine).family === 'string' ? c : `cast(${c} as varchar)`;
          const mismatch = `${c} is not null and not ${ctx.dialect.regexFullMatch(text, ctx.dialect.quoteString(regex))}`;
          return {
            check,
            columns: [column],
            rule: 'pattern',
            failing: `count(case when ${mismatch} then 1 end)`,
            describe: (n) => `${plural(n, 'row')} with ${column} not matching ${regex}`,
            samples: `select distinct ${c} as "v" from ${ctx.quotedTable} where ${mismatch} limit ${SAMPLE_LIMIT}`,
            options: rule,
            share: true,
          };
        });
      }),
    ),
};
