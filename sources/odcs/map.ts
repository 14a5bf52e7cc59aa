/**
 * ODCS contract → meshwatch products. Each schema object with a physical
 * table is one product; its properties are the schema columns; quality rules,
 * `required`, `unique`, primary keys and `logicalTypeOptions` become native
 * contract rules; SLA `latency` / `freshness` become freshness. Whatever
 * cannot be checked is a note with the file and path, never dropped silently.
 */
import type { ConfigProblem } from '../../config/errors.js';
import type { Engine } from '../../config/identifier.js';
import {
  DEFAULT_CLASSIFICATION_TIERS,
  badRowThreshold,
  countBounds,
  durationMs,
  durationText,
  governanceFields,
  idPart,
  identifier,
  isTier,
  severity,
  slackChannel,
  strictestTier,
  tableName,
  withSeverity,
  type TierName,
} from '../mapping.js';
import { emptyOutput, type RawColumn, type RawContract, type RawProduct, type SourceOutput } from '../model.js';
import { declaredTypeFamily, isDateBound, regexProblem } from '../../config/contract-rules.js';
import { EXPRESSION_PREFIX } from './export.js';
import type { OdcsContract, OdcsObject, OdcsProperty, OdcsQuality, OdcsServer } from './parse.js';

export interface OdcsMapOptions {
  /** Domain for contracts that name none (the source entry's or `import --domain`). */
  readonly domain?: string | undefined;
  /** Schema for tables when no server names one. */
  readonly schema?: string | undefined;
  /** Which server gives the tables, by its `server` name; default: the first database server. */
  readonly server?: string | undefined;
  /** Tier when neither a custom property nor a classification gives one. */
  readonly tier?: TierName | undefined;
  /** Classification word → tier, merged over DEFAULT_CLASSIFICATION_TIERS. */
  readonly classificationTiers?: Readonly<Record<string, TierName>> | undefined;
  readonly engine: Engine;
  /** `import`: a contract naming no domain (and no `domain` option) takes its dataProduct or name. */
  readonly domainFromName?: boolean | undefined;
}

/** Server types whose objects are tables a SQL warehouse can query. */
const TABLE_SERVERS = new Set([
  'snowflake', 'duckdb', 'postgres', 'postgresql', 'bigquery', 'databricks', 'redshift', 'mysql', 'sqlserver', 'oracle',
  'trino', 'presto', 'athena', 'synapse', 'db2', 'clickhouse', 'vertica', 'denodo', 'dremio', 'impala', 'hive',
]);
const TABLE_TYPES = new Set(['table', 'view', 'materialized view', 'materialized_view', 'external table']);

function serverPrefix(server: OdcsServer): Array<string | undefined> {
  switch (server.type.toLowerCase()) {
    case 'bigquery':
      return [server.project, server.dataset];
    case 'databricks':
      return [server.catalog, server.schema];
    case 'duckdb':
      // A DuckDB server's database is the file path, not a catalog name in the table.
      return [undefined, server.schema];
    default:
      return [server.database ?? server.catalog, server.schema];
  }
}

interface Ctx {
  readonly file: string;
  readonly out: SourceOutput;
  note(path: string, message: string): void;
}

