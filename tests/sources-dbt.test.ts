/** dbt manifests → products: one golden per schema version (v7–v12), the enforced-contract manifest, and the mapping rules on small manifests. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { conditionMaxRows, mapDbtManifest, parseRelation, type DbtMapOptions } from '../sources/dbt/map.js';
import { manifestSchema } from '../sources/dbt/parse.js';
import { parseManifestText } from '../sources/dbt/read.js';
import { readDbtSource } from '../sources/load.js';
import { manifest } from './support/real-inputs.js';
import { dbtManifestJson, dbtModel } from './support/dbt-manifest.js';
import { writeConfigDir } from './support/config-dir.js';
import { loadConfig } from '../sources/load-config.js';

const real = (name: string, domain?: string) => readDbtSource(manifest(name), path.basename(manifest(name)), domain ? { domain } : {}, 'duckdb');

type Json = Record<string, unknown>;
const model = (name: string, extra: Json = {}): Json => ({
  unique_id: `model.shop.${name}`, resource_type: 'model', name, database: 'db', schema: 'mart', alias: name, depends_on: { nodes: [] }, columns: {}, config: {}, meta: {}, ...extra,
});
let testCount = 0;
const test = (name: string, kwargs: Json, attached: string, config: Json = {}, namespace: string | null = null): Json => ({
  unique_id: `test.shop.${name}.${attached}.${++testCount}`, resource_type: 'test', name, attached_node: `model.shop.${attached}`, depends_on: { nodes: [`model.shop.${attached}`] },
  test_metadata: { name: name.replace(/^.*\./, ''), namespace, kwargs: { model: `{{ get_where_subquery(ref('${attached}')) }}`, ...kwargs } }, config: { severity: 'ERROR', warn_if: '!= 0', error_if: '!= 0', ...config },
});
function mapped(nodes: Json[], extra: Json = {}, options: Partial<DbtMapOptions> = {}) {
  const m = manifestSchema.parse({ metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json', project_name: 'shop' }, nodes: Object.fromEntries(nodes.map((n) => [n.unique_id, n])), ...extra });
  return mapDbtManifest(m, 'manifest.json', { engine: 'duckdb', ...options });
}

describe('dbt manifest goldens: one per schema version', () => {
  for (const v of [7, 8, 9, 10, 11, 12]) {
    it(`v${v} (dbt-core state ladder): the model, its not_null test, the exposure as a consumer`, async () => {
      const out = await real(`state__v${v}__`, 'ladder');
      expect(out.problems).toEqual([]);
      const my = out.products.find((p) => p.value.name === 'my_model')!.value;
      // The source entry's domain comes before the project name (v10 on: "test").
      expect(my).toMatchObject({ id: 'ladder.my_model', tier: 'restricted', table: expect.stringMatching(/^dbt\.test\d+_test_previous_version_state\.my_model$/), contract: { notNull: ['id'] }, schema: { columns: [{ name: 'id' }] } });
      // The source has only placeholder freshness: not a product.
      expect(out.products.some((p) => (p.value.name ?? '').includes('my_source'))).toBe(false);
      expect(out.consumers.map((c) => c.value)).toEqual([{ id: 'ladder.simple_exposure', name: 'simple_exposure', domain: 'ladder', uses: [{ product: my.id }] }]);
      expect(out.notes.some((n) => /singular test just_my/.test(n.message))).toBe(true);
      expect(out.notes.some((n) => /test check_nothing does not map/.test(n.message))).toBe(true);
    });
  }

  it('v7 to v9 carry no project name: the source entry domain is needed, and its absence is an error naming the model', async () => {
    const out = await real('state__v7__');
    expect(out.problems.map((p) => p.message)).toContain('model my_model names no domain (meta.meshwatch.domain, a group, or domain on the source entry)');
  });

  it('versioned models (v10, cosmos) are <domain>.<name>.v<N>, with lineage to the versions they use', async () => {
    const out = await real('manifest_model_version');
    const ids = out.products.map((p) => p.value.id);
    expect(ids).toEqual(expect.arrayContaining(['jaffle_shop.customers.v1', 'jaffle_shop.customers.v2', 'jaffle_shop.stg_customers.v1', 'jaffle_shop.stg_customers.v2']));
    expect(out.products.find((p) => p.value.id === 'jaffle_shop.customers.v2')!.value.inputs).toEqual(['jaffle_shop.stg_customers.v2', 'jaffle_shop.stg_orders.v1', 'jaffle_shop.stg_payments']);
  });

  it('the enforced-contract manifest (sprint, v12): typed columns, closed schema, dbt_utils tests as native rules', async () => {
    const out = await real('ChrisAdan__sprint');
    const enc = out.products.find((p) => p.value.id === 'sprint.stage_encounters')!.value;
    expect(enc.schema).toEqual({
      columns: [
        { name: 'session_id', type: 'string' }, { name: 'team_1_id', type: 'string' }, { name: 'team_2_id', type: 'string' },
        { name: 'encounter_start', type: 'timestamp' }, { name: 'encounter_end', type: 'timestamp' },
      ],
      allowExtraColumns: false,
    });
    expect(enc.inputs).toEqual(['sprint.stage_centroids']);
    const all = out.products.map((p) => p.value);
    expect(all.some((p) => (p.contract?.expressions ?? []).length > 0)).toBe(true);
    expect(all.some((p) => (p.contract?.unique ?? []).some((u) => Array.isArray(u)))).toBe(true);
    // The one source with freshness is a product with its loaded_at_field as the freshness column.
    const fresh = all.filter((p) => p.freshness);
    expect(fresh.map((p) => [p.id, p.freshness])).toEqual([['sprint.sprint_raw.event_transaction', { column: 'createdAt', maxAge: expect.any(String), ...(fresh[0]!.freshness!.warnAge ? { warnAge: expect.any(String) } : {}) }]]);
  });

  it('cosmos altered_jaffle_shop: ephemeral models pass lineage through, the expression loaded_at_field is a note', async () => {
    const out = await real('astronomer-cosmos__manifest.json');
    const ids = out.products.map((p) => p.value.id);
    expect(ids).not.toContain('altered_jaffle_shop.ephemeral_customers');
    expect(out.products.find((p) => p.value.id === 'altered_jaffle_shop.ephemeral_customers_downstream')!.value.inputs).toEqual(['altered_jaffle_shop.customers']);
    expect(out.notes.some((n) => /loaded_at_field is an expression \(CAST\(order_date AS TIMESTAMP\)\)/.test(n.message))).toBe(true);
    expect(out.consumers[0]!.value).toMatchObject({ id: 'altered_jaffle_shop.weekly_metrics', name: 'Jaffle shop metrics', uses: [{ product: 'altered_jaffle_shop.customers' }] });
  });
});

describe('dbt mapping rules', () => {
  it('reads Jinja relations: ref, ref with package or version, source', () => {
    expect(parseRelation("{{ get_where_subquery(ref('orders')) }}")).toEqual({ kind: 'ref', name: 'orders' });
    expect(parseRelation("ref('pkg', 'orders')")).toEqual({ kind: 'ref', pkg: 'pkg', name: 'orders' });
    expect(parseRelation("ref('orders', v=2)")).toEqual({ kind: 'ref', name: 'orders', version: '2' });
    expect(parseRelation("source('raw', 'orders')")).toEqual({ kind: 'source', source: 'raw', name: 'orders' });
  });

  it('turns warn_if / error_if conditions into maxRows', () => {
    expect(conditionMaxRows('!= 0')).toBe(0);
    expect(conditionMaxRows('> 10')).toBe(10);
    expect(conditionMaxRows('>= 5')).toBe(4);
    expect(conditionMaxRows('!= 3')).toBeUndefined();
  });

  it('maps generic tests to native rules with severity and thresholds kept', () => {
    const out = mapped([
      model('stg', {}),
      model('orders', { depends_on: { nodes: ['model.shop.stg'] }, columns: { id: { name: 'id', data_type: 'integer' }, status: { name: 'status' } } }),
      test('not_null', { column_name: 'id' }, 'orders'),
      test('not_null', { column_name: 'status' }, 'orders', { severity: 'warn', warn_if: '> 5' }),
      test('unique', { column_name: 'id' }, 'orders'),
      test('accepted_values', { column_name: 'status', values: ['a', 'b'] }, 'orders', { error_if: '> 2' }),
      test('relationships', { column_name: 'id', to: "ref('stg')", field: 'order_id' }, 'orders'),
      test('dbt_utils.accepted_range', { column_name: 'id', min_value: 0, max_value: 100, inclusive: false }, 'orders', {}, 'dbt_utils'),
      test('dbt_utils.expression_is_true', { column_name: 'id', expression: '>= 0' }, 'orders', {}, 'dbt_utils'),
      test('dbt_utils.unique_combination_of_columns', { combination_of_columns: ['id', 'status'] }, 'orders', {}, 'dbt_utils'),
      test('dbt_expectations.expect_column_to_exist', { column_name: 'id' }, 'orders', {}, 'dbt_expectations'),
      test('accepted_values', { column_name: 'status', values: "{{ var('statuses') }}" }, 'orders'),
      test('not_null', { column_name: 'status' }, 'orders', { where: "status != 'x'" }),
    ]);
    const orders = out.products.find((p) => p.value.id === 'shop.orders')!.value;
    expect(orders.contract).toEqual({
      notNull: ['id', { column: 'status', maxRows: 5, severity: 'warn' }],
      unique: ['id', ['id', 'status']],
      acceptedValues: { status: { values: ['a', 'b'], maxRows: 2 } },
      references: { id: { product: 'shop.stg', column: 'order_id' } },
      range: { id: { min: 0, max: 100, exclusive: true } },
      expressions: [{ name: 'id_expression', expr: 'id >= 0' }],
    });
    expect(orders.schema).toEqual({ columns: [{ name: 'id', type: 'integer' }, { name: 'status' }] });
    const notes = out.notes.map((n) => n.message);
    expect(notes).toContain('shop.orders: test dbt_expectations.expect_column_to_exist on id does not map to a meshwatch rule: not checked');
    expect(notes).toContain('shop.orders: test accepted_values on status argument values is a Jinja expression: not checked');
    expect(notes.some((m) => /has a where filter/.test(m))).toBe(true);
  });

  it('a test on a column the model does not declare adds that column, presence only, so validate accepts it', () => {
    const out = mapped([model('a', { columns: { id: { name: 'id', data_type: 'int' } } }), test('not_null', { column_name: 'other' }, 'a')]);
    expect(out.products[0]!.value.schema).toEqual({ columns: [{ name: 'id', type: 'int' }, { name: 'other' }] });
  });

  it('a relationships test to a product that is not an input is a note, not a reference', () => {
    const out = mapped([model('a'), model('b'), test('relationships', { column_name: 'x', to: "ref('b')", field: 'x' }, 'a')]);
    expect(out.products.find((p) => p.value.id === 'shop.a')!.value.contract).toEqual({});
    expect(out.notes[0]!.message).toBe('shop.a: test relationships on x references shop.b, which is not an input of shop.a: not checked');
  });

  it('reads tierJustification and tierReviewedAt from meta.meshwatch, and notes a date it cannot use', () => {
    const out = mapped([
      model('summary', { meta: { meshwatch: { tier: 'open', tierJustification: 'counts by country only', tierReviewedAt: '2026-10-01' } } }),
      model('bad', { meta: { meshwatch: { tierReviewedAt: 'last spring', tierJustification: 3 } } }),
    ]);
    expect(out.products.find((p) => p.value.name === 'summary')!.value).toMatchObject({ tier: 'open', tierJustification: 'counts by country only', tierReviewedAt: '2026-10-01' });
    const bad = out.products.find((p) => p.value.name === 'bad')!.value;
    expect(bad.tierJustification).toBeUndefined();
    expect(bad.tierReviewedAt).toBeUndefined();
    expect(out.notes.filter((n) => /tierReviewedAt|tierJustification/.test(n.message)).map((n) => n.path).sort()).toEqual([
      'nodes["model.shop.bad"].meta.meshwatch.tierJustification',
      'nodes["model.shop.bad"].meta.meshwatch.tierReviewedAt',
    ]);
  });

  it('notes a model with nothing to check (no columns, tests or freshness), and only that one', () => {
    const out = mapped([model('bare'), model('typed', { columns: { id: { name: 'id', data_type: 'integer' } } })]);
    expect(out.notes.filter((n) => /nothing in the manifest can be checked/.test(n.message)).map((n) => [n.path, n.message])).toEqual([
      ['nodes["model.shop.bare"]', 'shop.bare: nothing in the manifest can be checked (no columns, tests or freshness): the product is in the lineage but has no checks'],
    ]);
  });

  it('warns when select matches no model, naming the source and how many models it excluded', async () => {
    const nodes = [model('a', { tags: ['mesh'] }), model('b'), model('c', { config: { enabled: false } })];
    const none = mapped(nodes, {}, { select: { tags: ['meshh'] }, selectAt: { file: 'meshwatch.yaml', path: 'sources[1].select' } });
    expect(none.products).toEqual([]);
    expect(none.warnings).toEqual([{ file: 'meshwatch.yaml', path: 'sources[1].select', message: 'select of dbt source manifest.json matches none of its 2 models: all 2 are excluded, so no model is a product' }]);
    expect(mapped(nodes, {}, { select: { tags: ['mesh'] } }).warnings).toEqual([]);
    expect(mapped(nodes).warnings).toEqual([]);

    // Through meshwatch.yaml: validate reports it as a warning on the entry, instead of a silent empty mesh.
    const { dir, cleanup } = await writeConfigDir({
      'meshwatch.yaml': 'warehouse: { type: duckdb, path: w.duckdb }\ndomains:\n  - { id: shop, name: Shop, businessUnit: Retail, slackChannel: "#shop" }\nsources:\n  - { dbt: { manifest: target/manifest.json }, domain: shop, select: { groups: [finance] } }\n',
      'target/manifest.json': dbtManifestJson([dbtModel('customers'), dbtModel('orders')]),
    });
    try {
      const config = await loadConfig(dir, { env: {} });
      expect(config.products).toEqual([]);
      expect(config.warnings.filter((w) => w.path === 'sources[0].select')).toEqual([
        expect.objectContaining({ kind: 'warning', source: 'dbt', file: 'meshwatch.yaml', message: 'select of dbt source target/manifest.json matches none of its 2 models: all 2 are excluded, so no model is a product' }),
      ]);
    } finally {
      await cleanup();
    }
  });

  it('narrows products with select (access, tags, groups, meta) and keeps lineage through the rest', () => {
    const nodes = [
      model('raw', { access: 'private' }),
      model('mid', { access: 'protected', depends_on: { nodes: ['model.shop.raw'] } }),
      model('pub', { access: 'public', tags: ['mesh'], group: 'finance', depends_on: { nodes: ['model.shop.mid'] }, meta: { owner: 'x' } }),
      model('pub2', { access: 'public', depends_on: { nodes: ['model.shop.pub'] } }),
    ];
    expect(mapped(nodes).products.map((p) => p.value.id)).toEqual(['shop.raw', 'shop.mid', 'finance.pub', 'shop.pub2']);
    expect(mapped(nodes, {}, { select: { access: ['public'] } }).products.map((p) => p.value.id)).toEqual(['finance.pub', 'shop.pub2']);
    expect(mapped(nodes, {}, { select: { tags: ['mesh'] } }).products.map((p) => p.value.id)).toEqual(['finance.pub']);
    expect(mapped(nodes, {}, { select: { groups: ['finance'] } }).products.map((p) => p.value.id)).toEqual(['finance.pub']);
    expect(mapped(nodes, {}, { select: { meta: { owner: 'x' } } }).products.map((p) => p.value.id)).toEqual(['finance.pub']);
    const withPrivate = mapped([model('raw'), model('mid', { depends_on: { nodes: ['model.shop.raw'] } }), model('top', { depends_on: { nodes: ['model.shop.mid'] } })], {}, { select: { meta: { mesh: true } } });
    expect(withPrivate.products).toEqual([]);
    const through = mapped(nodes, {}, { select: { access: ['private', 'public'] } });
    expect(through.products.find((p) => p.value.id === 'finance.pub')!.value.inputs).toEqual(['shop.raw']);
  });

  it('takes domain and tier from meta.meshwatch, then the group, then the entry', () => {
    const out = mapped([model('a', { meta: { meshwatch: { domain: 'sales', tier: 'open' } } }), model('b', { group: 'crm' }), model('c', { config: { meta: { meshwatch: { tier: 'limited' } } } })], {}, { domain: 'ops', tier: 'limited' });
    expect(out.products.map((p) => [p.value.id, p.value.tier])).toEqual([['sales.a', 'open'], ['crm.b', 'limited'], ['ops.c', 'limited']]);
  });

  it('source freshness: only non-null counts count; error_after is maxAge, warn_after warnAge; sources need a column on DuckDB', () => {
    const src = (name: string, freshness: Json, loaded?: string): Json => ({
      unique_id: `source.shop.raw.${name}`, name, source_name: 'raw', database: 'db', schema: 'raw', identifier: name, loaded_at_field: loaded ?? null, freshness, config: { freshness }, meta: {}, columns: {},
    });
    const nulls = { warn_after: { count: null, period: null }, error_after: { count: null, period: null } };
    const out = mapped([], {
      sources: {
        a: src('a', nulls, 'ts'),
        b: src('b', { warn_after: { count: 1, period: 'hour' }, error_after: { count: 2, period: 'day' } }, 'ts'),
        c: src('c', { warn_after: { count: 30, period: 'minute' }, error_after: { count: null, period: null } }, 'ts'),
        d: src('d', { error_after: { count: 6, period: 'hour' } }),
      },
    });
    expect(out.products.map((p) => [p.value.id, p.value.freshness])).toEqual([
      ['shop.raw.b', { column: 'ts', maxAge: '2d', warnAge: '1h' }],
      ['shop.raw.c', { column: 'ts', maxAge: '30m' }],
      ['shop.raw.d', undefined],
    ]);
    // The source without a usable freshness also gets the note that it has nothing to check (tested on its own above).
    expect(out.notes.filter((n) => !/nothing in the manifest can be checked/.test(n.message)).map((n) => n.message)).toEqual([
      'only warn_after is set: checked as maxAge (meshwatch freshness fails at maxAge)',
      'freshness needs a loaded_at_field column on DuckDB (no last-modified time): not checked',
    ]);
  });

  it('model freshness (dbt 1.10+ config.freshness): warn_after / error_after are freshness; build_after alone is a note', () => {
    const out = mapped([
      model('a', { config: { freshness: { build_after: { count: 4, period: 'hour', updates_on: 'any' } } } }),
      model('b', { config: { loaded_at_field: 'updated_at', freshness: { warn_after: { count: 2, period: 'hour' }, error_after: { count: 1, period: 'day' }, build_after: { count: 1, period: 'hour' } } } }),
      model('c', { config: { freshness: { error_after: { count: 6, period: 'hour' } } } }),
      // The shape every real manifest of dbt 1.10+ has: freshness null.
      model('d', { config: { freshness: null } }),
      model('e', { config: { freshness: { build_after: { count: null, period: null } } } }),
    ]);
    expect(out.products.map((p) => [p.value.id, p.value.freshness])).toEqual([
      ['shop.a', undefined],
      ['shop.b', { column: 'updated_at', maxAge: '1d', warnAge: '2h' }],
      ['shop.c', undefined],
      ['shop.d', undefined],
      ['shop.e', undefined],
    ]);
    expect(out.notes.filter((n) => !/nothing in the manifest can be checked/.test(n.message)).map((n) => `${n.path}: ${n.message}`)).toEqual([
      'nodes["model.shop.a"].config.freshness.build_after: shop.a: build_after 4 hour says how often dbt may rebuild the model, not how old its data may be: not checked (warn_after / error_after in the model\'s freshness are)',
      'nodes["model.shop.b"].config.freshness.build_after: shop.b: build_after 1 hour says how often dbt may rebuild the model, not how old its data may be: not checked',
      'nodes["model.shop.c"].config.freshness: freshness needs a loaded_at_field column on DuckDB (no last-modified time): not checked',
    ]);
    // On Snowflake a model without loaded_at_field is checked by the table's last-modified time.
    const sf = mapped([model('c', { config: { freshness: { error_after: { count: 6, period: 'hour' } } } })], {}, { engine: 'snowflake' });
    expect(sf.products[0]!.value.freshness).toEqual({ maxAge: '6h' });
  });

  it('rejects what is not a manifest, and manifests older than v7, with file and reason', () => {
    expect(parseManifestText('{"nodes": {}}', 'm.json')).toMatchObject({ ok: false, problems: [{ file: 'm.json', path: 'metadata', message: expect.stringMatching(/not a dbt manifest/) }] });
    expect(parseManifestText('{', 'm.json')).toMatchObject({ ok: false, problems: [{ message: expect.stringMatching(/^invalid JSON/) }] });
    const old = JSON.stringify({ metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v5.json' }, nodes: {} });
    expect(parseManifestText(old, 'm.json')).toMatchObject({ ok: false, problems: [{ path: 'metadata.dbt_schema_version', message: expect.stringMatching(/v5.json is not supported/) }] });
  });
});
