/**
 * `meshwatch serve`: the service and its HTTP server on one port, SIGHUP
 * reloads config, SIGTERM / SIGINT drain and exit 0. The HTTP server starts
 * first, so `/healthz` answers while Redis is still being waited for (and
 * `/readyz` says 503 until it is there).
 */
import { parseDuration } from '../../config/duration.js';
import { UsageError } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import { resolveSlackSettings, slackEnabled } from '../../config/slack.js';
import type { Logger } from '../../core/logger.js';
import { LogNotifier } from '../../notifier/log-notifier.js';
import type { Notifier } from '../../notifier/notifier.js';
import type { SlackApp } from '../../notifier/slack/app.js';
import { MeshwatchService, type NotifierContext, type WorkerTuning } from '../../scheduler/service.js';
import { AccessControl, accessFromEnv } from '../../status/auth.js';
import { HttpServer, json } from '../../status/http-server.js';
import { mountStatusRoutes } from '../../status/routes.js';
import { serviceSource, subscriptionsOfCache } from '../../status/service-source.js';
import type { StatusSource } from '../../status/source.js';
import type { CliIo } from '../io.js';

export interface ServeOptions {
  readonly config: string;
  readonly port?: string | undefined;
  readonly shutdownTimeout?: string | undefined;
}

function portOf(text: string | undefined): number {
  const port = Number(text ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be a port number, got "${text}"`);
  return port;
}

/** Tuning from the environment, for operators and tests (undocumented values keep BullMQ's defaults). */
function workerTuning(env: NodeJS.ProcessEnv): Partial<WorkerTuning> {
  const lock = env.MESHWATCH_JOB_LOCK ? parseDuration(env.MESHWATCH_JOB_LOCK) : undefined;
  return lock ? { lockDurationMs: lock, stalledIntervalMs: lock } : {};
}

/** A proxy URL may carry a user and password: never in the log. */
function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

/**
 * The Slack app once the service runs: Slack settings come from the loaded
 * meshwatch.yaml and the environment. Without a bot token and a signing
 * secret there is no app (requests to /slack/events get 404); the secrets
 * are never logged. Bolt is imported only then, like the Slack notifier.
 */
export const SLACK_EVENTS_PATH = '/slack/events';

export async function startSlackApp(service: MeshwatchService, env: NodeJS.ProcessEnv, logger: Logger): Promise<SlackApp | undefined> {
  const settings = resolveSlackSettings(service.snapshot.config.workspace, env);
  if (!settings.botToken && !settings.signingSecret) return undefined;
  if (!settings.botToken || !settings.signingSecret) {
    logger.warn(`the Slack app needs both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or slack.botToken and slack.signingSecret); ${SLACK_EVENTS_PATH} stays off`);
    return undefined;
  }
  const [{ SlackApp }, { SlackInteractions }, { UsergroupMembers }, { createSlackClient }, { slackInteractionDeps }] = await Promise.all([
    import('../../notifier/slack/app.js'),
    import('../../notifier/slack/interactions.js'),
    import('../../notifier/slack/usergroup-members.js'),
    import('../../notifier/slack/web-api.js'),
    import('../../scheduler/slack-deps.js'),
  ]);
  const members = new UsergroupMembers(createSlackClient(settings, { logger }));
  const interactions = new SlackInteractions(slackInteractionDeps(service, { logger, usergroupMembers: (group) => members.members(group) }));
  logger.info({ path: SLACK_EVENTS_PATH }, 'Slack app listening for slash commands and buttons');
  return new SlackApp({ signingSecret: settings.signingSecret, botToken: settings.botToken, apiUrl: settings.apiUrl, logger }, interactions);
}

/**
 * Slack when a bot token is configured (SLACK_BOT_TOKEN or slack.botToken),
 * else the log notifier. Chosen once config is loaded; the Slack notifier is
 * imported only then, so serve without Slack never loads @slack/web-api.
 */
async function chooseNotifier(context: NotifierContext, io: CliIo, logger: Logger): Promise<Notifier> {
  const workspace = context.snapshot().config.workspace;
  const settings = resolveSlackSettings(workspace, io.env);
  if (!slackEnabled(settings)) {
    logger.info({ notifier: 'log' }, 'no Slack bot token (SLACK_BOT_TOKEN or slack.botToken): notifications go to the log notifier');
    return new LogNotifier(io.env.MESHWATCH_NOTIFY_LOG || undefined, io.stdout);
  }
  const { createSlackNotifier } = await import('../../notifier/slack/index.js');
  logger.info({ notifier: 'slack', apiUrl: withoutCredentials(settings.apiUrl) }, 'notifications go to Slack');
  return createSlackNotifier(settings, {
    redis: context.redis,
    keys: context.keys,
    engine: context.engine,
    results: context.results,
    catalog: () => context.snapshot().catalog,
    retentionMs: workspace.history.maxAgeMs,
    logger,
  }, {}, () => resolveSlackSettings(context.snapshot().config.workspace, io.env));
}

export async function serveCommand(options: ServeOptions, io: CliIo, signals: NodeJS.EventEmitter = process): Promise<number> {
  const port = portOf(options.port ?? io.env.PORT);
  const shutdownMs = options.shutdownTimeout === undefined ? 30_000 : parseDuration(options.shutdownTimeout);
  if (shutdownMs === undefined) throw new UsageError(`--shutdown-timeout must be a duration like 30s, got "${options.shutdownTimeout}"`);
  const logger = createLogger({ level: io.env.MESHWATCH_LOG_LEVEL ?? 'info' });
  const tickBackoff = io.env.MESHWATCH_TICK_BACKOFF ? parseDuration(io.env.MESHWATCH_TICK_BACKOFF) : undefined;
  const service = new MeshwatchService({
    configDir: options.config,
    env: io.env,
    notifier: (context) => chooseNotifier(context, io, logger),
    logger,
    workers: workerTuning(io.env),
    ...(tickBackoff ? { tuning: { tickBackoffMs: tickBackoff } } : {}),
  });

  let started = false;
  let slack: SlackApp | undefined;
  const http = new HttpServer(logger);
  http.route('POST', SLACK_EVENTS_PATH, (req, res) => {
    if (!started) return json(503, { error: 'starting' });
    if (!slack) return json(404, { error: 'the Slack app is not configured (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET)' });
    slack.handle(req.raw, res);
    return undefined;
  });
  http.route('GET', '/healthz', async () => json(200, started ? await service.healthReport() : { status: 'starting', replica: service.replicaId }));
  http.route('GET', '/readyz', async () => {
    const ready = started && (await service.ready());
    return json(ready ? 200 : 503, { ready, redis: ready ? 'ok' : 'unreachable or starting', config: started ? service.snapshot.hash : null });
  });
  // The status page, API and /metrics; the product pages show Slack subscriptions from the service's subscription cache.
  let source: StatusSource | undefined;
  mountStatusRoutes(http, { source: () => (started ? (source ??= serviceSource(service, { subscriptionsOf: subscriptionsOfCache(service.subscriptions) })) : undefined), access: new AccessControl(accessFromEnv(io.env)), metrics: service.metrics, logger });

  let stop!: (signal: string) => void;
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  const onTerm = (signal: string) => () => stop(signal);
  const onHup = () => {
    if (!started) return;
    logger.info('SIGHUP: reloading config');
    void service.reload().catch((err: unknown) => logger.error({ err }, 'reload failed'));
  };
  const term = onTerm('SIGTERM');
  const int = onTerm('SIGINT');
  signals.on('SIGTERM', term);
  signals.on('SIGINT', int);
  signals.on('SIGHUP', onHup);
  try {
    const bound = await http.listen(port);
    logger.info({ port: bound }, `listening on port ${bound}`);
    const starting = service.start().then(async () => {
      slack = await startSlackApp(service, io.env, logger);
      started = true;
    });
    const first = await Promise.race([starting.then(() => 'started'), stopped]);
    if (first !== 'started') {
      logger.info({ signal: first }, 'stopping before start completed');
      const closing = service.close(shutdownMs);
      await starting.catch(() => {});
      await closing;
      await http.close();
      return 0;
    }
    const signal = await stopped;
    logger.info({ signal, timeoutMs: shutdownMs }, 'shutting down: finishing running jobs');
    const { drained } = await service.close(shutdownMs);
    await http.close();
    logger.info({ drained }, 'stopped');
    return 0;
  } finally {
    signals.off('SIGTERM', term);
    signals.off('SIGINT', int);
    signals.off('SIGHUP', onHup);
  }
}
