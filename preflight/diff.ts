/**
 * What changed between two configs, product by product, and whether each
 * change can break a reader. Breaking (a reader that relied on the old
 * promise may now fail):
 *
 * | kind               | when                                                              | readers hurt               |
 * |--------------------|-------------------------------------------------------------------|----------------------------|
 * | column_removed     | a declared column is gone                                         | those reading the column   |
 * | type_changed       | a column's type changed (the schema check's rules; widening is a note) | those reading the column |
 * | column_nullable    | `nullable: false` became nullable                                 | those reading the column   |
 * | contract_loosened  | a contract rule removed, or loosened (more tolerance, fewer bounds, more accepted values, fail → warn, a changed pattern or query) | the rule's columns; every reader for table-wide rules |
 * | freshness_loosened | maxAge longer, or no freshness rule any more                      | every reader               |
 * | schema_removed     | the product declares no schema any more                           | those reading any old column |
 * | tier_stricter      | open → limited → restricted: readers lose access                  | every reader               |
 * | product_removed    | the product is gone                                               | every reader               |
 * | product_renamed    | gone, and a new product has its table                             | every reader of the old id |
 *
 * Notes (never breaking): columns added, types widened, rules added or
 * tightened, freshness tightened, a looser tier, inputs changed, products
 * added, a changed tier justification.
 *
 * Columns match by the new config's engine rules (`order_id` is `ORDER_ID`
 * on Snowflake); types compare with checks/type-normalize.ts, so what the
 * schema check would accept as a widening is a note here too.
 */
import { columnKey, formatTableRef, type Engine } from '../config/identifier.js';
import { TIER_RANK, describeTier } from '../config/tier-lineage.js';
import type { Contract, MeshConfig, Product, RuleOptions, Tolerance } from '../config/types.js';
import { compareTypes } from '../checks/type-normalize.js';

export const BREAKING_KINDS = [
  'column_removed',
  'type_changed',
  'column_nullable',
  'contract_loosened',
  'freshness_loosened',
  'schema_removed',
  'tier_stricter',
  'product_removed',
  'product_renamed',
] as const;
export const NOTE_KINDS = [
  'column_added',
  'type_widened',
  'contract_tightened',
  'freshness_tightened',
  'schema_added',
  'tier_looser',
  'tier_justification_changed',
  'inputs_changed',
  'product_added',
] as const;
export type BreakingKind = (typeof BREAKING_KINDS)[number];
export type NoteKind = (typeof NOTE_KINDS)[number];
export type ChangeKind = BreakingKind | NoteKind;

export interface ProductChange {
  /** The product's id (the old id for removed and renamed products). */
  readonly product: string;
  readonly kind: ChangeKind;
  readonly breaking: boolean;
  readonly message: string;
  /** The column the change is about, for column-level acknowledgements. */
  readonly column?: string | undefined;
  /** Readers of these columns are hurt; undefined: every reader (when breaking). */
  readonly columns?: readonly string[] | undefined;
  /** product_renamed: the new id. */
  readonly renamedTo?: string | undefined;
}

const isBreaking = (kind: ChangeKind): boolean => (BREAKING_KINDS as readonly string[]).includes(kind);

function change(product: string, kind: ChangeKind, message: string, extra: Partial<Pick<ProductChange, 'column' | 'columns' | 'renamedTo'>> = {}): ProductChange {
  return { product, kind, breaking: isBreaking(kind), message, ...extra };
}

