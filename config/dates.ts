/**
 * Dates of the governance fields (`until`, `tierReviewedAt`) against a clock.
 * A bare date is a whole day in UTC: `until: 2026-03-31` still holds on the
 * 31st and ends when the 1st of April begins; `tierReviewedAt: 2026-03-31`
 * counts from the start of that day.
 */
const DAY_MS = 86_400_000;

const isBareDate = (text: string) => /^\d{4}-\d{2}-\d{2}$/.test(text);

/** The first millisecond of a date, or the instant of a timestamp (no offset: UTC). */
export function dateStartMs(text: string): number {
  if (isBareDate(text)) return Date.parse(`${text}T00:00:00Z`);
  return Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? text : `${text}Z`);
}

/** The instant after which `until` no longer holds: the end of a bare date, else the timestamp itself. */
export function untilEndMs(text: string): number {
  return isBareDate(text) ? dateStartMs(text) + DAY_MS : dateStartMs(text);
}

/** Whether an acknowledgement with this `until` still holds at `now`. */
export function stillHolds(until: string, now: Date): boolean {
  return now.getTime() < untilEndMs(until);
}
