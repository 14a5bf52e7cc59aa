import { Catalog } from '../../catalog/catalog.js';
import { SubscriptionSource } from '../../catalog/subscription-source.js';
import { loadConfig } from '../../sources/load-config.js';
import { parseDuration } from '../../config/duration.js';
import { UsageError } from '../../core/errors.js';
import { operateIncident } from '../../scheduler/operations.js';
import { IncidentEngine, type IncidentRecord, type IncidentState, type Operation } from '../../state/incident-engine.js';
import { SubscriptionStore } from '../../state/subscriptions.js';
import type { CliIo } from '../io.js';
import { configuredRedisUrl, LOCAL_REDIS_URL, withCliRedis } from '../redis.js';

export interface IncidentOptions {
  readonly action: string;
  readonly id?: string | undefined;
  readonly by?: string | undefined;
  readonly until?: string | undefined;
  readonly state?: string | undefined;
  readonly config: string;
  readonly format: 'text' | 'json';
}

const OPERATIONS: Readonly<Record<string, Operation>> = { ack: 'ack', snooze: 'snooze', unsnooze: 'unsnooze', resolve: 'resolve' };
const STATES: readonly IncidentState[] = ['open', 'acknowledged', 'snoozed', 'resolved'];

/** `2h` from now, or an ISO time. */
export function parseUntil(text: string, now: Date): Date {
  const ms = parseDuration(text);
  if (ms !== undefined) return new Date(now.getTime() + ms);
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/^\d{4}-\d{2}-\d{2}/.test(text)) throw new UsageError(`--until must be a duration like 2h or an ISO time, got "${text}"`);
  return new Date(at);
}

function line(r: IncidentRecord): string {
  const who = r.state === 'acknowledged' ? ` by ${r.acknowledgedBy}` : r.state === 'snoozed' ? ` until ${r.snoozedUntil} by ${r.snoozedBy}` : r.state === 'resolved' && r.resolvedBy ? ` by ${r.resolvedBy}` : '';
  const root = r.rootCause === r.product ? '' : `  root cause ${r.rootCause} (${r.root})`;
  return `${r.id}  ${r.state}${who}  ${r.product}  checks: ${r.checks.join(', ')}  opened ${r.openedAt}, last seen ${r.lastSeen}, ${r.occurrences}x${root}\n`;
}

export async function incidentCommand(options: IncidentOptions, io: CliIo): Promise<number> {
  const operation = OPERATIONS[options.action];
  if (options.action !== 'list' && !operation) throw new UsageError(`unknown incident action "${options.action}"; actions: list, ack, snooze, unsnooze, resolve`);
  if (options.state !== undefined && !STATES.includes(options.state as IncidentState)) throw new UsageError(`--state must be one of ${STATES.join(', ')}`);
  if (operation) {
    if (!options.id) throw new UsageError(`incident ${options.action} needs an incident id, e.g. meshwatch incident ${options.action} inc-42 --by NAME`);
    if (!options.by?.trim()) throw new UsageError('--by NAME is required: who acts is recorded');
    if (operation === 'snooze' && !options.until) throw new UsageError('incident snooze needs --until 2h or an ISO time');
  }
  const config = await loadConfig(options.config, { env: io.env });
  const url = configuredRedisUrl(config, io.env) ?? LOCAL_REDIS_URL;
  return withCliRedis(url, config, { name: 'cli' }, async (redis, keys) => {
    const retentionMs = config.workspace.history.maxAgeMs;
    const now = io.now();
    if (!operation) {
      const engine = new IncidentEngine(redis, keys, retentionMs);
      const all = await engine.list(now.getTime());
      const shown = options.state ? all.filter((r) => r.state === options.state) : all;
      if (options.format === 'json') io.stdout(`${JSON.stringify({ incidents: shown }, null, 2)}\n`);
      else io.stdout(shown.length === 0 ? 'no incidents\n' : shown.map(line).join(''));
      return 0;
    }
    const until = options.until ? parseUntil(options.until, now) : undefined;
    // Subscribed channels are named in the notifications like config consumers.
    const catalog = new Catalog(config);
    const subscriptions = new SubscriptionSource(catalog.engine);
    subscriptions.replace(await new SubscriptionStore(redis, keys, retentionMs).list());
    catalog.addConsumerSource(subscriptions);
    const result = await operateIncident({ redis, prefix: keys.prefix, catalog, retentionMs }, options.id!, operation, options.by!.trim(), now, until);
    if (options.format === 'json') io.stdout(`${JSON.stringify(result.change)}\n`);
    else io.stdout(`${result.change.incident} ${result.change.transition} by ${options.by!.trim()} (${result.notifications} notification${result.notifications === 1 ? '' : 's'} queued)\n`);
    return 0;
  });
}
