/**
 * The Slack app in process, as `meshwatch serve` mounts it: a test service
 * (real Redis, DuckDB, recording notifier), the real Bolt app behind the
 * service's HttpServer at /slack/events, its Web API calls going to the fake
 * Slack server, and requests signed the way Slack signs them
 * (`v0=` HMAC-SHA256 of `v0:{timestamp}:{raw body}`).
 */
import { createHmac } from 'node:crypto';
import { startSlackApp } from '../../cli/commands/serve.js';
import { resolveSlackSettings } from '../../config/slack.js';
import { createLogger } from '../../core/logger.js';
import { createSlackNotifier } from '../../notifier/slack/index.js';
import type { NotifierContext } from '../../scheduler/service.js';
import type { SlackApp } from '../../notifier/slack/app.js';
import { HttpServer, json } from '../../status/http-server.js';
import { FakeSlackApi, type FakeSlackOptions } from './fake-slack-api.js';
import { drained, startTestService, until, type TestService, type TestServiceOptions } from './service.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';

export function sign(body: string, secret = SIGNING_SECRET, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'x-slack-signature': signature, 'x-slack-request-timestamp': String(timestamp) };
}

export interface SlackPost {
  readonly status: number;
  readonly text: string;
  /** The JSON answer, when there is one. */
  readonly body: Record<string, unknown> | undefined;
}

export interface ChannelRef {
  readonly id: string;
  readonly name: string;
}

export interface SlackHarness {
  readonly svc: TestService;
  readonly fake: FakeSlackApi;
  readonly app: SlackApp;
  readonly url: string;
  /** POSTs a raw body with the given headers (signed or not). */
  post(body: string, headers: Record<string, string>): Promise<SlackPost>;
  /** A signed `/meshwatch TEXT` from `user` in `channel`: the HTTP answer, and the response_url posts once `later` ones came. */
  command(text: string, channel: ChannelRef, user?: string): Promise<{ ack: SlackPost; responses: () => Array<Record<string, unknown>>; responded: () => Promise<Record<string, unknown>> }>;
  /** A signed button click (on `message`, when given: Slack sends the message with the click). */
  click(actionId: string, value: Record<string, string>, user: string, channel?: ChannelRef, message?: ClickedMessage): Promise<{ ack: SlackPost; responses: () => Array<Record<string, unknown>> }>;
  stop(): Promise<void>;
}

export function commandBody(text: string, channel: ChannelRef, user: string, responseUrl: string): string {
  return new URLSearchParams({
    token: 'verification-token-unused',
    team_id: 'T0TEAM',
    team_domain: 'example',
    channel_id: channel.id,
    channel_name: channel.name,
    user_id: user,
    user_name: user.toLowerCase(),
    command: '/meshwatch',
    text,
    api_app_id: 'A0APP',
    response_url: responseUrl,
    trigger_id: '1.2.3',
  }).toString();
}

/** The message a button is on, as Slack sends it with a click. */
export interface ClickedMessage {
  readonly ts: string;
  readonly text?: string | undefined;
  readonly blocks: unknown[];
}

export function actionBody(actionId: string, value: string, user: string, channel: ChannelRef, responseUrl: string, message?: ClickedMessage): string {
  const payload = {
    type: 'block_actions',
    team: { id: 'T0TEAM', domain: 'example' },
    user: { id: user, username: user.toLowerCase(), team_id: 'T0TEAM' },
    api_app_id: 'A0APP',
    token: 'verification-token-unused',
    container: { type: 'message', message_ts: message?.ts ?? '1700000000.000100', channel_id: channel.id, is_ephemeral: false },
    ...(message ? { message: { type: 'message', ts: message.ts, text: message.text ?? '', blocks: message.blocks } } : {}),
    trigger_id: '1.2.3',
    channel: { id: channel.id, name: channel.name },
    response_url: responseUrl,
    actions: [{ action_id: actionId, block_id: 'actions', type: 'button', value, action_ts: '1700000001.000200', text: { type: 'plain_text', text: 'x' } }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** `slackNotifier`: deliver through the real Slack notifier to the fake server instead of the recording notifier. */
export async function startSlackHarness(options: TestServiceOptions & { fake?: FakeSlackOptions; slackNotifier?: boolean }): Promise<SlackHarness> {
  const fake = await FakeSlackApi.start(options.fake ?? {});
  const notifier = (ctx: NotifierContext) => {
    const workspace = ctx.snapshot().config.workspace;
    return createSlackNotifier(resolveSlackSettings(workspace, { SLACK_BOT_TOKEN: fake.token, SLACK_API_URL: fake.url }), {
      ...ctx,
      catalog: () => ctx.snapshot().catalog,
      retentionMs: workspace.history.maxAgeMs,
    });
  };
  const svc = await startTestService(options.slackNotifier ? { ...options, extra: { ...options.extra, notifier } } : options);
  const logger = createLogger({ level: 'silent' });
  const app = await startSlackApp(svc.service, { SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.url }, logger);
  if (!app) throw new Error('the Slack app did not start');
  const http = new HttpServer(logger);
  http.route('POST', '/slack/events', (req, res) => {
    app.handle(req.raw, res);
    return undefined;
  });
  http.route('GET', '/healthz', () => json(200, { ok: true }));
  const port = await http.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}/slack/events`;

  const post = async (body: string, headers: Record<string, string>): Promise<SlackPost> => {
    const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
    const text = await res.text();
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, text, body: parsed };
  };

  return {
    svc,
    fake,
    app,
    url,
    post,
    async command(text, channel, user = 'U0ALICE') {
      const response = fake.responseUrl();
      const body = commandBody(text, channel, user, response.url);
      const ack = await post(body, sign(body));
      const responses = () => (fake.responses.get(response.id) ?? []) as Array<Record<string, unknown>>;
      return { ack, responses, responded: () => until(`answer to "/meshwatch ${text}"`, () => responses()[0]) };
    },
    async click(actionId, value, user, channel = { id: 'C0SALES', name: 'sales-data' }, message) {
      const response = fake.responseUrl();
      const body = actionBody(actionId, JSON.stringify(value), user, channel, response.url, message);
      const ack = await post(body, sign(body));
      return { ack, responses: () => (fake.responses.get(response.id) ?? []) as Array<Record<string, unknown>> };
    },
    async stop() {
      await drained(svc.service.queue.notify).catch(() => {});
      await http.close();
      await svc.stop();
      await fake.close();
    },
  };
}
