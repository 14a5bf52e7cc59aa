/**
 * The one place the service loads its config, through the incremental
 * `MeshLoader` (catalog/mesh-loader.ts): a full load at start, and on SIGHUP
 * only the files that changed are read and revalidated, with the same
 * cross-file rules and problems as a full load. Plus what the scheduler
 * derives from the config (products per schedule, a hash of the files for
 * comparing replicas).
 */
import { createHash } from 'node:crypto';
import { MeshLoader } from '../catalog/mesh-loader.js';
import type { Catalog } from '../catalog/catalog.js';
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

function snapshotOf(loader: MeshLoader, config: MeshConfig, catalog: Catalog): MeshSnapshot {
  const schedules = new Map<string, { schedule: Schedule; products: Product[] }>();
  for (const product of config.products) {
    const id = schedulerIdOf(product.schedule);
    let entry = schedules.get(id);
    if (!entry) schedules.set(id, (entry = { schedule: product.schedule, products: [] }));
    entry.products.push(product);
  }
  return { config, catalog, hash: loader.filesHash, schedules, loadedAt: new Date(), loader };
}

/** The first, full load (products/, consumers/ and `sources:`). Throws ConfigError with every problem. */
export async function loadMesh(dir: string, env: NodeJS.ProcessEnv): Promise<MeshSnapshot> {
  const loader = MeshLoader.open(dir, { env });
  return snapshotOf(loader, loader.config, loader.catalog);
}

/**
 * A reload from the running snapshot: only changed files are read (a changed
 * ODCS contract or dbt manifest alone among the sources). Throws ConfigError
 * with every problem, and then the running snapshot stays valid (the loader
 * keeps the config in use).
 */
export async function reloadMesh(previous: MeshSnapshot, _dir: string, _env: NodeJS.ProcessEnv): Promise<MeshSnapshot> {
  const result = previous.loader.reload();
  if (!result.ok) throw result.error;
  return snapshotOf(previous.loader, result.config, result.catalog);
}
