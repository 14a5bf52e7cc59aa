/**
 * contract.range.<col>: non-null values lie within `min` / `max`, inclusive
 * unless `exclusive: true`. Compared as the column's type: numbers as numbers,
 * ISO dates and timestamps cast to the column's own date or timestamp type,
 * so that the engine compares values, never text.
 */
import type { RangeRule } from '../../config/types.js';
import { plural } from '../../core/text.js';
import { normalizeType } from '../type-normalize.js';
import { planColumnRules, ruleFor, type PlannedRule } from './column-rule.js';
import type { CheckKind, KindContext } from './kind.js';
import { configError } from './results.js';

type Ordered = 'number' | 'date' | 'timestamp';

function orderedFamily(typeText: string, ctx: KindContext): Ordered | undefined {
  const type = normalizeType(typeText, ctx.engine);
  if (type.family === 'integer' || type.family === 'decimal' || type.family === 'float') return 'number';
  if (type.family === 'named' && type.name === 'DATE') return 'date';
  if (type.family === 'named' && type.name.startsWith('TIMESTAMP')) return 'timestamp';
  return undefined;
}

/** The type a text bound is cast to: the column's own kind of date or timestamp, spelt for the engine. */
function castType(typeText: string, ctx: KindContext): string {
  const type = normalizeType(typeText, ctx.engine);
  const name = type.family === 'named' ? type.name : 'TIMESTAMP_NTZ';
  if (name === 'DATE') return 'DATE';
  if (name === 'TIMESTAMP_TZ') return ctx.engine === 'snowflake' ? 'TIMESTAMP_TZ' : 'TIMESTAMPTZ';
  if (name === 'TIMESTAMP_LTZ' && ctx.engine === 'snowflake') return 'TIMESTAMP_LTZ';
  return ctx.engine === 'snowflake' ? 'TIMESTAMP_NTZ' : 'TIMESTAMP';
}

function boundsText(rule: RangeRule): string {
  const { min, max, exclusive } = rule;
  if (min !== undefined && max !== undefined) return `${exclusive ? '(' : '['}${min}, ${max}${exclusive ? ')' : ']'}`;
  if (min !== undefined) return `${exclusive ? '>' : '>='} ${min}`;
  return `${exclusive ? '<' : '<='} ${max}`;
}

export const rangeKind: CheckKind = {
  name: 'range',
  planned: (product) => (product.contract?.range ?? []).map(({ column }) => ({ check: `contract.range.${column}`, kind: 'contract', columns: [column] })),
  plan: (ctx) =>
    planColumnRules(
      ctx,
      (ctx.product.contract?.range ?? []).map((rule): PlannedRule => {
        const { column } = rule;
        const check = `contract.range.${column}`;
        return ruleFor(ctx, check, column, () => {
          const type = ctx.lookup.find(column)!.type;
          const family = orderedFamily(type, ctx);
          const bounds = [rule.min, rule.max].filter((b) => b !== undefined);
          const fits = family === 'number' ? bounds.every((b) => typeof b === 'number') : bounds.every((b) => typeof b === 'string');
          if (!family || !fits) {
            return configError(
              ctx,
              check,
              'contract',
              [column],
              `range ${boundsText(rule)} cannot be compared with column ${column} of type ${type} (a range needs numbers for a number column, ISO dates or timestamps for a date or timestamp column); fix range in ${ctx.product.file}`,
            );
          }
          const literal = (b: number | string) => (typeof b === 'number' ? String(b) : `cast(${ctx.dialect.quoteString(b)} as ${castType(type, ctx)})`);
          const c = ctx.column(column);
          const [below, above] = rule.exclusive ? ['<=', '>='] : ['<', '>'];
          const outside = [
            ...(rule.min !== undefined ? [`${c} ${below} ${literal(rule.min)}`] : []),
            ...(rule.max !== undefined ? [`${c} ${above} ${literal(rule.max)}`] : []),
          ].join(' or ');
          return {
            check,
            columns: [column],
            rule: 'range',
            failing: `count(case when ${outside} then 1 end)`,
            describe: (n) => `${plural(n, 'row')} with ${column} outside ${boundsText(rule)}`,
            samples: `select distinct ${c} as "v" from ${ctx.quotedTable} where ${outside} limit 5`,
            options: rule,
            share: true,
          };
        });
      }),
    ),
};
