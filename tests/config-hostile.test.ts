/** Careless and hostile config input (issue 9): each a clear config error or warning, never a crash or a silent skip. */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, formatProblem } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { WORKSPACE, productYaml, writeConfigDir } from './support/config-dir.js';
import { cli } from './support/cli.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function dirWith(files: Record<string, string>): Promise<string> {
  const { dir, cleanup } = await writeConfigDir(files);
  cleanups.push(cleanup);
  return dir;
}

async function problemsIn(dir: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const error = await loadConfig(dir, { env }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems.map(formatProblem);
}

const ALIAS_BOMB = `id: sales.bomb
domain: sales
tier: open
table: sales.bomb
a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
`;

describe('limits', () => {
  it('an alias bomb is a config error naming the file: validate exits 2 without a stack', async () => {
    const dir = await dirWith({ 'meshwatch.yaml': WORKSPACE, 'products/bomb.yaml': ALIAS_BOMB });
    const run = await cli(['validate', '--config', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('products/bomb.yaml: invalid YAML: too many alias expansions');
    expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
  });

  it('a config file over 1 MiB is refused before it is read', async () => {
    const dir = await dirWith({ 'meshwatch.yaml': WORKSPACE, 'products/huge.yaml': `${productYaml('sales.huge', 'sales')}description: "${'x'.repeat(1100 * 1024)}"\n` });
    expect(await problemsIn(dir)).toEqual(['products/huge.yaml: file too large (1.1 MiB; at most 1 MiB per config file)']);
  });

  it('rejects statement timeouts longer than a timer can hold', async () => {
    const dir = await dirWith({ 'meshwatch.yaml': WORKSPACE.replace('timezone: UTC', 'timezone: UTC, queryTimeout: 30d') });
    expect(await problemsIn(dir)).toEqual(['meshwatch.yaml: defaults.queryTimeout: 30d is longer than a timer can hold (at most 24d); use a shorter duration']);
    const ok = await dirWith({ 'meshwatch.yaml': WORKSPACE.replace('timezone: UTC', 'timezone: UTC, queryTimeout: 24d') });
    expect((await loadConfig(ok)).workspace.defaults.queryTimeoutMs).toBe(24 * 86_400_000);
  });
});

describe('file discovery', () => {
  it('`products` being a file is a config error naming it, exit 2', async () => {
    const dir = await dirWith({ 'meshwatch.yaml': WORKSPACE, products: 'id: sales.x\n' });
    const run = await cli(['validate', '--config', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('products: expected a folder of product files, found a file');
    expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
  });

  it('reads subfolders, .yml files and symlinked product files; a broken symlink is an error naming it', async () => {
    const outside = await dirWith({ 'elsewhere.yaml': productYaml('sales.linked', 'sales') });
    const dir = await dirWith({
      'meshwatch.yaml': WORKSPACE,
      'products/orders.yml': productYaml('sales.orders', 'sales'),
      'products/crm/customers.yaml': productYaml('crm.customers', 'crm'),
      'products/crm/deep/leads.yaml': productYaml('crm.leads', 'crm'),
      'products/inside-target.txt': productYaml('crm.inside', 'crm'),
      'consumers/finance/board.yml': 'consumers:\n  - { id: finance.board, domain: finance, uses: [sales.orders] }\n',
    });
    await symlink(path.join(outside, 'elsewhere.yaml'), path.join(dir, 'products/linked.yaml'));
    await symlink(path.join(dir, 'products/inside-target.txt'), path.join(dir, 'products/inside.yaml'));
    const config = await loadConfig(dir);
    expect(config.products.map((p) => `${p.file} ${p.id}`)).toEqual([
      'products/crm/customers.yaml crm.customers',
      'products/crm/deep/leads.yaml crm.leads',
      'products/inside.yaml crm.inside',
      'products/linked.yaml sales.linked',
      'products/orders.yml sales.orders',
    ]);
    expect(config.consumers.map((c) => c.source)).toEqual(['consumers/finance/board.yml']);

    await symlink(path.join(dir, 'products/gone.yaml'), path.join(dir, 'products/dangling.yaml'));
    expect(await problemsIn(dir)).toEqual(['products/dangling.yaml: broken symbolic link: its target does not exist']);
  });

  it('finds meshwatch.yml when meshwatch.yaml is absent; both present is an error', async () => {
    const dir = await dirWith({ 'meshwatch.yml': WORKSPACE, 'products/orders.yaml': productYaml('sales.orders', 'sales') });
    expect((await loadConfig(dir)).workspace.domains.length).toBe(4);
    await writeFile(path.join(dir, 'meshwatch.yaml'), WORKSPACE);
    expect(await problemsIn(dir)).toEqual(['meshwatch.yml: both meshwatch.yaml and meshwatch.yml exist: keep one']);
  });

  it('names every entry that is not read in a warning; validate prints them and exits 0', async () => {
    const dir = await dirWith({
      'meshwatch.yaml': WORKSPACE,
      'products/orders.yaml': productYaml('sales.orders', 'sales'),
      'products/deals.YAML': productYaml('sales.deals', 'sales'),
      'products/contract.json': '{}',
      'product/customers.yaml': productYaml('crm.customers', 'crm'),
      'extra.yaml': 'a: 1\n',
      'README.md': '# notes\n',
      'products/.gitkeep': '',
    });
    const config = await loadConfig(dir);
    expect(config.warnings.map(formatProblem).sort()).toEqual([
      'extra.yaml: not read: only meshwatch.yaml, products/ and consumers/ are read',
      'product: not read: only meshwatch.yaml, products/ and consumers/ are read (did you mean products/?)',
      'products/contract.json: not read (only .yaml and .yml files are read; the extension is case-sensitive)',
      'products/deals.YAML: not read (only .yaml and .yml files are read; the extension is case-sensitive)',
    ]);
    const run = await cli(['validate', '--config', dir]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('warning: product: not read');
    expect(run.stderr).toContain('warning: products/deals.YAML: not read');
  });

  it('a config with no product is a warning', async () => {
    const dir = await dirWith({ 'meshwatch.yaml': WORKSPACE, 'products/.gitkeep': '' });
    expect((await loadConfig(dir)).warnings.map(formatProblem)).toEqual(['products: no product is configured: there is nothing to check']);
    await mkdir(path.join(dir, 'consumers'));
    const run = await cli(['validate', '--config', dir]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('warning: products: no product is configured');
  });
});

describe('duplicates', () => {
  it('a column declared twice by the engine rules, a column twice in a rule, two SQL rules with one name', async () => {
    const dir = await dirWith({
      'meshwatch.yaml': WORKSPACE,
      'products/orders.yaml': productYaml(
        'sales.orders',
        'sales',
        `schema:
  columns:
    - { name: order_id, type: INTEGER }
    - { name: ORDER_ID, type: INTEGER }
    - { name: status, type: VARCHAR }
contract:
  notNull: [order_id, status, order_id]
  unique: [status, STATUS]
  acceptedValues: { status: [a], STATUS: [b] }
  sql:
    - { name: no_negative, query: "select 0 from {{ table }}", expect: 0 }
    - { name: no_negative, query: "select 1 from {{ table }}", expect: 0 }
`,
      ),
    });
    expect(await problemsIn(dir)).toEqual([
      'products/orders.yaml: schema.columns[1].name: duplicate column "ORDER_ID": the same column as "order_id" at schema.columns[0] (by duckdb\'s rules for names)',
      'products/orders.yaml: contract.notNull[2]: duplicate rule contract.notNull.order_id (also at contract.notNull[0])',
      'products/orders.yaml: contract.unique[1]: duplicate rule contract.unique.STATUS (also at contract.unique[0])',
      'products/orders.yaml: contract.acceptedValues.STATUS: duplicate rule contract.acceptedValues.STATUS (also at contract.acceptedValues.status)',
      'products/orders.yaml: contract.sql[1].name: duplicate rule contract.sql.no_negative (also at contract.sql[0].name)',
    ]);
  });
});

describe('values from the environment', () => {
  const SNOWFLAKE = `warehouse:
  type: snowflake
  account: acme-xy12345
  user: MESHWATCH
  password: \${SF_PASSWORD}
  accessUrl: \${SNOWFLAKE_URL}
domains:
  - { id: sales, name: Sales, slackChannel: "#sales" }
`;

  it('keeps secrets exactly as given, spaces included', async () => {
    const dir = await dirWith({ 'meshwatch.yaml': SNOWFLAKE });
    const config = await loadConfig(dir, { env: { SF_PASSWORD: '  pass phrase  ', SNOWFLAKE_URL: 'https://acme.example.com' } });
    expect(config.workspace.warehouse).toMatchObject({ password: '  pass phrase  ' });
  });

  it('never echoes a value that came from the environment in a message', async () => {
    const dir = await dirWith({ 'meshwatch.yaml': SNOWFLAKE });
    const problems = await problemsIn(dir, { SF_PASSWORD: 'x', SNOWFLAKE_URL: 'hunter2 is my password' });
    expect(problems).toEqual(['meshwatch.yaml: warehouse.accessUrl: expected a URL, got the value of ${SNOWFLAKE_URL}']);
    expect(problems.join('\n')).not.toContain('hunter2');
  });
});

describe('MESHWATCH_LOG_LEVEL', () => {
  it('an invalid level is a usage error naming the variable and the levels, exit 2, no stack', async () => {
    const dir = await dirWith({ 'meshwatch.yaml': WORKSPACE, 'products/orders.yaml': productYaml('sales.orders', 'sales') });
    const run = await cli(['check', '--config', dir], { env: { ...process.env, MESHWATCH_LOG_LEVEL: 'verbose' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('meshwatch: MESHWATCH_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "verbose"\n');
  });
});
