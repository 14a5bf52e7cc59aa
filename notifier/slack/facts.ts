/**
 * Looks up what a message says beyond the notification's ids: names, owners,
 * tiers and on-call groups from the catalog, the incident from the engine,
 * the failing checks (observed against expected) from the latest results,
 * the blast radius and the consumers' paths from impact. The notification
 * stays small (it is job data and the log notifier's line); the message is
 * built from the state at delivery time, so a retried or late delivery says
 * what is true when it is read.
 */
import type { Catalog } from '../../catalog/catalog.js';
import { groupImpact, impactOf } from '../../catalog/impact.js';
import type { IncidentEngine, IncidentRecord } from '../../state/incident-engine.js';
import type { ResultStore } from '../../state/result-store.js';
import { escalationChannel } from '../escalation.js';
import type { Notification } from '../notification.js';
import type { Inline } from './message.js';
import type { BlastDomain, BlastFacts, ConsumerFacts, FailureFacts, MessageFacts, ProductFacts } from './compose.js';
import type { MentionResolver } from './mentions.js';

export interface FactSources {
  readonly catalog: () => Catalog;
  readonly engine: IncidentEngine;
  readonly results: ResultStore;
  readonly mentions: MentionResolver;
  readonly statusUrl?: string | undefined;
}

/** Downstream products looked up for "failing too"; past it they are named without. */
const FAILING_LOOKUPS = 30;

async function productFacts(src: FactSources, catalog: Catalog, id: string | null | undefined): Promise<ProductFacts | undefined> {
  if (!id) return undefined;
  const product = catalog.products.get(id);
  if (!product) return undefined;
  const domain = catalog.domain(product.domain);
  return {
    id,
    ...(product.name ? { name: product.name } : {}),
    tier: product.tier,
    domain: {
      id: product.domain,
      name: domain?.name ?? product.domain,
      ...(domain?.businessUnit ? { businessUnit: domain.businessUnit } : {}),
      ...(domain?.slackChannel ? { channel: domain.slackChannel } : {}),
      ...(domain?.oncall ? { oncall: await src.mentions.resolve(domain.oncall) } : {}),
    },
  };
}

async function failuresOf(src: FactSources, product: string, incident: IncidentRecord | undefined): Promise<FailureFacts[]> {
  const latest = await src.results.latest(product);
  const wanted = incident ? new Set(incident.checks) : undefined;
  return latest
    .filter((r) => r.status === 'fail' && (!wanted || wanted.has(r.check)))
    .map((r) => ({ check: r.check, kind: r.kind, message: r.message, columns: [...r.columns], ...(r.failingRows !== undefined ? { failingRows: r.failingRows } : {}) }));
}

async function recoveryOf(src: FactSources, product: string, incident: IncidentRecord | undefined): Promise<string | undefined> {
  if (!incident) return undefined;
  const latest = await src.results.latest(product);
  const passing = latest.find((r) => incident.checks.includes(r.check) && r.status === 'pass');
  return passing?.message;
}

async function blastOf(src: FactSources, catalog: Catalog, record: IncidentRecord): Promise<BlastFacts> {
  const impact = impactOf(catalog, record.product, record.brokenColumns);
  let lookups = 0;
  const failing = new Set<string>();
  for (const p of impact.products) {
    if (lookups++ >= FAILING_LOOKUPS) break;
    const open = await src.engine.currentOf(p.id);
    if (open && open.state !== 'resolved') failing.add(p.id);
  }
  const groups: BlastDomain[] = [];
  for (const unit of groupImpact(impact)) {
    for (const d of unit.domains) {
      groups.push({
        businessUnit: unit.businessUnit,
        domain: catalog.domain(d.domain)?.name ?? d.domain,
        entries: [
          ...d.consumers.map((c) => ({ id: c.id, kind: 'consumer' as const, via: [...c.via] })),
          ...d.products.map((p) => ({ id: p.id, kind: 'product' as const, via: [...p.via], failing: failing.has(p.id) })),
        ],
      });
    }
  }
  return { consumers: impact.consumers.length, products: impact.products.length, domains: impact.domains.length, businessUnits: impact.businessUnits.length, groups };
}

