import { describe, expect, it } from 'vitest';
import { compareTypes, formatCanonical, normalizeType } from '../checks/type-normalize.js';

describe('type normalisation', () => {
  it.each([
    ['INT', 'INTEGER', 'duckdb', 'same'],
    ['int4', 'INTEGER', 'duckdb', 'same'],
    ['BIGINT', 'INT8', 'duckdb', 'same'],
    ['VARCHAR(20)', 'VARCHAR', 'duckdb', 'widened'],
    ['TEXT', 'VARCHAR', 'duckdb', 'same'],
    ['STRING', 'TEXT', 'snowflake', 'same'],
    ['VARCHAR', 'TEXT(16777216)', 'snowflake', 'same'],
    ['VARCHAR', 'VARCHAR(50)', 'snowflake', 'changed'],
    ['VARCHAR(50)', 'VARCHAR(20)', 'duckdb', 'changed'],
    ['DECIMAL(12,2)', 'DECIMAL(12,2)', 'duckdb', 'same'],
    ['NUMERIC(12,2)', 'DECIMAL(12,2)', 'duckdb', 'same'],
    ['DECIMAL(12,2)', 'DECIMAL(18,2)', 'duckdb', 'widened'],
    ['DECIMAL(12,2)', 'DECIMAL(12,4)', 'duckdb', 'changed'],
    ['DECIMAL(12,2)', 'DECIMAL(10,2)', 'duckdb', 'changed'],
    ['DECIMAL(12,2)', 'DOUBLE', 'duckdb', 'changed'],
    ['DECIMAL', 'DECIMAL(18,3)', 'duckdb', 'same'],
    ['INTEGER', 'BIGINT', 'duckdb', 'widened'],
    ['BIGINT', 'INTEGER', 'duckdb', 'changed'],
    ['INTEGER', 'DECIMAL(10,0)', 'duckdb', 'widened'],
    ['INTEGER', 'DECIMAL(9,0)', 'duckdb', 'changed'],
    ['INTEGER', 'NUMBER(38,0)', 'snowflake', 'same'],
    ['BIGINT', 'NUMBER(38,0)', 'snowflake', 'same'],
    ['INTEGER', 'VARCHAR', 'duckdb', 'changed'],
    ['FLOAT', 'DOUBLE', 'duckdb', 'widened'],
    ['DOUBLE', 'FLOAT', 'duckdb', 'changed'],
    ['DOUBLE', 'FLOAT', 'snowflake', 'same'],
    ['TIMESTAMP', 'TIMESTAMP_NTZ', 'snowflake', 'same'],
    ['DATETIME', 'TIMESTAMP', 'duckdb', 'same'],
    ['TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'duckdb', 'changed'],
    ['TIMESTAMPTZ', 'TIMESTAMP_TZ', 'snowflake', 'same'],
    ['BOOL', 'BOOLEAN', 'duckdb', 'same'],
    ['DATE', 'TIMESTAMP', 'duckdb', 'changed'],
    ['INTEGER', 'UINTEGER', 'duckdb', 'changed'],
    ['BIGINT', 'UBIGINT', 'duckdb', 'changed'],
    ['UINTEGER', 'BIGINT', 'duckdb', 'widened'],
    ['UINTEGER', 'INTEGER', 'duckdb', 'changed'],
    ['USMALLINT', 'UINTEGER', 'duckdb', 'widened'],
    // Aliases and spacing DuckDB accepts for the same type (issue 9: false alarms).
    ['INT4', 'INTEGER', 'duckdb', 'same'],
    ['FLOAT8', 'DOUBLE', 'duckdb', 'same'],
    ['STRING', 'VARCHAR', 'duckdb', 'same'],
    ['BPCHAR', 'VARCHAR', 'duckdb', 'same'],
    ['TIMESTAMPTZ', 'TIMESTAMP WITH TIME ZONE', 'duckdb', 'same'],
    ['DECIMAL(12, 2)', 'DECIMAL(12,2)', 'duckdb', 'same'],
    ['TIMETZ', 'TIME WITH TIME ZONE', 'duckdb', 'same'],
    ['INT4[]', 'INTEGER[]', 'duckdb', 'same'],
    ['LIST(INT)', 'INTEGER[]', 'duckdb', 'same'],
    ['integer []', 'INTEGER[]', 'duckdb', 'same'],
    ['FLOAT8[]', 'DOUBLE[]', 'duckdb', 'same'],
    ['DECIMAL(12, 2)[]', 'DECIMAL(12,2)[]', 'duckdb', 'same'],
    ['STRING[][]', 'VARCHAR[][]', 'duckdb', 'same'],
    ['INTEGER[3]', 'INTEGER[3]', 'duckdb', 'same'],
    ['STRUCT(a INT4, "B c" STRING)', 'STRUCT(a INTEGER, "B c" VARCHAR)', 'duckdb', 'same'],
    ['struct(A int, b struct(c text))', 'STRUCT(a INTEGER, b STRUCT(c VARCHAR))', 'duckdb', 'same'],
    ['MAP(STRING, INT8)', 'MAP(VARCHAR, BIGINT)', 'duckdb', 'same'],
    ["ENUM('a','b')", "ENUM('a', 'b')", 'duckdb', 'same'],
    ['UNION(num INT, str TEXT)', 'UNION(num INTEGER, str VARCHAR)', 'duckdb', 'same'],
    ['STRUCT(ts TIMESTAMPTZ, d DECIMAL(12, 2))[]', 'STRUCT(ts TIMESTAMP WITH TIME ZONE, d DECIMAL(12,2))[]', 'duckdb', 'same'],
    // ... and real changes inside compound types still fail.
    ['INTEGER[]', 'BIGINT[]', 'duckdb', 'changed'],
    ['INTEGER[]', 'INTEGER', 'duckdb', 'changed'],
    ['INTEGER[3]', 'INTEGER[]', 'duckdb', 'changed'],
    ['STRUCT(a INTEGER)', 'STRUCT(b INTEGER)', 'duckdb', 'changed'],
    ['STRUCT(a INTEGER, b VARCHAR)', 'STRUCT(b VARCHAR, a INTEGER)', 'duckdb', 'changed'],
    ['MAP(VARCHAR, INTEGER)', 'MAP(VARCHAR, VARCHAR)', 'duckdb', 'changed'],
    ["ENUM('a', 'b')", "ENUM('b', 'a')", 'duckdb', 'changed'],
    ["ENUM('a', 'b')", "ENUM('a', 'b', 'c')", 'duckdb', 'changed'],
  ] as const)('%s declared, %s actual on %s: %s', (declared, actual, engine, expected) => {
    expect(compareTypes(declared, actual, engine)).toBe(expected);
  });

  it('prints canonical names', () => {
    expect(formatCanonical(normalizeType('int4', 'duckdb'))).toBe('INTEGER');
    expect(formatCanonical(normalizeType('character varying(12)', 'duckdb'))).toBe('VARCHAR(12)');
    expect(formatCanonical(normalizeType('NUMBER', 'snowflake'))).toBe('DECIMAL(38,0)');
  });
});
