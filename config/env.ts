/**
 * `${ENV_VAR}` interpolation in config values (secrets stay out of files).
 * `$${X}` writes a literal `${X}`. Applied to YAML values after parsing, so a
 * secret containing YAML syntax cannot change the structure of the file.
 */
const PLACEHOLDER = /\$(\$?)\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface EnvProblem {
  readonly path: (string | number)[];
  readonly message: string;
}

/**
 * Replaces placeholders in every string of a parsed YAML value. `substituted`
 * collects the dotted paths of values that came (at least partly) from the
 * environment, with the variables' names, so callers can insist that secrets
 * do and never echo such values in messages.
 * The value is a fresh parse result: it is updated in place, and the path is
 * one mutable stack, copied only when something is recorded (a mesh has
 * millions of values and almost none holds a `$`).
 */
export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  problems: EnvProblem[],
  path: (string | number)[] = [],
  substituted: Map<string, string[]> = new Map(),
): unknown {
  if (typeof value === 'string') return interpolateString(value, env, problems, path, substituted);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === null || (typeof item !== 'string' && typeof item !== 'object')) continue;
      path.push(i);
      value[i] = interpolateEnv(item, env, problems, path, substituted);
      path.pop();
    }
    return value;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      if (item === null || (typeof item !== 'string' && typeof item !== 'object')) continue;
      path.push(key);
      record[key] = interpolateEnv(item, env, problems, path, substituted);
      path.pop();
    }
    return record;
  }
  return value;
}

function interpolateString(
  value: string,
  env: NodeJS.ProcessEnv,
  problems: EnvProblem[],
  path: (string | number)[],
  substituted: Map<string, string[]>,
): string {
  if (!value.includes('$')) return value;
  return value.replace(PLACEHOLDER, (whole, escape: string, name: string) => {
    if (escape === '$') return whole.slice(1);
    if (!NAME.test(name)) {
      problems.push({ path: [...path], message: `"\${${name}}" is not a valid environment variable reference` });
      return whole;
    }
    const resolved = env[name];
    if (resolved === undefined) {
      problems.push({ path: [...path], message: `environment variable ${name} is not set` });
      return whole;
    }
    const key = path.join('.');
    const names = substituted.get(key);
    if (names) names.push(name);
    else substituted.set(key, [name]);
    return resolved;
  });
}
