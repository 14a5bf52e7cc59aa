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
 * environment, so callers can insist that secrets do.
 */
export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  problems: EnvProblem[],
  path: (string | number)[] = [],
  substituted: Set<string> = new Set(),
): unknown {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (whole, escape: string, name: string) => {
      if (escape === '$') return whole.slice(1);
      if (!NAME.test(name)) {
        problems.push({ path, message: `"\${${name}}" is not a valid environment variable reference` });
        return whole;
      }
      const resolved = env[name];
      if (resolved === undefined) {
        problems.push({ path, message: `environment variable ${name} is not set` });
        return whole;
      }
      substituted.add(path.join('.'));
      return resolved;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolateEnv(item, env, problems, [...path, i], substituted));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = interpolateEnv(item, env, problems, [...path, key], substituted);
    return out;
  }
  return value;
}
