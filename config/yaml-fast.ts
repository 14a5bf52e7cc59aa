/**
 * A fast reader for the plain subset of YAML that config files use: block
 * mappings and sequences, single-line flow collections (`{ a: 1 }`,
 * `[a, b]`), plain and single-line quoted scalars, comments.
 *
 * Why: at 60,000 product files the full `yaml` parser (CST, then document
 * nodes, then JS values) costs about 80% of `validate`'s time, most of it in
 * allocation and GC. This reader builds the JS value directly.
 *
 * Contract: it returns `undefined` ("not sure") for anything outside the
 * subset or anything that might be an error: anchors, aliases, tags, block
 * scalars, multi-line scalars, multi-line flow collections, tabs, CRs, control
 * characters, duplicate keys, directives, several documents. The caller then
 * uses the full parser, which reports errors with their line and column.
 * When it returns a value, that value is the one the full parser (core schema,
 * integers as BigInt) gives; tests/yaml-fast.test.ts checks this on every
 * example and generated file and on mutated ones.
 *
 * Integers come out as BigInt only when they are beyond Number's exact range;
 * `hasBigInt` says so, so that the caller's exactness check runs only then.
 */

export interface FastYamlResult {
  readonly value: unknown;
  /** Some string contains `$`: environment interpolation has work to do. */
  readonly hasDollar: boolean;
  /** Some integer is beyond ±(2^53 - 1) and came out as a BigInt. */
  readonly hasBigInt: boolean;
}

/** Thrown internally to leave the fast path; never escapes this module. */
class NotFast {}
/**
 * Duplicate keys are found in a list of the mapping's keys (a handful), not
 * by asking the object: every mapping has its own shape, and property
 * lookups on them were a third of the reader's time.
 */
const seenKey = (keys: string[], key: string): boolean => {
  for (let i = 0; i < keys.length; i++) if (keys[i] === key) return true;
  keys.push(key);
  return false;
};
const NOT_FAST = new NotFast();

interface Line {
  indent: number;
  /** The line without its indentation (and, for a compact `- key: v`, without the `- `). */
  text: string;
}

// Core-schema resolution of plain scalars (the same tests as yaml/dist/schema/core).
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT = /^[-+]?[0-9]+$/;
const INT_OCT = /^0o[0-7]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** Characters the fast path never handles: tabs, CR, other controls, BOM, non-characters. */
// eslint-disable-next-line no-control-regex
const UNSUPPORTED_CHARS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\ufeff\ufffe\uffff]/;
/** Characters a plain scalar may not start with (YAML's c-indicators other than - ? :). */
const INDICATOR_START = new Set([',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`']);

export function parseFastYaml(text: string): FastYamlResult | undefined {
  if (UNSUPPORTED_CHARS.test(text)) return undefined;
  const state = { hasDollar: false, hasBigInt: false };
  try {
    const lines = splitLines(text);
    const value = lines.length === 0 ? null : parseDocumentBody(lines, state);
    return { value, hasDollar: state.hasDollar, hasBigInt: state.hasBigInt };
  } catch (err) {
    if (err === NOT_FAST) return undefined;
    throw err;
  }
}

