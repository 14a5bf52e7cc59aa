/**
 * The one place that makes `@slack/web-api` clients, and the one map from
 * Slack's errors to meshwatch's. The Slack notifier and the Slack app both
 * get their clients (or the client options, for Bolt) from here, so every
 * client points at the same `apiUrl` and fails the same way.
 *
 * Retries belong to the notify queue, not to the client: the client's own
 * retry policy would sit on a 429 for `Retry-After` with its whole request
 * queue paused (every channel waits) and retry a 5xx for half an hour inside
 * one job. So: `rejectRateLimitedCalls` and no retries here; the queue delays
 * the job by `retryAfterMs` or backs off.
 */
import { ErrorCode, LogLevel, WebClient, type Logger as SlackLogger, type WebClientOptions } from '@slack/web-api';
import type { Logger } from '../../core/logger.js';
import type { SlackSettings } from '../../config/slack.js';
import { NotifierError } from '../notifier.js';

export { WebClient };

/** A request that has not answered after this long is given up (and treated like a lost answer). */
export const DEFAULT_SLACK_TIMEOUT_MS = 10_000;

/** Slack's `error` strings that mean the message can never go to that channel as configured. */
const CHANNEL_ERRORS: Readonly<Record<string, string>> = {
  channel_not_found: 'SLACK_CHANNEL_NOT_FOUND',
  not_in_channel: 'SLACK_NOT_IN_CHANNEL',
  is_archived: 'SLACK_CHANNEL_ARCHIVED',
  restricted_action: 'SLACK_RESTRICTED_ACTION',
};

/** The token is wrong or gone: nothing works until an operator fixes it. */
const AUTH_ERRORS = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'no_permission', 'ekm_access_denied']);

/** `ok: false` answers that are Slack's own trouble, worth another try. */
const TRANSIENT_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);

/**
 * A failed Slack call. `slackError` is Slack's own `error` string for
 * `ok: false` answers; `retryAfterMs` is set for rate limits.
 */
export class SlackApiError extends NotifierError {
  readonly slackError: string | undefined;
  /** The request may have reached Slack (timeout, connection lost mid-answer): look before re-sending. */
  readonly maybeDelivered: boolean;

  constructor(
    code: string,
    message: string,
    options: { retryable: boolean; cause?: unknown; slackError?: string; retryAfterMs?: number; maybeDelivered?: boolean },
  ) {
    super(code, message, { retryable: options.retryable, cause: options.cause, retryAfterMs: options.retryAfterMs });
    this.slackError = options.slackError;
    this.maybeDelivered = options.maybeDelivered ?? false;
  }

  get isChannelProblem(): boolean {
    return this.slackError !== undefined && this.slackError in CHANNEL_ERRORS;
  }

  get isAuthProblem(): boolean {
    return this.code === 'SLACK_INVALID_AUTH';
  }
}

/** Slack answered `ok: false` with `missing_scope`. */
export function isMissingScope(err: unknown): boolean {
  return err instanceof SlackApiError && err.slackError === 'missing_scope';
}

interface ErrorShape {
  code?: unknown;
  data?: { error?: unknown; needed?: unknown };
  retryAfter?: unknown;
  statusCode?: unknown;
  original?: unknown;
}

