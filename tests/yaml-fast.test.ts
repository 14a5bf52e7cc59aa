import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { generateMesh } from '../bench/generate-mesh.js';
import { exactIntegers, parseConfigText, parseYamlFull, type YamlValue } from '../config/parse-file.js';
import type { ConfigProblem } from '../config/errors.js';
import { parseFastYaml } from '../config/yaml-fast.js';
import { prng } from '../scripts/prng.js';
import { REPO } from './support/cli.js';

/** The full parser's value, integers normalised as the loader does; undefined when it reports a problem. */
function full(text: string): unknown {
  const problems: ConfigProblem[] = [];
  const parsed: YamlValue | undefined = parseYamlFull('f.yaml', text, problems);
  if (!parsed) return undefined;
  return exactIntegers(parsed.value, 'f.yaml', []);
}

/** The fast reader's value, integers normalised the same way (it leaves unsafe ones as BigInt, like the full parser). */
function fast(text: string): unknown {
  const result = parseFastYaml(text);
  return result === undefined ? undefined : exactIntegers(result.value, 'f.yaml', []);
}

/** The fast reader either steps aside or gives exactly the full parser's value (and never accepts what the full parser rejects). */
function expectAgrees(text: string): 'fast' | 'fallback' {
  const mine = parseFastYaml(text);
  if (mine === undefined) return 'fallback';
  const reference = full(text);
  expect(reference, `full parser rejects what the fast reader accepted:\n${text}`).not.toBeUndefined();
  expect(fast(text), text).toStrictEqual(reference);
  return 'fast';
}

const exampleDir = path.join(REPO, 'examples/demo-mesh');
const exampleFiles = ['meshwatch.yaml', ...['products', 'consumers'].flatMap((sub) => readdirSync(path.join(exampleDir, sub)).map((f) => `${sub}/${f}`))];

