/**
 * `loadConfig` with `sources:` read: the one the CLI and tools use. It lives
 * here, above config/, so that config/ imports nothing from sources/ (the
 * reader is passed down through config/source-hook.ts). The readers (zod
 * schemas for ODCS and dbt) are imported only for a config that has sources.
 */
import { ConfigError } from '../config/errors.js';
import type { DanglingReference } from '../config/cross-file.js';
import { assembleEntries, hasSources, loadEntries, withReplacedSources, type LoadedEntries, type LoadOptions, type PreflightLoadOptions } from '../config/load.js';
import type { SourceReader } from '../config/source-hook.js';
import type { MeshConfig } from '../config/types.js';

async function readerFor(entries: LoadedEntries): Promise<SourceReader | undefined> {
  return hasSources(entries) ? (await import('./load.js')).sourceReader : undefined;
}

export async function loadConfig(dir: string, options: Omit<LoadOptions, 'sources'> = {}): Promise<MeshConfig> {
  const entries = loadEntries(dir, options);
  const assembled = assembleEntries(entries, await readerFor(entries), { now: options.now });
  if ('problems' in assembled) throw new ConfigError(assembled.problems);
  return assembled.config;
}

/** config/load.ts `loadConfigWithDangling` with `sources:` read (preflight). */
export async function loadConfigWithDangling(
  dir: string,
  options: Omit<PreflightLoadOptions, 'sources'> = {},
): Promise<{ config: MeshConfig; dangling: DanglingReference[] }> {
  const entries = withReplacedSources(loadEntries(dir, options), options.replaceSources);
  const dangling: DanglingReference[] = [];
  const assembled = assembleEntries(entries, await readerFor(entries), { now: options.now, dangling });
  if ('problems' in assembled) throw new ConfigError(assembled.problems);
  return { config: assembled.config, dangling };
}
