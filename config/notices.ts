/**
 * Notices: what is worth saying about a valid config without making it
 * invalid, in one list for every origin. Discovery and limits give
 * warnings (a file that is not read, a glob that matches nothing, a config
 * that checks nothing); sources (ODCS, dbt) give notes on what they say
 * that meshwatch cannot check. `validate`, `check` and `serve` print them
 * all the same way (`formatNotice`).
 */
import { formatProblem, type ConfigProblem } from './errors.js';

/** `warning`: probably a mistake in the config; `note`: read but not checked. */
export type NoticeKind = 'warning' | 'note';

/** Where a notice comes from: the config directory itself, or a source kind of meshwatch.yaml's `sources:`. */
export type NoticeSource = 'config' | 'odcs' | 'dbt';

export interface ConfigNotice extends ConfigProblem {
  readonly kind: NoticeKind;
  readonly source: NoticeSource;
}

export function notice(kind: NoticeKind, source: NoticeSource, problem: ConfigProblem): ConfigNotice {
  return { kind, source, file: problem.file, path: problem.path, message: problem.message };
}

/** One line: `warning: products/deals.YAML: not read ...`, `note: target/manifest.json: nodes["..."]: ...`. */
export function formatNotice(n: ConfigNotice): string {
  return `${n.kind}: ${formatProblem(n)}`;
}
