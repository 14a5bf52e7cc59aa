/**
 * The rules that span files: ids unique, references resolve, columns exist in
 * declared schemas, engine fit, lineage acyclic. A full load checks every
 * product and consumer; an incremental reload (catalog/mesh-loader.ts) runs
 * the SAME functions with a `scope` naming only the products and consumers a
 * change can affect, and falls back to the full run as soon as the scoped run
 * finds anything, so that problems are always those (and in the order) of a
 * full load.
 */
import { didYouMean } from '../core/suggest.js';
import { findCycles } from './cycles.js';
import { ENGINE_CAPABILITIES } from './engines.js';
import type { ConfigProblem } from './errors.js';
import { columnKey, formatTableRef, type Engine } from './identifier.js';
import type { Consumer, Product, Workspace } from './types.js';
import { WORKSPACE_FILE } from './discover.js';
import { stillHolds } from './dates.js';

/**
 * A read of something the config no longer declares: a column a product
 * dropped from its schema, or a product that is gone. Preflight collects
 * these instead of failing (they are the breaking changes it reports).
 */
export interface DanglingReference {
  readonly file: string;
  readonly path: string;
  readonly reader: { readonly kind: 'consumer' | 'product'; readonly id: string };
  readonly product: string;
  /** Undefined: the product itself is unknown. */
  readonly column?: string | undefined;
  readonly message: string;
}

/**
 * Where dangling reads go besides problems. An acknowledged breaking change
 * (the product's `breakingChanges`, or meshwatch.yaml's for a removed
 * product) makes them `warnings` until its `until`, judged by `now`; with
 * `dangling`, every other one is collected there instead of being a problem.
 */
export interface ReferenceOptions {
  readonly now?: Date | undefined;
  readonly warnings?: ConfigProblem[] | undefined;
  readonly dangling?: DanglingReference[] | undefined;
}


/**
 * Where each consumer sits in its file, for problem paths like
 * `consumers[2].uses[0]`: found only when a problem is reported (consumers
 * of one file are contiguous and in file order), so that valid loads pay
 * nothing for it.
 */
function positionFinder(consumers: readonly Consumer[]): (consumer: Consumer) => number {
  let positions: Map<Consumer, number> | undefined;
  return (consumer) => {
    if (!positions) {
      positions = new Map();
      const counts = new Map<string, number>();
      for (const c of consumers) {
        const n = counts.get(c.source) ?? 0;
        positions.set(c, n);
        counts.set(c.source, n + 1);
      }
    }
    return positions.get(consumer) ?? 0;
  };
}

/**
 * Only these products and consumers get the per-entity rules; cycles are
 * looked for through `products` only. Duplicates are given as facts about
 * the whole new config, which the caller keeps indexes for.
 */
export interface CheckScope {
  readonly products: ReadonlySet<Product>;
  readonly consumers: ReadonlySet<Consumer>;
  /** The new config's products by id (fewer entries than products: some id is duplicated). */
  readonly byId: ReadonlyMap<string, Product>;
  /** Some consumer id is declared twice in the new config. */
  readonly duplicateConsumer: boolean;
}

export function checkDomains(file: string, domains: Workspace['domains'], problems: ConfigProblem[], businessUnits?: Workspace['businessUnits']): void {
  const seen = new Map<string, number>();
  domains.forEach((domain, i) => {
    const first = seen.get(domain.id);
    if (first !== undefined) {
      problems.push({ file, path: `domains[${i}].id`, message: `duplicate domain id "${domain.id}" (also at domains[${first}])` });
    } else seen.set(domain.id, i);
  });
  // Without a businessUnits section, any name goes (the names only group domains);
  // with one, a name it lacks is a typo that would send escalations nowhere.
  if (businessUnits === undefined) return;
  const names = new Map<string, number>();
  businessUnits.forEach((unit, i) => {
    const first = names.get(unit.name);
    if (first !== undefined) problems.push({ file, path: `businessUnits[${i}].name`, message: `duplicate business unit "${unit.name}" (also at businessUnits[${first}])` });
    else names.set(unit.name, i);
  });
  domains.forEach((domain, i) => {
    if (domain.businessUnit !== undefined && !names.has(domain.businessUnit)) {
      problems.push({
        file,
        path: `domains[${i}].businessUnit`,
        message: `unknown business unit "${domain.businessUnit}"${didYouMean(domain.businessUnit, names.keys())}; business units: ${[...names.keys()].join(', ') || '(none)'}`,
      });
    }
  });
}

