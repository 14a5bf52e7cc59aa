/**
 * Delivers notifications to Slack: one live message per incident, audience
 * and channel, posted once and then updated (`chat.update` with the channel
 * id the post answered), with lifecycle news as thread replies.
 *
 * Per transition:
 *   opened / updated            → post the alert, or update it when it exists
 *   acknowledged / snoozed /
 *   unsnoozed / resolved        → update the alert, reply in its thread
 *   reminder, escalated         → reply in the thread (mentions on call)
 *   escalated with `escalation` → post to the business unit's escalation channel
 *   digest, tier_review         → post (a message of its own, with its buttons)
 *   degraded                    → post (a new episode, a new message)
 *   recovered                   → update the degraded message, reply
 *   approval_requested          → post with Approve / Deny
 *   approval_decided            → post to the requester, update the request
 *   subscribed / unsubscribed / anything else → post
 * A reply or update whose live message is unknown (never delivered, expired)
 * is posted as a message of its own: nothing is dropped.
 *
 * Exactly once: each post is a step with its own record in Redis, written
 * `attempted` before the call and the answer after. chat.postMessage has no
 * idempotency key, so a step found `attempted` (a lost answer, a process that
 * died) first searches the channel's recent history for the step's metadata
 * and adopts the message it finds. Updates are idempotent and simply redone.
 *
 * Errors: rate limits and Slack trouble are thrown as retryable
 * SlackApiErrors (the notify worker delays the job by `retryAfterMs` or backs
 * off); a channel or token Slack refuses is noted on the incident, logged
 * once and told to the platform channel, and the notification is given up.
 */
import { randomUUID } from 'node:crypto';
import type { Catalog } from '../../catalog/catalog.js';
import type { SlackSettings } from '../../config/slack.js';
import type { Logger } from '../../core/logger.js';
import type { IncidentEngine } from '../../state/incident-engine.js';
import type { RedisKeys } from '../../state/keys.js';
import type { Redis } from '../../state/redis.js';
import type { ResultStore } from '../../state/result-store.js';
import type { Notification } from '../notification.js';
import { NotifierError, type Notifier } from '../notifier.js';
import { renderMessage, renderReply, type Rendered } from './block-kit.js';
import { compose, type Composed } from './compose.js';
import { SlackDeliveryStore, type MessageRef } from './delivery-store.js';
import { gatherFacts } from './facts.js';
import { MentionResolver } from './mentions.js';
import { callSlack, SlackApiError, toSlackError, type WebClient } from './web-api.js';

export const METADATA_EVENT = 'meshwatch_notification';

/** Longest one delivery may hold its live message's lock. */
const LOCK_MS = 30_000;
/** How long a notification waits when another one is delivering to the same live message. */
const LOCKED_RETRY_MS = 250;
/**
 * A change to a live message not posted yet waits this long once before it
 * is posted on its own: the alert it changes is usually a job or two ahead
 * in the queue (an acknowledge right after the alert, recovered right after
 * degraded), and waiting keeps one message instead of two.
 */
const NO_MESSAGE_WAIT_MS = 5_000;

export interface SlackNotifierOptions {
  readonly client: WebClient;
  readonly redis: Redis;
  readonly keys: RedisKeys;
  readonly retentionMs: number;
  readonly catalog: () => Catalog;
  readonly engine: IncidentEngine;
  readonly results: ResultStore;
  readonly logger: Logger;
  /** A function to follow config reloads (statusUrl, platform channel); the token is the client's. */
  readonly settings: Pick<SlackSettings, 'statusUrl' | 'platformChannel'> | (() => Pick<SlackSettings, 'statusUrl' | 'platformChannel'>);
  /** Messages of a channel searched for a lost post (from its first try on). */
  readonly historyLimit?: number | undefined;
}

type Mode = 'upsert' | 'post';

interface Plan {
  readonly mode: Mode;
  /** Where the live message's ref is kept; undefined: the message is not live. */
  readonly refKey: string | undefined;
  /** Refs to adopt when `refKey` has none (a re-linked incident's messages). */
  readonly adopt: readonly string[];
}

