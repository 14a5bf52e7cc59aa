/**
 * Table identifiers from config are parsed once into parts and never used as
 * raw strings again: every adapter quotes the parts by its own rules, so no
 * config text is ever interpolated into SQL.
 */
export interface IdentifierPart {
  /** The name as written, without surrounding quotes and with `""` unescaped. */
  readonly name: string;
  /** Written in double quotes: case is exact on engines that fold case (Snowflake). */
  readonly quoted: boolean;
}

export interface TableRef {
  /** Absent when the config wrote `schema.table`: the warehouse supplies its default database. */
  readonly database?: IdentifierPart;
  readonly schema: IdentifierPart;
  readonly table: IdentifierPart;
}

const UNQUOTED = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** Splits `a.b.c` honouring double-quoted parts (`"My Schema"."x.y"`). Returns an error text or the parts. */
export function parseIdentifierPath(text: string): IdentifierPart[] | string {
  const parts: IdentifierPart[] = [];
  let i = 0;
  while (i <= text.length) {
    if (text[i] === '"') {
      let name = '';
      i++;
      for (;;) {
        if (i >= text.length) return `unterminated quoted identifier in "${text}"`;
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            name += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        name += text[i];
        i++;
      }
      if (name.length === 0) return `empty quoted identifier in "${text}"`;
      parts.push({ name, quoted: true });
    } else {
      let end = text.indexOf('.', i);
      if (end === -1) end = text.length;
      const name = text.slice(i, end);
      if (!UNQUOTED.test(name)) {
        return name.length === 0
          ? `empty name part in "${text}"`
          : `"${name}" is not a valid identifier (letters, digits, _ and $, not starting with a digit; quote other names with "")`;
      }
      parts.push({ name, quoted: false });
      i = end;
    }
    if (i === text.length) break;
    if (text[i] !== '.') return `expected "." after identifier in "${text}"`;
    i++;
    if (i === text.length) return `trailing "." in "${text}"`;
  }
  return parts;
}

export function parseTableRef(text: string): TableRef | string {
  const parts = parseIdentifierPath(text.trim());
  if (typeof parts === 'string') return parts;
  if (parts.length === 2) return { schema: parts[0]!, table: parts[1]! };
  if (parts.length === 3) return { database: parts[0]!, schema: parts[1]!, table: parts[2]! };
  return `expected a table like SCHEMA.TABLE or DB.SCHEMA.TABLE, got "${text}" (${parts.length} part${parts.length === 1 ? '' : 's'})`;
}

/** A column name from config: plain names are unquoted identifiers, `"Name"` is exact. */
export function parseColumnName(text: string): IdentifierPart | string {
  const parts = parseIdentifierPath(text.trim());
  if (typeof parts === 'string') return parts;
  if (parts.length !== 1) return `expected a single column name, got "${text}"`;
  return parts[0]!;
}

export function formatIdentifierPart(part: IdentifierPart): string {
  return part.quoted ? `"${part.name.replaceAll('"', '""')}"` : part.name;
}

export function formatTableRef(ref: TableRef): string {
  return [ref.database, ref.schema, ref.table]
    .filter((p): p is IdentifierPart => p !== undefined)
    .map(formatIdentifierPart)
    .join('.');
}

/** The warehouse engines; their identifier rules decide how column names match. */
export type Engine = 'duckdb' | 'snowflake';

/**
 * The key by which a column name written in config is compared, by the rules
 * of the engine: DuckDB matches names case-insensitively even when quoted;
 * Snowflake upper-cases unquoted names and keeps quoted ones exact.
 */
export function columnKey(name: string, engine: Engine): string {
  const parsed = parseColumnName(name);
  if (typeof parsed === 'string') return name;
  if (engine === 'snowflake') return parsed.quoted ? parsed.name : parsed.name.toUpperCase();
  return parsed.name.toLowerCase();
}

/** The key of a column name as the warehouse stores it (comparable with `columnKey`). */
export function storedColumnKey(stored: string, engine: Engine): string {
  return engine === 'snowflake' ? stored : stored.toLowerCase();
}

/** A stored column name written the way config writes it, so that `columnKey` finds it again. */
export function configColumnName(stored: string, engine: Engine): string {
  return engine === 'snowflake' && !/^[A-Z_][A-Z0-9_$]*$/.test(stored) ? formatIdentifierPart({ name: stored, quoted: true }) : stored;
}
