/**
 * contract.unique.<col>: non-null values do not repeat. A list of columns is
 * a composite key, `contract.unique.a+b`: the combination repeats in no two
 * rows. As in a SQL UNIQUE constraint, a row with a null in any key column
 * takes no part (it cannot duplicate anything).
 */
import { uniqueCheckId } from '../../config/contract-rules.js';
import { plural } from '../../core/text.js';
import { SAMPLE_LIMIT, planColumnRules, ruleFor } from './column-rule.js';
import type { CheckKind, KindContext } from './kind.js';

/**
 * One text value per combination that is null when any part is: each part
 * length-prefixed, so that no two different combinations give the same text.
 */
function compositeKey(ctx: KindContext, columns: readonly string[]): string {
  const parts = columns.map((c) => {
    const text = `cast(${ctx.column(c)} as varchar)`;
    return `cast(length(${text}) as varchar) || ':' || ${text}`;
  });
  return `case when ${columns.map((c) => `${ctx.column(c)} is not null`).join(' and ')} then ${parts.join(` || '|' || `)} end`;
}

export const uniqueKind: CheckKind = {
  name: 'unique',
  planned: (product) => (product.contract?.unique ?? []).map(({ columns }) => ({ check: uniqueCheckId(columns), kind: 'contract', columns })),
  plan: (ctx) =>
    planColumnRules(
      ctx,
      (ctx.product.contract?.unique ?? []).map((rule) => {
        const { columns } = rule;
        const check = uniqueCheckId(columns);
        return ruleFor(ctx, check, columns, () => {
          const share = rule.tolerance !== undefined;
          if (columns.length === 1) {
            const column = columns[0]!;
            const c = ctx.column(column);
            return {
              check,
              columns,
              rule: 'unique',
              failing: `count(${c}) - count(distinct ${c})`,
              describe: (n) => `${plural(n, 'duplicate row')} in ${column}`,
              samples: `select ${c} as "v" from ${ctx.quotedTable} where ${c} is not null group by ${c} having count(*) > 1 order by count(*) desc limit ${SAMPLE_LIMIT}`,
              options: rule,
              share,
            };
          }
          const key = compositeKey(ctx, columns);
          const quoted = columns.map((c) => ctx.column(c));
          const shown = quoted.map((c) => `cast(${c} as varchar)`).join(` || ', ' || `);
          return {
            check,
            columns,
            rule: 'unique',
            failing: `count(${key}) - count(distinct ${key})`,
            describe: (n) => `${plural(n, 'duplicate row')} in (${columns.join(', ')})`,
            samples: `select ${shown} as "v" from ${ctx.quotedTable} where ${quoted.map((c) => `${c} is not null`).join(' and ')} group by ${quoted.join(', ')} having count(*) > 1 order by count(*) desc limit ${SAMPLE_LIMIT}`,
            options: rule,
            share: true,
          };
        });
      }),
    ),
};
