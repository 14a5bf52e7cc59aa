import { appendFile, cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDigestText } from '../accountability/digest.js';
import { csvField } from '../accountability/report.js';
import { Catalog } from '../catalog/catalog.js';
import { memoryLogger } from './support/service.js';
import { loadConfig } from '../config/load.js';
import { notificationSchema, type Notification } from '../notifier/notification.js';
import { loadMesh } from '../scheduler/config-source.js';
import { DIGEST_SCHEDULER, runDigests } from '../scheduler/digest-job.js';
import { createQueues, DEFAULT_TUNING } from '../scheduler/queues.js';
import { reconcileSchedulers } from '../scheduler/reconcile.js';
import { runScriptedWeek } from '../scripts/accountability-week.js';
import { IncidentHistory } from '../state/incident-history.js';
import { RedisKeys } from '../state/keys.js';
import { TierReviewStore } from '../state/tier-reviews.js';
import { createRedis, type Redis } from '../state/redis.js';
import { cli, REPO } from './support/cli.js';
import { deletePrefix, redisUrl, testPrefix } from './support/redis.js';

// Monday 09:00 (Europe/London in winter is UTC): the week is Mon 2026-11-23 09:00 to Mon 2026-11-30 09:00.
const END = Date.parse('2026-11-30T09:00:00Z');

