/**
 * Column type comparison for schema checks. Declared types (config) and actual
 * types (warehouse metadata) are parsed into a canonical form, by the rules of
 * the engine the product lives on, then compared:
 *
 * | canonical       | written as                                                                    |
 * |-----------------|-------------------------------------------------------------------------------|
 * | integer (bytes) | TINYINT/INT1 (1), SMALLINT/INT2 (2), INT/INTEGER/INT4 (4), BIGINT/INT8 (8),   |
 * |                 | HUGEINT (16); DuckDB's unsigned UTINYINT...UHUGEINT are distinct from these;  |
 * |                 | on Snowflake every integer alias is NUMBER(38,0)                              |
 * | decimal (p, s)  | DECIMAL/NUMERIC/NUMBER(p,s); bare DECIMAL is (18,3) on DuckDB, (38,0) Snowflake|
 * | float (bits)    | REAL/FLOAT4 (32), DOUBLE/FLOAT8/DOUBLE PRECISION (64); FLOAT is 32 on DuckDB  |
 * |                 | and 64 on Snowflake, where every float type is 64-bit                         |
 * | string (length) | VARCHAR(n), CHAR(n), TEXT, STRING, CHARACTER VARYING; no length = unbounded;  |
 * |                 | Snowflake's maximum, 16777216, counts as unbounded                            |
 * | timestamp_ntz   | TIMESTAMP, DATETIME, TIMESTAMP_NTZ, TIMESTAMP WITHOUT TIME ZONE (any precision)|
 * | timestamp_tz    | TIMESTAMPTZ, TIMESTAMP_TZ, TIMESTAMP WITH TIME ZONE                           |
 * | boolean, date,  | BOOL/BOOLEAN/LOGICAL, DATE, TIME, BLOB/BINARY/VARBINARY/BYTEA,               |
 * | time, binary    | others compared by name                                                      |
 * | list            | T[], LIST(T) (any spacing; T normalised); T[n] is a fixed-size array         |
 * | struct, union   | STRUCT(name T, ...), UNION(name T, ...): field names (unquoted: any case) and |
 * |                 | normalised types, in order                                                    |
 * | map             | MAP(K, V), both normalised                                                    |
 * | enum            | ENUM('a', 'b'): the values, in order                                          |
 *
 * Widening is compatible (reported as a note): a larger integer, a decimal
 * with at least as many integer and fraction digits, an integer into a
 * decimal that holds it, FLOAT into DOUBLE, a longer or unbounded string.
 * Anything else, including narrowing, is a changed type and breaks the schema.
 */
import type { Engine } from '../config/identifier.js';

export type { Engine };

export type CanonicalType =
  | { readonly family: 'integer'; readonly bytes: number; readonly signed: boolean }
  | { readonly family: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly family: 'float'; readonly bits: number }
  | { readonly family: 'string'; readonly length?: number | undefined }
  | { readonly family: 'named'; readonly name: string }
  | { readonly family: 'list'; readonly element: CanonicalType; readonly size?: number | undefined }
  | { readonly family: 'struct' | 'union'; readonly fields: ReadonlyArray<{ readonly name: string; readonly type: CanonicalType }> }
  | { readonly family: 'map'; readonly key: CanonicalType; readonly value: CanonicalType }
  | { readonly family: 'enum'; readonly values: readonly string[] };

const INTEGER_BYTES: Record<string, number> = {
  TINYINT: 1, INT1: 1, BYTEINT: 1,
  SMALLINT: 2, INT2: 2, SHORT: 2,
  INT: 4, INTEGER: 4, INT4: 4, SIGNED: 4,
  BIGINT: 8, INT8: 8, LONG: 8,
  HUGEINT: 16, INT128: 16,
};
/** DuckDB's unsigned integers: no negatives, so never interchangeable with the signed ones of the same size. */
const UNSIGNED_BYTES: Record<string, number> = { UTINYINT: 1, USMALLINT: 2, UINTEGER: 4, UBIGINT: 8, UHUGEINT: 16 };

/** Decimal digits an integer of this many bytes can need. */
const INTEGER_DIGITS: Record<number, number> = { 1: 3, 2: 5, 4: 10, 8: 20, 16: 39 };

const STRINGS = new Set(['VARCHAR', 'CHAR', 'CHARACTER', 'TEXT', 'STRING', 'BPCHAR', 'NVARCHAR', 'NCHAR', 'CHARACTER VARYING', 'NVARCHAR2', 'VARCHAR2']);
const SNOWFLAKE_MAX_STRING = 16_777_216;