export class SlackNotifier implements Notifier {
  readonly name = 'slack';
  readonly store: SlackDeliveryStore;
  private readonly mentions: MentionResolver;
  private readonly client: WebClient;
  private readonly logger: Logger;

  constructor(private readonly options: SlackNotifierOptions) {
    this.client = options.client;
    this.logger = options.logger;
    this.store = new SlackDeliveryStore(options.redis, options.keys, options.retentionMs);
    this.mentions = new MentionResolver(options.client, options.logger);
  }

  private settings(): Pick<SlackSettings, 'statusUrl' | 'platformChannel'> {
    const given = this.options.settings;
    return typeof given === 'function' ? given() : given;
  }

  async deliver(n: Notification): Promise<void> {
    if (!n.channel) {
      this.logger.debug({ notification: n.id }, 'notification without a channel: nothing to post');
      return;
    }
    const facts = await gatherFacts(
      { catalog: this.options.catalog, engine: this.options.engine, results: this.options.results, mentions: this.mentions, statusUrl: this.settings().statusUrl },
      n,
    );
    const composed = compose(facts);
    try {
      await this.apply(n, n.channel, composed);
    } catch (err) {
      // Only Slack's answers are mapped; a Redis error or a bug keeps its own kind (and the queue's attempts).
      if (err instanceof SlackApiError && !err.retryable) await this.giveUp(n, n.channel, err);
      throw err;
    }
  }