describe('fast YAML reader', () => {
  it('reads every example file, with the values of the full parser', () => {
    for (const file of exampleFiles) {
      const text = readFileSync(path.join(exampleDir, file), 'utf8');
      // Block scalars (`description: >`) are outside the subset: the full parser reads those files.
      expect(expectAgrees(text), file).toBe(/: [>|]\n/.test(text) ? 'fallback' : 'fast');
    }
  });

  it('reads every generated bench file, with the values of the full parser', () => {
    const mesh = generateMesh(600);
    for (const product of mesh.products) {
      const text = stringify({ id: product.id, domain: product.domain, tier: 'open', table: `${product.schema}.${product.table}`, inputs: product.inputs });
      expect(expectAgrees(text)).toBe('fast');
    }
    expect(expectAgrees(stringify({ consumers: mesh.consumers.slice(0, 300) }))).toBe('fast');
  });

  it('agrees with the full parser on scalars of every core-schema type', () => {
    const cases = [
      'a: 1', 'a: -0', 'a: +5', 'a: 007', 'a: 0o17', 'a: 0x1F', 'a: 1.5', 'a: 1.', 'a: .5', 'a: 1e3', 'a: -1.5E-3', 'a: .inf', 'a: -.Inf', 'a: .nan',
      'a: ~', 'a: null', 'a: Null', 'a: NULL', 'a: nul', 'a: true', 'a: True', 'a: TRUE', 'a: tRUE', 'a: false', 'a: no', 'a: yes', 'a: on',
      'a: 2h', 'a: 3650d', 'a: 1h30m', 'a: "2h"', "a: '1'", 'a: 12:30', 'a: 1_000', 'a: 9007199254740991', 'a: -9007199254740991',
      'a: 123456789012345678901234567890', 'a: http://x.y/z?q=1', 'a: a#b', 'a: a # comment', 'a: #sales', 'a: "x" # c', "a: 'it''s'",
      'a: "tab\\there \\"q\\" \\\\ \\u00e9 \\/"', 'a: "\\x41"', 'a: "\\ud83d\\ude00"', 'a: select count(*) from {{ table }} where x > 0',
      'a: DECIMAL(12,2)', 'a: "DECIMAL(12,2)"', 'a: [a, b, "c, d", 1, true, null]', 'a: []', 'a: {}', 'a: { b: 1, c: [x, y], d: { e: f } }',
      'a: [a, b,]', 'a: { b: }', 'a: { b }', 'a: [a: b]', 'a: { "b": 1 }', "a: { 'b c': 1 }", 'a: {b: 1}', 'a: [{ product: x, columns: [a, b] }]',
      'a: ${X}', 'a: "${X}"', 'a: $${X}', 'a: -', 'a: - b', 'a: ?x', 'a: :x', 'a: ,x', 'a: @x', 'a: `x', 'a: %x', 'a: &anchor x', 'a: *alias', 'a: !tag x',
      'a: |\n  block', 'a: >\n  folded', 'a: b: c', 'a: b:', 'a: "unterminated', 'a: "multi\n  line"', 'a: multi\n  line',
    ];
    let fastCount = 0;
    for (const text of cases) if (expectAgrees(text) === 'fast') fastCount++;
    expect(fastCount).toBeGreaterThan(40);
  });

  it('agrees on structure: nesting, sequences at the key indentation, compact mappings, comments, documents', () => {
    const cases = [
      '', '# only a comment\n', '---\n', '---\na: 1\n', '--- # c\na: 1', 'a: 1\n---\nb: 2', '...\n', '%YAML 1.2\n---\na: 1',
      'a:\n  b:\n    c: 1\n  d: 2\ne: 3', 'a:\n- x\n- y\nb: 1', 'a:\n  - x\n  - y', 'a:\n  - b: 1\n    c: 2\n  - d: 3', '- a\n- b',
      '- - a', '-   a: 1\n    b: 2', '- a: 1\n   b: 2', 'a:\n  b: 1\n c: 2', 'a:\n    b: 1\n  c: 2', 'a: 1\na: 2', 'a: 1\n"a": 2', '{ a: 1 }',
      '[a, b]', 'scalar', 'a:', 'a:\nb:', 'a: 1\n  # indented comment\nb: 2', 'a: 1   \nb: 2  # trailing\n\n\nc: 3', 'a:\n  - \n  - x',
      'a:\n  -\n    b: 1', '"q k": 1\n\'s k\': 2', 'a b: 1', '1: x', 'true: x', 'null: x', '~: x', '<<: x', '__proto__: x', 'a: 1\r\nb: 2',
      'a:\tb', '\ufeffa: 1', 'a: 1\n- b', 'a:\n  b\n', 'key with: colon: x', '? complex\n: value', 'a: [\n  b\n]', `${'k'.repeat(1100)}: 1`,
    ];
    for (const text of cases) expectAgrees(text);
  });

  it('steps aside or agrees on randomly mutated example files (fixed seed)', () => {
    const random = prng(Number(process.env.MESHWATCH_FUZZ_SEED ?? 8));
    const texts = exampleFiles.map((f) => readFileSync(path.join(exampleDir, f), 'utf8'));
    const alphabet = [' ', '  ', '\n', '-', ':', ': ', '#', ' #', '"', "'", '[', ']', '{', '}', ',', '&a', '*a', '!', '|', '>', '?', '\t', '9', 'x', '$'];
    let fastRuns = 0;
    for (let round = 0; round < 1500; round++) {
      let text = texts[Math.floor(random() * texts.length)]!;
      const edits = 1 + Math.floor(random() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(random() * text.length);
        const kind = random();
        if (kind < 0.4) text = text.slice(0, at) + alphabet[Math.floor(random() * alphabet.length)]! + text.slice(at);
        else if (kind < 0.8) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 4));
        else {
          // swap two lines: breaks indentation in interesting ways
          const lines = text.split('\n');
          const i = Math.floor(random() * lines.length);
          const j = Math.floor(random() * lines.length);
          [lines[i], lines[j]] = [lines[j]!, lines[i]!];
          text = lines.join('\n');
        }
      }
      if (expectAgrees(text) === 'fast') fastRuns++;
    }
    expect(fastRuns).toBeGreaterThan(100);
  });
});

describe('YAML values in config files', () => {
  it('rejects integers beyond the exact range, naming the path, on both readers', () => {
    for (const text of ['contract:\n  rowCount: { min: 12345678901234567890 }\n', 'contract:\n  rowCount:\n    min: 12345678901234567890\n', 'contract: !!map\n  rowCount: { min: 12345678901234567890 }\n']) {
      const problems: ConfigProblem[] = [];
      expect(parseConfigText('products/x.yaml', text, {}, problems)).toBeUndefined();
      expect(problems).toEqual([
        { file: 'products/x.yaml', path: 'contract.rowCount.min', message: expect.stringMatching(/integer 12345678901234567890 cannot be held exactly.*quotes/) as unknown as string },
      ]);
    }
  });

  it('keeps the line and column of syntax errors (the full parser reports them)', () => {
    const problems: ConfigProblem[] = [];
    expect(parseConfigText('products/x.yaml', 'id: a\ntier: open\n  bad: indent\n', {}, problems)).toBeUndefined();
    expect(problems[0]).toMatchObject({ file: 'products/x.yaml', path: expect.stringMatching(/^line \d+, column \d+$/) as unknown as string });
  });
});