/** Every change from `base` to `next`, products in the new config's order, removed ones last. */
export function diffConfigs(base: MeshConfig, next: MeshConfig): ProductChange[] {
  const engine = next.workspace.warehouse.type;
  const baseById = new Map(base.products.map((p) => [p.id, p]));
  const nextById = new Map(next.products.map((p) => [p.id, p]));
  const tableKey = (p: Product) => formatTableRef(p.table).toUpperCase();
  const addedByTable = new Map<string, Product>();
  for (const product of next.products) if (!baseById.has(product.id)) addedByTable.set(tableKey(product), product);

  const changes: ProductChange[] = [];
  const renamedTo = new Set<string>();
  const removed: ProductChange[] = [];
  for (const old of base.products) {
    if (nextById.has(old.id)) continue;
    const successor = addedByTable.get(tableKey(old));
    if (successor) {
      renamedTo.add(successor.id);
      removed.push(change(old.id, 'product_renamed', `${old.id} is renamed to ${successor.id} (same table ${formatTableRef(old.table)}): readers of ${old.id} lose it`, { renamedTo: successor.id }));
    } else removed.push(change(old.id, 'product_removed', `${old.id} is removed`));
  }
  for (const product of next.products) {
    const old = baseById.get(product.id);
    if (!old) {
      if (!renamedTo.has(product.id)) changes.push(change(product.id, 'product_added', `${product.id} is new`));
      continue;
    }
    changes.push(...diffProduct(old, product, engine));
  }
  return [...changes, ...removed];
}

export function diffProduct(old: Product, next: Product, engine: Engine): ProductChange[] {
  const id = next.id;
  const out: ProductChange[] = [];
  if (TIER_RANK[next.tier] > TIER_RANK[old.tier]) {
    out.push(change(id, 'tier_stricter', `tier ${old.tier} → ${describeTier(next)}: readers without access to ${next.tier} products lose it`));
  } else if (TIER_RANK[next.tier] < TIER_RANK[old.tier]) {
    out.push(change(id, 'tier_looser', `tier ${old.tier} → ${describeTier(next)}`));
  } else if (old.tierJustification !== next.tierJustification) {
    out.push(change(id, 'tier_justification_changed', `tier ${describeTier(next)}${next.tierJustification === undefined ? ' (justification removed)' : ''}`));
  }
  out.push(...diffSchema(old, next, engine));
  out.push(...diffFreshness(old, next));
  out.push(...diffContract(id, old.contract, next.contract, engine));
  out.push(...diffInputs(old, next, engine));
  return out;
}

function diffSchema(old: Product, next: Product, engine: Engine): ProductChange[] {
  const id = next.id;
  if (!old.schema && !next.schema) return [];
  if (!next.schema) {
    const columns = old.schema!.columns.map((c) => c.name);
    return [change(id, 'schema_removed', `no schema declared any more (was ${columns.length} columns): readers of its columns lose their promise`, { columns })];
  }
  if (!old.schema) return [change(id, 'schema_added', `schema declared (${next.schema.columns.length} columns)`)];
  const key = (name: string) => columnKey(name, engine);
  const nextColumns = new Map(next.schema.columns.map((c) => [key(c.name), c]));
  const oldKeys = new Set(old.schema.columns.map((c) => key(c.name)));
  const out: ProductChange[] = [];
  for (const column of old.schema.columns) {
    const now = nextColumns.get(key(column.name));
    if (!now) {
      out.push(change(id, 'column_removed', `column ${column.name} removed`, { column: column.name, columns: [column.name] }));
      continue;
    }
    if (column.type !== undefined && now.type !== undefined) {
      const comparison = compareTypes(column.type, now.type, engine);
      if (comparison === 'changed') out.push(change(id, 'type_changed', `column ${column.name}: type ${column.type} → ${now.type}`, { column: column.name, columns: [column.name] }));
      else if (comparison === 'widened') out.push(change(id, 'type_widened', `column ${column.name}: type widened ${column.type} → ${now.type}`, { column: column.name }));
    }
    if (column.nullable === false && now.nullable !== false) {
      out.push(change(id, 'column_nullable', `column ${column.name} may now be null (was nullable: false)`, { column: column.name, columns: [column.name] }));
    }
  }
  const added = next.schema.columns.filter((c) => !oldKeys.has(key(c.name))).map((c) => c.name);
  if (added.length > 0) out.push(change(id, 'column_added', `column${added.length === 1 ? '' : 's'} added: ${added.join(', ')}`));
  return out;
}

