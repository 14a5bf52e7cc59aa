/**
 * The one place the service loads its config, through the incremental
 * `MeshLoader` (catalog/mesh-loader.ts): a full load at start, and on SIGHUP
 * only the files that changed are read and revalidated, with the same
 * cross-file rules and problems as a full load. Plus what the scheduler
 * derives from the config (products per schedule, a hash of the files for
 * comparing replicas).
 */
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { MeshLoader } from '../catalog/mesh-loader.js';
import { Catalog } from '../catalog/catalog.js';
import { discoverConfigFiles } from '../config/discover.js';
import { loadConfig } from '../config/load.js';
import type { MeshConfig, Product, Schedule } from '../config/types.js';

export interface MeshSnapshot {
  readonly config: MeshConfig;
  readonly catalog: Catalog;
  /** Hash of the config files (names and contents): equal hashes, equal config. */
  readonly hash: string;
  /** Scheduler id → its schedule and the products due on it. */
  readonly schedules: ReadonlyMap<string, { readonly schedule: Schedule; readonly products: readonly Product[] }>;
  readonly loadedAt: Date;
  /** Holds the files' state between reloads. */
  readonly loader: MeshLoader;
}

/** A job scheduler id for a schedule: equal schedules share one scheduler, so one tick checks them all. */
export function schedulerIdOf(schedule: Schedule): string {
  const key = schedule.kind === 'cron' ? `cron|${schedule.pattern}|${schedule.timezone}` : `every|${schedule.everyMs}`;
  return `tick-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

/** The files the loader reads (recursive folders, `.yml`, `meshwatch.yml`), so replicas compare exactly what they run. */
function configFiles(dir: string): string[] {
  const { files } = discoverConfigFiles(dir);
  return [files.workspace, ...files.products, ...files.consumers].sort();
}

export async function configHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of configFiles(dir)) {
    hash.update(file).update('\0');
    hash.update(await readFile(path.join(dir, file)).catch(() => Buffer.alloc(0))).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

function snapshotOf(loader: MeshLoader, config: MeshConfig, catalog: Catalog, hash: string): MeshSnapshot {
  const schedules = new Map<string, { schedule: Schedule; products: Product[] }>();
  for (const product of config.products) {
    const id = schedulerIdOf(product.schedule);
    let entry = schedules.get(id);
    if (!entry) schedules.set(id, (entry = { schedule: product.schedule, products: [] }));
    entry.products.push(product);
  }
  return { config, catalog, hash, schedules, loadedAt: new Date(), loader };
}

/** The first, full load. Throws ConfigError with every problem. */
export async function loadMesh(dir: string, env: NodeJS.ProcessEnv): Promise<MeshSnapshot> {
  const loader = MeshLoader.open(dir, { env });
  const hash = await configHash(path.resolve(dir));
  if (loader.usesSources) return fullSnapshot(loader, dir, env, hash);
  return snapshotOf(loader, loader.config, loader.catalog, hash);
}

/** ODCS and dbt sources are read by `loadConfig` alone: load all of it (the incremental reload does not watch source files yet). */
async function fullSnapshot(loader: MeshLoader, dir: string, env: NodeJS.ProcessEnv, hash: string): Promise<MeshSnapshot> {
  const config = await loadConfig(dir, { env });
  return snapshotOf(loader, config, new Catalog(config), hash);
}

/**
 * A reload from the running snapshot: only changed files are read. Throws
 * ConfigError with every problem, and then the running snapshot stays valid
 * (the loader keeps the config in use).
 */
export async function reloadMesh(previous: MeshSnapshot, dir: string, env: NodeJS.ProcessEnv): Promise<MeshSnapshot> {
  if (previous.loader.usesSources) return fullSnapshot(previous.loader, dir, env, await configHash(path.resolve(dir)));
  const result = previous.loader.reload();
  if (!result.ok) throw result.error;
  // meshwatch.yaml may have just gained sources.
  if (previous.loader.usesSources) return fullSnapshot(previous.loader, dir, env, await configHash(path.resolve(dir)));
  return snapshotOf(previous.loader, result.config, result.catalog, await configHash(path.resolve(dir)));
}
