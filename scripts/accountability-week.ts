/**
 * A scripted week on the demo mesh, written through the real incident path
 * (applyTick → IncidentEngine → history, the sweep with the escalation
 * policy, people acknowledging, snoozing and resolving) with a controlled
 * clock: a tick every 15 minutes whose results are `fail` for the products
 * the scenario breaks and `pass` for the rest.
 *
 *   npm run demo:week           (REDIS_URL, else redis.url of the demo mesh)
 *   node dist/cli/main.js report --since 7d --config examples/demo-mesh
 *
 * The week ends now (rounded down to the quarter hour), so `--since 7d`
 * covers it. Tests call `runScriptedWeek` with their own prefix and clock.
 */
import path from 'node:path';
import { Catalog } from '../catalog/catalog.js';
import type { CheckResult } from '../checks/result.js';
import { loadConfig } from '../sources/load-config.js';
import { applyTick } from '../notifier/apply-tick.js';
import { escalationPolicyFor } from '../notifier/escalation.js';
import type { Notification } from '../notifier/notification.js';
import { NotificationPlanner } from '../notifier/plan.js';
import { IncidentEngine, type Operation } from '../state/incident-engine.js';
import { RedisKeys } from '../state/keys.js';
import { PlatformHealthStore } from '../state/platform-health.js';
import { connectRedis, createRedis, DEFAULT_PREFIX, type Redis } from '../state/redis.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
export const WEEK_MS = 7 * DAY;
const STEP = 15 * MIN;

/** One breakage of the scenario: `product` fails `check` from `from` to `to` (ms after the week's start; `to` undefined: still failing). */
interface Breakage {
  readonly product: string;
  readonly check: string;
  readonly kind: CheckResult['kind'];
  readonly columns?: readonly string[];
  readonly from: number;
  readonly to?: number;
}

interface Act {
  readonly at: number;
  readonly product: string;
  readonly operation: Operation;
  readonly by: string;
  readonly until?: number;
}

/**
 * The week, in offsets from its start (a Monday 09:00 when the week ends at
 * one). Negative: before the week (an incident open across its start).
 */
export const SCENARIO: { readonly breakages: readonly Breakage[]; readonly acts: readonly Act[] } = {
  breakages: [
    // Started the Sunday before the week, resolved on Monday: counts hours inside the week only.
    { product: 'sales.deals', check: 'contract.notNull.sale_price', kind: 'contract', columns: ['sale_price'], from: -15 * HOUR, to: 30 * MIN },
    // Monday: inventory.vehicles goes stale, and inventory.stock-levels with it (caused: counts against inventory).
    { product: 'inventory.vehicles', check: 'freshness', kind: 'freshness', from: 1 * HOUR, to: 6 * HOUR },
    { product: 'inventory.stock-levels', check: 'freshness', kind: 'freshness', from: 1 * HOUR + 15 * MIN, to: 6 * HOUR },
    // Tuesday: crm.customers drops a column; nobody acknowledges for hours: reminders, then an escalation.
    { product: 'crm.customers', check: 'schema', kind: 'schema', columns: ['consent_marketing'], from: DAY - HOUR, to: DAY + 9 * HOUR },
    // Wednesday: aftersales.service-orders breaks its contract; snoozed, then resolved by hand.
    { product: 'aftersales.service-orders', check: 'contract.acceptedValues.status', kind: 'contract', columns: ['status'], from: 2 * DAY + 5 * HOUR, to: 2 * DAY + 8 * HOUR },
    // Thursday night: ecommerce.orders is late.
    { product: 'ecommerce.orders', check: 'freshness', kind: 'freshness', from: 3 * DAY + 13 * HOUR, to: 3 * DAY + 16 * HOUR },
    // Sunday evening: inventory.vehicles again, still open when the week ends.
    { product: 'inventory.vehicles', check: 'freshness', kind: 'freshness', from: 6 * DAY + 11 * HOUR },
  ],
  acts: [
    { at: -14 * HOUR, product: 'sales.deals', operation: 'ack', by: '@sam' },
    { at: 1 * HOUR + 20 * MIN, product: 'inventory.vehicles', operation: 'ack', by: '@ivy' },
    { at: DAY + 4 * HOUR + 30 * MIN, product: 'crm.customers', operation: 'ack', by: '@carl' },
    { at: 2 * DAY + 5 * HOUR + 30 * MIN, product: 'aftersales.service-orders', operation: 'snooze', by: '@ada', until: 2 * DAY + 7 * HOUR + 30 * MIN },
    { at: 2 * DAY + 8 * HOUR, product: 'aftersales.service-orders', operation: 'resolve', by: '@ada' },
    { at: 3 * DAY + 13 * HOUR + 10 * MIN, product: 'ecommerce.orders', operation: 'ack', by: '@erin' },
  ],
};

