/**
 * The mesh as indexes: domains, products, consumers and the lineage graph in
 * both directions. Built once per config load; impact queries read only the
 * affected part of the graph (see impact.ts).
 */
import { MeshwatchError } from '../core/errors.js';
import { nearest } from '../core/suggest.js';
import { columnKey, type Engine } from '../config/identifier.js';
import type { Consumer, Domain, MeshConfig, Product } from '../config/types.js';

/**
 * Columns something reads: comparison key (`Catalog.columnKey`, the engine's
 * identifier rules) → the name as declared. Undefined means all columns.
 */
export type ColumnSet = ReadonlyMap<string, string> | undefined;

/** A lineage edge seen from upstream: `product` reads `columns` of the upstream. */
export interface DownstreamEdge {
  readonly product: string;
  readonly columns: ColumnSet;
}

/** A consumer's use of one product. */
export interface ConsumerLink {
  readonly consumer: Consumer;
  readonly columns: ColumnSet;
}

/**
 * Where consumers come from. Config files are one source; Slack subscriptions
 * (stored in Redis) are another. A source answers per product, so impact
 * never scans all consumers.
 */
export interface ConsumerSource {
  consumersOf(productId: string): readonly ConsumerLink[];
}

export class UnknownProductError extends MeshwatchError {
  readonly suggestions: readonly string[];
  constructor(id: string, known: Iterable<string>) {
    const suggestions = nearest(id, known);
    const hint = suggestions.length > 0 ? ` (did you mean ${suggestions.join(', ')}?)` : '';
    super('UNKNOWN_PRODUCT', `unknown product "${id}"${hint}`, { origin: 'user' });
    this.suggestions = suggestions;
  }
}

export function columnSet(columns: readonly string[] | undefined, engine: Engine): ColumnSet {
  return columns === undefined ? undefined : new Map(columns.map((name) => [columnKey(name, engine), name]));
}

/** Consumers declared in config files, indexed by the products they use. */
export class StaticConsumerSource implements ConsumerSource {
  private readonly byProduct = new Map<string, ConsumerLink[]>();

  constructor(consumers: readonly Consumer[], engine: Engine) {
    for (const consumer of consumers) {
      for (const use of consumer.uses) {
        let links = this.byProduct.get(use.product);
        if (!links) this.byProduct.set(use.product, (links = []));
        links.push({ consumer, columns: columnSet(use.columns, engine) });
      }
    }
  }

  consumersOf(productId: string): readonly ConsumerLink[] {
    return this.byProduct.get(productId) ?? [];
  }
}

export class Catalog {
  readonly config: MeshConfig;
  /** Column names compare by this engine's identifier rules. */
  readonly engine: Engine;
  readonly domains: ReadonlyMap<string, Domain>;
  readonly products: ReadonlyMap<string, Product>;
  private readonly downstream = new Map<string, DownstreamEdge[]>();
  private readonly sources: ConsumerSource[];

  constructor(config: MeshConfig, extraSources: readonly ConsumerSource[] = []) {
    this.config = config;
    this.engine = config.workspace.warehouse.type;
    this.domains = new Map(config.workspace.domains.map((d) => [d.id, d]));
    this.products = new Map(config.products.map((p) => [p.id, p]));
    for (const product of config.products) {
      for (const input of product.inputs) {
        let edges = this.downstream.get(input.product);
        if (!edges) this.downstream.set(input.product, (edges = []));
        edges.push({ product: product.id, columns: columnSet(input.columns, this.engine) });
      }
    }
    this.sources = [new StaticConsumerSource(config.consumers, this.engine), ...extraSources];
  }

  /** Adds a source of consumers (Slack subscriptions) without rebuilding the catalog. */
  addConsumerSource(source: ConsumerSource): void {
    this.sources.push(source);
  }

  /** The comparison key of a column name (see ColumnSet). */
  columnKey(name: string): string {
    return columnKey(name, this.engine);
  }

  product(id: string): Product {
    const product = this.products.get(id);
    if (!product) throw new UnknownProductError(id, this.products.keys());
    return product;
  }

  domain(id: string): Domain | undefined {
    return this.domains.get(id);
  }

  downstreamOf(productId: string): readonly DownstreamEdge[] {
    return this.downstream.get(productId) ?? [];
  }

  upstreamOf(productId: string): readonly string[] {
    return this.products.get(productId)?.inputs.map((i) => i.product) ?? [];
  }

  consumersOf(productId: string): ConsumerLink[] {
    const links: ConsumerLink[] = [];
    for (const source of this.sources) links.push(...source.consumersOf(productId));
    return links;
  }

  /** Slack channel for a consumer's alerts: its own, else its domain's. */
  channelOf(consumer: Consumer): string | undefined {
    return consumer.slackChannel ?? this.domains.get(consumer.domain)?.slackChannel;
  }
}
