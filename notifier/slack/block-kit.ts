/**
 * Message model → Block Kit. The only place that knows mrkdwn escaping,
 * mention syntax and Slack's limits: at most 50 blocks, a header of 150
 * characters, section text of 3,000, about 13k characters in all
 * (`msg_blocks_too_long` beyond), and a fallback `text` always set (it is
 * what notifications and screen readers show). Long lists are cut with a
 * count ("and 14 more") instead of being refused by Slack.
 */
import type { SlackActionId } from './actions.js';
import type { Action, Inline, Line, ListSection, MessageModel, ReplyModel, Tone } from './message.js';
import { lineText } from './message.js';

export const LIMITS = { blocks: 50, header: 150, section: 3000, fallback: 3000, total: 12_000, buttons: 25 } as const;

export interface Rendered {
  readonly text: string;
  readonly blocks: Array<Record<string, unknown>>;
}

const EMOJI: Record<Tone, string> = {
  broken: '🔴',
  hurt: '🟠',
  caused: '🟡',
  recovered: '🟢',
  platform: '⚠️',
  lock: '🔐',
  info: 'ℹ️',
};

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function inline(part: Inline): string {
  if (typeof part === 'string') return escape(part);
  if ('strong' in part) return part.strong === '' ? '' : `*${escape(part.strong)}*`;
  if ('code' in part) return `\`${escape(part.code).replace(/`/g, "'")}\``;
  if ('link' in part) return `<${part.link.replace(/[<>|]/g, encodeURIComponent)}|${escape(part.text).replace(/\|/g, '¦')}>`;
  if ('mention' in part) {
    // The label after `|` is what Slack shows where the group cannot be resolved.
    if (part.mention.id) return `<!subteam^${part.mention.id}|${escape(part.mention.handle.startsWith('@') ? part.mention.handle : `@${part.mention.handle}`)}>`;
    return escape(part.mention.handle.startsWith('@') ? part.mention.handle : `@${part.mention.handle}`);
  }
  if ('user' in part) {
    // The Slack app records clickers as `<@U…>`, the CLI as a plain name.
    const id = /^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$/.exec(part.user)?.[1] ?? (/^[UW][A-Z0-9]{2,}$/.test(part.user) ? part.user : undefined);
    return id ? `<@${id}>` : escape(part.user);
  }
  return /^[CG][A-Z0-9]{6,}$/.test(part.channel) ? `<#${part.channel}>` : escape(part.channel);
}

export function mrkdwn(line: Line): string {
  return line.map(inline).join('');
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function section(text: string): Record<string, unknown> {
  return { type: 'section', text: { type: 'mrkdwn', text: cut(text, LIMITS.section) } };
}

/** A list section within `budget` characters: items that do not fit are counted in "and K more". */
function listText(list: ListSection, budget: number, keep: number): string {
  const title = mrkdwn(list.title);
  const items = list.items.slice(0, keep);
  let more = (list.more ?? 0) + (list.items.length - items.length);
  const moreLine = (k: number) => (k > 0 ? `\n…and ${k} more${list.moreLink ? ` <${list.moreLink}|on the status page>` : ''}` : '');
  for (;;) {
    const text = `${title}\n${items.map((i) => `• ${mrkdwn(i)}`).join('\n')}${moreLine(more)}`;
    if (text.length <= budget || items.length === 0) return cut(text, budget);
    items.pop();
    more++;
  }
}

function button(action: Action): Record<string, unknown> {
  return {
    type: 'button',
    action_id: action.id,
    text: { type: 'plain_text', text: cut(action.label, 75), emoji: true },
    ...(action.value !== undefined ? { value: action.value } : {}),
    ...(action.url !== undefined ? { url: action.url } : {}),
    ...(action.style !== undefined ? { style: action.style } : {}),
  };
}

export function fallbackText(model: MessageModel): string {
  const first = model.summary[0] ? ` ${lineText(model.summary[0])}` : '';
  return cut(`${EMOJI[model.tone]} ${model.title}.${first}`, LIMITS.fallback);
}

function build(model: MessageModel, keep: number): Rendered {
  const blocks: Array<Record<string, unknown>> = [];
  blocks.push({ type: 'header', text: { type: 'plain_text', text: cut(`${EMOJI[model.tone]}  ${model.title}`, LIMITS.header), emoji: true } });
  if (model.summary.length > 0) blocks.push(section(model.summary.map(mrkdwn).join('\n')));
  // Rows keep room for a section or two and the fixed blocks; the composer says how many it left out.
  for (const row of (model.rows ?? []).slice(0, LIMITS.blocks - 12)) {
    blocks.push({ ...section(mrkdwn(row.line)), ...(row.action ? { accessory: button(row.action) } : {}) });
  }
  // Room for the fixed blocks (status, actions, footer, a divider) within 50.
  const room = LIMITS.blocks - blocks.length - 4;
  const sections = model.sections.slice(0, room);
  for (const list of sections) blocks.push(section(listText(list, LIMITS.section, keep)));
  if (model.sections.length > sections.length) blocks.push(section(`…and ${model.sections.length - sections.length} more sections`));
  if (model.notes && model.notes.length > 0) blocks.push(section(model.notes.map(mrkdwn).join('\n')));
  if (model.status) blocks.push(section(mrkdwn(model.status)));
  if (model.actions.length > 0) blocks.push({ type: 'actions', block_id: 'meshwatch_actions', elements: model.actions.slice(0, LIMITS.buttons).map(button) });
  if (model.footer) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: cut(mrkdwn(model.footer), LIMITS.section) }] });
  return { text: fallbackText(model), blocks };
}

