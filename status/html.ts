/**
 * HTML building with escaping by default. Every page is written with the
 * `html` tagged template: each interpolated value is escaped by `escapeHtml`
 * unless it is already `Html` (the output of another `html` call), so a
 * product name, a check message or a warehouse value can only ever land in a
 * page as text. No library: the whole defence is `escapeHtml` below (five
 * characters, the OWASP set for element content and quoted attributes), small
 * enough to audit, and the template makes it impossible to forget. Values go
 * in element content or in double-quoted attributes only, never in
 * `<script>`, `style` or unquoted attributes; URLs are built with `href`
 * (encodeURIComponent per part), never from raw input.
 */

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Markup known to be safe: built by `html` (everything in it escaped) or `raw` (constant markup). */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Constant markup written in this code (CSS, icons); never for data. */
export function raw(markup: string): Html {
  return new Html(markup);
}

/** A path from parts, each percent-encoded, with an optional query. */
export function href(parts: readonly string[], query?: Readonly<Record<string, string | undefined>>): string {
  const path = `/${parts.map((p) => encodeURIComponent(p)).join('/')}`;
  const q = query ? Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '') : [];
  return q.length > 0 ? `${path}?${new URLSearchParams(q).toString()}` : path;
}
