/**
 * Loads a config directory (meshwatch.yaml, products/*.yaml, consumers/*.yaml)
 * into the typed model. Every problem in every file is collected first and
 * reported together in one ConfigError; nothing partial is ever returned.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { mapConcurrent } from '../core/concurrency.js';
import { didYouMean } from '../core/suggest.js';
import { interpolateEnv } from './env.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { columnKey, formatTableRef } from './identifier.js';
import { ENGINE_CAPABILITIES } from './engines.js';
import { parseSchedule } from './schedule.js';
import { consumersFileSchema, describeValue, productFileSchema, workspaceFileSchema, type WorkspaceFile } from './schema.js';
import type { Consumer, MeshConfig, Product, Workspace } from './types.js';
import { findCycles } from './cycles.js';
import { loadSourceProducts } from '../sources/load.js';
import { checkContractRules } from './contract-rules.js';

export const WORKSPACE_FILE = 'meshwatch.yaml';

export interface LoadOptions {
  /** Environment for `${VAR}` interpolation; defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

type PathPart = string | number | symbol;

export function formatPath(parts: readonly PathPart[]): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  const input = 'input' in issue ? issue.input : undefined;
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_type':
      return issue.message.startsWith('Invalid input') ? `expected ${issue.expected}, got ${describeValue(input)}` : issue.message;
    case 'invalid_value':
      return issue.message.startsWith('Invalid')
        ? `expected one of ${issue.values.map((v) => String(v)).join(', ')}, got ${describeValue(input)}`
        : issue.message;
    case 'too_small':
      return issue.message.startsWith('Too small') ? `expected at least ${String(issue.minimum)}, got ${describeValue(input)}` : issue.message;
    case 'too_big':
      return issue.message.startsWith('Too big') ? `expected at most ${String(issue.maximum)}, got ${describeValue(input)}` : issue.message;
    default:
      return issue.message;
  }
}

interface ParsedFile {
  readonly file: string;
  readonly value: unknown;
  /** Dotted paths whose values came from `${ENV}` placeholders. */
  readonly fromEnv: ReadonlySet<string>;
}

type FileText = { text: string } | { error: string };