/** RFC 4180 parser, enough to read back what the report writes (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field), rows.push(row), (row = []), (field = ''), i++;
    } else field += ch;
  }
  return rows;
}

describe('a scripted week on the demo mesh', () => {
  let prefix: string;
  let redis: Redis;
  let dir: string;
  const notifications: Notification[] = [];
  const report = (...args: string[]) =>
    cli(['report', '--since', '7d', '--config', dir, ...args], { now: new Date(END), env: { ...process.env, REDIS_URL: redisUrl(), MESHWATCH_LOG_LEVEL: 'silent' } });

  beforeAll(async () => {
    prefix = testPrefix('week');
    redis = createRedis(redisUrl(), { name: 'test-week' });
    dir = await mkdtemp(path.join(tmpdir(), 'mw-week-'));
    await cp(path.join(REPO, 'examples/demo-mesh'), dir, { recursive: true, filter: (src) => !/\.duckdb(\.wal)?$/.test(src) });
    await appendFile(path.join(dir, 'meshwatch.yaml'), `\nredis: { prefix: "${prefix}" }\n`);
    const catalog = new Catalog(await loadConfig(dir));
    await runScriptedWeek({ redis, prefix, catalog, endMs: END, onNotification: (n) => notifications.push(n) });
  }, 120_000);
  afterAll(async () => {
    await deletePrefix(redisUrl(), prefix);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  it('the week went through the engine: reminders, escalations to the BU channels, every step in the history', async () => {
    const escalations = notifications.filter((n) => n.transition === 'escalated' && n.escalation);
    expect(escalations.map((n) => [n.product, n.channel, n.escalation!.lead])).toEqual([
      ['crm.customers', '#retail-data-leads', '@raj-retail-data'],
      ['inventory.vehicles', '#automotive-data-leads', '@hannah-automotive-cdo'],
    ]);
    expect(notifications.filter((n) => n.transition === 'reminder').every((n) => n.mention?.startsWith('@'))).toBe(true);
    const history = await new IncidentHistory(redis, new RedisKeys(prefix), 400 * 86_400_000).list(0, END, END);
    const crm = history.find((h) => h.product === 'crm.customers')!;
    expect(crm.events.map((e) => e.t)).toEqual(['opened', 'reminder', 'reminder', 'reminder', 'escalated', 'reminder', 'acknowledged', 'resolved']);
    expect(crm.acknowledgedBy).toBe('@carl');
  });

  it('report --since 7d (text): which BU hurt which by how many consumer-hours, MTTA and MTTR per producer domain', async () => {
    const run = await report();
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(run.stdout).toContain('Accountability report: 2026-11-23T09:00:00.000Z to 2026-11-30T09:00:00.000Z (--since 7d)');
    // Automotive: two inventory.vehicles breakages (every BU) and aftersales (Finance and Corporate); sales.deals opened before the week: hours, no count.
    expect(lines.find((l) => l.trim().startsWith('Automotive '))).toMatch(/^\s+Automotive\s+2 \/ 54.5\s+3 \/ 58.5\s+3 \/ 98\s+2 \/ 54.5\s+2 \/ 36.5$/);
    expect(lines.find((l) => l.trim().startsWith('Retail '))).toMatch(/^\s+Retail\s+1 \/ 3\s+2 \/ 13\s+1 \/ 6\s+2 \/ 13\s+1 \/ 3$/);
    // crm: acknowledged after 5 h 30 min, resolved after 10 h; ecommerce after 10 min and 3 h.
    expect(lines.find((l) => l.trim().startsWith('crm '))).toMatch(/5 h 30 min \/ 5 h 30 min\s+0\s+10 h 00 min \/ 10 h 00 min\s+0/);
    expect(lines.find((l) => l.trim().startsWith('ecommerce '))).toMatch(/10 min \/ 10 min\s+0\s+3 h 00 min \/ 3 h 00 min/);
    // inventory: Monday's acknowledged after 20 min and fixed in 5 h; Sunday's is still open and never acknowledged.
    expect(lines.find((l) => l.trim().startsWith('inventory '))).toMatch(/inventory\s+Automotive\s+3\s+2\s+[\d.]+\s+20 min \/ 20 min\s+1\s+5 h 00 min \/ 5 h 00 min\s+1/);
    expect(lines.find((l) => /^\s+1\s+inventory\.vehicles/.test(l))).toBeDefined();
  });

  it('report --format json: one document with the matrix, the domains and the ranked products', async () => {
    const run = await report('--format', 'json');
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { since: string; matrix: Array<Record<string, unknown>>; producers: Array<Record<string, unknown>>; products: Array<{ product: string }> };
    expect(doc.since).toBe('7d');
    expect(doc.matrix).toContainEqual({ producerBusinessUnit: 'Retail', consumerBusinessUnit: 'Corporate', incidents: 2, consumerHours: 13 });
    expect(doc.producers.find((p) => p.domain === 'crm')).toMatchObject({ mtta: { count: 1, meanMs: 5.5 * 3_600_000 }, mttr: { count: 1, meanMs: 10 * 3_600_000 }, escalated: 1 });
    expect(doc.products[0]!.product).toBe('inventory.vehicles');
  });

  it('report: restricted products\' failing checks are redacted in every format unless --full', async () => {
    type Doc = { redacted: boolean; products: Array<{ product: string; tier?: string; checks: string[]; redacted?: true }>; producers: Array<{ products: Array<{ product: string; checks: string[]; redacted?: true }> }> };
    const shared = JSON.parse((await report('--format', 'json')).stdout) as Doc;
    expect(shared.redacted).toBe(true);
    // crm.customers is restricted: name, owner and figures stay, its checks (schema: a dropped column) go.
    const crm = shared.products.find((p) => p.product === 'crm.customers')!;
    expect(crm).toMatchObject({ tier: 'restricted', checks: [], redacted: true, consumerHours: 20 });
    expect(shared.producers.flatMap((d) => d.products).find((p) => p.product === 'crm.customers')).toMatchObject({ checks: [], redacted: true });
    expect(shared.products.find((p) => p.product === 'inventory.vehicles')).toMatchObject({ checks: ['freshness'] });
    expect(shared.products.find((p) => p.product === 'inventory.vehicles')!.redacted).toBeUndefined();
    const full = JSON.parse((await report('--format', 'json', '--full')).stdout) as Doc;
    expect(full.redacted).toBe(false);
    expect(full.products.find((p) => p.product === 'crm.customers')).toMatchObject({ checks: ['schema'] });
    expect(full.products.find((p) => p.product === 'crm.customers')!.redacted).toBeUndefined();
    for (const format of ['text', 'csv']) {
      for (const table of format === 'csv' ? ['matrix', 'domains', 'units', 'consumers', 'products'] : [undefined]) {
        const out = (await report('--format', format, ...(table ? ['--table', table] : []))).stdout;
        expect(out).not.toContain('schema');
        expect(out).not.toContain('consent_marketing');
      }
    }
    expect((await cli(['report', '--tiers', '--full', '--config', dir])).code).toBe(2);
  });

  it('report --since 7d --until 6d: the figures of any window, not only up to now', async () => {
    type Doc = { since: string; until: string; window: { from: string; to: string }; producers: Array<{ domain: string; incidents: number; breakages: number; open: number; mttr: { count: number; meanMs?: number } }>; products: Array<{ product: string; breakages: number }> };
    const run = await report('--until', '6d', '--format', 'json');
    expect(run.stderr).toBe('');
    const day = JSON.parse(run.stdout) as Doc;
    // Monday 09:00 to Tuesday 09:00: Monday's inventory breakage (and stock-levels, caused by it), not Sunday's; crm.customers opened at 08:00, still open then.
    expect(day).toMatchObject({ since: '7d', until: '6d', window: { from: '2026-11-23T09:00:00.000Z', to: '2026-11-24T09:00:00.000Z' } });
    expect(day.producers.find((p) => p.domain === 'inventory')).toMatchObject({ incidents: 2, breakages: 1, open: 0, mttr: { count: 1, meanMs: 5 * 3_600_000 } });
    expect(day.producers.find((p) => p.domain === 'crm')).toMatchObject({ incidents: 1, open: 1, mttr: { count: 0 } });
    expect(day.producers.find((p) => p.domain === 'ecommerce')?.incidents ?? 0).toBe(0);
    const iso = JSON.parse((await report('--until', '2026-11-24T09:00:00Z', '--format', 'json')).stdout) as Doc;
    expect(iso.window).toEqual(day.window);
    expect(iso.producers).toEqual(day.producers);
    const text = await report('--until', '6d');
    expect(text.stdout).toContain('Accountability report: 2026-11-23T09:00:00.000Z to 2026-11-24T09:00:00.000Z (--since 7d --until 6d)');
    // Until must be after since and not in the future; a bad value is a usage error.
    for (const until of ['7d', '8d', '2026-11-23T08:00:00Z', '2026-12-01T00:00:00Z', 'later', '']) {
      const bad = await report('--until', until);
      expect(bad.code, `--until ${until}`).toBe(2);
      expect(bad.stdout).toBe('');
    }
    expect((await cli(['report', '--tiers', '--until', '1d', '--config', dir])).code).toBe(2);
    expect((await cli(['report', '--until', '1d', '--config', dir])).code).toBe(2);
  });

  it('report --format csv: one table per run, loading as is (header, RFC 4180)', async () => {
    const matrix = parseCsv((await report('--format', 'csv')).stdout);
    expect(matrix[0]).toEqual(['producer_business_unit', 'consumer_business_unit', 'incidents', 'consumer_hours']);
    expect(matrix).toContainEqual(['Retail', 'Corporate', '2', '13']);
    const domains = parseCsv((await report('--format', 'csv', '--table', 'domains')).stdout);
    const header = domains[0]!;
    const crm = domains.find((r) => r[0] === 'crm')!;
    expect(crm[header.indexOf('mtta_mean_hours')]).toBe('5.5');
    expect(crm[header.indexOf('mttr_mean_hours')]).toBe('10');
    expect(domains.every((r) => r.length === header.length)).toBe(true);
    const products = parseCsv((await report('--format', 'csv', '--table', 'products')).stdout);
    expect(products[1]!.slice(0, 3)).toEqual(['1', 'inventory.vehicles', 'inventory']);
    // Issue 16: the tier's justification goes wherever the tier goes.
    const ph = products[0]!;
    expect(ph.slice(3, 5)).toEqual(['tier', 'tier_justification']);
    const deals = products.find((r) => r[1] === 'sales.deals')!;
    expect(deals[ph.indexOf('tier')]).toBe('limited');
    expect(deals[ph.indexOf('tier_justification')]).toBe('reads only customer_id of crm.customers, a pseudonymous key: no names, contact details or consent flags');
    expect(products.find((r) => r[1] === 'inventory.vehicles')![ph.indexOf('tier_justification')]).toBe('');
    expect(products.every((r) => r.length === ph.length)).toBe(true);
    const units = parseCsv((await report('--format', 'csv', '--table', 'units')).stdout);
    expect(units.map((r) => r[0])).toEqual(['business_unit', 'Automotive', 'Retail']);
    const consumers = parseCsv((await report('--format', 'csv', '--table', 'consumers')).stdout);
    expect(consumers[0]![0]).toBe('consumer_domain');
    expect(csvField('Sales, "EMEA"')).toBe('"Sales, ""EMEA"""');
    expect(parseCsv(`${csvField('a,b')},${csvField('say "hi"\nthere')}\r\n`)).toEqual([['a,b', 'say "hi"\nthere']]);
  });

  it('report usage errors exit 2', async () => {
    expect((await report('--table', 'matrix')).code).toBe(2);
    expect((await report('--format', 'csv', '--table', 'nope')).code).toBe(2);
    expect((await cli(['report', '--since', 'soon', '--config', dir])).code).toBe(2);
    expect((await cli(['report', '--config', dir])).code).toBe(2);
  });

  it('the digest job with tier reviews: one tier_review per producer domain beside its digest, recorded reviews count, a rerun queues nothing twice', async () => {
    const mesh = await loadMesh(dir, {});
    const reviewPrefix = testPrefix('digest-tiers');
    const keys = new RedisKeys(reviewPrefix);
    const queues = createQueues(redis, reviewPrefix);
    try {
      const tierReviews = new TierReviewStore(redis, keys);
      // sales.deals and ecommerce.orders carry tierReviewedAt 2026-10-01 (not due on 2026-11-30); a recorded review takes crm.customers off too.
      await tierReviews.record('crm.customers', 'U0CARL', new Date('2026-11-20T10:00:00Z'));
      const deps = { mesh: () => mesh, history: new IncidentHistory(redis, keys, 400 * 86_400_000), notify: queues.notify, tuning: DEFAULT_TUNING, tierReviews, now: () => new Date(END) };
      const first = await runDigests(deps, END);
      // A click between two tries of the same job changes nothing already queued.
      await tierReviews.record('inventory.vehicles', 'U0HANNA', new Date(END + 60_000));
      const second = await runDigests(deps, END);
      expect(second.tierReviews).toBeLessThanOrEqual(first.tierReviews);
      const jobs = (await queues.notify.getJobs(['waiting', 'delayed', 'prioritized'])).map((j) => notificationSchema.parse(j.data));
      const reviews = jobs.filter((n) => n.transition === 'tier_review');
      expect(reviews).toHaveLength(first.tierReviews);
      expect(new Set(jobs.map((n) => n.id)).size).toBe(jobs.length);
      const domains = reviews.map((n) => n.tierReview!.domain);
      expect(new Set(domains).size).toBe(domains.length);
      const due = reviews.flatMap((n) => n.tierReview!.products.map((p) => p.product));
      expect(due).toContain('inventory.vehicles');
      for (const id of ['sales.deals', 'ecommerce.orders', 'crm.customers']) expect(due).not.toContain(id);
      const inventory = reviews.find((n) => n.tierReview!.domain === 'inventory')!;
      expect(inventory).toMatchObject({ id: 'tier-review-inventory-20261130T090000Z', channel: '#inventory-data', audience: 'producer', at: '2026-11-30T09:00:00.000Z' });
      expect(inventory.tierReview!.products.find((p) => p.product === 'inventory.vehicles')).toMatchObject({ reviewSource: 'never', file: expect.stringMatching(/^products\//) });
      // The producer digest counts them.
      const digest = jobs.find((n) => n.digest?.kind === 'producer' && n.digest.domain === 'inventory')!;
      expect(digest.digest!.producer!.tierReviewsDue).toBe(inventory.tierReview!.products.length);
      // The next week's job: inventory.vehicles was confirmed, so it is no longer listed.
      const next = await runDigests(deps, END + 7 * 86_400_000);
      expect(next.tierReviews).toBeGreaterThan(0);
      const later = (await queues.notify.getJobs(['waiting', 'delayed', 'prioritized'])).map((j) => notificationSchema.parse(j.data)).filter((n) => n.id.startsWith('tier-review-') && n.id.endsWith('20261207T090000Z'));
      expect(later.flatMap((n) => n.tierReview!.products.map((p) => p.product))).not.toContain('inventory.vehicles');
    } finally {
      await Promise.all([queues.checks.close(), queues.notify.close()]);
      await deletePrefix(redisUrl(), reviewPrefix);
    }
  });

  it('README "Accountability" samples are what the scripted week gives: the inventory producer digest, the finance consumer digest, report --since 7d', async () => {
    const readme = await readFile(path.join(REPO, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Accountability\n'), readme.indexOf('## Connecting Snowflake'));
    const samples = [...section.matchAll(/```text\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
    const mesh = await loadMesh(dir, {});
    const samplePrefix = testPrefix('readme-digests');
    const queues = createQueues(redis, samplePrefix);
    try {
      // The digest job as the service runs it on the week's Monday (tier reviews due as of then, from the files' dates).
      const deps = { mesh: () => mesh, history: new IncidentHistory(redis, new RedisKeys(prefix), 400 * 86_400_000), notify: queues.notify, tuning: DEFAULT_TUNING, now: () => new Date(END) };
      await runDigests(deps, END);
      const all = (await queues.notify.getJobs(['waiting', 'delayed', 'prioritized'])).map((j) => notificationSchema.parse(j.data));
      const digestOf = (kind: string, domain: string) => all.find((n) => n.digest?.kind === kind && n.digest.domain === domain)!.digest!;
      const producer = renderDigestText(digestOf('producer', 'inventory')).trimEnd();
      const consumer = renderDigestText(digestOf('consumer', 'finance')).trimEnd();
      const text = (await report()).stdout.trimEnd();
      expect(samples, 'README samples: regenerate with MESHWATCH_PRINT_DIGESTS=1 npx vitest run tests/accountability-week.test.ts').toEqual([producer, consumer, text]);
    } finally {
      await Promise.all([queues.checks.close(), queues.notify.close()]);
      await deletePrefix(redisUrl(), samplePrefix);
    }
  });

  it('the digest job: one digest per producer domain, per consumer domain and for the platform; a rerun queues nothing twice', async () => {
    const mesh = await loadMesh(dir, {});
    const keys = new RedisKeys(prefix);
    const queues = createQueues(redis, prefix);
    try {
      const { logger } = memoryLogger();
      await reconcileSchedulers({ queue: queues.checks, redis, keys, logger }, mesh, DEFAULT_TUNING);
      const scheduler = (await queues.checks.getJobSchedulers(0, -1)).find((s) => s.key === DIGEST_SCHEDULER);
      expect(scheduler).toMatchObject({ pattern: '0 9 * * MON', tz: 'Europe/London' });
      const deps = { mesh: () => mesh, history: new IncidentHistory(redis, keys, 400 * 86_400_000), notify: queues.notify, tuning: DEFAULT_TUNING, now: () => new Date(END) };
      const { digests } = await runDigests(deps, END);
      await runDigests(deps, END);
      const jobs = (await queues.notify.getJobs(['waiting', 'delayed', 'prioritized'])).filter((j) => j.name === 'digest');
      expect(jobs).toHaveLength(digests);
      const all = jobs.map((j) => notificationSchema.parse(j.data));
      const producers = all.filter((n) => n.digest?.kind === 'producer').map((n) => n.digest!.domain).sort();
      expect(producers).toEqual(['aftersales', 'crm', 'ecommerce', 'finance', 'inventory', 'leasing', 'marketing', 'sales']);
      const consumers = all.filter((n) => n.digest?.kind === 'consumer').map((n) => n.digest!.domain).sort();
      expect(consumers).toEqual(['aftersales', 'compliance', 'ecommerce', 'finance', 'leasing', 'marketing', 'sales', 'strategy']);
      const platform = all.find((n) => n.digest?.kind === 'platform')!;
      expect(platform.channel).toBe('#data-platform-alerts');
      expect(platform.digest!.platform!.topOffenders[0]!.domain).toBe('inventory');
      const inventory = all.find((n) => n.digest?.kind === 'producer' && n.digest.domain === 'inventory')!;
      expect(inventory).toMatchObject({ id: 'digest-producer-inventory-20261130T090000Z', channel: '#inventory-data' });
      const finance = all.find((n) => n.digest?.kind === 'consumer' && n.digest.domain === 'finance')!;
      // crm.customers is restricted: finance's digest names it but shows no checks.
      const strategy = all.find((n) => n.digest?.kind === 'consumer' && n.digest.domain === 'compliance')!;
      const crmLine = strategy.digest!.consumer!.owners.find((o) => o.domain === 'crm')!.products[0]!;
      expect(crmLine).toMatchObject({ product: 'crm.customers', redacted: true });
      expect(crmLine.checks).toBeUndefined();
      if (process.env.MESHWATCH_PRINT_DIGESTS) {
        process.stdout.write(`${renderDigestText(inventory.digest!)}\n${renderDigestText(finance.digest!)}\n${renderDigestText(platform.digest!)}\n`);
        process.stdout.write(`${(await report()).stdout}\n`);
      }
    } finally {
      await Promise.all([queues.checks.close(), queues.notify.close()]);
    }
  });
});
