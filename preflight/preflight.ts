/**
 * Preflight: who a change would break, before it ships. The changes between
 * a base config and the new one (diff.ts), each breaking one with the readers
 * it hurts in the new mesh (catalog/impact.ts: column-aware, with paths), and
 * whether the producer acknowledged it.
 *
 * The new config is loaded with its dangling reads collected instead of
 * failing (config/load.ts `loadConfigWithDangling`): a consumer still reading
 * a column the product dropped, or a product that is gone, is exactly what
 * this reports. A dangling read the base does not explain (a typo in a
 * consumer file, a column that never existed) stays a config problem.
 *
 * Removed and renamed products are put back into the new mesh for the impact
 * walk, so that their readers in the new config are found like any other.
 */
import { Catalog, type ConsumerSource } from '../catalog/catalog.js';
import { impactOf, type Impact } from '../catalog/impact.js';
import type { DanglingReference } from '../config/cross-file.js';
import { stillHolds } from '../config/dates.js';
import { ConfigError } from '../config/errors.js';
import { columnKey } from '../config/identifier.js';
import { tierLineageFindings, type TierLineageFinding } from '../config/tier-lineage.js';
import type { MeshConfig, Product, Tier } from '../config/types.js';
import { diffConfigs, type ProductChange } from './diff.js';

export interface Acknowledgement {
  readonly notice: string;
  readonly until: string;
  /** Where it is written: the product file, or meshwatch.yaml for a removed product. */
  readonly file: string;
  /** `until` has passed: the change is no longer acknowledged. */
  readonly expired: boolean;
}

export interface AssessedChange extends ProductChange {
  readonly domain: string;
  readonly businessUnit?: string | undefined;
  /** The product's file in the new config (the old one for removed products). */
  readonly file: string;
  /** Breaking changes only: who is hurt. */
  readonly impact?: Impact | undefined;
  /** Readers hurt in another domain than the product's. */
  readonly hurtElsewhere: number;
  readonly acknowledgement?: Acknowledgement | undefined;
  /** Breaking, hurts another domain, and not acknowledged: this makes preflight fail. */
  readonly blocking: boolean;
}

export interface TierLineageItem {
  readonly product: string;
  readonly tier: Tier;
  readonly file: string;
  readonly inputs: ReadonlyArray<{ readonly id: string; readonly tier: Tier }>;
  readonly justification?: string | undefined;
  /** Not in the base config: this change introduces it. */
  readonly new: boolean;
}

export interface PreflightReport {
  readonly breaking: readonly AssessedChange[];
  readonly notes: readonly AssessedChange[];
  /** Products less restricted than an input (those with a justification too, marked). */
  readonly tierLineage: readonly TierLineageItem[];
  readonly summary: {
    readonly breaking: number;
    readonly blocking: number;
    readonly acknowledged: number;
    readonly notes: number;
    /** Distinct readers hurt in other domains by blocking changes. */
    readonly consumersHurt: number;
    readonly productsHurt: number;
    readonly businessUnits: readonly string[];
    readonly domains: readonly string[];
  };
  /** 1 when a blocking change remains (unless allowed), else 0. */
  readonly exitCode: 0 | 1;
}

export interface PreflightInput {
  readonly base: MeshConfig;
  readonly next: MeshConfig;
  /** The new config's dangling reads (loadConfigWithDangling). */
  readonly dangling?: readonly DanglingReference[] | undefined;
  readonly now: Date;
  /** --allow-breaking: report as usual, exit 0. */
  readonly allowBreaking?: boolean | undefined;
  /**
   * Consumers beyond config files (Slack subscriptions in Redis) for the new
   * mesh: they count as readers like any consumer file.
   */
  readonly consumerSources?: readonly ConsumerSource[] | undefined;
}

/** Dangling reads the base config does not explain: they are config problems, not changes. */
export function unexplainedDangling(base: MeshConfig, next: MeshConfig, dangling: readonly DanglingReference[]): DanglingReference[] {
  const engine = next.workspace.warehouse.type;
  const baseById = new Map(base.products.map((p) => [p.id, p]));
  const nextIds = new Set(next.products.map((p) => p.id));
  return dangling.filter((d) => {
    const old = baseById.get(d.product);
    if (!old) return true;
    if (d.column === undefined) return nextIds.has(d.product);
    return !old.schema?.columns.some((c) => columnKey(c.name, engine) === columnKey(d.column!, engine));
  });
}

