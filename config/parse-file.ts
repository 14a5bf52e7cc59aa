/**
 * One config file's text → its plain value: YAML (the fast reader for the
 * plain subset, the full `yaml` parser for everything else), integers checked
 * for exactness, `${ENV}` interpolated. Problems name the file and, where the
 * parser gives one, the line and column.
 */
import { parseDocument } from 'yaml';
import { interpolateEnv, type EnvProblem } from './env.js';
import type { ConfigProblem } from './errors.js';
import { parseFastYaml } from './yaml-fast.js';

export interface ParsedFile {
  readonly file: string;
  readonly value: unknown;
  /** Dotted paths whose values came from `${ENV}` placeholders → the variables' names. */
  readonly fromEnv: ReadonlyMap<string, readonly string[]>;
}

/** Aliases a file may expand; a config file needs few or none, a "billion laughs" file needs millions. */
export const MAX_ALIAS_COUNT = 100;

type PathPart = string | number | symbol;

export function formatPath(parts: readonly PathPart[]): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

export interface YamlValue {
  readonly value: unknown;
  readonly hasDollar: boolean;
  readonly hasBigInt: boolean;
}

/**
 * The YAML value of a text, or its problems. The full parser runs with
 * integers as BigInt so that no integer is rounded before `exactIntegers`
 * looks at it.
 */
export function parseYamlText(file: string, text: string, problems: ConfigProblem[]): YamlValue | undefined {
  const fast = parseFastYaml(text);
  if (fast) return fast;
  return parseYamlFull(file, text, problems);
}

/** The full parser alone (the fast reader's reference; also used for anything outside its subset). */
export function parseYamlFull(file: string, text: string, problems: ConfigProblem[]): YamlValue | undefined {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, intAsBigInt: true });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const where = error.linePos?.[0];
      const location = where ? `line ${where.line}, column ${where.col}` : '';
      const message = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      problems.push({ file, path: location, message: `invalid YAML: ${message}` });
    }
    return undefined;
  }
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), hasDollar: true, hasBigInt: true };
  } catch (err) {
    // yaml throws a ReferenceError for alias expansion beyond maxAliasCount (and for unresolvable aliases).
    const reason = err instanceof Error ? err.message : String(err);
    problems.push({
      file,
      path: '',
      message: /alias count/i.test(reason)
        ? `invalid YAML: too many alias expansions (at most ${MAX_ALIAS_COUNT} per file; a file that expands aliases this much is an "alias bomb")`
        : `invalid YAML: ${reason}`,
    });
    return undefined;
  }
}

/**
 * Integers beyond Number's exact range (±(2^53 - 1)) would be silently
 * rounded by JavaScript: they are a config error naming the path, with the
 * advice to quote them. Safe ones become numbers. Works in place.
 */
export function exactIntegers(value: unknown, file: string, problems: ConfigProblem[], path: (string | number)[] = []): unknown {
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      problems.push({
        file,
        path: formatPath(path),
        message: `the integer ${value.toString()} cannot be held exactly (beyond ±${Number.MAX_SAFE_INTEGER}); write it in quotes if it is text`,
      });
      return value;
    }
    return Number(value);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      value[i] = exactIntegers(value[i], file, problems, path);
      path.pop();
    }
  } else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      path.push(key);
      record[key] = exactIntegers(record[key], file, problems, path);
      path.pop();
    }
  }
  return value;
}

/** A config file's text → its value with integers checked and `${ENV}` interpolated, or undefined (problems recorded). */
export function parseConfigText(file: string, text: string, env: NodeJS.ProcessEnv, problems: ConfigProblem[]): ParsedFile | undefined {
  const yaml = parseYamlText(file, text, problems);
  if (!yaml) return undefined;
  let { value } = yaml;
  if (yaml.hasBigInt) {
    const before = problems.length;
    value = exactIntegers(value, file, problems);
    if (problems.length > before) return undefined;
  }
  const fromEnv = new Map<string, string[]>();
  if (yaml.hasDollar) {
    const envProblems: EnvProblem[] = [];
    value = interpolateEnv(value, env, envProblems, [], fromEnv);
    for (const problem of envProblems) problems.push({ file, path: formatPath(problem.path), message: problem.message });
    if (envProblems.length > 0) return undefined;
  }
  return { file, value, fromEnv };
}