export function mapOdcsContract(contract: OdcsContract, file: string, options: OdcsMapOptions): SourceOutput {
  const out = emptyOutput();
  const ctx: Ctx = { file, out, note: (path, message) => out.notes.push({ file, path, message }) };

  const rawDomain = contract.domain ?? options.domain ?? (options.domainFromName ? (contract.dataProduct ?? contract.name) : undefined);
  if (rawDomain === undefined) {
    out.problems.push({ file, path: 'domain', message: 'the contract names no domain; set domain in the contract or on the source entry (or import --domain)' });
    return out;
  }
  const domain = idPart(rawDomain);

  const hint = domainHint(contract, domain, file);
  out.domains.push(hint);

  // Servers: the first database server (or the one asked for) gives database and schema.
  const tableServers = contract.servers.filter((s) => TABLE_SERVERS.has(s.type.toLowerCase()));
  contract.servers.forEach((s, i) => {
    if (!TABLE_SERVERS.has(s.type.toLowerCase())) ctx.note(`servers[${i}]`, `server "${s.server}" of type ${s.type} is not a SQL table: its objects are not checked there`);
  });
  let server = options.server !== undefined ? contract.servers.find((s) => s.server === options.server) : undefined;
  if (options.server !== undefined && server === undefined) {
    out.problems.push({ file, path: 'servers', message: `no server named "${options.server}" (the source entry's server)` });
    return out;
  }
  server ??= tableServers.find((s) => s.type.toLowerCase() === options.engine) ?? tableServers[0];
  if (contract.servers.length > 0 && server === undefined) {
    if (contract.schema.length > 0) ctx.note('servers', 'no server is a SQL database: no product is checked from this contract');
    return out;
  }
  const [database, schemaFromServer] = server ? serverPrefix(server) : [undefined, undefined];
  const schemaName = schemaFromServer ?? options.schema;

  if (contract.schema.length === 0) ctx.note('schema', 'the contract describes no schema objects: no product');
  const names = new Map(contract.schema.map((o) => [o.name, o] as const));
  contract.schema.forEach((object, i) => {
    const at = `schema[${i}]`;
    const physicalType = object.physicalType?.toLowerCase();
    if (physicalType !== undefined && !TABLE_TYPES.has(physicalType)) {
      ctx.note(at, `object "${object.name}" is a ${object.physicalType}, not a table: not checked`);
      return;
    }
    const product = mapObject(contract, object, at, domain, database, schemaName, options, ctx);
    if (product) out.products.push({ value: product, file, path: at });
  });

  mapSla(contract, names, out, ctx, options.engine);
  for (const p of out.products) {
    const v = p.value;
    if (!v.schema && !v.contract && !v.freshness) ctx.note(p.path, `${v.id}: nothing in the contract can be checked: the product is in the lineage but has no checks`);
  }
  return out;
}