function acknowledgementOf(change: ProductChange, next: MeshConfig, nextProduct: Product | undefined, now: Date): Acknowledgement | undefined {
  const central = next.workspace.breakingChanges.filter((b) => b.product === change.product);
  const found = (ack: { notice: string; until: string } | undefined, file: string): Acknowledgement | undefined =>
    ack && { notice: ack.notice, until: ack.until, file, expired: !stillHolds(ack.until, now) };
  if (change.kind === 'product_removed' || change.kind === 'product_renamed') {
    return found(central.find((b) => b.column === undefined && b.change === undefined), 'meshwatch.yaml');
  }
  const engine = next.workspace.warehouse.type;
  type Entry = { column?: string | undefined; change?: string | undefined; notice: string; until: string };
  // The product's own file first; meshwatch.yaml for products without one (ODCS, dbt).
  const match = (acks: readonly Entry[]) =>
    (change.column !== undefined ? acks.find((b) => b.column !== undefined && columnKey(b.column, engine) === columnKey(change.column!, engine)) : undefined) ??
    acks.find((b) => b.change === change.kind);
  const own = nextProduct ? match(nextProduct.breakingChanges ?? []) : undefined;
  if (own && nextProduct) return found(own, nextProduct.file);
  return found(match(central), 'meshwatch.yaml');
}

export function runPreflight(input: PreflightInput): PreflightReport {
  const { base, next, now } = input;
  const unexplained = unexplainedDangling(base, next, input.dangling ?? []);
  if (unexplained.length > 0) throw new ConfigError(unexplained.map(({ file, path, message }) => ({ file, path, message })));

  const changes = diffConfigs(base, next);
  const nextById = new Map(next.products.map((p) => [p.id, p]));
  const nextIds = new Set(nextById.keys());
  const baseById = new Map(base.products.map((p) => [p.id, p]));
  // Gone products go back in, so the walk finds who in the new mesh still reads them.
  const gone = base.products.filter((p) => !nextIds.has(p.id));
  const mesh: MeshConfig = gone.length > 0 ? { ...next, products: [...next.products, ...gone] } : next;
  const catalog = new Catalog(mesh, input.consumerSources ?? []);

  const breaking: AssessedChange[] = [];
  const notes: AssessedChange[] = [];
  for (const change of changes) {
    const product = catalog.products.get(change.product) ?? baseById.get(change.product)!;
    const domain = product.domain;
    const businessUnit = catalog.domain(domain)?.businessUnit ?? base.workspace.domains.find((d) => d.id === domain)?.businessUnit;
    const common = { ...change, domain, businessUnit, file: product.file };
    if (!change.breaking) {
      notes.push({ ...common, hurtElsewhere: 0, blocking: false });
      continue;
    }
    const impact = impactOf(catalog, change.product, change.columns);
    const hurtElsewhere = impact.consumers.filter((c) => c.domain !== domain).length + impact.products.filter((p) => p.domain !== domain).length;
    const acknowledgement = acknowledgementOf(change, next, nextById.get(change.product), now);
    const acknowledged = acknowledgement !== undefined && !acknowledgement.expired;
    breaking.push({ ...common, impact, hurtElsewhere, acknowledgement, blocking: hurtElsewhere > 0 && !acknowledged });
  }

  const baseFindings = new Set(tierLineageFindings(base.products, baseById).map(findingKey));
  const tierLineage = tierLineageFindings(next.products, catalog.products).map(
    (f): TierLineageItem => ({
      product: f.product.id,
      tier: f.product.tier,
      file: f.product.file,
      inputs: f.stricterInputs,
      ...(f.product.tierJustification !== undefined ? { justification: f.product.tierJustification } : {}),
      new: !baseFindings.has(findingKey(f)),
    }),
  );

  const blocking = breaking.filter((c) => c.blocking);
  const consumers = new Set<string>();
  const products = new Set<string>();
  const units = new Set<string>();
  const domains = new Set<string>();
  for (const c of blocking) {
    for (const entry of [...c.impact!.consumers, ...c.impact!.products]) {
      if (entry.domain === c.domain) continue;
      domains.add(entry.domain);
      if (entry.businessUnit) units.add(entry.businessUnit);
    }
    for (const consumer of c.impact!.consumers) if (consumer.domain !== c.domain) consumers.add(consumer.id);
    for (const product of c.impact!.products) if (product.domain !== c.domain) products.add(product.id);
  }
  return {
    breaking,
    notes,
    tierLineage,
    summary: {
      breaking: breaking.length,
      blocking: blocking.length,
      acknowledged: breaking.filter((c) => c.acknowledgement && !c.acknowledgement.expired).length,
      notes: notes.length,
      consumersHurt: consumers.size,
      productsHurt: products.size,
      businessUnits: [...units].sort(),
      domains: [...domains].sort(),
    },
    exitCode: blocking.length > 0 && !input.allowBreaking ? 1 : 0,
  };
}

const findingKey = (f: TierLineageFinding) => `${f.product.id}\u0000${f.product.tier}\u0000${f.stricterInputs.map((i) => `${i.id}:${i.tier}`).join(',')}`;
