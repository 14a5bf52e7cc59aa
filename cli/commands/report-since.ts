/**
 * `meshwatch report --since 30d [--until 7d|ISO] [--format text|json|csv] [--table ...]`:
 * accountability figures from the incident history in Redis (REDIS_URL,
 * else `redis.url`, as `meshwatch incident`).
 */
import { loadFigures } from '../../accountability/load.js';
import { redactRestricted, REPORT_TABLES, reportCsv, reportJson, reportText, type ReportTable } from '../../accountability/report.js';
import { Catalog } from '../../catalog/catalog.js';
import { parseDuration } from '../../config/duration.js';
import { loadConfig } from '../../sources/load-config.js';
import { UsageError } from '../../core/errors.js';
import { CostStore } from '../../state/cost-store.js';
import { IncidentHistory } from '../../state/incident-history.js';
import type { CliIo } from '../io.js';
import { configuredRedisUrl, LOCAL_REDIS_URL, withCliRedis } from '../redis.js';

export interface ReportSinceOptions {
  readonly since: string;
  readonly config: string;
  readonly format: 'text' | 'json' | 'csv';
  readonly table?: string | undefined;
  /** The window's end (default now). */
  readonly until?: string | undefined;
  /** Keep restricted products' failing checks; without it they are redacted in every format. */
  readonly full?: boolean | undefined;
}

/** `30d` before now, or an ISO time. */
export function parseSince(text: string, now: Date): number {
  const ms = parseDuration(text);
  if (ms !== undefined) return now.getTime() - ms;
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/^\d{4}-\d{2}-\d{2}/.test(text)) throw new UsageError(`--since must be a duration like 30d or an ISO time, got "${text}"`);
  return at;
}

/** `--until`: a duration back from now (`2d`) or an ISO time, after `--since` and not in the future. */
export function parseUntil(text: string, now: Date): number {
  const ms = parseDuration(text);
  if (ms !== undefined) return now.getTime() - ms;
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/^\d{4}-\d{2}-\d{2}/.test(text)) throw new UsageError(`--until must be a duration like 7d or an ISO time, got "${text}"`);
  return at;
}

export async function reportSinceCommand(options: ReportSinceOptions, io: CliIo): Promise<number> {
  if (options.table !== undefined && !REPORT_TABLES.includes(options.table as ReportTable)) {
    throw new UsageError(`--table must be one of ${REPORT_TABLES.join(', ')}, got "${options.table}"`);
  }
  if (options.table !== undefined && options.format !== 'csv') throw new UsageError('--table goes with --format csv (text and json show every table)');
  const now = io.now();
  const fromMs = parseSince(options.since, now);
  if (fromMs >= now.getTime()) throw new UsageError(`--since ${options.since} is not in the past`);
  const toMs = options.until === undefined ? now.getTime() : parseUntil(options.until, now);
  if (toMs <= fromMs) throw new UsageError(`--until ${options.until} must be after --since ${options.since} (${new Date(toMs).toISOString()} is not after ${new Date(fromMs).toISOString()})`);
  // The figures of a window still running would change under the reader; a future end is a typo.
  if (toMs > now.getTime()) throw new UsageError(`--until ${options.until} is in the future`);
  const config = await loadConfig(options.config, { env: io.env });
  const url = configuredRedisUrl(config, io.env) ?? LOCAL_REDIS_URL;
  return withCliRedis(url, config, { name: 'cli-report' }, async (redis, keys) => {
    const retentionMs = config.workspace.history.incidentRetentionMs;
    const loaded = await loadFigures(
      { history: new IncidentHistory(redis, keys, retentionMs), cost: new CostStore(redis, keys, retentionMs), catalog: new Catalog(config) },
      { fromMs, toMs },
      now.getTime(),
    );
    const figures = options.full ? loaded : redactRestricted(loaded);
    const meta = { since: options.since, until: options.until, redacted: !options.full };
    if (options.format === 'json') io.stdout(reportJson(figures, meta));
    else if (options.format === 'csv') io.stdout(reportCsv(figures, (options.table ?? 'matrix') as ReportTable));
    else io.stdout(reportText(figures, meta));
    return 0;
  });
}
