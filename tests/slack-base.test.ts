/**
 * The shared Slack pieces: the `slack:` / `statusUrl` config, the resolved
 * settings, the WebClient adapter's error map, and the fake Web API server
 * they are tested against (through the real @slack/web-api client).
 */
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, formatProblem } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { DEFAULT_SLACK_API_URL, resolveSlackSettings, slackEnabled } from '../config/slack.js';
import { MentionResolver } from '../notifier/slack/mentions.js';
import { callSlack, createSlackClient, SlackApiError } from '../notifier/slack/web-api.js';
import { memoryLogger } from './support/service.js';
import { FakeSlackApi } from './support/fake-slack-api.js';
import { WORKSPACE, writeConfigDir } from './support/config-dir.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function dirWith(workspace: string): Promise<string> {
  const { dir, cleanup } = await writeConfigDir({ 'meshwatch.yaml': workspace });
  cleanups.push(cleanup);
  return dir;
}

async function fake(options: Parameters<typeof FakeSlackApi.start>[0] = {}): Promise<FakeSlackApi> {
  const f = await FakeSlackApi.start(options);
  cleanups.push(() => f.close());
  return f;
}

describe('slack config', () => {
  it('reads statusUrl and the slack section, secrets from ${ENV}, the environment winning', async () => {
    const dir = await dirWith(`statusUrl: https://meshwatch.example.com/
slack: { botToken: "\${MY_TOKEN}", signingSecret: "\${MY_SECRET}", apiUrl: "http://127.0.0.1:9/api" }
${WORKSPACE}`);
    const config = await loadConfig(dir, { env: { MY_TOKEN: 'xoxb-file', MY_SECRET: 'sig-file' } });
    expect(config.workspace.statusUrl).toBe('https://meshwatch.example.com');
    const fromFile = resolveSlackSettings(config.workspace, {});
    expect(fromFile).toMatchObject({ botToken: 'xoxb-file', signingSecret: 'sig-file', apiUrl: 'http://127.0.0.1:9/api/', statusUrl: 'https://meshwatch.example.com', platformChannel: '#data-platform' });
    const fromEnv = resolveSlackSettings(config.workspace, { SLACK_BOT_TOKEN: 'xoxb-env', SLACK_SIGNING_SECRET: 'sig-env', SLACK_API_URL: 'http://proxy/api/' });
    expect(fromEnv).toMatchObject({ botToken: 'xoxb-env', signingSecret: 'sig-env', apiUrl: 'http://proxy/api/' });
    expect(slackEnabled(fromEnv)).toBe(true);
  });

  it('never prints the secrets when the settings are logged or inspected', () => {
    const settings = resolveSlackSettings(undefined, { SLACK_BOT_TOKEN: 'xoxb-very-secret', SLACK_SIGNING_SECRET: 'sig-very-secret' });
    expect(JSON.stringify({ settings })).not.toMatch(/very-secret/);
    expect(inspect(settings)).not.toMatch(/very-secret/);
    expect(JSON.stringify({ settings })).toContain('[redacted]');
  });

  it('is off without a token and defaults to Slack’s API', () => {
    const settings = resolveSlackSettings(undefined, {});
    expect(slackEnabled(settings)).toBe(false);
    expect(settings.apiUrl).toBe(DEFAULT_SLACK_API_URL);
  });

  it('refuses literal secrets in meshwatch.yaml and a bad statusUrl', async () => {
    const dir = await dirWith(`statusUrl: "not a url"
slack: { botToken: xoxb-literal, signingSecret: "\${SIG}" }
${WORKSPACE}`);
    const error = await loadConfig(dir, { env: { SIG: 'ok' } }).then(() => undefined, (err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map(formatProblem);
    expect(problems.some((p) => p.startsWith('meshwatch.yaml: statusUrl: expected the status page'))).toBe(true);
    const literal = await dirWith(`slack: { botToken: xoxb-literal }
${WORKSPACE}`);
    const err2 = await loadConfig(literal, { env: {} }).then(() => undefined, (err: unknown) => err);
    expect((err2 as ConfigError).problems.map(formatProblem)).toEqual([
      'meshwatch.yaml: slack.botToken: a secret must come from the environment, e.g. botToken: ${SLACK_BOT_TOKEN} (or set SLACK_BOT_TOKEN and leave it out)',
    ]);
    expect(JSON.stringify((err2 as ConfigError).problems)).not.toContain('xoxb-literal');
  });
});

describe('Slack Web API adapter against the fake server', () => {
  it('posts by channel name and gets the id back; update needs the id', async () => {
    const slack = await fake();
    const client = createSlackClient({ apiUrl: slack.url, botToken: slack.token });
    const posted = await client.chat.postMessage({ channel: '#sales-data', text: 'hello', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hello' } }] });
    expect(posted.channel).toMatch(/^C\d+$/);
    expect(slack.messages('#sales-data')).toHaveLength(1);
    await client.chat.update({ channel: posted.channel!, ts: posted.ts!, text: 'changed', blocks: [] });
    expect(slack.messages('#sales-data')[0]).toMatchObject({ text: 'changed', updates: 1 });
    const byName = await callSlack('chat.update', () => client.chat.update({ channel: '#sales-data', ts: posted.ts!, text: 'x' })).catch((e: unknown) => e);
    expect(byName).toMatchObject({ code: 'SLACK_CHANNEL_NOT_FOUND', retryable: false });
  });

  it('takes JSON bodies with a bearer token as Slack does, and refuses calls without a token', async () => {
    const slack = await fake();
    const call = (headers: Record<string, string>, body: unknown) =>
      fetch(`${slack.url}chat.postMessage`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<Record<string, unknown>>);
    const ok = await call({ authorization: `Bearer ${slack.token}` }, { channel: '#json', text: 'hi', blocks: [{ type: 'divider' }] });
    expect(ok).toMatchObject({ ok: true, channel: slack.channel('#json')!.id });
    expect(await call({}, { channel: '#json', text: 'hi' })).toMatchObject({ ok: false, error: 'not_authed' });
    expect(await call({ authorization: 'Bearer xoxb-nope' }, { channel: '#json', text: 'hi' })).toMatchObject({ ok: false, error: 'invalid_auth' });
    expect(slack.messages('#json')).toHaveLength(1);
    expect(slack.callsTo('chat.postMessage').map((c) => c.token)).toEqual([slack.token, undefined, 'xoxb-nope']);
  });

  it('answers chat.postEphemeral, conversations.info, conversations.replies and auth.test', async () => {
    const slack = await fake();
    const client = createSlackClient({ apiUrl: slack.url, botToken: slack.token });
    const channel = slack.addChannel('#eph');
    expect((await client.chat.postEphemeral({ channel: '#eph', user: 'U1', text: 'only you' })).message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(await callSlack('chat.postEphemeral', () => client.chat.postEphemeral({ channel: '#eph', user: '', text: 'x' })).catch((e: unknown) => e)).toMatchObject({ slackError: 'user_not_found' });
    expect((await client.conversations.info({ channel: channel.id })).channel).toMatchObject({ id: channel.id, name: 'eph', is_member: true });
    const parent = await client.chat.postMessage({ channel: channel.id, text: 'parent' });
    await client.chat.postMessage({ channel: channel.id, text: 'reply', thread_ts: parent.ts! });
    expect((await client.conversations.replies({ channel: channel.id, ts: parent.ts! })).messages?.map((m) => m.text)).toEqual(['parent', 'reply']);
    expect(await callSlack('chat.postMessage', () => client.chat.postMessage({ channel: channel.id, text: 'x', thread_ts: '1.000001' })).catch((e: unknown) => e)).toMatchObject({ slackError: 'thread_not_found' });
    expect(await client.auth.test()).toMatchObject({ ok: true, user_id: 'U0BOT' });
  });

  it('keeps metadata and returns it from history only with include_all_metadata', async () => {
    const slack = await fake();
    const client = createSlackClient({ apiUrl: slack.url, botToken: slack.token });
    const posted = await client.chat.postMessage({ channel: '#a', text: 't', metadata: { event_type: 'meshwatch_notification', event_payload: { incident: 'inc-1' } } });
    const plain = await client.conversations.history({ channel: posted.channel! });
    expect(plain.messages?.[0]?.metadata).toBeUndefined();
    const withMeta = await client.conversations.history({ channel: posted.channel!, include_all_metadata: true });
    expect(withMeta.messages?.[0]?.metadata).toEqual({ event_type: 'meshwatch_notification', event_payload: { incident: 'inc-1' } });
  });

  it('refuses Block Kit over Slack’s limits and a missing fallback text', async () => {
    const slack = await fake();
    const client = createSlackClient({ apiUrl: slack.url, botToken: slack.token });
    const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
    const tooMany = Array.from({ length: 51 }, () => section('x'));
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ text: 't', blocks: tooMany }, 'invalid_blocks'],
      [{ text: 't', blocks: [section('x'.repeat(3001))] }, 'invalid_blocks'],
      [{ text: 't', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] }, 'invalid_blocks'],
      [{ blocks: [section('x')] }, 'missing_fallback_text'],
      [{ text: 't', blocks: [{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'b' }, url: 'not-a-url' }] }] }, 'invalid_blocks'],
    ];
    for (const [args, error] of cases) {
      const err = await callSlack('chat.postMessage', () => client.chat.postMessage({ channel: '#a', ...args } as never)).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'SLACK_API_ERROR', slackError: error, retryable: false });
    }
    expect(slack.messages('#a')).toHaveLength(0);
  });

  it('maps 429, 5xx, lost answers, a down server and auth/channel errors to NotifierError codes', async () => {
    const slack = await fake();
    const client = createSlackClient({ apiUrl: slack.url, botToken: slack.token }, { timeoutMs: 500 });
    const post = () => callSlack('chat.postMessage', () => client.chat.postMessage({ channel: '#a', text: 't' })).then(() => 'ok', (e: unknown) => e as SlackApiError);

    slack.script('chat.postMessage', { kind: 'rateLimit', retryAfter: 7 });
    expect(await post()).toMatchObject({ code: 'SLACK_RATE_LIMITED', retryable: true, retryAfterMs: 7000 });
    slack.script('chat.postMessage', { kind: 'status', status: 503 });
    expect(await post()).toMatchObject({ code: 'SLACK_UNAVAILABLE', retryable: true });
    slack.script('chat.postMessage', { kind: 'lose' });
    expect(await post()).toMatchObject({ code: 'SLACK_NETWORK', retryable: true, maybeDelivered: true });
    slack.script('chat.postMessage', { kind: 'hang' });
    expect(await post()).toMatchObject({ code: 'SLACK_TIMEOUT', retryable: true, maybeDelivered: true });
    // Both lost answers were taken by Slack.
    expect(slack.messages('#a')).toHaveLength(2);
    slack.setDown(true);
    expect(await post()).toMatchObject({ code: 'SLACK_NETWORK', retryable: true });
    slack.setDown(false);
    expect(await post()).toBe('ok');
    slack.script('chat.postMessage', { kind: 'error', error: 'internal_error' });
    expect(await post()).toMatchObject({ code: 'SLACK_UNAVAILABLE', retryable: true });

    slack.removeChannel('#gone');
    expect(await callSlack('chat.postMessage', () => client.chat.postMessage({ channel: '#gone', text: 't' })).catch((e: unknown) => e)).toMatchObject({
      code: 'SLACK_CHANNEL_NOT_FOUND',
      retryable: false,
      isChannelProblem: true,
    });
    slack.addChannel('#private', { member: false });
    expect(await callSlack('chat.postMessage', () => client.chat.postMessage({ channel: '#private', text: 't' })).catch((e: unknown) => e)).toMatchObject({
      code: 'SLACK_NOT_IN_CHANNEL',
      retryable: false,
    });
    const wrong = createSlackClient({ apiUrl: slack.url, botToken: 'xoxb-wrong' });
    const authErr = await callSlack('auth.test', () => wrong.auth.test()).catch((e: unknown) => e as SlackApiError);
    expect(authErr).toMatchObject({ code: 'SLACK_INVALID_AUTH', retryable: false, isAuthProblem: true });
    expect(String((authErr as Error).message)).not.toContain('xoxb-wrong');
    expect(slack.calls.filter((c) => c.method === 'auth.test').map((c) => c.token)).toEqual(['xoxb-wrong']);
  });

  it('answers user groups, or missing_scope without usergroups:read; keeps response_url posts', async () => {
    const slack = await fake({ usergroups: [{ id: 'S0SALES', handle: 'sales-oncall', name: 'Sales on call', users: ['U1', 'U2'] }] });
    const client = createSlackClient({ apiUrl: slack.url, botToken: slack.token });
    const groups = await client.usergroups.list({});
    expect(groups.usergroups?.map((g) => g.handle)).toEqual(['sales-oncall']);
    expect((await client.usergroups.users.list({ usergroup: 'S0SALES' })).users).toEqual(['U1', 'U2']);
    slack.scopes.delete('usergroups:read');
    expect(await callSlack('usergroups.list', () => client.usergroups.list({})).catch((e: unknown) => e)).toMatchObject({ code: 'SLACK_MISSING_SCOPE', slackError: 'missing_scope' });

    const { id, url } = slack.responseUrl();
    const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'done', response_type: 'ephemeral' }) });
    expect(answer.status).toBe(200);
    expect(slack.responses.get(id)).toEqual([{ text: 'done', response_type: 'ephemeral' }]);
  });
});

