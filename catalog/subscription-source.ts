/**
 * Slack subscriptions as a consumer source of the catalog: one consumer per
 * subscribing channel (`slack.<channel name>`), using every product that
 * channel subscribed to. The subscriptions themselves live in Redis
 * (state/subscriptions.ts); this is the in-memory index impact reads, so
 * `consumersOf` stays synchronous and per product like the config source.
 */
import type { Engine } from '../config/identifier.js';
import type { Consumer } from '../config/types.js';
import { columnSet, type ConsumerLink, type ConsumerSource } from './catalog.js';

/** One channel's subscription to one product, as stored. */
export interface Subscription {
  /** `slack.<channel name>`. */
  readonly consumer: string;
  readonly domain: string;
  /** Where its alerts go: the channel as config spells it when config knows it, else `#name`. */
  readonly channel: string;
  readonly channelId: string;
  readonly channelName: string;
  readonly product: string;
  /** Columns read; empty means every column. */
  readonly columns: readonly string[];
  /** Who subscribed (`<@U…>`). */
  readonly requestedBy: string;
  readonly at: string;
  /** Restricted products: the approval that allowed it. */
  readonly approval?: { readonly request: string; readonly decidedBy: string; readonly decidedAt: string } | undefined;
}

export const SUBSCRIPTION_SOURCE = 'slack';

/** The consumer id of a channel: `slack.` and its name, with what ids cannot hold replaced. */
export function subscriberId(channelName: string): string {
  return `slack.${channelName.replace(/^#/, '').toLowerCase().replace(/[^a-z0-9_-]/g, '-')}`;
}

/** Groups subscriptions into consumers, one per subscribing channel, sorted by id. */
export function subscriptionConsumers(subscriptions: readonly Subscription[]): Consumer[] {
  const byId = new Map<string, { domain: string; channel: string; uses: Array<{ product: string; columns?: string[] }> }>();
  for (const s of [...subscriptions].sort((a, b) => a.consumer.localeCompare(b.consumer) || a.product.localeCompare(b.product))) {
    let entry = byId.get(s.consumer);
    if (!entry) byId.set(s.consumer, (entry = { domain: s.domain, channel: s.channel, uses: [] }));
    entry.uses.push(s.columns.length > 0 ? { product: s.product, columns: [...s.columns] } : { product: s.product });
  }
  return [...byId.entries()].map(([id, e]) => ({ id, domain: e.domain, slackChannel: e.channel, uses: e.uses, source: SUBSCRIPTION_SOURCE }));
}

export class SubscriptionSource implements ConsumerSource {
  private byProduct = new Map<string, ConsumerLink[]>();
  private byId = new Map<string, Consumer>();
  private all: readonly Subscription[] = [];

  constructor(private readonly engine: Engine) {}

  /** Replaces the whole index (a few thousand subscriptions at most: cheap, and never half-updated). */
  replace(subscriptions: readonly Subscription[]): void {
    const byProduct = new Map<string, ConsumerLink[]>();
    const byId = new Map<string, Consumer>();
    for (const consumer of subscriptionConsumers(subscriptions)) {
      byId.set(consumer.id, consumer);
      for (const use of consumer.uses) {
        let links = byProduct.get(use.product);
        if (!links) byProduct.set(use.product, (links = []));
        links.push({ consumer, columns: columnSet(use.columns, this.engine) });
      }
    }
    this.byProduct = byProduct;
    this.byId = byId;
    this.all = [...subscriptions];
  }

  consumersOf(productId: string): readonly ConsumerLink[] {
    return this.byProduct.get(productId) ?? [];
  }

  consumer(id: string): Consumer | undefined {
    return this.byId.get(id);
  }

  subscriptions(): readonly Subscription[] {
    return this.all;
  }
}
