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
  | { readonly family: 'named'; readonly name: string };

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
  DATE: 'DATE', TIME: 'TIME',
  TIMESTAMP: 'TIMESTAMP_NTZ', DATETIME: 'TIMESTAMP_NTZ', TIMESTAMP_NTZ: 'TIMESTAMP_NTZ', 'TIMESTAMP WITHOUT TIME ZONE': 'TIMESTAMP_NTZ',
  TIMESTAMP_S: 'TIMESTAMP_NTZ', TIMESTAMP_MS: 'TIMESTAMP_NTZ', TIMESTAMP_NS: 'TIMESTAMP_NTZ', TIMESTAMP_US: 'TIMESTAMP_NTZ',
  TIMESTAMPTZ: 'TIMESTAMP_TZ', TIMESTAMP_TZ: 'TIMESTAMP_TZ', 'TIMESTAMP WITH TIME ZONE': 'TIMESTAMP_TZ',
  TIMESTAMP_LTZ: 'TIMESTAMP_LTZ',
  BLOB: 'BINARY', BYTEA: 'BINARY', BINARY: 'BINARY', VARBINARY: 'BINARY',
};

export function normalizeType(text: string, engine: Engine): CanonicalType {
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
  }
}

export type TypeComparison = 'same' | 'widened' | 'changed';

/** Compares a declared type with the actual one; `widened` means every declared value still fits. */
export function compareTypes(declaredText: string, actualText: string, engine: Engine): TypeComparison {
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