/** Rules that depend on the configured warehouse engine. */
export function checkWarehouseFit(workspace: Workspace, products: Iterable<Product>, problems: ConfigProblem[], workspaceFile = WORKSPACE_FILE): void {
  const { warehouse } = workspace;
  for (const product of products) {
    if (product.freshness && product.freshness.column === undefined && !ENGINE_CAPABILITIES[warehouse.type].lastModified) {
      problems.push({
        file: product.file,
        path: 'freshness.column',
        message: `${product.id}: ${warehouse.type} records no last-modified time; declare the timestamp column that freshness should read`,
      });
    }
    if (warehouse.type === 'snowflake' && product.table.database === undefined && warehouse.database === undefined) {
      problems.push({
        file: product.file,
        path: 'table',
        message: `${formatTableRef(product.table)} names no database: write DB.SCHEMA.TABLE or set warehouse.database in ${workspaceFile}`,
      });
    }
  }
}

/**
 * Declared columns of products (comparison key → name; undefined when a
 * product declares no schema), computed when first asked for. A reload keeps
 * one cache for its unchanged product objects, so it never rebuilds 60,000
 * of these; it drops the entries of products it replaces.
 */
export class DeclaredColumns {
  private readonly cache = new Map<Product, Map<string, string> | undefined>();
  constructor(readonly engine: Engine) {}

  of(product: Product): Map<string, string> | undefined {
    if (this.cache.has(product)) return this.cache.get(product);
    const columns = product.schema ? new Map(product.schema.columns.map((c) => [columnKey(c.name, this.engine), c.name])) : undefined;
    this.cache.set(product, columns);
    return columns;
  }

  forget(product: Product): void {
    this.cache.delete(product);
  }
}

export interface ReferenceContext {
  readonly workspace: Workspace | undefined;
  readonly products: readonly Product[];
  readonly consumers: readonly Consumer[];
  readonly invalidProductIds: ReadonlySet<string>;
}

/** Cross-file references. With a scope, duplicates are still found over everything (cheap); the rest only for the scope. */
export function checkReferences(
  context: ReferenceContext,
  problems: ConfigProblem[],
  scope?: CheckScope,
  cache?: DeclaredColumns,
  options: ReferenceOptions = {},
): void {
  const { workspace, products, consumers, invalidProductIds } = context;
  const now = options.now ?? new Date();
  const consumerPosition = positionFinder(consumers);
  const consumerPath = (consumer: Consumer, rest: string) => `consumers[${consumerPosition(consumer)}].${rest}`;
  let byId: ReadonlyMap<string, Product>;
  if (scope) {
    byId = scope.byId;
    // The full pass names them; here it is enough to know.
    if (byId.size !== products.length || scope.duplicateConsumer) problems.push({ file: '', path: 'id', message: 'duplicate id' });
  } else {
    const ids = new Map<string, Product>();
    for (const product of products) {
      const first = ids.get(product.id);
      if (first) problems.push({ file: product.file, path: 'id', message: `duplicate product id "${product.id}" (also in ${first.file})` });
      else ids.set(product.id, product);
    }
    byId = ids;
    const consumerFiles = new Map<string, string>();
    for (const consumer of consumers) {
      const first = consumerFiles.get(consumer.id);
      if (first !== undefined) {
        problems.push({ file: consumer.source, path: consumerPath(consumer, 'id'), message: `duplicate consumer id "${consumer.id}" (also in ${first})` });
      } else consumerFiles.set(consumer.id, consumer.source);
    }
  }

  const domainIds = workspace ? new Set(workspace.domains.map((d) => d.id)) : undefined;
  const unknownDomain = (id: string) => domainIds !== undefined && !domainIds.has(id);
  const productIds = () => byId.keys();

  const engine = workspace?.warehouse.type ?? 'duckdb';
  const key = (name: string) => columnKey(name, engine);
  const declared = cache && cache.engine === engine ? cache : new DeclaredColumns(engine);
  const declaredOf = (id: string) => {
    const product = byId.get(id);
    return product ? declared.of(product) : undefined;
  };

  type Reader = DanglingReference['reader'];
  /** A dangling read: a warning when acknowledged and not expired, collected for preflight, or a problem. */
  const dangling = (problem: ConfigProblem, reader: Reader, productId: string, column: string | undefined) => {
    const ack = acknowledgement(productId, column);
    if (ack && stillHolds(ack.until, now) && options.warnings) {
      options.warnings.push({ ...problem, message: `${problem.message}; acknowledged breaking change until ${ack.until}: ${ack.notice}` });
    } else if (options.dangling) {
      options.dangling.push({ ...problem, reader, product: productId, column });
    } else problems.push(problem);
  };
  const acknowledgement = (productId: string, column: string | undefined): { until: string; notice: string } | undefined => {
    const central = workspace?.breakingChanges.filter((b) => b.product === productId);
    if (column === undefined) return central?.find((b) => b.column === undefined && b.change === undefined);
    const sameColumn = (b: { column?: string | undefined }) => b.column !== undefined && key(b.column) === key(column);
    return byId.get(productId)?.breakingChanges?.find(sameColumn) ?? central?.find(sameColumn);
  };

  const checkColumns = (file: string, at: string | (() => string), productId: string, columns: readonly string[] | undefined, reader: Reader, suffix = '') => {
    const known = declaredOf(productId);
    if (!known || !columns) return;
    columns.forEach((column, i) => {
      if (!known.has(key(column))) {
        const where = typeof at === 'string' ? at : at();
        dangling(
          { file, path: `${where}${suffix}[${i}]`, message: `${productId} has no column "${column}" in its declared schema${didYouMean(column, [...known.values()])}` },
          reader,
          productId,
          column,
        );
      }
    });
  };

  for (const product of scope ? scope.products : products) {
    if (unknownDomain(product.domain)) {
      problems.push({ file: product.file, path: 'domain', message: `unknown domain "${product.domain}"${didYouMean(product.domain, domainIds ?? [])}` });
    }
    const reader: Reader = { kind: 'product', id: product.id };
    product.inputs.forEach((input, i) => {
      if (invalidProductIds.has(input.product)) return;
      if (!byId.has(input.product)) {
        const problem = { file: product.file, path: `inputs[${i}]`, message: `unknown product "${input.product}"${didYouMean(input.product, [...productIds()])}` };
        dangling(problem, reader, input.product, undefined);
      } else checkColumns(product.file, `inputs[${i}].columns`, input.product, input.columns, reader);
    });
    checkDuplicates(product, key, engine, problems);
    const known = declared.of(product);
    if (product.freshness?.column) {
      if (known && !known.has(key(product.freshness.column))) {
        problems.push({ file: product.file, path: 'freshness.column', message: `column "${product.freshness.column}" is not in schema.columns` });
      }
    }
    // Contract rules' columns are checked with the rules themselves (contract-rules.ts).
  }

  for (const consumer of scope ? scope.consumers : consumers) {
    if (unknownDomain(consumer.domain)) {
      problems.push({
        file: consumer.source,
        path: consumerPath(consumer, 'domain'),
        message: `unknown domain "${consumer.domain}"${didYouMean(consumer.domain, domainIds ?? [])}`,
      });
    }
    consumer.uses.forEach((use, i) => {
      // Built only when a problem is found: the position lookup costs a map of every consumer.
      const at = () => consumerPath(consumer, `uses[${i}]`);
      if (invalidProductIds.has(use.product)) return;
      const reader: Reader = { kind: 'consumer', id: consumer.id };
      if (!byId.has(use.product)) {
        const problem = { file: consumer.source, path: at(), message: `unknown product "${use.product}"${didYouMean(use.product, [...productIds()])}` };
        dangling(problem, reader, use.product, undefined);
      } else checkColumns(consumer.source, at, use.product, use.columns, reader, '.columns');
    });
  }

  if (scope) {
    if (hasCycleThrough(byId, scope.products)) problems.push({ file: '', path: 'inputs', message: 'lineage cycle' });
    return;
  }
  for (const cycle of findCycles(products)) {
    const first = byId.get(cycle[0]!)!;
    problems.push({ file: first.file, path: 'inputs', message: `lineage cycle: ${cycle.join(' → ')}` });
  }
}

