/**
 * Who must hear about an incident change, as notifications with
 * deterministic ids (incident, audience, channel, transition, sequence), so
 * that a retried job or a second replica producing the same change produces
 * the same ids and the notify queue delivers each once.
 *
 * - producer: the owning domain's channel, for every notified transition of
 *   the product's own incident (caused incidents tell their own producer).
 * - consumer: each affected consumer channel, once per channel per ROOT
 *   incident: `opened` the first time a channel is hurt by that root,
 *   `updated` when a later failure of the same root adds consumers, columns
 *   or products in it; lifecycle changes of the root (acknowledged, snoozed,
 *   unsnoozed, resolved) go to every channel the root has told.
 * - platform: `degraded` / `recovered` (see PlatformHealthStore).
 */
import type { Catalog } from '../catalog/catalog.js';
import { impactOf } from '../catalog/impact.js';
import type { IncidentChange, IncidentEngine, IncidentRecord } from '../state/incident-engine.js';
import type { HealthChange } from '../state/platform-health.js';
import { channelSlug, type Notification } from './notification.js';

const LIFECYCLE_TO_CONSUMERS = new Set(['acknowledged', 'snoozed', 'unsnoozed', 'resolved']);

function base(record: IncidentRecord, at: string) {
  return {
    type: 'notification' as const,
    product: record.product,
    rootCause: record.rootCause,
    at,
    checks: [...record.checks],
    ...(record.brokenColumns ? { brokenColumns: [...record.brokenColumns] } : {}),
  };
}

function operator(record: IncidentRecord, transition: string): { by?: string; until?: string } {
  if (transition === 'acknowledged' && record.acknowledgedBy) return { by: record.acknowledgedBy };
  if (transition === 'snoozed' && record.snoozedBy) return { by: record.snoozedBy, ...(record.snoozedUntil ? { until: record.snoozedUntil } : {}) };
  if (transition === 'unsnoozed' && record.unsnoozedBy) return { by: record.unsnoozedBy };
  if (transition === 'resolved' && record.resolvedBy) return { by: record.resolvedBy };
  return {};
}

export class NotificationPlanner {
  private readonly consumerById: ReadonlyMap<string, Catalog['config']['consumers'][number]>;

  constructor(
    private readonly catalog: Catalog,
    private readonly engine: IncidentEngine,
  ) {
    this.consumerById = new Map(catalog.config.consumers.map((c) => [c.id, c]));
  }

  /** The notifications one incident change calls for; channel records of the root are updated on the way. */
  async plan(change: IncidentChange, opId: string, at: string): Promise<Notification[]> {
    if (change.transition === 'seen') return [];
    const record = await this.engine.get(change.incident);
    if (!record) return [];
    const out: Notification[] = [];
    const transition = change.transition;
    const domain = this.catalog.domain(this.catalog.products.get(record.product)?.domain ?? '');
    const impact = this.catalog.products.has(record.product) ? impactOf(this.catalog, record.product, record.brokenColumns) : undefined;

    out.push({
      ...base(record, at),
      id: `${record.id}-producer-${transition}-${change.seq}`,
      incident: record.id,
      audience: 'producer',
      channel: domain?.slackChannel ?? null,
      transition,
      state: record.state,
      occurrences: record.occurrences,
      ...(impact
        ? { impact: { consumers: impact.consumers.length, products: impact.products.length, domains: [...impact.domains], businessUnits: [...impact.businessUnits] } }
        : {}),
      ...operator(record, transition),
    });

    const isRoot = record.root === record.id;
    if (transition === 'opened' || transition === 'updated') {
      out.push(...(await this.consumerMerge(record, change, opId, at)));
    } else if (isRoot && LIFECYCLE_TO_CONSUMERS.has(transition)) {
      for (const [channel, told] of await this.engine.channels(record.id)) {
        out.push({
          ...base(record, at),
          id: `${record.id}-consumer-${channelSlug(channel)}-${transition}-${change.seq}`,
          incident: record.id,
          audience: 'consumer',
          channel,
          transition,
          state: record.state,
          consumers: Object.entries(told.consumers).map(([id, columns]) => ({ id, columns: [...columns] })),
          columns: unionColumns(told.consumers),
          products: [...told.products],
          ...operator(record, transition),
        });
      }
    }
    return out;
  }

  private async consumerMerge(record: IncidentRecord, change: IncidentChange, opId: string, at: string): Promise<Notification[]> {
    const root = record.root === record.id ? record : await this.engine.get(record.root);
    if (!root || root.state === 'resolved') return [];
    const wanted = new Map<string, { consumers: Record<string, string[]>; products: string[]; adopt: boolean; folded: string[] }>();
    const want = (channel: string) => {
      let entry = wanted.get(channel);
      if (!entry) wanted.set(channel, (entry = { consumers: {}, products: [], adopt: false, folded: [] }));
      return entry;
    };

    // A re-link away from being its own root: its channels' messages now belong to the root's incident.
    if (change.previousRoot === record.id && root.id !== record.id) {
      for (const [channel, told] of await this.engine.channels(record.id)) {
        const entry = want(channel);
        Object.assign(entry.consumers, told.consumers);
        entry.products.push(...told.products);
        entry.adopt = true;
        entry.folded.push(record.id);
      }
    }

    if (this.catalog.products.has(record.product)) {
      const impact = impactOf(this.catalog, record.product, record.brokenColumns);
      for (const consumer of impact.consumers) {
        if (!consumer.channel) continue;
        const entry = want(consumer.channel);
        entry.consumers[consumer.id] = [...(consumer.columns ?? [])];
        if (!entry.products.includes(record.product)) entry.products.push(record.product);
      }
    }

    const out: Notification[] = [];
    for (const [channel, entry] of [...wanted.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const merged = await this.engine.mergeChannel(root.id, channel, entry.consumers, entry.products, `${opId}-${record.product}`, entry.adopt);
      if (merged.outcome === 'none') continue;
      const consumers = Object.entries(merged.consumers).map(([id, columns]) => {
        const c = this.consumerById.get(id);
        const domain = c ? this.catalog.domain(c.domain) : undefined;
        return { id, ...(c ? { domain: c.domain } : {}), ...(domain?.businessUnit ? { businessUnit: domain.businessUnit } : {}), columns: [...columns] };
      });
      out.push({
        ...base(root, at),
        id: `${root.id}-consumer-${channelSlug(channel)}-${merged.outcome}-${merged.seq}`,
        incident: root.id,
        audience: 'consumer',
        channel,
        transition: merged.outcome,
        state: root.state,
        consumers,
        columns: unionColumns(merged.consumers),
        products: [...merged.products],
        ...(entry.folded.length > 0 ? { folded: entry.folded } : {}),
      });
    }
    if (change.previousRoot === record.id && root.id !== record.id) await this.engine.clearChannels(record.id);
    return out;
  }

  platform(change: HealthChange, channel: string | undefined, at: string): Notification {
    return {
      type: 'notification',
      id: `platform-${change.transition}-${change.episode}`,
      incident: null,
      product: null,
      rootCause: null,
      audience: 'platform',
      channel: channel ?? null,
      transition: change.transition,
      at,
      ...(change.reason ? { reason: change.reason } : {}),
    };
  }
}

function unionColumns(consumers: Readonly<Record<string, readonly string[]>>): string[] {
  const all = new Set<string>();
  for (const columns of Object.values(consumers)) for (const c of columns) all.add(c);
  return [...all].sort();
}
