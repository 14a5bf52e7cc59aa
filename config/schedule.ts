import { CronExpressionParser } from 'cron-parser';
import { parseDuration } from './duration.js';

export type Schedule =
  | { readonly kind: 'cron'; readonly pattern: string; readonly timezone: string }
  | { readonly kind: 'every'; readonly everyMs: number; readonly text: string };

/** Shortest interval meshwatch accepts: faster schedules only load the warehouse. */
export const MIN_INTERVAL_MS = 10_000;

export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Parses a cron expression (5 or 6 fields) or an interval (`30s`, `5m`). Returns an error text on failure. */
export function parseSchedule(text: string, timezone: string): Schedule | string {
  const trimmed = text.trim();
  const interval = parseDuration(trimmed);
  if (interval !== undefined) {
    if (interval < MIN_INTERVAL_MS) return `interval ${trimmed} is shorter than the minimum of 10s`;
    return { kind: 'every', everyMs: interval, text: trimmed };
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    return `expected a cron expression (5 or 6 fields) or an interval like 5m, got "${text}"`;
  }
  try {
    CronExpressionParser.parse(trimmed, { tz: timezone });
  } catch (err) {
    return `invalid cron expression "${text}": ${err instanceof Error ? err.message : String(err)}`;
  }
  return { kind: 'cron', pattern: trimmed, timezone };
}