  private plan(n: Notification, channel: string): Plan {
    const slug = channel.replace(/^#/, '');
    // Messages of their own: a digest or a tier review is not the live message of anything, and an
    // escalation goes to another channel (or, when it falls back to the producer's, must not replace its alert).
    if (n.transition === 'digest' || n.transition === 'tier_review' || (n.transition === 'escalated' && n.escalation)) return { mode: 'post', refKey: undefined, adopt: [] };
    if (n.audience === 'platform') {
      return { mode: n.transition === 'degraded' ? 'post' : 'upsert', refKey: SlackDeliveryStore.refKey('platform', 'platform', slug), adopt: [] };
    }
    if (n.transition === 'approval_requested' && n.approval) return { mode: 'post', refKey: `approval-${n.approval.request}`, adopt: [] };
    if (n.incident && (n.audience === 'producer' || n.audience === 'consumer')) {
      return {
        mode: 'upsert',
        refKey: SlackDeliveryStore.refKey(n.incident, n.audience, slug),
        adopt: (n.folded ?? []).map((id) => SlackDeliveryStore.refKey(id, n.audience, slug)),
      };
    }
    return { mode: 'post', refKey: undefined, adopt: [] };
  }

  private async apply(n: Notification, channel: string, composed: Composed): Promise<void> {
    const plan = this.plan(n, channel);
    if (!plan.refKey) return this.applyPlan(n, channel, composed, plan);
    const token = randomUUID();
    if (!(await this.store.lock(plan.refKey, token, LOCK_MS))) {
      // The queue waits, not this worker: delayed like a rate limit, no attempt spent.
      throw new NotifierError('SLACK_MESSAGE_BUSY', `another notification is being delivered to ${plan.refKey}`, { retryable: true, retryAfterMs: LOCKED_RETRY_MS });
    }
    try {
      await this.applyPlan(n, channel, composed, plan);
    } finally {
      await this.store.unlock(plan.refKey, token).catch(() => {});
    }
  }

  private async applyPlan(n: Notification, channel: string, composed: Composed, plan: Plan): Promise<void> {
    let ref: MessageRef | undefined;
    if (plan.refKey && plan.mode === 'upsert') {
      ref = await this.store.ref(plan.refKey);
      for (const key of plan.adopt) {
        if (ref) break;
        ref = await this.store.ref(key);
        if (ref) await this.store.setRef(plan.refKey, ref);
      }
    }
    if (!ref && plan.mode === 'upsert' && n.transition !== 'opened' && (await this.store.firstWait(n.id, NO_MESSAGE_WAIT_MS * 4))) {
      throw new NotifierError('SLACK_MESSAGE_NOT_YET', `no message to update for ${plan.refKey} yet; waiting once for it`, { retryable: true, retryAfterMs: NO_MESSAGE_WAIT_MS });
    }
    if (composed.message) {
      const rendered = renderMessage(composed.message);
      if (ref && plan.mode === 'upsert') {
        ref = await this.update(ref, rendered, n, 'main', channel);
      } else {
        ref = await this.postOnce(`${n.id}.main`, channel, rendered, n, undefined);
      }
      if (plan.refKey) await this.store.setRef(plan.refKey, ref);
    }
    if (n.transition === 'approval_decided' && n.approval && composed.message) {
      // The request's own message loses its buttons and says the outcome.
      const request = await this.store.ref(`approval-${n.approval.request}`);
      if (request) await this.update(request, renderMessage({ ...composed.message, kind: 'approval_request_decided' }), n, 'request', undefined).catch((err: unknown) => this.softFail('chat.update', err));
    }
    if (composed.reply) {
      const rendered = renderReply(composed.reply);
      const thread = ref ?? (plan.refKey ? await this.store.ref(plan.refKey) : undefined);
      try {
        await this.postOnce(`${n.id}.reply`, thread?.channel ?? channel, rendered, n, thread?.ts);
      } catch (err) {
        // The thread's message was deleted: say it in the channel instead.
        if (!(err instanceof SlackApiError && err.slackError === 'thread_not_found')) throw err;
        await this.postOnce(`${n.id}.reply-alone`, channel, rendered, n, undefined);
      }
    }
  }

  private metadata(n: Notification, step: string) {
    return {
      event_type: METADATA_EVENT,
      event_payload: { incident: n.incident ?? '', audience: n.audience, transition: n.transition, notification: n.id, step },
    };
  }

  /** Posts one step once: adopts an earlier try's message found by metadata instead of posting twice. */
  private async postOnce(step: string, channel: string, rendered: Rendered, n: Notification, threadTs: string | undefined): Promise<MessageRef> {
    const previous = await this.store.step(step);
    if (previous && 'ts' in previous) return previous;
    if (previous) {
      const found = await this.findPosted(channel, step, threadTs, previous.attemptedAt);
      if (found) {
        this.logger.info({ notification: n.id, step, channel: found.channel, ts: found.ts }, 'found the message of an earlier try in Slack; not posting it again');
        await this.store.markDone(step, found);
        return found;
      }
    }
    await this.store.markAttempted(step, Date.now());
    const answer = await callSlack('chat.postMessage', () =>
      this.client.chat.postMessage({
        channel,
        text: rendered.text,
        blocks: rendered.blocks as never,
        metadata: this.metadata(n, step),
        unfurl_links: false,
        unfurl_media: false,
        ...(threadTs ? { thread_ts: threadTs } : {}),
      }),
    );
    const ref = { channel: answer.channel ?? channel, ts: answer.ts ?? '' };
    await this.store.learnChannel(channel, ref.channel);
    await this.store.markDone(step, ref);
    return ref;
  }

  private async update(ref: MessageRef, rendered: Rendered, n: Notification, what: string, channelName: string | undefined): Promise<MessageRef> {
    try {
      await callSlack('chat.update', () => this.client.chat.update({ channel: ref.channel, ts: ref.ts, text: rendered.text, blocks: rendered.blocks as never }));
      return ref;
    } catch (err) {
      // Someone deleted the message: post a new one rather than lose the news.
      if (err instanceof SlackApiError && err.slackError === 'message_not_found' && channelName) {
        return this.postOnce(`${n.id}.${what}-repost`, channelName, rendered, n, undefined);
      }
      throw err;
    }
  }

  private async channelId(name: string): Promise<string | undefined> {
    const known = await this.store.channelId(name);
    if (known) return known;
    const bare = name.replace(/^#/, '');
    let cursor: string | undefined;
    for (let page = 0; page < 20; page++) {
      const answer = await callSlack('conversations.list', () =>
        this.client.conversations.list({ types: 'public_channel,private_channel', exclude_archived: true, limit: 1000, ...(cursor ? { cursor } : {}) }),
      );
      const match = (answer.channels ?? []).find((c) => c.name === bare);
      if (match?.id) {
        await this.store.learnChannel(name, match.id);
        return match.id;
      }
      cursor = answer.response_metadata?.next_cursor || undefined;
      if (!cursor) return undefined;
    }
    return undefined;
  }

  /** A message an earlier try of `step` posted, found by its metadata in the channel (or thread). */
  private async findPosted(channel: string, step: string, threadTs: string | undefined, attemptedAt: number): Promise<MessageRef | undefined> {
    let id: string | undefined;
    try {
      id = await this.channelId(channel);
    } catch (err) {
      const e = toSlackError(err, 'conversations.list');
      if (e.retryable) throw e;
      this.softFail('conversations.list', e);
    }
    if (!id) return undefined;
    const channelId = id;
    try {
      const answer = threadTs
        ? await callSlack('conversations.replies', () => this.client.conversations.replies({ channel: channelId, ts: threadTs, include_all_metadata: true, limit: 200 }))
        : await callSlack('conversations.history', () =>
            this.client.conversations.history({
              channel: channelId,
              include_all_metadata: true,
              // From a minute before the first try (clocks differ), so a busy channel does not push it out of reach.
              oldest: ((attemptedAt - 60_000) / 1000).toFixed(6),
              limit: this.options.historyLimit ?? 200,
            }),
          );
      const match = (answer.messages ?? []).find((m) => {
        const meta = m.metadata as { event_type?: string; event_payload?: Record<string, unknown> } | undefined;
        return meta?.event_type === METADATA_EVENT && meta.event_payload?.step === step;
      });
      return match?.ts ? { channel: channelId, ts: match.ts } : undefined;
    } catch (err) {
      const e = toSlackError(err, threadTs ? 'conversations.replies' : 'conversations.history');
      if (e.retryable) throw e;
      // Without history access the lookup cannot help: post (at-least-once, as without Slack).
      this.softFail('conversations.history', e);
      return undefined;
    }
  }

  private softFail(method: string, err: unknown): void {
    const e = toSlackError(err, method);
    this.logger.warn({ code: e.code, error: e.message }, `Slack ${method} failed; going on without it`);
  }

  /**
   * A refusal that retries cannot fix: noted on the incident, said once in
   * the log and to the platform channel (unless the token itself is bad, or
   * the platform channel is the broken one).
   */
  private async giveUp(n: Notification, channel: string, error: SlackApiError): Promise<void> {
    const at = new Date().toISOString();
    if (n.incident) {
      await this.store.noteProblem(n.incident, channel, { code: error.code, ...(error.slackError ? { slackError: error.slackError } : {}), message: error.message, at }).catch(() => {});
    }
    const subject = error.isAuthProblem ? 'token' : channel;
    if (!(await this.store.firstTold(error.code, subject).catch(() => true))) return;
    const what = error.isAuthProblem
      ? 'Slack refuses the bot token: no Slack message can be delivered until SLACK_BOT_TOKEN is fixed'
      : error.isChannelProblem
        ? `Slack refuses to post to ${channel} (${error.slackError}): invite the meshwatch app to the channel or fix slackChannel in the config`
        : `Slack refused a message for ${channel}: ${error.message}`;
    this.logger.error({ code: error.code, slackError: error.slackError, channel, incident: n.incident, notification: n.id }, what);
    const platform = this.settings().platformChannel;
    if (error.isAuthProblem || !platform || platform === channel) return;
    const text = `⚠️ meshwatch could not deliver to ${channel}: ${error.slackError ?? error.code}${n.incident ? ` (incident ${n.incident}, ${n.product ?? ''})` : ''}. ${error.isChannelProblem ? 'Invite the app to the channel or fix slackChannel in the config.' : ''}`.trim();
    await callSlack('chat.postMessage', () => this.client.chat.postMessage({ channel: platform, text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') } }] })).catch((err: unknown) =>
      this.softFail('chat.postMessage (platform channel)', err),
    );
  }
}
