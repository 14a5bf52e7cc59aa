import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run.js';
import { cli } from './support/cli.js';
import path from 'node:path';
import { WORKSPACE, writeConfigDir } from './support/config-dir.js';
import { buildDuckdb } from './support/duckdb.js';
import { SMALL_MESH } from './support/small-mesh.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await writeConfigDir({ 'meshwatch.yaml': WORKSPACE, ...SMALL_MESH }));
});
afterAll(() => cleanup());

/** Runs the CLI with a stdout that throws: a stand-in for a bug anywhere in a command. */
async function crashing(env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await runCli(['validate', '--config', dir], {
    stdout: () => {
      throw new TypeError("Cannot read properties of undefined (reading 'x')\n    at somewhere");
    },
    stderr: (t) => (stderr += t),
    env,
    now: () => new Date(),
  });
  return { code, stderr };
}

describe('exit codes', () => {
  it('exits 3 on an internal error, with one line and how to see the stack', async () => {
    const { code, stderr } = await crashing({});
    expect(code).toBe(3);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toBe("meshwatch: internal error (a bug in meshwatch): Cannot read properties of undefined (reading 'x'); MESHWATCH_LOG_LEVEL=debug shows the stack\n");
  });

  it('prints the stack of an internal error at debug level', async () => {
    const { code, stderr } = await crashing({ MESHWATCH_LOG_LEVEL: 'debug' });
    expect(code).toBe(3);
    expect(stderr).toMatch(/internal error \(a bug in meshwatch\): TypeError: Cannot read properties[^]*\n\s+at /);
  });

  it('documents exit 3 in the help', async () => {
    const run = await cli(['--help']);
    expect(run.stdout).toContain('exits 3 on an internal error');
  });
});

describe('impact --columns', () => {
  it('exits 2 for a column the product does not declare, naming the nearest ones', async () => {
    const run = await cli(['impact', 'sales.orders', '--columns', 'amount,statuz', '--config', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('meshwatch: sales.orders declares no column "statuz" (did you mean status?); its columns: order_id, customer_id, amount, status, updated_at\n');
  });

  it('accepts declared columns in any case, as the engine compares them', async () => {
    const run = await cli(['impact', 'sales.orders', '--columns', 'STATUS', '--config', dir, '--format', 'json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).brokenColumns).toEqual(['STATUS']);
  });

  it('says so when a product declares no schema to check the columns against', async () => {
    const run = await cli(['impact', 'finance.revenue', '--columns', 'anything', '--config', dir]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('finance.revenue declares no schema');
  });
});

describe('meshwatch check over no product', () => {
  it('says there is nothing to check', async () => {
    const empty = await writeConfigDir({ 'meshwatch.yaml': WORKSPACE });
    try {
      const run = await cli(['check', '--config', empty.dir]);
      expect(run.stdout).toContain('nothing to check: the config has no products');
      expect(run.code).toBe(0);
    } finally {
      await empty.cleanup();
    }
  });
});

describe('meshwatch check when most tables are missing', () => {
  it('reports one monitor problem, opens no incident, and lists no check one by one', async () => {
    const files: Record<string, string> = { 'meshwatch.yaml': WORKSPACE };
    for (let i = 0; i < 12; i++) files[`products/p${i}.yaml`] = `id: sales.p${i}\ndomain: sales\ntier: open\ntable: sales.p${i}\ncontract: { rowCount: { min: 1 } }\n`;
    const mesh = await writeConfigDir(files);
    try {
      // The wrong warehouse file: it exists, but holds none of the products.
      await buildDuckdb(path.join(mesh.dir, 'warehouse.duckdb'), ['create table unrelated (x integer)']);
      const json = await cli(['check', '--config', mesh.dir, '--format', 'json']);
      const report = JSON.parse(json.stdout) as { incidents: unknown[]; monitorProblems: Array<{ code: string; products: string[] }>; results: Array<{ status: string; errorCode?: string }> };
      expect(json.code).toBe(1);
      expect(report.incidents).toEqual([]);
      expect(report.monitorProblems).toHaveLength(1);
      expect(report.monitorProblems[0]).toMatchObject({ code: 'WAREHOUSE_OBJECTS_MISSING' });
      expect(report.monitorProblems[0]!.products).toHaveLength(12);
      expect(report.results.every((r) => r.status === 'error' && r.errorCode === 'WAREHOUSE_OBJECTS_MISSING')).toBe(true);
      const text = await cli(['check', '--config', mesh.dir]);
      expect(text.stdout.match(/monitor problem/g)).toHaveLength(1);
      expect(text.stdout).not.toMatch(/^\? sales\.p\d+/m);
      expect(text.stdout).not.toContain('FAILING');
    } finally {
      await mesh.cleanup();
    }
  });
});
