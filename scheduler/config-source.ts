/**
 * The one place the service loads its config: `loadConfig` + `new Catalog`,
 * plus what the scheduler derives from them (products per schedule, a hash of
 * the files for comparing replicas). An incremental reload can replace the
 * body of `loadMesh` without touching its callers.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Catalog } from '../catalog/catalog.js';
import { loadConfig, WORKSPACE_FILE } from '../config/load.js';
import type { MeshConfig, Product, Schedule } from '../config/types.js';

export interface MeshSnapshot {
  readonly config: MeshConfig;
  readonly catalog: Catalog;
  /** Hash of the config files (names and contents): equal hashes, equal config. */
  readonly hash: string;
  /** Scheduler id → its schedule and the products due on it. */
  readonly schedules: ReadonlyMap<string, { readonly schedule: Schedule; readonly products: readonly Product[] }>;
  readonly loadedAt: Date;
}

/** A job scheduler id for a schedule: equal schedules share one scheduler, so one tick checks them all. */
export function schedulerIdOf(schedule: Schedule): string {
  const key = schedule.kind === 'cron' ? `cron|${schedule.pattern}|${schedule.timezone}` : `every|${schedule.everyMs}`;
  return `tick-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

async function configFiles(dir: string): Promise<string[]> {
  const files = [WORKSPACE_FILE];
  for (const sub of ['products', 'consumers']) {
    const names = await readdir(path.join(dir, sub)).catch(() => [] as string[]);
    files.push(...names.filter((n) => /\.ya?ml$/.test(n)).map((n) => `${sub}/${n}`));
  }
  return files.sort();
}

export async function configHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await configFiles(dir)) {
    hash.update(file).update('\0');
    hash.update(await readFile(path.join(dir, file)).catch(() => Buffer.alloc(0))).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

export async function loadMesh(dir: string, env: NodeJS.ProcessEnv): Promise<MeshSnapshot> {
  const [config, hash] = await Promise.all([loadConfig(dir, { env }), configHash(path.resolve(dir))]);
  const catalog = new Catalog(config);
  const schedules = new Map<string, { schedule: Schedule; products: Product[] }>();
  for (const product of config.products) {
    const id = schedulerIdOf(product.schedule);
    let entry = schedules.get(id);
    if (!entry) schedules.set(id, (entry = { schedule: product.schedule, products: [] }));
    entry.products.push(product);
  }
  return { config, catalog, hash, schedules, loadedAt: new Date() };
}
