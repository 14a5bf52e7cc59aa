import path from 'node:path';
import { Catalog, type ConsumerSource } from '../../catalog/catalog.js';
import { SubscriptionSource } from '../../catalog/subscription-source.js';
import { ConfigError, formatProblem } from '../../config/errors.js';
import { formatNotice } from '../../config/notices.js';
import { loadConfigWithDangling } from '../../sources/load-config.js';
import type { SourceEntry } from '../../config/schema.js';
import type { MeshConfig } from '../../config/types.js';
import { UsageError } from '../../core/errors.js';
import { materializeBase } from '../../preflight/base.js';
import { runPreflight } from '../../preflight/preflight.js';
import { formatPreflightMarkdown, formatPreflightText, preflightJson } from '../format-preflight.js';
import { EXIT, type CliIo } from '../io.js';
import { readSubscriptions } from '../subscriptions.js';

export interface PreflightOptions {
  readonly config: string;
  /** A config directory or a git revision; defaults to --config itself when only --base-manifest is given. */
  readonly base?: string | undefined;
  readonly baseManifest?: string | undefined;
  readonly format: 'text' | 'json' | 'markdown';
  readonly allowBreaking: boolean;
  /** Consumers beyond config files for the new mesh (tests; the Slack subscription store, see below). */
  readonly consumerSources?: readonly ConsumerSource[] | undefined;
}

/**
 * Slack subscriptions of the mesh as a consumer source, read from the
 * subscription store when Redis is configured (REDIS_URL, else `redis.url`)
 * and reachable, as `meshwatch impact` reads them: a channel that subscribed
 * to a column counts as one of its readers. Unreachable Redis is a note on
 * stderr (readSubscriptions says it) and preflight goes on with the config's
 * consumers: a CI job without Redis still gets its answer.
 */
export async function slackSubscriptionSources(config: MeshConfig, io: CliIo): Promise<ConsumerSource[]> {
  const subscriptions = await readSubscriptions(config, io);
  if (!subscriptions || subscriptions.length === 0) return [];
  const source = new SubscriptionSource(new Catalog(config).engine);
  source.replace(subscriptions);
  return [source];
}

/** --base-manifest replaces the manifest of the base's one dbt source (target/ is rarely committed). */
function replaceManifest(manifest: string): (sources: readonly SourceEntry[]) => SourceEntry[] {
  const absolute = path.resolve(manifest);
  return (sources) => {
    const dbt = sources.filter((s) => 'dbt' in s);
    if (dbt.length !== 1) {
      throw new UsageError(`--base-manifest needs exactly one dbt source in the base's meshwatch.yaml sources, found ${dbt.length}`);
    }
    return sources.map((s) => ('dbt' in s ? { ...s, dbt: { manifest: absolute } } : s));
  };
}

export async function preflightCommand(options: PreflightOptions, io: CliIo): Promise<number> {
  if (options.base === undefined && options.baseManifest === undefined) {
    throw new UsageError('preflight needs --base DIR|REV (or --base-manifest PATH for a dbt project), e.g. meshwatch preflight --config . --base origin/main');
  }
  const now = io.now();
  const base = await materializeBase(options.base ?? options.config, options.config);
  try {
    let baseConfig: MeshConfig;
    try {
      const loaded = await loadConfigWithDangling(base.dir, {
        env: io.env,
        now,
        replaceSources: options.baseManifest !== undefined ? replaceManifest(options.baseManifest) : undefined,
      });
      if (loaded.dangling.length > 0) throw new ConfigError(loaded.dangling);
      baseConfig = loaded.config;
    } catch (err) {
      if (err instanceof ConfigError) {
        const manifestMissing = err.problems.some((p) => p.path.endsWith('.dbt.manifest')) && options.baseManifest === undefined;
        const hint = manifestMissing ? '\n(target/ is rarely committed: give the previous manifest with --base-manifest PATH)' : '';
        io.stderr(`meshwatch: the base config (${base.describe}) is invalid:\n${err.message}${hint}\n`);
        return EXIT.usage;
      }
      throw err;
    }
    const { config, dangling } = await loadConfigWithDangling(options.config, { env: io.env, now });
    for (const n of config.notices) io.stderr(`${formatNotice(n)}\n`);
    const consumerSources = [...(options.consumerSources ?? []), ...(await slackSubscriptionSources(config, io))];
    const report = runPreflight({ base: baseConfig, next: config, dangling, now, allowBreaking: options.allowBreaking, consumerSources });
    const header = { base: base.describe, config: options.config, now };
    const catalog = new Catalog(config);
    if (options.format === 'json') io.stdout(preflightJson(report, header));
    else if (options.format === 'markdown') io.stdout(formatPreflightMarkdown(report, catalog, header));
    else io.stdout(formatPreflightText(report, catalog, header));
    return report.exitCode === 1 ? EXIT.failed : EXIT.ok;
  } finally {
    await base.cleanup();
  }
}
