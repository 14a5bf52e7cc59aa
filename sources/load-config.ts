/**
 * `loadConfig` with `sources:` read: the one the CLI and tools use. It lives
 * here, above config/, so that config/ imports nothing from sources/ (the
 * reader is passed down through config/source-hook.ts). The readers (zod
 * schemas for ODCS and dbt) are imported only for a config that has sources.
 */
import { ConfigError } from '../config/errors.js';
import { assembleConfig, hasSources, loadEntries, readSourceEntries, type LoadOptions } from '../config/load.js';
import type { MeshConfig } from '../config/types.js';

export async function loadConfig(dir: string, options: Omit<LoadOptions, 'sources'> = {}): Promise<MeshConfig> {
  const entries = loadEntries(dir, options);
  const reader = hasSources(entries) ? (await import('./load.js')).sourceReader : undefined;
  const sourced = readSourceEntries(entries.root, entries.workspace, reader);
  const assembled = assembleConfig(entries.root, entries.workspace, entries.products, entries.consumers, entries.discovery, sourced);
  if ('problems' in assembled) throw new ConfigError(assembled.problems);
  return assembled.config;
}
