/**
 * Fixed facts for every Slack message meshwatch sends, modelled on
 * ../shared/SLACK-MESSAGES.md (inventory.vehicles breaking in Automotive).
 * The golden tests render them; the README's samples are their text form.
 */
import type { MessageFacts, ProductFacts } from '../../notifier/slack/compose.js';
import type { Digest, Notification } from '../../notifier/notification.js';

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

const WEEK = { period: { from: '2026-02-23T09:00:00.000Z', to: '2026-03-02T09:00:00.000Z' }, previous: { from: '2026-02-16T09:00:00.000Z', to: '2026-02-23T09:00:00.000Z' } };
const DIGEST_AT = '2026-03-02T09:00:00.000Z';
const H = 3_600_000;

function digestNote(id: string, audience: Notification['audience'], channel: string, digest: Digest): Notification {
  return { type: 'notification', id, incident: null, product: null, rootCause: null, audience, channel, transition: 'digest', at: DIGEST_AT, digest };
}

const producerDigest: Digest = {
  kind: 'producer',
  domain: 'inventory',
  businessUnit: 'Automotive',
  ...WEEK,
  producer: {
    incidents: 4,
    breakages: 3,
    reachedOtherBusinessUnits: 2,
    consumerHours: 61.5,
    previousConsumerHours: 20,
    hurt: [
      { businessUnit: 'Marketing', consumers: ['marketing.stock-watch', 'marketing.ads-team', ...Array.from({ length: 9 }, (_, i) => `marketing.campaign-${i + 1}`)], incidents: 2, consumerHours: 44 },
      { businessUnit: 'Finance', consumers: ['finance.audit', 'finance.cfo-dashboard'], incidents: 1, consumerHours: 12.5 },
      { businessUnit: 'Automotive', consumers: ['sales.pricing-model'], incidents: 3, consumerHours: 5 },
    ],
    mtta: { count: 3, meanMs: 0.4 * H, p90Ms: 0.9 * H },
    mttr: { count: 3, meanMs: 2.5 * H, p90Ms: 5 * H },
    previousMtta: { count: 2, meanMs: 0.6 * H, p90Ms: 0.8 * H },
    previousMttr: { count: 2, meanMs: 2 * H, p90Ms: 3 * H },
    unacknowledged: 1,
    open: 1,
    topProducts: [
      { product: 'inventory.vehicles', domain: 'inventory', tier: 'open', incidents: 3, consumerHours: 56.5, availability: 0.9702, checks: ['freshness', 'contract.notNull.vin'] },
      { product: 'inventory.dealer-stock', domain: 'inventory', tier: 'restricted', incidents: 1, consumerHours: 5, availability: 0.9958, checks: ['schema'] },
    ],
    cost: { statements: 1344, seconds: 212 },
    tierReviewsDue: 2,
  },
};

const consumerDigest: Digest = {
  kind: 'consumer',
  domain: 'marketing',
  businessUnit: 'Marketing',
  ...WEEK,
  consumer: {
    incidents: 3,
    consumerHours: 47,
    previousConsumerHours: 52,
    consumersHurt: ['marketing.stock-watch', 'marketing.ads-team', 'marketing.campaign-1'],
    owners: [
      {
        domain: 'inventory',
        businessUnit: 'Automotive',
        products: [{ product: 'inventory.vehicles', domain: 'inventory', tier: 'open', incidents: 2, consumerHours: 44, availability: 0.9702, checks: ['freshness'] }],
        incidents: 2,
        consumerHours: 44,
        mtta: { count: 2, meanMs: 0.5 * H, p90Ms: 0.75 * H },
        mttr: { count: 2, meanMs: 3 * H, p90Ms: 4 * H },
      },
      {
        domain: 'crm',
        businessUnit: 'Corporate',
        // Restricted and another domain's: name, owner and figures only (accountability/digest.ts redacts it).
        products: [{ product: 'crm.customers', domain: 'crm', tier: 'restricted', incidents: 1, consumerHours: 3, availability: 0.998, redacted: true }],
        incidents: 1,
        consumerHours: 3,
        mtta: { count: 1, meanMs: 0.2 * H, p90Ms: 0.2 * H },
        mttr: { count: 1, meanMs: 1 * H, p90Ms: 1 * H },
      },
    ],
  },
};

const platformDigest: Digest = {
  kind: 'platform',
  ...WEEK,
  platform: {
    matrix: [
      { producerBusinessUnit: 'Automotive', consumerBusinessUnit: 'Automotive', incidents: 3, consumerHours: 5 },
      { producerBusinessUnit: 'Automotive', consumerBusinessUnit: 'Finance', incidents: 1, consumerHours: 12.5 },
      { producerBusinessUnit: 'Automotive', consumerBusinessUnit: 'Marketing', incidents: 2, consumerHours: 44 },
      { producerBusinessUnit: 'Corporate', consumerBusinessUnit: 'Marketing', incidents: 1, consumerHours: 3 },
    ],
    topOffenders: [
      { domain: 'inventory', businessUnit: 'Automotive', incidents: 4, consumerHours: 61.5, mttr: { count: 3, meanMs: 2.5 * H, p90Ms: 5 * H } },
      { domain: 'crm', businessUnit: 'Corporate', incidents: 1, consumerHours: 3, mttr: { count: 1, meanMs: 1 * H, p90Ms: 1 * H } },
    ],
    mostImproved: [{ domain: 'crm', businessUnit: 'Corporate', consumerHours: 3, previousConsumerHours: 30 }],
    topProducts: [
      { product: 'inventory.vehicles', domain: 'inventory', tier: 'open', incidents: 3, consumerHours: 56.5, availability: 0.9702, checks: ['freshness', 'contract.notNull.vin'] },
      { product: 'inventory.dealer-stock', domain: 'inventory', tier: 'restricted', incidents: 1, consumerHours: 5, availability: 0.9958, redacted: true },
      { product: 'crm.customers', domain: 'crm', tier: 'restricted', incidents: 1, consumerHours: 3, availability: 0.998, redacted: true },
    ],
  },
};

