/**
 * `meshwatch report`: one command, several reports. `--since` is the
 * accountability report (report-since.ts); `--tiers` (issue 16,
 * report-tiers.ts) joins here as another branch of the same dispatch.
 */
import { UsageError } from '../../core/errors.js';
import type { CliIo } from '../io.js';

export interface ReportOptions {
  readonly since?: string | undefined;
  readonly config: string;
  readonly format?: string | undefined;
  readonly table?: string | undefined;
}

export async function reportCommand(options: ReportOptions, io: CliIo): Promise<number> {
  if (options.since !== undefined) {
    const format = options.format ?? 'text';
    if (format !== 'text' && format !== 'json' && format !== 'csv') throw new UsageError(`--format must be text, json or csv, got "${format}"`);
    return (await import('./report-since.js')).reportSinceCommand({ since: options.since, config: options.config, format, table: options.table }, io);
  }
  throw new UsageError('report needs --since, e.g. meshwatch report --since 30d --config DIR');
}