describe('on-call mentions', () => {
  it('resolves handles through one cached usergroups.list, falls back to text without the scope, and picks the scope up after the cache time', async () => {
    const slack = await fake({ usergroups: [{ id: 'S0SALES', handle: 'sales-oncall', name: 'Sales on call', users: [] }] });
    slack.scopes.delete('usergroups:read');
    const { logger, lines } = memoryLogger();
    let now = 0;
    const resolver = new MentionResolver(createSlackClient({ apiUrl: slack.url, botToken: slack.token }), logger, 1_000, () => now);
    expect(await resolver.resolve('@sales-oncall')).toEqual({ handle: '@sales-oncall' });
    expect(await resolver.resolve('@sales-oncall')).toEqual({ handle: '@sales-oncall' });
    expect(slack.callsTo('usergroups.list')).toHaveLength(1);
    slack.scopes.add('usergroups:read');
    now = 2_000;
    expect(await resolver.resolve('@sales-oncall')).toEqual({ handle: '@sales-oncall', id: 'S0SALES' });
    expect(await resolver.resolve('@SALES-ONCALL')).toEqual({ handle: '@SALES-ONCALL', id: 'S0SALES' });
    expect(await resolver.resolve('@nobody')).toEqual({ handle: '@nobody' });
    expect(await resolver.resolve('<!subteam^S0OTHER|@other>')).toEqual({ handle: '<!subteam^S0OTHER|@other>', id: 'S0OTHER' });
    expect(slack.callsTo('usergroups.list')).toHaveLength(2);
    expect(lines.filter((l) => l.code === 'SLACK_MISSING_SCOPE')).toHaveLength(1);
  });
});
