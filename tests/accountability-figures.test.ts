import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDigests, renderDigestText } from '../accountability/digest.js';
import { computeFigures, durationStats } from '../accountability/figures.js';
import { Catalog } from '../catalog/catalog.js';
import { loadConfig } from '../config/load.js';
import type { Digest } from '../notifier/notification.js';
import { notificationSchema } from '../notifier/notification.js';
import type { HistoryRecord } from '../state/incident-history.js';
import { WORKSPACE, writeConfigDir } from './support/config-dir.js';
import { SMALL_MESH } from './support/small-mesh.js';

const H = 3_600_000;
const MIN = 60_000;
const T0 = Date.parse('2026-11-23T00:00:00Z');
const W = { fromMs: T0, toMs: T0 + 10 * H };

const FIN = { domain: 'finance', businessUnit: 'Finance' };
const MKT = { domain: 'marketing', businessUnit: 'Marketing' };

function rec(r: Partial<HistoryRecord> & Pick<HistoryRecord, 'id' | 'product' | 'openedAt'>): HistoryRecord {
  const domain = r.product.split('.')[0]!;
  const unit = ({ sales: 'Retail', crm: 'Retail', finance: 'Finance', marketing: 'Marketing' } as Record<string, string>)[domain];
  return { domain, businessUnit: unit, rootCause: r.product, root: r.id, rootDomain: domain, rootBusinessUnit: unit, checks: ['freshness'], consumers: {}, events: [], ...r };
}

/**
 * The scripted history (window T0 .. T0+10h), with the answers worked out by hand:
 * - inc-1 sales.orders 1h–3h, acked after 30 min; hurts finance.revenue-dashboard from 1h, marketing.board from 2h.
 * - inc-2 finance.revenue 1h15–3h, caused by inc-1; hurts finance.cfo-dashboard and (again) finance.revenue-dashboard.
 * - inc-3 crm.customers from 2h BEFORE the window to 2h, never acked; hurts marketing.board.
 * - inc-4 sales.orders 8h–still open at the end, never acked; hurts finance.revenue-dashboard.
 * - inc-5 sales.orders 4h–5h, acked after 10 min; hurts finance.revenue-dashboard.
 */
const HISTORY: HistoryRecord[] = [
  rec({ id: 'inc-1', product: 'sales.orders', openedAt: T0 + H, acknowledgedAt: T0 + 1.5 * H, acknowledgedBy: 'alice', resolvedAt: T0 + 3 * H,
    consumers: { 'finance.revenue-dashboard': { ...FIN, since: T0 + H }, 'marketing.board': { ...MKT, since: T0 + 2 * H } } }),
  rec({ id: 'inc-2', product: 'finance.revenue', openedAt: T0 + 1.25 * H, resolvedAt: T0 + 3 * H, root: 'inc-1', rootCause: 'sales.orders', rootDomain: 'sales', rootBusinessUnit: 'Retail', checks: ['contract.notNull.amount'],
    consumers: { 'finance.cfo-dashboard': { ...FIN, since: T0 + 1.25 * H }, 'finance.revenue-dashboard': { ...FIN, since: T0 + 1.25 * H } } }),
  rec({ id: 'inc-3', product: 'crm.customers', openedAt: T0 - 2 * H, resolvedAt: T0 + 2 * H, consumers: { 'marketing.board': { ...MKT, since: T0 - 2 * H } } }),
  rec({ id: 'inc-4', product: 'sales.orders', openedAt: T0 + 8 * H, consumers: { 'finance.revenue-dashboard': { ...FIN, since: T0 + 8 * H } } }),
  rec({ id: 'inc-5', product: 'sales.orders', openedAt: T0 + 4 * H, acknowledgedAt: T0 + 4 * H + 10 * MIN, acknowledgedBy: 'bob', resolvedAt: T0 + 5 * H,
    consumers: { 'finance.revenue-dashboard': { ...FIN, since: T0 + 4 * H } } }),
  // Before the window altogether: ignored (the digests' previous period has it).
  rec({ id: 'inc-0', product: 'sales.orders', openedAt: T0 - 6 * H, resolvedAt: T0 - 5 * H, consumers: { 'finance.revenue-dashboard': { ...FIN, since: T0 - 6 * H } } }),
];

