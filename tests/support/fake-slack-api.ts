/**
 * A local server speaking Slack's Web API (the part meshwatch uses), for the
 * real `@slack/web-api` client: `new WebClient(token, { slackApiUrl: fake.url })`.
 *
 * - Bodies as Slack takes them: form-encoded (WebClient's default, objects as
 *   JSON strings) or JSON; the token as `Authorization: Bearer` or `token`.
 * - Every call is recorded (`calls`), with its parsed arguments and answer.
 * - Channels by name or id; `chat.postMessage` answers the channel's id, and
 *   `chat.update` / `conversations.*` accept only ids, like Slack.
 * - Block Kit is validated (50 blocks, section 3,000, header 150, fields,
 *   buttons, unique block ids, a total size) and a missing fallback `text` is
 *   refused: stricter than Slack, which only warns, because meshwatch must
 *   always send it.
 * - Scriptable: `script(method, behaviour, times)` answers 429 with
 *   Retry-After, an HTTP status, an `ok: false` error, or accepts the call and
 *   then loses the answer (connection reset, or no answer at all);
 *   `setDown(true)` refuses every connection until `setDown(false)`.
 * - `responseUrl()` gives a slash command `response_url` whose posts are kept.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeCall {
  readonly method: string;
  readonly token: string | undefined;
  readonly args: Record<string, unknown>;
  /** The answer sent, or `lost` / `refused` when none was. */
  status: number | 'lost' | 'refused';
  response?: Record<string, unknown>;
}

export interface FakeMessage {
  readonly channel: string;
  readonly ts: string;
  readonly threadTs: string | undefined;
  text: string | undefined;
  blocks: unknown[] | undefined;
  metadata: { event_type: string; event_payload: Record<string, unknown> } | undefined;
  /** How many times chat.update changed it. */
  updates: number;
}

export interface FakeChannel {
  readonly id: string;
  readonly name: string;
  /** The bot is in the channel (else posting answers not_in_channel). */
  member: boolean;
  readonly messages: FakeMessage[];
}

export type Behaviour =
  | { readonly kind: 'rateLimit'; readonly retryAfter: number }
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'error'; readonly error: string; readonly extra?: Record<string, unknown> }
  /** Do the call, then reset the connection instead of answering. */
  | { readonly kind: 'lose' }
  /** Do the call, then never answer (the client's timeout fires). */
  | { readonly kind: 'hang' };

interface Scripted {
  readonly method: string;
  readonly behaviour: Behaviour;
  remaining: number;
  readonly when: ((args: Record<string, unknown>) => boolean) | undefined;
}

export interface UserGroup {
  readonly id: string;
  readonly handle: string;
  readonly name: string;
  readonly users: readonly string[];
}

export interface FakeSlackOptions {
  readonly token?: string;
  /** Granted bot scopes; `usergroups:read` missing makes usergroups.* answer missing_scope. */
  readonly scopes?: readonly string[];
  readonly usergroups?: readonly UserGroup[];
  /** Channels named on first use exist (and the bot is in them); false: only `addChannel` ones. */
  readonly autoCreateChannels?: boolean;
}

export const DEFAULT_SCOPES = ['chat:write', 'chat:write.public', 'channels:history', 'groups:history', 'channels:read', 'groups:read', 'commands', 'usergroups:read', 'users:read'];

/** Slack's limits, also exported for tests that check the renderer stays within them. */
export const BLOCK_LIMITS = { blocks: 50, sectionText: 3000, headerText: 150, fields: 10, fieldText: 2000, contextElements: 10, actionsElements: 25, buttonText: 75, buttonValue: 2000, url: 3000, actionId: 255, blockId: 255, messageText: 40_000, total: 13_000 } as const;

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function textObject(where: string, value: unknown, max: number, errors: string[], plainOnly = false): void {
  if (!isRecord(value)) {
    errors.push(`${where} must be a text object`);
    return;
  }
  if (value.type !== 'plain_text' && value.type !== 'mrkdwn') errors.push(`${where}.type must be plain_text or mrkdwn`);
  if (plainOnly && value.type !== 'plain_text') errors.push(`${where} must be plain_text`);
  if (typeof value.text !== 'string' || value.text.length === 0) errors.push(`${where}.text is required`);
  else if (value.text.length > max) errors.push(`${where}.text must be at most ${max} characters (got ${value.text.length})`);
}

