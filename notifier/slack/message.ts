/**
 * The format-neutral message: what a reader should learn, in order, without
 * any Slack syntax. `compose.ts` builds it from a notification and what the
 * catalog and Redis know; `block-kit.ts` renders it (and is the only place
 * that knows mrkdwn escaping, mention syntax and Block Kit's limits).
 */
import type { SlackActionId } from './actions.js';

/** A user group to mention: `id` when resolved through usergroups.list, else only the handle as text. */
export interface Mention {
  readonly handle: string;
  readonly id?: string | undefined;
}

/** A piece of a line. Plain strings are text, escaped by the renderer. */
export type Inline =
  | string
  | { readonly strong: string }
  | { readonly code: string }
  | { readonly link: string; readonly text: string }
  | { readonly mention: Mention }
  /** A channel as config names it (`#sales-data` or an id). */
  | { readonly channel: string }
  /** Who acted: a Slack user id (`U…`) is mentioned, any other name is text. */
  | { readonly user: string };

export type Line = readonly Inline[];

export type Tone = 'broken' | 'hurt' | 'caused' | 'recovered' | 'platform' | 'lock' | 'info';

export interface ListSection {
  readonly title: Line;
  readonly items: readonly Line[];
  /** Items left out (the renderer may cut more to fit and adds them here). */
  readonly more?: number;
  /** Where the rest can be read, for the "and K more" line. */
  readonly moreLink?: string;
}

export interface Action {
  readonly id: SlackActionId;
  readonly label: string;
  /** JSON, per actions.ts: `{"incident":"…"}`, `{"request":"…"}` or `{"product":"…"}`. */
  readonly value?: string;
  readonly url?: string;
  readonly style?: 'primary' | 'danger';
}

/** A line with a button beside it (a section accessory): one per item that is acted on one by one. */
export interface Row {
  readonly line: Line;
  readonly action?: Action | undefined;
}

export interface MessageModel {
  /** Which message this is (goldens, tests, logs): `producer_alert`, `consumer_alert`, … */
  readonly kind: string;
  readonly tone: Tone;
  /** The first line: what broke. Plain text, cut to Slack's header limit by the renderer. */
  readonly title: string;
  /** The next lines: whose it is, since when, what to do. */
  readonly summary: readonly Line[];
  readonly sections: readonly ListSection[];
  /** Lines with a button each, after the summary (tier reviews); cut to fit Block Kit by the composer. */
  readonly rows?: readonly Row[] | undefined;
  /** Lines after the lists: whom to call. */
  readonly notes?: readonly Line[] | undefined;
  /** The incident's state in words; replaced on every update. */
  readonly status?: Line | undefined;
  readonly actions: readonly Action[];
  /** Small print: ids, times. */
  readonly footer?: Line | undefined;
}

/** A thread reply or a short notice: lines only. */
export interface ReplyModel {
  readonly kind: string;
  readonly lines: readonly Line[];
}

/** Plain text of a line, for fallbacks and for the README's rendered samples. */
export function lineText(line: Line): string {
  return line
    .map((part) => {
      if (typeof part === 'string') return part;
      if ('strong' in part) return part.strong;
      if ('code' in part) return part.code;
      if ('link' in part) return part.text;
      if ('mention' in part) return part.mention.handle.startsWith('@') ? part.mention.handle : `@${part.mention.handle}`;
      if ('user' in part) {
        const id = /^<@([A-Z0-9]+)(?:\|[^>]*)?>$/.exec(part.user)?.[1];
        return id ? `@${id}` : part.user.startsWith('@') ? part.user : `@${part.user}`;
      }
      return part.channel;
    })
    .join('');
}
