import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog, UnknownProductError, type ConsumerSource } from '../catalog/catalog.js';
import { groupImpact, impactOf } from '../catalog/impact.js';
import { loadConfig } from '../config/load.js';
import type { Consumer } from '../config/types.js';
import { WORKSPACE, writeConfigDir } from './support/config-dir.js';
import { SMALL_MESH } from './support/small-mesh.js';

let catalog: Catalog;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const written = await writeConfigDir({ 'meshwatch.yaml': WORKSPACE, ...SMALL_MESH });
  cleanup = written.cleanup;
  catalog = new Catalog(await loadConfig(written.dir));
});
afterAll(() => cleanup());

const ids = (items: ReadonlyArray<{ id: string }>) => items.map((i) => i.id).sort();

describe('impactOf', () => {
  it('follows lineage transitively and reports each product and consumer once across a diamond', () => {
    const impact = impactOf(catalog, 'crm.customers');
    expect(ids(impact.products)).toEqual(['finance.pnl', 'finance.revenue', 'marketing.segments', 'sales.orders']);
    expect(ids(impact.consumers)).toEqual([
      'finance.cfo-dashboard',
      'finance.revenue-dashboard',
      'marketing.churn-model',
      'marketing.status-tracker',
      'sales.ops-report',
    ]);
    expect(impact.products.find((p) => p.id === 'finance.pnl')?.via).toEqual(['crm.customers', 'sales.orders', 'finance.revenue', 'finance.pnl']);
    expect(impact.consumers.find((c) => c.id === 'marketing.churn-model')?.via).toEqual(['crm.customers', 'sales.orders', 'marketing.segments']);
    expect(impact.domains).toEqual(['finance', 'marketing', 'sales']);
    expect(impact.businessUnits).toEqual(['Finance', 'Marketing', 'Retail']);
  });

  it('names consumer channels, falling back to the domain channel', () => {
    const impact = impactOf(catalog, 'sales.orders');
    expect(impact.consumers.find((c) => c.id === 'finance.revenue-dashboard')?.channel).toBe('#finance-revenue');
    expect(impact.consumers.find((c) => c.id === 'sales.ops-report')?.channel).toBe('#sales-data');
    expect(impact.consumers.find((c) => c.id === 'sales.ops-report')?.via).toEqual(['sales.orders']);
  });

  it('filters consumers by the broken columns at the first hop', () => {
    const impact = impactOf(catalog, 'sales.orders', ['status']);
    expect(ids(impact.consumers)).toEqual(['finance.cfo-dashboard', 'marketing.churn-model', 'marketing.status-tracker', 'sales.ops-report']);
    expect(impact.consumers.find((c) => c.id === 'marketing.status-tracker')?.columns).toEqual(['status']);
    // finance.revenue reads only amount: not affected; finance.pnl still is, through marketing.segments.
    expect(ids(impact.products)).toEqual(['finance.pnl', 'marketing.segments']);
    expect(impact.products.find((p) => p.id === 'finance.pnl')?.via).toEqual(['sales.orders', 'marketing.segments', 'finance.pnl']);
    expect(impact.brokenColumns).toEqual(['status']);
  });

  it('follows column lineage: a product reading the broken column is affected, and everything below it', () => {
    const impact = impactOf(catalog, 'sales.orders', ['AMOUNT']);
    expect(impact.products.find((p) => p.id === 'finance.revenue')).toMatchObject({ via: ['sales.orders', 'finance.revenue'], columns: ['amount'] });
    expect(ids(impact.consumers)).toContain('finance.revenue-dashboard');
    expect(ids(impact.consumers)).not.toContain('marketing.status-tracker');
  });

  it('treats no columns as the whole product broken', () => {
    expect(ids(impactOf(catalog, 'sales.orders').consumers)).toContain('marketing.status-tracker');
    expect(ids(impactOf(catalog, 'sales.orders', []).consumers)).toContain('marketing.status-tracker');
  });

  it('has nobody downstream of a leaf but its own consumers', () => {
    const impact = impactOf(catalog, 'finance.pnl');
    expect(impact.products).toEqual([]);
    expect(ids(impact.consumers)).toEqual(['finance.cfo-dashboard']);
  });

  it('rejects an unknown product with the nearest ids', () => {
    expect(() => impactOf(catalog, 'sales.order')).toThrow(UnknownProductError);
    expect(() => impactOf(catalog, 'sales.order')).toThrow('unknown product "sales.order" (did you mean sales.orders?)');
  });

  it('counts consumers from a pluggable source (Slack subscriptions)', () => {
    const subscriber: Consumer = { id: 'ops.slack-sub', domain: 'marketing', uses: [{ product: 'finance.revenue' }], source: 'slack' };
    const source: ConsumerSource = { consumersOf: (id) => (id === 'finance.revenue' ? [{ consumer: subscriber, columns: undefined }] : []) };
    const withSubs = new Catalog(catalog.config, [source]);
    expect(ids(impactOf(withSubs, 'sales.orders', ['amount']).consumers)).toContain('ops.slack-sub');
    expect(ids(impactOf(catalog, 'sales.orders', ['amount']).consumers)).not.toContain('ops.slack-sub');
  });

  it('groups by business unit, then domain', () => {
    const groups = groupImpact(impactOf(catalog, 'sales.orders'));
    expect(groups.map((g) => g.businessUnit)).toEqual(['Finance', 'Marketing', 'Retail']);
    expect(groups[0]?.domains.map((d) => d.domain)).toEqual(['finance']);
    expect(ids(groups[0]!.domains[0]!.products)).toEqual(['finance.pnl', 'finance.revenue']);
  });
});