function element(where: string, value: unknown, errors: string[]): void {
  if (!isRecord(value)) {
    errors.push(`${where} must be an object`);
    return;
  }
  if (value.type === 'button') {
    textObject(`${where}.text`, value.text, BLOCK_LIMITS.buttonText, errors, true);
    if (value.action_id !== undefined && (typeof value.action_id !== 'string' || value.action_id.length > BLOCK_LIMITS.actionId)) errors.push(`${where}.action_id is invalid`);
    if (value.value !== undefined && (typeof value.value !== 'string' || value.value.length > BLOCK_LIMITS.buttonValue)) errors.push(`${where}.value is invalid`);
    if (value.url !== undefined && (typeof value.url !== 'string' || value.url.length > BLOCK_LIMITS.url || !/^https?:\/\//.test(value.url))) errors.push(`${where}.url is invalid`);
    if (value.style !== undefined && value.style !== 'primary' && value.style !== 'danger') errors.push(`${where}.style must be primary or danger`);
    return;
  }
  if (value.type === 'image') {
    if (typeof value.image_url !== 'string' || typeof value.alt_text !== 'string') errors.push(`${where} image needs image_url and alt_text`);
    return;
  }
  if (value.type === 'mrkdwn' || value.type === 'plain_text') {
    textObject(where, value, BLOCK_LIMITS.sectionText, errors);
    return;
  }
  errors.push(`${where}.type ${String(value.type)} is not supported here`);
}

/** Block Kit errors the way Slack words them in `response_metadata.messages`. */
export function validateBlocks(blocks: unknown): string[] {
  const errors: string[] = [];
  if (!Array.isArray(blocks)) return ['blocks must be an array'];
  if (blocks.length > BLOCK_LIMITS.blocks) errors.push(`no more than ${BLOCK_LIMITS.blocks} items allowed [json-pointer:/blocks]`);
  const ids = new Set<string>();
  blocks.forEach((block: unknown, i) => {
    const where = `/blocks/${i}`;
    if (!isRecord(block)) {
      errors.push(`${where} must be an object`);
      return;
    }
    if (block.block_id !== undefined) {
      if (typeof block.block_id !== 'string' || block.block_id.length > BLOCK_LIMITS.blockId) errors.push(`${where}/block_id is invalid`);
      else if (ids.has(block.block_id)) errors.push(`${where}/block_id ${block.block_id} is not unique`);
      else ids.add(block.block_id);
    }
    switch (block.type) {
      case 'header':
        textObject(`${where}/text`, block.text, BLOCK_LIMITS.headerText, errors, true);
        break;
      case 'section': {
        if (block.text === undefined && block.fields === undefined) errors.push(`${where} needs text or fields`);
        if (block.text !== undefined) textObject(`${where}/text`, block.text, BLOCK_LIMITS.sectionText, errors);
        if (block.fields !== undefined) {
          if (!Array.isArray(block.fields) || block.fields.length === 0 || block.fields.length > BLOCK_LIMITS.fields) errors.push(`${where}/fields must hold 1 to ${BLOCK_LIMITS.fields} items`);
          else block.fields.forEach((f: unknown, j) => textObject(`${where}/fields/${j}`, f, BLOCK_LIMITS.fieldText, errors));
        }
        if (block.accessory !== undefined) element(`${where}/accessory`, block.accessory, errors);
        break;
      }
      case 'context':
        if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > BLOCK_LIMITS.contextElements) errors.push(`${where}/elements must hold 1 to ${BLOCK_LIMITS.contextElements} items`);
        else block.elements.forEach((e: unknown, j) => element(`${where}/elements/${j}`, e, errors));
        break;
      case 'actions':
        if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > BLOCK_LIMITS.actionsElements) errors.push(`${where}/elements must hold 1 to ${BLOCK_LIMITS.actionsElements} items`);
        else block.elements.forEach((e: unknown, j) => element(`${where}/elements/${j}`, e, errors));
        break;
      case 'divider':
        break;
      default:
        errors.push(`${where}/type ${String(block.type)} is not a supported block type`);
    }
  });
  return errors;
}

