/**
 * Tier-aware redaction of check results, the same rules as the Slack
 * messages (SLACK-MESSAGES.md), applied before anything reaches a page, the
 * API or a static report:
 *
 * | tier       | operators | everyone else                                            |
 * |------------|-----------|----------------------------------------------------------|
 * | open       | all       | all                                                      |
 * | limited    | all       | counts (failing rows, row count), no values or samples  |
 * | restricted | all       | status, check and columns only: no values, counts, samples |
 *
 * The message is replaced for redacted results because check messages quote
 * observed values ("stale: updated_at = 2025-…", "got 5, expected 0").
 */
import type { CheckResult } from '../checks/result.js';
import type { Tier } from '../config/types.js';

export type Role = 'operator' | 'reader';

export interface Viewer {
  readonly role: Role;
}

const WORD: Readonly<Record<CheckResult['status'], string>> = { pass: 'passed', warn: 'warned', fail: 'failed', error: 'could not be evaluated' };

export function redactionOf(tier: Tier, viewer: Viewer): 'none' | 'values' | 'all' {
  if (viewer.role === 'operator' || tier === 'open') return 'none';
  return tier === 'limited' ? 'values' : 'all';
}

/** `ask` names where to ask for the details (the owning domain's channel). */
export function redactResult(result: CheckResult, tier: Tier, viewer: Viewer, ask?: string): CheckResult {
  const level = redactionOf(tier, viewer);
  if (level === 'none') return result;
  const { observed, expected, failingRows, samples: _samples, ...rest } = result;
  const where = ask ? `; ask ${ask}` : '';
  // A pass says nothing worth asking about.
  const why = (what: string) => (result.status === 'pass' ? '' : ` (${what}${where})`);
  if (level === 'all') {
    return { ...rest, message: `${result.check} ${WORD[result.status]}${why('details are restricted')}` };
  }
  // Limited: a count is a count; a row count's observed value is one, everything else observed is a value.
  const count = result.check === 'contract.rowCount' && typeof observed === 'number' ? observed : undefined;
  const counted = failingRows !== undefined ? `: ${failingRows} ${failingRows === 1 ? 'row' : 'rows'} break the rule` : count !== undefined ? `: ${count} rows` : '';
  return {
    ...rest,
    ...(failingRows !== undefined ? { failingRows } : {}),
    ...(count !== undefined ? { observed: count } : {}),
    ...(expected !== undefined && typeof expected !== 'object' ? { expected } : {}),
    message: `${result.check} ${WORD[result.status]}${counted}${why('values are limited')}`,
  };
}
