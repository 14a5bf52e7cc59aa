/**
 * Golden Block Kit for every Slack message: compose + render on fixed facts
 * (tests/support/slack-samples.ts) must equal tests/golden/slack/<name>.json,
 * and each must pass the fake Slack server's Block Kit validation. The .txt
 * beside each is the message as Slack shows it (the README's samples).
 * After an intended change: UPDATE_GOLDEN=1 npx vitest run tests/slack-golden.test.ts
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SLACK_ACTIONS } from '../notifier/slack/actions.js';
import { renderedAsText, renderMessage, renderReply, replaceRowButton, type Rendered } from '../notifier/slack/block-kit.js';
import { tierConfirmedLine } from '../notifier/slack/compose-accountability.js';
import { compose, NAMES_PER_UNIT, type MessageFacts } from '../notifier/slack/compose.js';
import { BLOCK_LIMITS, validateBlocks } from './support/fake-slack-api.js';
import { SAMPLES } from './support/slack-samples.js';

const DIR = path.join(import.meta.dirname, 'golden', 'slack');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function render(facts: MessageFacts): { message?: Rendered; reply?: Rendered } {
  const composed = compose(facts);
  return {
    ...(composed.message ? { message: renderMessage(composed.message) } : {}),
    ...(composed.reply ? { reply: renderReply(composed.reply) } : {}),
  };
}

function asText(out: { message?: Rendered; reply?: Rendered }): string {
  return [out.message ? renderedAsText(out.message) : '', out.reply ? `  ↳ thread: ${renderedAsText(out.reply)}` : ''].filter(Boolean).join('\n') + '\n';
}

function expectValid(rendered: Rendered): void {
  expect(rendered.text.length).toBeGreaterThan(0);
  expect(validateBlocks(rendered.blocks)).toEqual([]);
  expect(JSON.stringify(rendered.blocks).length).toBeLessThanOrEqual(BLOCK_LIMITS.total);
}

describe('golden Block Kit per message type', () => {
  for (const [name, facts] of Object.entries(SAMPLES)) {
    it(name, () => {
      const out = render(facts);
      for (const r of [out.message, out.reply]) if (r) expectValid(r);
      const json = `${JSON.stringify(out, null, 2)}\n`;
      const file = path.join(DIR, `${name}.json`);
      if (UPDATE) {
        writeFileSync(file, json);
        writeFileSync(path.join(DIR, `${name}.txt`), asText(out));
      }
      expect(existsSync(file), `${file} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
      expect(json).toBe(readFileSync(file, 'utf8'));
      expect(asText(out)).toBe(readFileSync(path.join(DIR, `${name}.txt`), 'utf8'));
    });
  }

  it('the producer alert names business units, cuts past the limit with a count, and links the status page', () => {
    const text = readFileSync(path.join(DIR, 'producer_alert.txt'), 'utf8');
    expect(text).toContain('Who is hurt: 19 consumers and 3 downstream products in 3 domains of 3 business units');
    expect(text).toContain('Finance › Group Finance: finance.audit · finance.cfo-dashboard (via sales.deals → finance.revenue)');
    expect(text).toContain('sales.deals (product, failing too)');
    expect(text).toContain(`…and ${14 - NAMES_PER_UNIT} more on the status page`);
    expect(text).toContain('On call: @inventory-oncall');
    expect(readFileSync(path.join(DIR, 'producer_alert.json'), 'utf8')).toContain('<!subteam^S0INVENTORY|@inventory-oncall>');
    expect(text).toContain('[Acknowledge] [Snooze 1 h] [Snooze 24 h] [Resolve] [Open status page]');
  });

  it('restricted and limited consumer alerts carry no values; the producer sees them', () => {
    const restricted = readFileSync(path.join(DIR, 'consumer_alert_restricted.json'), 'utf8');
    const limited = readFileSync(path.join(DIR, 'consumer_alert_limited.json'), 'utf8');
    for (const values of ['9031', '212', '0.1 %']) {
      expect(restricted).not.toContain(values);
      expect(limited).not.toContain(values);
    }
    expect(restricted).not.toContain('3 rows');
    expect(restricted).toContain('details are restricted; ask #inventory-data');
    expect(limited).toContain('3 rows break it');
    const producer = render({ ...SAMPLES.consumer_alert_restricted!, notification: { ...SAMPLES.consumer_alert_restricted!.notification, audience: 'producer' } });
    expect(JSON.stringify(producer)).toContain('row ids 17, 212, 9031');
  });
});

describe('accountability and governance messages', () => {
  const json = (name: string) => readFileSync(path.join(DIR, `${name}.json`), 'utf8');
  const text = (name: string) => readFileSync(path.join(DIR, `${name}.txt`), 'utf8');

  it('digests put the figures in the header and first lines, and cut long lists with "and K more"', () => {
    const producer = text('digest_producer').split('\n');
    expect(producer[0]).toContain('Weekly digest for inventory (Automotive): 4 incidents, 61.5 consumer-hours caused');
    expect(producer[1]).toMatch(/^4 incidents .* 61\.5 consumer-hours of breakage caused \(▲ \+41\.5 against 20 the period before\)/);
    expect(producer[2]).toMatch(/^Time to acknowledge: 24 min \(p90 54 min\), faster than 36 min; never acknowledged: 1/);
    expect(text('digest_producer')).toContain('marketing.campaign-6 and 3 more)');
    expect(text('digest_producer')).toContain('2 products are due a tier review');
    expect(text('digest_consumer').split('\n')[1]).toMatch(/^3 upstream breakages hurt 3 of your consumers for 47 consumer-hours \(▼ −5 against 52/);
    expect(text('digest_platform')).toContain('• Automotive → Marketing: 44 consumer-hours, 2 incidents');
  });

  it('a restricted product of another domain shows its figures but not its checks; the owner\'s own digest shows them', () => {
    const consumer = json('digest_consumer');
    expect(consumer).toContain('crm.customers');
    expect(consumer).toContain('restricted: details are withheld');
    // The platform channel: every restricted product is withheld, its own domain's too.
    const platform = text('digest_platform');
    expect(platform).toMatch(/inventory\.dealer-stock \(inventory\): .* restricted: details are withheld/);
    expect(platform).not.toContain('schema');
    expect(text('digest_producer')).toMatch(/inventory\.dealer-stock: .* · schema/);
  });

  it('the escalation names the lead, mentions the on-call group, says how long and whom it still hurts; restricted keeps only the check', () => {
    const escalation = json('escalation');
    expect(escalation).toContain('<@U0LEAD01>');
    expect(escalation).toContain('<!subteam^S0INVENTORY|@inventory-oncall>');
    expect(text('escalation')).toContain('Escalated: inventory.vehicles is stale, unacknowledged for 4 h 00 min');
    expect(text('escalation')).toContain('• Finance: finance.audit, finance.cfo-dashboard');
    expect(json('escalation_restricted')).not.toContain('9031');
    expect(text('escalation_restricted')).toContain('contract.notNull.vin failed (details are restricted; ask #inventory-data)');
    // The producer channel: a thread reply pinging on call, the alert left as it is.
    const producer = render(SAMPLES.escalated_producer!);
    expect(producer.message).toBeUndefined();
    expect(JSON.stringify(producer.reply)).toContain('Escalated to #automotive-leads');
    expect(JSON.stringify(producer.reply)).toContain('<!subteam^S0INVENTORY|@inventory-oncall>');
  });

  it('a reminder mentions the group of its `mention` field, resolved', () => {
    expect(json('reminder_mention')).toContain('<!subteam^S0INVENTORY|@inventory-oncall>');
  });

  it('a tier review has one "tier still right" button per product, its value the product, and a link to its file', () => {
    const review = JSON.parse(json('tier_review')) as { message: { blocks: Array<{ accessory?: { action_id: string; value: string }; text?: { text: string } }> } };
    const rows = review.message.blocks.filter((b) => b.accessory);
    expect(rows.map((b) => [b.accessory!.action_id, JSON.parse(b.accessory!.value)])).toEqual([
      [SLACK_ACTIONS.tierStillRight, { product: 'inventory.dealer-stock' }],
      [SLACK_ACTIONS.tierStillRight, { product: 'inventory.vehicles' }],
      [SLACK_ACTIONS.tierStillRight, { product: 'inventory.price-bands' }],
    ]);
    expect(rows[1]!.text!.text).toContain('<https://git.example.com/mesh/blob/main/products/vehicles.yaml|products/vehicles.yaml>');
  });

  it('many products due stay within Block Kit limits, the rest counted', () => {
    const base = SAMPLES.tier_review!;
    const products = Array.from({ length: 120 }, (_, i) => ({ product: `inventory.p${i}`, tier: 'open', file: `products/p${i}.yaml`, reviewSource: 'never' as const, overdueDays: 0 }));
    const out = render({ ...base, notification: { ...base.notification, tierReview: { domain: 'inventory', products } } });
    expectValid(out.message!);
    expect(out.message!.blocks.length).toBeLessThanOrEqual(BLOCK_LIMITS.blocks);
    expect(renderedAsText(out.message!)).toContain('…and 90 more: meshwatch report --tiers lists them all.');
  });

  it('a click replaces only its row\'s button with who confirmed it', () => {
    const rendered = render(SAMPLES.tier_review!).message!;
    const updated = replaceRowButton(rendered.blocks, SLACK_ACTIONS.tierStillRight, 'product', 'inventory.vehicles', tierConfirmedLine('U0BOB', '2026-03-02T10:02:00.000Z', 'UTC'))!;
    expect(validateBlocks(updated)).toEqual([]);
    const rows = updated.filter((b) => JSON.stringify(b).includes('inventory.'));
    expect(rows.filter((b) => 'accessory' in b)).toHaveLength(2);
    expect(JSON.stringify(updated)).toContain('✅ Tier confirmed by <@U0BOB> at 2026-03-02 10:02 UTC');
    expect(replaceRowButton(rendered.blocks, SLACK_ACTIONS.tierStillRight, 'product', 'sales.unknown', ['x'])).toBeUndefined();
  });
});

describe('Block Kit limits on a large blast radius', () => {
  it('hundreds of consumers in many domains stay within 50 blocks, 3,000 per section and the total size', () => {
    const groups = Array.from({ length: 80 }, (_, d) => ({
      businessUnit: `Unit ${d % 7}`,
      domain: `Domain ${d}`,
      entries: Array.from({ length: 25 }, (_, i) => ({ id: `domain-${d}.consumer-with-a-long-name-${i}`, kind: 'consumer' as const, via: ['inventory.vehicles', `domain-${d}.product-${i}`] })),
    }));
    const facts: MessageFacts = {
      ...SAMPLES.producer_alert!,
      failures: Array.from({ length: 40 }, (_, i) => ({ check: `contract.notNull.col_${i}`, kind: 'contract', message: `${i} rows with null col_${i} ${'x'.repeat(200)}`, columns: [`col_${i}`], failingRows: i })),
      blast: { consumers: 2000, products: 2000, domains: 80, businessUnits: 7, groups },
    };
    const out = render(facts);
    expectValid(out.message!);
    expect(out.message!.blocks.length).toBeLessThanOrEqual(BLOCK_LIMITS.blocks);
    expect(renderedAsText(out.message!)).toMatch(/…and \d+ more/);
  });

  it('a missing table is said once, not as every check failing', () => {
    const missing = (check: string) => ({ check, kind: 'contract', message: 'table ANALYTICS.INV.VEHICLES does not exist (or the monitoring role cannot see it)', columns: [] });
    const facts: MessageFacts = {
      ...SAMPLES.producer_alert!,
      incident: { ...SAMPLES.producer_alert!.incident!, checks: ['freshness', 'schema', 'contract.rowCount'] },
      failures: [missing('freshness'), missing('schema'), missing('contract.rowCount')],
    };
    const text = renderedAsText(render(facts).message!);
    expect(text).toContain('inventory.vehicles is missing (its table does not exist)');
    expect(text).toContain('• freshness, schema, contract.rowCount: table ANALYTICS.INV.VEHICLES does not exist');
  });

  it('times are shown in the workspace time zone', () => {
    const text = renderedAsText(render({ ...SAMPLES.producer_alert!, timezone: 'Europe/Berlin' }).message!);
    expect(text).toContain('since 10:14');
    expect(text).toContain('updated 10:14 Europe/Berlin');
  });

  it('an unknown transition gets a plain message, not a crash', () => {
    const out = render({ notification: { ...SAMPLES.generic!.notification, transition: 'something_new', reason: '<b>odd</b> & more' }, failures: [] });
    expectValid(out.message!);
    expect(out.message!.text).toContain('something new');
    expect(JSON.stringify(out.message!.blocks)).toContain('&lt;b&gt;odd&lt;/b&gt; &amp; more');
  });
});

describe('README samples', () => {
  it('"Connecting Slack" shows the golden text of the producer, consumer, restricted, recovery, approval, digest, escalation, reminder and tier review messages', () => {
    const readme = readFileSync(path.join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Connecting Slack'), readme.indexOf('## Connecting Snowflake'));
    for (const name of ['producer_alert', 'consumer_alert', 'consumer_alert_restricted', 'resolved', 'consumer_resolved', 'approval_request', 'digest_producer', 'digest_consumer', 'digest_platform', 'escalation', 'reminder_mention', 'tier_review']) {
      expect(section, `README sample ${name} is out of date`).toContain(readFileSync(path.join(DIR, `${name}.txt`), 'utf8').trimEnd());
    }
  });
});