function diffFreshness(old: Product, next: Product): ProductChange[] {
  const id = next.id;
  if (!old.freshness) return next.freshness ? [change(id, 'freshness_tightened', `freshness rule added (maxAge ${next.freshness.maxAge.text})`)] : [];
  if (!next.freshness) return [change(id, 'freshness_loosened', `freshness rule removed (was maxAge ${old.freshness.maxAge.text})`)];
  if (next.freshness.maxAge.ms > old.freshness.maxAge.ms) {
    return [change(id, 'freshness_loosened', `freshness maxAge ${old.freshness.maxAge.text} → ${next.freshness.maxAge.text}`)];
  }
  if (next.freshness.maxAge.ms < old.freshness.maxAge.ms) {
    return [change(id, 'freshness_tightened', `freshness maxAge ${old.freshness.maxAge.text} → ${next.freshness.maxAge.text}`)];
  }
  return [];
}

function diffInputs(old: Product, next: Product, engine: Engine): ProductChange[] {
  const describe = (p: Product) => new Map(p.inputs.map((i) => [i.product, i.columns === undefined ? '*' : [...i.columns].map((c) => columnKey(c, engine)).sort().join(',')]));
  const before = describe(old);
  const after = describe(next);
  const added = [...after.keys()].filter((k) => !before.has(k));
  const dropped = [...before.keys()].filter((k) => !after.has(k));
  const columnsChanged = [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k));
  if (added.length + dropped.length + columnsChanged.length === 0) return [];
  const parts = [
    added.length > 0 ? `now reads ${added.join(', ')}` : '',
    dropped.length > 0 ? `no longer reads ${dropped.join(', ')}` : '',
    columnsChanged.length > 0 ? `reads other columns of ${columnsChanged.join(', ')}` : '',
  ].filter(Boolean);
  return [change(next.id, 'inputs_changed', `inputs: ${parts.join('; ')}`)];
}

/** -1 tighter, 0 same, 1 looser: how much more a rule's options let through. */
function compareOptions(old: RuleOptions, next: RuleOptions): { looser: boolean; tighter: boolean; why: string } {
  const reasons: string[] = [];
  let looser = false;
  let tighter = false;
  if (old.severity === 'fail' && next.severity === 'warn') {
    looser = true;
    reasons.push('severity fail → warn');
  } else if (old.severity === 'warn' && next.severity === 'fail') tighter = true;
  const tol = compareTolerance(old.tolerance, next.tolerance);
  if (tol > 0) {
    looser = true;
    reasons.push(`tolerance ${formatTolerance(old.tolerance)} → ${formatTolerance(next.tolerance)}`);
  } else if (tol < 0) tighter = true;
  return { looser, tighter, why: reasons.join(', ') };
}

function formatTolerance(t: Tolerance | undefined): string {
  if (!t) return 'none';
  return 'maxRows' in t ? `maxRows ${t.maxRows}` : `maxPercent ${t.maxPercent}`;
}

/** > 0 when `next` tolerates more failing rows; a change between rows and percent cannot be ordered and counts as looser. */
function compareTolerance(old: Tolerance | undefined, next: Tolerance | undefined): number {
  if (!old && !next) return 0;
  if (!old) return 1;
  if (!next) return -1;
  if ('maxRows' in old && 'maxRows' in next) return Math.sign(next.maxRows - old.maxRows);
  if ('maxPercent' in old && 'maxPercent' in next) return Math.sign(next.maxPercent - old.maxPercent);
  return 1;
}

interface RuleView {
  readonly key: string;
  readonly label: string;
  /** Columns whose readers rely on the rule; undefined: table-wide. */
  readonly columns: readonly string[] | undefined;
  readonly options: RuleOptions;
  /** Compares the rule-specific part: reasons it is looser, and whether it is tighter. */
  readonly body: unknown;
}

