/**
 * Who is in a Slack user group, for approval decisions: `usergroups.list`
 * maps a handle (`@data-governance`) to its id (cached for a few minutes:
 * groups are rarely renamed), `usergroups.users.list` gives the members
 * (asked every time: being removed from a group must take effect at once).
 * Needs the `usergroups:read` scope; without it nobody counts as a member
 * and the refusal says why in the log.
 */
import type { WebClient } from '@slack/web-api';
import { callSlack } from './web-api.js';

const HANDLES_TTL_MS = 5 * 60_000;

export class UsergroupMembers {
  private handles: { at: number; byHandle: Map<string, string> } | undefined;

  constructor(
    private readonly client: WebClient,
    private readonly now: () => number = Date.now,
  ) {}

  private async idOf(group: string): Promise<string | undefined> {
    if (!group.startsWith('@')) return group;
    const handle = group.slice(1).toLowerCase();
    if (!this.handles || this.now() - this.handles.at > HANDLES_TTL_MS) {
      const answer = await callSlack('usergroups.list', () => this.client.usergroups.list({}));
      const byHandle = new Map<string, string>();
      for (const g of answer.usergroups ?? []) if (g.handle && g.id) byHandle.set(g.handle.toLowerCase(), g.id);
      this.handles = { at: this.now(), byHandle };
    }
    return this.handles.byHandle.get(handle);
  }

  /** User ids in the group (handle or id); undefined when there is no such group. */
  async members(group: string): Promise<readonly string[] | undefined> {
    const id = await this.idOf(group);
    if (!id) return undefined;
    const answer = await callSlack('usergroups.users.list', () => this.client.usergroups.users.list({ usergroup: id }));
    return answer.users ?? [];
  }
}
