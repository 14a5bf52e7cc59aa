/**
 * The escalation policy of a product (its domain's `escalation` over the
 * workspace's) and where an escalation goes: the producer business unit's
 * `escalationChannel`, else the platform channel, else the producer's own
 * channel, so that an escalation is never silently dropped for want of a
 * business-unit entry.
 */
import type { Catalog } from '../catalog/catalog.js';
import type { BusinessUnit } from '../config/types.js';
import type { EscalationPolicy } from '../state/incident-engine.js';

export function escalationPolicyFor(catalog: Catalog, product: string): EscalationPolicy {
  const { escalation } = catalog.config.workspace;
  const domainId = catalog.products.get(product)?.domain;
  const override = domainId ? catalog.domain(domainId)?.escalation : undefined;
  const remindMs = override?.remind?.ms ?? escalation.remindMs;
  const escalate = override?.escalate;
  const escalateMs = escalate === undefined ? escalation.escalateMs : escalate === 'off' ? undefined : escalate.ms;
  return { remindMs, ...(escalateMs !== undefined ? { escalateMs } : {}) };
}

export function businessUnit(catalog: Catalog, name: string | undefined): BusinessUnit | undefined {
  return name === undefined ? undefined : catalog.config.workspace.businessUnits.find((u) => u.name === name);
}

export function escalationChannel(catalog: Catalog, product: string): { channel: string | null; unit?: BusinessUnit | undefined; businessUnit?: string | undefined } {
  const domain = catalog.domain(catalog.products.get(product)?.domain ?? '');
  const unit = businessUnit(catalog, domain?.businessUnit);
  const channel = unit?.escalationChannel ?? catalog.config.workspace.platform.slackChannel ?? domain?.slackChannel ?? null;
  return { channel, unit, businessUnit: domain?.businessUnit };
}
