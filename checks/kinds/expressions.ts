/**
 * contract.expressions.<name>: a boolean expression over the product's own
 * columns holds for every row (rows where it is false fail; where it is null,
 * as in dbt's expression_is_true, nothing is known and the row passes). The
 * expression is confined before it runs (config/row-expression.ts): one
 * expression, the product's columns, literals, operators and known scalar
 * functions, so it cannot read another table. Its columns are the ones it
 * mentions, so impact stays column-aware.
 */
import { parseRowExpression } from '../../config/row-expression.js';
import { plural } from '../../core/text.js';
import { SAMPLE_LIMIT, planColumnRules, ruleFor, type PlannedRule } from './column-rule.js';
import type { CheckKind } from './kind.js';
import { configError } from './results.js';

const columnsOf = (expr: string): readonly string[] => {
  const parsed = parseRowExpression(expr);
  return 'error' in parsed ? [] : parsed.columns;
};

export const expressionsKind: CheckKind = {
  name: 'expressions',
  planned: (product) =>
    (product.contract?.expressions ?? []).map(({ name, expr }) => ({ check: `contract.expressions.${name}`, kind: 'contract', columns: columnsOf(expr) })),
  plan: (ctx) =>
    planColumnRules(
      ctx,
      (ctx.product.contract?.expressions ?? []).map((rule): PlannedRule => {
        const check = `contract.expressions.${rule.name}`;
        const parsed = parseRowExpression(rule.expr);
        // Config validation refuses these already; the check refuses them again rather than trust its caller.
        if ('error' in parsed) return configError(ctx, check, 'contract', [], `${rule.name}: not a row expression over the product's columns: ${parsed.error}`);
        return ruleFor(ctx, check, parsed.columns, () => {
          const broken = `not (${rule.expr})`;
          const shown = parsed.columns.map((c) => `cast(${ctx.column(c)} as varchar)`).join(` || ', ' || `);
          return {
            check,
            columns: parsed.columns,
            rule: rule.name,
            failing: `count(case when ${broken} then 1 end)`,
            describe: (n) => `${plural(n, 'row')} where ${rule.name} (${rule.expr}) does not hold`,
            ...(parsed.columns.length > 0 ? { samples: `select ${shown} as "v" from ${ctx.quotedTable} where ${broken} limit ${SAMPLE_LIMIT}` } : {}),
            options: rule,
            share: true,
          };
        });
      }),
    ),
};
