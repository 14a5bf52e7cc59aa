/** contract.unique.<col>: non-null values do not repeat (each column on its own). */
import { plural } from '../../core/text.js';
import { SAMPLE_LIMIT, planColumnRules, ruleFor } from './column-rule.js';
import type { CheckKind } from './kind.js';

export const uniqueKind: CheckKind = {
  name: 'unique',
  planned: (product) => (product.contract?.unique ?? []).map((column) => ({ check: `contract.unique.${column}`, kind: 'contract', columns: [column] })),
  plan: (ctx) =>
    planColumnRules(
      ctx,
      (ctx.product.contract?.unique ?? []).map((column) => {
        const check = `contract.unique.${column}`;
        return ruleFor(ctx, check, column, () => {
          const c = ctx.column(column);
          return {
            check,
            column,
            rule: 'unique',
            failing: `count(${c}) - count(distinct ${c})`,
            describe: (n) => `${plural(n, 'duplicate row')} in ${column}`,
            samples: `select ${c} as "v" from ${ctx.quotedTable} where ${c} is not null group by ${c} having count(*) > 1 order by count(*) desc limit ${SAMPLE_LIMIT}`,
          };
        });
      }),
    ),
};
