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
import { escalationChannel } from './escalation.js';
import { channelSlug, type Notification } from './notification.js';

interface Wanted {
  consumers: Record<string, string[]>;
  products: string[];
  adopt: boolean;
  folded: string[];
}

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

  /** The notifications one incident change calls for. */
  async plan(change: IncidentChange, opId: string, at: string): Promise<Notification[]> {
    return this.planAll([change], opId, at);
  }

  /**
   * The notifications of several changes made together (one tick): what each
   * consumer channel must hear about one root is merged first and told once,
   * so a root opening and a product it causes (or re-links) in the same tick
   * make one message per channel, not one per product.
   */
  async planAll(changes: readonly IncidentChange[], opId: string, at: string): Promise<Notification[]> {
    const out: Notification[] = [];
    const wanted = new Map<string, Map<string, Wanted>>();
    const records = new Map<string, IncidentRecord>();
    const load = async (id: string) => {
      let record = records.get(id);
      if (!record) {
        record = await this.engine.get(id);
        if (record) records.set(id, record);
      }
      return record;
    };
    const folds: string[] = [];

    for (const change of changes) {
      if (change.transition === 'seen') continue;
      const record = await load(change.incident);
      if (!record) continue;
      const transition = change.transition;
      out.push(this.producer(record, transition, change.seq, at));
      if (transition === 'escalated') out.push(this.escalation(record, change.seq, at));
      const isRoot = record.root === record.id;
      if (transition === 'opened' || transition === 'updated') {
        const root = isRoot ? record : await load(record.root);
        if (!root || root.state === 'resolved') continue;
        let byChannel = wanted.get(root.id);
        if (!byChannel) wanted.set(root.id, (byChannel = new Map()));
        const want = (channel: string) => {
          let entry = byChannel!.get(channel);
          if (!entry) byChannel!.set(channel, (entry = { consumers: {}, products: [], adopt: false, folded: [] }));
          return entry;
        };
        // A re-link away from being its own root: its channels' messages now belong to the root's incident.
        if (change.previousRoot === record.id && !isRoot) {
          for (const [channel, told] of await this.engine.channels(record.id)) {
            const entry = want(channel);
            Object.assign(entry.consumers, told.consumers);
            for (const p of told.products) if (!entry.products.includes(p)) entry.products.push(p);
            entry.adopt = true;
            entry.folded.push(record.id);
          }
          folds.push(record.id);
        }
        if (this.catalog.products.has(record.product)) {
          for (const consumer of impactOf(this.catalog, record.product, record.brokenColumns).consumers) {
            if (!consumer.channel) continue;
            const entry = want(consumer.channel);
            entry.consumers[consumer.id] = [...new Set([...(entry.consumers[consumer.id] ?? []), ...(consumer.columns ?? [])])];
            if (!entry.products.includes(record.product)) entry.products.push(record.product);
          }
        }
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
            consumers: this.describeConsumers(told.consumers),
            columns: unionColumns(told.consumers),
            products: [...told.products],
            ...operator(record, transition),
          });
        }
      }
    }

    out.push(...(await this.tellChannels(wanted, records, opId, at)));
    for (const id of folds) await this.engine.clearChannels(id);
    return out;
  }

  /**
   * Consumers that joined (a Slack subscription) while incidents are open:
   * each open incident of `product` or of a product upstream of it that
   * reaches one of `consumerIds` tells the consumer's channel at once, as
   * the tick would have (`opened`, or `updated` when the channel already has
   * a message about that root incident).
   */
  async planConsumerJoin(consumerIds: readonly string[], product: string, opId: string, at: string): Promise<Notification[]> {
    const wanted = new Map<string, Map<string, Wanted>>();
    const records = new Map<string, IncidentRecord>();
    const joined = new Set(consumerIds);
    const seen = new Set<string>([product]);
    const queue = [product];
    while (queue.length > 0) {
      const current = queue.shift()!;
      for (const up of this.catalog.upstreamOf(current)) {
        if (seen.has(up)) continue;
        seen.add(up);
        queue.push(up);
      }
    }
    for (const id of [...seen].sort()) {
      const record = await this.engine.currentOf(id);
      if (!record || record.state === 'resolved' || !this.catalog.products.has(record.product)) continue;
      const root = record.root === record.id ? record : await this.engine.get(record.root);
      if (!root || root.state === 'resolved') continue;
      records.set(root.id, root);
      for (const consumer of impactOf(this.catalog, record.product, record.brokenColumns).consumers) {
        if (!joined.has(consumer.id) || !consumer.channel) continue;
        let byChannel = wanted.get(root.id);
        if (!byChannel) wanted.set(root.id, (byChannel = new Map()));
        let entry = byChannel.get(consumer.channel);
        if (!entry) byChannel.set(consumer.channel, (entry = { consumers: {}, products: [], adopt: false, folded: [] }));
        entry.consumers[consumer.id] = [...new Set([...(entry.consumers[consumer.id] ?? []), ...(consumer.columns ?? [])])];
        if (!entry.products.includes(record.product)) entry.products.push(record.product);
      }
    }
    return this.tellChannels(wanted, records, opId, at);
  }

  /** What each consumer channel must hear, merged into its root incident's record, as notifications. */
  private async tellChannels(wanted: Map<string, Map<string, Wanted>>, records: ReadonlyMap<string, IncidentRecord>, opId: string, at: string): Promise<Notification[]> {
    const out: Notification[] = [];
    for (const [rootId, byChannel] of wanted) {
      const root = records.get(rootId)!;
      for (const [channel, entry] of [...byChannel.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        const merged = await this.engine.mergeChannel(root.id, channel, entry.consumers, entry.products.sort(), opId, entry.adopt);
        if (merged.outcome === 'none') continue;
        out.push({
          ...base(root, at),
          id: `${root.id}-consumer-${channelSlug(channel)}-${merged.outcome}-${merged.seq}`,
          incident: root.id,
          audience: 'consumer',
          channel,
          transition: merged.outcome,
          state: root.state,
          consumers: this.describeConsumers(merged.consumers),
          columns: unionColumns(merged.consumers),
          products: [...merged.products],
          ...(entry.folded.length > 0 ? { folded: entry.folded } : {}),
        });
      }
    }
    return out;
  }

  private producer(record: IncidentRecord, transition: string, seq: number, at: string): Notification {
    const domain = this.catalog.domain(this.catalog.products.get(record.product)?.domain ?? '');
    const impact = this.catalog.products.has(record.product) ? impactOf(this.catalog, record.product, record.brokenColumns) : undefined;
    return {
      ...base(record, at),
      id: `${record.id}-producer-${transition}-${seq}`,
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
      ...((transition === 'reminder' || transition === 'escalated') && domain?.oncall ? { mention: domain.oncall } : {}),
    };
  }

  /**
   * An escalation to the producer business unit's escalation channel:
   * unacknowledged for `escalation.escalate`, naming the consumers it still
   * hurts (its impact now, column-aware, as the producer alert counts them).
   */
  private escalation(record: IncidentRecord, seq: number, at: string): Notification {
    const product = this.catalog.products.get(record.product);
    const domain = this.catalog.domain(product?.domain ?? '');
    const target = escalationChannel(this.catalog, record.product);
    const hurt = product ? impactOf(this.catalog, record.product, record.brokenColumns).consumers : [];
    const consumers: Record<string, string[]> = {};
    for (const c of hurt) consumers[c.id] = [...(c.columns ?? [])];
    const escalatedAt = record.escalatedAt ? Date.parse(record.escalatedAt) : Date.parse(at);
    return {
      ...base(record, at),
      id: `${record.id}-escalation-${channelSlug(target.channel)}-escalated-${seq}`,
      incident: record.id,
      audience: 'producer',
      channel: target.channel,
      transition: 'escalated',
      state: record.state,
      consumers: this.describeConsumers(consumers),
      ...(domain?.oncall ? { mention: domain.oncall } : {}),
      escalation: {
        ...(target.businessUnit ? { businessUnit: target.businessUnit } : {}),
        ...(target.unit?.lead ? { lead: target.unit.lead } : {}),
        unacknowledgedMs: escalatedAt - Date.parse(record.openedAt),
        ...(domain?.slackChannel ? { producerChannel: domain.slackChannel } : {}),
      },
    };
  }

  private describeConsumers(consumers: Readonly<Record<string, readonly string[]>>): NonNullable<Notification['consumers']> {
    return Object.entries(consumers)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, columns]) => {
        const c = this.consumerById.get(id) ?? this.catalog.extraConsumer(id);
        const domain = c ? this.catalog.domain(c.domain) : undefined;
        return { id, ...(c ? { domain: c.domain } : {}), ...(domain?.businessUnit ? { businessUnit: domain.businessUnit } : {}), columns: [...columns] };
      });
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
