/**
 * The confinement of `contract.expressions`: a row expression must be one
 * boolean SQL expression over the product's own columns, nothing that could
 * read another table, call the engine's table functions or end the statement.
 *
 * It is checked by a conservative tokenizer rather than by an engine's parser,
 * so that the same rule holds on every engine and at `validate` time (no
 * warehouse needed). What is allowed:
 * - column names: plain identifiers, or double-quoted ones; no `a.b`
 *   qualification (that would name another table's column);
 * - literals: numbers, single-quoted strings without backslashes (Snowflake
 *   reads backslash escapes, DuckDB does not: a string must mean the same on
 *   both), TRUE / FALSE / NULL;
 * - operators `= <> != < > <= >= + - * / % ||` and parentheses, commas;
 * - keywords of row expressions (AND OR NOT IS NULL IN BETWEEN LIKE ILIKE
 *   CASE WHEN THEN ELSE END CAST AS, DISTINCT FROM after IS);
 * - calls of a fixed list of scalar functions (no aggregates: the rule is per
 *   row; no table functions, no subqueries, since SELECT is no keyword here).
 *
 * Owner SQL (`contract.sql`) is whole statements and is confined differently
 * (the tables it reads must be the product's or its inputs'); a row expression
 * never reads a table at all, so it needs no table list.
 */

export interface ParsedRowExpression {
  /** Column names as written in the expression, each once, in order of appearance. */
  readonly columns: readonly string[];
}

const KEYWORDS = new Set([
  'and', 'or', 'not', 'is', 'null', 'true', 'false', 'in', 'between', 'like', 'ilike', 'case', 'when', 'then', 'else', 'end', 'cast', 'as',
  'distinct',
]);

/** Scalar functions known to DuckDB and Snowflake alike, with the same meaning. */
const FUNCTIONS = new Set([
  'abs', 'round', 'floor', 'ceil', 'ceiling', 'sign', 'sqrt', 'power', 'mod', 'ln', 'exp', 'greatest', 'least',
  'coalesce', 'nullif', 'length', 'lower', 'upper', 'trim', 'ltrim', 'rtrim', 'substr', 'substring', 'concat', 'replace', 'left', 'right',
  'year', 'month', 'day', 'hour', 'minute', 'second', 'date_trunc', 'cast', 'try_cast', 'starts_with', 'ends_with', 'contains',
]);

const TYPES = new Set([
  'integer', 'int', 'bigint', 'smallint', 'decimal', 'numeric', 'number', 'double', 'float', 'real', 'varchar', 'text', 'string', 'char',
  'date', 'timestamp', 'boolean',
]);

const OPERATORS = ['<>', '!=', '<=', '>=', '||', '=', '<', '>', '+', '-', '*', '/', '%', '(', ')', ','];

type Token =
  | { readonly type: 'word'; readonly text: string; readonly at: number }
  | { readonly type: 'quoted'; readonly text: string; readonly at: number }
  | { readonly type: 'number' | 'string'; readonly at: number }
  | { readonly type: 'op'; readonly text: string; readonly at: number };

function tokenize(expr: string): Token[] | string {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (c === "'") {
      let j = i + 1;
      for (;;) {
        if (j >= expr.length) return `unterminated string at position ${at + 1}`;
        if (expr[j] === '\\') return `backslash in a string at position ${j + 1} (engines read it differently)`;
        if (expr[j] === "'") {
          if (expr[j + 1] === "'") {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      tokens.push({ type: 'string', at });
      i = j + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let name = '';
      for (;;) {
        if (j >= expr.length) return `unterminated quoted name at position ${at + 1}`;
        if (expr[j] === '"') {
          if (expr[j + 1] === '"') {
            name += '"';
            j += 2;
            continue;
          }
          break;
        }
        name += expr[j];
        j++;
      }
      if (name === '') return `empty quoted name at position ${at + 1}`;
      tokens.push({ type: 'quoted', text: expr.slice(i, j + 1), at });
      i = j + 1;
      continue;
    }
    const number = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(expr.slice(i));
    if (number) {
      tokens.push({ type: 'number', at });
      i += number[0].length;
      if (/[A-Za-z_]/.test(expr[i] ?? '')) return `unexpected "${expr[i]}" after a number at position ${i + 1}`;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(expr.slice(i));
    if (word) {
      tokens.push({ type: 'word', text: word[0], at });
      i += word[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => expr.startsWith(o, i));
    if (op) {
      tokens.push({ type: 'op', text: op, at });
      i += op.length;
      continue;
    }
    if (c === ';') return 'a ";" ends the statement: an expression is not a statement';
    if (c === '.') return `"." at position ${at + 1}: qualified names reach outside the product's table`;
    if (expr.startsWith('--', i) || expr.startsWith('/*', i)) return `comment at position ${at + 1}`;
    return `unexpected "${c}" at position ${at + 1}`;
  }
  return tokens;
}

/** The expression's columns, or why it is refused. */
export function parseRowExpression(expr: string): ParsedRowExpression | { readonly error: string } {
  const tokens = tokenize(expr);
  if (typeof tokens === 'string') return { error: tokens };
  if (tokens.length === 0) return { error: 'the expression is empty' };
  const columns: string[] = [];
  let depth = 0;
  /** Inside `cast(x as <type>)`: the word after AS is a type. */
  let expectType = false;
  for (const [k, token] of tokens.entries()) {
    const next = tokens[k + 1];
    const previous = tokens[k - 1];
    if (token.type === 'op') {
      if (token.text === '(') depth++;
      if (token.text === ')' && --depth < 0) return { error: `unbalanced ")" at position ${token.at + 1}` };
      continue;
    }
    if (token.type === 'quoted') {
      if (next?.type === 'op' && next.text === '(') return { error: `${token.text} is called as a function; only known functions may be called` };
      if (!columns.includes(token.text)) columns.push(token.text);
      continue;
    }
    if (token.type !== 'word') continue;
    const lower = token.text.toLowerCase();
    if (expectType) {
      if (!TYPES.has(lower)) return { error: `unknown type "${token.text}" in a cast` };
      expectType = false;
      continue;
    }
    if (next?.type === 'op' && next.text === '(') {
      if (!FUNCTIONS.has(lower)) return { error: `function "${token.text}" is not allowed in a row expression (allowed: ${[...FUNCTIONS].join(', ')})` };
      continue;
    }
    if (lower === 'as') {
      expectType = true;
      continue;
    }
    if (lower === 'from') {
      // Only in `IS [NOT] DISTINCT FROM`: anywhere else it would start reading a table.
      if (previous?.type === 'word' && previous.text.toLowerCase() === 'distinct') continue;
      return { error: 'FROM reaches outside the product\'s table' };
    }
    if (KEYWORDS.has(lower)) continue;
    if (['select', 'with', 'join', 'union', 'over', 'lateral'].includes(lower)) return { error: `${token.text.toUpperCase()} is not allowed in a row expression` };
    if (!columns.includes(token.text)) columns.push(token.text);
  }
  if (depth !== 0) return { error: 'unbalanced "("' };
  if (expectType) return { error: 'a cast without a type' };
  return { columns };
}
