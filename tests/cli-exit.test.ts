import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run.js';
import { cli } from './support/cli.js';
import { WORKSPACE, writeConfigDir } from './support/config-dir.js';
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
