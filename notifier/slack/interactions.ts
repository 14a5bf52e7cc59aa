/**
 * What the Slack app does with a slash command or a button click, without
 * Bolt (app.ts is the Bolt side): parse, answer, act. Scheduler operations
 * (incident operations, putting notifications on the notify queue) are
 * injected, so this module depends only on state/, catalog/ and config/.
 *
 * Answers that need no I/O (help, usage, unknown product or column with
 * suggestions) are given at once, in the acknowledgement; everything that
 * reads or writes Redis runs after the acknowledgement (`later`), and its
 * answer goes to the command's response_url. Slack allows 3 seconds for the
 * first and 30 minutes for the second.
 */
import type { Catalog } from '../../catalog/catalog.js';
import { groupImpact, impactOf, unknownColumns } from '../../catalog/impact.js';
import { subscriberId, type Subscription } from '../../catalog/subscription-source.js';
import { lastTierReview, tierReviewsDue } from '../../catalog/tier-review.js';
import type { MeshConfig, Product } from '../../config/types.js';
import { MeshwatchError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { nearest } from '../../core/suggest.js';
import { plural } from '../../core/text.js';
import type { IncidentEngine, IncidentRecord, Operation } from '../../state/incident-engine.js';
import type { ResultStore } from '../../state/result-store.js';
import type { ApprovalRecord, SubscriptionCache } from '../../state/subscriptions.js';
import type { TierReviewStore } from '../../state/tier-reviews.js';
import { channelSlug, type Notification } from '../notification.js';
import { NotificationPlanner } from '../plan.js';
import { SLACK_ACTIONS } from './actions.js';
import { replaceRowButton } from './block-kit.js';
import { HELP_TEXT, parseCommandText, SUBCOMMANDS } from './command-text.js';
import { tierConfirmedLine } from './compose-accountability.js';
import type { Line } from './message.js';

export interface SlackInteractionDeps {
  /** The config and catalog in force (the catalog includes the subscriptions' source). */
  readonly mesh: () => { readonly config: MeshConfig; readonly catalog: Catalog };
  readonly subscriptions: SubscriptionCache;
  readonly engine: IncidentEngine;
  readonly results: ResultStore;
  /** scheduler/operations.ts operateIncident: the transition, and its notifications queued. */
  readonly operateIncident: (id: string, operation: Operation, by: string, now: Date, until?: Date) => Promise<unknown>;
  /** Puts notifications on the notify queue. */
  readonly enqueue: (notifications: readonly Notification[]) => Promise<void>;
  /** Members (user ids) of a user group given by handle (`@x`) or id (`S…`); undefined when Slack cannot tell. */
  readonly usergroupMembers: (group: string) => Promise<readonly string[] | undefined>;
  readonly now: () => Date;
  readonly logger: Logger;
  /** Tier reviews recorded from the "tier still right" button. */
  readonly tierReviews: Pick<TierReviewStore, 'record' | 'latest'>;
}

export interface Answer {
  readonly text: string;
  /** Seen only by the person who typed or clicked (default), or by the whole channel. */
  readonly inChannel?: boolean | undefined;
  /** The clicked message as it should read now (chat.update by the app). */
  readonly update?: { readonly channel: string; readonly ts: string; readonly text: string; readonly blocks: Array<Record<string, unknown>> } | undefined;
  /** With `update`: `text` is said only when the update fails (the message itself tells). */
  readonly onlyIfNotUpdated?: boolean | undefined;
}

export interface CommandInput {
  readonly text: string;
  readonly channelId: string;
  readonly channelName: string;
  readonly userId: string;
}

export interface CommandOutcome {
  /** Sent with the acknowledgement. */
  readonly immediate?: Answer | undefined;
  /** Run after the acknowledgement; its answer goes to response_url. */
  readonly later?: (() => Promise<Answer>) | undefined;
}

export interface ActionInput {
  readonly actionId: string;
  readonly value: string;
  readonly userId: string;
  /** The message the button is on, as Slack sent it with the click. */
  readonly message?: { readonly channel: string; readonly ts: string; readonly text: string; readonly blocks: readonly unknown[] } | undefined;
}

const MAX_LINES = 30;

/** How a recorded `by` (a Slack user id, as the renderer expects it) reads in an answer: a mention. */
const mention = (by: string) => (/^[UW][A-Z0-9]+$/.test(by) ? `<@${by}>` : by);
const code = (s: string) => `\`${s}\``;

function cut(lines: readonly string[], max = MAX_LINES): string[] {
  return lines.length <= max ? [...lines] : [...lines.slice(0, max), `… and ${lines.length - max} more`];
}

function incidentValue(value: string): { incident?: string; request?: string; product?: string } {
  try {
    const parsed = JSON.parse(value) as unknown;
    if (parsed && typeof parsed === 'object') {
      const v = parsed as Record<string, unknown>;
      return {
        ...(typeof v.incident === 'string' ? { incident: v.incident } : {}),
        ...(typeof v.request === 'string' ? { request: v.request } : {}),
        ...(typeof v.product === 'string' ? { product: v.product } : {}),
      };
    }
  } catch {
    // a value meshwatch did not write: answered as unknown below
  }
  return {};
}

export class SlackInteractions {
  constructor(private readonly deps: SlackInteractionDeps) {}

  // ---- slash command ----

  command(input: CommandInput): CommandOutcome {
    const parsed = parseCommandText(input.text);
    const { catalog } = this.deps.mesh();
    switch (parsed.subcommand) {
      case '':
      case 'help':
        return { immediate: { text: HELP_TEXT } };
      case 'subscriptions':
        return { later: () => this.listSubscriptions(input) };
      case 'status': {
        if (!parsed.product) return { later: () => this.statusAll() };
        const unknown = this.unknownProduct(catalog, parsed.product);
        if (unknown) return { immediate: unknown };
        return { later: () => this.statusOf(catalog.product(parsed.product!)) };
      }
      case 'impact': {
        if (!parsed.product) return { immediate: { text: `Which product? ${code('/meshwatch impact PRODUCT [COLUMN ...]')}` } };
        const problem = this.unknownProduct(catalog, parsed.product) ?? this.unknownColumnsAnswer(catalog, parsed.product, parsed.columns);
        if (problem) return { immediate: problem };
        return { later: () => this.impact(parsed.product!, parsed.columns) };
      }
      case 'subscribe': {
        if (!parsed.product) return { immediate: { text: `Which product? ${code('/meshwatch subscribe PRODUCT [COLUMN ...] [domain:ID]')}` } };
        const problem = this.unknownProduct(catalog, parsed.product) ?? this.unknownColumnsAnswer(catalog, parsed.product, parsed.columns);
        if (problem) return { immediate: problem };
        if (parsed.domain !== undefined && !catalog.domain(parsed.domain)) {
          return { immediate: { text: `There is no domain ${code(parsed.domain)}${didYouMean(parsed.domain, catalog.domains.keys())}. Domains: ${[...catalog.domains.keys()].join(', ')}.` } };
        }
        if (input.channelId.startsWith('D') || input.channelName === 'directmessage') {
          return { immediate: { text: 'Subscriptions are per channel: type the command in the channel that should get the alerts.' } };
        }
        return { later: () => this.subscribe(input, parsed.product!, parsed.columns, parsed.domain) };
      }
      case 'unsubscribe': {
        if (!parsed.product) return { immediate: { text: `Which product? ${code('/meshwatch unsubscribe PRODUCT')}` } };
        return { later: () => this.unsubscribe(input, parsed.product!) };
      }
      default:
        return {
          immediate: {
            text: `I do not know ${code(parsed.subcommand)}${didYouMean(parsed.subcommand, SUBCOMMANDS)}.\n${HELP_TEXT}`,
          },
        };
    }
  }

  private unknownProduct(catalog: Catalog, product: string): Answer | undefined {
    if (catalog.products.has(product)) return undefined;
    return { text: `There is no product ${code(product)}${didYouMean(product, catalog.products.keys())}.` };
  }

  private unknownColumnsAnswer(catalog: Catalog, product: string, columns: readonly string[]): Answer | undefined {
    if (columns.length === 0) return undefined;
    const unknown = unknownColumns(catalog, product, columns);
    if (!unknown || unknown.length === 0) return undefined;
    const declared = catalog.product(product).schema!.columns.map((c) => c.name);
    const lines = unknown.map(({ column, suggestions }) => `${code(product)} has no column ${code(column)}${suggestions.length > 0 ? ` (did you mean ${suggestions.map(code).join(', ')}?)` : ''}.`);
    return { text: `${lines.join('\n')}\nIts columns: ${declared.join(', ')}.` };
  }

  /** The channel as config spells it, and the domain it belongs to (undefined when config does not say or is ambiguous). */
  private placeChannel(config: MeshConfig, channelId: string, channelName: string): { channel: string; domain?: string | undefined; candidates: string[] } {
    const forms = new Set([`#${channelName}`, channelId]);
    const domains = new Set<string>();
    let spelled: string | undefined;
    for (const d of config.workspace.domains) {
      if (d.slackChannel && forms.has(d.slackChannel)) {
        domains.add(d.id);
        spelled ??= d.slackChannel;
      }
    }
    if (domains.size === 0) {
      for (const c of config.consumers) {
        if (c.slackChannel && forms.has(c.slackChannel)) {
          domains.add(c.domain);
          spelled ??= c.slackChannel;
        }
      }
    }
    const candidates = [...domains].sort();
    return { channel: spelled ?? `#${channelName}`, ...(candidates.length === 1 ? { domain: candidates[0] } : {}), candidates };
  }

  private async subscribe(input: CommandInput, productId: string, columns: readonly string[], givenDomain: string | undefined): Promise<Answer> {
    const { config, catalog } = this.deps.mesh();
    const product = catalog.product(productId);
    const place = this.placeChannel(config, input.channelId, input.channelName);
    const domain = place.domain ?? givenDomain;
    const channelText = `#${input.channelName}`;
    if (!domain) {
      const among = place.candidates.length > 1 ? place.candidates : [...catalog.domains.keys()];
      return {
        text:
          `Which domain does ${channelText} belong to? ${place.candidates.length > 1 ? 'Several domains use this channel. ' : 'No domain in the config uses this channel. '}` +
          `Say it with ${code(`/meshwatch subscribe ${productId}${columns.length > 0 ? ` ${columns.join(' ')}` : ''} domain:ID`)} (domains: ${among.join(', ')}).`,
      };
    }
    const now = this.deps.now();
    const at = now.toISOString();
    const subscription: Subscription = {
      consumer: subscriberId(input.channelName),
      domain,
      channel: place.channel,
      channelId: input.channelId,
      channelName: input.channelName,
      product: product.id,
      columns: dedupe(columns.map((c) => declaredName(catalog, product, c))),
      requestedBy: input.userId,
      at,
    };
    const what = `${code(product.id)}${subscription.columns.length > 0 ? ` (columns ${subscription.columns.join(', ')})` : ''}`;
    const store = this.deps.subscriptions.store;

    if (product.tier === 'restricted') {
      const existing = await store.get(subscription.consumer, product.id);
      if (existing && sameColumns(existing.columns, subscription.columns)) return { text: `${channelText} is already subscribed to ${what}.` };
      // The platform channel is the last place a request can be seen; with none, a request would be stored and posted nowhere.
      const approvalChannel = config.workspace.approvals.channel ?? catalog.domain(product.domain)?.slackChannel ?? config.workspace.platform.slackChannel;
      if (!approvalChannel) {
        return {
          text:
            `${code(product.id)} is restricted, and there is no channel to ask for approval in: set ${code('approvals.channel')} in meshwatch.yaml ` +
            `(or a ${code('slackChannel')} for domain ${product.domain}, or ${code('platform.slackChannel')}). No request was made.`,
        };
      }
      const { record, created } = await store.requestApproval(subscription, approvalChannel, at);
      if (!created) return { text: `${channelText} already asked to subscribe to ${code(product.id)} (request ${record.id}); it waits for a decision in ${record.approvalChannel}.` };
      await this.deps.enqueue([approvalNotification(record, 'approval_requested', `${record.id}-requested`, record.approvalChannel, 'producer', at)]);
      await store.log({ kind: 'approval_requested', at, consumer: subscription.consumer, product: product.id, channel: subscription.channel, by: subscription.requestedBy, columns: subscription.columns, request: record.id });
      return { text: `${code(product.id)} is restricted: I asked for approval in ${approvalChannel} (request ${record.id}). This channel is told the outcome.` };
    }

    const opened = await this.applySubscription(subscription, at);
    return { text: `${channelText} is now subscribed to ${what} as ${code(subscription.consumer)} (domain ${domain}).${opened}${this.notes(product, columns, domain, givenDomain)}` };
  }

  /** What the person should know about how the command was read. */
  private notes(product: Product, columns: readonly string[], domain: string, givenDomain: string | undefined): string {
    const notes: string[] = [];
    if (givenDomain !== undefined && givenDomain !== domain) notes.push(`the config puts this channel in domain ${domain}, so domain:${givenDomain} was not used`);
    if (columns.length > 0 && !product.schema) notes.push(`${product.id} declares no schema, so the column names could not be checked`);
    return notes.length > 0 ? `\nNote: ${notes.join('; ')}.` : '';
  }

  /** Stores a subscription, makes it count at once, and tells the channel (and what is already broken for it). */
  private async applySubscription(subscription: Subscription, at: string): Promise<string> {
    const store = this.deps.subscriptions.store;
    const version = await store.put(subscription);
    await this.deps.subscriptions.refresh();
    const { catalog } = this.deps.mesh();
    const confirmation: Notification = {
      type: 'notification',
      id: `sub-${channelSlug(subscription.consumer)}-${channelSlug(subscription.product)}-subscribed-${version}`,
      incident: null,
      product: subscription.product,
      rootCause: null,
      audience: 'consumer',
      channel: subscription.channel,
      transition: 'subscribed',
      at,
      subscription: subscriptionField(subscription),
    };
    const alerts = await new NotificationPlanner(catalog, this.deps.engine).planConsumerJoin([subscription.consumer], subscription.product, `sub-${version}`, at);
    await this.deps.enqueue([confirmation, ...alerts]);
    await store.log({ kind: 'subscribed', at, consumer: subscription.consumer, product: subscription.product, channel: subscription.channel, by: subscription.requestedBy, columns: subscription.columns, ...(subscription.approval ? { request: subscription.approval.request } : {}) });
    const incidents = [...new Set(alerts.map((n) => n.incident))];
    return incidents.length > 0 ? ` ${plural(incidents.length, 'open incident')} already affect${incidents.length === 1 ? 's' : ''} it (${incidents.join(', ')}): the alert is on its way.` : '';
  }

  private async unsubscribe(input: CommandInput, productId: string): Promise<Answer> {
    const consumer = subscriberId(input.channelName);
    const store = this.deps.subscriptions.store;
    const removed = await store.remove(consumer, productId);
    if (!removed) {
      const mine = (await store.list()).filter((s) => s.consumer === consumer).map((s) => s.product);
      const close = nearest(productId, mine);
      return {
        text:
          `#${input.channelName} is not subscribed to ${code(productId)}${close.length > 0 ? ` (did you mean ${close.map(code).join(', ')}?)` : ''}.` +
          (mine.length > 0 ? ` Its subscriptions: ${mine.join(', ')}.` : ' It has no subscriptions.'),
      };
    }
    await this.deps.subscriptions.refresh();
    const at = this.deps.now().toISOString();
    const by = input.userId;
    await this.deps.enqueue([
      {
        type: 'notification',
        id: `sub-${channelSlug(consumer)}-${channelSlug(productId)}-unsubscribed-${removed.version}`,
        incident: null,
        product: productId,
        rootCause: null,
        audience: 'consumer',
        channel: removed.removed.channel,
        transition: 'unsubscribed',
        at,
        by,
        subscription: subscriptionField(removed.removed),
      },
    ]);
    await store.log({ kind: 'unsubscribed', at, consumer, product: productId, channel: removed.removed.channel, by });
    return { text: `#${input.channelName} is no longer subscribed to ${code(productId)}.` };
  }

  private async listSubscriptions(input: CommandInput): Promise<Answer> {
    const consumer = subscriberId(input.channelName);
    const store = this.deps.subscriptions.store;
    const [all, pending] = await Promise.all([store.list(), store.pendingFor(consumer)]);
    const mine = all.filter((s) => s.consumer === consumer);
    const waiting = pending.map((r) => `• ${code(r.subscription.product)}: waiting for approval in ${r.approvalChannel} (request ${r.id}, asked by ${mention(r.subscription.requestedBy)})`);
    if (mine.length === 0) {
      return { text: [`#${input.channelName} has no subscriptions. ${code('/meshwatch subscribe PRODUCT')} adds one.`, ...waiting].join('\n') };
    }
    const lines = mine.map(
      (s) => `• ${code(s.product)}: ${s.columns.length > 0 ? `columns ${s.columns.join(', ')}` : 'every column'} (by ${mention(s.requestedBy)}, ${s.at.slice(0, 10)}${s.approval ? `, approved by ${mention(s.approval.decidedBy)}` : ''})`,
    );
    return { text: [`#${input.channelName} (${code(consumer)}, domain ${mine[0]!.domain}) is subscribed to:`, ...cut(lines), ...waiting].join('\n') };
  }

  private async statusAll(): Promise<Answer> {
    const open = await this.deps.engine.listOpen();
    if (open.length === 0) return { text: 'No open incidents: every product is passing its checks.' };
    const roots = open.filter((r) => r.root === r.id);
    const lines = roots
      .sort((a, b) => a.openedAt.localeCompare(b.openedAt))
      .map((r) => {
        const caused = open.filter((o) => o.root === r.id && o.id !== r.id).length;
        return `• ${incidentLine(r)}${caused > 0 ? `; ${plural(caused, 'product')} failing because of it` : ''}`;
      });
    return { text: [`${plural(open.length, 'open incident')} (${plural(roots.length, 'root cause')}):`, ...cut(lines)].join('\n') };
  }

  private async statusOf(product: Product): Promise<Answer> {
    const [results, incident] = await Promise.all([this.deps.results.latest(product.id), this.deps.engine.currentOf(product.id)]);
    const lines = [`*${product.id}* (tier ${product.tier}, domain ${product.domain})`];
    lines.push(incident ? incidentLine(incident) : 'No open incident.');
    if (results.length === 0) lines.push('Not checked yet.');
    for (const r of cut(results.map((r) => r.check)).map((c) => results.find((x) => x.check === c))) {
      if (!r) continue;
      // Tier rules of every message: restricted shows no observed values or counts, limited counts but no values.
      const detail = product.tier === 'open' ? `: ${r.message}` : product.tier === 'limited' && r.failingRows !== undefined ? `: ${plural(r.failingRows, 'row')} failing` : '';
      lines.push(`• ${r.status.toUpperCase()} ${code(r.check)}${r.status === 'pass' ? '' : detail} (${r.at.slice(0, 16).replace('T', ' ')} UTC)`);
    }
    return { text: lines.join('\n') };
  }

  private async impact(productId: string, columns: readonly string[]): Promise<Answer> {
    await this.deps.subscriptions.refresh();
    const { catalog } = this.deps.mesh();
    const impact = impactOf(catalog, productId, columns.length > 0 ? columns : undefined);
    const broken = columns.length > 0 ? `columns ${columns.join(', ')}` : 'the whole product';
    const head = `If ${code(productId)} breaks (${broken}): ${
      impact.consumers.length + impact.products.length === 0
        ? 'nobody downstream is affected.'
        : `${plural(impact.consumers.length, 'consumer')} and ${plural(impact.products.length, 'downstream product')} in ${plural(impact.businessUnits.length, 'business unit')}, ${plural(impact.domains.length, 'domain')}.`
    }`;
    const lines: string[] = [];
    for (const group of groupImpact(impact)) {
      const names = group.domains.flatMap((d) => [...d.consumers.map((c) => c.id), ...d.products.map((p) => `${p.id} (product)`)]);
      lines.push(`• *${group.businessUnit}*: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ` and ${names.length - 10} more` : ''}`);
    }
    return { text: [head, ...cut(lines)].join('\n') };
  }

  // ---- buttons ----

  async action(input: ActionInput): Promise<Answer | undefined> {
    const value = incidentValue(input.value);
    // Recorded as the Slack user id: the renderer shows it as a mention, which Slack keeps current when people rename.
    const by = input.userId;
    const now = this.deps.now();
    const incidentOp: Partial<Record<string, { operation: Operation; untilMs?: number }>> = {
      [SLACK_ACTIONS.acknowledge]: { operation: 'ack' },
      [SLACK_ACTIONS.snooze1h]: { operation: 'snooze', untilMs: 3_600_000 },
      [SLACK_ACTIONS.snooze24h]: { operation: 'snooze', untilMs: 86_400_000 },
      [SLACK_ACTIONS.resolve]: { operation: 'resolve' },
    };
    const op = incidentOp[input.actionId];
    if (op) {
      if (!value.incident) return { text: 'This button names no incident.' };
      try {
        await this.deps.operateIncident(value.incident, op.operation, by, now, op.untilMs ? new Date(now.getTime() + op.untilMs) : undefined);
        return undefined; // the notifier updates the messages
      } catch (err) {
        if (err instanceof MeshwatchError && err.origin === 'user') return { text: `Could not do that: ${err.message}.` };
        throw err;
      }
    }
    if (input.actionId === SLACK_ACTIONS.approve || input.actionId === SLACK_ACTIONS.deny) {
      if (!value.request) return { text: 'This button names no approval request.' };
      return this.decide(value.request, input.actionId === SLACK_ACTIONS.approve ? 'approved' : 'denied', input.userId, now);
    }
    if (input.actionId === SLACK_ACTIONS.tierStillRight) return this.confirmTier(value.product, input, now);
    // Link buttons (status page) and buttons of other features are acknowledged and left alone.
    return undefined;
  }

  /**
   * Who may confirm a product's tier: its domain's on-call group (the
   * owners, who answer for the tier) and `approvals.approvers` (the
   * workspace's data stewards, who decide restricted access already).
   */
  private tierReviewersFor(product: Product): readonly string[] {
    const { config, catalog } = this.deps.mesh();
    const oncall = catalog.domain(product.domain)?.oncall;
    return [...new Set([...(oncall ? [oncall] : []), ...config.workspace.approvals.approvers])];
  }

  /** "tier still right": checks the product and the clicker, records the review, and marks the message's row. */
  private async confirmTier(productId: string | undefined, input: ActionInput, now: Date): Promise<Answer> {
    if (!productId) return { text: 'This button names no product.' };
    const { config, catalog } = this.deps.mesh();
    const product = catalog.products.get(productId);
    if (!product) return { text: `There is no product ${code(productId)} any more${didYouMean(productId, catalog.products.keys())}; nothing was recorded.` };
    const reviewers = this.tierReviewersFor(product);
    if (!(await this.mayDecide(input.userId, reviewers))) {
      this.deps.logger.info({ product: productId, by: input.userId }, 'tier review click refused: not on call for the domain nor an approver');
      const who = reviewers.length > 0 ? reviewers.map(mention).join(', ') : 'nobody yet: set an on-call group for the domain or approvals.approvers in meshwatch.yaml';
      return { text: `Only the owners' on-call group and the approvers may confirm the tier of ${code(productId)} (${who}). Nothing was recorded.` };
    }
    const timezone = config.workspace.defaults.timezone;
    const recorded = (await this.deps.tierReviews.latest([productId])).get(productId);
    const due = tierReviewsDue({ products: [product], workspace: config.workspace }, now, recorded ? new Map([[productId, recorded]]) : new Map());
    if (due.length === 0) {
      // Reviewed since the message was posted (a second click, another message): nothing to record.
      const last = lastTierReview(product, recorded);
      const next = last ? new Date(last.atMs + config.workspace.governance.tierReviewEveryMs).toISOString().slice(0, 10) : '?';
      const how = last?.source === 'recorded' && last.by ? `confirmed by ${mention(last.by)} at ${new Date(last.atMs).toISOString().slice(0, 16).replace('T', ' ')} UTC` : `reviewed on ${product.tierReviewedAt ?? '?'} (tierReviewedAt in its file)`;
      const update = last?.source === 'recorded' && last.by ? this.markRow(input, productId, tierConfirmedLine(last.by, new Date(last.atMs).toISOString(), timezone)) : undefined;
      return { text: `The tier of ${code(productId)} was already ${how}; the next review is due ${next}. Nothing new was recorded.`, ...(update ? { update } : {}) };
    }
    const review = await this.deps.tierReviews.record(productId, input.userId, now);
    this.deps.logger.info({ product: productId, by: input.userId }, 'tier review recorded');
    const update = this.markRow(input, productId, tierConfirmedLine(review.by, review.at, timezone));
    return { text: `Recorded: the tier of ${code(productId)} (${product.tier}) is confirmed by ${mention(input.userId)}.`, ...(update ? { update, onlyIfNotUpdated: true } : {}) };
  }

  private markRow(input: ActionInput, productId: string, note: Line): Answer['update'] {
    if (!input.message) return undefined;
    const blocks = replaceRowButton(input.message.blocks, SLACK_ACTIONS.tierStillRight, 'product', productId, note);
    return blocks ? { channel: input.message.channel, ts: input.message.ts, text: input.message.text, blocks } : undefined;
  }

  /** Who may decide a request: `approvals.approvers`, else the producer domain's on-call group. */
  private approversFor(record: ApprovalRecord): readonly string[] {
    const { config, catalog } = this.deps.mesh();
    const listed = config.workspace.approvals.approvers;
    if (listed.length > 0) return listed;
    const product = catalog.products.get(record.subscription.product);
    const oncall = product ? catalog.domain(product.domain)?.oncall : undefined;
    return oncall ? [oncall] : [];
  }

  private async mayDecide(userId: string, approvers: readonly string[]): Promise<boolean> {
    for (const entry of approvers) {
      if (/^[UW]/.test(entry)) {
        if (entry === userId) return true;
        continue;
      }
      try {
        const members = await this.deps.usergroupMembers(entry);
        if (members?.includes(userId)) return true;
      } catch (err) {
        this.deps.logger.warn({ group: entry, error: errorMessage(err) }, 'could not read the members of an approver user group');
      }
    }
    return false;
  }

  private async decide(requestId: string, decision: 'approved' | 'denied', userId: string, now: Date): Promise<Answer | undefined> {
    const store = this.deps.subscriptions.store;
    const at = now.toISOString();
    const record = await store.approval(requestId);
    if (!record) return { text: `Request ${requestId} is not known (any more).` };
    const by = userId;
    const approvers = this.approversFor(record);
    if (!(await this.mayDecide(userId, approvers))) {
      await store.refuse(requestId, by, at);
      await store.log({ kind: 'approval_refused', at, consumer: record.subscription.consumer, product: record.subscription.product, channel: record.subscription.channel, by, request: requestId });
      this.deps.logger.info({ request: requestId, by: userId }, 'approval click refused: not an approver');
      const who = approvers.length > 0 ? approvers.map(mention).join(', ') : 'nobody yet: set approvals.approvers in meshwatch.yaml or an on-call group for the domain';
      return { text: `Only approvers may decide this request (${who}). Your click was recorded and changed nothing.` };
    }
    if (record.state !== 'pending') return { text: `Request ${requestId} was already ${record.state} by ${mention(record.decidedBy ?? '?')} at ${record.decidedAt}.` };
    const result = await store.decide(requestId, decision, by, at);
    if (!result) return { text: `Request ${requestId} is not known (any more).` };
    if (result.outcome === 'already') return { text: `Request ${requestId} was already ${result.record.state} by ${mention(result.record.decidedBy ?? '?')} at ${result.record.decidedAt}.` };
    const decided = result.record;
    await store.log({ kind: 'approval_decided', at, consumer: decided.subscription.consumer, product: decided.subscription.product, channel: decided.subscription.channel, by, request: requestId, decision });
    // One notification, to the requester's channel: the Slack notifier also updates the request message (found by its request id).
    await this.deps.enqueue([approvalNotification(decided, 'approval_decided', `${decided.id}-decided`, decided.subscription.channel, 'consumer', at)]);
    if (decision === 'approved') {
      await this.applySubscription({ ...decided.subscription, at, approval: { request: decided.id, decidedBy: by, decidedAt: at } }, at);
    }
    return undefined; // the request message is updated by the notifier
  }
}

function incidentLine(r: IncidentRecord): string {
  const state =
    r.state === 'acknowledged' ? `acknowledged by ${mention(r.acknowledgedBy ?? '?')}` : r.state === 'snoozed' ? `snoozed by ${mention(r.snoozedBy ?? '?')} until ${r.snoozedUntil}` : 'open, not acknowledged';
  const root = r.rootCause === r.product ? '' : `, root cause ${r.rootCause}`;
  return `${r.id} ${code(r.product)}: ${r.checks.join(', ')} failing since ${r.openedAt.slice(0, 16).replace('T', ' ')} UTC; ${state}${root}`;
}

function didYouMean(wanted: string, candidates: Iterable<string>): string {
  const close = nearest(wanted, candidates);
  return close.length === 0 ? '' : ` (did you mean ${close.map(code).join(', ')}?)`;
}

function dedupe(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');
}

/** A column as the product declares it (so `AMOUNT` on Snowflake is stored as declared). */
function declaredName(catalog: Catalog, product: Product, column: string): string {
  const key = catalog.columnKey(column);
  return product.schema?.columns.find((c) => catalog.columnKey(c.name) === key)?.name ?? column;
}

function subscriptionField(s: Subscription): NonNullable<Notification['subscription']> {
  return { consumer: s.consumer, product: s.product, columns: [...s.columns], channel: s.channel, domain: s.domain, requestedBy: s.requestedBy };
}

function approvalNotification(
  record: ApprovalRecord,
  transition: 'approval_requested' | 'approval_decided',
  id: string,
  channel: string,
  audience: 'producer' | 'consumer',
  at: string,
): Notification {
  const s = record.subscription;
  return {
    type: 'notification',
    id,
    incident: null,
    product: s.product,
    rootCause: null,
    audience,
    channel: channel || null,
    transition,
    at,
    approval: {
      request: record.id,
      product: s.product,
      columns: [...s.columns],
      requesterChannel: s.channel,
      requestedBy: s.requestedBy,
      domain: s.domain,
      ...(record.state !== 'pending' ? { decision: record.state, decidedBy: record.decidedBy, decidedAt: record.decidedAt } : {}),
    },
  };
}
