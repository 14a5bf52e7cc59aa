/**
 * The service's queue, measured:
 *
 * 1. Throughput: checks per second through meshwatch's queue (tick jobs run
 *    by the service's worker, results stored, incidents applied) with a
 *    no-op warehouse (it replays answers recorded from DuckDB, instantly),
 *    beside raw BullMQ no-op jobs on the same Redis in the same run.
 * 2. A 6,000-product mesh on DuckDB scheduled every minute, served for a few
 *    minutes: is every product checked every minute, the lag from a tick's
 *    due time to its results being stored (p50, p99 over products), and
 *    metadata queries per tick.
 *
 * Redis: REDIS_URL, else a throwaway redis-server on a free port.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDuckdbWarehouse } from '../checks/duckdb-warehouse.js';
import type { Row, TableMetadata, Warehouse } from '../checks/warehouse.js';
import { createLogger } from '../core/logger.js';
import { RecordingNotifier } from '../notifier/recording-notifier.js';
import { rawNoopJobsPerSecond } from '../scheduler/raw-baseline.js';
import { MeshwatchService } from '../scheduler/service.js';
import type { TickSummary } from '../scheduler/tick.js';
import { createRedis } from '../state/redis.js';
import { buildWarehouse, SCHEMAS } from './check-cycle.bench.js';
import { generateMesh, writeMeshConfig } from './generate-mesh.js';
import { ms, percentile, printTable } from './table.js';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function withRedis<T>(fn: (url: string) => Promise<T>): Promise<T> {
  if (process.env.REDIS_URL) return fn(process.env.REDIS_URL);
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'meshwatch-bench-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const probe = createRedis(url, { name: 'bench-probe' });
  await probe.connect().catch(() => {});
  await probe.ping();
  probe.disconnect();
  try {
    return await fn(url);
  } finally {
    child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

const quiet = () => createLogger({ level: 'warn' });

/** Answers recorded from a real warehouse, replayed without work: the queue's cost alone. */
async function recordingWarehouse(real: Warehouse): Promise<{ recorder: Warehouse; replay: () => Warehouse }> {
  const answers = new Map<string, Row[]>();
  let metadata = new Map<string, TableMetadata>();
  const recorder: Warehouse = {
    ...real,
    resolve: (ref) => real.resolve(ref),
    stats: () => real.stats(),
    close: async () => {},
    describeTables: async (tables, options) => {
      metadata = await real.describeTables(tables, options);
      return metadata;
    },
    query: async (sql, options) => {
      const rows = await real.query(sql, options);
      answers.set(sql, rows);
      return rows;
    },
    // Spelled out: spreading a class instance copies no methods.
    queryOwnerSql: (sql, scope, options) => real.queryOwnerSql(sql, scope, options),
  };
  const replay = (): Warehouse => {
    let queries = 0;
    return {
      engine: real.engine,
      dialect: real.dialect,
      capabilities: real.capabilities,
      resolve: (ref) => real.resolve(ref),
      stats: () => ({ queries }),
      close: async () => {},
      describeTables: async () => {
        queries++;
        return metadata;
      },
      query: async (sql) => {
        queries++;
        return answers.get(sql) ?? [];
      },
      // The bench mesh has no owner SQL; an answer of no row is what a replay without a recording gives.
      queryOwnerSql: async () => {
        queries++;
        return undefined;
      },
    };
  };
  return { recorder, replay };
}

async function meshDir(size: number, schedule: string): Promise<{ dir: string; file: string }> {
  const file = path.join(tmpdir(), `meshwatch-bench-v1-${size}.duckdb`);
  await buildWarehouse(file, size);
  const dir = await mkdtemp(path.join(tmpdir(), `meshwatch-bench-queue-${size}-`));
  await writeMeshConfig(generateMesh(size, { schemas: SCHEMAS }), dir, file);
  const yamlFile = path.join(dir, 'meshwatch.yaml');
  await writeFile(yamlFile, (await readFile(yamlFile, 'utf8')).replace(/schedule: .*/, `schedule: "${schedule}"`));
  return { dir, file };
}

