/**
 * Raw BullMQ throughput with no-op jobs (addBulk, concurrency 100), the
 * baseline `npm run bench` sets meshwatch's queue beside. Here because bullmq
 * is imported only under scheduler/.
 */
import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import { createRedis } from '../state/redis.js';

export async function rawNoopJobsPerSecond(url: string, jobs: number): Promise<number> {
  const connection = createRedis(url, { name: 'bench-raw' });
  const workerConnection = createRedis(url, { name: 'bench-raw-worker' });
  const prefix = `{bench-raw-${Date.now()}}`;
  const queue = new Queue('raw', { connection, prefix });
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const worker = new Worker('raw', async () => {}, { connection: workerConnection, prefix, concurrency: 100, autorun: false });
  worker.on('completed', () => {
    if (++done === jobs) finish();
  });
  for (let i = 0; i < jobs; i += 1000) {
    await queue.addBulk(Array.from({ length: Math.min(1000, jobs - i) }, (_, j) => ({ name: 'noop', data: { i: i + j }, opts: { removeOnComplete: true } })));
  }
  const start = performance.now();
  void worker.run();
  await finished;
  const elapsed = performance.now() - start;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  workerConnection.disconnect();
  return (jobs / elapsed) * 1000;
}

