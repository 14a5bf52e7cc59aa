/**
 * contract.acceptedValues.<col>: non-null values are in the list. Values are
 * compared as literals of the column's type, so that the comparison cannot
 * fail on a type mismatch; a value that cannot be one (a word on a numeric
 * column) makes the rule a config error.
 */
import { plural } from '../../core/text.js';
import { normalizeType, type Engine } from '../type-normalize.js';
import type { SqlDialect } from '../warehouse.js';
import { SAMPLE_LIMIT, planColumnRules, ruleFor } from './column-rule.js';
import type { CheckKind } from './kind.js';
import { configError } from './results.js';

/** A plain SQL numeric literal: digits, an optional fraction and exponent. */
const NUMERIC_LITERAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function literalFor(value: string | number | boolean, columnType: string, engine: Engine, dialect: SqlDialect): string | undefined {
  const type = normalizeType(columnType, engine);
  if (type.family === 'integer' || type.family === 'decimal' || type.family === 'float') {
    if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
    // A quoted number goes into SQL as written: through Number() an id such
    // as "9007199254740993" would round and match the wrong row.
    if (typeof value === 'string' && NUMERIC_LITERAL.test(value.trim())) return value.trim();
    return undefined;
  }
  if (type.family === 'named' && type.name === 'BOOLEAN') {
    if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
    if (value === 'true' || value === 'false') return value.toUpperCase();
    return undefined;
  }
  return dialect.quoteString(String(value));
}

export const acceptedValuesKind: CheckKind = {
  name: 'acceptedValues',
  planned: (product) =>
    (product.contract?.acceptedValues ?? []).map(({ column }) => ({ check: `contract.acceptedValues.${column}`, kind: 'contract', columns: [column] })),
  plan: (ctx) =>
    planColumnRules(
      ctx,
      (ctx.product.contract?.acceptedValues ?? []).map((rule) => {
        const { column, values } = rule;
        const check = `contract.acceptedValues.${column}`;
        return ruleFor(ctx, check, column, () => {
          const type = ctx.lookup.find(column)!.type;
          const literals = values.map((v) => literalFor(v, type, ctx.engine, ctx.dialect));
          const mismatch = values.find((_, i) => literals[i] === undefined);
          if (mismatch !== undefined) {
            return configError(
              ctx,
              check,
              'contract',
              [column],
              `accepted value ${JSON.stringify(mismatch)} cannot be compared with column ${column} of type ${type}; fix acceptedValues in ${ctx.product.file}`,
            );
          }
          const c = ctx.column(column);
          const outside = `${c} is not null and ${c} not in (${literals.join(', ')})`;
          return {
            check,
            columns: [column],
            rule: 'acceptedValues',
            failing: `count(case when ${outside} then 1 end)`,
            describe: (n) => `${plural(n, 'row')} with ${column} outside the accepted values (${values.join(', ')})`,
            samples: `select distinct ${c} as "v" from ${ctx.quotedTable} where ${outside} limit ${SAMPLE_LIMIT}`,
            options: rule,
            share: rule.tolerance !== undefined,
          };
        });
      }),
    ),
};