/** Reads files concurrently (a mesh can have tens of thousands), keeping their order. */
async function readAll(dir: string, files: readonly string[]): Promise<FileText[]> {
  return mapConcurrent(files, 64, async (file) => {
    try {
      return { text: await readFile(path.join(dir, file), 'utf8') };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return { error: code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(err)})` };
    }
  });
}

function parseYaml(file: string, content: FileText, env: NodeJS.ProcessEnv, problems: ConfigProblem[]): ParsedFile | undefined {
  if ('error' in content) {
    problems.push({ file, path: '', message: content.error });
    return undefined;
  }
  const { text } = content;
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const where = error.linePos?.[0];
      const location = where ? `line ${where.line}, column ${where.col}` : '';
      const text = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      problems.push({ file, path: location, message: `invalid YAML: ${text}` });
    }
    return undefined;
  }
  const envProblems: Array<{ path: (string | number)[]; message: string }> = [];
  const fromEnv = new Set<string>();
  const value = interpolateEnv(doc.toJS(), env, envProblems, [], fromEnv);
  for (const problem of envProblems) problems.push({ file, path: formatPath(problem.path), message: problem.message });
  return envProblems.length > 0 ? undefined : { file, value, fromEnv };
}

async function listYaml(dir: string, sub: string): Promise<string[]> {
  try {
    const entries = await readdir(path.join(dir, sub), { withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
      .map((e) => `${sub}/${e.name}`)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** `within`: where in a source file (ODCS, dbt) the validated object came from, prefixed to the path. */
function validate<T>(schema: z.ZodType<T>, parsed: ParsedFile, problems: ConfigProblem[], within?: string): T | undefined {
  const result = schema.safeParse(parsed.value ?? {}, { reportInput: true });
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const at = formatPath(issue.path);
    problems.push({ file: parsed.file, path: within === undefined ? at : `${within} (as ${at})`, message: issueMessage(issue) });
  }
  return undefined;
}

export async function loadConfig(dir: string, options: LoadOptions = {}): Promise<MeshConfig> {
  const env = options.env ?? process.env;
  const root = path.resolve(dir);
  const problems: ConfigProblem[] = [];

  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw new ConfigError([{ file: dir, path: '', message: 'config directory not found' }]);

  const [workspaceText] = await readAll(root, [WORKSPACE_FILE]);
  const workspaceFile = parseYaml(WORKSPACE_FILE, workspaceText!, env, problems);
  const workspaceRaw = workspaceFile && validate(workspaceFileSchema, workspaceFile, problems);

  let workspace: Workspace | undefined;
  if (workspaceRaw && workspaceFile) checkSecretsFromEnv(workspaceRaw, workspaceFile.fromEnv, problems);
  if (workspaceRaw) {
    const { defaults, warehouse } = workspaceRaw;
    const schedule = parseSchedule(defaults.schedule, defaults.timezone);
    if (typeof schedule === 'string') problems.push({ file: WORKSPACE_FILE, path: 'defaults.schedule', message: schedule });
    else {
      workspace = {
        warehouse:
          warehouse.type === 'duckdb'
            ? {
                type: 'duckdb',
                path: path.resolve(root, warehouse.path),
                // DuckDB's own rule: the file name up to its first dot (`my.data.duckdb` → `my`).
                catalog: path.basename(warehouse.path).split('.')[0] ?? '',
              }
            : {
                ...warehouse,
                // Like the DuckDB path, a key file is found relative to the config directory.
                ...(warehouse.privateKeyPath !== undefined ? { privateKeyPath: path.resolve(root, warehouse.privateKeyPath) } : {}),
              },
        defaults: { schedule, timezone: defaults.timezone, concurrency: defaults.concurrency, queryTimeoutMs: defaults.queryTimeout.ms,
          futureToleranceMs: defaults.futureTolerance.ms,
          massMissing: defaults.massMissing,
        },
        platform: workspaceRaw.platform,
        slack: workspaceRaw.slack,
        domains: workspaceRaw.domains,
      };
    }
  }

  const products: Product[] = [];
  /** Ids of product files that failed validation: known, so references to them are not reported again. */
  const invalidProductIds = new Set<string>();
  const productFiles = await listYaml(root, 'products');
  const productTexts = await readAll(root, productFiles);
  for (const [i, file] of productFiles.entries()) {
    const parsed = parseYaml(file, productTexts[i]!, env, problems);
    const raw = parsed && validate(productFileSchema, parsed, problems);
    if (!raw) {
      const id = (parsed?.value as { id?: unknown } | null | undefined)?.id;
      if (typeof id === 'string') invalidProductIds.add(id);
      continue;
    }
    const timezone = workspace?.defaults.timezone ?? 'UTC';
    let schedule = raw.schedule === undefined ? workspace?.defaults.schedule : parseSchedule(raw.schedule, timezone);
    if (typeof schedule === 'string') {
      problems.push({ file, path: 'schedule', message: schedule });
      schedule = undefined;
    }
    // The placeholder only lets the cross-file checks below see this product;
    // a problem is already recorded, so the config is never returned.
    products.push({ ...raw, schedule: schedule ?? { kind: 'every', everyMs: 0, text: 'invalid' }, file });
  }

  // ODCS contracts and dbt manifests named by `sources:` give products like products/*.yaml.
  const fromSources = workspaceRaw ? await loadSourceProducts(root, workspaceRaw.sources, workspaceRaw.warehouse.type) : undefined;
  const notes = fromSources?.notes ?? [];
  const sourcedConsumers: Array<{ file: string; value: unknown; path: string }> = [];
  if (fromSources) {
    problems.push(...fromSources.problems);
    for (const item of fromSources.products) {
      const raw = validate(productFileSchema, { file: item.file, value: item.value, fromEnv: new Set() }, problems, item.path);
      if (!raw) {
        invalidProductIds.add(item.value.id);
        continue;
      }
      let schedule = raw.schedule === undefined ? workspace?.defaults.schedule : parseSchedule(raw.schedule, workspace?.defaults.timezone ?? 'UTC');
      if (typeof schedule === 'string') {
        problems.push({ file: item.file, path: `${item.path} (as schedule)`, message: schedule });
        schedule = undefined;
      }
      products.push({ ...raw, schedule: schedule ?? { kind: 'every', everyMs: 0, text: 'invalid' }, file: item.file });
    }
    sourcedConsumers.push(...fromSources.consumers);
  }

  const consumers: Consumer[] = [];
  /** Position of each consumer in its file, for problem paths like `consumers[2].uses[0]`. */
  const consumerIndex = new Map<Consumer, number>();
  const consumerFiles = await listYaml(root, 'consumers');
  const consumerTexts = await readAll(root, consumerFiles);
  for (const [i, file] of consumerFiles.entries()) {
    const parsed = parseYaml(file, consumerTexts[i]!, env, problems);
    const raw = parsed && validate(consumersFileSchema, parsed, problems);
    if (!raw) continue;
    raw.consumers.forEach((consumer, index) => {
      const entry: Consumer = { ...consumer, source: file };
      consumerIndex.set(entry, index);
      consumers.push(entry);
    });
  }

  for (const item of sourcedConsumers) {
    const raw = validate(consumersFileSchema, { file: item.file, value: { consumers: [item.value] }, fromEnv: new Set() }, problems, item.path);
    if (!raw) continue;
    for (const consumer of raw.consumers) consumers.push({ ...consumer, source: item.file });
  }

  if (workspaceRaw) checkDomains(workspaceRaw.domains, problems);
  if (workspace) checkWarehouseFit(workspace, products, problems);
  checkReferences(workspace, products, consumers, consumerIndex, invalidProductIds, problems);
  checkContractRules(products, workspace?.warehouse.type ?? 'duckdb', problems);

  if (problems.length > 0 || !workspace) throw new ConfigError(problems);
  return { dir: root, workspace, products, consumers, ...(fromSources ? { notes, sourceFiles: fromSources.files } : {}) };
}

function checkDomains(domains: Workspace['domains'], problems: ConfigProblem[]): void {
  const seen = new Map<string, number>();
  domains.forEach((domain, i) => {
    const first = seen.get(domain.id);
    if (first !== undefined) {
      problems.push({ file: WORKSPACE_FILE, path: `domains[${i}].id`, message: `duplicate domain id "${domain.id}" (also at domains[${first}])` });
    } else seen.set(domain.id, i);
  });
}

const SECRET_FIELDS = ['password', 'privateKey', 'privateKeyPass'] as const;

/** Secrets never live in config files: they must come from `${ENV}` (files end up in git). */
function checkSecretsFromEnv(workspace: WorkspaceFile, fromEnv: ReadonlySet<string>, problems: ConfigProblem[]): void {
  const { warehouse } = workspace;
  if (warehouse.type !== 'snowflake') return;
  for (const field of SECRET_FIELDS) {
    if (warehouse[field] !== undefined && !fromEnv.has(`warehouse.${field}`)) {
      problems.push({
        file: WORKSPACE_FILE,
        path: `warehouse.${field}`,
        message: `a secret must come from the environment, e.g. ${field}: \${SNOWFLAKE_${field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}}`,
      });
    }
  }
}

/** Rules that depend on the configured warehouse engine. */
function checkWarehouseFit(workspace: Workspace, products: Product[], problems: ConfigProblem[]): void {
  const { warehouse } = workspace;
  for (const product of products) {
    if (product.freshness && product.freshness.column === undefined && !ENGINE_CAPABILITIES[warehouse.type].lastModified) {
      problems.push({
        file: product.file,
        path: 'freshness.column',
        message: `${product.id}: ${warehouse.type} records no last-modified time; declare the timestamp column that freshness should read`,
      });
    }
    if (warehouse.type === 'snowflake' && product.table.database === undefined && warehouse.database === undefined) {
      problems.push({
        file: product.file,
        path: 'table',
        message: `${formatTableRef(product.table)} names no database: write DB.SCHEMA.TABLE or set warehouse.database in ${WORKSPACE_FILE}`,
      });
    }
  }
}

/** Cross-file rules: ids unique, references resolve, columns exist in declared schemas, lineage acyclic. */
function checkReferences(
  workspace: Workspace | undefined,
  products: Product[],
  consumers: Consumer[],
  consumerIndex: ReadonlyMap<Consumer, number>,
  invalidProductIds: ReadonlySet<string>,
  problems: ConfigProblem[],
): void {
  const consumerPath = (consumer: Consumer, rest: string) => `consumers[${consumerIndex.get(consumer) ?? 0}].${rest}`;
  const byId = new Map<string, Product>();
  for (const product of products) {
    const first = byId.get(product.id);
    if (first) problems.push({ file: product.file, path: 'id', message: `duplicate product id "${product.id}" (also in ${first.file})` });
    else byId.set(product.id, product);
  }
  const consumerFiles = new Map<string, string>();
  consumers.forEach((consumer) => {
    const first = consumerFiles.get(consumer.id);
    if (first !== undefined) {
      problems.push({ file: consumer.source, path: consumerPath(consumer, 'id'), message: `duplicate consumer id "${consumer.id}" (also in ${first})` });
    } else consumerFiles.set(consumer.id, consumer.source);
  });

  const domainIds = workspace ? new Set(workspace.domains.map((d) => d.id)) : undefined;
  const unknownDomain = (id: string) => domainIds !== undefined && !domainIds.has(id);
  const productIds = [...byId.keys()];

  /** Columns a product declares (comparison key → name); undefined when it declares no schema (nothing to check against). */
  const engine = workspace?.warehouse.type ?? 'duckdb';
  const key = (name: string) => columnKey(name, engine);
  const declared = (product: Product): Map<string, string> | undefined =>
    product.schema ? new Map(product.schema.columns.map((c) => [key(c.name), c.name])) : undefined;
  const declaredById = new Map<string, Map<string, string> | undefined>(products.map((p) => [p.id, declared(p)]));

  const checkColumns = (file: string, at: string, productId: string, columns: readonly string[] | undefined, whose: string) => {
    const known = declaredById.get(productId);
    if (!known || !columns) return;
    columns.forEach((column, i) => {
      if (!known.has(key(column))) {
        problems.push({ file, path: `${at}[${i}]`, message: `${whose} has no column "${column}" in its declared schema${didYouMean(column, [...known.values()])}` });
      }
    });
  };

  for (const product of products) {
    if (unknownDomain(product.domain)) {
      problems.push({ file: product.file, path: 'domain', message: `unknown domain "${product.domain}"${didYouMean(product.domain, domainIds ?? [])}` });
    }
    product.inputs.forEach((input, i) => {
      if (invalidProductIds.has(input.product)) return;
      if (!byId.has(input.product)) {
        problems.push({ file: product.file, path: `inputs[${i}]`, message: `unknown product "${input.product}"${didYouMean(input.product, productIds)}` });
      } else checkColumns(product.file, `inputs[${i}].columns`, input.product, input.columns, input.product);
    });
    if (product.freshness?.column) {
      const known = declaredById.get(product.id);
      if (known && !known.has(key(product.freshness.column))) {
        problems.push({ file: product.file, path: 'freshness.column', message: `column "${product.freshness.column}" is not in schema.columns` });
      }
    }
  }

  for (const consumer of consumers) {
    if (unknownDomain(consumer.domain)) {
      problems.push({
        file: consumer.source,
        path: consumerPath(consumer, 'domain'),
        message: `unknown domain "${consumer.domain}"${didYouMean(consumer.domain, domainIds ?? [])}`,
      });
    }
    consumer.uses.forEach((use, i) => {
      const at = consumerPath(consumer, `uses[${i}]`);
      if (invalidProductIds.has(use.product)) return;
      if (!byId.has(use.product)) {
        problems.push({ file: consumer.source, path: at, message: `unknown product "${use.product}"${didYouMean(use.product, productIds)}` });
      } else checkColumns(consumer.source, `${at}.columns`, use.product, use.columns, use.product);
    });
  }

  for (const cycle of findCycles(products)) {
    const first = byId.get(cycle[0]!)!;
    problems.push({ file: first.file, path: 'inputs', message: `lineage cycle: ${cycle.join(' → ')}` });
  }
}
