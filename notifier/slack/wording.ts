/**
 * Words and small pieces shared by the composers: times in the workspace's
 * zone, owners, what broke, paths, the status-page link.
 */
import type { Action } from './message.js';
import { SLACK_ACTIONS } from './actions.js';
import type { MessageFacts, ProductFacts } from './compose.js';

/** `09:14` (and `2026-03-01 09:14` in `since` for another day), in the workspace's time zone. */
export function parts(iso: string, timeZone: string): { day: string; clock: string } | undefined {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return undefined;
  const f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const get = (type: string) => f.formatToParts(d).find((p) => p.type === type)?.value ?? '';
  return { day: `${get('year')}-${get('month')}-${get('day')}`, clock: `${get('hour')}:${get('minute')}` };
}

export function time(iso: string | undefined, timeZone = 'UTC'): string {
  if (!iso) return '?';
  return parts(iso, timeZone)?.clock ?? iso;
}

export function since(iso: string | undefined, now: string, timeZone = 'UTC'): string {
  if (!iso) return '?';
  const at = parts(iso, timeZone);
  if (!at) return iso;
  return at.day === parts(now, timeZone)?.day ? at.clock : `${at.day} ${at.clock}`;
}

/** The zone's name after a time: `UTC`, `Europe/Berlin`. */
export function zone(timeZone: string | undefined): string {
  return timeZone ?? 'UTC';
}

export function productLabel(p: ProductFacts | undefined, fallback: string | null): string {
  return p?.id ?? fallback ?? 'unknown product';
}

export function owner(p: ProductFacts): string {
  return p.domain.businessUnit ? `${p.domain.name}, ${p.domain.businessUnit}` : p.domain.name;
}

/** "Vehicle Inventory · Automotive · tier open", the product's name first when it has its own. */
export function identity(p: ProductFacts): string {
  const name = p.name && p.name !== p.domain.name ? `${p.name} · ` : '';
  return `${name}${p.domain.name}${p.domain.businessUnit ? ` · ${p.domain.businessUnit}` : ''} · tier ${p.tier}`;
}

/** "is stale", "changed its schema", … from the failing checks. */
export function breakPhrase(checks: readonly string[]): string {
  const phrases: string[] = [];
  if (checks.includes('freshness')) phrases.push('is stale');
  if (checks.includes('table') || checks.includes('exists')) phrases.push('is missing');
  if (checks.includes('schema')) phrases.push('changed its schema');
  const contract = checks.filter((c) => c.startsWith('contract.'));
  if (contract.length === 1) phrases.push(`fails ${contract[0]}`);
  else if (contract.length > 1) phrases.push(`fails ${contract.length} contract checks`);
  const rest = checks.filter((c) => c !== 'freshness' && c !== 'schema' && c !== 'table' && c !== 'exists' && !c.startsWith('contract.'));
  if (rest.length > 0) phrases.push(`fails ${rest.join(', ')}`);
  if (phrases.length === 0) return 'is broken';
  return phrases.length === 1 ? phrases[0]! : `${phrases.slice(0, -1).join(', ')} and ${phrases[phrases.length - 1]}`;
}

/** A missing table fails every check at once: say that, not "stale, changed its schema and fails 5 contract checks". */
export function whatBroke(facts: MessageFacts, checks: readonly string[]): string {
  const f = facts.failures;
  if (f.length > 0 && f.every((x) => /^table .+ does not exist/.test(x.message))) return 'is missing (its table does not exist)';
  return breakPhrase(checks);
}

export function statusLink(facts: MessageFacts, productId: string | undefined): string | undefined {
  return facts.statusUrl && productId ? `${facts.statusUrl}/products/${encodeURIComponent(productId)}` : undefined;
}

export function statusButton(facts: MessageFacts, productId: string | undefined): Action[] {
  const url = statusLink(facts, productId);
  return url ? [{ id: SLACK_ACTIONS.openStatusPage, label: 'Open status page', url }] : [];
}
