/**
 * Slack settings as `meshwatch serve` and the Slack app use them: the
 * environment (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL) wins over
 * the `slack:` section of meshwatch.yaml, whose secrets are `${ENV}`
 * references already resolved by the loader.
 *
 * The secrets are kept off every serialisation (`toJSON`, `util.inspect`), so
 * logging the settings object, or an object holding it, prints `[redacted]`.
 */
import type { Workspace } from './types.js';

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

export interface SlackSettings {
  /** Without a token, Slack is off: the log notifier stays the default. */
  readonly botToken: string | undefined;
  readonly signingSecret: string | undefined;
  /** Ends with `/`, as WebClient's `slackApiUrl` expects. */
  readonly apiUrl: string;
  /** `<statusUrl>/products/<id>` is linked from messages; undefined: no link. */
  readonly statusUrl: string | undefined;
  /** Platform channel for Slack's own errors (wrong channel, bad token). */
  readonly platformChannel: string | undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

export function resolveSlackSettings(workspace: Pick<Workspace, 'slack' | 'statusUrl' | 'platform'> | undefined, env: NodeJS.ProcessEnv): SlackSettings {
  const file = workspace?.slack;
  const botToken = nonEmpty(env.SLACK_BOT_TOKEN) ?? nonEmpty(file?.botToken);
  const signingSecret = nonEmpty(env.SLACK_SIGNING_SECRET) ?? nonEmpty(file?.signingSecret);
  const apiUrl = withSlash(nonEmpty(env.SLACK_API_URL) ?? nonEmpty(file?.apiUrl) ?? DEFAULT_SLACK_API_URL);
  const visible = {
    botToken: botToken === undefined ? undefined : '[redacted]',
    signingSecret: signingSecret === undefined ? undefined : '[redacted]',
    apiUrl,
    statusUrl: workspace?.statusUrl,
    platformChannel: workspace?.platform.slackChannel,
  };
  const settings = { ...visible, botToken, signingSecret };
  // Non-enumerable, so a spread copy does not carry them: callers read the fields they need.
  Object.defineProperty(settings, 'toJSON', { value: () => visible, enumerable: false });
  Object.defineProperty(settings, Symbol.for('nodejs.util.inspect.custom'), { value: () => visible, enumerable: false });
  return settings;
}

/** Slack is configured when there is a bot token. */
export function slackEnabled(settings: SlackSettings): boolean {
  return settings.botToken !== undefined;
}
