/**
 * An in-process `meshwatch serve` for tests: a config directory with a DuckDB
 * warehouse, a real Redis under a prefix of the test's own, a recording
 * notifier, and helpers to drive ticks and wait for the queues.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../core/logger.js';
import type { Notification } from '../../notifier/notification.js';
import { RecordingNotifier } from '../../notifier/recording-notifier.js';
import { MeshwatchService, type ServiceOptions } from '../../scheduler/service.js';

type Queue = MeshwatchService['queue']['checks'];
import { writeConfigDir } from './config-dir.js';
import { buildDuckdb } from './duckdb.js';
import { deletePrefix, redisUrl, testPrefix } from './redis.js';

/** A logger whose lines are kept, so tests can read what the service said. */
export function memoryLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'info' }, stream), lines };
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function waitForJobs(queue: Queue, ids: readonly string[]): Promise<unknown[]> {
  return Promise.all(
    ids.map((id) =>
      until(`job ${id}`, async () => {
        const job = await queue.getJob(id);
        if (!job) return undefined;
        const state = await job.getState();
        if (state === 'failed') throw new Error(`job ${id} failed: ${job.failedReason}`);
        return state === 'completed' ? { value: job.returnvalue as unknown } : undefined;
      }).then((r) => r.value),
    ),
  );
}

/** Waits until no job of the queue is waiting, delayed or running. */
export async function drained(queue: Queue): Promise<void> {
  await until(`${queue.name} queue drained`, async () => {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(counts).every((n) => n === 0);
  });
}

export interface TestService {
  readonly service: MeshwatchService;
  readonly notifier: RecordingNotifier;
  readonly dir: string;
  readonly prefix: string;
  readonly lines: Array<Record<string, unknown>>;
  /** Runs a tick of every schedule now and waits for it and for its notifications. */
  tick(): Promise<unknown[]>;
  /** Replaces the warehouse file (no tick may be running). */
  rebuild(sql: readonly string[]): Promise<void>;
  notifications(filter?: Partial<Notification>): Notification[];
  stop(): Promise<void>;
}

export interface TestServiceOptions {
  readonly files: Record<string, string>;
  readonly sql?: readonly string[] | undefined;
  readonly prefix?: string | undefined;
  readonly dir?: string | undefined;
  readonly redisUrl?: string | undefined;
  readonly extra?: Partial<ServiceOptions> | undefined;
  /** Keep the Redis keys at stop (another service of the test uses them). */
  readonly keepKeys?: boolean | undefined;
}

export async function startTestService(options: TestServiceOptions): Promise<TestService> {
  const url = options.redisUrl ?? redisUrl();
  const prefix = options.prefix ?? testPrefix('svc');
  let dir = options.dir;
  let cleanupDir = async () => {};
  if (!dir) {
    const written = await writeConfigDir(options.files);
    dir = written.dir;
    cleanupDir = written.cleanup;
    if (options.sql) await buildDuckdb(path.join(dir, 'warehouse.duckdb'), options.sql);
  }
  const configDir = dir;
  const notifier = new RecordingNotifier();
  const { logger, lines } = memoryLogger();
  const service = new MeshwatchService({
    configDir,
    env: {},
    redisUrl: url,
    prefix,
    notifier,
    logger,
    tuning: { tickAttempts: 1, tickBackoffMs: 50, notifyBackoffMs: 50 },
    ...options.extra,
  });
  await service.start();
  return {
    service,
    notifier,
    dir: configDir,
    prefix,
    lines,
    async tick() {
      const values = await waitForJobs(service.queue.checks, await service.tickNow());
      await drained(service.queue.notify);
      return values;
    },
    async rebuild(sql) {
      const file = path.join(configDir, 'warehouse.duckdb');
      await rm(file, { force: true });
      await rm(`${file}.wal`, { force: true });
      await buildDuckdb(file, sql);
    },
    notifications(filter = {}) {
      return notifier.delivered.filter((n) => Object.entries(filter).every(([k, v]) => (n as Record<string, unknown>)[k] === v));
    },
    async stop() {
      await service.close(5_000);
      if (!options.keepKeys) await deletePrefix(url, prefix);
      await cleanupDir();
    },
  };
}
