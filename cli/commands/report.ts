/**
 * `meshwatch report`: one command, several reports. `--since` is the
 * accountability report (report-since.ts); `--tiers` the tier audit
 * (report-tiers.ts). One at a time: they answer different questions and
 * print different documents.
 */
import { UsageError } from '../../core/errors.js';
import type { CliIo } from '../io.js';

export interface ReportOptions {
  readonly since?: string | undefined;
  readonly tiers?: boolean;
  /** Keep restricted products' failing checks (report --since). */
  readonly full?: boolean;
  readonly config: string;
  readonly format?: string | undefined;
  readonly table?: string | undefined;
  readonly until?: string | undefined;
}

export async function reportCommand(options: ReportOptions, io: CliIo): Promise<number> {
  if (options.tiers && options.since !== undefined) throw new UsageError('report takes --since or --tiers, not both');
  if (options.tiers) {
    if (options.table !== undefined) throw new UsageError('--table belongs to report --since --format csv');
    if (options.full) throw new UsageError('--full belongs to report --since');
    if (options.until !== undefined) throw new UsageError('--until belongs to report --since');
    const format = options.format ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, got "${format}"`);
    return (await import('./report-tiers.js')).reportTiersCommand({ config: options.config, format }, io);
  }
  if (options.since !== undefined) {
    const format = options.format ?? 'text';
    if (format !== 'text' && format !== 'json' && format !== 'csv') throw new UsageError(`--format must be text, json or csv, got "${format}"`);
    return (await import('./report-since.js')).reportSinceCommand({ since: options.since, config: options.config, format, table: options.table, until: options.until, full: options.full ?? false }, io);
  }
  if (options.until !== undefined) throw new UsageError('--until goes with --since, e.g. meshwatch report --since 14d --until 7d');
  throw new UsageError('report needs --since or --tiers, e.g. meshwatch report --since 30d --config DIR');
}
