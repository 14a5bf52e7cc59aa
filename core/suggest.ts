/** Levenshtein distance, bounded: stops early once every cell exceeds `limit`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current.push(value);
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The candidates closest to `wanted` ("did you mean"), best first: edit
 * distance up to a third of the word, plus candidates that contain it.
 */
export function nearest(wanted: string, candidates: Iterable<string>, max = 3): string[] {
  const target = wanted.toLowerCase();
  const limit = Math.max(2, Math.floor(target.length / 3));
  const scored: Array<{ id: string; score: number }> = [];
  for (const candidate of candidates) {
    const lower = candidate.toLowerCase();
    let score = distance(target, lower, limit);
    if (score > limit && (lower.includes(target) || target.includes(lower))) score = limit;
    if (score <= limit) scored.push({ id: candidate, score });
  }
  scored.sort((a, b) => a.score - b.score || a.id.localeCompare(b.id));
  return scored.slice(0, max).map((s) => s.id);
}

/** ` (did you mean a, b?)`, or nothing when no candidate is close. */
export function didYouMean(wanted: string, candidates: Iterable<string>): string {
  const close = nearest(wanted, candidates);
  return close.length === 0 ? '' : ` (did you mean ${close.join(', ')}?)`;
}
