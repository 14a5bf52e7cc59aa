import { writeFile } from 'node:fs/promises';
import { Catalog } from '../../catalog/catalog.js';
import { runCheckCycle, unavailableCycle, type CycleOutcome } from '../../checks/cycle.js';
import { openWarehouse } from '../../checks/open-warehouse.js';
import { buildReport, reportExitCode, writeReportJson } from '../../checks/report.js';
import { formatNotice } from '../../config/notices.js';
import { loadConfig } from '../../sources/load-config.js';
import { createLogger } from '../../core/logger.js';
import { formatCheckReport } from '../format-check.js';
import type { CliIo } from '../io.js';

export interface CheckOptions {
  readonly config: string;
  readonly product?: string | undefined;
  readonly format: 'text' | 'json';
  /** Also write the run as one self-contained HTML page here. */
  readonly html?: string | undefined;
}

export async function checkCommand(options: CheckOptions, io: CliIo): Promise<number> {
  const config = await loadConfig(options.config, { env: io.env, now: io.now() });
  for (const n of config.notices) io.stderr(`${formatNotice(n)}\n`);
  const catalog = new Catalog(config);
  const products = options.product ? [catalog.product(options.product)] : config.products;
  const { workspace } = config;
  const logger = createLogger({ level: io.env.MESHWATCH_LOG_LEVEL ?? 'warn' });
  const started = Date.now();
  const now = io.now();

  const engine = workspace.warehouse.type;

  const runCycle = async (): Promise<CycleOutcome> => {
    let warehouse;
    try {
      warehouse = await openWarehouse(workspace.warehouse, { defaultTimeoutMs: workspace.defaults.queryTimeoutMs, logger });
    } catch (err) {
      // The report says this once; the stack is for MESHWATCH_LOG_LEVEL=debug.
      logger.debug({ err }, 'warehouse unavailable');
      return unavailableCycle(products, err, now);
    }
    try {
      // Statement timeouts are the adapter's default (defaults.queryTimeout, or Snowflake's statementTimeout).
      return await runCheckCycle(warehouse, { products, mesh: config.products, now, concurrency: workspace.defaults.concurrency, defaults: workspace.defaults });
    } finally {
      await warehouse.close();
    }
  };
  const outcome = await runCycle();
  const report = buildReport(catalog, outcome, { products: products.length, engine, durationMs: Date.now() - started });
  // Streamed: a storm's report is larger than the longest string the engine can build.
  if (options.format === 'json') writeReportJson(report, io.stdout);
  else io.stdout(formatCheckReport(report, catalog));
  if (options.html) {
    const { reportHtml } = await import('../../status/render/report.js');
    await writeFile(options.html, reportHtml(report, catalog, now));
    io.stderr(`meshwatch: wrote ${options.html}\n`);
  }
  return reportExitCode(report);
}
