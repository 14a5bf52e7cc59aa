/** import → validate → impact on a real manifest; export validated with a JSON-schema validator; native → ODCS → native keeps the checks. */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { formatTableRef } from '../config/identifier.js';
import { loadConfig } from '../sources/load-config.js';
import type { Product } from '../config/types.js';
import { cli, REPO } from './support/cli.js';
import { writeConfigDir } from './support/config-dir.js';
import { manifest, odcs, requireRealInputs } from './support/real-inputs.js';

const dirs: string[] = [];
const tempDir = async () => {
  const d = await mkdtemp(path.join(tmpdir(), 'meshwatch-import-'));
  dirs.push(d);
  return d;
};
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('meshwatch import', () => {
  it('dbt on the enforced-contract manifest: validate and impact work as on a hand-written mesh', async () => {
    const out = await tempDir();
    const run = await cli(['import', 'dbt', manifest('ChrisAdan__sprint'), '--out', out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/imported 11 products and 0 consumers from 1 dbt file/);
    expect(run.stdout).toMatch(/singular test no_zero_duration_encounters is SQL meshwatch does not run: not checked/);
    expect(await readFile(path.join(out, 'meshwatch.yaml'), 'utf8')).toMatch(/slackChannel: "#sprint-data" # TODO/);
    const validate = await cli(['validate', '--config', out]);
    expect(validate.stderr).toBe('');
    expect(validate.code).toBe(0);
    expect(validate.stdout).toMatch(/valid \(1 domains, 11 products, 0 consumers, 5 lineage edges/);
    const impact = await cli(['impact', 'sprint.stage_centroids', '--config', out, '--format', 'json']);
    expect(impact.code).toBe(0);
    const json = JSON.parse(impact.stdout) as { products: Array<{ id: string; via: string[] }> };
    expect(json.products.map((p) => p.id)).toEqual(['sprint.stage_encounters', 'sprint.encounter_summary_daily', 'sprint.session_close_encounters_daily']);
  });

  it('adds to an existing directory: keeps files without --force, adds missing domains, overwrites with --force', async () => {
    const out = await tempDir();
    await cli(['import', 'dbt', manifest('datacontract__datacontract-cli'), '--out', out]);
    const file = path.join(out, 'products', 'jaffle_shop.orders.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('tier: restricted', 'tier: open'));
    const again = await cli(['import', 'dbt', manifest('datacontract__datacontract-cli'), manifest('cross_project__upstream'), '--out', out]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/kept 5 existing files \(use --force to overwrite\)/);
    expect(again.stdout).toMatch(/domains added to meshwatch.yaml: upstream/);
    expect(await readFile(file, 'utf8')).toMatch(/tier: open/);
    expect((await cli(['validate', '--config', out])).code).toBe(0);
    await cli(['import', 'dbt', manifest('datacontract__datacontract-cli'), '--out', out, '--force']);
    expect(await readFile(file, 'utf8')).toMatch(/tier: restricted/);
  });

  it('writes nothing and exits 2 when a source has problems (a v7 manifest names no domain)', async () => {
    const out = path.join(await tempDir(), 'new');
    const run = await cli(['import', 'dbt', manifest('state__v7__'), '--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/nothing written.*\n.*model my_model names no domain/);
    await expect(readdir(out)).rejects.toThrow();
    const withDomain = await cli(['import', 'dbt', manifest('state__v7__'), '--out', out, '--domain', 'core']);
    expect(withDomain.code).toBe(0);
    expect((await cli(['validate', '--config', out])).code).toBe(0);
  });

  it('odcs: the domain from the contract, else --domain, else the contract name; validate accepts the result', async () => {
    const out = await tempDir();
    const run = await cli(['import', 'odcs', odcs('docs__examples__all__full-example'), odcs('quality__column-completeness'), odcs('examples__orders__orders'), '--out', out]);
    expect(run.code).toBe(0);
    const products = (await readdir(path.join(out, 'products'))).sort();
    expect(products).toEqual(['Orders.line_items.yaml', 'Orders.orders.yaml', 'my_table.Air_Quality.yaml', 'seller.receivers.yaml', 'seller.tbl.yaml']);
    const workspace = await readFile(path.join(out, 'meshwatch.yaml'), 'utf8');
    expect(workspace).toMatch(/id: seller[\s\S]*slackChannel: "#product-help"/);
    expect((await cli(['validate', '--config', out])).code).toBe(0);
    // The team's members are the domain's people, as a field validate reads.
    expect((await loadConfig(out)).workspace.domains.find((d) => d.id === 'seller')?.people).toEqual(['mhopper', 'daustin']);
  });
});

describe('sources: in meshwatch.yaml', () => {
  it('reads ODCS and dbt beside products/*.yaml; validate prints warnings and notes alike, with file and path', async () => {
    const { dir, cleanup } = await writeConfigDir({
      'meshwatch.yaml': `warehouse: { type: duckdb, path: w.duckdb }
domains:
  - { id: seller, name: Seller }
  - { id: jaffle_shop, name: Jaffle, slackChannel: "#jaffle" }
  - { id: own, name: Own, slackChannel: "#own" }
sources:
  - { odcs: "contracts/**/*.odcs.yaml" }
  - { dbt: { manifest: target/manifest.json } }
  - { odcs: "nothing/*.yaml" }
`,
      'products/mine.yaml': 'id: own.mine\ndomain: own\ntier: restricted\ntable: s.mine\ninputs: [jaffle_shop.orders]\n',
    });
    try {
      await cp(odcs('docs__examples__all__full-example'), path.join(dir, 'contracts', 'seller', 'full.odcs.yaml'));
      await cp(manifest('datacontract__datacontract-cli'), path.join(dir, 'target', 'manifest.json'));
      const run = await cli(['validate', '--config', dir]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/valid \(3 domains, 8 products/);
      const lines = run.stderr.trimEnd().split('\n');
      // One list, one format: the warning first (a glob that matches nothing), then the notes in file order.
      expect(lines[0]).toBe('warning: meshwatch.yaml: sources[2].odcs: "nothing/*.yaml" matches no file');
      expect(lines).toContain('note: contracts/seller/full.odcs.yaml: slaProperties[0]: SLA latency element "tab1.txn_ref_dt" names no table of this contract: not checked');
      expect(lines.every((l) => /^(warning|note): /.test(l))).toBe(true);
      expect(run.stdout).toContain(`${lines.length - 1} notes (read from sources but not checked) on stderr`);
      const config = await loadConfig(dir);
      expect(config.sourceFiles).toEqual(['contracts/seller/full.odcs.yaml', 'target/manifest.json']);
      expect(config.notices.map((n) => `${n.kind}: ${n.file}: ${n.path}: ${n.message}`)).toEqual(lines);
      expect(config.notices[0]).toMatchObject({ kind: 'warning', source: 'odcs' });
      expect(config.notes.every((n) => n.kind === 'note' && (n.source === 'odcs' || n.source === 'dbt'))).toBe(true);
      expect(config.warnings).toEqual([config.notices[0]]);
      // The seller domain sets no channel or people: the contract's Slack support channel and team give them.
      const seller = config.workspace.domains.find((d) => d.id === 'seller');
      expect(seller).toMatchObject({ slackChannel: '#product-help', people: ['mhopper', 'daustin'] });
      expect(config.workspace.domains.find((d) => d.id === 'jaffle_shop')).toEqual({ id: 'jaffle_shop', name: 'Jaffle', slackChannel: '#jaffle' });
      const impact = await cli(['impact', 'jaffle_shop.stg_orders', '--config', dir, '--format', 'json']);
      expect((JSON.parse(impact.stdout) as { products: Array<{ id: string }> }).products.map((p) => p.id)).toContain('own.mine');
    } finally {
      await cleanup();
    }
  });

  it('a source naming an undeclared domain is an error naming the file and the domain; invalid ODCS names file and path', async () => {
    const { dir, cleanup } = await writeConfigDir({
      'meshwatch.yaml': 'warehouse: { type: duckdb, path: w.duckdb }\ndomains:\n  - { id: sales, name: Sales, slackChannel: "#s" }\nsources:\n  - { odcs: "c/*.yaml" }\n',
      'c/bad.yaml': 'apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: 1\nschema: []\n',
    });
    try {
      await cp(odcs('docs__examples__all__full-example'), path.join(dir, 'c', 'full.yaml'));
      const run = await cli(['validate', '--config', dir]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('c/full.yaml: domain: unknown domain "seller"');
      expect(run.stderr).toContain('c/bad.yaml: status: not valid ODCS: status is required');
    } finally {
      await cleanup();
    }
  });
});

describe('meshwatch export odcs', () => {
  const exportDemo = async () => {
    const out = await tempDir();
    const run = await cli(['export', 'odcs', '--config', path.join(REPO, 'examples/demo-mesh'), '--out', out]);
    expect(run.code).toBe(0);
    return out;
  };

  it('writes one contract per product that validates against the ODCS v3.1.0 JSON schema', async () => {
    const schema = JSON.parse(await readFile(path.join(requireRealInputs(), 'odcs/bitol-io__open-data-contract-standard/schema__odcs-json-schema-v3.1.0.json'), 'utf8')) as object;
    const ajv = new Ajv2019({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    const out = await exportDemo();
    const files = await readdir(out);
    const config = await loadConfig(path.join(REPO, 'examples/demo-mesh'));
    expect(files.length).toBe(config.products.length);
    for (const file of files) {
      const doc = parse(await readFile(path.join(out, file), 'utf8')) as unknown;
      const ok = validate(doc);
      expect({ file, errors: ok ? [] : validate.errors }).toEqual({ file, errors: [] });
    }
    // The validator is not vacuous: a contract without status fails it.
    expect(validate({ apiVersion: 'v3.1.0', kind: 'DataContract', id: 'x', version: '1' })).toBe(false);
  });

  it('round trip native → ODCS → native keeps every product and its checks, quoted names, the DuckDB catalog and the domain people', async () => {
    const { dir, cleanup } = await writeConfigDir({
      'meshwatch.yaml': (await readFile(path.join(REPO, 'examples/demo-mesh/meshwatch.yaml'), 'utf8')) + '\nsources:\n  - { odcs: "contracts/*.odcs.yaml" }\n',
      // Quoted names that read the same unquoted ("Amount" is exact case on Snowflake) and the catalog part of a DuckDB table.
      'products/quoted.yaml': `id: sales.quoted
domain: sales
tier: limited
table: warehouse."Sales Data"."Orders"
schema:
  columns:
    - { name: '"Order Id"', type: BIGINT }
    - { name: '"Amount"', type: DOUBLE }
    - { name: plain, type: VARCHAR }
contract:
  notNull: ['"Amount"']
  unique: [['"Order Id"', '"Amount"']]
  acceptedValues: { '"Amount"': [1, 2] }
`,
      'products/rich.yaml': `id: sales.rich
domain: sales
tier: open
table: sales.rich
schema:
  columns:
    - { name: id, type: BIGINT, nullable: false }
    - { name: email, type: VARCHAR }
    - { name: amount, type: "DECIMAL(12,2)" }
    - { name: at, type: DATE }
  allowExtraColumns: false
contract:
  rowCount: { min: 1, max: 10, severity: warn }
  notNull: [id, { column: email, maxPercent: 2, severity: warn }]
  unique: [id, [id, email], { columns: [email], maxRows: 3 }]
  acceptedValues: { email: { values: [a, b], maxRows: 1 } }
  range: { amount: { min: 0, max: 100, exclusive: true }, at: { min: "2020-01-01", maxRows: 2 } }
  pattern: { email: '^[^@]+@[^@]+$' }
  expressions: [{ name: positive, expr: "amount >= 0", severity: warn }]
  sql: [{ name: few, query: "select count(*) from {{ table }} where amount > 50", expect: { max: 3 }, severity: warn }]
inputs: [ecommerce.orders]
`,
    });
    try {
      await cp(path.join(REPO, 'examples/demo-mesh/products'), path.join(dir, 'products'), { recursive: true });
      await cp(path.join(REPO, 'examples/demo-mesh/consumers'), path.join(dir, 'consumers'), { recursive: true });
      await writeFile(
        path.join(dir, 'meshwatch.yaml'),
        (await readFile(path.join(dir, 'meshwatch.yaml'), 'utf8')).replace(/\nsources:[\s\S]*$/, '\n').replace('{ id: sales, name: Dealer Sales,', '{ id: sales, name: Dealer Sales, people: [ana, "bo@example.com"],'),
      );
      const native = await loadConfig(dir);
      const exported = await tempDir();
      expect((await cli(['export', 'odcs', '--config', dir, '--out', exported])).code).toBe(0);
      // Team members and the quoted names' custom properties are valid ODCS too.
      const schema = JSON.parse(await readFile(path.join(requireRealInputs(), 'odcs/bitol-io__open-data-contract-standard/schema__odcs-json-schema-v3.1.0.json'), 'utf8')) as object;
      const ajv = new Ajv2019({ allErrors: true, strict: false });
      addFormats.default(ajv);
      const validate = ajv.compile(schema);
      for (const file of ['sales.quoted.odcs.yaml', 'sales.rich.odcs.yaml']) {
        const doc = parse(await readFile(path.join(exported, file), 'utf8')) as { team?: { members?: unknown[] } };
        expect({ file, errors: validate(doc) ? [] : validate.errors }).toEqual({ file, errors: [] });
        expect(doc.team?.members).toEqual([{ username: 'ana' }, { username: 'bo@example.com' }]);
      }

      const { dir: back, cleanup: cleanBack } = await writeConfigDir({
        'meshwatch.yaml': (await readFile(path.join(REPO, 'examples/demo-mesh/meshwatch.yaml'), 'utf8')) + '\nsources:\n  - { odcs: "contracts/*.odcs.yaml" }\n',
      });
      try {
        await cp(exported, path.join(back, 'contracts'), { recursive: true });
        await cp(path.join(REPO, 'examples/demo-mesh/consumers'), path.join(back, 'consumers'), { recursive: true });
        const reread = await loadConfig(back);
        const shape = (p: Product) => ({
          id: p.id, name: p.name, description: p.description, domain: p.domain, tier: p.tier, table: formatTableRef(p.table), schedule: p.schedule,
          freshness: p.freshness, schema: p.schema, inputs: p.inputs, tierJustification: p.tierJustification, tierReviewedAt: p.tierReviewedAt,
          contract: p.contract && {
            ...p.contract,
            notNull: [...p.contract.notNull].sort((a, b) => a.column.localeCompare(b.column)),
            unique: [...p.contract.unique].sort((a, b) => a.columns.join().localeCompare(b.columns.join())),
            acceptedValues: [...p.contract.acceptedValues].sort((a, b) => a.column.localeCompare(b.column)),
            range: [...p.contract.range].sort((a, b) => a.column.localeCompare(b.column)),
            pattern: [...p.contract.pattern].sort((a, b) => a.column.localeCompare(b.column)),
            sql: [...p.contract.sql].sort((a, b) => a.name.localeCompare(b.name)),
          },
        });
        const byId = (ps: readonly Product[]) => [...ps].sort((a, b) => a.id.localeCompare(b.id)).map(shape);
        expect(byId(reread.products)).toEqual(byId(native.products));
        // The demo's justified products stay justified: no tier-lineage warning appears on the way back.
        const tierWarnings = (c: typeof native) => c.warnings.filter((w) => /tierJustification/.test(w.message)).map((w) => w.message);
        expect(native.products.find((p) => p.id === 'sales.deals')?.tierJustification).toBeDefined();
        expect(tierWarnings(reread)).toEqual(tierWarnings(native));
        const quoted = reread.products.find((p) => p.id === 'sales.quoted')!;
        expect(formatTableRef(quoted.table)).toBe('warehouse."Sales Data"."Orders"');
        expect(quoted.schema?.columns.map((c) => c.name)).toEqual(['"Order Id"', '"Amount"', 'plain']);
        // The team's members come back as the people of a domain that sets none.
        expect(reread.workspace.domains.find((d) => d.id === 'sales')?.people).toEqual(['ana', 'bo@example.com']);
      } finally {
        await cleanBack();
      }
    } finally {
      await cleanup();
    }
  });
});
