/**
 * dbt manifest → meshwatch products and consumers. Every model is a product
 * unless `select` narrows them; sources with a configured freshness are
 * products too; generic tests become native contract rules; exposures become
 * consumers; lineage is `depends_on` between products, through the models
 * in between that are not products.
 */
import type { Engine } from '../../config/identifier.js';
import { durationText, governanceFields, idPart, identifier, isTier, slackChannel, tableName, type TierName } from '../mapping.js';
import { emptyOutput, type RawColumn, type RawConsumer, type RawContract, type RawProduct, type Severity, type SourceOutput } from '../model.js';
import type { DbtFreshness, DbtManifest, DbtNode } from './parse.js';

export interface DbtSelect {
  readonly access?: readonly string[] | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly groups?: readonly string[] | undefined;
  readonly meta?: Readonly<Record<string, unknown>> | undefined;
}

export interface DbtMapOptions {
  readonly domain?: string | undefined;
  readonly tier?: TierName | undefined;
  readonly select?: DbtSelect | undefined;
  readonly engine: Engine;
  /** Where the source entry's `select` is written, for the warning when it matches no model (default: the manifest's `select`). */
  readonly selectAt?: { readonly file: string; readonly path: string } | undefined;
}

interface Ctx {
  readonly file: string;
  readonly out: SourceOutput;
  note(path: string, message: string): void;
}

function meshwatchMeta(meta: Record<string, unknown>, config?: { meta: Record<string, unknown> } | null): Record<string, unknown> {
  const pick = (m: Record<string, unknown> | undefined) => {
    const v = m?.meshwatch;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  };
  return { ...pick(config?.meta), ...pick(meta) };
}

function nodeTags(node: DbtNode): string[] {
  const fromConfig = node.config.tags;
  return [...(node.tags ?? []), ...(typeof fromConfig === 'string' ? [fromConfig] : (fromConfig ?? []))];
}

export function selected(node: DbtNode, select: DbtSelect | undefined): boolean {
  if (!select) return true;
  if (select.access && !select.access.includes(node.access ?? 'protected')) return false;
  if (select.tags && !nodeTags(node).some((t) => select.tags!.includes(t))) return false;
  if (select.groups && (node.group === undefined || !select.groups.includes(node.group))) return false;
  if (select.meta) {
    const meta = { ...node.config.meta, ...node.meta };
    for (const [key, value] of Object.entries(select.meta)) if (JSON.stringify(meta[key]) !== JSON.stringify(value)) return false;
  }
  return true;
}

const PERIOD_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

function after(a: NonNullable<DbtFreshness>['warn_after']): number | undefined {
  if (!a || a.count === null || a.count === undefined || a.period === undefined) return undefined;
  const unit = PERIOD_MS[a.period];
  return unit === undefined || a.count <= 0 ? undefined : a.count * unit;
}

/** `"!= 0"`, `"> 10"`, `">= 5"` → the most bad rows that still pass; undefined for other conditions. */
export function conditionMaxRows(condition: string | undefined): number | undefined {
  const text = (condition ?? '!= 0').trim();
  const m = /^(!=|<>|>|>=)\s*(\d+)$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[2]);
  if (m[1] === '!=' || m[1] === '<>') return n === 0 ? 0 : undefined;
  if (m[1] === '>') return n;
  return n - 1 >= 0 ? n - 1 : undefined;
}

/** `{{ get_where_subquery(ref('orders')) }}`, `ref('pkg', 'orders', v=2)`, `source('raw', 'orders')` → what it names. */
export function parseRelation(text: unknown): { kind: 'ref'; name: string; pkg?: string; version?: string } | { kind: 'source'; source: string; name: string } | undefined {
  if (typeof text !== 'string') return undefined;
  const ref = /\bref\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]+)['"]\s*)?(?:,\s*(?:v|version)\s*=\s*['"]?([^'")\s]+)['"]?\s*)?\)/.exec(text);
  if (ref) {
    return ref[2] !== undefined ? { kind: 'ref', pkg: ref[1]!, name: ref[2], ...(ref[3] ? { version: ref[3] } : {}) } : { kind: 'ref', name: ref[1]!, ...(ref[3] ? { version: ref[3] } : {}) };
  }
  const src = /\bsource\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)/.exec(text);
  if (src) return { kind: 'source', source: src[1]!, name: src[2]! };
  return undefined;
}

