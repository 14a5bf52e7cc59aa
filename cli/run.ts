/**
 * Command-line dispatch. Parsing uses node:util's parseArgs (strict: unknown
 * flags are usage errors), so the CLI needs no extra dependency. Every
 * command returns its exit code; nothing here calls process.exit, so tests run
 * the CLI in process.
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/errors.js';
import { UnknownProductError } from '../catalog/catalog.js';
import { MeshwatchError, UsageError, errorMessage } from '../core/errors.js';
import { EXIT, type CliIo } from './io.js';

// Each command is imported when it runs: `serve` alone pulls in BullMQ and ioredis, `import`/`export`
// the ODCS and dbt readers, and every command would otherwise pay for all of them at start-up.

export const HELP = `meshwatch: monitors the data products of a data mesh and tells producers and consumers when one breaks

Usage:
  meshwatch validate --config DIR
      Load and check all config. Exit 0 valid, 2 invalid.
  meshwatch check --config DIR [--product ID] [--format text|json] [--html FILE]
      Run every check once, in process; print results, incidents and impact
      (--html also writes the run as one self-contained HTML page).
      Exit 0 no failure, 1 a check failed or could not be evaluated, 2 bad config or usage.
  meshwatch impact PRODUCT --config DIR [--columns a,b] [--format text|json]
      Who is downstream of PRODUCT (if only the given columns broke), Slack subscriptions included when
      Redis (REDIS_URL or redis.url) is reachable. Exit 0, 2.
  meshwatch serve --config DIR [--port N] [--shutdown-timeout 30s]
      Scheduler, workers, notifier and HTTP on one port (env PORT, default 8080): status page (/),
      JSON API (/api/...), /metrics, /healthz, /readyz. Tokens: MESHWATCH_READER_TOKEN, MESHWATCH_OPERATOR_TOKEN.
      Redis from REDIS_URL, else redis.url. SIGHUP reloads config; SIGTERM/SIGINT drain and exit 0.
  meshwatch incident ack|snooze|unsnooze|resolve ID --by NAME [--until 2h|ISO-TIME] [--config DIR]
  meshwatch incident list [--state open|acknowledged|snoozed|resolved] [--format text|json] [--config DIR]
      Act on incidents in Redis (who and when are recorded). Exit 0, 2.

  meshwatch preflight --config DIR --base DIR|REV [--base-manifest PATH] [--format text|json|markdown] [--allow-breaking]
      Who the change from BASE (a config directory or a git revision such as origin/main) to DIR would break.
      Exit 0 none hurt in another domain (or acknowledged), 1 some, 2 bad input.
  meshwatch report --tiers --config DIR [--format text|json]
      Products whose tier review (tierReviewedAt, governance.tierReviewEvery) is due, with links to their files. Exit 0, 2.
  meshwatch report --since 30d|ISO-TIME [--until 7d|ISO-TIME] [--config DIR] [--format text|json|csv] [--table matrix|domains|units|consumers|products] [--full]
      Accountability from the incident history in Redis: which business unit hurt which (incidents,
      consumer-hours), MTTA/MTTR and monitoring cost per domain, products ranked by harm.
      Window --since to --until (default now). Restricted products' checks are redacted unless --full.
      CSV prints one table (--table, default matrix). Exit 0, 2.

  meshwatch import odcs|dbt SOURCE... --out DIR [--domain ID] [--force]
      Write a config directory from ODCS contracts or dbt manifests (existing files kept without --force). Exit 0, 2.
  meshwatch export odcs --config DIR --out DIR
      Write one ODCS v3.1 contract per product. Exit 0, 2.
  meshwatch subscriptions export --config DIR [--out FILE|-]
      Write the Slack subscriptions in Redis as a consumers file (default DIR/consumers/slack-subscriptions.yaml).
      Exit 0, 2, 1 Redis unreachable.
  meshwatch subscriptions history [--config DIR] [--product ID] [--format text|json]
      Who subscribed, unsubscribed, asked for approval, decided or was refused, and when (newest first).
      Exit 0, 2, 1 Redis unreachable.

Every command exits 3 on an internal error (a bug in meshwatch), with one line on stderr.

Options:
  --config DIR    config directory with meshwatch.yaml, products/, consumers/ (default: .)
  --format FMT    text (default) or json: one JSON document on stdout; logs go to stderr
  -h, --help      this help
`;

type Format = 'text' | 'json';

function parseFormat(value: string | undefined): Format {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text';
  throw new UsageError(`--format must be text or json, got "${value}"`);
}

interface Parsed {
  readonly values: Readonly<Record<string, string | undefined>>;
  readonly help: boolean;
  readonly positionals: readonly string[];
}

/** Parses `--name value` options (all take a string) and at most `maxPositionals` arguments. */
function parse(argv: string[], names: readonly string[], maxPositionals: number): Parsed {
  const options: Record<string, { type: 'string' } | { type: 'boolean'; short: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const name of names) options[name] = { type: 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(errorMessage(err).replace(/\. To specify a positional argument.*$/s, ''));
  }
  if (parsed.positionals.length > maxPositionals) throw new UsageError(`unexpected argument "${parsed.positionals[maxPositionals]}"`);
  const values: Record<string, string | undefined> = {};
  for (const name of names) {
    const value = parsed.values[name];
    values[name] = typeof value === 'string' ? value : undefined;
  }
  return { values, help: parsed.values.help === true, positionals: parsed.positionals };
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout(HELP);
        return command === undefined ? EXIT.usage : EXIT.ok;
      case 'validate': {
        const { values, help: wantsHelp } = parse(rest, ['config'], 0);
        if (wantsHelp) return help(io);
        return await (await import('./commands/validate.js')).validateCommand({ config: values.config ?? '.' }, io);
      }
      case 'impact': {
        const { values, positionals, help: wantsHelp } = parse(rest, ['config', 'columns', 'format'], 1);
        if (wantsHelp) return help(io);
        const product = positionals[0];
        if (!product) throw new UsageError('impact needs a product id, e.g. meshwatch impact sales.orders --config DIR');
        const columnsText = values.columns;
        const columns = columnsText?.split(',').map((c) => c.trim()).filter(Boolean);
        if (columnsText !== undefined && columns?.length === 0) throw new UsageError('--columns needs at least one column name');
        return await (await import('./commands/impact.js')).impactCommand(
          { product, config: values.config ?? '.', columns, format: parseFormat(values.format) },
          io,
        );
      }
      case 'check': {
        const { values, help: wantsHelp } = parse(rest, ['config', 'product', 'format', 'html'], 0);
        if (wantsHelp) return help(io);
        if (values.html === '') throw new UsageError('--html needs a file name, e.g. --html report.html');
        return await (await import('./commands/check.js')).checkCommand(
          { config: values.config ?? '.', product: values.product, format: parseFormat(values.format), html: values.html },
          io,
        );
      }
      case 'serve': {
        const { values, help: wantsHelp } = parse(rest, ['config', 'port', 'shutdown-timeout'], 0);
        if (wantsHelp) return help(io);
        return await (await import('./commands/serve.js')).serveCommand({ config: values.config ?? '.', port: values.port, shutdownTimeout: values['shutdown-timeout'] }, io);
      }
      case 'incident': {
        const { values, positionals, help: wantsHelp } = parse(rest, ['config', 'by', 'until', 'state', 'format'], 2);
        if (wantsHelp) return help(io);
        const [action, id] = positionals;
        if (!action) throw new UsageError('incident needs an action: list, ack, snooze, unsnooze, resolve');
        return await (await import('./commands/incident.js')).incidentCommand(
          { action, id, by: values.by, until: values.until, state: values.state, config: values.config ?? '.', format: parseFormat(values.format) },
          io,
        );
      }
      case 'preflight': {
        const allowBreaking = rest.includes('--allow-breaking');
        const { values, help: wantsHelp } = parse(rest.filter((a) => a !== '--allow-breaking'), ['config', 'base', 'base-manifest', 'format'], 0);
        if (wantsHelp) return help(io);
        const format = values.format ?? 'text';
        if (format !== 'text' && format !== 'json' && format !== 'markdown') throw new UsageError(`--format must be text, json or markdown, got "${format}"`);
        return await (await import('./commands/preflight.js')).preflightCommand(
          { config: values.config ?? '.', base: values.base, baseManifest: values['base-manifest'], format, allowBreaking },
          io,
        );
      }
      case 'report': {
        const tiers = rest.includes('--tiers');
        const full = rest.includes('--full');
        const { values, help: wantsHelp } = parse(rest.filter((a) => a !== '--tiers' && a !== '--full'), ['config', 'since', 'until', 'format', 'table'], 0);
        if (wantsHelp) return help(io);
        return await (await import('./commands/report.js')).reportCommand(
          { since: values.since, until: values.until, tiers, full, config: values.config ?? '.', format: values.format, table: values.table },
          io,
        );
      }
      case 'import': {
        const force = rest.includes('--force');
        const { values, positionals, help: wantsHelp } = parse(rest.filter((a) => a !== '--force'), ['out', 'domain'], Number.MAX_SAFE_INTEGER);
        if (wantsHelp) return help(io);
        const [kind, ...sources] = positionals;
        if (kind !== 'odcs' && kind !== 'dbt') throw new UsageError('import needs a format: meshwatch import odcs|dbt SOURCE... --out DIR');
        if (sources.length === 0) throw new UsageError(`import ${kind} needs at least one source file`);
        if (!values.out) throw new UsageError('import needs --out DIR');
        return await (await import('./commands/import.js')).importCommand({ kind, sources, out: values.out, domain: values.domain, force }, io);
      }
      case 'export': {
        const { values, positionals, help: wantsHelp } = parse(rest, ['config', 'out'], 1);
        if (wantsHelp) return help(io);
        if (positionals[0] !== 'odcs') throw new UsageError('export needs a format: meshwatch export odcs --config DIR --out DIR');
        if (!values.out) throw new UsageError('export needs --out DIR');
        return await (await import('./commands/export.js')).exportCommand({ config: values.config ?? '.', out: values.out }, io);
      }
      case 'subscriptions': {
        const { values, positionals, help: wantsHelp } = parse(rest, ['config', 'out', 'product', 'format'], 1);
        if (wantsHelp) return help(io);
        if (!positionals[0]) throw new UsageError('subscriptions needs an action: meshwatch subscriptions export --config DIR [--out FILE] | history --config DIR [--product ID] [--format text|json]');
        if (positionals[0] !== 'history' && (values.product !== undefined || values.format !== undefined)) throw new UsageError(`--product and --format are for subscriptions history`);
        return await (await import('./commands/subscriptions.js')).subscriptionsCommand(
          { action: positionals[0], config: values.config ?? '.', out: values.out, product: values.product, format: parseFormat(values.format) },
          io,
        );
      }
      default:
        throw new UsageError(`unknown command "${command}"; commands: validate, check, impact, serve, incident, preflight, report, import, export, subscriptions (see meshwatch --help)`);
    }
  } catch (err) {
    return reportError(err, io);
  }
}

