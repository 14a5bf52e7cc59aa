/** Builds a DuckDB database file for a test with plain SQL, then closes it so adapters can open it read-only. */
import { DuckDBInstance } from '@duckdb/node-api';

export async function buildDuckdb(path: string, statements: readonly string[]): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    for (const sql of statements) await connection.run(sql);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** A TIMESTAMP literal `hours` before `now` (DuckDB TIMESTAMP is read as UTC). */
export function hoursAgo(now: Date, hours: number): string {
  return `TIMESTAMP '${new Date(now.getTime() - hours * 3_600_000).toISOString().replace('T', ' ').replace('Z', '')}'`;
}
