/**
 * The fast validators (config/fast-validate.ts) against zod: whenever they
 * accept a value, zod accepts it too and gives exactly the same output (keys,
 * key order, undefined-valued keys, -0, defaults). Checked on the example and
 * generated bench files, on a value with every rule form, and on tens of
 * thousands of randomly mutated copies of them (fixed seed).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { generateMesh } from '../bench/generate-mesh.js';
import type { ConfigProblem } from '../config/errors.js';
import { fastConsumersFile, fastProductFile } from '../config/fast-validate.js';
import { loadEntries } from '../config/load.js';
import { parseConfigText } from '../config/parse-file.js';
import { consumersFileSchema, productFileSchema } from '../config/schema.js';
import { prng } from '../scripts/prng.js';
import { REPO } from './support/cli.js';

/** A deterministic text of a value that tells apart what toStrictEqual may not: key order, -0, NaN, absent vs undefined. */
function canonical(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  return `{${Object.keys(value)
    .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}

type Kind = 'product' | 'consumers';
const FAST = { product: fastProductFile, consumers: fastConsumersFile } as const;
const SCHEMA = { product: productFileSchema, consumers: consumersFileSchema } as const;

/** 'fast' when the fast validator took the value (and agreed with zod), else 'zod'. */
function expectAgrees(kind: Kind, value: unknown, what: string): 'fast' | 'zod' {
  const mine = FAST[kind](structuredClone(value));
  const reference = SCHEMA[kind].safeParse(structuredClone(value));
  if (mine === undefined) return 'zod';
  if (!reference.success) throw new Error(`zod rejects what the fast validator accepted (${what}): ${canonical(value)}\n${reference.error.message}`);
  expect(canonical(mine), `${what}: ${canonical(value)}`).toBe(canonical(reference.data));
  return 'fast';
}

function valueOf(text: string): unknown {
  const problems: ConfigProblem[] = [];
  const parsed = parseConfigText('f.yaml', text, {}, problems);
  if (!parsed) throw new Error(`test input does not parse: ${problems.map((p) => p.message).join('; ')}`);
  return parsed.value;
}

const exampleDir = path.join(REPO, 'examples/demo-mesh');
const examples = (sub: string) => readdirSync(path.join(exampleDir, sub)).map((f) => valueOf(readFileSync(path.join(exampleDir, sub, f), 'utf8')));

/** Every rule form, short and long, with tolerances and severities. */
const KITCHEN_SINK = {
  id: ' sales.orders ',
  name: ' Orders ',
  description: '  kept as written  ',
  domain: 'sales',
  tier: 'restricted',
  table: 'DB."My Schema".orders',
  schedule: ' 5m ',
  freshness: { warnAge: '1h', maxAge: ' 1h30m ', column: '"Updated At"' },
  schema: { allowExtraColumns: false, columns: [{ name: 'id', type: ' INTEGER ', nullable: false }, { nullable: true, name: 'status' }, { name: ' amount ' }] },
  contract: {
    sql: [{ name: 'one', query: 'select count(*) from {{ table }}', expect: 0 }, { name: 'two', query: 'select 1', expect: { max: 3 }, severity: 'warn' }],
    rowCount: { min: 1, max: 10, severity: 'warn' },
    notNull: ['id', { column: 'status', maxPercent: 2.5 }, { column: 'amount', maxRows: 0, severity: 'warn' }],
    unique: ['id', ['id', 'status'], { columns: ['status'], maxRows: 3 }, { column: 'amount', severity: 'warn' }],
    acceptedValues: { status: ['open', 1, true], ' amount ': { values: [-0, 2], maxPercent: 100 } },
    range: { amount: { min: 0, max: 10, exclusive: true }, id: { max: '2024-01-01', maxRows: 1 }, status: { min: 5 } },
    pattern: { status: '^[a-z]+$', id: { regex: ' \\d+ ', severity: 'warn' } },
    references: { id: { product: 'sales.customers', column: 'id', maxPercent: 0 } },
    expressions: [{ name: 'positive', expr: ' amount >= 0 ' }, { name: 'x', expr: 'id > 0', severity: 'warn', maxRows: 2 }],
  },
  inputs: [' sales.customers ', { product: 'sales.items' }, { columns: ['id', ' status '], product: 'sales.x' }],
};

const KEYS = [
  'id', 'name', 'description', 'domain', 'tier', 'table', 'schedule', 'freshness', 'column', 'maxAge', 'warnAge', 'schema', 'columns', 'type',
  'nullable', 'allowExtraColumns', 'contract', 'rowCount', 'min', 'max', 'severity', 'notNull', 'unique', 'acceptedValues', 'values', 'range',
  'exclusive', 'pattern', 'regex', 'references', 'product', 'expressions', 'expr', 'sql', 'query', 'expect', 'inputs', 'maxRows', 'maxPercent',
  'uses', 'slackChannel', 'consumers', 'bogus', '__proto__', ' id',
];
const SWAPS: unknown[] = [
  '', ' ', 'x', ' x ', 'a.b', 'a.b.c', 'a.b.c.d', ' a.b ', 'A-1', '_x', 'x y', '"Q"', '"a"."b"', '"a', 'open', 'limited', 'secret', 'warn', 'fail',
  '2h', ' 2h ', '0s', '1h30m', '5', '5m', '#chan', '#a b', 'C1234567', 'c1234567', 'select 1', 'select * from {{ table }}', '{{ x }}', '^a+$', '2024-01-01',
  0, -0, 1, -1, 1.5, 2, 100, 101, 2 ** 53, 2 ** 53 - 1, NaN, Infinity, -Infinity, true, false, null, [], ['a'], ['a', 'a'], [1, 'x', true], [null], [[]],
  {}, { min: 1 }, { min: 2, max: 1 }, { min: 'a', max: 1 }, { product: 'a.b' }, { product: 'a.b', columns: [] }, { column: 'a' }, { columns: ['a'] },
  { values: ['x'] }, { regex: 'a' }, { name: 'n', expr: 'a > 1' }, { maxAge: '1h' }, { columns: [{ name: 'a' }] }, { maxRows: 1, maxPercent: 1 },
];

type Path = Array<string | number>;

function paths(value: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...at, i], out));
  else if (value !== null && typeof value === 'object') for (const k of Object.keys(value)) paths((value as Record<string, unknown>)[k], [...at, k], out);
  return out;
}

function at(value: unknown, path: Path): unknown {
  let node = value;
  for (const part of path) node = (node as Record<string | number, unknown>)[part];
  return node;
}

/** One random change somewhere in the value (in place; returns the new root). */
function mutateOnce(root: unknown, random: () => number): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const path = pick(paths(root));
  const swap = () => structuredClone(pick(SWAPS));
  if (path.length === 0) return random() < 0.5 ? swap() : root;
  const parent = at(root, path.slice(0, -1)) as Record<string | number, unknown>;
  const list = Array.isArray(parent) ? (parent as unknown[]) : undefined;
  const last = path[path.length - 1]!;
  const node = parent[last];
  switch (Math.floor(random() * 6)) {
    case 0:
      parent[last] = swap();
      break;
    case 1:
      if (list) list.splice(last as number, 1);
      else delete parent[last];
      break;
    case 2: {
      // A key added where one is (defineProperty: `__proto__` as an own key, as a parser could give it).
      Object.defineProperty(parent, list ? list.length : pick(KEYS), { value: swap(), enumerable: true, writable: true, configurable: true });
      break;
    }
    case 3:
      if (typeof node === 'string') parent[last] = random() < 0.5 ? ` ${node} ` : node.toUpperCase();
      else parent[last] = swap();
      break;
    case 4:
      if (list) list.push(structuredClone(node));
      else if (Array.isArray(node)) node.push(structuredClone(node[0]));
      break;
    default: {
      // A key renamed to another known one (a field in the wrong place).
      if (!list) {
        delete parent[last];
        parent[pick(KEYS.filter((k) => k !== '__proto__'))] = node;
      }
    }
  }
  return root;
}

function mesh(size: number) {
  const generated = generateMesh(size);
  const products = generated.products.map((p) =>
    valueOf(
      stringify({
        id: p.id,
        domain: p.domain,
        tier: 'open',
        table: `${p.schema}.${p.table}`,
        freshness: { column: 'updated_at', maxAge: '3650d' },
        schema: { columns: [{ name: 'id', type: 'INTEGER' }, { name: 'updated_at', type: 'TIMESTAMP' }] },
        contract: { rowCount: { min: 1 } },
        inputs: p.inputs,
      }),
    ),
  );
  const consumers = valueOf(stringify({ consumers: generated.consumers.slice(0, 200) }));
  return { products, consumers };
}

describe('fast config validators', () => {
  it('take every example and generated file, with the output of zod', () => {
    const generated = mesh(300);
    for (const value of [...examples('products'), ...generated.products, KITCHEN_SINK]) expect(expectAgrees('product', value, 'product')).toBe('fast');
    for (const value of [...examples('consumers'), generated.consumers]) expect(expectAgrees('consumers', value, 'consumers')).toBe('fast');
  });

  it('step aside or agree with zod on mutated values (fixed seed)', () => {
    const random = prng(20261202);
    const generated = mesh(40);
    const seeds: Array<[Kind, unknown]> = [
      ...[...examples('products'), ...generated.products, KITCHEN_SINK].map((v): [Kind, unknown] => ['product', v]),
      ...examples('consumers').map((v): [Kind, unknown] => ['consumers', v]),
      ['consumers', generated.consumers],
    ];
    const counts = { fast: 0, zod: 0, zodAccepts: 0 };
    for (let run = 0; run < 12_000; run++) {
      const [kind, seed] = seeds[run % seeds.length]!;
      let value = structuredClone(seed);
      const changes = 1 + Math.floor(random() * 3);
      for (let i = 0; i < changes; i++) value = mutateOnce(value, random);
      const outcome = expectAgrees(kind, value, `run ${run}`);
      counts[outcome]++;
      if (outcome === 'zod' && SCHEMA[kind].safeParse(structuredClone(value)).success) counts.zodAccepts++;
    }
    // Enough of both sides for the comparison to mean something.
    expect(counts.fast).toBeGreaterThan(2_000);
    expect(counts.zod).toBeGreaterThan(2_000);
  });

  it('loads the example mesh to the products zod gives', () => {
    const dir = path.join(REPO, 'examples/demo-mesh');
    const entries = loadEntries(dir, { env: { ...process.env } });
    expect(entries.products.length).toBeGreaterThan(10);
    for (const entry of entries.products) {
      const reference = productFileSchema.parse(valueOf(readFileSync(path.join(dir, entry.file), 'utf8')));
      expect(canonical(entry.raw), entry.file).toBe(canonical(reference));
    }
  });
});
