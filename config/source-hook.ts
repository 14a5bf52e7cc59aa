/**
 * The seam between the config loader and the source readers (sources/: ODCS
 * contracts, dbt manifests). config/ only knows this interface; the readers
 * are passed in from the layer above (`sources/load-config.ts` for the CLI,
 * catalog/mesh-loader.ts for serve), so config/ imports nothing from
 * sources/ and the folders depend one way.
 *
 * Values are raw objects (before zod): the loader validates them with the
 * schema of products/*.yaml and consumers/*.yaml, so nothing downstream can
 * tell where a product came from.
 */
import type { Engine } from './identifier.js';
import type { ConfigProblem } from './errors.js';
import type { SourceEntry } from './schema.js';

export type SourceKind = 'odcs' | 'dbt';

/** A raw object and where in its source file it came from (for problems and notes). */
export interface SourcedValue<T = unknown> {
  readonly value: T;
  readonly file: string;
  readonly path: string;
}

/** Something a source file says about a domain: its people and Slack channel fill a domain of meshwatch.yaml that sets none. */
export interface DomainHint {
  readonly id: string;
  readonly name?: string | undefined;
  readonly slackChannel?: string | undefined;
  readonly people: readonly string[];
  readonly file: string;
}

/** One file named by `sources:` (a file a glob matched, or a manifest). */
export interface SourceFileRef {
  /** Index of the entry in meshwatch.yaml's `sources`. */
  readonly index: number;
  readonly kind: SourceKind;
  /** Relative to the config directory (POSIX separators), or absolute as written. */
  readonly file: string;
}

export interface SourceListing {
  readonly files: readonly SourceFileRef[];
  /** A manifest that does not exist. */
  readonly problems: readonly ConfigProblem[];
  /** A glob that matches nothing (the folder may fill later, but it is never silent). */
  readonly warnings: readonly ConfigProblem[];
}

/** What one source file gives. */
export interface SourceFileOutput {
  readonly products: readonly SourcedValue<{ readonly id?: unknown }>[];
  readonly consumers: readonly SourcedValue[];
  /** The file is not valid input, or names something unknown. */
  readonly problems: readonly ConfigProblem[];
  /** Read but not checked. */
  readonly notes: readonly ConfigProblem[];
  /** Probably a mistake in the source entry (a dbt `select` matching no model); absent: none. */
  readonly warnings?: readonly ConfigProblem[];
  readonly domains: readonly DomainHint[];
}

export interface SourceReader {
  /** The files `sources` names now (globs expanded, in entry then file order). */
  list(root: string, sources: readonly SourceEntry[]): SourceListing;
  /** Reads and maps one of them. */
  read(root: string, sources: readonly SourceEntry[], ref: SourceFileRef, engine: Engine): SourceFileOutput;
}