/** Maps anything a WebClient call throws to a SlackApiError (never leaks the token: messages are built here). */
export function toSlackError(err: unknown, method: string): SlackApiError {
  if (err instanceof SlackApiError) return err;
  const e = (err ?? {}) as ErrorShape;
  switch (e.code) {
    case ErrorCode.RateLimitedError: {
      const seconds = typeof e.retryAfter === 'number' && Number.isFinite(e.retryAfter) ? e.retryAfter : 1;
      return new SlackApiError('SLACK_RATE_LIMITED', `Slack rate-limited ${method}; retry after ${seconds} s`, {
        retryable: true,
        cause: err,
        retryAfterMs: Math.max(0, seconds) * 1000,
      });
    }
    case ErrorCode.PlatformError: {
      const slackError = typeof e.data?.error === 'string' ? e.data.error : 'unknown_error';
      const needed = typeof e.data?.needed === 'string' ? ` (needs scope ${e.data.needed})` : '';
      if (slackError === 'ratelimited') {
        return new SlackApiError('SLACK_RATE_LIMITED', `Slack rate-limited ${method}`, { retryable: true, cause: err, slackError, retryAfterMs: 1000 });
      }
      if (AUTH_ERRORS.has(slackError)) {
        return new SlackApiError('SLACK_INVALID_AUTH', `Slack refused the bot token on ${method}: ${slackError}; check SLACK_BOT_TOKEN`, { retryable: false, cause: err, slackError });
      }
      const channelCode = CHANNEL_ERRORS[slackError];
      if (channelCode) return new SlackApiError(channelCode, `Slack refused ${method}: ${slackError}`, { retryable: false, cause: err, slackError });
      if (slackError === 'missing_scope') {
        return new SlackApiError('SLACK_MISSING_SCOPE', `Slack refused ${method}: missing_scope${needed}`, { retryable: false, cause: err, slackError });
      }
      if (TRANSIENT_ERRORS.has(slackError)) {
        return new SlackApiError('SLACK_UNAVAILABLE', `Slack failed ${method}: ${slackError}`, { retryable: true, cause: err, slackError });
      }
      return new SlackApiError('SLACK_API_ERROR', `Slack refused ${method}: ${slackError}`, { retryable: false, cause: err, slackError });
    }
    case ErrorCode.HTTPError: {
      const status = typeof e.statusCode === 'number' ? e.statusCode : 0;
      // Slack uses only 200 and 429; anything else came from its edge or a proxy.
      const retryable = status >= 500 || status === 408 || status === 0;
      return new SlackApiError(retryable ? 'SLACK_UNAVAILABLE' : 'SLACK_HTTP_ERROR', `Slack answered ${method} with HTTP ${status}`, {
        retryable,
        cause: err,
        // A 5xx from a gateway may come after Slack took the message.
        maybeDelivered: status >= 500,
      });
    }
    case ErrorCode.RequestError: {
      const original = e.original instanceof Error ? e.original : undefined;
      const timedOut = original !== undefined && (original.name === 'TimeoutError' || original.name === 'AbortError');
      return new SlackApiError(timedOut ? 'SLACK_TIMEOUT' : 'SLACK_NETWORK', `Slack ${method} ${timedOut ? 'timed out' : `failed: ${original?.message ?? 'network error'}`}`, {
        retryable: true,
        cause: err,
        // The request may have been taken before the answer was lost.
        maybeDelivered: true,
      });
    }
    default: {
      const message = err instanceof Error ? err.message : String(err);
      return new SlackApiError('SLACK_NETWORK', `Slack ${method} failed: ${message}`, { retryable: true, cause: err, maybeDelivered: true });
    }
  }
}

/** Sends the client's own log lines to pino at warn and above (its debug lines dump request bodies). */
function slackLogger(logger: Logger | undefined): SlackLogger {
  let level = LogLevel.WARN;
  let name = 'slack-web-api';
  const out = (fn: 'debug' | 'info' | 'warn' | 'error') => (...msgs: unknown[]) => {
    if (!logger) return;
    logger[fn]({ component: name }, msgs.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' '));
  };
  return {
    debug: () => {},
    info: () => {},
    warn: out('warn'),
    error: out('error'),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: (n: string) => {
      name = n;
    },
  };
}

export interface SlackClientOptions {
  readonly logger?: Logger | undefined;
  readonly timeoutMs?: number | undefined;
}

/**
 * The WebClient options every meshwatch client uses; the Slack app passes them
 * to Bolt (`clientOptions`) so that Bolt's clients reach the same `apiUrl`.
 */
export function slackClientOptions(settings: Pick<SlackSettings, 'apiUrl'>, options: SlackClientOptions = {}): WebClientOptions {
  return {
    slackApiUrl: settings.apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: options.timeoutMs ?? DEFAULT_SLACK_TIMEOUT_MS,
    logger: slackLogger(options.logger),
  };
}

export function createSlackClient(settings: Pick<SlackSettings, 'apiUrl' | 'botToken'>, options: SlackClientOptions = {}): WebClient {
  return new WebClient(settings.botToken, slackClientOptions(settings, options));
}

/** Runs one Web API call and maps whatever it throws. */
export async function callSlack<T>(method: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toSlackError(err, method);
  }
}