/**
 * A column declared twice in a product's schema (by the engine's rules:
 * `order_id` and `ORDER_ID` are one column on DuckDB): it would give two
 * results under one check id.
 */
function checkDuplicates(product: Product, key: (name: string) => string, engine: Engine, problems: ConfigProblem[]): void {
  /** Reports every name whose key was seen before in `names`; `message` gets the name and the first one's index. */
  const list = (names: readonly string[], label: (i: number) => string, message: (name: string, first: number) => string) => {
    const seen = new Map<string, number>();
    names.forEach((name, i) => {
      const k = key(name);
      const first = seen.get(k);
      if (first === undefined) seen.set(k, i);
      else problems.push({ file: product.file, path: label(i), message: message(name, first) });
    });
  };
  if (product.schema) {
    const columns = product.schema.columns.map((c) => c.name);
    list(columns, (i) => `schema.columns[${i}].name`, (name, first) =>
      `duplicate column "${name}": the same column as "${columns[first]}" at schema.columns[${first}] (by ${engine}'s rules for names)`);
  }
  // Rules named twice are found with the rules themselves (contract-rules.ts).
}

/**
 * Whether a lineage cycle passes through one of `starts`. When the previous
 * config was acyclic and only `starts` changed their inputs, every new cycle
 * passes through one of them, so this finds out without walking the mesh.
 */
function hasCycleThrough(byId: ReadonlyMap<string, Product>, starts: Iterable<Product>): boolean {
  for (const start of starts) {
    const seen = new Set<string>();
    const stack = start.inputs.map((i) => i.product);
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (id === start.id) return true;
      if (seen.has(id)) continue;
      seen.add(id);
      const product = byId.get(id);
      if (product) for (const input of product.inputs) stack.push(input.product);
    }
  }
  return false;
}