async function throughput(url: string, size: number, ticks: number): Promise<{ checksPerSecond: number; checks: number }> {
  const { dir, file } = await meshDir(size, '0 0 1 1 *');
  const real = await openDuckdbWarehouse({ path: file, catalog: path.basename(file, '.duckdb') }, { connections: 4 });
  const { recorder, replay } = await recordingWarehouse(real);
  let recorded = false;
  const service = new MeshwatchService({
    configDir: dir,
    env: {},
    redisUrl: url,
    prefix: `{bench-queue-${Date.now()}}`,
    notifier: new RecordingNotifier(),
    logger: quiet(),
    openWarehouse: async () => (recorded ? replay() : recorder),
  });
  try {
    await service.start();
    // The start's immediate tick records the answers.
    await waitCompleted(service.queue.checks, 1);
    recorded = true;
    const start = performance.now();
    let checks = 0;
    for (let i = 0; i < ticks; i++) {
      const ids = await service.tickNow();
      for (const id of ids) checks += (await waitJob(service.queue.checks, id)).checks;
    }
    const elapsed = performance.now() - start;
    const [last] = await service.queue.checks.getJobs(['completed'], 0, 0);
    console.error(`queue bench: last tick phases ${JSON.stringify((last?.returnvalue as TickSummary | undefined)?.phasesMs)}`);
    await service.queue.checks.obliterate({ force: true }).catch(() => {});
    return { checksPerSecond: (checks / elapsed) * 1000, checks };
  } finally {
    await service.close(5_000);
    await real.close();
    await rm(dir, { recursive: true, force: true });
  }
}

type Queue = MeshwatchService['queue']['checks'];

async function waitCompleted(queue: Queue, count: number): Promise<void> {
  for (;;) {
    if (((await queue.getJobCounts('completed')).completed ?? 0) >= count) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitJob(queue: Queue, id: string): Promise<TickSummary> {
  for (;;) {
    const job = await queue.getJob(id);
    if (job?.finishedOn) return job.returnvalue as TickSummary;
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function everyMinute(url: string, size: number, minutes: number): Promise<string[]> {
  const { dir, file } = await meshDir(size, '* * * * *');
  let describes = 0;
  const service = new MeshwatchService({
    configDir: dir,
    env: {},
    redisUrl: url,
    prefix: `{bench-minute-${Date.now()}}`,
    notifier: new RecordingNotifier(),
    logger: quiet(),
    openWarehouse: async () => {
      const warehouse = await openDuckdbWarehouse({ path: file, catalog: path.basename(file, '.duckdb') }, { connections: 4 });
      const describe = warehouse.describeTables.bind(warehouse);
      warehouse.describeTables = (tables, options) => {
        describes++;
        return describe(tables, options);
      };
      return warehouse;
    },
  });
  try {
    await service.start();
    const startedAt = Date.now();
    // The immediate tick at start plus one per minute boundary.
    await new Promise((r) => setTimeout(r, minutes * 60_000 + 15_000));
    const jobs = await service.queue.checks.getJobs(['completed'], 0, -1);
    const ticks = jobs
      .filter((j) => j.name === 'tick')
      .map((j) => j.returnvalue as TickSummary)
      .filter((t) => t.dueAt >= startedAt - 1_000)
      .sort((a, b) => a.dueAt - b.dueAt);
    const scheduled = ticks.filter((t) => t.dueAt % 60_000 === 0);
    const lags = scheduled.flatMap((t) => Array.from({ length: t.products }, () => t.doneAt - t.dueAt)).sort((a, b) => a - b);
    const everyProduct = scheduled.length >= minutes && scheduled.every((t) => t.products === size && t.doneAt - t.dueAt < 60_000);
    const gaps = scheduled.slice(1).every((t, i) => t.dueAt - scheduled[i]!.dueAt === 60_000);
    return [
      size.toLocaleString('en-US'),
      `${minutes} min`,
      `${scheduled.length}`,
      everyProduct && gaps ? 'yes' : 'no',
      ms(percentile(lags, 50)),
      ms(percentile(lags, 99)),
      (describes / Math.max(1, ticks.length)).toFixed(1),
      (scheduled.reduce((n, t) => n + t.queries, 0) / Math.max(1, scheduled.length)).toFixed(0),
    ];
  } finally {
    await service.close(30_000);
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchQueue(options: { size?: number; minutes?: number } = {}): Promise<void> {
  const size = options.size ?? 6_000;
  const minutes = options.minutes ?? 3;
  await withRedis(async (url) => {
    const raw = await rawNoopJobsPerSecond(url, 20_000);
    const queue = await throughput(url, size, 5);
    printTable(
      'Queue throughput: checks through meshwatch serve with a no-op warehouse, beside raw BullMQ no-op jobs (same Redis, same run)',
      ['raw BullMQ no-op jobs/s (concurrency 100)', 'meshwatch checks/s (ticks of 6,000 products)', 'ratio (goal ≥ 0.5)'],
      [[Math.round(raw).toLocaleString('en-US'), Math.round(queue.checksPerSecond).toLocaleString('en-US'), (queue.checksPerSecond / raw).toFixed(2)]],
    );
    if (minutes <= 0) return;
    const row = await everyMinute(url, size, minutes);
    printTable(
      `A ${size.toLocaleString('en-US')}-product mesh on DuckDB scheduled every minute (freshness + schema + rowCount, concurrency 4)`,
      ['products', 'served', 'minute ticks', 'every product every minute?', 'due→done p50', 'due→done p99', 'metadata queries per tick', 'statements per tick'],
      [row],
    );
  });
}