/** Form fields that WebClient sends as JSON strings. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata', 'users', 'channels']);

function parseArgs(contentType: string, raw: string): Json {
  if (contentType.includes('application/json')) {
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    return isRecord(parsed) ? parsed : {};
  }
  const out: Json = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    if (JSON_FIELDS.has(key) && /^[[{]/.test(value)) {
      try {
        out[key] = JSON.parse(value) as unknown;
        continue;
      } catch {
        // Slack answers invalid_arguments below when it matters.
      }
    }
    out[key] = value;
  }
  return out;
}

function truthy(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 1;
}

class SlackFailure extends Error {
  constructor(readonly error: string, readonly extra: Json = {}) {
    super(error);
  }
}

export class FakeSlackApi {
  readonly calls: FakeCall[] = [];
  /** Posts to response_url endpoints, by id. */
  readonly responses = new Map<string, Json[]>();
  readonly channels = new Map<string, FakeChannel>();
  token: string;
  scopes: Set<string>;
  usergroups: UserGroup[];
  private readonly byName = new Map<string, string>();
  private readonly scripted: Scripted[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<ServerResponse>();
  private down = false;
  private channelSeq = 0;
  private lastTs = 0;
  private responseSeq = 0;
  private readonly autoCreate: boolean;

  private constructor(private readonly server: Server, readonly url: string, options: FakeSlackOptions) {
    this.token = options.token ?? 'xoxb-test-token';
    this.scopes = new Set(options.scopes ?? DEFAULT_SCOPES);
    this.usergroups = [...(options.usergroups ?? [])];
    this.autoCreate = options.autoCreateChannels ?? true;
  }

  static async start(options: FakeSlackOptions = {}): Promise<FakeSlackApi> {
    let fake: FakeSlackApi | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    server.on('connection', (socket) => {
      fake?.sockets.add(socket);
      socket.on('close', () => fake?.sockets.delete(socket));
      if (fake?.down) {
        // The method is unknown: the connection is refused before the request is read.
        fake.calls.push({ method: '(connection)', token: undefined, args: {}, status: 'refused' });
        socket.destroy();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeSlackApi(server, `http://127.0.0.1:${port}/api/`, options);
    return fake;
  }

  /** Base of the server, without `/api/`. */
  get origin(): string {
    return this.url.replace(/\/api\/$/, '');
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  addChannel(name: string, options: { member?: boolean; id?: string } = {}): FakeChannel {
    const bare = name.replace(/^#/, '');
    const existing = this.byName.get(bare);
    if (existing) return this.channels.get(existing)!;
    const id = options.id ?? `C${String(++this.channelSeq).padStart(8, '0')}`;
    const channel: FakeChannel = { id, name: bare, member: options.member ?? true, messages: [] };
    this.channels.set(id, channel);
    this.byName.set(bare, id);
    return channel;
  }

  /** Makes `name` unknown to Slack (channel_not_found) even with auto-creation on. */
  removeChannel(name: string): void {
    const bare = name.replace(/^#/, '');
    const id = this.byName.get(bare);
    if (id) this.channels.delete(id);
    this.byName.set(bare, '');
  }

  channel(nameOrId: string): FakeChannel | undefined {
    if (this.channels.has(nameOrId)) return this.channels.get(nameOrId);
    const id = this.byName.get(nameOrId.replace(/^#/, ''));
    return id ? this.channels.get(id) : undefined;
  }

  /** A person deleted a message (and with it, its thread). */
  deleteMessage(nameOrId: string, ts: string): void {
    const channel = this.channel(nameOrId);
    if (!channel) return;
    for (let i = channel.messages.length - 1; i >= 0; i--) {
      const m = channel.messages[i]!;
      if (m.ts === ts || m.threadTs === ts) channel.messages.splice(i, 1);
    }
  }

  /** Top-level messages of a channel, oldest first. */
  messages(nameOrId: string): FakeMessage[] {
    return (this.channel(nameOrId)?.messages ?? []).filter((m) => m.threadTs === undefined);
  }

  /** Thread replies under `ts`, oldest first. */
  replies(nameOrId: string, ts: string): FakeMessage[] {
    return (this.channel(nameOrId)?.messages ?? []).filter((m) => m.threadTs === ts);
  }

  callsTo(method: string): FakeCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** The next `times` calls of `method` (`*`: any), optionally only those whose args match, behave so. */
  script(method: string, behaviour: Behaviour, times = 1, when?: (args: Record<string, unknown>) => boolean): void {
    this.scripted.push({ method, behaviour, remaining: times, when });
  }

  clearScript(): void {
    this.scripted.length = 0;
  }

  /** Down: every connection is reset before a byte is read; calls are recorded as `refused`. */
  setDown(down: boolean): void {
    this.down = down;
    if (down) for (const socket of this.sockets) socket.destroy();
  }

  /** A `response_url` for a slash command; its posts land in `responses.get(id)`. */
  responseUrl(): { id: string; url: string } {
    const id = `r${++this.responseSeq}`;
    this.responses.set(id, []);
    return { id, url: `${this.origin}/responses/${id}` };
  }

  private nextTs(): string {
    // Unique and increasing, like Slack's: seconds.microseconds.
    const now = Date.now() * 1000;
    this.lastTs = Math.max(now, this.lastTs + 1);
    return `${Math.floor(this.lastTs / 1_000_000)}.${String(this.lastTs % 1_000_000).padStart(6, '0')}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    if (this.down) {
      this.calls.push({ method: url.pathname.replace(/^\/api\//, ''), token: undefined, args: {}, status: 'refused' });
      req.socket.destroy();
      return;
    }
    const responseMatch = /^\/responses\/([^/]+)$/.exec(url.pathname);
    if (responseMatch) {
      const list = this.responses.get(responseMatch[1]!);
      if (!list) return this.send(res, 404, { ok: false, error: 'no_such_response_url' });
      let body: Json;
      try {
        body = parseArgs(String(req.headers['content-type'] ?? 'application/json'), raw);
      } catch {
        return this.send(res, 400, { ok: false, error: 'invalid_json' });
      }
      list.push(body);
      return this.send(res, 200, { ok: true });
    }
    const method = url.pathname.replace(/^\/api\//, '');
    let args: Json;
    try {
      args = parseArgs(String(req.headers['content-type'] ?? ''), raw);
    } catch {
      const call: FakeCall = { method, token: undefined, args: {}, status: 200 };
      this.calls.push(call);
      return this.answer(res, call, 200, { ok: false, error: 'invalid_json' });
    }
    const auth = String(req.headers.authorization ?? '');
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : typeof args.token === 'string' ? args.token : undefined;
    delete args.token;
    const call: FakeCall = { method, token, args, status: 200 };
    this.calls.push(call);

    const scripted = this.scripted.find((s) => (s.method === method || s.method === '*') && s.remaining > 0 && (!s.when || s.when(args)));
    if (scripted) {
      scripted.remaining--;
      if (scripted.remaining === 0) this.scripted.splice(this.scripted.indexOf(scripted), 1);
      const b = scripted.behaviour;
      if (b.kind === 'rateLimit') {
        call.status = 429;
        res.writeHead(429, { 'Retry-After': String(b.retryAfter), 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
        return;
      }
      if (b.kind === 'status') {
        call.status = b.status;
        res.writeHead(b.status, { 'content-type': 'text/plain' });
        res.end('upstream trouble');
        return;
      }
      if (b.kind === 'error') return this.answer(res, call, 200, { ok: false, error: b.error, ...(b.extra ?? {}) });
      // lose / hang: the call takes effect, only the answer goes missing.
      const result = this.run(method, token, args);
      call.response = result;
      call.status = 'lost';
      if (b.kind === 'lose') req.socket.destroy();
      else this.hanging.add(res);
      return;
    }
    const result = this.run(method, token, args);
    this.answer(res, call, 200, result);
  }

  private answer(res: ServerResponse, call: FakeCall, status: number, body: Json): void {
    call.status = status;
    call.response = body;
    this.send(res, status, body);
  }

  private send(res: ServerResponse, status: number, body: Json): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  }

  private run(method: string, token: string | undefined, args: Json): Json {
    try {
      if (token === undefined || token === '') throw new SlackFailure('not_authed');
      if (token !== this.token) throw new SlackFailure('invalid_auth');
      const handler = this.methods[method];
      if (!handler) throw new SlackFailure('unknown_method');
      return { ok: true, ...handler(args) };
    } catch (err) {
      if (err instanceof SlackFailure) return { ok: false, error: err.error, ...err.extra };
      throw err;
    }
  }

  private resolveChannel(value: unknown, byNameAllowed: boolean): FakeChannel {
    if (typeof value !== 'string' || value === '') throw new SlackFailure('channel_not_found');
    const byId = this.channels.get(value);
    if (byId) return byId;
    if (!byNameAllowed) throw new SlackFailure('channel_not_found');
    const bare = value.replace(/^#/, '');
    const id = this.byName.get(bare);
    if (id === '') throw new SlackFailure('channel_not_found');
    if (id) return this.channels.get(id)!;
    if (/^[CGD][A-Z0-9]{6,}$/.test(value) || !this.autoCreate) throw new SlackFailure('channel_not_found');
    return this.addChannel(bare);
  }

  private needScope(scope: string): void {
    if (!this.scopes.has(scope)) throw new SlackFailure('missing_scope', { needed: scope, provided: [...this.scopes].join(',') });
  }

  private content(args: Json, requireText: boolean): { text: string | undefined; blocks: unknown[] | undefined } {
    const text = typeof args.text === 'string' && args.text !== '' ? args.text : undefined;
    const blocks = args.blocks === undefined ? undefined : args.blocks;
    if (blocks !== undefined) {
      const errors = validateBlocks(blocks);
      if (errors.length > 0) throw new SlackFailure('invalid_blocks', { errors, response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } });
      const size = JSON.stringify(blocks).length;
      if (size > BLOCK_LIMITS.total) throw new SlackFailure('msg_blocks_too_long', { response_metadata: { messages: [`[ERROR] blocks are ${size} characters`] } });
    }
    if (requireText && text === undefined) throw new SlackFailure(blocks === undefined ? 'no_text' : 'missing_fallback_text');
    if (text !== undefined && text.length > BLOCK_LIMITS.messageText) throw new SlackFailure('msg_too_long');
    return { text, blocks: blocks as unknown[] | undefined };
  }

  private metadataOf(args: Json): FakeMessage['metadata'] {
    const m = args.metadata;
    if (m === undefined) return undefined;
    if (!isRecord(m) || typeof m.event_type !== 'string' || !isRecord(m.event_payload)) throw new SlackFailure('invalid_metadata_format');
    if (!/^[a-z0-9_]+$/i.test(m.event_type)) throw new SlackFailure('invalid_metadata_schema');
    return { event_type: m.event_type, event_payload: m.event_payload };
  }

  private messageJson(m: FakeMessage, withMetadata: boolean): Json {
    return {
      type: 'message',
      ts: m.ts,
      ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
      text: m.text ?? '',
      ...(m.blocks ? { blocks: m.blocks } : {}),
      bot_id: 'B0FAKEBOT',
      ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
    };
  }

  private readonly methods: Record<string, (args: Json) => Json> = {
    'auth.test': () => ({ url: 'https://fake.slack.test/', team: 'Fake', user: 'meshwatch', team_id: 'T0FAKE', user_id: 'U0BOT', bot_id: 'B0FAKEBOT' }),
    'chat.postMessage': (args) => {
      const channel = this.resolveChannel(args.channel, true);
      if (!channel.member) throw new SlackFailure('not_in_channel');
      const { text, blocks } = this.content(args, true);
      const metadata = this.metadataOf(args);
      const threadTs = typeof args.thread_ts === 'string' ? args.thread_ts : undefined;
      if (threadTs !== undefined && !channel.messages.some((m) => m.ts === threadTs && m.threadTs === undefined)) throw new SlackFailure('thread_not_found');
      const message: FakeMessage = { channel: channel.id, ts: this.nextTs(), threadTs, text, blocks, metadata, updates: 0 };
      channel.messages.push(message);
      return { channel: channel.id, ts: message.ts, message: this.messageJson(message, true) };
    },
    'chat.update': (args) => {
      const channel = this.resolveChannel(args.channel, false);
      const message = channel.messages.find((m) => m.ts === args.ts);
      if (!message) throw new SlackFailure('message_not_found');
      const { text, blocks } = this.content(args, false);
      if (text === undefined && blocks === undefined) throw new SlackFailure('no_text');
      if (text !== undefined) message.text = text;
      // Slack's rule: text without blocks removes the blocks.
      message.blocks = blocks;
      const metadata = this.metadataOf(args);
      if (metadata) message.metadata = metadata;
      message.updates++;
      return { channel: channel.id, ts: message.ts, text: message.text ?? '', message: this.messageJson(message, true) };
    },
    'chat.postEphemeral': (args) => {
      const channel = this.resolveChannel(args.channel, true);
      if (typeof args.user !== 'string' || args.user === '') throw new SlackFailure('user_not_found');
      this.content(args, true);
      return { message_ts: this.nextTs() };
    },
    'conversations.history': (args) => {
      const channel = this.resolveChannel(args.channel, false);
      if (!channel.member) throw new SlackFailure('not_in_channel');
      const limit = Math.min(Number(args.limit ?? 100) || 100, 999);
      const oldest = Number(args.oldest ?? 0);
      const latest = args.latest === undefined ? Infinity : Number(args.latest);
      const all = channel.messages.filter((m) => m.threadTs === undefined && Number(m.ts) >= oldest && Number(m.ts) <= latest).reverse();
      const page = all.slice(0, limit);
      return { messages: page.map((m) => this.messageJson(m, truthy(args.include_all_metadata))), has_more: all.length > limit };
    },
    'conversations.replies': (args) => {
      const channel = this.resolveChannel(args.channel, false);
      const parent = channel.messages.find((m) => m.ts === args.ts && m.threadTs === undefined);
      if (!parent) throw new SlackFailure('thread_not_found');
      const thread = [parent, ...channel.messages.filter((m) => m.threadTs === parent.ts)];
      return { messages: thread.map((m) => this.messageJson(m, truthy(args.include_all_metadata))), has_more: false };
    },
    'conversations.list': () => ({
      channels: [...this.channels.values()].map((c) => ({ id: c.id, name: c.name, is_channel: true, is_member: c.member })),
      response_metadata: { next_cursor: '' },
    }),
    'conversations.info': (args) => {
      const channel = this.resolveChannel(args.channel, false);
      return { channel: { id: channel.id, name: channel.name, is_channel: true, is_private: false, is_member: channel.member } };
    },
    'usergroups.list': () => {
      this.needScope('usergroups:read');
      return { usergroups: this.usergroups.map((g) => ({ id: g.id, handle: g.handle, name: g.name, user_count: g.users.length })) };
    },
    'usergroups.users.list': (args) => {
      this.needScope('usergroups:read');
      const group = this.usergroups.find((g) => g.id === args.usergroup);
      if (!group) throw new SlackFailure('no_such_subteam');
      return { users: [...group.users] };
    },
    'users.info': (args) => {
      if (typeof args.user !== 'string') throw new SlackFailure('user_not_found');
      return { user: { id: args.user, name: args.user.toLowerCase(), real_name: args.user } };
    },
  };
}
