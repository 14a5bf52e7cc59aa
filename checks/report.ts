/**
 * The report of one check run, as `meshwatch check --format json` prints it
 * (shape in DESIGN.md: `results` and `incidents`, plus a summary and the
 * warehouse's state).
 */
import type { Catalog } from '../catalog/catalog.js';
import type { CycleOutcome, WarehouseProblem } from './cycle.js';
import { buildIncidents, type Incident } from './incidents.js';
import type { CheckResult, CheckStatus } from './result.js';

export interface CheckReport {
  readonly results: readonly CheckResult[];
  readonly incidents: readonly Incident[];
  readonly summary: {
    readonly products: number;
    readonly checks: number;
    readonly statuses: Readonly<Record<CheckStatus, number>>;
    readonly warehouseQueries: number;
    readonly durationMs: number;
  };
  readonly warehouse: { readonly engine: string; readonly status: 'ok' | 'unavailable'; readonly problem?: WarehouseProblem | undefined };
}

export function buildReport(catalog: Catalog, outcome: CycleOutcome, context: { products: number; engine: string; durationMs: number }): CheckReport {
  const statuses: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, error: 0 };
  for (const r of outcome.results) statuses[r.status]++;
  return {
    results: outcome.results,
    incidents: buildIncidents(catalog, outcome.results),
    summary: { products: context.products, checks: outcome.results.length, statuses, warehouseQueries: outcome.queries, durationMs: context.durationMs },
    warehouse: outcome.warehouseProblem
      ? { engine: context.engine, status: 'unavailable', problem: outcome.warehouseProblem }
      : { engine: context.engine, status: 'ok' },
  };
}

/** Exit code of `meshwatch check`: 1 when any check failed or could not be evaluated. */
export function reportExitCode(report: CheckReport): 0 | 1 {
  return report.summary.statuses.fail > 0 || report.summary.statuses.error > 0 ? 1 : 0;
}

/** The report as JSON: integers beyond 2^53 (bigint sample values) become strings, dates ISO strings. */
export function reportToJson(report: CheckReport): string {
  return JSON.stringify(report, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2);
}
