/**
 * Validate-time rules for contracts, across a product's own file and the
 * products it references: columns that the declared schema does not have, a
 * range on a column whose declared type cannot be ordered, a reference to a
 * product that is not an input (lineage and confinement follow `inputs`),
 * invalid regular expressions, row expressions that reach outside the
 * product's table, and the same rule written twice. Each problem names the
 * rule by its check id.
 */
import { didYouMean } from '../core/suggest.js';
import type { ConfigProblem } from './errors.js';
import { columnKey, type Engine } from './identifier.js';
import { parseRowExpression } from './row-expression.js';
import type { Product } from './types.js';

/** What a declared type can be compared as, by the type's name alone (no warehouse needed). */
export function declaredTypeFamily(type: string): 'number' | 'date' | 'timestamp' | 'text' | 'other' {
  const t = type.trim().toUpperCase();
  if (/^(TINYINT|SMALLINT|INT|INTEGER|BIGINT|HUGEINT|INT[1248]|BYTEINT|U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|DECIMAL|NUMERIC|NUMBER|DEC|REAL|FLOAT[48]?|DOUBLE( PRECISION)?)\b/.test(t)) return 'number';
  if (/^DATE$/.test(t)) return 'date';
  if (/^(TIMESTAMP|DATETIME)/.test(t)) return 'timestamp';
  if (/^(VARCHAR|CHAR|CHARACTER|TEXT|STRING|BPCHAR|NVARCHAR|NCHAR|VARCHAR2|NVARCHAR2)\b/.test(t)) return 'text';
  return 'other';
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** A range bound given as text must be an ISO date or timestamp that exists. */
export function isDateBound(value: string): boolean {
  if (!ISO_DATE.test(value) && !ISO_TIMESTAMP.test(value)) return false;
  const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/**
 * Why a pattern cannot run, or undefined. The engines run RE2 (DuckDB) and
 * POSIX extended with Perl classes (Snowflake): neither has lookaround or
 * backreferences, which JavaScript would accept, so those are refused too.
 */
export function regexProblem(regex: string): string | undefined {
  try {
    new RegExp(regex);
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).replace(/^Invalid regular expression: /, '');
  }
  if (/\(\?<?[=!]/.test(regex)) return 'lookahead and lookbehind are not supported by the warehouse engines';
  if (/\\[1-9]/.test(regex)) return 'backreferences are not supported by the warehouse engines';
  return undefined;
}

export function uniqueCheckId(columns: readonly string[]): string {
  return `contract.unique.${columns.join('+')}`;
}

/**
 * Products read from `sources:` (ODCS, dbt) are not the team's files to fix
 * here: a rule of theirs that breaks a rule below is dropped and reported as
 * a note naming the file and the rule, so one odd test does not block the
 * whole config. Products of products/*.yaml keep their errors.
 */
export interface SourcedRules {
  /** Where in its source file a product came from; undefined for products/*.yaml. */
  readonly originOf: (product: Product) => string | undefined;
  readonly note: (product: Product, note: ConfigProblem) => void;
}

type RuleKind = 'notNull' | 'unique' | 'acceptedValues' | 'range' | 'pattern' | 'references' | 'expressions' | 'sql';

/**
 * Checks every product's contract and links each `references` rule to the
 * referenced product's table (replacing the product in `products`), so the
 * check can read it without knowing other products.
 */
export function checkContractRules(products: Product[], engine: Engine, problems: ConfigProblem[], sourced?: SourcedRules): void {
  const key = (name: string) => columnKey(name, engine);
  const byId = new Map(products.map((p) => [p.id, p]));
  const declared = (product: Product | undefined) =>
    product?.schema ? new Map(product.schema.columns.map((c) => [key(c.name), c])) : undefined;

  for (const [index, product] of products.entries()) {
    let contract = product.contract;
    if (!contract) continue;
    const file = product.file;
    const known = declared(product);
    const origin = sourced?.originOf(product);
    /** The rule being checked, and the sourced rules that broke something (dropped below). */
    let current: { kind: RuleKind; index: number } = { kind: 'notNull', index: 0 };
    const dropped = new Map<string, { kind: RuleKind; index: number; path: string; message: string }>();
    const problem = (path: string, message: string) => {
      if (origin === undefined) problems.push({ file, path, message });
      else if (!dropped.has(`${current.kind}:${current.index}`)) dropped.set(`${current.kind}:${current.index}`, { ...current, path, message });
    };
    const at = (kind: RuleKind, index: number) => (current = { kind, index });
    const hasColumn = (column: string) => !known || known.has(key(column));
    const noColumn = (column: string) => `${product.id} has no column "${column}" in its declared schema${didYouMean(column, [...(known?.values() ?? [])].map((c) => c.name))}`;

    /** Rules of one kind seen so far, by what makes two of them the same rule. */
    const seen = new Map<string, string>();
    const once = (kind: string, identity: string, path: string, check: string) => {
      const first = seen.get(`${kind}\u0000${identity}`);
      if (first !== undefined) problem(path, `duplicate rule ${check} (also at ${first})`);
      else seen.set(`${kind}\u0000${identity}`, path);
    };

    contract.notNull.forEach((rule, i) => {
      at('notNull', i);
      const path = `contract.notNull[${i}]`;
      if (!hasColumn(rule.column)) problem(path, noColumn(rule.column));
      once('notNull', key(rule.column), path, `contract.notNull.${rule.column}`);
    });

    contract.unique.forEach((rule, i) => {
      at('unique', i);
      const path = `contract.unique[${i}]`;
      rule.columns.forEach((column, j) => {
        if (!hasColumn(column)) problem(rule.columns.length === 1 ? path : `${path}[${j}]`, noColumn(column));
      });
      const keys = rule.columns.map(key);
      if (new Set(keys).size !== keys.length) problem(path, `${uniqueCheckId(rule.columns)} names a column twice`);
      once('unique', [...new Set(keys)].sort().join('\u0000'), path, uniqueCheckId(rule.columns));
    });

    for (const [i, rule] of contract.acceptedValues.entries()) {
      at('acceptedValues', i);
      const path = `contract.acceptedValues.${rule.column}`;
      if (!hasColumn(rule.column)) problem(path, `column "${rule.column}" is not in schema.columns`);
      once('acceptedValues', key(rule.column), path, path);
    }

    for (const [i, rule] of contract.range.entries()) {
      at('range', i);
      const path = `contract.range.${rule.column}`;
      once('range', key(rule.column), path, path);
      const bounds = [rule.min, rule.max].filter((b) => b !== undefined);
      const textBound = bounds.find((b): b is string => typeof b === 'string' && !isDateBound(b));
      if (textBound !== undefined) problem(path, `${path}: bound ${JSON.stringify(textBound)} is neither a number nor an ISO date or timestamp`);
      const kinds = new Set(bounds.map((b) => typeof b));
      if (kinds.size > 1) problem(path, `${path}: min and max must both be numbers or both dates / timestamps`);
      if (!known) continue;
      const column = known.get(key(rule.column));
      if (!column) {
        problem(path, noColumn(rule.column));
        continue;
      }
      if (column.type === undefined) continue; // presence-only column (sources): nothing to compare bounds with
      const family = declaredTypeFamily(column.type);
      if (family === 'text' || family === 'other') {
        problem(path, `${path}: a range needs a number, date or timestamp column; ${rule.column} is declared ${column.type}`);
      } else if (family === 'number' && kinds.has('string')) {
        problem(path, `${path}: ${rule.column} is a number column (${column.type}); give numeric bounds`);
      } else if (family !== 'number' && kinds.has('number')) {
        problem(path, `${path}: ${rule.column} is a ${family} column (${column.type}); give bounds like "2024-01-01"`);
      }
    }

    for (const [i, rule] of contract.pattern.entries()) {
      at('pattern', i);
      const path = `contract.pattern.${rule.column}`;
      if (!hasColumn(rule.column)) problem(path, noColumn(rule.column));
      once('pattern', key(rule.column), path, path);
      const invalid = regexProblem(rule.regex);
      if (invalid !== undefined) problem(path, `${path}: invalid regular expression ${JSON.stringify(rule.regex)}: ${invalid}`);
    }

    for (const [i, rule] of contract.references.entries()) {
      at('references', i);
      const path = `contract.references.${rule.column}`;
      if (!hasColumn(rule.column)) problem(path, noColumn(rule.column));
      once('references', key(rule.column), path, path);
      const target = rule.references.product;
      if (!product.inputs.some((input) => input.product === target)) {
        const inputs = product.inputs.map((input) => input.product);
        problem(
          `${path}.product`,
          `${path}: ${target} is not an input of ${product.id}; a reference must follow lineage: add it to inputs${inputs.length > 0 ? ` (inputs: ${inputs.join(', ')})` : ''}`,
        );
        continue;
      }
      const targetColumns = declared(byId.get(target));
      if (targetColumns && !targetColumns.has(key(rule.references.column))) {
        problem(
          `${path}.column`,
          `${target} has no column "${rule.references.column}" in its declared schema${didYouMean(rule.references.column, [...targetColumns.values()].map((c) => c.name))}`,
        );
      }
    }

    contract.expressions.forEach((rule, i) => {
      at('expressions', i);
      const path = `contract.expressions[${i}]`;
      const check = `contract.expressions.${rule.name}`;
      once('expressions', rule.name, `${path}.name`, check);
      const parsed = parseRowExpression(rule.expr);
      if ('error' in parsed) {
        problem(`${path}.expr`, `${check}: not a row expression over ${product.id}'s columns: ${parsed.error}`);
        return;
      }
      for (const column of parsed.columns) {
        if (!hasColumn(column)) problem(`${path}.expr`, `${check}: ${noColumn(column)}`);
      }
    });

    contract.sql.forEach((rule, i) => {
      at('sql', i);
      once('sql', rule.name, `contract.sql[${i}].name`, `contract.sql.${rule.name}`);
    });

    if (dropped.size > 0) {
      const keep = <T>(kind: RuleKind, rules: readonly T[]) => rules.filter((_, i) => !dropped.has(`${kind}:${i}`));
      const c = contract;
      contract = {
        ...c,
        notNull: keep('notNull', c.notNull),
        unique: keep('unique', c.unique),
        acceptedValues: keep('acceptedValues', c.acceptedValues),
        range: keep('range', c.range),
        pattern: keep('pattern', c.pattern),
        references: keep('references', c.references),
        expressions: keep('expressions', c.expressions),
        sql: keep('sql', c.sql),
      };
      products[index] = { ...product, contract };
      for (const d of dropped.values()) {
        sourced!.note(product, { file, path: origin!, message: `${product.id}: ${d.path}: ${d.message}: the rule is not checked` });
      }
    }

    if (contract.references.length > 0) {
      const references = contract.references.map((rule) => {
        const table = byId.get(rule.references.product)?.table;
        return table ? { ...rule, references: { ...rule.references, table } } : rule;
      });
      products[index] = { ...product, contract: { ...contract, references } };
    }
  }
}
