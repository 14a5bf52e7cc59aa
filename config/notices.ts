/**
 * Notices: what is worth saying about a valid config without making it
 * invalid, in one list for every origin. Discovery and limits give
 * warnings (a file that is not read, a glob that matches nothing, a config
 * that checks nothing); sources (ODCS, dbt) give notes on what they say
 * that meshwatch cannot check. `validate`, `check` and `serve` print them
 * all the same way (`formatNotice`).
 */
import { formatProblem, type ConfigProblem } from './errors.js';
import type { SourceKind, SourceListing } from './source-hook.js';

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

/** What `sources:` gave that notices come from (config/load.ts's SourcedEntries). */
export interface NoticeSources {
  readonly listing: Pick<SourceListing, 'warnings'>;
  readonly files: ReadonlyArray<{ readonly ref: { readonly file: string; readonly kind: SourceKind }; readonly notes: readonly ConfigProblem[]; readonly warnings?: readonly ConfigProblem[] }>;
}

/** The one list of notices of a valid config, in a fixed order: discovery, sources, dropped rules, an empty mesh. */
export function configNotices(
  discovered: readonly ConfigProblem[],
  productCount: number,
  sourced?: NoticeSources,
  ruleNotes: readonly ConfigNotice[] = [],
): ConfigNotice[] {
  const read = sourced?.files.map((f) => f.ref.file) ?? [];
  // A folder or file read through `sources:` is read, not skipped.
  const unread = read.length === 0 ? discovered : discovered.filter((w) => !read.some((f) => f === w.file || f.startsWith(`${w.file}/`)));
  const out = unread.map((w) => notice('warning', 'config', w));
  if (sourced) {
    for (const w of sourced.listing.warnings) out.push(notice('warning', 'odcs', w));
    for (const file of sourced.files) for (const w of file.warnings ?? []) out.push(notice('warning', file.ref.kind, w));
    for (const file of sourced.files) for (const n of file.notes) out.push(notice('note', file.ref.kind, n));
  }
  out.push(...ruleNotes);
  if (productCount === 0) out.push(notice('warning', 'config', { file: 'products', path: '', message: 'no product is configured: there is nothing to check' }));
  return out;
}

/** `notices` and, for readers of the older fields, the same notices split into `warnings` and `notes`. */
export function noticeLists(notices: readonly ConfigNotice[]): { notices: readonly ConfigNotice[]; warnings: readonly ConfigNotice[]; notes: readonly ConfigNotice[] } {
  return { notices, warnings: notices.filter((n) => n.kind === 'warning'), notes: notices.filter((n) => n.kind === 'note') };
}

