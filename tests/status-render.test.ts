/**
 * The pure parts of the status side: escaping, tier redaction, the lineage
 * model's broken path, the metrics module, and the schedule-lag time of a
 * tick job. No server, no Redis.
 */
import { describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/catalog.js';
import { secondsByKind } from '../checks/cycle.js';
import type { CheckResult } from '../checks/result.js';
import { loadConfig } from '../config/load.js';
import { Metrics } from '../core/metrics.js';
import { scheduledAt } from '../scheduler/tick.js';
import { escapeHtml, href, html, raw } from '../status/html.js';
import { lineageOf, summarize } from '../status/model.js';
import { redactResult } from '../status/redact.js';
import { badge, checksTable } from '../status/render/components.js';
import { writeConfigDir } from './support/config-dir.js';
import { STATUS_MESH } from './support/status-mesh.js';

const AT = '2026-12-01T10:00:00.000Z';
const result = (over: Partial<CheckResult>): CheckResult => ({ product: 'p', check: 'freshness', kind: 'freshness', status: 'fail', message: 'm', columns: [], at: AT, ...over });

describe('escaping', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
  });

  it('html`` escapes every interpolated value, nested arrays included, and leaves html`` and raw() as they are', () => {
    const name = '"><script>alert(1)</script>';
    const out = html`<p title="${name}">${name}${[name, html`<b>${name}</b>`]}${raw('<hr>')}${undefined}${false}${0}</p>`.value;
    expect(out).not.toContain('<script>');
    expect(out).toBe(
      '<p title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;<b>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</b><hr>0</p>',
    );
  });

  it('href encodes each path part and the query', () => {
    expect(href(['products', 'a/b?c'], { state: 'x&y', domain: undefined })).toBe('/products/a%2Fb%3Fc?state=x%26y');
  });

  it('a check table shows a hostile message, value and sample as text', () => {
    const out = checksTable([result({ message: '<img src=x onerror=alert(1)>', observed: '</td><script>', samples: ['<svg onload=alert(2)>'] })], new Date(AT)).value;
    expect(out).not.toMatch(/<img|<script|<svg/);
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(out).toContain('&lt;/td&gt;&lt;script&gt;');
    expect(out).toContain('&lt;svg onload=alert(2)&gt;');
  });

  it('states differ by icon and word, not only by colour', () => {
    const words = (['pass', 'warn', 'fail', 'error'] as const).map((s) => badge(s).value.replace(/<[^>]+>/g, ''));
    expect(words).toEqual(['✓pass', '▲warn', '✗fail', '?error']);
  });
});

describe('tier redaction', () => {
  const failing = result({ check: 'contract.acceptedValues.status', kind: 'contract', message: '5 rows with status outside [ok]: awaiting_parts', observed: 5, expected: 'ok', failingRows: 5, samples: ['awaiting_parts'] });

  it('open: everything, for everyone', () => {
    expect(redactResult(failing, 'open', { role: 'reader' })).toEqual(failing);
  });

  it('limited: counts without values or samples for readers; everything for operators', () => {
    const r = redactResult(failing, 'limited', { role: 'reader' }, '#sales');
    expect(r.failingRows).toBe(5);
    expect(r.samples).toBeUndefined();
    expect(r.observed).toBeUndefined();
    expect(r.message).toBe('contract.acceptedValues.status failed: 5 rows break the rule (values are limited; ask #sales)');
    expect(JSON.stringify(r)).not.toContain('awaiting_parts');
    const rowCount = redactResult(result({ check: 'contract.rowCount', kind: 'contract', observed: 12, message: '12 rows; expected at least 100' }), 'limited', { role: 'reader' });
    expect(rowCount.observed).toBe(12);
    expect(redactResult(failing, 'limited', { role: 'operator' })).toEqual(failing);
  });

  it('restricted: no values, counts or samples for readers', () => {
    const r = redactResult(failing, 'restricted', { role: 'reader' }, '#sales');
    expect(r).toEqual({ product: 'p', check: failing.check, kind: 'contract', status: 'fail', columns: [], at: AT, message: 'contract.acceptedValues.status failed (details are restricted; ask #sales)' });
    expect(redactResult(failing, 'restricted', { role: 'operator' })).toEqual(failing);
  });
});

