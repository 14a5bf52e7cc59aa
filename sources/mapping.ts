/**
 * The mapping rules every source shares: ids, identifiers, durations,
 * severities, tiers and thresholds. Each format's mapper turns its own
 * vocabulary into these calls, so ODCS and dbt agree on what a rule means.
 */
import { parseDuration } from '../config/duration.js';
import { dateSchema } from '../config/schema.js';
import type { Severity, Threshold } from './model.js';

const ID_PART = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** One part of a meshwatch id (domain, product name): other characters become `-`. */
export function idPart(text: string): string {
  if (ID_PART.test(text)) return text;
  const slug = text.trim().replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^[-_]+|-+$/g, '');
  return slug === '' ? 'unnamed' : slug;
}

const UNQUOTED = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** A warehouse name as config writes it: plain when it can be, in double quotes otherwise. */
export function identifier(name: string): string {
  return UNQUOTED.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

export function tableName(parts: readonly (string | undefined)[]): string {
  return parts.filter((p): p is string => p !== undefined && p !== '').map(identifier).join('.');
}

const UNIT_MS: ReadonlyArray<[RegExp, number]> = [
  [/^(ms|millis(econds?)?)$/, 1],
  [/^(s|secs?|seconds?)$/, 1_000],
  [/^(m|mins?|minutes?)$/, 60_000],
  [/^(h|hrs?|hours?)$/, 3_600_000],
  [/^(d|days?)$/, 86_400_000],
  [/^(w|wks?|weeks?)$/, 604_800_000],
  [/^(mo|months?)$/, 30 * 86_400_000],
  [/^(y|yrs?|years?)$/, 365 * 86_400_000],
];

const ISO = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i;

/**
 * An SLA value and unit in any of the spellings seen in real contracts
 * (`24` + `h`, `4` + `d`, `500ms`, `P1Y`, `90 days`) → milliseconds.
 */
export function durationMs(value: unknown, unit?: string): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    const u = (unit ?? '').trim().toLowerCase();
    const factor = UNIT_MS.find(([re]) => re.test(u))?.[1];
    return factor === undefined ? undefined : value * factor;
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const iso = ISO.exec(text);
  if (iso && text.length > 1 && text !== 'PT') {
    const [y, mo, w, d, h, m, s] = iso.slice(1).map((n) => Number(n ?? 0)) as [number, number, number, number, number, number, number];
    const ms = (((y * 365 + mo * 30 + w * 7 + d) * 24 + h) * 60 + m) * 60_000 + s * 1_000;
    return ms > 0 ? ms : undefined;
  }
  const compact = parseDuration(text);
  if (compact !== undefined) return compact;
  const spaced = /^(\d+(?:\.\d+)?)\s*([A-Za-z]+)$/.exec(text);
  if (spaced) return durationMs(Number(spaced[1]), spaced[2]);
  if (/^\d+(\.\d+)?$/.test(text)) return durationMs(Number(text), unit);
  return undefined;
}