export interface ScriptedWeekOptions {
  readonly redis: Redis;
  readonly prefix: string;
  readonly catalog: Catalog;
  /** The end of the week (epoch ms); it starts WEEK_MS before. */
  readonly endMs: number;
  /** Every notification the week produces, in order. */
  readonly onNotification?: ((n: Notification) => void) | undefined;
}

/** Writes the scenario through the engine. Returns the number of notifications. */
export async function runScriptedWeek(options: ScriptedWeekOptions): Promise<number> {
  const { redis, prefix, catalog } = options;
  const keys = new RedisKeys(prefix);
  const { history } = catalog.config.workspace;
  const engine = new IncidentEngine(redis, keys, history.maxAgeMs, history.incidentRetentionMs);
  const health = new PlatformHealthStore(redis, keys);
  const planner = new NotificationPlanner(catalog, engine);
  const start = options.endMs - WEEK_MS;
  const first = Math.min(0, ...SCENARIO.breakages.map((b) => b.from), ...SCENARIO.acts.map((a) => a.at));
  const products = [...catalog.products.keys()].sort();
  let told = 0;
  const tell = (ns: readonly Notification[]) => {
    told += ns.length;
    for (const n of ns) options.onNotification?.(n);
  };
  const acts = [...SCENARIO.acts];

  for (let offset = Math.floor(first / STEP) * STEP; offset < WEEK_MS; offset += STEP) {
    const now = start + offset;
    const at = new Date(now).toISOString();
    // People act between ticks, at their own times.
    while (acts.length > 0 && acts[0]!.at <= offset) {
      const act = acts.shift()!;
      const actAt = start + act.at;
      const incident = await engine.currentOf(act.product);
      if (!incident) continue;
      const change = await engine.operate(incident.id, act.operation, act.by, actAt, act.until === undefined ? undefined : start + act.until);
      tell(await planner.plan(change, `week-op-${incident.id}-${change.seq}`, new Date(actAt).toISOString()));
    }
    const failing = SCENARIO.breakages.filter((b) => b.from <= offset && (b.to === undefined || offset < b.to));
    const results: CheckResult[] = products.map((product) => {
      const broken = failing.find((b) => b.product === product);
      return broken
        ? { product, check: broken.check, kind: broken.kind, status: 'fail', message: `scripted: ${broken.check} fails`, columns: [...(broken.columns ?? [])], at }
        : { product, check: 'freshness', kind: 'freshness', status: 'pass', message: 'scripted: fresh', columns: [], at };
    });
    const applied = await applyTick({ catalog, engine, health }, { results, products, tickMs: now, nowMs: now, opId: `week-${now}` });
    tell(applied.notifications);
    const swept = await engine.sweep(now, (product) => escalationPolicyFor(catalog, product));
    tell(await planner.planAll(swept, `week-sweep-${now}`, at));
  }
  return told;
}

async function main(): Promise<number> {
  const configDir = path.resolve(import.meta.dirname, '..', '..', 'examples', 'demo-mesh');
  const config = await loadConfig(configDir);
  const url = process.env.REDIS_URL || config.workspace.redis.url || 'redis://127.0.0.1:6379';
  const prefix = config.workspace.redis.prefix ?? DEFAULT_PREFIX;
  const redis = createRedis(url, { name: 'demo-week', failFast: true });
  try {
    await connectRedis(redis, url);
    const endMs = Math.floor(Date.now() / STEP) * STEP;
    const count = await runScriptedWeek({ redis, prefix, catalog: new Catalog(config), endMs });
    process.stdout.write(
      `Wrote a scripted week (${new Date(endMs - WEEK_MS).toISOString()} to ${new Date(endMs).toISOString()}) of incident history under ${prefix}: ${count} notifications.\n` +
        `Now: node dist/cli/main.js report --since 7d --config ${path.relative(process.cwd(), configDir) || '.'}\n`,
    );
    return 0;
  } finally {
    redis.disconnect();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`demo:week: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