export function renderMessage(model: MessageModel): Rendered {
  let keep = Math.max(0, ...model.sections.map((s) => s.items.length));
  let rendered = build(model, keep);
  // Slack refuses messages far below 50 full sections: shrink the lists until the whole fits.
  while (JSON.stringify(rendered.blocks).length > LIMITS.total && keep > 0) {
    keep = Math.floor(keep / 2);
    rendered = build(model, keep);
  }
  return rendered;
}

export function renderReply(reply: ReplyModel): Rendered {
  const text = reply.lines.map(mrkdwn).join('\n');
  return { text: cut(reply.lines.map(lineText).join('\n'), LIMITS.fallback), blocks: [section(text)] };
}

/** The message as a reader sees it in Slack, as plain lines (README samples, tests). */
export function renderedAsText(rendered: Rendered): string {
  const out: string[] = [];
  for (const block of rendered.blocks) {
    const b = block as { type: string; text?: { text: string }; accessory?: { text?: { text: string } }; elements?: Array<{ text?: { text: string } | string; url?: string }> };
    if (b.type === 'header' || b.type === 'section') out.push(`${unmrkdwn(b.text?.text ?? '')}${b.accessory?.text ? `  [${b.accessory.text.text}]` : ''}`);
    else if (b.type === 'actions') out.push((b.elements ?? []).map((e) => `[${typeof e.text === 'string' ? e.text : (e.text?.text ?? '')}]`).join(' '));
    else if (b.type === 'context') out.push((b.elements ?? []).map((e) => unmrkdwn(typeof e.text === 'string' ? e.text : '')).join(' '));
  }
  return out.join('\n');
}

function unmrkdwn(text: string): string {
  return text
    .replace(/<!subteam\^([A-Z0-9]+)\|([^>]+)>/g, '$2')
    .replace(/<!subteam\^([A-Z0-9]+)>/g, '@$1')
    .replace(/<@([A-Z0-9]+)>/g, '@$1')
    .replace(/<#([A-Z0-9]+)>/g, '#$1')
    .replace(/<([^|>]+)\|([^>]+)>/g, '$2')
    .replace(/\*([^*\n]+)\*/g, '$1')
    .replace(/`([^`\n]+)`/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * A posted message with one row's button replaced by `note` (a click on a
 * row button, e.g. "tier still right"): the row whose accessory has
 * `actionId` and a JSON value with `key` = `id` keeps its text, loses its
 * button and gets the note as a new line. Other rows are left as they are.
 * Undefined when no such row is in the message (a stale or foreign one).
 */
export function replaceRowButton(blocks: readonly unknown[], actionId: SlackActionId, key: string, id: string, note: Line): Array<Record<string, unknown>> | undefined {
  let found = false;
  const out = blocks.map((block) => {
    const b = block as Record<string, unknown> & { type?: string; text?: { type: string; text: string }; accessory?: { action_id?: string; value?: string } };
    if (b.type !== 'section' || b.accessory?.action_id !== actionId || !b.text) return b;
    let value: unknown;
    try {
      value = JSON.parse(b.accessory.value ?? '');
    } catch {
      return b;
    }
    if (!value || typeof value !== 'object' || (value as Record<string, unknown>)[key] !== id) return b;
    found = true;
    const { accessory: _dropped, ...rest } = b;
    return { ...rest, text: { ...b.text, text: cut(`${b.text.text}\n${mrkdwn(note)}`, LIMITS.section) } };
  });
  return found ? out : undefined;
}
