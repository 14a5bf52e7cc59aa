/** contract.notNull.<col>: the column has no nulls (or no more than the rule's tolerance). */
import { plural } from '../../core/text.js';
import { planColumnRules, ruleFor } from './column-rule.js';
import type { CheckKind } from './kind.js';

export const notNullKind: CheckKind = {
  name: 'notNull',
  planned: (product) => (product.contract?.notNull ?? []).map(({ column }) => ({ check: `contract.notNull.${column}`, kind: 'contract', columns: [column] })),
  plan: (ctx) =>
    planColumnRules(
      ctx,
      (ctx.product.contract?.notNull ?? []).map((rule) => {
        const { column } = rule;
        const check = `contract.notNull.${column}`;
        return ruleFor(ctx, check, column, () => ({
          check,
          columns: [column],
          rule: 'notNull',
          failing: `count(*) - count(${ctx.column(column)})`,
          describe: (n) => `${plural(n, 'row')} with null ${column}`,
          options: rule,
          share: rule.tolerance !== undefined,
        }));
      }),
    ),
};
