/**
 * Large configs re-run the CLI with a larger young generation
 * (cli/young-generation.ts): the decision, and that the re-run child's output
 * and exit codes are the CLI's own.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMesh, writeMeshConfig } from '../bench/generate-mesh.js';
import { LARGE_CONFIG_FILES, wantsLargerYoungGeneration } from '../cli/young-generation.js';
import { cli, cliProcess } from './support/cli.js';

let dir: string;
let large: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'meshwatch-young-'));
  large = path.join(dir, 'large');
  await writeMeshConfig(generateMesh(LARGE_CONFIG_FILES), large, 'unused.duckdb');
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('larger young generation for large configs', () => {
  it('is asked for by validate, impact and check on a config of many product files, only once', async () => {
    const small = path.join(dir, 'small');
    await mkdir(path.join(small, 'products'), { recursive: true });
    await writeFile(path.join(small, 'products', 'a.yaml'), 'id: a\n');
    expect(wantsLargerYoungGeneration(['validate', '--config', large], [], {})).toBe(true);
    expect(wantsLargerYoungGeneration(['impact', 'd0.p0', `--config=${large}`], [], {})).toBe(true);
    expect(wantsLargerYoungGeneration(['check', '--config', large], [], {})).toBe(true);
    expect(wantsLargerYoungGeneration(['serve', '--config', large], [], {})).toBe(false);
    expect(wantsLargerYoungGeneration(['validate', '--config', small], [], {})).toBe(false);
    expect(wantsLargerYoungGeneration(['validate', '--config', path.join(dir, 'missing')], [], {})).toBe(false);
    expect(wantsLargerYoungGeneration(['validate', '--config', large], ['--max-semi-space-size=64'], {})).toBe(false);
    expect(wantsLargerYoungGeneration(['validate', '--config', large], [], { NODE_OPTIONS: '--max-semi-space-size=32' })).toBe(false);
  });

  it('gives the output and exit code of the CLI itself, valid or not', async () => {
    const valid = cliProcess(['validate', '--config', large]);
    expect(valid).toEqual({ ...(await cli(['validate', '--config', large])), code: 0 });
    const impact = cliProcess(['impact', 'd0.p0', '--config', large, '--format', 'json']);
    expect(impact.code).toBe(0);
    expect(impact.stdout).toBe((await cli(['impact', 'd0.p0', '--config', large, '--format', 'json'])).stdout);

    const file = path.join(large, 'products', 'p4000.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/inputs:\n/, 'inputs:\n  - no.such-product\n'));
    const invalid = cliProcess(['validate', '--config', large]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('products/p4000.yaml');
    expect(invalid).toEqual(await cli(['validate', '--config', large]));
  }, 120_000);
});