function help(io: CliIo): number {
  io.stdout(HELP);
  return EXIT.ok;
}

function reportError(err: unknown, io: CliIo): number {
  if (err instanceof ConfigError) {
    io.stderr(`${err.message}\n`);
    return EXIT.usage;
  }
  if (err instanceof UsageError || err instanceof UnknownProductError) {
    io.stderr(`meshwatch: ${err.message}\n`);
    return EXIT.usage;
  }
  if (err instanceof MeshwatchError && err.origin !== 'bug') {
    io.stderr(`meshwatch: ${err.code}: ${err.message}\n`);
    return err.origin === 'user' ? EXIT.usage : EXIT.failed;
  }
  return reportInternalError(err, io);
}

/**
 * A bug: one line (scripts and people read stderr), exit 3 so that it is never
 * mistaken for "a check failed" (1) or "bad config" (2). The stack only when
 * asked for.
 */
export function reportInternalError(err: unknown, io: Pick<CliIo, 'stderr' | 'env'>): number {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
  const level = io.env.MESHWATCH_LOG_LEVEL;
  if (level === 'debug' || level === 'trace') {
    io.stderr(`meshwatch: internal error (a bug in meshwatch): ${err instanceof Error ? (err.stack ?? message) : message}\n`);
  } else {
    io.stderr(`meshwatch: internal error (a bug in meshwatch): ${message}; MESHWATCH_LOG_LEVEL=debug shows the stack\n`);
  }
  return EXIT.internal;
}
