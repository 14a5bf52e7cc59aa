/** Quoting shared by engines that use ANSI double-quoted identifiers and single-quoted strings. */
import { parseColumnName, type IdentifierPart } from '../config/identifier.js';

export function doubleQuote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function singleQuote(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A config column name as an identifier part; names that do not parse (already rejected by config) are taken literally. */
export function columnPart(name: string): IdentifierPart {
  const parsed = parseColumnName(name);
  return typeof parsed === 'string' ? { name, quoted: true } : parsed;
}
