/**
 * `oncall: "@sales-data-oncall"` → the user group's id, so that the mention
 * notifies (Slack renders `<!subteam^ID>`; a bare `@handle` is just text).
 * One usergroups.list per `ttlMs`, shared by every message. Without the
 * `usergroups:read` scope, handles stay plain text and one warning says why.
 */
import type { Logger } from '../../core/logger.js';
import type { Mention } from './message.js';
import { callSlack, isMissingScope, type WebClient } from './web-api.js';

export const USERGROUP_TTL_MS = 10 * 60_000;

export class MentionResolver {
  private groups: Map<string, string> | undefined;
  private loadedAt = 0;
  private loading: Promise<void> | undefined;
  private warned = false;

  constructor(
    private readonly client: WebClient,
    private readonly logger: Logger,
    private readonly ttlMs = USERGROUP_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async resolve(oncall: string | undefined): Promise<Mention | undefined> {
    if (!oncall) return undefined;
    const handle = oncall.replace(/^@/, '');
    const given = /^<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>$/.exec(oncall) ?? (/^S[A-Z0-9]{6,}$/.test(oncall) ? [oncall, oncall] : null);
    if (given) return { handle: oncall, id: given[1] };
    await this.refresh();
    const id = this.groups?.get(handle.toLowerCase());
    return id ? { handle: `@${handle}`, id } : { handle: `@${handle}` };
  }

  private async refresh(): Promise<void> {
    if (this.groups && this.now() - this.loadedAt < this.ttlMs) return;
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    await this.loading;
  }

  private async load(): Promise<void> {
    try {
      const answer = await callSlack('usergroups.list', () => this.client.usergroups.list({}));
      this.groups = new Map((answer.usergroups ?? []).flatMap((g) => (g.handle && g.id ? [[g.handle.toLowerCase(), g.id] as [string, string]] : [])));
      this.loadedAt = this.now();
    } catch (err) {
      if (isMissingScope(err)) {
        // Asked again after the TTL: a reinstalled app with the scope is picked up without a restart.
        this.groups = new Map();
        this.loadedAt = this.now();
        if (!this.warned) {
          this.warned = true;
          this.logger.warn(
            { code: 'SLACK_MISSING_SCOPE', scope: 'usergroups:read' },
            'the Slack app lacks the usergroups:read scope: on-call groups are named as plain text and not notified; add the scope (see manifest.yml) and reinstall the app',
          );
        }
        return;
      }
      // Slack trouble: keep the last list, try again with the next message.
      this.logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'could not list Slack user groups; mentions are plain text for now');
    }
  }
}
