/**
 * Keeps each mapped rule only if the running meshwatch's product schema
 * accepts its shape. The mappers write every native rule kind (range,
 * pattern, thresholds, severities, ...); a shape the schema refuses (a build
 * without a kind, or a mapping bug) drops that rule with a note naming it,
 * instead of failing the whole product. Shapes are probed once each.
 */
import { productFileSchema } from '../config/schema.js';
import type { ConfigProblem } from '../config/errors.js';
import type { RawContract, RawProduct } from './model.js';

const accepted = new Map<string, boolean>();

/** A shape key: the rule kind and the structure of its value, with names and numbers blanked. */
function shapeKey(kind: string, value: unknown): string {
  return `${kind}:${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' ? 's' : typeof v === 'number' ? 0 : v))}`;
}

const PROBE_BASE = { id: 'probe.probe', domain: 'probe', tier: 'open', table: 'probe.probe' } as const;

function accepts(kind: keyof RawContract, value: unknown, probe: unknown): boolean {
  const key = shapeKey(kind, value);
  let ok = accepted.get(key);
  if (ok === undefined) {
    ok = productFileSchema.safeParse({ ...PROBE_BASE, contract: { [kind]: probe } }).success;
    accepted.set(key, ok);
  }
  return ok;
}

function columnTypeAccepted(): boolean {
  const key = 'schema:untyped';
  let ok = accepted.get(key);
  if (ok === undefined) {
    ok = productFileSchema.safeParse({ ...PROBE_BASE, schema: { columns: [{ name: 'a' }] } }).success;
    accepted.set(key, ok);
  }
  return ok;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const NEEDS = "has a shape this meshwatch's contract schema does not accept: not checked";

export function fitToSchema(product: RawProduct, file: string, path: string, notes: ConfigProblem[]): RawProduct {
  const note = (what: string) => notes.push({ file, path, message: `${product.id}: ${what} ${NEEDS}` });
  let schema = product.schema;
  if (schema && !columnTypeAccepted()) {
    const typed = schema.columns.filter((c) => c.type !== undefined);
    const untyped = schema.columns.filter((c) => c.type === undefined);
    if (untyped.length > 0) {
      notes.push({ file, path, message: `${product.id}: column${untyped.length === 1 ? '' : 's'} ${untyped.map((c) => c.name).join(', ')} declare no type: not in the schema check` });
    }
    schema = typed.length > 0 ? { ...schema, columns: typed } : undefined;
  }
  const c = product.contract;
  if (!c) return { ...product, ...(schema ? { schema } : { schema: undefined }) };
  const out: RawContract = {};
  if (c.rowCount) {
    if (accepts('rowCount', c.rowCount, c.rowCount)) out.rowCount = c.rowCount;
    else note(`rowCount ${describe(c.rowCount)}`);
  }
  for (const kind of ['notNull', 'unique', 'sql', 'expressions'] as const) {
    const list = c[kind] as unknown[] | undefined;
    if (!list) continue;
    const kept = list.filter((rule) => {
      const ok = accepts(kind, rule, [rule]);
      if (!ok) note(`${kind} ${describe(rule)}`);
      return ok;
    });
    if (kept.length > 0) (out as Record<string, unknown>)[kind] = kept;
  }
  for (const kind of ['acceptedValues', 'range', 'pattern', 'references'] as const) {
    const record = c[kind] as Record<string, unknown> | undefined;
    if (!record) continue;
    const kept: Record<string, unknown> = {};
    for (const [column, rule] of Object.entries(record)) {
      if (accepts(kind, rule, { [column]: rule })) kept[column] = rule;
      else note(`${kind}.${column} ${describe(rule)}`);
    }
    if (Object.keys(kept).length > 0) (out as Record<string, unknown>)[kind] = kept;
  }
  const { schema: _drop, contract: _c, ...rest } = product;
  return { ...rest, ...(schema ? { schema } : {}), ...(Object.keys(out).length > 0 ? { contract: out } : {}) };
}