const NAMED: Record<string, string> = {
  BOOL: 'BOOLEAN', BOOLEAN: 'BOOLEAN', LOGICAL: 'BOOLEAN',
  DATE: 'DATE', TIME: 'TIME', 'TIME WITHOUT TIME ZONE': 'TIME', TIMETZ: 'TIMETZ', 'TIME WITH TIME ZONE': 'TIMETZ',
  TIMESTAMP: 'TIMESTAMP_NTZ', DATETIME: 'TIMESTAMP_NTZ', TIMESTAMP_NTZ: 'TIMESTAMP_NTZ', 'TIMESTAMP WITHOUT TIME ZONE': 'TIMESTAMP_NTZ',
  TIMESTAMP_S: 'TIMESTAMP_NTZ', TIMESTAMP_MS: 'TIMESTAMP_NTZ', TIMESTAMP_NS: 'TIMESTAMP_NTZ', TIMESTAMP_US: 'TIMESTAMP_NTZ',
  TIMESTAMPTZ: 'TIMESTAMP_TZ', TIMESTAMP_TZ: 'TIMESTAMP_TZ', 'TIMESTAMP WITH TIME ZONE': 'TIMESTAMP_TZ',
  TIMESTAMP_LTZ: 'TIMESTAMP_LTZ',
  BLOB: 'BINARY', BYTEA: 'BINARY', BINARY: 'BINARY', VARBINARY: 'BINARY',
  BIT: 'BIT', BITSTRING: 'BIT', VARINT: 'BIGNUM', BIGNUM: 'BIGNUM',
};

/** Splits `a, b(c, d), 'e,f'` at top-level commas (outside parentheses, brackets and quotes). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) {
        if (text[i + 1] === quote) i++;
        else quote = undefined;
      }
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((p) => p !== '');
}

/** A struct or union field: `name TYPE`, the name quoted (exact) or bare (any case). */
function parseField(text: string, engine: Engine): { name: string; type: CanonicalType } {
  const quoted = /^"((?:[^"]|"")*)"\s*(.*)$/s.exec(text);
  if (quoted) return { name: quoted[1]!.replaceAll('""', '"'), type: normalizeType(quoted[2]!, engine) };
  const bare = /^(\S+)\s+(.*)$/s.exec(text);
  if (bare) return { name: bare[1]!.toLowerCase(), type: normalizeType(bare[2]!, engine) };
  return { name: text.toLowerCase(), type: { family: 'named', name: '' } };
}

/** Compound types (lists, structs, maps, enums, unions), or undefined for a scalar. */
function normalizeCompound(text: string, engine: Engine): CanonicalType | undefined {
  // A trailing [] or [n] outside parentheses makes a list (or fixed-size array) of what precedes it.
  const array = /^(.*\S)\s*\[\s*(\d*)\s*\]$/s.exec(text);
  if (array && !/\)\s*$/.test(text)) {
    const size = array[2] === '' ? undefined : Number(array[2]);
    return { family: 'list', element: normalizeType(array[1]!, engine), size };
  }
  const call = /^([A-Za-z_]+)\s*\((.*)\)$/s.exec(text);
  if (!call) return undefined;
  const name = call[1]!.toUpperCase();
  const args = splitTopLevel(call[2]!);
  if (name === 'LIST' && args.length === 1) return { family: 'list', element: normalizeType(args[0]!, engine) };
  if (name === 'ARRAY' && args.length === 2 && /^\d+$/.test(args[1]!)) return { family: 'list', element: normalizeType(args[0]!, engine), size: Number(args[1]) };
  if (name === 'MAP' && args.length === 2) return { family: 'map', key: normalizeType(args[0]!, engine), value: normalizeType(args[1]!, engine) };
  if (name === 'STRUCT' || name === 'ROW' || name === 'UNION') {
    return { family: name === 'UNION' ? 'union' : 'struct', fields: args.map((a) => parseField(a, engine)) };
  }
  if (name === 'ENUM') return { family: 'enum', values: args.map((a) => (/^'(.*)'$/s.exec(a)?.[1] ?? a).replaceAll("''", "'")) };
  return undefined;
}