function domainHint(contract: OdcsContract, domain: string, file: string): SourceOutput['domains'][number] {
  const slack = contract.support.find((s) => s.tool?.toLowerCase() === 'slack');
  const people = (contract.team?.members ?? []).filter((m) => m.dateOut === undefined).map((m) => m.username ?? m.name).filter((p): p is string => p !== undefined);
  // A channel written only as its archive link (`https://acme.slack.com/archives/C0123456789`) gives its id.
  const fromUrl = /\/archives\/([CG][A-Z0-9]{6,})(?:[/?#]|$)/.exec(slack?.url ?? '')?.[1];
  return { id: domain, name: contract.domain ?? contract.team?.name, slackChannel: slackChannel(slack?.channel) ?? fromUrl, people, file };
}

function productId(contract: OdcsContract, object: OdcsObject, domain: string): string {
  const custom = object.customProperties.meshwatchId ?? (contract.schema.length === 1 ? contract.customProperties.meshwatchId : undefined);
  if (typeof custom === 'string' && custom.trim() !== '') return custom.trim();
  return `${domain}.${idPart(object.name)}`;
}

function tierOf(contract: OdcsContract, object: OdcsObject, at: string, options: OdcsMapOptions, ctx: Ctx): TierName {
  const custom = object.customProperties.tier ?? contract.customProperties.tier;
  if (custom !== undefined) {
    if (isTier(custom)) return custom;
    ctx.note(`${at}.customProperties`, `tier ${JSON.stringify(custom)} is not open, limited or restricted: the product is restricted`);
    return 'restricted';
  }
  const map = { ...DEFAULT_CLASSIFICATION_TIERS, ...(options.classificationTiers ?? {}) };
  // An unclassified column is unknown, not public: it counts as the source's
  // default tier (else restricted), so one `public` column beside an
  // unclassified `ssn` cannot make the product open. A nested property
  // inherits its parent's classification.
  const unknown: TierName = options.tier ?? 'restricted';
  const tiers: TierName[] = [];
  const walk = (props: readonly OdcsProperty[], inherited: boolean) => {
    for (const p of props) {
      if (p.classification !== undefined) tiers.push(map[p.classification.toLowerCase()] ?? 'restricted');
      else if (!inherited) tiers.push(unknown);
      walk(p.properties, inherited || p.classification !== undefined);
    }
  };
  walk(object.properties, false);
  return strictestTier(tiers) ?? unknown;
}

function mapObject(
  contract: OdcsContract,
  object: OdcsObject,
  at: string,
  domain: string,
  database: string | undefined,
  schemaName: string | undefined,
  options: OdcsMapOptions,
  ctx: Ctx,
): RawProduct | undefined {
  const physical = object.physicalName ?? object.name;
  // Written by export odcs: the table exactly as config named it (quoting, a DuckDB catalog).
  const exact = typeof object.customProperties.meshwatchTable === 'string' ? object.customProperties.meshwatchTable : undefined;
  // A physical name may already be qualified (`schema.table`); then it is used as written.
  const table = exact ?? (physical.includes('.') ? physical : tableName([database, schemaName ?? 'main', physical]));
  if (exact === undefined && !physical.includes('.') && schemaName === undefined) {
    ctx.note(at, `no server names a schema: the table is taken as ${table} (set schema on the source entry)`);
  }
  const columns: RawColumn[] = [];
  const contractRules: RawContract = {};
  const columnOf = new Map<string, string>();
  const pk: Array<{ column: string; position: number }> = [];
  object.properties.forEach((prop, j) => {
    const pat = `${at}.properties[${j}]`;
    const column = columnOfProperty(prop);
    columnOf.set(prop.name, column);
    columnOf.set(prop.physicalName ?? prop.name, column);
    const nullable = prop.customProperties.meshwatchNullable === false ? { nullable: false } : {};
    columns.push(prop.physicalType !== undefined ? { name: column, type: prop.physicalType, ...nullable } : { name: column, ...nullable });
    if (prop.v2Keys.length > 0) ctx.note(pat, `${prop.v2Keys.join(' and ')} are ODCS v2 keys: read as required / unique`);
    if (prop.required) (contractRules.notNull ??= []).push(column);
    if (prop.unique) (contractRules.unique ??= []).push(column);
    if (prop.primaryKey) pk.push({ column, position: prop.primaryKeyPosition ?? j });
    mapTypeOptions(prop, column, pat, contractRules, ctx);
    mapMeshwatchProperties(prop, column, contractRules);
    if (prop.relationships > 0) ctx.note(`${pat}.relationships`, 'relationships (foreign keys) are not checked: a meshwatch reference needs the referenced product as an input');
    prop.quality.forEach((q, k) => mapQuality(q, `${pat}.quality[${k}]`, column, object, contractRules, ctx, `${prop.name}_${k + 1}`));
    noteNested(prop.properties, pat, ctx);
  });
  if (pk.length > 0) {
    const keys = pk.sort((a, b) => a.position - b.position).map((p) => p.column);
    for (const key of keys) if (!(contractRules.notNull ?? []).includes(key)) (contractRules.notNull ??= []).push(key);
    const unique = (contractRules.unique ??= []);
    const key = keys.length === 1 ? keys[0]! : keys;
    if (!unique.some((u) => JSON.stringify(u) === JSON.stringify(key))) unique.push(key);
  }
  object.quality.forEach((q, k) => mapQuality(q, `${at}.quality[${k}]`, undefined, object, contractRules, ctx, `table_${k + 1}`));
  if (object.relationships > 0) ctx.note(`${at}.relationships`, 'relationships (foreign keys) are not checked: a meshwatch reference needs the referenced product as an input');

  const noSchema = object.customProperties.meshwatchSchema === false;
  const closed = object.customProperties.meshwatchAllowExtraColumns === false;
  const product: RawProduct = {
    id: productId(contract, object, domain),
    // Written by export odcs (meshwatchId set) without businessName: the product had no name.
    ...(object.businessName !== undefined || object.customProperties.meshwatchId === undefined ? { name: object.businessName ?? object.name } : {}),
    domain,
    tier: tierOf(contract, object, at, options, ctx),
    // Beside the tier they explain: the object's, else the contract's (export odcs writes them there).
    ...governanceFields(
      {
        tierJustification: object.customProperties.tierJustification ?? contract.customProperties.tierJustification,
        tierReviewedAt: object.customProperties.tierReviewedAt ?? contract.customProperties.tierReviewedAt,
      },
      (field) => (object.customProperties[field] !== undefined ? `${at}.customProperties` : 'customProperties'),
      ctx.note,
    ),
    table,
    ...(object.description !== undefined ? { description: object.description } : {}),
    ...(columns.length > 0 && !noSchema ? { schema: { columns, ...(closed ? { allowExtraColumns: false } : {}) } } : {}),
    ...(Object.keys(contractRules).length > 0 ? { contract: contractRules } : {}),
  };
  const schedule = contract.schema.length === 1 ? contract.customProperties.meshwatchSchedule : undefined;
  if (typeof schedule === 'string') product.schedule = schedule;
  const inputs = contract.schema.length === 1 ? contract.customProperties.meshwatchInputs : undefined;
  if (Array.isArray(inputs)) {
    product.inputs = inputs.filter(
      (i): i is string | { product: string; columns?: string[] } => typeof i === 'string' || (typeof i === 'object' && i !== null && typeof (i as { product?: unknown }).product === 'string'),
    );
  }
  return product;
}

/** A property's column as config writes it; `meshwatchColumn` (export odcs) keeps a quoted name that reads the same unquoted. */
function columnOfProperty(prop: OdcsProperty): string {
  const exact = prop.customProperties.meshwatchColumn;
  return typeof exact === 'string' && exact !== '' ? exact : identifier(prop.physicalName ?? prop.name);
}

/** What `export odcs` keeps in custom properties because ODCS has no field for it. */
function mapMeshwatchProperties(prop: OdcsProperty, column: string, rules: RawContract): void {
  const range = prop.customProperties.meshwatchRange;
  if (range !== null && typeof range === 'object' && !Array.isArray(range)) (rules.range ??= {})[column] = range as RawContract['range'] extends Record<string, infer R> | undefined ? R : never;
  const ref = prop.customProperties.meshwatchReferences;
  if (ref !== null && typeof ref === 'object' && !Array.isArray(ref) && typeof (ref as { product?: unknown }).product === 'string' && typeof (ref as { column?: unknown }).column === 'string') {
    (rules.references ??= {})[column] = ref as { product: string; column: string };
  }
}

function noteNested(props: readonly OdcsProperty[], at: string, ctx: Ctx): void {
  props.forEach((p, i) => {
    const pat = `${at}.properties[${i}]`;
    if (p.quality.length > 0) ctx.note(pat, `quality on nested property "${p.name}" is not checked (only top-level columns are)`);
    noteNested(p.properties, pat, ctx);
  });
}

const TYPE_OPTIONS_READ = new Set(['pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']);

function mapTypeOptions(prop: OdcsProperty, column: string, at: string, rules: RawContract, ctx: Ctx): void {
  const o = prop.logicalTypeOptions;
  const where = `${at}.logicalTypeOptions`;
  const unread = Object.keys(o).filter((k) => !TYPE_OPTIONS_READ.has(k));
  if (unread.length > 0) ctx.note(where, `${unread.join(', ')} ${unread.length === 1 ? 'is' : 'are'} not checked by meshwatch`);
  if (typeof o.pattern === 'string') {
    const problem = regexProblem(o.pattern);
    if (problem === undefined) (rules.pattern ??= {})[column] = o.pattern;
    else ctx.note(where, `pattern ${JSON.stringify(o.pattern)} cannot be run (${problem}): not checked`);
  }
  const min = o.minimum;
  const max = o.maximum;
  // 3.1: exclusiveMinimum is the bound itself; 3.0.2: a boolean that makes `minimum` strict.
  const exMin = typeof o.exclusiveMinimum === 'number' || typeof o.exclusiveMinimum === 'string' ? o.exclusiveMinimum : undefined;
  const exMax = typeof o.exclusiveMaximum === 'number' || typeof o.exclusiveMaximum === 'string' ? o.exclusiveMaximum : undefined;
  const strictMin = exMin !== undefined || o.exclusiveMinimum === true;
  const strictMax = exMax !== undefined || o.exclusiveMaximum === true;
  const lo = exMin ?? min;
  const hi = exMax ?? max;
  const isBound = (v: unknown): v is number | string => typeof v === 'number' || typeof v === 'string';
  if (!isBound(lo) && !isBound(hi)) return;
  if (isBound(lo) && isBound(hi) && strictMin !== strictMax) {
    ctx.note(where, 'a range with one strict and one inclusive bound cannot be checked as one rule: not checked');
    return;
  }
  // meshwatch compares ranges on numbers, dates and timestamps only, with ISO text for the latter.
  const bounds = [lo, hi].filter(isBound);
  const logical = (prop.logicalType ?? '').toLowerCase();
  const family = prop.physicalType !== undefined ? declaredTypeFamily(prop.physicalType) : undefined;
  const comparable =
    (family === undefined || family === 'number' || family === 'date' || family === 'timestamp' || (family === 'other' && ['number', 'integer', 'date', 'timestamp'].includes(logical))) &&
    logical !== 'time' &&
    (bounds.every((b) => typeof b === 'number') || bounds.every((b) => typeof b === 'string' && isDateBound(b)));
  if (!comparable) {
    ctx.note(where, `range ${JSON.stringify(bounds)} on a ${prop.logicalType ?? prop.physicalType ?? 'column'} is not a number, date or timestamp range meshwatch compares: not checked`);
    return;
  }
  const strict = isBound(lo) ? strictMin : strictMax;
  (rules.range ??= {})[column] = { ...(isBound(lo) ? { min: lo } : {}), ...(isBound(hi) ? { max: hi } : {}), ...(strict ? { exclusive: true } : {}) };
}

const COUNT_QUERY = /^\s*select\s+count\s*\(/i;

function mapQuality(q: OdcsQuality, at: string, column: string | undefined, object: OdcsObject, rules: RawContract, ctx: Ctx, fallbackName: string): void {
  const level = severity(q.severity);
  const what = q.name ?? q.description;
  switch (q.type.toLowerCase()) {
    case 'text':
      ctx.note(at, `text rule${what ? ` "${short(what)}"` : ''} has nothing to execute: not checked`);
      return;
    case 'custom':
      ctx.note(at, `custom rule for engine ${q.engine ?? '(none)'} is not run by meshwatch: not checked`);
      return;
    case 'sql':
      mapSql(q, at, object, rules, level, ctx, fallbackName);
      return;
    case 'library':
      break;
    default:
      ctx.note(at, `quality type "${q.type}" is not known: not checked`);
      return;
  }
  const metric = q.metric;
  if (metric === undefined) {
    ctx.note(at, 'library rule names no metric: not checked');
    return;
  }
  if (q.badOperator !== undefined) {
    ctx.note(at, `${q.badOperator} needs a number (mustBeBetween: two): not checked`);
    return;
  }
  const comparison = q.comparison;
  if (comparison === undefined) {
    ctx.note(at, `${metric} has no mustBe* operator: not checked`);
    return;
  }
  const percent = (q.unit ?? '').toLowerCase() === 'percent' || q.unit === '%';
  const thresholdOf = () => {
    const t = badRowThreshold(comparison, percent);
    // A percentage is not a whole number, so a strict bound has no exact inclusive form: say it moved.
    if (t?.maxPercent !== undefined && comparison.op === 'mustBeLessThan') {
      ctx.note(at, `${metric} mustBeLessThan ${comparison.value} percent is checked as maxPercent ${t.maxPercent}: exactly ${comparison.value} % of the rows passes too (maxPercent is inclusive)`);
    }
    return t;
  };
  const cantSay = () => ctx.note(at, `${metric} ${comparison.op} ${JSON.stringify(comparison.value)}${percent ? ' percent' : ''} is not an upper limit on bad rows: not checked`);
  switch (metric) {
    case 'rowCount': {
      if (column !== undefined) {
        ctx.note(at, 'rowCount on a property: checked as the table row count');
      }
      const bounds = percent ? undefined : countBounds(comparison, true);
      if (!bounds) return cantSay();
      rules.rowCount = withSeverity(bounds, level);
      return;
    }
    case 'nullValues': {
      if (column === undefined) return ctx.note(at, 'nullValues on an object names no column: not checked');
      const t = thresholdOf();
      if (!t) return cantSay();
      const plain = Object.keys(t).length === 0 && level === undefined;
      const list = (rules.notNull ??= []).filter((r) => r !== column);
      rules.notNull = [...list, plain ? column : withSeverity({ column, ...t }, level)];
      return;
    }
    case 'missingValues': {
      if (column === undefined) return ctx.note(at, 'missingValues on an object names no column: not checked');
      const missing = q.arguments.missingValues;
      if (Array.isArray(missing) && missing.some((v) => v !== null)) {
        return ctx.note(at, 'missingValues with values other than null cannot be checked natively: not checked');
      }
      const t = thresholdOf();
      if (!t) return cantSay();
      const plain = Object.keys(t).length === 0 && level === undefined;
      (rules.notNull ??= []).push(plain ? column : withSeverity({ column, ...t }, level));
      return;
    }
    case 'duplicateValues': {
      const listed = q.arguments.properties;
      const cols = Array.isArray(listed) ? listed.filter((c): c is string => typeof c === 'string').map((c) => {
            const prop = object.properties.find((p) => p.name === c || p.physicalName === c);
            return prop ? columnOfProperty(prop) : identifier(c);
          }) : column ? [column] : [];
      if (cols.length === 0) return ctx.note(at, 'duplicateValues names no column: not checked');
      const t = thresholdOf();
      if (!t) return cantSay();
      const unique = (rules.unique ??= []);
      if (Object.keys(t).length > 0 || level !== undefined) {
        unique.push(withSeverity({ columns: cols, ...t }, level));
        return;
      }
      const key = cols.length === 1 ? cols[0]! : cols;
      if (!unique.some((u) => JSON.stringify(u) === JSON.stringify(key))) unique.push(key);
      return;
    }
    case 'invalidValues': {
      if (column === undefined) return ctx.note(at, 'invalidValues on an object names no column: not checked');
      const t = thresholdOf();
      if (!t) return cantSay();
      const valid = q.arguments.validValues;
      const regex = q.arguments.pattern;
      const simple = Object.keys(t).length === 0 && level === undefined;
      if (Array.isArray(valid)) {
        const values = valid.filter((v): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean');
        if (valid.includes(null)) ctx.note(`${at}.arguments.validValues`, 'null in validValues is not checked as a value: acceptedValues checks non-null values only, so nulls pass anyway (required or nullValues makes them fail)');
        const other = valid.filter((v) => v !== null && !values.includes(v as string | number | boolean));
        if (other.length > 0) ctx.note(`${at}.arguments.validValues`, `${other.map((v) => JSON.stringify(v)).join(', ')} ${other.length === 1 ? 'is' : 'are'} not a text, number or boolean: not checked`);
        if (values.length === 0) return ctx.note(at, 'invalidValues lists no valid value: not checked');
        (rules.acceptedValues ??= {})[column] = simple ? values : withSeverity({ values, ...t }, level);
        return;
      }
      if (typeof regex === 'string') {
        (rules.pattern ??= {})[column] = simple ? regex : withSeverity({ regex, ...t }, level);
        return;
      }
      return ctx.note(at, 'invalidValues needs arguments.validValues or arguments.pattern: not checked');
    }
    default:
      ctx.note(at, `library metric "${metric}" is not known to meshwatch: not checked`);
  }
}

function short(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

/**
 * ODCS queries name the physical table; meshwatch confines owner SQL to
 * `{{ table }}`, so the object's own name (or a placeholder some tools
 * write) becomes the placeholder. A query naming no such table is a note.
 */
export function templateQuery(query: string, object: OdcsObject): string | undefined {
  let out = query.replace(/\$?\{\{?\s*(object|table|model)\s*\}?\}/g, '{{ table }}');
  const names = [...new Set([object.physicalName, object.name].filter((n): n is string => n !== undefined))].sort((a, b) => b.length - a.length);
  for (const name of names) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`(\\b(?:from|join)\\s+)(?:[A-Za-z0-9_"]+\\.){0,2}"?${escaped}"?(?![A-Za-z0-9_])`, 'gi'), '$1{{ table }}');
  }
  return /\{\{\s*table\s*\}\}/.test(out) ? out.trim() : undefined;
}

function mapSql(q: OdcsQuality, at: string, object: OdcsObject, rules: RawContract, level: ReturnType<typeof severity>, ctx: Ctx, fallbackName: string): void {
  if (q.query === undefined) return ctx.note(at, 'sql rule has no query: not checked');
  if (q.badOperator !== undefined) return ctx.note(at, `${q.badOperator} needs a number (mustBeBetween: two): not checked`);
  if (q.comparison === undefined) return ctx.note(at, 'sql rule has no mustBe* operator: not checked');
  const bounds = countBounds(q.comparison, COUNT_QUERY.test(q.query));
  if (!bounds) {
    return ctx.note(at, `sql rule with ${q.comparison.op} cannot be checked as bounds on the result${q.comparison.op.includes('Than') ? ' (a strict bound needs a count query)' : ''}: not checked`);
  }
  const expression = q.name?.startsWith(EXPRESSION_PREFIX) ? /^SELECT COUNT\(\*\) FROM \S+ WHERE NOT \((.*)\)$/s.exec(q.query.trim()) : null;
  if (expression && q.comparison) {
    const t = badRowThreshold(q.comparison, (q.unit ?? '').toLowerCase() === 'percent');
    if (t) {
      (rules.expressions ??= []).push(withSeverity({ name: q.name!.slice(EXPRESSION_PREFIX.length), expr: expression[1]!, ...t }, level));
      return;
    }
  }
  const query = templateQuery(q.query, object);
  if (query === undefined) return ctx.note(at, `sql rule queries no table named ${object.physicalName ?? object.name}: not checked (meshwatch runs owner SQL on the product's own table only)`);
  const sql = (rules.sql ??= []);
  const name = uniqueName(idPart(q.name ?? `sql_${fallbackName}`), sql.map((s) => s.name));
  const expect = bounds.min !== undefined && bounds.min === bounds.max ? bounds.min : bounds;
  sql.push(withSeverity({ name, query, expect }, level));
}

function uniqueName(name: string, taken: readonly string[]): string {
  if (!taken.includes(name)) return name;
  for (let i = 2; ; i++) if (!taken.includes(`${name}_${i}`)) return `${name}_${i}`;
}

const CHECKED_SLA = new Set(['latency', 'freshness']);

function mapSla(contract: OdcsContract, objects: ReadonlyMap<string, OdcsObject>, out: SourceOutput, ctx: Ctx, engine: Engine): void {
  contract.slaProperties.forEach((sla, i) => {
    const at = `slaProperties[${i}]`;
    if (!CHECKED_SLA.has(sla.property)) {
      ctx.note(at, `SLA ${sla.property} is not checked by meshwatch`);
      return;
    }
    const ms = durationMs(sla.value, sla.unit);
    if (ms === undefined) {
      ctx.note(at, `SLA ${sla.property} value ${JSON.stringify(sla.value)}${sla.unit ? ` ${sla.unit}` : ''} is not a duration: not checked`);
      return;
    }
    const element = sla.element ?? contract.slaDefaultElement;
    const products = out.products;
    let target: (typeof products)[number] | undefined;
    let column: string | undefined;
    if (element === undefined) {
      if (products.length !== 1) return ctx.note(at, `SLA ${sla.property} names no element and the contract has ${products.length} products: not checked`);
      target = products[0];
    } else {
      const [objectName, columnName, ...more] = element.split('.');
      const object = objectName !== undefined ? objects.get(objectName) : undefined;
      const index = object ? contract.schema.indexOf(object) : -1;
      target = products.find((p) => p.path === `schema[${index}]`);
      if (!object || !target || more.length > 0) {
        return ctx.note(at, `SLA ${sla.property} element "${element}" names no table of this contract: not checked`);
      }
      if (columnName !== undefined) {
        const prop = object.properties.find((p) => p.name === columnName || p.physicalName === columnName);
        if (!prop) return ctx.note(at, `SLA ${sla.property} element "${element}" names no column of ${object.name}: not checked`);
        column = columnOfProperty(prop);
      }
    }
    if (!target) return;
    if (column === undefined && engine === 'duckdb') {
      return ctx.note(at, `SLA ${sla.property} names no timestamp column and DuckDB records no last-modified time: not checked`);
    }
    const current = target.value.freshness;
    const maxAge = durationText(ms);
    // Two SLAs on one table (latency and freshness): the stricter one is checked.
    if (current && (durationMs(current.maxAge) ?? Infinity) <= ms) return;
    const warnText = contract.customProperties.meshwatchFreshnessWarnAge;
    const warnMs = typeof warnText === 'string' ? durationMs(warnText) : undefined;
    target.value.freshness = { ...(column !== undefined ? { column } : {}), maxAge, ...(warnMs !== undefined && warnMs < ms ? { warnAge: durationText(warnMs) } : {}) };
  });
}