describe('lineage model', () => {
  it('marks the edges breakage flows along: from the failing input to the failing product, and on to the consumers it hurts', async () => {
    const { dir, cleanup } = await writeConfigDir(STATUS_MESH);
    try {
      const catalog = new Catalog(await loadConfig(dir, { env: {} }));
      const state = (id: string) => (id === 'finance.ledger' ? 'pass' : 'fail');
      const model = lineageOf(catalog, 'sales.orders', state, new Set(['finance.revenue-dashboard']));
      expect(model.nodes.map((n) => [n.id, n.kind, n.depth, n.state]).sort()).toEqual([
        ['crm.customers', 'product', -1, 'fail'],
        ['finance.revenue-dashboard', 'consumer', 1, 'fail'],
        ['sales.orders', 'product', 0, 'fail'],
      ]);
      expect(model.edges).toEqual([
        { from: 'crm.customers', to: 'sales.orders', broken: true },
        { from: 'sales.orders', to: 'finance.revenue-dashboard', broken: true },
      ]);
      const healthy = lineageOf(catalog, 'sales.orders', () => 'pass', new Set());
      expect(healthy.edges.every((e) => !e.broken)).toBe(true);
      const summary = summarize(catalog, catalog.product('sales.orders'), [result({ product: 'sales.orders' }), result({ product: 'sales.orders', check: 'contract.notNull.order_id', kind: 'contract', status: 'pass' })]);
      expect(summary).toMatchObject({ state: 'fail', domainName: 'Sales & <Co>', kinds: { freshness: { status: 'fail' }, contract: { status: 'pass' } } });
    } finally {
      await cleanup();
    }
  });
});

describe('check seconds per kind', () => {
  it('a statement for one check is its kind’s; a batched one is split among its products, and each product’s share among its kinds', () => {
    const result = (product: string, check: string, kind: 'freshness' | 'schema' | 'contract') => ({ product, check, kind, status: 'pass' }) as unknown as CheckResult;
    const results = [
      result('a', 'freshness', 'freshness'),
      result('a', 'contract.notNull.id', 'contract'),
      result('b', 'freshness', 'freshness'),
      result('c', 'schema', 'schema'),
    ];
    const seconds = secondsByKind(
      [
        { products: ['a', 'b'], check: 'scan', ms: 400 }, // a: 200 → 100 freshness + 100 contract; b: 200 freshness
        { products: ['a'], check: 'contract.notNull.id', ms: 1000 }, // a follow-up: contract alone
        { products: ['a', 'b', 'c'], check: 'metadata', ms: 300 }, // 100 each: a 50 + 50, b 100 freshness, c 100 schema
      ],
      results,
    );
    expect(seconds.freshness).toBeCloseTo(0.45, 9);
    expect(seconds.contract).toBeCloseTo(1.15, 9);
    expect(seconds.schema).toBeCloseTo(0.1, 9);
    // A kind no statement served is there with 0, so its histogram still counts the cycle.
    expect(secondsByKind([], results)).toEqual({ freshness: 0, contract: 0, schema: 0 });
  });
});

describe('metrics module', () => {
  it('names and labels as documented, each registry its own', async () => {
    const a = new Metrics();
    const b = new Metrics();
    a.cycle([{ kind: 'freshness', status: 'fail' }, { kind: 'freshness', status: 'fail' }, { kind: 'schema', status: 'pass' }], { freshness: 1.5, schema: 0.25 });
    a.statementsSent('snowflake', 3);
    a.notification('slack', 'retry');
    a.notification('slack', 'failed');
    a.scheduleLagSeconds(4);
    a.setSources({ queueJobs: async () => [{ queue: 'notify', state: 'failed', count: 2 }], incidentsOpen: async () => new Map([['sales', 3]]), warehouseUp: async () => 0 });
    const text = await a.render();
    for (const line of [
      'meshwatch_checks_total{kind="freshness",status="fail"} 2',
      'meshwatch_checks_total{kind="schema",status="pass"} 1',
      'meshwatch_check_duration_seconds_sum{kind="freshness"} 1.5',
      'meshwatch_check_duration_seconds_count{kind="schema"} 1',
      'meshwatch_check_duration_seconds_sum{kind="schema"} 0.25',
      'meshwatch_warehouse_statements_total{engine="snowflake"} 3',
      'meshwatch_notifications_total{transport="slack",outcome="retry"} 1',
      'meshwatch_notifications_total{transport="slack",outcome="failed"} 1',
      'meshwatch_schedule_lag_seconds_sum 4',
      'meshwatch_queue_jobs{queue="notify",state="failed"} 2',
      'meshwatch_incidents_open{domain="sales"} 3',
      'meshwatch_warehouse_up 0',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
    expect(await b.render()).not.toContain('meshwatch_checks_total{');
  });

  it('schedule lag is measured from the tick’s own time: cron prevMillis, else made + delay', () => {
    expect(scheduledAt({ timestamp: 1_000, opts: { prevMillis: 5_000, delay: 4_000 } })).toBe(5_000);
    expect(scheduledAt({ timestamp: 1_000, opts: { delay: 300_000 } })).toBe(301_000);
    expect(scheduledAt({ timestamp: 1_000, opts: {} })).toBe(1_000);
  });
});