export function normalizeType(text: string, engine: Engine): CanonicalType {
  const compound = normalizeCompound(text.trim(), engine);
  if (compound) return compound;
  const upper = text.trim().toUpperCase().replace(/\s+/g, ' ');
  const match = /^([A-Z_][A-Z0-9_ ]*?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$/.exec(upper);
  const base = match?.[1] ?? upper;
  const first = match?.[2] === undefined ? undefined : Number(match[2]);
  const second = match?.[3] === undefined ? undefined : Number(match[3]);

  const bytes = INTEGER_BYTES[base];
  if (bytes !== undefined) return engine === 'snowflake' ? { family: 'decimal', precision: 38, scale: 0 } : { family: 'integer', bytes, signed: true };
  const unsignedBytes = UNSIGNED_BYTES[base];
  if (unsignedBytes !== undefined) return { family: 'integer', bytes: unsignedBytes, signed: false };
  if (base === 'DECIMAL' || base === 'NUMERIC' || base === 'NUMBER' || base === 'DEC') {
    const [defaultPrecision, defaultScale] = engine === 'snowflake' ? [38, 0] : [18, 3];
    return { family: 'decimal', precision: first ?? defaultPrecision, scale: second ?? (first === undefined ? defaultScale : 0) };
  }
  if (base === 'REAL' || base === 'FLOAT4') return { family: 'float', bits: engine === 'snowflake' ? 64 : 32 };
  if (base === 'FLOAT') return { family: 'float', bits: engine === 'snowflake' ? 64 : 32 };
  if (base === 'DOUBLE' || base === 'FLOAT8' || base === 'DOUBLE PRECISION') return { family: 'float', bits: 64 };
  if (STRINGS.has(base)) {
    const length = first === undefined || (engine === 'snowflake' && first >= SNOWFLAKE_MAX_STRING) ? undefined : first;
    return { family: 'string', length };
  }
  const named = NAMED[base];
  return { family: 'named', name: named ?? base };
}

export function formatCanonical(type: CanonicalType): string {
  switch (type.family) {
    case 'integer':
      return `${type.signed ? '' : 'U'}${({ 1: 'TINYINT', 2: 'SMALLINT', 4: 'INTEGER', 8: 'BIGINT', 16: 'HUGEINT' } as Record<number, string>)[type.bytes] ?? 'INTEGER'}`;
    case 'decimal':
      return `DECIMAL(${type.precision},${type.scale})`;
    case 'float':
      return type.bits === 32 ? 'FLOAT' : 'DOUBLE';
    case 'string':
      return type.length === undefined ? 'VARCHAR' : `VARCHAR(${type.length})`;
    case 'named':
      return type.name;
    case 'list':
      return `${formatCanonical(type.element)}[${type.size ?? ''}]`;
    case 'struct':
    case 'union':
      return `${type.family.toUpperCase()}(${type.fields.map((f) => `"${f.name.replaceAll('"', '""')}" ${formatCanonical(f.type)}`).join(', ')})`;
    case 'map':
      return `MAP(${formatCanonical(type.key)}, ${formatCanonical(type.value)})`;
    case 'enum':
      return `ENUM(${type.values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ')})`;
  }
}

export type TypeComparison = 'same' | 'widened' | 'changed';

/** Compares a declared type with the actual one; `widened` means every declared value still fits. */
/** Type texts repeat across thousands of products: compare each pair once. */
const comparisons = new Map<string, TypeComparison>();

export function compareTypes(declaredText: string, actualText: string, engine: Engine): TypeComparison {
  const key = `${engine}\u0000${declaredText}\u0000${actualText}`;
  let known = comparisons.get(key);
  if (known === undefined) {
    known = compareTypesUncached(declaredText, actualText, engine);
    if (comparisons.size > 10_000) comparisons.clear();
    comparisons.set(key, known);
  }
  return known;
}

function compareTypesUncached(declaredText: string, actualText: string, engine: Engine): TypeComparison {
  const declared = normalizeType(declaredText, engine);
  const actual = normalizeType(actualText, engine);
  if (formatCanonical(declared) === formatCanonical(actual)) return 'same';
  const widened = (() => {
    if (declared.family === 'integer' && actual.family === 'integer') {
      // Same sign and larger, or unsigned into a larger signed type; signed into unsigned never fits (negatives).
      return actual.bytes > declared.bytes && (actual.signed === declared.signed || (!declared.signed && actual.signed));
    }
    if (declared.family === 'decimal' && actual.family === 'decimal') {
      return actual.scale >= declared.scale && actual.precision - actual.scale >= declared.precision - declared.scale;
    }
    if (declared.family === 'integer' && actual.family === 'decimal') return actual.precision - actual.scale >= (INTEGER_DIGITS[declared.bytes] ?? 39);
    if (declared.family === 'decimal' && actual.family === 'integer') {
      return declared.scale === 0 && actual.signed && (INTEGER_DIGITS[actual.bytes] ?? 0) > declared.precision;
    }
    if (declared.family === 'float' && actual.family === 'float') return actual.bits > declared.bits;
    if (declared.family === 'string' && actual.family === 'string') {
      return actual.length === undefined || (declared.length !== undefined && actual.length >= declared.length);
    }
    return false;
  })();
  return widened ? 'widened' : 'changed';
}
