/**
 * The source reader (config/source-hook.ts) for `sources:` in
 * meshwatch.yaml: lists the files each entry names and maps one file to raw
 * products and consumers (validated afterwards by config/load.ts like
 * products/*.yaml), errors, and notes on what cannot be checked.
 * Synchronous like the rest of loading: the incremental reload reads one
 * changed source file inside a synchronous reload.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../config/identifier.js';
import type { SourceEntry } from '../config/schema.js';
import type { SourceFileOutput, SourceFileRef, SourceListing, SourceReader } from '../config/source-hook.js';
import type { ConfigProblem } from '../config/errors.js';
import { mapDbtManifest } from './dbt/map.js';
import { readManifestFile } from './dbt/read.js';
import { fitToSchema } from './fit-schema.js';
import { glob } from './glob.js';
import { emptyOutput, mergeOutput, type SourceOutput } from './model.js';
import { mapOdcsContract } from './odcs/map.js';
import { readOdcsFile } from './odcs/read.js';

export const WORKSPACE_FILE = 'meshwatch.yaml';

type OdcsEntry = Extract<SourceEntry, { odcs: string }>;
type DbtEntry = Extract<SourceEntry, { dbt: unknown }>;

/** Reads one ODCS file into products (before zod), for `load` and `import`. */
export function readOdcsSource(absolute: string, file: string, entry: Omit<OdcsEntry, 'odcs'>, engine: Engine, domainFromName = false): SourceOutput {
  const read = readOdcsFile(absolute, file);
  if (!read.ok) return { ...emptyOutput(), problems: read.problems };
  return mapOdcsContract(read.value, file, {
    domain: entry.domain,
    tier: entry.tier,
    schema: entry.schema,
    server: entry.server,
    classificationTiers: entry.classificationTiers,
    engine,
    domainFromName,
  });
}

/** `entryPath`: the entry in meshwatch.yaml (`sources[2]`), which a warning about its `select` names. */
export function readDbtSource(absolute: string, file: string, entry: Omit<DbtEntry, 'dbt'>, engine: Engine, entryPath?: string): SourceOutput {
  const read = readManifestFile(absolute, file);
  if (!read.ok) return { ...emptyOutput(), problems: read.problems };
  const selectAt = entryPath !== undefined ? { file: WORKSPACE_FILE, path: `${entryPath}.select` } : undefined;
  const out = mapDbtManifest(read.value, file, { domain: entry.domain, tier: entry.tier, select: entry.select, engine, selectAt });
  out.notes.unshift(...(read.notes ?? []));
  return out;
}

/** Products keep only the rule shapes this meshwatch accepts; the rest become notes. */
export function fitOutput(out: SourceOutput): SourceOutput {
  return {
    ...out,
    products: out.products.map((p) => ({ ...p, value: fitToSchema(p.value, p.file, p.path, out.notes) })),
  };
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

export function listSources(root: string, sources: readonly SourceEntry[]): SourceListing {
  const files: SourceFileRef[] = [];
  const problems: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  for (const [index, entry] of sources.entries()) {
    const at = `sources[${index}]`;
    if ('odcs' in entry) {
      const matched = glob(root, entry.odcs);
      const existing = matched.length === 1 && matched[0] === entry.odcs ? isFile(path.resolve(root, entry.odcs)) : matched.length > 0;
      // A pattern that matches nothing is not an error (the folder may fill later) but never silent.
      if (!existing) warnings.push({ file: WORKSPACE_FILE, path: `${at}.odcs`, message: `"${entry.odcs}" matches no file` });
      else for (const file of matched) files.push({ index, kind: 'odcs', file });
    } else {
      const file = entry.dbt.manifest.replaceAll('\\', '/');
      if (!isFile(path.resolve(root, file))) {
        problems.push({ file: WORKSPACE_FILE, path: `${at}.dbt.manifest`, message: `manifest "${file}" not found (run dbt compile or dbt build to write it)` });
      } else files.push({ index, kind: 'dbt', file });
    }
  }
  return { files, problems, warnings };
}

export function readSourceFile(root: string, sources: readonly SourceEntry[], ref: SourceFileRef, engine: Engine): SourceOutput {
  const entry = sources[ref.index];
  const absolute = path.resolve(root, ref.file);
  if (!entry) return emptyOutput();
  return fitOutput('odcs' in entry ? readOdcsSource(absolute, ref.file, entry, engine) : readDbtSource(absolute, ref.file, entry, engine, `sources[${ref.index}]`));
}

/** The reader the loaders are given: config/ does not import sources/. */
export const sourceReader: SourceReader = {
  list: listSources,
  read: (root, sources, ref, engine): SourceFileOutput => readSourceFile(root, sources, ref, engine),
};

export interface SourceProducts extends SourceOutput {
  /** Every file read through `sources`, relative to the config directory (for reload). */
  readonly files: string[];
  readonly warnings: ConfigProblem[];
}

/** Every source at once (tests and tools; the loaders go file by file through `sourceReader`). */
export function loadSourceProducts(root: string, sources: readonly SourceEntry[], engine: Engine): SourceProducts {
  const listing = listSources(root, sources);
  const all = emptyOutput();
  all.problems.push(...listing.problems);
  for (const ref of listing.files) mergeOutput(all, readSourceFile(root, sources, ref, engine));
  return { ...all, files: listing.files.map((f) => f.file), warnings: [...listing.warnings, ...all.warnings] };
}
