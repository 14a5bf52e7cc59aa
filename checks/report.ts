/**
 * The report of one check run, as `meshwatch check --format json` prints it
 * (shape in DESIGN.md: `results` and `incidents`, plus root-cause `groups`, a
 * summary and the warehouse's state).
 */
import type { Catalog } from '../catalog/catalog.js';
import type { CycleOutcome, MonitorProblem, WarehouseProblem } from './cycle.js';
import { analyzeIncidents, type Incident, type IncidentGroup } from './incidents.js';
import type { CheckResult, CheckStatus } from './result.js';

export interface CheckReport {
  readonly results: readonly CheckResult[];
  readonly incidents: readonly Incident[];
  readonly groups: readonly IncidentGroup[];
  readonly summary: {
    readonly products: number;
    readonly checks: number;
    readonly statuses: Readonly<Record<CheckStatus, number>>;
    /** Products with an incident, and how many of those are root incidents. */
    readonly failingProducts: number;
    readonly rootIncidents: number;
    readonly warehouseQueries: number;
    readonly durationMs: number;
  };
  readonly warehouse: { readonly engine: string; readonly status: 'ok' | 'unavailable'; readonly problem?: WarehouseProblem | undefined };
  /**
   * Problems of the monitor rather than of products (most of a database's
   * tables missing at once: a wrong warehouse file or revoked grants), said
   * once here; the checks concerned are `error`, and open no incident.
   */
  readonly monitorProblems: readonly MonitorProblem[];
}

export function buildReport(catalog: Catalog, outcome: CycleOutcome, context: { products: number; engine: string; durationMs: number }): CheckReport {
  const statuses: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, error: 0 };
  for (const r of outcome.results) statuses[r.status]++;
  const { incidents, groups } = analyzeIncidents(catalog, outcome.results);
  return {
    results: outcome.results,
    incidents,
    groups,
    summary: {
      products: context.products,
      checks: outcome.results.length,
      statuses,
      failingProducts: incidents.length,
      rootIncidents: groups.length,
      warehouseQueries: outcome.queries,
      durationMs: context.durationMs,
    },
    warehouse: outcome.warehouseProblem
      ? { engine: context.engine, status: 'unavailable', problem: outcome.warehouseProblem }
      : { engine: context.engine, status: 'ok' },
    monitorProblems: outcome.monitorProblems ?? [],
  };
}

/** Exit code of `meshwatch check`: 1 when any check failed or could not be evaluated. */
export function reportExitCode(report: CheckReport): 0 | 1 {
  return report.summary.statuses.fail > 0 || report.summary.statuses.error > 0 ? 1 : 0;
}

/** Integers beyond 2^53 (bigint sample values) become strings; dates become ISO strings through toJSON. */
const replacer = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);

/** Where the streamed JSON goes, a chunk at a time. */
export type JsonSink = (chunk: string) => void;

/** Bytes gathered before a chunk is handed to the sink: few writes, bounded memory. */
const CHUNK = 64 * 1024;

/**
 * Writes the report as one JSON document, element by element, so that its
 * size is bounded by what it holds and never by the engine's longest string
 * (a storm of 6,000 incidents overflowed `JSON.stringify` of the whole).
 * Every array element is one line; the document parses to the same value as
 * `JSON.stringify(report)`.
 */
export function writeReportJson(report: CheckReport, sink: JsonSink): void {
  let buffer = '';
  const write = (text: string) => {
    buffer += text;
    if (buffer.length >= CHUNK) {
      sink(buffer);
      buffer = '';
    }
  };
  const array = (key: string, items: readonly unknown[], last = false) => {
    write(`  ${JSON.stringify(key)}: [`);
    items.forEach((item, i) => write(`${i === 0 ? '\n' : ',\n'}    ${JSON.stringify(item, replacer)}`));
    write(items.length > 0 ? `\n  ]${last ? '' : ','}\n` : `]${last ? '' : ','}\n`);
  };
  write('{\n');
  array('results', report.results);
  array('incidents', report.incidents);
  array('groups', report.groups);
  write(`  "summary": ${JSON.stringify(report.summary, replacer)},\n`);
  write(`  "warehouse": ${JSON.stringify(report.warehouse, replacer)},\n`);
  write(`  "monitorProblems": ${JSON.stringify(report.monitorProblems, replacer)}\n}\n`);
  if (buffer.length > 0) sink(buffer);
}

/** The report as one JSON string; for small reports (tests). Large ones go through `writeReportJson`. */
export function reportToJson(report: CheckReport): string {
  const chunks: string[] = [];
  writeReportJson(report, (chunk) => chunks.push(chunk));
  return chunks.join('');
}
