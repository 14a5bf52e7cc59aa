/**
 * Tier lineage: a product derived from a more restricted one usually has to
 * be at least as restricted, unless it aggregates the sensitive part away
 * (headcount by country from a salary table). A product less restricted than
 * one of its inputs is reported, unless its file says why
 * (`tierJustification`); `governance.tierLineage: error` makes that a
 * problem instead of a warning.
 *
 * A pass over every product and its inputs: linear, so an incremental reload
 * runs it whole instead of working out which products a tier change reaches.
 */
import type { ConfigProblem } from './errors.js';
import type { GovernanceSettings, Product, Tier } from './types.js';

export const TIER_RANK: Readonly<Record<Tier, number>> = { open: 0, limited: 1, restricted: 2 };

export interface TierLineageFinding {
  readonly product: Product;
  /** The inputs more restricted than the product, most restricted first. */
  readonly stricterInputs: ReadonlyArray<{ readonly id: string; readonly tier: Tier }>;
}

/** Products less restricted than an input, whether or not they give a justification. */
export function tierLineageFindings(products: Iterable<Product>, byId: ReadonlyMap<string, Product>): TierLineageFinding[] {
  const findings: TierLineageFinding[] = [];
  for (const product of products) {
    let stricter: Array<{ id: string; tier: Tier }> | undefined;
    for (const input of product.inputs) {
      const upstream = byId.get(input.product);
      if (upstream && TIER_RANK[upstream.tier] > TIER_RANK[product.tier]) (stricter ??= []).push({ id: upstream.id, tier: upstream.tier });
    }
    if (stricter) findings.push({ product, stricterInputs: stricter.sort((a, b) => TIER_RANK[b.tier] - TIER_RANK[a.tier]) });
  }
  return findings;
}

export function tierLineageMessage(finding: TierLineageFinding): string {
  const inputs = finding.stricterInputs.map((i) => `${i.id} (${i.tier})`).join(', ');
  return (
    `${finding.product.id} is ${finding.product.tier} but reads ${inputs}: make it ${finding.stricterInputs[0]!.tier}, ` +
    `or say why it may be ${finding.product.tier} in tierJustification (for example "aggregated by country, no person-level rows")`
  );
}

/** Unjustified findings become warnings, or problems under `tierLineage: error`. */
export function checkTierLineage(
  products: readonly Product[],
  byId: ReadonlyMap<string, Product>,
  governance: Pick<GovernanceSettings, 'tierLineage'> | undefined,
  problems: ConfigProblem[],
  warnings: ConfigProblem[],
): void {
  for (const finding of tierLineageFindings(products, byId)) {
    if (finding.product.tierJustification !== undefined) continue;
    const problem = { file: finding.product.file, path: 'tier', message: tierLineageMessage(finding) };
    if (governance?.tierLineage === 'error') problems.push(problem);
    else warnings.push(problem);
  }
}

/** The tier as people read it, with the justification when one is given: `limited (only customer_id, a pseudonymous key)`. */
export function describeTier(product: Pick<Product, 'tier' | 'tierJustification'>): string {
  return product.tierJustification ? `${product.tier} (${product.tierJustification})` : product.tier;
}
