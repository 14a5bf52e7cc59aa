/**
 * Fuzzes the config loader with mutated copies of the example mesh: random
 * deletions, type swaps, odd bytes, YAML aliases, files removed or emptied.
 * Every run must end in a valid config (exit 0) or a config error naming a
 * file (exit 2), never an internal error or a stack trace.
 *
 * The seed is fixed so that CI is repeatable; to search further:
 *   MESHWATCH_FUZZ_SEED=7 MESHWATCH_FUZZ_RUNS=2000 npx vitest run tests/config-fuzz.test.ts
 * A failure prints the seed, the run and the mutations, enough to replay it.
 */
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../scripts/prng.js';
import { cli, REPO } from './support/cli.js';

const SEED = Number(process.env.MESHWATCH_FUZZ_SEED ?? 20261201);
const RUNS = Number(process.env.MESHWATCH_FUZZ_RUNS ?? 150);

let originals: Map<string, string>;
let dir: string;

beforeAll(async () => {
  const mesh = path.join(REPO, 'examples/demo-mesh');
  originals = new Map([['meshwatch.yaml', await readFile(path.join(mesh, 'meshwatch.yaml'), 'utf8')]]);
  for (const sub of ['products', 'consumers']) {
    for (const name of (await readdir(path.join(mesh, sub))).filter((n) => n.endsWith('.yaml')).sort()) {
      originals.set(`${sub}/${name}`, await readFile(path.join(mesh, sub, name), 'utf8'));
    }
  }
  dir = await mkdtemp(path.join(tmpdir(), 'meshwatch-fuzz-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const ODD = ['\u0000', '\uFEFF', '\uFFFD', '\t', '\r', '"', "'", '{', '[', ']', '}', ':', '- ', '&a ', '*a', '!!binary ', '!!js/function ', '%YAML 1.1\n', '---\n', '...\n', '#', '|', '>', '\\', '${', '${NOPE}', '$${X}', '\u202E', '🦆', '9'.repeat(40), '-0x1F', '.nan', '~', 'y', 'NO', '1e999'];
const SWAPS = ['[]', '{}', '[1, 2]', '{ a: 1 }', 'null', '~', 'true', '0', '-1', '99999999999999999999999', '3.14', '""', "''", 'x'.repeat(300), '!!str 5', '&anchor x', '*anchor', '[*a, *a]', '2h', '0s', '999999d', '"#chan"', 'a.b.c.d', '"\\u0000"'];

type Mutation = { file: string; what: string };

function mutate(text: string, random: () => number): { text: string; what: string } {
  const at = Math.floor(random() * (text.length + 1));
  const kind = Math.floor(random() * 6);
  switch (kind) {
    case 0: {
      const length = 1 + Math.floor(random() * 40);
      return { text: text.slice(0, at) + text.slice(at + length), what: `delete ${length} at ${at}` };
    }
    case 1: {
      const odd = ODD[Math.floor(random() * ODD.length)]!;
      return { text: text.slice(0, at) + odd + text.slice(at), what: `insert ${JSON.stringify(odd)} at ${at}` };
    }
    case 2: {
      // Replace the value of one `key: value` with something of another type.
      const values = [...text.matchAll(/:[ \t]+([^\n#]+)/g)];
      if (values.length === 0) return { text, what: 'no value to swap' };
      const m = values[Math.floor(random() * values.length)]!;
      const swap = SWAPS[Math.floor(random() * SWAPS.length)]!;
      const start = m.index! + m[0].length - m[1]!.length;
      return { text: text.slice(0, start) + swap + text.slice(start + m[1]!.length), what: `swap ${JSON.stringify(m[1])} for ${JSON.stringify(swap)}` };
    }
    case 3: {
      // Drop a whole line (a required field, a list item).
      const lines = text.split('\n');
      const i = Math.floor(random() * lines.length);
      return { text: [...lines.slice(0, i), ...lines.slice(i + 1)].join('\n'), what: `drop line ${i + 1}` };
    }
    case 4: {
      // Duplicate a line (duplicate keys, list items).
      const lines = text.split('\n');
      const i = Math.floor(random() * lines.length);
      return { text: [...lines.slice(0, i + 1), ...lines.slice(i)].join('\n'), what: `repeat line ${i + 1}` };
    }
    default: {
      const bytes = Buffer.from(text, 'utf8');
      const i = Math.floor(random() * Math.max(1, bytes.length));
      if (bytes.length > 0) bytes[i] = Math.floor(random() * 256);
      return { text: bytes.toString('latin1'), what: `byte ${i} flipped` };
    }
  }
}

async function writeMesh(files: ReadonlyMap<string, string | undefined>): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  for (const sub of ['products', 'consumers']) await mkdir(path.join(dir, sub), { recursive: true });
  for (const [name, text] of files) if (text !== undefined) await writeFile(path.join(dir, name), text, 'latin1');
}

describe(`config loader fuzz (seed ${SEED}, ${RUNS} runs)`, () => {
  it('ends every run in a valid config or a config error naming a file, never an internal error', async () => {
    const random = prng(SEED);
    const names = [...originals.keys()];
    const outcomes = { valid: 0, invalid: 0 };
    for (let run = 0; run < RUNS; run++) {
      const files = new Map<string, string | undefined>(originals);
      const mutations: Mutation[] = [];
      const count = 1 + Math.floor(random() * 3);
      for (let k = 0; k < count; k++) {
        const file = names[Math.floor(random() * names.length)]!;
        const roll = random();
        if (roll < 0.03) {
          files.set(file, undefined);
          mutations.push({ file, what: 'removed' });
        } else if (roll < 0.06) {
          files.set(file, '');
          mutations.push({ file, what: 'emptied' });
        } else {
          const { text, what } = mutate(files.get(file) ?? '', random);
          files.set(file, text);
          mutations.push({ file, what });
        }
      }
      await writeMesh(files);
      const result = await cli(['validate', '--config', dir]);
      const replay = `seed ${SEED}, run ${run}: ${mutations.map((m) => `${m.file}: ${m.what}`).join('; ')}\n${result.stderr}`;
      expect([0, 2], replay).toContain(result.code);
      expect(result.stderr, replay).not.toMatch(/internal error|^\s+at /m);
      if (result.code === 2) {
        expect(result.stderr, replay).toMatch(/(meshwatch\.ya?ml|products\/|consumers\/)[^\n]*: /);
        outcomes.invalid++;
      } else outcomes.valid++;
    }
    // The mutations must mostly break something, or the fuzzer tests nothing.
    expect(outcomes.invalid).toBeGreaterThan(RUNS / 3);
  }, 600_000);
});
