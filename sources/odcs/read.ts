/** Reads one ODCS file from disk: YAML → validated, normalised contract, or problems with file, path and reason. */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { ConfigProblem } from '../../config/errors.js';
import { formatPath } from '../paths.js';
import { odcsContractSchema, type OdcsContract } from './parse.js';

export type ReadResult<T> = { ok: true; value: T } | { ok: false; problems: ConfigProblem[] };

export function parseOdcsText(text: string, file: string): ReadResult<OdcsContract> {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const where = e.linePos?.[0];
        return { file, path: where ? `line ${where.line}, column ${where.col}` : '', message: `invalid YAML: ${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}` };
      }),
    };
  }
  const value: unknown = doc.toJS();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, problems: [{ file, path: '', message: 'not an ODCS contract: expected a mapping with apiVersion, kind: DataContract, id, version, status' }] };
  }
  const parsed = odcsContractSchema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => ({ file, path: formatPath(issue.path), message: `not valid ODCS: ${issue.message}` })),
  };
}

export function readOdcsFile(absolute: string, file: string): ReadResult<OdcsContract> {
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    return { ok: false, problems: [{ file, path: '', message: `cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})` }] };
  }
  return parseOdcsText(text, file);
}
