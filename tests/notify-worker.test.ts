/**
 * The notify worker's waiting rules on a real Redis and BullMQ: Retry-After
 * delays a job without spending an attempt, a receiver's retryable trouble
 * outlives the attempts, a bug does not.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Notification } from '../notifier/notification.js';
import { NotifierError, type Notifier } from '../notifier/notifier.js';
import { chainMesh, warehouseSql } from './support/chain-mesh.js';
import { drained, startTestService, until, type TestService } from './support/service.js';

const running: TestService[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
});

class ScriptedNotifier implements Notifier {
  readonly name = 'scripted';
  readonly delivered: Notification[] = [];
  calls = 0;
  constructor(private readonly failures: Array<() => Error>) {}
  async deliver(n: Notification): Promise<void> {
    this.calls++;
    const next = this.failures.shift();
    if (next) throw next();
    this.delivered.push(n);
  }
}

async function run(notifier: ScriptedNotifier, attempts: number): Promise<TestService> {
  const s = await startTestService({
    files: chainMesh(),
    sql: warehouseSql({ ordersAgeHours: 5 }),
    extra: { notifier, tuning: { tickAttempts: 1, tickBackoffMs: 50, notifyBackoffMs: 10, notifyAttempts: attempts, notifyMaxBackoffMs: 20, retryAfterScale: 1 } },
  });
  running.push(s);
  await until('first tick', async () => ((await s.service.queue.checks.getJobCounts('completed')).completed ?? 0) >= 1);
  return s;
}

/** `meshwatch_notifications_total` of the scripted notifier for one outcome; 0 when the series is absent. */
async function outcomes(s: TestService, outcome: string): Promise<number> {
  const name = `meshwatch_notifications_total{transport="scripted",outcome="${outcome}"}`;
  const line = (await s.service.metrics.render()).split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1));
}

describe('notify worker', () => {
  it('Retry-After delays the job without spending attempts', async () => {
    const rateLimited = () => new NotifierError('SLACK_RATE_LIMITED', 'slow down', { retryable: true, retryAfterMs: 5 });
    const notifier = new ScriptedNotifier(Array.from({ length: 6 }, () => rateLimited));
    const s = await run(notifier, 1);
    await drained(s.service.queue.notify);
    expect(notifier.delivered).toHaveLength(3);
    const jobs = await s.service.queue.notify.getJobs(['completed']);
    expect(jobs).toHaveLength(3);
    // One attempt allowed and six rate limits among three jobs: nine starts, one attempt counted per job (its delivery).
    expect(jobs.reduce((sum, j) => sum + j.attemptsStarted, 0)).toBe(9);
    expect(jobs.map((j) => j.attemptsMade)).toEqual([1, 1, 1]);
    // Each rate limit was on the only attempt, yet the job was tried again: retry, not failed.
    expect(await outcomes(s, 'retry')).toBe(6);
    expect(await outcomes(s, 'failed')).toBe(0);
    expect(await outcomes(s, 'delivered')).toBe(3);
  });

  it('retryable trouble outlives the attempts; a bug fails after them', async () => {
    const down = () => new NotifierError('SLACK_UNAVAILABLE', 'down', { retryable: true });
    const outage = new ScriptedNotifier(Array.from({ length: 12 }, () => down));
    const s = await run(outage, 2);
    await drained(s.service.queue.notify);
    expect(outage.delivered).toHaveLength(3);
    expect((await s.service.queue.notify.getJobCounts('failed')).failed).toBe(0);
    // Kept alive past its attempts and retried every maxBackoff: never `failed`.
    expect(await outcomes(s, 'retry')).toBe(12);
    expect(await outcomes(s, 'failed')).toBe(0);

    const bug = new ScriptedNotifier(Array.from({ length: 100 }, () => () => new TypeError('a bug')));
    const t = await run(bug, 2);
    await until('failed jobs', async () => (await t.service.queue.notify.getJobCounts('failed')).failed === 3);
    expect(bug.calls).toBe(6);
    // A bug is given up after its attempts: one retry, then failed, per job.
    expect(await outcomes(t, 'retry')).toBe(3);
    expect(await outcomes(t, 'failed')).toBe(3);
  });
});
