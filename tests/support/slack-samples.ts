/**
 * Fixed facts for every Slack message meshwatch sends, modelled on
 * ../shared/SLACK-MESSAGES.md (inventory.vehicles breaking in Automotive).
 * The golden tests render them; the README's samples are their text form.
 */
import type { MessageFacts, ProductFacts } from '../../notifier/slack/compose.js';
import type { Notification } from '../../notifier/notification.js';

const AT = '2026-03-02T09:14:00.000Z';
const STATUS = 'https://status.example.com';

const inventory = (tier: ProductFacts['tier']): ProductFacts => ({
  id: 'inventory.vehicles',
  name: 'Vehicle Inventory',
  tier,
  domain: { id: 'inventory', name: 'Vehicle Inventory', businessUnit: 'Automotive', channel: '#inventory-data', oncall: { handle: '@inventory-oncall', id: 'S0INVENTORY' } },
});

const sales: ProductFacts = {
  id: 'sales.deals',
  tier: 'open',
  domain: { id: 'sales', name: 'Dealer Sales', businessUnit: 'Automotive', channel: '#sales-data', oncall: { handle: '@sales-oncall' } },
};

function note(fields: Partial<Notification> & Pick<Notification, 'id' | 'audience' | 'transition'>): Notification {
  return {
    type: 'notification',
    incident: 'inc-42',
    product: 'inventory.vehicles',
    rootCause: 'inventory.vehicles',
    channel: '#inventory-data',
    at: AT,
    state: 'open',
    checks: ['freshness'],
    ...fields,
  };
}

const stale = {
  check: 'freshness',
  kind: 'freshness',
  message: 'stale: max(updated_at) = 2026-03-02 04:12:00, 5 h 02 min old; allowed 2h',
  columns: [],
};

const nullVin = {
  check: 'contract.notNull.vin',
  kind: 'contract',
  message: '3 rows with null vin (0.1 %); allowed 0; e.g. row ids 17, 212, 9031',
  columns: ['vin'],
  failingRows: 3,
};

const incident = { id: 'inc-42', state: 'open', openedAt: AT, checks: ['freshness'] };

const blast = {
  consumers: 7 + 12,
  products: 3,
  domains: 3,
  businessUnits: 3,
  groups: [
    {
      businessUnit: 'Automotive',
      domain: 'Dealer Sales',
      entries: [
        { id: 'sales.pricing-model', kind: 'consumer' as const, via: ['inventory.vehicles'] },
        { id: 'sales.deals', kind: 'product' as const, via: ['inventory.vehicles', 'sales.deals'], failing: true },
      ],
    },
    {
      businessUnit: 'Finance',
      domain: 'Group Finance',
      entries: [
        { id: 'finance.audit', kind: 'consumer' as const, via: ['inventory.vehicles', 'sales.deals', 'finance.revenue'] },
        { id: 'finance.cfo-dashboard', kind: 'consumer' as const, via: ['inventory.vehicles', 'sales.deals', 'finance.revenue'] },
        { id: 'finance.revenue', kind: 'product' as const, via: ['inventory.vehicles', 'sales.deals', 'finance.revenue'] },
      ],
    },
    {
      businessUnit: 'Marketing',
      domain: 'Marketing Analytics',
      entries: [
        { id: 'marketing.stock-watch', kind: 'consumer' as const, via: ['inventory.vehicles', 'marketing.stock_ads'] },
        { id: 'marketing.ads-team', kind: 'consumer' as const, via: ['inventory.vehicles', 'marketing.stock_ads'] },
        ...Array.from({ length: 12 }, (_, i) => ({ id: `marketing.campaign-${i + 1}`, kind: 'consumer' as const, via: ['inventory.vehicles', 'marketing.stock_ads'] })),
      ],
    },
  ],
};

const pricing = [{ id: 'sales.pricing-model', columns: ['vin', 'list_price'], via: ['inventory.vehicles'] }];

