/** ODCS v3 → products: normalisation of the 3.0.x and 3.1 shapes, and goldens from the standard's and tools' real examples. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { durationMs } from '../sources/mapping.js';
import { fitOutput, readOdcsSource } from '../sources/load.js';
import { mapOdcsContract, templateQuery } from '../sources/odcs/map.js';
import { parseOdcsText } from '../sources/odcs/read.js';
import { odcs } from './support/real-inputs.js';

function parse(yaml: string) {
  const read = parseOdcsText(yaml, 'c.odcs.yaml');
  if (!read.ok) throw new Error(read.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return read.value;
}

const HEAD = 'apiVersion: v3.0.2\nkind: DataContract\nid: c1\nversion: 1.0.0\nstatus: active\ndomain: sales\n';
const map = (yaml: string) => mapOdcsContract(parse(HEAD + yaml), 'c.odcs.yaml', { engine: 'duckdb' });
const real = async (name: string, engine: 'duckdb' | 'snowflake' = 'duckdb') => fitOutput(await readOdcsSource(odcs(name), path.basename(odcs(name)), { domain: 'x' }, engine));

describe('ODCS normalisation', () => {
  it('reads the 3.0 `rule` as the 3.1 `metric`, and a missing type as library', () => {
    const c = parse(`${HEAD}schema:\n  - name: t\n    quality:\n      - rule: rowCount\n        mustBeGreaterThan: 5\n      - metric: rowCount\n        mustBeLessOrEqualTo: 9\n`);
    expect(c.schema[0]!.quality.map((q) => [q.type, q.metric])).toEqual([['library', 'rowCount'], ['library', 'rowCount']]);
  });

  it('reads the team array (3.0) and the team object (3.1) as one shape', () => {
    expect(parse(`${HEAD}team:\n  - username: a\n  - username: b\n`).team).toEqual({ members: [{ username: 'a' }, { username: 'b' }] });
    expect(parse(`${HEAD}team:\n  name: t\n  members:\n    - username: a\n`).team).toMatchObject({ name: 't', members: [{ username: 'a' }] });
    expect(parse(`${HEAD}team:\n  name: only-a-name\n`).team).toEqual({ name: 'only-a-name', members: [] });
  });

  it('uses 3.1 constructs whatever apiVersion says (timestamp, numeric exclusiveMinimum, metric)', () => {
    const out = map(`schema:\n  - name: t\n    properties:\n      - name: at\n        logicalType: timestamp\n        physicalType: TIMESTAMP\n      - name: n\n        physicalType: INTEGER\n        logicalTypeOptions: { exclusiveMinimum: 0 }\n`);
    const p = out.products[0]!.value;
    expect(p.schema?.columns).toEqual([{ name: 'at', type: 'TIMESTAMP' }, { name: 'n', type: 'INTEGER' }]);
    expect(p.contract?.range).toEqual({ n: { min: 0, exclusive: true } });
  });

  it('reads v2 keys isNullable / isUnique as required / unique, with a note', () => {
    const out = map(`schema:\n  - name: t\n    properties:\n      - name: a\n        isNullable: false\n        isUnique: true\n`);
    expect(out.products[0]!.value.contract).toEqual({ notNull: ['a'], unique: ['a'] });
    expect(out.notes.map((n) => n.path)).toContain('schema[0].properties[0]');
  });

  it('maps every mustBe* operator on a count query, and notes what bounds cannot say', () => {
    const q = (op: string, v: string) => `      - type: sql\n        query: select count(*) from t where x < 0\n        ${op}: ${v}\n`;
    const out = map(
      `schema:\n  - name: t\n    quality:\n${q('mustBe', '0')}${q('mustBeGreaterThan', '3')}${q('mustBeGreaterOrEqualTo', '3')}${q('mustBeLessThan', '3')}${q('mustBeLessOrEqualTo', '3')}${q('mustBeBetween', '[1, 4]')}${q('mustNotBe', '2')}${q('mustNotBeBetween', '[1, 2]')}`,
    );
    expect(out.products[0]!.value.contract?.sql?.map((s) => s.expect)).toEqual([0, { min: 4 }, { min: 3 }, { max: 2 }, { max: 3 }, { min: 1, max: 4 }]);
    expect(out.notes.filter((n) => /mustNotBe/.test(n.message)).map((n) => n.path)).toEqual(['schema[0].quality[6]', 'schema[0].quality[7]']);
  });

  it('keeps a strict bound on a query that is not a count as a note, not a guess', () => {
    const out = map(`schema:\n  - name: t\n    quality:\n      - type: sql\n        query: select avg(x) from t\n        mustBeGreaterThan: 3\n`);
    expect(out.products[0]!.value.contract).toBeUndefined();
    expect(out.notes.find((n) => n.path === 'schema[0].quality[0]')!.message).toMatch(/strict bound needs a count query/);
  });

  it('turns counts and percentages into maxRows / maxPercent, and keeps severity', () => {
    const out = map(
      `schema:\n  - name: t\n    properties:\n      - name: a\n        quality:\n          - metric: nullValues\n            mustBeLessOrEqualTo: 10\n            severity: warning\n      - name: b\n        quality:\n          - metric: invalidValues\n            arguments: { validValues: [x, y] }\n            mustBeLessThan: 5\n            unit: percent\n      - name: c\n        quality:\n          - metric: nullValues\n            mustBe: 0\n            severity: error\n`,
    );
    expect(out.products[0]!.value.contract).toEqual({
      notNull: [{ column: 'a', maxRows: 10, severity: 'warn' }, 'c'],
      acceptedValues: { b: { values: ['x', 'y'], maxPercent: 5 } },
    });
  });

  it('notes that a strict percent bound became inclusive (mustBeLessThan 5 percent → maxPercent 5)', () => {
    const out = map(`schema:\n  - name: t\n    properties:\n      - name: b\n        quality:\n          - metric: invalidValues\n            arguments: { validValues: [x] }\n            mustBeLessThan: 5\n            unit: percent\n          - metric: nullValues\n            mustBeLessOrEqualTo: 5\n            unit: percent\n`);
    expect(out.products[0]!.value.contract).toEqual({ acceptedValues: { b: { values: ['x'], maxPercent: 5 } }, notNull: [{ column: 'b', maxPercent: 5 }] });
    // Only the strict one moved: the inclusive bound is exact.
    expect(out.notes.filter((n) => /inclusive/.test(n.message)).map((n) => [n.path, n.message])).toEqual([
      ['schema[0].properties[0].quality[0]', 'invalidValues mustBeLessThan 5 percent is checked as maxPercent 5: exactly 5 % of the rows passes too (maxPercent is inclusive)'],
    ]);
  });

  it('maps duplicateValues on a property, on an object with several properties (composite), and with a percentage', () => {
    const out = map(
      `schema:\n  - name: t\n    properties:\n      - name: id\n        quality:\n          - metric: duplicateValues\n            mustBe: 0\n      - name: Email Address\n        physicalName: email\n      - name: region\n    quality:\n` +
        `      - metric: duplicateValues\n        arguments: { properties: [id, Email Address] }\n        mustBe: 0\n` +
        `      - metric: duplicateValues\n        arguments: { properties: [region] }\n        mustBeLessOrEqualTo: 2\n        unit: percent\n        severity: warning\n` +
        `      - metric: duplicateValues\n        arguments: { properties: [region, id] }\n        mustBeLessThan: 4\n` +
        `      - metric: duplicateValues\n        mustBe: 0\n`,
    );
    expect(out.products[0]!.value.contract?.unique).toEqual([
      'id',
      // The property's physical name is the column.
      ['id', 'email'],
      { columns: ['region'], maxPercent: 2, severity: 'warn' },
      // A strict count bound is exact: fewer than 4 is at most 3.
      { columns: ['region', 'id'], maxRows: 3 },
    ]);
    expect(out.notes.find((n) => n.path === 'schema[0].quality[3]')?.message).toBe('duplicateValues names no column: not checked');
    // The same plain key twice is one rule.
    const twice = map(`schema:\n  - name: t\n    properties:\n      - name: id\n        unique: true\n        quality:\n          - metric: duplicateValues\n            mustBe: 0\n`);
    expect(twice.products[0]!.value.contract?.unique).toEqual(['id']);
  });

  it('notes a null in validValues instead of dropping it silently', () => {
    const out = map(`schema:\n  - name: t\n    properties:\n      - name: s\n        quality:\n          - metric: invalidValues\n            arguments: { validValues: [a, null, b] }\n            mustBe: 0\n`);
    expect(out.products[0]!.value.contract?.acceptedValues).toEqual({ s: ['a', 'b'] });
    expect(out.notes.find((n) => n.path === 'schema[0].properties[0].quality[0].arguments.validValues')?.message).toMatch(/^null in validValues is not checked as a value: acceptedValues checks non-null values only/);
  });

  it('puts {{ table }} where the query names the object, with or without schema', () => {
    const object = parse(`${HEAD}schema:\n  - name: orders\n    physicalName: orders_v2\n`).schema[0]!;
    expect(templateQuery('SELECT COUNT(*) FROM orders_v2 WHERE a < 0', object)).toBe('SELECT COUNT(*) FROM {{ table }} WHERE a < 0');
    expect(templateQuery('select count(*) from analytics.orders', object)).toBe('select count(*) from {{ table }}');
    expect(templateQuery('select count(*) from ${table}', object)).toBe('select count(*) from {{ table }}');
    expect(templateQuery('select count(*) from other_table', object)).toBeUndefined();
  });

  it('reads SLA values in the units real contracts use', () => {
    expect(durationMs(24, 'h')).toBe(86_400_000);
    expect(durationMs(4, 'd')).toBe(4 * 86_400_000);
    expect(durationMs(500, 'ms')).toBe(500);
    expect(durationMs('P1Y')).toBe(365 * 86_400_000);
    expect(durationMs('PT24H')).toBe(86_400_000);
    expect(durationMs(90, 'days')).toBe(90 * 86_400_000);
    expect(durationMs(3, 'y')).toBe(3 * 365 * 86_400_000);
    expect(durationMs('95%', '%')).toBeUndefined();
  });

  it('gives the tier from customProperties, else the strictest classification (configurable), else restricted', () => {
    const props = (cls: string[]) => cls.map((c, i) => `      - name: c${i}\n        classification: ${c}\n`).join('');
    const tierOf = (yaml: string, classificationTiers?: Record<string, 'open' | 'limited' | 'restricted'>) =>
      mapOdcsContract(parse(HEAD + yaml), 'c', { engine: 'duckdb', classificationTiers }).products[0]!.value.tier;
    expect(tierOf(`schema:\n  - name: t\n    properties:\n${props(['public', 'internal'])}`)).toBe('limited');
    expect(tierOf(`schema:\n  - name: t\n    properties:\n${props(['public'])}`)).toBe('open');
    expect(tierOf(`schema:\n  - name: t\n    properties:\n${props(['public', 'top-secret'])}`)).toBe('restricted');
    expect(tierOf(`schema:\n  - name: t\n    properties:\n${props(['public', 'top-secret'])}`, { 'top-secret': 'limited' })).toBe('limited');
    expect(tierOf(`schema:\n  - name: t\n    properties:\n      - name: a\n`)).toBe('restricted');
    expect(tierOf(`customProperties:\n  - { property: tier, value: open }\nschema:\n  - name: t\n    properties:\n${props(['restricted'])}`)).toBe('open');
  });

  it('reads tierJustification and tierReviewedAt from custom properties of the object, else the contract', () => {
    const obj = (custom: string) => `schema:\n  - name: t\n${custom}    properties:\n      - { name: a, classification: public }\n  - name: u\n    customProperties:\n      - { property: tierJustification, value: own reason }\n    properties:\n      - { name: b, classification: public }\n`;
    const out = map(`customProperties:\n  - { property: tierJustification, value: "aggregated by country" }\n  - { property: tierReviewedAt, value: "2026-10-01" }\n${obj('')}`);
    expect(out.products.map((p) => [p.value.id, p.value.tierJustification, p.value.tierReviewedAt])).toEqual([
      ['sales.t', 'aggregated by country', '2026-10-01'],
      ['sales.u', 'own reason', '2026-10-01'],
    ]);
    const bad = map(`schema:\n  - name: t\n    customProperties:\n      - { property: tierReviewedAt, value: "soon" }\n    properties:\n      - { name: a }\n`);
    expect(bad.products[0]!.value.tierReviewedAt).toBeUndefined();
    expect(bad.notes.find((n) => /tierReviewedAt/.test(n.message))?.path).toBe('schema[0].customProperties');
  });

  it('counts an unclassified column as unknown: one public column beside unclassified salary and ssn does not make the product open', () => {
    const yaml = `schema:\n  - name: t\n    properties:\n      - name: country\n        classification: public\n      - name: salary\n      - name: ssn\n`;
    const tier = (options: { tier?: 'open' | 'limited' | 'restricted' } = {}) => mapOdcsContract(parse(HEAD + yaml), 'c', { engine: 'duckdb', ...options }).products[0]!.value.tier;
    expect(tier()).toBe('restricted');
    // The source entry's tier is the configured default for what is unclassified.
    expect(tier({ tier: 'limited' })).toBe('limited');
    expect(tier({ tier: 'open' })).toBe('open');
    // A classified parent covers its nested properties.
    const nested = `schema:\n  - name: t\n    properties:\n      - name: address\n        classification: public\n        properties:\n          - name: city\n`;
    expect(mapOdcsContract(parse(HEAD + nested), 'c', { engine: 'duckdb' }).products[0]!.value.tier).toBe('open');
    // The tier custom property still decides over classifications.
    expect(mapOdcsContract(parse(`${HEAD}customProperties:\n  - { property: tier, value: open }\n${yaml}`), 'c', { engine: 'duckdb' }).products[0]!.value.tier).toBe('open');
  });

  it('takes the product id from customProperties.meshwatchId (ODCS ids are often UUIDs)', () => {
    const out = map(`schema:\n  - name: t\n    customProperties:\n      - { property: meshwatchId, value: sales.the-orders }\n`);
    expect(out.products[0]!.value.id).toBe('sales.the-orders');
  });

  it('gives its domain the Slack support channel, by name or by its archive link, and the team members still in it', () => {
    const hint = (yaml: string) => map(`schema:\n  - name: t\n${yaml}`).domains[0];
    expect(hint('support:\n  - { channel: orders-data, tool: slack }\n')).toMatchObject({ id: 'sales', slackChannel: '#orders-data', people: [] });
    expect(hint('support:\n  - { channel: "Orders help", tool: slack, url: "https://acme.slack.com/archives/C0123456789" }\n')?.slackChannel).toBe('C0123456789');
    expect(hint('support:\n  - { channel: ann, tool: email }\n')?.slackChannel).toBeUndefined();
    expect(hint('team:\n  - { username: ana }\n  - { username: bo, dateOut: "2024-01-01" }\n  - { name: Cy }\n')?.people).toEqual(['ana', 'Cy']);
  });

  it('errors on a contract naming no domain when the source entry gives none', () => {
    const c = parse('apiVersion: v3.1.0\nkind: DataContract\nid: c\nversion: 1\nstatus: active\nschema:\n  - name: t\n');
    expect(mapOdcsContract(c, 'c.yaml', { engine: 'duckdb' }).problems).toEqual([{ file: 'c.yaml', path: 'domain', message: expect.stringMatching(/names no domain/) }]);
    expect(mapOdcsContract(c, 'c.yaml', { engine: 'duckdb', domain: 'ops' }).products[0]!.value.id).toBe('ops.t');
  });
});

describe('ODCS goldens (real files)', () => {
  it("the standard's full-example: two products, pk as unique + not null, composite key, rowCount > 1M, SLA element notes", async () => {
    const out = await real('docs__examples__all__full-example');
    expect(out.products.map((p) => p.value)).toEqual([
      {
        id: 'seller.tbl', name: 'Core Payment Metrics', domain: 'seller', tier: 'restricted', table: '"pypl-edw".pp_access_views.tbl_1', description: 'Provides core payment metrics',
        schema: { columns: [{ name: 'txn_ref_dt', type: 'date' }, { name: 'rcvr_id', type: 'varchar(18)' }, { name: 'rcvr_cntry_code', type: 'varchar(2)' }] },
        contract: { rowCount: { min: 1_000_001 }, notNull: ['rcvr_cntry_code', 'rcvr_id'], unique: ['rcvr_id'] },
      },
      {
        id: 'seller.receivers', name: 'Receivers Master Data', domain: 'seller', tier: 'restricted', table: '"pypl-edw".pp_access_views.receivers_master', description: 'Master data for all receivers',
        schema: { columns: [{ name: 'id', type: 'varchar(18)' }, { name: 'country_code', type: 'varchar(2)' }, { name: 'receiver_name', type: 'varchar(255)' }, { name: 'receiver_type', type: 'varchar(20)' }] },
        contract: expect.objectContaining({ notNull: ['id', 'country_code', 'receiver_name'] }),
      },
    ]);
    expect(out.notes.find((n) => n.path === 'slaProperties[0]')?.message).toBe('SLA latency element "tab1.txn_ref_dt" names no table of this contract: not checked');
    expect(out.notes.filter((n) => /SLA (generalAvailability|endOfSupport|endOfLife|retention|frequency|timeOfAvailability) is not checked/.test(n.message))).toHaveLength(7);
    expect(out.notes.filter((n) => /relationships \(foreign keys\) are not checked/.test(n.message)).map((n) => n.path)).toEqual([
      'schema[0].properties[1].relationships', 'schema[0].relationships', 'schema[1].properties[3].relationships',
    ]);
    expect(out.domains[0]).toMatchObject({ id: 'seller', slackChannel: '#product-help', people: ['mhopper', 'daustin'] });
  });

  it('quality examples: nullValues → notNull, invalidValues % → acceptedValues maxPercent, sql → owner SQL, custom → note', async () => {
    expect((await real('quality__column-completeness')).products[0]!.value.contract).toEqual({ notNull: ['UniqueID'], unique: ['UniqueID'] });
    const validity = await readOdcsSource(odcs('quality__column-validity'), 'v.yaml', { domain: 'x' }, 'duckdb');
    expect(validity.products[0]!.value.contract?.acceptedValues).toEqual({ air_quality_status: { values: ['', 'n/a'], maxPercent: 5 } });
    expect((await real('quality__column-accuracy')).products[0]!.value.contract?.sql).toEqual([
      { name: 'sql_DataValue_1', query: 'select count(*) from {{ table }} where DataValue <= 0 or DataValue >= 500', expect: 0 },
    ]);
    const custom = await real('quality__column-custom');
    expect(custom.notes.filter((n) => /custom rule for engine soda/.test(n.message)).map((n) => n.path)).toEqual([
      'schema[0].properties[0].quality[0]',
      'schema[0].properties[0].quality[1]',
    ]);
  });

  it('datacontract-cli orders: Snowflake server gives the table, freshness 24 h on its element, sql > 1000 rows', async () => {
    const out = await real('examples__orders__orders', 'snowflake');
    const orders = out.products.find((p) => p.value.name === 'orders')!.value;
    expect(orders.table).toBe('ANALYTICS.ORDERS.orders');
    expect(orders.freshness).toEqual({ column: 'order_timestamp', maxAge: '1d' });
    expect(orders.contract?.sql).toEqual([
      { name: 'sql_order_total_1', query: 'SELECT COUNT(*) FROM {{ table }} WHERE order_total < 0', expect: 0 },
      { name: 'sql_table_1', query: 'SELECT COUNT(*) FROM {{ table }}', expect: { min: 1001 } },
    ]);
    expect(out.notes.map((n) => n.message)).toContain('SLA retention is not checked by meshwatch');
  });

  it('lint valid-3.1.0: a rowCount library rule with and without type, text rule noted, BigQuery project.dataset', async () => {
    const out = await real('lint__valid-3.1.0');
    const p = out.products[0]!.value;
    expect(p.table).toBe('acme_shipments_prod.shipments_v1.shipments_v2');
    expect(p.contract?.rowCount).toEqual({ min: 1 });
    // Its sql rule queries `shipments`, which is neither the object nor its table: a note, not a query on another table.
    expect(p.contract?.sql).toBeUndefined();
    expect(out.notes.find((n) => n.path === 'schema[0].quality[0]')?.message).toMatch(/queries no table named shipments_v2/);
    expect(out.notes.some((n) => n.path === 'schema[0].properties[6].quality[0]' && /text rule/.test(n.message))).toBe(true);
    expect(out.notes.some((n) => /SLA availability is not checked/.test(n.message))).toBe(true);
  });

  it('sodacl: mustBeBetween on a percentile, freshness element, custom soda rules noted', async () => {
    const out = await real('sodacl__datacontract');
    const orders = out.products.find((p) => p.value.name === 'orders')!.value;
    expect(orders.contract?.sql?.[0]?.expect).toEqual({ min: 1000, max: 49900 });
    expect(orders.freshness).toEqual({ column: 'order_timestamp', maxAge: '1d' });
  });

  it('Kafka and API servers are notes, and no product is invented for them', async () => {
    for (const name of ['schema__kafka-schema', 'api__weather-service']) {
      const out = await real(name);
      expect(out.products).toEqual([]);
      expect(out.notes.some((n) => n.path === 'servers[0]' && /is not a SQL table/.test(n.message))).toBe(true);
    }
  });
});