/** Milliseconds → meshwatch's duration text (`1d`, `24h`, `90m`, `500ms`), the largest exact unit. */
export function durationText(ms: number): string {
  const units: Array<[string, number]> = [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]];
  for (const [unit, size] of units) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${Math.max(1, Math.round(ms))}ms`;
}

/** Severities in the words sources use; unknown words fail (the safe side), undefined stays default. */
export function severity(text: unknown): Severity | undefined {
  if (typeof text !== 'string') return undefined;
  const t = text.trim().toLowerCase();
  if (['warn', 'warning', 'info', 'low', 'minor'].includes(t)) return 'warn';
  return undefined;
}

/** Adds `severity: warn` only when it is not the default, so mapped rules stay in their plain form. */
export function withSeverity<T extends object>(rule: T, level: Severity | undefined): T & { severity?: Severity } {
  return level === 'warn' ? { ...rule, severity: 'warn' } : rule;
}

export type Bound = { min?: number; max?: number };

/** A comparison of a count with a number, in ODCS's operator words. */
export type Comparison =
  | { op: 'mustBe' | 'mustNotBe' | 'mustBeGreaterThan' | 'mustBeGreaterOrEqualTo' | 'mustBeLessThan' | 'mustBeLessOrEqualTo'; value: number }
  | { op: 'mustBeBetween' | 'mustNotBeBetween'; value: [number, number] };

/**
 * Bounds on a value that is a whole number (a count): strict comparisons
 * become inclusive ones (> n is >= n + 1). Undefined for what bounds cannot
 * say (`mustNotBe`, `mustNotBeBetween`).
 */
export function countBounds(c: Comparison, integral: boolean): Bound | undefined {
  switch (c.op) {
    case 'mustBe':
      return { min: c.value, max: c.value };
    case 'mustBeGreaterOrEqualTo':
      return { min: c.value };
    case 'mustBeLessOrEqualTo':
      return { max: c.value };
    case 'mustBeGreaterThan':
      return integral && Number.isInteger(c.value) ? { min: c.value + 1 } : undefined;
    case 'mustBeLessThan':
      return integral && Number.isInteger(c.value) ? { max: c.value - 1 } : undefined;
    case 'mustBeBetween':
      return { min: c.value[0], max: c.value[1] };
    default:
      return undefined;
  }
}

/**
 * A limit on bad rows ("nulls must be 0", "invalid values at most 5 %") as the
 * native threshold: `{}` for zero rows, `{ maxRows }` or `{ maxPercent }`.
 * Undefined when the comparison is not an upper limit.
 */
export function badRowThreshold(c: Comparison, percent: boolean): Pick<Threshold, 'maxRows' | 'maxPercent'> | undefined {
  let max: number | undefined;
  if (c.op === 'mustBe' || c.op === 'mustBeLessOrEqualTo') max = c.value;
  else if (c.op === 'mustBeLessThan') max = percent ? c.value : Number.isInteger(c.value) ? c.value - 1 : undefined;
  else if (c.op === 'mustBeBetween' && c.value[0] <= 0) max = c.value[1];
  if (max === undefined || max < 0) return undefined;
  if (c.op === 'mustBe' && max !== 0) return undefined;
  if (max === 0) return {};
  return percent ? { maxPercent: max } : { maxRows: max };
}

export type TierName = 'open' | 'limited' | 'restricted';

/** ODCS `classification` words → tier; the strictest column wins; unknown words are restricted. */
export const DEFAULT_CLASSIFICATION_TIERS: Readonly<Record<string, TierName>> = {
  public: 'open',
  open: 'open',
  internal: 'limited',
  limited: 'limited',
  restricted: 'restricted',
  confidential: 'restricted',
  sensitive: 'restricted',
  secret: 'restricted',
  pii: 'restricted',
};

const TIER_ORDER: Record<TierName, number> = { open: 0, limited: 1, restricted: 2 };

export function strictestTier(tiers: readonly TierName[]): TierName | undefined {
  let worst: TierName | undefined;
  for (const tier of tiers) if (worst === undefined || TIER_ORDER[tier] > TIER_ORDER[worst]) worst = tier;
  return worst;
}

export function isTier(value: unknown): value is TierName {
  return value === 'open' || value === 'limited' || value === 'restricted';
}

/** A Slack channel as meshwatch writes it (`#name`), or undefined when the text is not one. */
export function slackChannel(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const t = text.trim();
  if (/^#[\w.-]+$/.test(t)) return t;
  if (/^[CG][A-Z0-9]{6,}$/.test(t)) return t;
  if (/^[\w.-]+$/.test(t)) return `#${t}`;
  return undefined;
}

/**
 * The tier governance fields (`tierJustification`, `tierReviewedAt`) as a
 * source states them. A value meshwatch cannot use is a note and left out,
 * so one bad date does not block the rest of the file; `notePath` gives the
 * path the note names for a field.
 */
export function governanceFields(
  values: { tierJustification?: unknown; tierReviewedAt?: unknown },
  notePath: (field: 'tierJustification' | 'tierReviewedAt') => string,
  note: (path: string, message: string) => void,
): { tierJustification?: string; tierReviewedAt?: string } {
  const out: { tierJustification?: string; tierReviewedAt?: string } = {};
  const why = values.tierJustification;
  if (typeof why === 'string' && why.trim() !== '') out.tierJustification = why.trim();
  else if (why !== undefined && why !== null) note(notePath('tierJustification'), `tierJustification ${JSON.stringify(why)} is not a text: left out`);
  // A YAML date may arrive as a Date where a reader does not keep it as text.
  const at = values.tierReviewedAt instanceof Date && !Number.isNaN(values.tierReviewedAt.getTime()) ? values.tierReviewedAt.toISOString().slice(0, 10) : values.tierReviewedAt;
  if (at !== undefined && at !== null) {
    const date = dateSchema.safeParse(at);
    if (date.success) out.tierReviewedAt = date.data;
    else note(notePath('tierReviewedAt'), `tierReviewedAt ${JSON.stringify(at)} is not a date like 2026-03-31 or an ISO timestamp: left out (the tier review counts as never done)`);
  }
  return out;
}