function ruleViews(contract: Contract | undefined, engine: Engine): Map<string, RuleView> {
  const views = new Map<string, RuleView>();
  if (!contract) return views;
  const key = (c: string) => columnKey(c, engine);
  const add = (view: RuleView) => views.set(view.key, view);
  if (contract.rowCount) add({ key: 'rowCount', label: 'rowCount', columns: undefined, options: { severity: contract.rowCount.severity }, body: contract.rowCount });
  for (const r of contract.notNull) add({ key: `notNull:${key(r.column)}`, label: `notNull ${r.column}`, columns: [r.column], options: r, body: undefined });
  for (const r of contract.unique) {
    add({ key: `unique:${r.columns.map(key).sort().join(',')}`, label: `unique ${r.columns.join(', ')}`, columns: r.columns, options: r, body: undefined });
  }
  for (const r of contract.acceptedValues) add({ key: `acceptedValues:${key(r.column)}`, label: `acceptedValues ${r.column}`, columns: [r.column], options: r, body: r.values });
  for (const r of contract.range) add({ key: `range:${key(r.column)}`, label: `range ${r.column}`, columns: [r.column], options: r, body: r });
  for (const r of contract.pattern) add({ key: `pattern:${key(r.column)}`, label: `pattern ${r.column}`, columns: [r.column], options: r, body: r.regex });
  for (const r of contract.references) {
    add({ key: `references:${key(r.column)}`, label: `references ${r.column}`, columns: [r.column], options: r, body: `${r.references.product}.${r.references.column}` });
  }
  for (const r of contract.expressions) add({ key: `expressions:${r.name}`, label: `expression ${r.name}`, columns: undefined, options: r, body: r.expr });
  for (const r of contract.sql) add({ key: `sql:${r.name}`, label: `sql ${r.name}`, columns: undefined, options: { severity: r.severity }, body: { query: r.query, expect: r.expect } });
  return views;
}

/** Why `next` lets more through than `old` (empty: it does not), and whether it lets less through. */
function compareBodies(kind: string, old: unknown, next: unknown): { looser: string[]; tighter: boolean } {
  if (kind === 'rowCount' || kind === 'range') {
    const o = old as { min?: number | string | undefined; max?: number | string | undefined; exclusive?: boolean };
    const n = next as typeof o;
    const looser: string[] = [];
    let tighter = false;
    if (o.min !== undefined && (n.min === undefined || n.min < o.min)) looser.push(`min ${String(o.min)} → ${n.min === undefined ? 'none' : String(n.min)}`);
    else if (n.min !== undefined && (o.min === undefined || n.min > o.min)) tighter = true;
    if (o.max !== undefined && (n.max === undefined || n.max > o.max)) looser.push(`max ${String(o.max)} → ${n.max === undefined ? 'none' : String(n.max)}`);
    else if (n.max !== undefined && (o.max === undefined || n.max < o.max)) tighter = true;
    if (o.exclusive === true && n.exclusive === false) looser.push('bounds now included');
    else if (o.exclusive === false && n.exclusive === true) tighter = true;
    return { looser, tighter };
  }
  if (kind === 'acceptedValues') {
    const o = new Set((old as Array<string | number | boolean>).map(String));
    const n = new Set((next as Array<string | number | boolean>).map(String));
    const added = [...n].filter((v) => !o.has(v));
    return { looser: added.length > 0 ? [`now accepts ${added.join(', ')}`] : [], tighter: [...o].some((v) => !n.has(v)) };
  }
  const same = JSON.stringify(old) === JSON.stringify(next);
  return { looser: same ? [] : ['changed (cannot tell whether it lets more through)'], tighter: false };
}

function diffContract(id: string, old: Contract | undefined, next: Contract | undefined, engine: Engine): ProductChange[] {
  const before = ruleViews(old, engine);
  const after = ruleViews(next, engine);
  const out: ProductChange[] = [];
  const tightened: string[] = [];
  for (const [key, rule] of before) {
    const now = after.get(key);
    const extra = { columns: rule.columns, ...(rule.columns?.length === 1 ? { column: rule.columns[0] } : {}) };
    if (!now) {
      out.push(change(id, 'contract_loosened', `contract rule ${rule.label} removed`, extra));
      continue;
    }
    const options = compareOptions(rule.options, now.options);
    const body = compareBodies(key.split(':')[0]!, rule.body, now.body);
    const reasons = [options.why, ...body.looser].filter(Boolean);
    if (reasons.length > 0) out.push(change(id, 'contract_loosened', `contract rule ${rule.label} loosened: ${reasons.join(', ')}`, extra));
    else if (options.tighter || body.tighter) tightened.push(`${rule.label} tightened`);
  }
  for (const [key, rule] of after) if (!before.has(key)) tightened.push(`${rule.label} added`);
  if (tightened.length > 0) out.push(change(id, 'contract_tightened', `contract: ${tightened.join('; ')}`));
  return out;
}
