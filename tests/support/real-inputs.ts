/** The public ODCS contracts and dbt manifests kept beside the clone (../shared/real-inputs); tests never fetch them. */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './cli.js';

export const REAL_INPUTS = path.resolve(REPO, '..', 'shared', 'real-inputs');

/** Fails (never skips) when the inputs are missing, saying where they were looked for. */
export function requireRealInputs(): string {
  if (!existsSync(path.join(REAL_INPUTS, 'SOURCES.md'))) {
    throw new Error(`real inputs not found at ${REAL_INPUTS}: the importer tests need a copy of shared/real-inputs beside the repository clone`);
  }
  return REAL_INPUTS;
}

export function odcsFiles(): string[] {
  const root = path.join(requireRealInputs(), 'odcs');
  return readdirSync(root)
    .flatMap((repo) => readdirSync(path.join(root, repo)).map((f) => path.join(root, repo, f)))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
}

export function manifestFiles(): string[] {
  const root = path.join(requireRealInputs(), 'dbt');
  return readdirSync(root).filter((f) => f.endsWith('.json')).map((f) => path.join(root, f)).sort();
}

export const odcs = (name: string) => odcsFiles().find((f) => path.basename(f).includes(name))!;
export const manifest = (name: string) => manifestFiles().find((f) => path.basename(f).includes(name))!;