const escalationConsumers = [
  { id: 'finance.audit', domain: 'finance', businessUnit: 'Finance', columns: [] },
  { id: 'finance.cfo-dashboard', domain: 'finance', businessUnit: 'Finance', columns: [] },
  { id: 'marketing.stock-watch', domain: 'marketing', businessUnit: 'Marketing', columns: ['vin'] },
  { id: 'sales.pricing-model', domain: 'sales', businessUnit: 'Automotive', columns: ['vin', 'list_price'] },
];

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
    // A transition this renderer does not know (a newer replica's): said plainly. A digest without its content falls back to this too.
    notification: note({ id: 'future-2026-w09', incident: null, product: null, rootCause: null, audience: 'platform', transition: 'capacity_report', channel: '#data-platform', reason: 'weekly capacity report' }),
    failures: [],
  },
  digest_producer: { notification: digestNote('digest-producer-inventory-20260302T090000Z', 'producer', '#inventory-data', producerDigest), failures: [], statusUrl: STATUS },
  digest_consumer: { notification: digestNote('digest-consumer-marketing-20260302T090000Z', 'consumer', '#marketing-data', consumerDigest), failures: [], statusUrl: STATUS },
  digest_platform: { notification: digestNote('digest-platform-platform-20260302T090000Z', 'platform', '#data-platform', platformDigest), failures: [], statusUrl: STATUS },
  escalation: {
    notification: note({
      id: 'inc-42-escalation-automotive-leads-escalated-3',
      audience: 'producer',
      transition: 'escalated',
      channel: '#automotive-leads',
      at: '2026-03-02T13:14:00.000Z',
      mention: '@inventory-oncall',
      consumers: escalationConsumers,
      escalation: { businessUnit: 'Automotive', lead: 'U0LEAD01', unacknowledgedMs: 4 * H, producerChannel: '#inventory-data' },
    }),
    product: inventory('open'),
    incident,
    failures: [stale],
    mention: { handle: '@inventory-oncall', id: 'S0INVENTORY' },
    lead: { user: 'U0LEAD01' },
    statusUrl: STATUS,
  },
  escalation_restricted: {
    notification: note({
      id: 'inc-43-escalation-data-platform-escalated-3',
      incident: 'inc-43',
      audience: 'producer',
      transition: 'escalated',
      channel: '#data-platform',
      at: '2026-03-02T13:14:00.000Z',
      checks: ['contract.notNull.vin'],
      consumers: escalationConsumers.slice(2),
      escalation: { unacknowledgedMs: 4 * H, producerChannel: '#inventory-data' },
    }),
    product: inventory('restricted'),
    incident: { ...incident, id: 'inc-43', checks: ['contract.notNull.vin'], brokenColumns: ['vin'] },
    failures: [nullVin],
    statusUrl: STATUS,
  },
  escalated_producer: {
    notification: note({ id: 'inc-42-producer-escalated-3', audience: 'producer', transition: 'escalated', at: '2026-03-02T13:14:00.000Z', mention: '@inventory-oncall' }),
    product: inventory('open'),
    incident,
    failures: [stale],
    mention: { handle: '@inventory-oncall', id: 'S0INVENTORY' },
    escalatedTo: '#automotive-leads',
    statusUrl: STATUS,
  },
  reminder_mention: {
    notification: note({ id: 'inc-42-producer-reminder-2', audience: 'producer', transition: 'reminder', at: '2026-03-02T10:14:00.000Z', mention: '@inventory-oncall' }),
    // The product's own on-call is not resolved here: the notification's mention is what the thread pings.
    product: { ...inventory('open'), domain: { ...inventory('open').domain, oncall: { handle: '@inventory-oncall' } } },
    incident,
    failures: [stale],
    mention: { handle: '@inventory-oncall', id: 'S0INVENTORY' },
    statusUrl: STATUS,
  },
  tier_review: {
    notification: {
      type: 'notification',
      id: 'tier-review-inventory-20260302T090000Z',
      incident: null,
      product: null,
      rootCause: null,
      audience: 'producer',
      channel: '#inventory-data',
      transition: 'tier_review',
      at: DIGEST_AT,
      tierReview: {
        domain: 'inventory',
        products: [
          { product: 'inventory.dealer-stock', tier: 'restricted', file: 'products/dealer-stock.yaml', link: 'https://git.example.com/mesh/blob/main/products/dealer-stock.yaml', reviewSource: 'never', overdueDays: 0 },
          {
            product: 'inventory.vehicles',
            tier: 'open',
            file: 'products/vehicles.yaml',
            link: 'https://git.example.com/mesh/blob/main/products/vehicles.yaml',
            lastReviewedAt: '2025-11-10T14:02:00.000Z',
            reviewedBy: 'U0ALICE',
            reviewSource: 'recorded',
            dueAt: '2026-02-08T14:02:00.000Z',
            overdueDays: 21,
          },
          { product: 'inventory.price-bands', tier: 'limited', tierJustification: 'bands of 5,000 EUR, no single prices', file: 'products/price-bands.yaml', link: 'https://git.example.com/mesh/blob/main/products/price-bands.yaml', lastReviewedAt: '2025-12-01T00:00:00.000Z', reviewSource: 'file', dueAt: '2026-03-01T00:00:00.000Z', overdueDays: 1 },
        ],
      },
    },
    failures: [],
    statusUrl: STATUS,
  },
};
