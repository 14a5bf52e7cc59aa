/**
 * Domains of meshwatch.yaml completed from what sources say about them
 * (config/source-hook.ts `DomainHint`): the issue's "the team and support
 * channels become the domain's people and Slack channel where the domain
 * does not set them".
 */
import type { ConfigProblem } from './errors.js';
import type { DomainHint } from './source-hook.js';
import type { Domain, Workspace } from './types.js';

/**
 * A domain of meshwatch.yaml that sets no Slack channel or people takes them
 * from the sources that name it (an ODCS contract's support channel and
 * team, a dbt group's owner), in listing order; a domain that still has no
 * channel is a problem, as it was before sources could give one.
 */
export function withDomainHints(workspace: Workspace, hints: readonly DomainHint[], file: string, problems: ConfigProblem[]): Workspace {
  let changed = false;
  const domains = workspace.domains.map((domain, i): Domain => {
    const mine = hints.filter((h) => h.id === domain.id);
    const slackChannel = domain.slackChannel ?? mine.find((h) => h.slackChannel !== undefined)?.slackChannel;
    if (slackChannel === undefined) {
      problems.push({
        file,
        path: `domains[${i}].slackChannel`,
        message: `expected a Slack channel like "#sales-data" or a channel id, got nothing${mine.length > 0 ? ` (no source naming ${domain.id} gives a Slack support channel)` : ''}`,
      });
    }
    const people = domain.people ?? (mine.some((h) => h.people.length > 0) ? [...new Set(mine.flatMap((h) => h.people))] : undefined);
    if (slackChannel === domain.slackChannel && people === domain.people) return domain;
    changed = true;
    return { ...domain, ...(slackChannel !== undefined ? { slackChannel } : {}), ...(people !== undefined ? { people } : {}) };
  });
  return changed ? { ...workspace, domains } : workspace;
}