function consumerPaths(catalog: Catalog, n: Notification, root: IncidentRecord | undefined): ConsumerFacts[] {
  const via = new Map<string, readonly string[]>();
  const sources = [...new Set([...(root ? [root.product] : []), ...(n.products ?? [])])];
  for (const product of sources) {
    if (!catalog.products.has(product)) continue;
    const columns = product === root?.product ? root.brokenColumns : undefined;
    for (const c of impactOf(catalog, product, columns).consumers) if (!via.has(c.id)) via.set(c.id, c.via);
  }
  return (n.consumers ?? []).map((c) => ({ id: c.id, columns: [...c.columns], via: [...(via.get(c.id) ?? [])] }));
}

/** A business unit's lead: a Slack user id is mentioned, a user group handle resolved, anything else said as written. */
async function leadOf(src: FactSources, lead: string): Promise<Inline> {
  if (/^(<@)?[UW][A-Z0-9]{2,}(\|[^>]*)?>?$/.test(lead)) return { user: lead };
  const group = await src.mentions.resolve(lead);
  return group?.id ? { mention: group } : lead;
}

export async function gatherFacts(src: FactSources, n: Notification): Promise<MessageFacts> {
  const catalog = src.catalog();
  const base = { notification: n, failures: [] as FailureFacts[], timezone: catalog.config.workspace.defaults.timezone, ...(src.statusUrl ? { statusUrl: src.statusUrl } : {}) };
  if (n.audience === 'platform' || !n.product) {
    const product = await productFacts(src, catalog, n.product ?? n.subscription?.product ?? n.approval?.product);
    return { ...base, ...(product ? { product } : {}) };
  }
  const record = n.incident ? await src.engine.get(n.incident) : undefined;
  const product = await productFacts(src, catalog, n.product);
  const facts: { -readonly [K in keyof MessageFacts]: MessageFacts[K] } = { ...base, ...(product ? { product } : {}) };
  if (record) {
    facts.incident = {
      id: record.id,
      state: record.state,
      openedAt: record.openedAt,
      checks: [...record.checks],
      ...(record.brokenColumns ? { brokenColumns: [...record.brokenColumns] } : {}),
      ...(record.acknowledgedBy ? { acknowledgedBy: record.acknowledgedBy, acknowledgedAt: record.acknowledgedAt } : {}),
      ...(record.snoozedBy ? { snoozedBy: record.snoozedBy, snoozedUntil: record.snoozedUntil } : {}),
      ...(record.resolvedAt ? { resolvedAt: record.resolvedAt, resolvedBy: record.resolvedBy } : {}),
    };
  }
  facts.failures = await failuresOf(src, n.product, record);
  if (n.transition === 'resolved') facts.recovery = await recoveryOf(src, n.product, record);
  if (n.rootCause && n.rootCause !== n.product) {
    const root = await productFacts(src, catalog, n.rootCause);
    const rootIncident = await src.engine.currentOf(n.rootCause);
    if (root) facts.root = { ...root, ...(rootIncident ? { incident: rootIncident.id, checks: [...rootIncident.checks] } : {}) };
  }
  if (n.mention) facts.mention = await src.mentions.resolve(n.mention);
  if (n.escalation?.lead) facts.lead = await leadOf(src, n.escalation.lead);
  if (n.transition === 'escalated' && !n.escalation && catalog.products.has(n.product)) {
    const to = escalationChannel(catalog, n.product).channel;
    if (to && to !== n.channel) facts.escalatedTo = to;
  }
  // The escalation message names the consumers still hurt itself; it needs no blast radius.
  if (n.audience === 'producer' && !n.escalation && record && catalog.products.has(record.product)) facts.blast = await blastOf(src, catalog, record);
  if (n.audience === 'consumer') facts.consumers = consumerPaths(catalog, n, record);
  return facts;
}
