/**
 * The Slack app: Bolt in HTTP mode, with signature verification on, serving
 * slash commands and interactivity at one path (`/slack/events`). Bolt's
 * HTTPReceiver is used only for its request listener: the service's own
 * HTTP server (status/http-server.ts) owns the port and hands it the
 * requests of that path, so Bolt never listens on a port of its own.
 *
 * Bolt checks `X-Slack-Signature` (HMAC-SHA256 of `v0:{timestamp}:{raw
 * body}` with the signing secret) and refuses timestamps more than 5 minutes
 * away with 401 before any listener runs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, HTTPReceiver, LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { DEFAULT_SLACK_API_URL } from '../../config/slack.js';
import { SLACK_ACTIONS } from './actions.js';
import { slackClientOptions } from './web-api.js';
import type { Answer, SlackInteractions } from './interactions.js';

/** Also in cli/commands/serve.ts, which routes it without loading Bolt. */
export const SLACK_EVENTS_PATH = '/slack/events';

export interface SlackAppOptions {
  readonly signingSecret: string;
  readonly botToken: string;
  /** Web API base URL for Bolt's own client (Slack's by default). */
  readonly apiUrl?: string | undefined;
  readonly logger: Logger;
}

/** Bolt's logger interface over pino; Bolt's debug chatter stays at debug. */
function boltLogger(logger: Logger): BoltLogger {
  let level = LogLevel.INFO;
  return {
    debug: (...msg: unknown[]) => logger.debug({ component: 'slack-app' }, msg.map(String).join(' ')),
    info: (...msg: unknown[]) => logger.info({ component: 'slack-app' }, msg.map(String).join(' ')),
    warn: (...msg: unknown[]) => logger.warn({ component: 'slack-app' }, msg.map(String).join(' ')),
    error: (...msg: unknown[]) => logger.error({ component: 'slack-app' }, msg.map(String).join(' ')),
    setLevel: (l: LogLevel) => void (level = l),
    getLevel: () => level,
    setName: () => {},
  };
}

const ephemeral = (answer: Answer) => ({ response_type: answer.inChannel ? ('in_channel' as const) : ('ephemeral' as const), text: answer.text });

/** The message a button is on, from a block_actions payload (absent for ephemeral or modal buttons). */
function clickedMessage(body: unknown): { channel: string; ts: string; text: string; blocks: readonly unknown[] } | undefined {
  const b = body as { container?: { channel_id?: string; message_ts?: string }; channel?: { id?: string }; message?: { ts?: string; text?: string; blocks?: unknown[] } };
  const channel = b.container?.channel_id ?? b.channel?.id;
  const ts = b.message?.ts ?? b.container?.message_ts;
  if (!channel || !ts || !Array.isArray(b.message?.blocks)) return undefined;
  return { channel, ts, text: b.message.text ?? '', blocks: b.message.blocks };
}

export class SlackApp {
  private readonly receiver: HTTPReceiver;
  readonly app: App;

  constructor(options: SlackAppOptions, interactions: SlackInteractions) {
    const logger = boltLogger(options.logger);
    this.receiver = new HTTPReceiver({
      signingSecret: options.signingSecret,
      signatureVerification: true,
      endpoints: SLACK_EVENTS_PATH,
      logger,
      // Answers after the acknowledgement go to response_url; the HTTP answer must not wait for them.
      processBeforeResponse: false,
    });
    const botToken = options.botToken;
    this.app = new App({
      receiver: this.receiver,
      // A fixed authorization: no auth.test round trip per request, and the token is never logged.
      authorize: async () => ({ botToken }),
      logger,
      // The same client options as the notifier's: a 429 is an error at once (no waiting out Retry-After inside a click's handler, no client retries).
      clientOptions: slackClientOptions({ apiUrl: options.apiUrl ?? DEFAULT_SLACK_API_URL }, { logger: options.logger }),
    });

    this.app.command(/^\/meshwatch/, async ({ command, ack, respond }) => {
      let outcome;
      try {
        outcome = interactions.command({ text: command.text, channelId: command.channel_id, channelName: command.channel_name, userId: command.user_id });
      } catch (err) {
        options.logger.error({ error: errorMessage(err) }, 'slash command failed');
        await ack({ response_type: 'ephemeral', text: 'meshwatch could not answer that; the error is in its log.' });
        return;
      }
      await ack(outcome.immediate ? ephemeral(outcome.immediate) : undefined);
      if (!outcome.later) return;
      try {
        await respond(ephemeral(await outcome.later()));
      } catch (err) {
        options.logger.error({ error: errorMessage(err), command: command.text }, 'slash command failed after the acknowledgement');
        await respond({ response_type: 'ephemeral', text: `meshwatch could not finish that: ${errorMessage(err)}` }).catch(() => {});
      }
    });

    const actionIds = Object.values(SLACK_ACTIONS) as string[];
    this.app.action(new RegExp(`^(${actionIds.map((a) => a.replace(/\./g, '\\.')).join('|')})$`), async ({ action, body, ack, respond, client }) => {
      await ack();
      const value = 'value' in action && typeof action.value === 'string' ? action.value : '';
      const actionId = 'action_id' in action ? action.action_id : '';
      try {
        const answer = await interactions.action({ actionId, value, userId: body.user.id, message: clickedMessage(body) });
        if (!answer) return;
        let updated = false;
        if (answer.update) {
          const { channel, ts, text, blocks } = answer.update;
          // chat.update, not response_url: a weekly message is clicked days later, past response_url's 30 minutes.
          updated = await client.chat
            .update({ channel, ts, text, blocks: blocks as never })
            .then(() => true)
            .catch((err: unknown) => {
              options.logger.warn({ error: errorMessage(err), action: actionId }, 'could not update the clicked message');
              return false;
            });
        }
        if (!(updated && answer.onlyIfNotUpdated)) await respond({ response_type: 'ephemeral', replace_original: false, text: answer.text });
      } catch (err) {
        options.logger.error({ error: errorMessage(err), action: actionId }, 'button action failed');
        await respond({ response_type: 'ephemeral', replace_original: false, text: `meshwatch could not do that: ${errorMessage(err)}` }).catch(() => {});
      }
    });

    this.app.error(async (err) => {
      options.logger.error({ error: errorMessage(err) }, 'Slack app error');
    });
  }

  /** The request listener for `/slack/events` (POST): Bolt answers on `res`. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    this.receiver.requestListener(req, res);
  }
}
