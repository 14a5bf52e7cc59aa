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
  /** The consumer with this id, when the source has it (naming consumers in messages). */
  consumer?(id: string): Consumer | undefined;
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
  private readonly byProduct: Map<string, ConsumerLink[]>;

  /** With `base`, starts from its index (shared, copy on write) instead of building one. */
  constructor(consumers: readonly Consumer[], engine: Engine, base?: StaticConsumerSource) {
    if (base) {
      this.byProduct = new Map(base.byProduct);
      return;
    }
    this.byProduct = new Map();
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

  /**
   * Replaces the consumers of one config file. Links stay in the order a
   * full build gives (by file, then position in it): a file's links are
   * contiguous in every list, so the new ones go where the file sorts.
   */
  replaceFile(file: string, removed: readonly Consumer[], added: readonly Consumer[], engine: Engine): void {
    const touched = new Set<string>();
    for (const consumer of removed) for (const use of consumer.uses) touched.add(use.product);
    const fresh = new Map<string, ConsumerLink[]>();
    for (const consumer of added) {
      for (const use of consumer.uses) {
        touched.add(use.product);
        let links = fresh.get(use.product);
        if (!links) fresh.set(use.product, (links = []));
        links.push({ consumer, columns: columnSet(use.columns, engine) });
      }
    }
    for (const productId of touched) {
      const kept = (this.byProduct.get(productId) ?? []).filter((link) => link.consumer.source !== file);
      const at = kept.findIndex((link) => link.consumer.source > file);
      const links = [...kept];
      links.splice(at === -1 ? links.length : at, 0, ...(fresh.get(productId) ?? []));
      if (links.length === 0) this.byProduct.delete(productId);
      else this.byProduct.set(productId, links);
    }
  }
}

/** What changed between two configs with the same workspace: products and consumer files replaced. */
export interface CatalogChange {
  /** Products no longer in the config, or replaced (the old objects). */
  readonly removedProducts: readonly Product[];
  /** Products new to the config, or replacing one (the new objects). */
  readonly addedProducts: readonly Product[];
  /** Consumer files whose consumers were replaced: the old and the new consumers of each. */
  readonly consumerFiles: ReadonlyArray<{ readonly file: string; readonly removed: readonly Consumer[]; readonly added: readonly Consumer[] }>;
}

export class Catalog {
  readonly config: MeshConfig;
  /** Column names compare by this engine's identifier rules. */
  readonly engine: Engine;
  readonly domains: ReadonlyMap<string, Domain>;
  readonly products: ReadonlyMap<string, Product>;
  private readonly downstream: Map<string, DownstreamEdge[]>;
  private readonly staticConsumers: StaticConsumerSource;
  private readonly sources: ConsumerSource[];

  constructor(config: MeshConfig, extraSources: readonly ConsumerSource[] = []) {
    this.config = config;
    this.engine = config.workspace.warehouse.type;
    this.domains = new Map(config.workspace.domains.map((d) => [d.id, d]));
    this.products = new Map(config.products.map((p) => [p.id, p]));
    this.downstream = new Map();
    for (const product of config.products) {
      for (const input of product.inputs) {
        let edges = this.downstream.get(input.product);
        if (!edges) this.downstream.set(input.product, (edges = []));
        edges.push({ product: product.id, columns: columnSet(input.columns, this.engine) });
      }
    }
    this.staticConsumers = new StaticConsumerSource(config.consumers, this.engine);
    this.sources = [this.staticConsumers, ...extraSources];
  }

  /**
   * A catalog for `config`, which differs from `base.config` only by
   * `change` (same workspace), built by patching `base`'s indexes (shallow
   * copies, the touched lists rebuilt) instead of indexing the whole mesh:
   * the result is the one `new Catalog(config)` gives, in the same order.
   * `base` stays valid and unchanged. Consumer sources added to `base`
   * (Slack subscriptions) carry over.
   */
  static patched(base: Catalog, config: MeshConfig, change: CatalogChange): Catalog {
    const catalog = Object.create(Catalog.prototype) as Catalog;
    const engine = base.engine;
    // Rebuilt rather than patched, to keep a full build's order (a few ms at 60,000 products).
    const products = new Map(config.products.map((p) => [p.id, p]));

    const downstream = new Map(base.downstream);
    const removedIds = new Set(change.removedProducts.map((p) => p.id));
    const touched = new Set<string>();
    for (const product of change.removedProducts) for (const input of product.inputs) touched.add(input.product);
    const fresh = new Map<string, Array<{ file: string; edge: DownstreamEdge }>>();
    for (const product of change.addedProducts) {
      for (const input of product.inputs) {
        touched.add(input.product);
        let edges = fresh.get(input.product);
        if (!edges) fresh.set(input.product, (edges = []));
        edges.push({ file: product.file, edge: { product: product.id, columns: columnSet(input.columns, engine) } });
      }
    }
    const fileOf = (id: string) => products.get(id)?.file ?? '';
    for (const upstream of touched) {
      // A product's edges are contiguous and ordered by product file, as a full build makes them.
      const edges = (downstream.get(upstream) ?? []).filter((edge) => !removedIds.has(edge.product));
      for (const { file, edge } of fresh.get(upstream) ?? []) {
        const at = edges.findIndex((e) => fileOf(e.product) > file);
        if (at === -1) edges.push(edge);
        else edges.splice(at, 0, edge);
      }
      if (edges.length === 0) downstream.delete(upstream);
      else downstream.set(upstream, edges);
    }

    // Never changed after construction unless a consumer file changed: shared with `base` otherwise.
    let staticConsumers = base.staticConsumers;
    if (change.consumerFiles.length > 0) {
      staticConsumers = new StaticConsumerSource([], engine, base.staticConsumers);
      for (const { file, removed, added } of change.consumerFiles) staticConsumers.replaceFile(file, removed, added, engine);
    }

    const fields: Record<string, unknown> = {
      config,
      engine,
      domains: base.domains,
      products,
      downstream,
      staticConsumers,
      sources: [staticConsumers, ...base.sources.slice(1)],
    };
    return Object.assign(catalog, fields);
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

  /** Consumers of a product declared in config files only (not subscriptions). */
  configConsumersOf(productId: string): readonly ConsumerLink[] {
    return this.staticConsumers.consumersOf(productId);
  }

  /** The consumer sources beyond config files (Slack subscriptions), for a rebuilt catalog to keep. */
  extraConsumerSources(): readonly ConsumerSource[] {
    return this.sources.slice(1);
  }

  /** A consumer of the sources beyond config files (Slack subscriptions) by id; config consumers are in `config.consumers`. */
  extraConsumer(id: string): Consumer | undefined {
    for (const source of this.sources.slice(1)) {
      const found = source.consumer?.(id);
      if (found) return found;
    }
    return undefined;
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