describe('accountability figures from a scripted history', () => {
  let catalog: Catalog;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const written = await writeConfigDir({ 'meshwatch.yaml': WORKSPACE, ...SMALL_MESH });
    cleanup = written.cleanup;
    catalog = new Catalog(await loadConfig(written.dir));
  });
  afterAll(() => cleanup());

  it('per producer domain: incidents, harm across business units, MTTA and MTTR with the unacknowledged and open counted apart', () => {
    const figures = computeFigures(HISTORY, catalog, W);
    const sales = figures.producers.find((p) => p.domain === 'sales')!;
    expect(sales).toMatchObject({
      businessUnit: 'Retail',
      incidents: 4, // inc-1, inc-2 (caused: counts against sales), inc-4, inc-5
      breakages: 3,
      causedDownstream: 1,
      reachedOtherBusinessUnits: 3,
      // inc-1's breakage: revenue-dashboard 1h–3h once (not twice through inc-2) + board 1h + cfo 1.75h = 4.75; inc-4 2h (clipped at the end); inc-5 1h.
      consumerHours: 7.75,
      consumersHurt: 3,
      mtta: { count: 2, meanMs: 20 * MIN, p90Ms: 30 * MIN },
      unacknowledged: 1,
      mttr: { count: 2, meanMs: 1.5 * H, p90Ms: 2 * H },
      open: 1,
    });
    expect(sales.hurt).toEqual([
      { businessUnit: 'Finance', consumers: ['finance.cfo-dashboard', 'finance.revenue-dashboard'], incidents: 3, consumerHours: 6.75 },
      { businessUnit: 'Marketing', consumers: ['marketing.board'], incidents: 1, consumerHours: 1 },
    ]);
    // Per producer business unit: sales and crm together (Retail); crm's breakage opened before the window (hours, no count).
    expect(figures.businessUnits).toEqual([
      expect.objectContaining({ businessUnit: 'Retail', domains: ['crm', 'sales'], incidents: 4, breakages: 3, consumerHours: 9.75, consumerHoursElsewhere: 9.75, unacknowledged: 1, open: 1 }),
    ]);
    // finance.revenue failed, but because of sales: nothing counts against finance.
    expect(figures.producers.find((p) => p.domain === 'finance')).toMatchObject({ incidents: 0, breakages: 0, consumerHours: 0 });
    // Started before the window: not counted as an incident of it, its hours inside it are.
    expect(figures.producers.find((p) => p.domain === 'crm')).toMatchObject({ incidents: 0, consumerHours: 2, mtta: { count: 0 }, unacknowledged: 0 });
  });

  it('the cross-BU matrix, availability and products ranked by harm', () => {
    const figures = computeFigures(HISTORY, catalog, W);
    expect(figures.matrix).toEqual([
      { producerBusinessUnit: 'Retail', consumerBusinessUnit: 'Finance', incidents: 3, consumerHours: 6.75 },
      { producerBusinessUnit: 'Retail', consumerBusinessUnit: 'Marketing', incidents: 1, consumerHours: 3 },
    ]);
    const product = (id: string) => figures.producers.flatMap((p) => p.products).find((p) => p.product === id)!;
    expect(product('sales.orders').availability).toBe(0.5); // broken 1–3, 4–5, 8–10
    expect(product('finance.revenue').availability).toBe(0.825); // 1.25–3
    expect(product('crm.customers').availability).toBe(0.8); // 0–2 of the window
    expect(product('marketing.segments').availability).toBe(1);
    expect(figures.products.map((p) => [p.product, p.consumerHours])).toEqual([
      ['sales.orders', 7.75],
      ['crm.customers', 2],
      ['finance.revenue', 0],
    ]);
  });

  it('per consuming domain: what broke it, who owns it, how fast they fixed it', () => {
    const figures = computeFigures(HISTORY, catalog, W);
    const marketing = figures.consumers.find((c) => c.domain === 'marketing')!;
    expect(marketing).toMatchObject({ incidents: 1, consumerHours: 3, consumersHurt: ['marketing.board'] });
    expect(marketing.owners.map((o) => [o.domain, o.incidents, o.consumerHours])).toEqual([
      ['crm', 0, 2],
      ['sales', 1, 1],
    ]);
    const finance = figures.consumers.find((c) => c.domain === 'finance')!;
    expect(finance).toMatchObject({ incidents: 3, consumerHours: 6.75 });
    expect(finance.owners[0]).toMatchObject({ domain: 'sales', products: ['sales.orders'], mttr: { count: 2, meanMs: 1.5 * H } });
  });

  it('a window that ends while an incident is open counts it to the end; a later window sees none of it before', () => {
    const early = computeFigures(HISTORY, catalog, { fromMs: T0, toMs: T0 + 2 * H });
    // inc-1: revenue-dashboard 1h–2h, board not yet; inc-2: cfo and revenue-dashboard from 1.25h (merged): 1 + 0.75.
    expect(early.producers.find((p) => p.domain === 'sales')).toMatchObject({ incidents: 2, consumerHours: 1.75, open: 1, mttr: { count: 0 } });
    const late = computeFigures(HISTORY, catalog, { fromMs: T0 + 9 * H, toMs: T0 + 10 * H });
    expect(late.producers.find((p) => p.domain === 'sales')).toMatchObject({ incidents: 0, consumerHours: 1 });
  });

  it('p90 is the nearest rank', () => {
    expect(durationStats([5, 1, 9, 3, 7, 2, 8, 4, 6, 10])).toEqual({ count: 10, meanMs: 6, p90Ms: 9 });
    expect(durationStats([])).toEqual({ count: 0 });
  });

  describe('digests', () => {
    // Period: the window above; previous period: the 10 h before it, in which sales broke once for 1 h.
    const period = { toMs: W.toMs, periodMs: 10 * H };
    const history = [
      ...HISTORY,
      // A restricted product's breakage hurting marketing: marketing must not see its checks.
      rec({ id: 'inc-6', product: 'finance.revenue', openedAt: T0 + 6 * H, acknowledgedAt: T0 + 6 * H + 5 * MIN, resolvedAt: T0 + 7 * H, checks: ['contract.unique.invoice_id'],
        consumers: { 'marketing.board': { ...MKT, since: T0 + 6 * H } } }),
    ];
    const digests = () => buildDigests({ history, catalog, period });
    const find = (kind: Digest['kind'], domain?: string) => digests().find((n) => n.digest?.kind === kind && n.digest.domain === domain)!;

    it('to a producer domain: its incidents, whom it hurt by business unit, MTTA and MTTR against the period before', () => {
      const n = find('producer', 'sales');
      expect(notificationSchema.parse(n)).toEqual(n);
      expect(n).toMatchObject({ transition: 'digest', audience: 'producer', channel: '#sales-data', id: 'digest-producer-sales-20261123T100000Z' });
      expect(n.digest!.producer).toMatchObject({
        incidents: 4,
        consumerHours: 7.75,
        previousConsumerHours: 1, // inc-0, 1 h of one consumer
        reachedOtherBusinessUnits: 3,
        mtta: { meanMs: 20 * MIN },
        mttr: { meanMs: 1.5 * H },
        previousMtta: { count: 0 }, // inc-0 was never acknowledged, but resolved in 1 h
        previousMttr: { count: 1, meanMs: H },
        unacknowledged: 1,
      });
      expect(n.digest!.producer!.hurt.map((h) => h.businessUnit)).toEqual(['Finance', 'Marketing']);
      expect(n.digest!.producer!.topProducts[0]).toMatchObject({ product: 'sales.orders', checks: ['freshness'] });
      const text = renderDigestText(n.digest!);
      expect(text).toContain('Weekly accountability digest for sales (Retail)');
      expect(text).toContain('Finance: 6.75 consumer-hours');
    });

    it('to a consumer domain: what broke it and who owns it; a restricted product of another domain shows no checks', () => {
      const n = find('consumer', 'marketing');
      expect(n).toMatchObject({ audience: 'consumer', channel: '#marketing-data' });
      const owners = n.digest!.consumer!.owners;
      // crm 2 consumer-hours; finance and sales 1 each (ties by name).
      expect(owners.map((o) => o.domain)).toEqual(['crm', 'finance', 'sales']);
      const revenue = owners.find((o) => o.domain === 'finance')!.products[0]!;
      expect(revenue).toMatchObject({ product: 'finance.revenue', tier: 'restricted', redacted: true });
      expect(revenue.checks).toBeUndefined();
      expect(JSON.stringify(n)).not.toContain('invoice_id');
      expect(renderDigestText(n.digest!)).toContain('finance.revenue (finance): 1 incident, 1 consumer-hours, available 72.50 % (restricted: details are restricted; ask its owners)');
      // Its own domain sees the detail.
      expect(JSON.stringify(find('producer', 'finance'))).toContain('contract.unique.invoice_id');
    });

    it('to the platform channel: the matrix, top offenders and the most improved; restricted products redacted', () => {
      const n = find('platform');
      expect(n).toMatchObject({ audience: 'platform', channel: '#data-platform' });
      const p = n.digest!.platform!;
      expect(p.matrix).toContainEqual({ producerBusinessUnit: 'Retail', consumerBusinessUnit: 'Finance', incidents: 3, consumerHours: 6.75 });
      expect(p.topOffenders.map((o) => o.domain)).toEqual(['sales', 'crm', 'finance']);
      expect(p.mostImproved).toEqual([]);
      expect(JSON.stringify(n)).not.toContain('invoice_id');
      expect(renderDigestText(n.digest!)).toContain('Retail → Finance: 3 incidents, 6.75 consumer-hours');
    });

    it('a domain that did better than the period before is the most improved', () => {
      // Only the previous period's inc-0 for sales, nothing now.
      const n = buildDigests({ history: HISTORY.filter((r) => r.id === 'inc-0'), catalog, period }).find((x) => x.digest?.kind === 'platform')!;
      expect(n.digest!.platform!.mostImproved).toEqual([{ domain: 'sales', businessUnit: 'Retail', consumerHours: 0, previousConsumerHours: 1 }]);
    });
  });
});