const JINJA = /\{\{|\{%/;

export function mapDbtManifest(manifest: DbtManifest, file: string, options: DbtMapOptions): SourceOutput {
  const out = emptyOutput();
  const ctx: Ctx = { file, out, note: (path, message) => out.notes.push({ file, path, message }) };
  const project = manifest.metadata.project_name;
  const nodes = manifest.nodes;
  const nodePath = (id: string) => `nodes["${id}"]`;

  const domainOf = (meta: Record<string, unknown>, group: string | undefined): string | undefined => {
    const d = meta.domain;
    if (typeof d === 'string' && d.trim() !== '') return idPart(d);
    if (group !== undefined) return idPart(group);
    if (options.domain !== undefined) return idPart(options.domain);
    return project !== undefined ? idPart(project) : undefined;
  };
  const tierOf = (meta: Record<string, unknown>, at: string): TierName => {
    if (meta.tier !== undefined) {
      if (isTier(meta.tier)) return meta.tier;
      ctx.note(`${at}.meta.meshwatch.tier`, `tier ${JSON.stringify(meta.tier)} is not open, limited or restricted: the product is restricted`);
      return 'restricted';
    }
    return options.tier ?? 'restricted';
  };

  // 1. Which nodes are products.
  const productIdOf = new Map<string, string>();
  const raw = new Map<string, RawProduct>();
  const enforced = new Set<string>();
  let models = 0;
  let chosen = 0;
  for (const node of Object.values(nodes)) {
    if (node.resource_type !== 'model' || node.config.enabled === false) continue;
    models++;
    if (!selected(node, options.select)) continue;
    chosen++;
    const at = nodePath(node.unique_id);
    // Ephemeral models are CTEs inlined downstream: no table to check, but lineage passes through them.
    if (node.config.materialized === 'ephemeral') continue;
    const meta = meshwatchMeta(node.meta, node.config);
    const domain = domainOf(meta, node.group);
    if (domain === undefined) {
      out.problems.push({ file, path: at, message: `model ${node.name} names no domain (meta.meshwatch.domain, a group, or domain on the source entry)` });
      continue;
    }
    const version = node.version === null || node.version === undefined ? '' : `.v${idPart(String(node.version))}`;
    const id = typeof meta.id === 'string' ? meta.id : `${domain}.${idPart(node.name)}${version}`;
    const isEnforced = (node.contract?.enforced ?? node.config.contract?.enforced) === true;
    if (isEnforced) enforced.add(node.unique_id);
    const columns = Object.values(node.columns ?? {}).map((c): RawColumn => (c.data_type !== undefined ? { name: identifier(c.name), type: c.data_type } : { name: identifier(c.name) }));
    if (node.schema === undefined) {
      out.problems.push({ file, path: `${at}.schema`, message: `model ${node.name} has no schema: cannot name its table` });
      continue;
    }
    const product: RawProduct = {
      id,
      name: node.name,
      domain,
      tier: tierOf(meta, at),
      ...governanceFields(meta, (field) => `${at}.meta.meshwatch.${field}`, ctx.note),
      table: tableName([node.database, node.schema, node.alias ?? node.name]),
      ...(node.description ? { description: node.description } : {}),
      ...(columns.length > 0 ? { schema: { columns, ...(isEnforced ? { allowExtraColumns: false } : {}) } } : {}),
    };
    mapModelFreshness(node, product, at, options.engine, ctx);
    productIdOf.set(node.unique_id, id);
    raw.set(node.unique_id, product);
    out.products.push({ value: product, file, path: at });
  }
  // A select that keeps no model is almost always a typo (a tag or group spelled differently): say so, never stay silent.
  if (options.select !== undefined && chosen === 0) {
    const where = options.selectAt ?? { file, path: 'select' };
    out.warnings.push({
      file: where.file,
      path: where.path,
      message: `select of dbt source ${file} matches none of its ${models} model${models === 1 ? '' : 's'}: ${models === 1 ? 'it is' : `all ${models} are`} excluded, so no model is a product`,
    });
  }
  for (const source of Object.values(manifest.sources)) {
    if (source.config?.enabled === false) continue;
    const freshness = source.config?.freshness ?? source.freshness;
    const warn = after(freshness?.warn_after);
    const error = after(freshness?.error_after);
    // Every source carries a freshness block; only non-null counts mean it was configured.
    if (warn === undefined && error === undefined) continue;
    const at = `sources["${source.unique_id}"]`;
    const meta = meshwatchMeta(source.meta, source.config);
    const domain = domainOf(meta, undefined);
    if (domain === undefined || source.schema === undefined) {
      out.problems.push({ file, path: at, message: `source ${source.source_name}.${source.name} names no ${domain === undefined ? 'domain' : 'schema'}` });
      continue;
    }
    const id = typeof meta.id === 'string' ? meta.id : `${domain}.${idPart(source.source_name)}.${idPart(source.name)}`;
    const product: RawProduct = {
      id,
      name: `${source.source_name}.${source.name}`,
      domain,
      tier: tierOf(meta, at),
      ...governanceFields(meta, (field) => `${at}.meta.meshwatch.${field}`, ctx.note),
      table: tableName([source.database, source.schema, source.identifier ?? source.name]),
      ...(source.description ? { description: source.description } : {}),
    };
    const columns = Object.values(source.columns ?? {}).map((c): RawColumn => (c.data_type !== undefined ? { name: identifier(c.name), type: c.data_type } : { name: identifier(c.name) }));
    if (columns.length > 0) product.schema = { columns };
    mapFreshness(source.loaded_at_field, warn, error, product, at, options.engine, ctx);
    productIdOf.set(source.unique_id, id);
    raw.set(source.unique_id, product);
    out.products.push({ value: product, file, path: at });
  }

  // 2. Lineage: the nearest products upstream, through nodes that are not products.
  const upstreamCache = new Map<string, Set<string>>();
  const upstreamProducts = (id: string, seen = new Set<string>()): Set<string> => {
    const cached = upstreamCache.get(id);
    if (cached) return cached;
    const found = new Set<string>();
    if (seen.has(id)) return found;
    seen.add(id);
    for (const dep of nodes[id]?.depends_on ?? []) {
      const pid = productIdOf.get(dep);
      if (pid !== undefined) found.add(pid);
      else if (nodes[dep]) for (const p of upstreamProducts(dep, seen)) found.add(p);
    }
    upstreamCache.set(id, found);
    return found;
  };
  for (const [uid, product] of raw) {
    if (!nodes[uid]) continue;
    const inputs = [...upstreamProducts(uid)].filter((p) => p !== product.id).sort();
    if (inputs.length > 0) product.inputs = inputs;
  }

  // 3. Tests → contract rules.
  const byRef = new Map<string, string>();
  for (const node of Object.values(nodes)) {
    if (node.resource_type !== 'model' && node.resource_type !== 'seed' && node.resource_type !== 'snapshot') continue;
    const v = node.version === null || node.version === undefined ? '' : `@v${String(node.version)}`;
    byRef.set(`${node.name}${v}`, node.unique_id);
    // An unversioned ref names the latest version; the manifest lists it under its own name only when unversioned.
    if (!byRef.has(node.name) || v === '') byRef.set(node.name, node.unique_id);
  }
  for (const s of Object.values(manifest.sources)) byRef.set(`source:${s.source_name}.${s.name}`, s.unique_id);
  const resolve = (rel: ReturnType<typeof parseRelation>): string | undefined => {
    if (!rel) return undefined;
    if (rel.kind === 'source') return byRef.get(`source:${rel.source}.${rel.name}`);
    return byRef.get(rel.version !== undefined ? `${rel.name}@v${rel.version}` : rel.name);
  };

  for (const test of Object.values(nodes)) {
    if (test.resource_type !== 'test') continue;
    const at = nodePath(test.unique_id);
    const target = test.attached_node ?? resolve(parseRelation(test.test_metadata?.kwargs.model)) ?? (test.depends_on.length === 1 ? test.depends_on[0] : undefined);
    const product = target !== undefined ? raw.get(target) : undefined;
    if (!product) continue; // a test on something that is not a product
    if (!test.test_metadata) {
      ctx.note(at, `${product.id}: singular test ${test.name} is SQL meshwatch does not run: not checked`);
      continue;
    }
    mapTest(test, product, at, ctx, (rel) => {
      const uid = resolve(parseRelation(rel));
      return uid !== undefined ? productIdOf.get(uid) : undefined;
    });
  }

  // Tests may name columns the model does not declare; they are part of the product (presence only).
  for (const product of raw.values()) addRuleColumns(product);

  // 4. Exposures → consumers.
  for (const exposure of Object.values(manifest.exposures)) {
    const at = `exposures["${exposure.unique_id}"]`;
    const meta = meshwatchMeta(exposure.meta, exposure.config ?? undefined);
    const domain = domainOf(meta, undefined);
    if (domain === undefined) {
      out.problems.push({ file, path: at, message: `exposure ${exposure.name} names no domain` });
      continue;
    }
    const uses = new Set<string>();
    for (const dep of exposure.depends_on) {
      const pid = productIdOf.get(dep);
      if (pid !== undefined) uses.add(pid);
      else if (nodes[dep]) for (const p of upstreamProducts(dep)) uses.add(p);
    }
    if (uses.size === 0) {
      ctx.note(at, `exposure ${exposure.name} depends on no product: not a consumer`);
      continue;
    }
    const channel = slackChannel(meta.slackChannel);
    const consumer: RawConsumer = {
      id: `${domain}.${idPart(exposure.name)}`,
      name: exposure.label ?? exposure.name,
      domain,
      ...(channel ? { slackChannel: channel } : {}),
      uses: [...uses].sort().map((product) => ({ product })),
    };
    out.consumers.push({ value: consumer, file, path: at });
    const owner = exposure.owner?.name ?? exposure.owner?.email;
    out.domains.push({ id: domain, people: owner ? [owner] : [], file });
  }

  // Domains seen, for import: groups give owners.
  const seen = new Set<string>();
  for (const p of out.products) {
    if (seen.has(p.value.domain)) continue;
    seen.add(p.value.domain);
    const group = Object.values(manifest.groups).find((g) => idPart(g.name) === p.value.domain);
    const owner = group?.owner?.name ?? group?.owner?.email;
    out.domains.push({ id: p.value.domain, name: group?.name, people: owner ? [owner] : [], file });
  }
  // As for ODCS: a product with nothing to check is said, not left to look monitored.
  for (const p of out.products) {
    const v = p.value;
    if (!v.schema && !v.contract && !v.freshness) ctx.note(p.path, `${v.id}: nothing in the manifest can be checked (no columns, tests or freshness): the product is in the lineage but has no checks`);
  }
  return out;
}

/** Columns the contract names, added to a declared schema that lacks them (checked for presence only). */
export function addRuleColumns(product: RawProduct): void {
  const c = product.contract;
  if (!c || !product.schema) return;
  const named = new Set<string>();
  for (const r of c.notNull ?? []) named.add(typeof r === 'string' ? r : r.column);
  for (const r of c.unique ?? []) for (const col of typeof r === 'string' ? [r] : Array.isArray(r) ? r : r.columns) named.add(col);
  for (const rules of [c.acceptedValues, c.range, c.pattern, c.references]) for (const col of Object.keys(rules ?? {})) named.add(col);
  const have = new Set(product.schema.columns.map((col) => col.name.toLowerCase()));
  for (const col of named) if (!have.has(col.toLowerCase())) product.schema.columns.push({ name: col });
}

/**
 * dbt 1.10+ `config.freshness` of a model. `warn_after` / `error_after` say
 * how old the data may be: freshness, as for sources. `build_after` says how
 * often dbt may rebuild the model when upstream has new data; it is a lower
 * bound between builds, not an upper bound on age (a model whose upstream
 * did not change is rightly not rebuilt), so it is a note, not a maxAge.
 */
function mapModelFreshness(node: DbtNode, product: RawProduct, at: string, engine: Engine, ctx: Ctx): void {
  const f = node.config.freshness;
  if (!f) return;
  const warn = after(f.warn_after);
  const error = after(f.error_after);
  const build = f.build_after;
  const buildMs = after(build ?? undefined);
  if (buildMs !== undefined) {
    ctx.note(
      `${at}.config.freshness.build_after`,
      `${product.id}: build_after ${build!.count} ${build!.period} says how often dbt may rebuild the model, not how old its data may be: not checked${warn === undefined && error === undefined ? ' (warn_after / error_after in the model\'s freshness are)' : ''}`,
    );
  }
  if (warn === undefined && error === undefined) return;
  if (node.config.loaded_at_query !== undefined && node.config.loaded_at_field === undefined) {
    ctx.note(`${at}.config.loaded_at_query`, `loaded_at_query is SQL, not a column: freshness uses ${engine === 'duckdb' ? 'nothing' : 'warehouse metadata'}`);
  }
  mapFreshness(node.config.loaded_at_field, warn, error, product, `${at}.config`, engine, ctx);
}

function mapFreshness(field: string | undefined, warn: number | undefined, error: number | undefined, product: RawProduct, at: string, engine: Engine, ctx: Ctx): void {
  let column: string | undefined;
  if (field !== undefined && field !== '') {
    if (/^[A-Za-z_][A-Za-z0-9_$]*$/.test(field) || /^"[^"]+"$/.test(field)) column = field;
    else {
      ctx.note(`${at}.loaded_at_field`, `loaded_at_field is an expression (${field}), not a column: freshness uses ${engine === 'duckdb' ? 'nothing' : 'warehouse metadata'}`);
    }
  }
  if (column === undefined && engine === 'duckdb') {
    ctx.note(`${at}.freshness`, 'freshness needs a loaded_at_field column on DuckDB (no last-modified time): not checked');
    return;
  }
  // The freshness column is part of the product even where the source's columns do not list it.
  if (column !== undefined && product.schema && !product.schema.columns.some((c) => c.name.toLowerCase() === column!.toLowerCase())) {
    product.schema.columns.push({ name: column });
  }
  const maxAge = error ?? warn!;
  if (error === undefined) ctx.note(`${at}.freshness`, 'only warn_after is set: checked as maxAge (meshwatch freshness fails at maxAge)');
  const warnAge = error !== undefined && warn !== undefined && warn < error ? warn : undefined;
  product.freshness = { ...(column !== undefined ? { column } : {}), maxAge: durationText(maxAge), ...(warnAge !== undefined ? { warnAge: durationText(warnAge) } : {}) };
}

function levelOf(test: DbtNode): { severity: Severity | undefined; maxRows: number | undefined; note?: string } {
  const sev = (test.config.severity ?? 'error').toLowerCase() === 'warn' ? 'warn' : undefined;
  const condition = sev === 'warn' ? test.config.warn_if : test.config.error_if;
  const maxRows = conditionMaxRows(condition);
  if (maxRows === undefined) return { severity: sev, maxRows: undefined, note: `condition ${JSON.stringify(condition)} has no native threshold` };
  const warnRows = sev === undefined ? conditionMaxRows(test.config.warn_if) : undefined;
  const note = warnRows !== undefined && warnRows < maxRows ? `warn_if ${test.config.warn_if} (stricter than error_if) is not checked; error_if is` : undefined;
  return { severity: sev, maxRows, ...(note ? { note } : {}) };
}

function mapTest(test: DbtNode, product: RawProduct, at: string, ctx: Ctx, productFor: (rel: unknown) => string | undefined): void {
  const meta = test.test_metadata!;
  const kwargs = meta.kwargs;
  const name = meta.namespace ? `${meta.namespace}.${meta.name}` : meta.name;
  const rawColumn = typeof kwargs.column_name === 'string' ? kwargs.column_name : test.column_name;
  const column = rawColumn !== undefined ? identifier(rawColumn) : undefined;
  const skip = (why: string) => ctx.note(at, `${product.id}: test ${name}${column ? ` on ${column}` : ''} ${why}: not checked`);
  if (test.config.where !== undefined) return skip(`has a where filter (${test.config.where}) meshwatch does not apply`);
  for (const [k, v] of Object.entries(kwargs)) {
    if (k !== 'model' && typeof v === 'string' && JINJA.test(v)) return skip(`argument ${k} is a Jinja expression`);
  }
  const level = levelOf(test);
  if (level.maxRows === undefined) return skip(level.note ?? 'has no native threshold');
  if (level.note) ctx.note(at, `${product.id}: test ${name}: ${level.note}`);
  const threshold = { ...(level.maxRows > 0 ? { maxRows: level.maxRows } : {}), ...(level.severity ? { severity: level.severity } : {}) };
  const plain = Object.keys(threshold).length === 0;
  const c: RawContract = (product.contract ??= {});
  const needColumn = () => {
    if (column === undefined) skip('names no column');
    return column;
  };
  switch (name) {
    case 'not_null': {
      const col = needColumn();
      if (col) (c.notNull ??= []).push(plain ? col : { column: col, ...threshold });
      return;
    }
    case 'unique': {
      const col = needColumn();
      if (!col) return;
      (c.unique ??= []).push(plain ? col : { columns: [col], ...threshold });
      return;
    }
    case 'accepted_values': {
      const col = needColumn();
      const values = Array.isArray(kwargs.values) ? kwargs.values.filter((v): v is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof v)) : [];
      if (!col) return;
      if (values.length === 0) return skip('lists no values');
      (c.acceptedValues ??= {})[col] = plain ? values : { values, ...threshold };
      return;
    }
    case 'relationships': {
      const col = needColumn();
      if (!col) return;
      const to = productFor(kwargs.to);
      const field = typeof kwargs.field === 'string' ? identifier(kwargs.field) : undefined;
      if (to === undefined || field === undefined) return skip(`references ${String(kwargs.to)}, which is not a product`);
      const isInput = (product.inputs ?? []).some((i) => (typeof i === 'string' ? i : i.product) === to);
      if (!isInput) return skip(`references ${to}, which is not an input of ${product.id}`);
      (c.references ??= {})[col] = { product: to, column: field, ...threshold };
      return;
    }
    case 'dbt_utils.accepted_range': {
      const col = needColumn();
      if (!col) return;
      const min = kwargs.min_value;
      const max = kwargs.max_value;
      const isBound = (v: unknown): v is number | string => typeof v === 'number' || typeof v === 'string';
      if (!isBound(min) && !isBound(max)) return skip('gives no bound');
      const exclusive = kwargs.inclusive === false;
      (c.range ??= {})[col] = { ...(isBound(min) ? { min } : {}), ...(isBound(max) ? { max } : {}), ...(exclusive ? { exclusive: true } : {}), ...threshold };
      return;
    }
    case 'dbt_utils.expression_is_true': {
      const expression = typeof kwargs.expression === 'string' ? kwargs.expression : undefined;
      if (!expression) return skip('has no expression');
      const expr = column !== undefined ? `${column} ${expression}` : expression;
      const list = (c.expressions ??= []);
      const base = `${idPart(rawColumn ?? product.name ?? 'row')}_expression`;
      let ruleName = base;
      for (let i = 2; list.some((e) => e.name === ruleName); i++) ruleName = `${base}_${i}`;
      list.push({ name: ruleName, expr, ...threshold });
      return;
    }
    case 'dbt_utils.unique_combination_of_columns': {
      const cols = Array.isArray(kwargs.combination_of_columns) ? kwargs.combination_of_columns.filter((x): x is string => typeof x === 'string').map(identifier) : [];
      if (cols.length === 0) return skip('lists no columns');
      (c.unique ??= []).push(plain ? (cols.length === 1 ? cols[0]! : cols) : { columns: cols, ...threshold });
      return;
    }
    default:
      return skip('does not map to a meshwatch rule');
  }
}