/** Content lines only (blank and comment-only lines dropped); a leading `---` line is allowed. */
function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  let first = true;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    let indent = start;
    while (indent < end && text.charCodeAt(indent) === 32) indent++;
    if (indent < end && text.charCodeAt(indent) !== 35 /* # */) {
      const content = text.slice(indent, end);
      const column = indent - start;
      if (column === 0 && (content.startsWith('---') || content.startsWith('...') || content.startsWith('%'))) {
        // Only a bare `---` before any content: anything else is a directive, another document or an end marker.
        if (!(first && /^---\s*(?:#.*)?$/.test(content))) throw NOT_FAST;
      } else {
        lines.push({ indent: column, text: content.trimEnd() });
      }
      first = false;
    }
    start = end + 1;
  }
  return lines;
}

interface State {
  hasDollar: boolean;
  hasBigInt: boolean;
}

function parseDocumentBody(lines: Line[], state: State): unknown {
  // A root indented or made of a single scalar is rare in config files: leave it to the full parser.
  if (lines[0]!.indent !== 0) throw NOT_FAST;
  const reader = new BlockReader(lines, state);
  const value = reader.node(0);
  if (reader.pos !== lines.length) throw NOT_FAST;
  return value;
}

class BlockReader {
  pos = 0;
  constructor(
    private readonly lines: Line[],
    private readonly state: State,
  ) {}

  /** A block node whose first line is at exactly `indent`. */
  node(indent: number): unknown {
    const line = this.lines[this.pos]!;
    if (line.indent !== indent) throw NOT_FAST;
    if (isSeqEntry(line.text)) return this.sequence(indent);
    if (findKeyColon(line.text) === -1) throw NOT_FAST; // a bare scalar as a block node
    return this.mapping(indent);
  }

  private sequence(indent: number): unknown[] {
    const items: unknown[] = [];
    while (this.pos < this.lines.length) {
      const line = this.lines[this.pos]!;
      if (line.indent < indent || (line.indent === indent && !isSeqEntry(line.text))) break;
      if (line.indent > indent) throw NOT_FAST;
      let offset = 1;
      while (line.text.charCodeAt(offset) === 32) offset++;
      const rest = line.text.slice(offset);
      if (rest === '') {
        this.pos++;
        items.push(this.nestedOrNull(indent));
        continue;
      }
      if (isSeqEntry(rest) || rest.startsWith('? ') || rest === '?') throw NOT_FAST;
      if (rest[0] !== '{' && rest[0] !== '[' && findKeyColon(rest) !== -1) {
        // `- key: value`: a mapping whose keys sit at the column after `- `.
        line.indent = indent + offset;
        line.text = rest;
        items.push(this.mapping(indent + offset));
        continue;
      }
      this.pos++;
      items.push(inlineValue(rest, this.state));
      this.noContinuation(indent);
    }
    return items;
  }

  private mapping(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const keys: string[] = [];
    while (this.pos < this.lines.length) {
      const line = this.lines[this.pos]!;
      if (line.indent < indent) break;
      if (line.indent > indent) throw NOT_FAST;
      const colon = findKeyColon(line.text);
      if (colon === -1) throw NOT_FAST;
      const key = parseKey(line.text.slice(0, colon));
      if (seenKey(keys, key)) throw NOT_FAST; // duplicate: the full parser reports it
      const rest = line.text.slice(colon + 1).trimStart();
      this.pos++;
      if (rest === '' || rest[0] === '#') {
        const next = this.lines[this.pos];
        // A sequence may sit at the key's own indentation (`inputs:\n- a`).
        if (next && next.indent === indent && isSeqEntry(next.text)) out[key] = this.sequence(indent);
        else out[key] = this.nestedOrNull(indent);
      } else {
        out[key] = inlineValue(rest, this.state);
        this.noContinuation(indent);
      }
    }
    return out;
  }

  /** The block nested under a line at `indent`, or null when the next line is not deeper. */
  private nestedOrNull(indent: number): unknown {
    const next = this.lines[this.pos];
    if (!next || next.indent <= indent) return null;
    return this.node(next.indent);
  }

  /** A deeper line after an inline value would continue a multi-line scalar (or be an error). */
  private noContinuation(indent: number): void {
    const next = this.lines[this.pos];
    if (next && next.indent > indent) throw NOT_FAST;
  }
}

function isSeqEntry(text: string): boolean {
  return text.charCodeAt(0) === 45 /* - */ && (text.length === 1 || text.charCodeAt(1) === 32);
}

/**
 * Where the `:` of an implicit key ends (`key: value` or `key:` at the end),
 * or -1. Quoted keys are found past their closing quote; a comment before the
 * colon means there is no key on this line.
 */
function findKeyColon(text: string): number {
  const first = text[0];
  let i = 0;
  if (first === '"' || first === "'") {
    i = quotedEnd(text, 0);
    if (i === -1) return -1;
    // Only `"key": ` with the colon right after the quote.
    if (text[i] !== ':') return -1;
    return i + 1 === text.length || text.charCodeAt(i + 1) === 32 ? i : -1;
  }
  for (;;) {
    const colon = text.indexOf(':', i);
    if (colon === -1) return -1;
    if (colon + 1 === text.length || text.charCodeAt(colon + 1) === 32) {
      const hash = text.indexOf(' #');
      return hash !== -1 && hash < colon ? -1 : colon;
    }
    i = colon + 1;
  }
}

/** Index just past the closing quote of the quoted scalar starting at `start`, or -1. */
function quotedEnd(text: string, start: number): number {
  const quote = text[start];
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (quote === '"' && c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (quote === "'" && text[i + 1] === "'") {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return -1;
}

function parseKey(raw: string): string {
  const text = raw.trimEnd();
  // The full parser limits implicit keys to 1024 characters.
  if (text.length > 1000) throw NOT_FAST;
  let key: string;
  if (text[0] === '"' || text[0] === "'") {
    if (quotedEnd(text, 0) !== text.length) throw NOT_FAST;
    key = unquote(text);
  } else {
    if (text === '' || !plainStartOk(text) || text.includes(' #')) throw NOT_FAST;
    // Keys that resolve to null, booleans or numbers are stringified by the full parser in ways not worth copying.
    if (!isStringScalar(text)) throw NOT_FAST;
    key = text;
  }
  // `<<` (merge keys in YAML 1.1) and `__proto__` have special meanings that the full parser handles.
  if (key === '<<' || key === '__proto__') throw NOT_FAST;
  return key;
}

function plainStartOk(text: string): boolean {
  const c = text[0]!;
  if (INDICATOR_START.has(c)) return false;
  if ((c === '-' || c === '?' || c === ':') && (text.length === 1 || text[1] === ' ')) return false;
  return true;
}

/** A value on the rest of a block line: a quoted scalar, a flow collection or a plain scalar, then at most a comment. */
function inlineValue(text: string, state: State): unknown {
  const c = text[0];
  if (c === '"' || c === "'") {
    const end = quotedEnd(text, 0);
    if (end === -1) throw NOT_FAST; // continues on the next line
    if (!isTrailingComment(text, end)) throw NOT_FAST;
    const value = unquote(text.slice(0, end));
    if (value.includes('$')) state.hasDollar = true;
    return value;
  }
  if (c === '{' || c === '[') {
    const flow = new FlowReader(text, state);
    const value = flow.value();
    if (!isTrailingComment(text, flow.pos)) throw NOT_FAST;
    return value;
  }
  let plain = text;
  const hash = text.indexOf(' #');
  if (hash !== -1) plain = text.slice(0, hash).trimEnd();
  if (!plainStartOk(plain)) throw NOT_FAST;
  // `a: b: c` and `a: b:` are errors (or nested keys) for the full parser.
  if (plain.includes(': ') || plain.endsWith(':')) throw NOT_FAST;
  return resolvePlain(plain, state);
}

/** Only spaces, then optionally a ` #` comment, from `pos` to the end. */
function isTrailingComment(text: string, pos: number): boolean {
  if (pos === text.length) return true;
  if (text.charCodeAt(pos) !== 32) return false;
  const rest = text.slice(pos).trimStart();
  return rest === '' || rest[0] === '#';
}

const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t', r: '\r', '0': '\0', ' ': ' ' };

/** The value of a complete single-line quoted scalar (quotes included in `text`). */
function unquote(text: string): string {
  const inner = text.slice(1, -1);
  if (text[0] === "'") return inner.replaceAll("''", "'");
  if (!inner.includes('\\')) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = inner[++i];
    if (e === undefined) throw NOT_FAST;
    const simple = ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(inner.slice(i + 1, i + 5))) {
      const code = parseInt(inner.slice(i + 1, i + 5), 16);
      if (code >= 0xd800 && code <= 0xdfff) throw NOT_FAST; // surrogate pairs: leave to the full parser
      out += String.fromCharCode(code);
      i += 4;
      continue;
    }
    throw NOT_FAST;
  }
  return out;
}

/** Whether a plain scalar starting with this character can be anything but a string (null, bool, number): ~ n N t T f F - + . 0-9. */
function maybeNotString(text: string): boolean {
  const c = text.charCodeAt(0);
  if (c >= 48 && c <= 57) return true; // 0-9
  return c === 126 || c === 110 || c === 78 || c === 116 || c === 84 || c === 102 || c === 70 || c === 45 || c === 43 || c === 46;
}

function resolvePlain(text: string, state: State): unknown {
  if (!maybeNotString(text)) {
    if (text.includes('$')) state.hasDollar = true;
    return text;
  }
  if (NULL.test(text)) return null;
  if (BOOL.test(text)) return text[0] === 't' || text[0] === 'T';
  if (INT.test(text) || INT_OCT.test(text) || INT_HEX.test(text)) {
    const big = BigInt(text);
    if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
      state.hasBigInt = true;
      return big;
    }
    return Number(big);
  }
  if (FLOAT_NAN.test(text)) {
    if (text.slice(-3).toLowerCase() === 'nan') return NaN;
    return text[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (FLOAT_EXP.test(text) || FLOAT.test(text)) return parseFloat(text);
  if (text.includes('$')) state.hasDollar = true;
  return text;
}

const KEY_STATE: State = { hasDollar: false, hasBigInt: false };

/** A plain scalar that the core schema reads as a string (keys must be: others are stringified in ways not worth copying). */
function isStringScalar(text: string): boolean {
  return !maybeNotString(text) || typeof resolvePlain(text, KEY_STATE) === 'string';
}

/** `{ a: 1, b: [x, y] }` and `[a, { b: c }]` on one line. */
class FlowReader {
  pos = 0;
  constructor(
    private readonly text: string,
    private readonly state: State,
  ) {}

  value(): unknown {
    this.spaces();
    const c = this.text[this.pos];
    if (c === '{') return this.mapping();
    if (c === '[') return this.sequence();
    if (c === '"' || c === "'") {
      const end = quotedEnd(this.text, this.pos);
      if (end === -1) throw NOT_FAST;
      const value = unquote(this.text.slice(this.pos, end));
      this.pos = end;
      if (value.includes('$')) this.state.hasDollar = true;
      return value;
    }
    return resolvePlain(this.plain(), this.state);
  }

  private sequence(): unknown[] {
    this.pos++; // [
    const items: unknown[] = [];
    this.spaces();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return items;
    }
    for (;;) {
      items.push(this.value());
      this.spaces();
      const c = this.text[this.pos];
      // `[a: b]` (a single-pair mapping) and anything unusual go to the full parser.
      if (c === ']') {
        this.pos++;
        return items;
      }
      if (c !== ',') throw NOT_FAST;
      this.pos++;
      this.spaces();
      if (this.text[this.pos] === ']') throw NOT_FAST; // trailing comma
    }
  }

  private mapping(): Record<string, unknown> {
    this.pos++; // {
    const out: Record<string, unknown> = {};
    const keys: string[] = [];
    this.spaces();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.spaces();
      let key: string;
      const c = this.text[this.pos];
      if (c === '"' || c === "'") {
        const end = quotedEnd(this.text, this.pos);
        if (end === -1) throw NOT_FAST;
        key = unquote(this.text.slice(this.pos, end));
        this.pos = end;
      } else {
        const raw = this.plain();
        if (!isStringScalar(raw)) throw NOT_FAST;
        key = raw;
      }
      if (key === '<<' || key === '__proto__' || seenKey(keys, key)) throw NOT_FAST;
      this.spaces();
      if (this.text[this.pos] !== ':' || this.text[this.pos + 1] !== ' ') throw NOT_FAST;
      this.pos += 2;
      this.spaces();
      const next = this.text[this.pos];
      if (next === ',' || next === '}' || next === undefined) throw NOT_FAST; // `{ a: }`: null, rare
      out[key] = this.value();
      this.spaces();
      const sep = this.text[this.pos];
      if (sep === '}') {
        this.pos++;
        return out;
      }
      if (sep !== ',') throw NOT_FAST;
      this.pos++;
      this.spaces();
      if (this.text[this.pos] === '}') throw NOT_FAST; // trailing comma
    }
  }

  /** A plain scalar in flow context: up to `,` `[` `]` `{` `}`, `: ` or a comment. */
  private plain(): string {
    const start = this.pos;
    const text = this.text;
    while (this.pos < text.length) {
      const c = text[this.pos]!;
      if (c === ',' || c === '[' || c === ']' || c === '{' || c === '}') break;
      if (c === ':' && (text[this.pos + 1] === ' ' || text[this.pos + 1] === ',' || text[this.pos + 1] === ']' || text[this.pos + 1] === '}' || this.pos + 1 === text.length)) break;
      if (c === '#' && text[this.pos - 1] === ' ') throw NOT_FAST; // a comment inside a flow collection
      this.pos++;
    }
    const value = text.slice(start, this.pos).trim();
    if (value === '' || !plainStartOk(value)) throw NOT_FAST;
    return value;
  }

  private spaces(): void {
    while (this.text.charCodeAt(this.pos) === 32) this.pos++;
  }
}
