import { MeshwatchError } from '../core/errors.js';

/** One problem in one config file, at one path inside it. */
export interface ConfigProblem {
  /** Relative to the config directory, e.g. `products/orders.yaml`. */
  readonly file: string;
  /** Dotted path inside the file, e.g. `freshness.maxAge` or `consumers[0].uses[1]`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

export function formatProblem(problem: ConfigProblem): string {
  return problem.path === '' ? `${problem.file}: ${problem.message}` : `${problem.file}: ${problem.path}: ${problem.message}`;
}

/** Invalid config: every problem in every file, reported together. Never retried; nothing starts. */
export class ConfigError extends MeshwatchError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const count = problems.length;
    super('CONFIG_INVALID', `invalid config: ${count} problem${count === 1 ? '' : 's'}\n${problems.map(formatProblem).join('\n')}`, {
      origin: 'user',
    });
    this.problems = problems;
  }
}
