/**
 * The loader hook: reads every `sources:` entry of meshwatch.yaml and gives
 * raw products and consumers (validated afterwards by config/load.ts like
 * products/*.yaml), errors, and notes on what cannot be checked.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Engine } from '../config/identifier.js';
import type { SourceEntry } from '../config/schema.js';
import { mapDbtManifest } from './dbt/map.js';
import { readManifestFile } from './dbt/read.js';
import { fitToSchema } from './fit-schema.js';
import { glob } from './glob.js';
import { emptyOutput, mergeOutput, type SourceOutput } from './model.js';
import { mapOdcsContract } from './odcs/map.js';
import { readOdcsFile } from './odcs/read.js';

export const WORKSPACE_FILE = 'meshwatch.yaml';

/** Reads one ODCS file into products (before zod), for `load` and `import`. */
export async function readOdcsSource(
  absolute: string,
  file: string,
  entry: Omit<Extract<SourceEntry, { odcs: string }>, 'odcs'>,
  engine: Engine,
  domainFromName = false,
): Promise<SourceOutput> {
  const read = await readOdcsFile(absolute, file);
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

export async function readDbtSource(absolute: string, file: string, entry: Omit<Extract<SourceEntry, { dbt: unknown }>, 'dbt'>, engine: Engine): Promise<SourceOutput> {
  const read = await readManifestFile(absolute, file);
  if (!read.ok) return { ...emptyOutput(), problems: read.problems };
  const out = mapDbtManifest(read.value, file, { domain: entry.domain, tier: entry.tier, select: entry.select, engine });
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

export interface SourceProducts extends SourceOutput {
  /** Every file read through `sources`, relative to the config directory (for reload). */
  readonly files: string[];
}

export async function loadSourceProducts(root: string, sources: readonly SourceEntry[], engine: Engine): Promise<SourceProducts> {
  const all = emptyOutput();
  const files: string[] = [];
  for (const [i, entry] of sources.entries()) {
    const at = `sources[${i}]`;
    if ('odcs' in entry) {
      const matched = await glob(root, entry.odcs);
      const existing = matched.length === 1 && matched[0] === entry.odcs ? await exists(path.resolve(root, entry.odcs)) : matched.length > 0;
      if (!existing) {
        // A pattern that matches nothing is not an error (the folder may fill later) but never silent.
        all.notes.push({ file: WORKSPACE_FILE, path: `${at}.odcs`, message: `"${entry.odcs}" matches no file` });
        continue;
      }
      for (const file of matched) {
        files.push(file);
        mergeOutput(all, await readOdcsSource(path.resolve(root, file), file, entry, engine));
      }
    } else {
      const file = entry.dbt.manifest.replaceAll('\\', '/');
      if (!(await exists(path.resolve(root, file)))) {
        all.problems.push({ file: WORKSPACE_FILE, path: `${at}.dbt.manifest`, message: `manifest "${file}" not found (run dbt compile or dbt build to write it)` });
        continue;
      }
      files.push(file);
      mergeOutput(all, await readDbtSource(path.resolve(root, file), file, entry, engine));
    }
  }
  return { ...fitOutput(all), files };
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then((s) => s.isFile(), () => false);
}
