/** Reads one dbt manifest.json: JSON → the validated parts meshwatch reads, or problems with file, path and reason. */
import { readFileSync } from 'node:fs';
import type { ConfigProblem } from '../../config/errors.js';
import { formatPath } from '../paths.js';
import type { ReadResult } from '../odcs/read.js';
import { manifestSchema, schemaVersion, type DbtManifest } from './parse.js';

export const OLDEST_MANIFEST = 7;
export const NEWEST_KNOWN_MANIFEST = 12;

export function parseManifestText(text: string, file: string): ReadResult<DbtManifest> & { notes?: ConfigProblem[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, problems: [{ file, path: '', message: `invalid JSON: ${err instanceof Error ? err.message : String(err)}` }] };
  }
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const shown = issues.slice(0, 20).map((issue) => ({ file, path: formatPath(issue.path), message: `not a dbt manifest this meshwatch reads: ${issue.message}` }));
    if (issues.length > 20) shown.push({ file, path: '', message: `and ${issues.length - 20} more problems` });
    return { ok: false, problems: shown };
  }
  const version = schemaVersion(parsed.data);
  if (version === undefined || version < OLDEST_MANIFEST) {
    return {
      ok: false,
      problems: [{ file, path: 'metadata.dbt_schema_version', message: `manifest schema ${parsed.data.metadata.dbt_schema_version} is not supported (v${OLDEST_MANIFEST} to v${NEWEST_KNOWN_MANIFEST}, dbt 1.3 and later)` }],
    };
  }
  const notes: ConfigProblem[] =
    version > NEWEST_KNOWN_MANIFEST
      ? [{ file, path: 'metadata.dbt_schema_version', message: `manifest schema v${version} is newer than v${NEWEST_KNOWN_MANIFEST}: read as v${NEWEST_KNOWN_MANIFEST}; tests without test_metadata are not checked` }]
      : [];
  return { ok: true, value: parsed.data, notes };
}

export function readManifestFile(absolute: string, file: string): ReturnType<typeof parseManifestText> {
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    return { ok: false, problems: [{ file, path: '', message: `cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})` }] };
  }
  return parseManifestText(text, file);
}