export const SAMPLES: Record<string, MessageFacts> = {
  producer_alert: {
    notification: note({ id: 'inc-42-producer-opened-1', audience: 'producer', transition: 'opened', occurrences: 1 }),
    product: inventory('open'),
    incident,
    failures: [stale],
    blast,
    statusUrl: STATUS,
  },
  consumer_alert: {
    notification: note({
      id: 'inc-42-consumer-sales-pricing-opened-1',
      audience: 'consumer',
      transition: 'opened',
      channel: '#sales-pricing',
      consumers: [{ id: 'sales.pricing-model', domain: 'sales', businessUnit: 'Automotive', columns: ['vin', 'list_price'] }],
      products: ['inventory.vehicles'],
    }),
    product: inventory('open'),
    incident,
    failures: [stale],
    consumers: pricing,
    statusUrl: STATUS,
  },
  consumer_alert_updated: {
    notification: note({
      id: 'inc-42-consumer-finance-updated-2',
      audience: 'consumer',
      transition: 'updated',
      channel: '#finance-reporting',
      consumers: [
        { id: 'finance.audit', domain: 'finance', columns: [] },
        { id: 'finance.cfo-dashboard', domain: 'finance', columns: [] },
      ],
      products: ['inventory.vehicles', 'sales.deals'],
    }),
    product: inventory('open'),
    incident,
    failures: [stale],
    consumers: [
      { id: 'finance.audit', columns: [], via: ['inventory.vehicles', 'sales.deals', 'finance.revenue'] },
      { id: 'finance.cfo-dashboard', columns: [], via: ['inventory.vehicles', 'sales.deals', 'finance.revenue'] },
    ],
    statusUrl: STATUS,
  },
  consumer_alert_restricted: {
    notification: note({ id: 'inc-43-consumer-opened-1', incident: 'inc-43', audience: 'consumer', transition: 'opened', channel: '#sales-pricing', checks: ['contract.notNull.vin'], consumers: [{ id: 'sales.pricing-model', columns: ['vin'] }] }),
    product: inventory('restricted'),
    incident: { ...incident, id: 'inc-43', checks: ['contract.notNull.vin'], brokenColumns: ['vin'] },
    failures: [nullVin],
    consumers: [{ id: 'sales.pricing-model', columns: ['vin'], via: ['inventory.vehicles'] }],
    statusUrl: STATUS,
  },
  consumer_alert_limited: {
    notification: note({ id: 'inc-43-consumer-opened-1', incident: 'inc-43', audience: 'consumer', transition: 'opened', channel: '#sales-pricing', checks: ['contract.notNull.vin'], consumers: [{ id: 'sales.pricing-model', columns: ['vin'] }] }),
    product: inventory('limited'),
    incident: { ...incident, id: 'inc-43', checks: ['contract.notNull.vin'], brokenColumns: ['vin'] },
    failures: [nullVin],
    consumers: [{ id: 'sales.pricing-model', columns: ['vin'], via: ['inventory.vehicles'] }],
    statusUrl: STATUS,
  },
  caused_producer_alert: {
    notification: note({ id: 'inc-44-producer-opened-1', incident: 'inc-44', product: 'sales.deals', rootCause: 'inventory.vehicles', audience: 'producer', transition: 'opened', channel: '#sales-data', occurrences: 1 }),
    product: sales,
    root: { ...inventory('open'), incident: 'inc-42', checks: ['freshness'] },
    incident: { id: 'inc-44', state: 'open', openedAt: '2026-03-02T09:30:00.000Z', checks: ['freshness'] },
    failures: [{ ...stale, message: 'stale: max(updated_at) = 2026-03-02 06:00:00, 3 h 30 min old; allowed 3h' }],
    blast: { consumers: 0, products: 0, domains: 0, businessUnits: 0, groups: [] },
    statusUrl: STATUS,
  },
  acknowledged: {
    notification: note({ id: 'inc-42-producer-acknowledged-2', audience: 'producer', transition: 'acknowledged', state: 'acknowledged', by: 'U0ALICE', at: '2026-03-02T09:20:00.000Z' }),
    product: inventory('open'),
    incident: { ...incident, state: 'acknowledged', acknowledgedBy: 'U0ALICE', acknowledgedAt: '2026-03-02T09:20:00.000Z' },
    failures: [stale],
    blast,
    statusUrl: STATUS,
  },
  snoozed: {
    notification: note({ id: 'inc-42-producer-snoozed-3', audience: 'producer', transition: 'snoozed', state: 'snoozed', by: 'U0ALICE', until: '2026-03-02T10:20:00.000Z', at: '2026-03-02T09:20:00.000Z' }),
    product: inventory('open'),
    incident: { ...incident, state: 'snoozed', snoozedBy: 'U0ALICE', snoozedUntil: '2026-03-02T10:20:00.000Z' },
    failures: [stale],
    blast,
    statusUrl: STATUS,
  },
  reminder: {
    notification: note({ id: 'inc-42-producer-reminder-2', audience: 'producer', transition: 'reminder', at: '2026-03-02T10:14:00.000Z' }),
    product: inventory('open'),
    incident,
    failures: [stale],
    statusUrl: STATUS,
  },
  resolved: {
    notification: note({ id: 'inc-42-producer-resolved-4', audience: 'producer', transition: 'resolved', state: 'resolved', at: '2026-03-02T10:05:00.000Z' }),
    product: inventory('open'),
    incident: { ...incident, state: 'resolved', resolvedAt: '2026-03-02T10:05:00.000Z' },
    failures: [],
    recovery: 'fresh again (12 min old)',
    blast,
    statusUrl: STATUS,
  },
  consumer_resolved: {
    notification: note({
      id: 'inc-42-consumer-sales-pricing-resolved-4',
      audience: 'consumer',
      transition: 'resolved',
      state: 'resolved',
      channel: '#sales-pricing',
      at: '2026-03-02T10:05:00.000Z',
      consumers: [{ id: 'sales.pricing-model', columns: ['vin', 'list_price'] }],
      products: ['inventory.vehicles'],
    }),
    product: inventory('open'),
    incident: { ...incident, state: 'resolved', resolvedAt: '2026-03-02T10:05:00.000Z' },
    failures: [],
    recovery: 'fresh again (12 min old)',
    consumers: pricing,
    statusUrl: STATUS,
  },
  platform_degraded: {
    notification: note({ id: 'platform-degraded-3', incident: null, product: null, rootCause: null, audience: 'platform', transition: 'degraded', channel: '#data-platform', reason: 'WAREHOUSE_UNREACHABLE: connection refused by 10.0.0.5:443' }),
    failures: [],
  },
  platform_recovered: {
    notification: note({ id: 'platform-recovered-3', incident: null, product: null, rootCause: null, audience: 'platform', transition: 'recovered', channel: '#data-platform', at: '2026-03-02T09:40:00.000Z' }),
    failures: [],
  },
  subscribed: {
    notification: note({
      id: 'sub-1-subscribed',
      incident: null,
      product: 'inventory.vehicles',
      rootCause: null,
      audience: 'consumer',
      transition: 'subscribed',
      channel: '#lead-scoring',
      subscription: { consumer: 'slack.lead-scoring', product: 'inventory.vehicles', columns: ['vin'], channel: '#lead-scoring', domain: 'marketing', requestedBy: 'U0BOB' },
    }),
    failures: [],
    statusUrl: STATUS,
  },
  unsubscribed: {
    notification: note({
      id: 'sub-1-unsubscribed',
      incident: null,
      product: 'inventory.vehicles',
      rootCause: null,
      audience: 'consumer',
      transition: 'unsubscribed',
      channel: '#lead-scoring',
      subscription: { consumer: 'slack.lead-scoring', product: 'inventory.vehicles', columns: [], channel: '#lead-scoring' },
    }),
    failures: [],
  },
  approval_request: {
    notification: note({
      id: 'apr-7-requested',
      incident: null,
      product: 'sales.leads',
      rootCause: null,
      audience: 'producer',
      transition: 'approval_requested',
      channel: '#sales-data',
      approval: { request: 'apr-7', product: 'sales.leads', columns: ['lead_id', 'source'], requesterChannel: '#lead-scoring', requestedBy: 'U0BOB', domain: 'Marketing Analytics' },
    }),
    product: { ...sales, id: 'sales.leads', tier: 'restricted' },
    failures: [],
  },
  approval_decided: {
    notification: note({
      id: 'apr-7-decided',
      incident: null,
      product: 'sales.leads',
      rootCause: null,
      audience: 'consumer',
      transition: 'approval_decided',
      channel: '#lead-scoring',
      approval: {
        request: 'apr-7',
        product: 'sales.leads',
        columns: ['lead_id', 'source'],
        requesterChannel: '#lead-scoring',
        requestedBy: 'U0BOB',
        decision: 'approved',
        decidedBy: '<@U0CAROL>',
        decidedAt: '2026-03-02T11:02:00.000Z',
      },
    }),
    failures: [],
  },
  generic: {
    notification: note({ id: 'digest-2026-w09', incident: null, product: null, rootCause: null, audience: 'platform', transition: 'digest', channel: '#data-platform', reason: 'weekly accountability digest' }),
    failures: [],
  },
};
