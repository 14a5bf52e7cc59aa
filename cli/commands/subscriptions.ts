/**
 * `meshwatch subscriptions export`: the Slack subscriptions in Redis as a
 * `consumers/*.yaml` file, for review in git (and, once merged, for the
 * consumers to own like any other config). `meshwatch subscriptions
 * history`: who subscribed, unsubscribed, asked, decided or was refused,
 * and when (the Slack app's log).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { subscriptionConsumers } from '../../catalog/subscription-source.js';
import { loadConfig } from '../../sources/load-config.js';
import { consumersFileSchema } from '../../config/schema.js';
import { MeshwatchError, UsageError } from '../../core/errors.js';
import { EXIT, type CliIo } from '../io.js';
import { readSubscriptionHistory, readSubscriptions } from '../subscriptions.js';
import type { SubscriptionEvent } from '../../state/subscriptions.js';

export const DEFAULT_EXPORT_FILE = path.join('consumers', 'slack-subscriptions.yaml');

export interface SubscriptionsOptions {
  readonly action: string;
  readonly config: string;
  readonly out?: string | undefined;
  readonly product?: string | undefined;
  readonly format?: 'text' | 'json' | undefined;
}

export async function subscriptionsCommand(options: SubscriptionsOptions, io: CliIo): Promise<number> {
  if (options.action === 'history') return historyCommand(options, io);
  if (options.action !== 'export') throw new UsageError(`unknown subscriptions action "${options.action}"; actions: export, history`);
  const config = await loadConfig(options.config, { env: io.env });
  const subscriptions = await readSubscriptions(config, io, { required: true });
  if (!subscriptions) throw new MeshwatchError('REDIS_UNAVAILABLE', 'cannot read the subscriptions without Redis', { origin: 'operational' });
  // A subscription to a product since removed from config would make the file invalid: left out, and said.
  const known = new Set(config.products.map((p) => p.id));
  const gone = subscriptions.filter((s) => !known.has(s.product));
  for (const s of gone) io.stderr(`meshwatch: note: ${s.consumer} subscribes to ${s.product}, which the config no longer has; left out of the export\n`);
  const kept = subscriptions.filter((s) => known.has(s.product));
  const consumers = subscriptionConsumers(kept).map((c) => ({
    id: c.id,
    domain: c.domain,
    ...(c.slackChannel ? { slackChannel: c.slackChannel } : {}),
    uses: c.uses.map((u) => (u.columns ? { product: u.product, columns: [...u.columns] } : { product: u.product })),
  }));
  const document = { consumers };
  // What is written must load: the same schema as every consumers file.
  consumersFileSchema.parse(document);
  const header = [
    `# Slack subscriptions exported by meshwatch subscriptions export (${kept.length} subscription${kept.length === 1 ? '' : 's'}).`,
    '# Subscriptions keep counting from Redis; a consumer here and in Redis counts once (same id).',
  ].join('\n');
  const text = `${header}\n${stringify(document, { lineWidth: 0 })}`;
  if (options.out === '-') {
    io.stdout(text);
    return EXIT.ok;
  }
  const file = path.resolve(options.out ?? path.join(options.config, DEFAULT_EXPORT_FILE));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  io.stdout(`${options.out ?? path.join(options.config, DEFAULT_EXPORT_FILE)}: wrote ${consumers.length} consumer${consumers.length === 1 ? '' : 's'} (${kept.length} subscription${kept.length === 1 ? '' : 's'})\n`);
  return EXIT.ok;
}

/** One event as a line: when, what, which product, which channel (consumer), who, and the rest that applies. */
function eventLine(e: SubscriptionEvent): string {
  const extra = [
    e.columns && e.columns.length > 0 ? `columns ${e.columns.join(', ')}` : '',
    e.request ? `request ${e.request}` : '',
    e.decision ? e.decision : '',
  ].filter(Boolean);
  return `${e.at}  ${e.kind.padEnd(18)} ${e.product}  ${e.channel} (${e.consumer})  by ${e.by}${extra.length > 0 ? `  ${extra.join(' · ')}` : ''}\n`;
}

async function historyCommand(options: SubscriptionsOptions, io: CliIo): Promise<number> {
  if (options.out !== undefined) throw new UsageError('subscriptions history takes no --out; it writes to stdout');
  const config = await loadConfig(options.config, { env: io.env });
  const events = await readSubscriptionHistory(config, io);
  if (!events) throw new MeshwatchError('REDIS_UNAVAILABLE', 'cannot read the subscription history without Redis', { origin: 'operational' });
  // A product since removed from config still has its history: filtered by id, not checked against the config.
  const shown = options.product !== undefined ? events.filter((e) => e.product === options.product) : events;
  if (options.format === 'json') {
    io.stdout(`${JSON.stringify({ events: shown }, null, 2)}\n`);
    return EXIT.ok;
  }
  if (shown.length === 0) {
    io.stdout(`no subscription history${options.product !== undefined ? ` for ${options.product}` : ''}\n`);
    return EXIT.ok;
  }
  for (const e of shown) io.stdout(eventLine(e));
  return EXIT.ok;
}
