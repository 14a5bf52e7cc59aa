/**
 * Loads a config directory (meshwatch.yaml, products/*.yaml, consumers/*.yaml)
 * into the typed model. Every problem in every file is collected first and
 * reported together in one ConfigError; nothing partial is ever returned.
 *
 * The work is split so that an incremental reload (catalog/mesh-loader.ts)
 * can redo it for a few files: each file becomes an entry on its own
 * (`loadWorkspaceFile`, `loadProductFile`, `loadConsumerFile`), and
 * `assembleConfig` applies the cross-file rules to a set of entries.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { loadSourceProducts } from '../sources/load.js';
import { checkContractRules } from './contract-rules.js';
import { checkDomains, checkReferences, checkWarehouseFit } from './cross-file.js';
import { discoverConfigFiles, type ConfigFiles, type Discovery } from './discover.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { fastConsumersFile, fastProductFile } from './fast-validate.js';
import { parseConfigText, formatPath, type ParsedFile } from './parse-file.js';
import { parseSchedule } from './schedule.js';
import { consumersFileSchema, describeValue, productFileSchema, workspaceFileSchema, type ProductFile, type WorkspaceFile } from './schema.js';
import type { Consumer, MeshConfig, Product, Workspace } from './types.js';

export { WORKSPACE_FILE, discoverConfigFiles, type ConfigFiles, type Discovery } from './discover.js';
export { formatPath } from './parse-file.js';

export interface LoadOptions {
  /** Environment for `${VAR}` interpolation; defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
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

const NO_PROBLEMS: readonly ConfigProblem[] = Object.freeze([]);
/** One shared empty list for the (many) files without problems. */
const noProblems = (problems: ConfigProblem[]): readonly ConfigProblem[] => (problems.length === 0 ? NO_PROBLEMS : problems);

export type FileText = { readonly text: string } | { readonly error: string };

/** Largest config file read: a product file is a few KB; a bigger one is a mistake or an attack on memory. */
export const MAX_FILE_BYTES = 1024 * 1024;

/** One buffer for every read (reads are synchronous), a byte longer than the largest file allowed. */
let readBuffer: Buffer | undefined;

/**
 * Reads one file. Synchronous on purpose: for 60,000 small files, sync reads
 * take about 0.7 s here against 5 s for fs/promises (four thread-pool round
 * trips per file); a reload reads only the files that changed.
 *
 * open, read into a shared buffer until end of file or one byte past the
 * limit, close: the size is known without an fstat, nothing beyond the limit
 * is read, and no buffer is allocated per file (0.55-0.70 s -> 0.39-0.46 s of
 * CPU for 60,000 files, against open + fstat + readFileSync).
 */
export function readConfigText(root: string, file: string): FileText {
  let fd: number | undefined;
  try {
    fd = openSync(path.join(root, file), 'r');
    const buffer = (readBuffer ??= Buffer.allocUnsafe(MAX_FILE_BYTES + 1));
    let size = 0;
    for (;;) {
      const n = readSync(fd, buffer, size, buffer.length - size, null);
      if (n === 0) break;
      size += n;
      if (size === buffer.length) {
        const total = fstatSync(fd).size;
        return { error: `file too large (${(total / 1024 / 1024).toFixed(1)} MiB; at most 1 MiB per config file)` };
      }
    }
    return { text: buffer.toString('utf8', 0, size) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'expected a file, found a folder' : `cannot read file (${code ?? String(err)})` };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function parseContent(file: string, content: FileText, env: NodeJS.ProcessEnv, problems: ConfigProblem[]): ParsedFile | undefined {
  if ('error' in content) {
    problems.push({ file, path: '', message: content.error });
    return undefined;
  }
  return parseConfigText(file, content.text, env, problems);
}

/** `within`: where in a source file (ODCS, dbt) the validated object came from, prefixed to the path. */
function validate<T>(schema: z.ZodType<T>, parsed: ParsedFile, problems: ConfigProblem[], within?: string): T | undefined {
  const value = parsed.value ?? {};
  // The inputs in issues are only needed for messages: asking for them costs a third more on every valid file.
  const first = schema.safeParse(value);
  if (first.success) return first.data;
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const at = formatPath(issue.path);
    problems.push({ file: parsed.file, path: within === undefined ? at : `${within} (as ${at})`, message: withoutEnvValue(issueMessage(issue), issue.path, parsed) });
  }
  return undefined;
}

/**
 * A value that came from `${ENV}` is never echoed (it is usually a secret):
 * `got "<the password>"` becomes `got the value of ${SNOWFLAKE_URL}`.
 */
function withoutEnvValue(message: string, at: readonly PropertyKey[], parsed: ParsedFile): string {
  if (parsed.fromEnv.size === 0) return message;
  const names = parsed.fromEnv.get(at.map(String).join('.'));
  if (!names) return message;
  let value: unknown = parsed.value;
  for (const part of at) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[part] : undefined;
  if (typeof value !== 'string') return message;
  const what = `the value of ${names.map((n) => `\${${n}}`).join(' and ')}`;
  let out = message.replaceAll(describeValue(value), what);
  if (value.length > 0) out = out.replaceAll(value, what);
  return out;
}

/** meshwatch.yaml, validated; `workspace` is set only when it is fully valid. */
export interface WorkspaceEntry {
  readonly file: string;
  readonly problems: readonly ConfigProblem[];
  readonly raw?: WorkspaceFile | undefined;
  readonly workspace?: Workspace | undefined;
}

/** One product file. `product` is set when the file validated (its schedule may still be a problem, then `problems` says so). */
export interface ProductEntry {
  readonly file: string;
  readonly problems: readonly ConfigProblem[];
  readonly product?: Product | undefined;
  /** The `id` of a file that failed validation: references to it are not reported again. */
  readonly invalidId?: string | undefined;
  /** The validated file, kept so that a changed workspace (time zone, default schedule) can re-derive the product. */
  readonly raw?: ProductFile | undefined;
}

export interface ConsumerFileEntry {
  readonly file: string;
  readonly problems: readonly ConfigProblem[];
  readonly consumers: readonly Consumer[];
}

export function loadWorkspaceFile(root: string, file: string, content: FileText, env: NodeJS.ProcessEnv): WorkspaceEntry {
  const problems: ConfigProblem[] = [];
  const parsed = parseContent(file, content, env, problems);
  const raw = parsed && validate(workspaceFileSchema, parsed, problems);
  if (!raw || !parsed) return { file, problems };
  checkSecretsFromEnv(file, raw, parsed.fromEnv, problems);
  const { defaults, warehouse } = raw;
  const schedule = parseSchedule(defaults.schedule, defaults.timezone);
  if (typeof schedule === 'string') {
    problems.push({ file, path: 'defaults.schedule', message: schedule });
    return { file, problems, raw };
  }
  const workspace: Workspace = {
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
    defaults: {
      schedule,
      timezone: defaults.timezone,
      concurrency: defaults.concurrency,
      queryTimeoutMs: defaults.queryTimeout.ms,
      futureToleranceMs: defaults.futureTolerance.ms,
      massMissing: defaults.massMissing,
    },
    platform: raw.platform,
    redis: raw.redis,
    history: { results: raw.history.results, maxAgeMs: raw.history.maxAge.ms },
    escalation: { remindMs: raw.escalation.remind.ms },
    slack: raw.slack,
    domains: raw.domains,
  };
  return { file, problems, raw, workspace };
}

export function loadProductFile(file: string, content: FileText, env: NodeJS.ProcessEnv, workspace: Workspace | undefined): ProductEntry {
  const problems: ConfigProblem[] = [];
  const parsed = parseContent(file, content, env, problems);
  const raw = parsed && (fastProductFile(parsed.value) ?? validate(productFileSchema, parsed, problems));
  if (!raw) {
    const id = (parsed?.value as { id?: unknown } | null | undefined)?.id;
    return { file, problems, invalidId: typeof id === 'string' ? id : undefined };
  }
  return productEntryFor(file, raw, workspace, problems);
}

/** The product of a validated file under a workspace's defaults (schedule, time zone). */
export function productEntryFor(file: string, raw: ProductFile, workspace: Workspace | undefined, problems: ConfigProblem[] = []): ProductEntry {
  const timezone = workspace?.defaults.timezone ?? 'UTC';
  let schedule = raw.schedule === undefined ? workspace?.defaults.schedule : parseSchedule(raw.schedule, timezone);
  if (typeof schedule === 'string') {
    problems.push({ file, path: 'schedule', message: schedule });
    schedule = undefined;
  }
  // The placeholder only lets the cross-file checks see this product; a
  // problem is already recorded (or the workspace is invalid), so the config
  // is never returned with it.
  const product: Product = withFields(raw, { schedule: schedule ?? { kind: 'every', everyMs: 0, text: 'invalid' }, file });
  return { file, problems: noProblems(problems), product, raw };
}

export function loadConsumerFile(file: string, content: FileText, env: NodeJS.ProcessEnv): ConsumerFileEntry {
  const problems: ConfigProblem[] = [];
  const parsed = parseContent(file, content, env, problems);
  const raw = parsed && (fastConsumersFile(parsed.value) ?? validate(consumersFileSchema, parsed, problems));
  if (!raw) return { file, problems, consumers: [] };
  const consumers = raw.consumers.map((consumer): Consumer => withFields(consumer, { source: file }));
  return { file, problems: noProblems(problems), consumers };
}

/**
 * `{ ...base, ...extra }` without the spread: V8 (Node 20) gives every object
 * made by a spread that has gone megamorphic its own hidden class, so 60,000
 * products and 120,000 consumers had 180,000 classes (memory, GC, and every
 * later `product.inputs` a megamorphic lookup). Object.assign onto `{}` walks
 * the shared transition tree: one class for all objects of the same keys.
 */
export function withFields<T extends object, U extends object>(base: T, extra: U): T & U {
  return Object.assign({}, base, extra);
}

export type Assembled = { readonly config: MeshConfig } | { readonly problems: readonly ConfigProblem[] };

/**
 * Entries (in file order) → the config, or every problem: the per-file ones in
 * file order, then the cross-file rules. The one place that decides validity,
 * for full loads and reloads alike.
 */
export function assembleConfig(
  root: string,
  workspaceEntry: WorkspaceEntry,
  productEntries: readonly ProductEntry[],
  consumerEntries: readonly ConsumerFileEntry[],
  discovery: Pick<Discovery, 'problems' | 'warnings'>,
): Assembled {
  const problems: ConfigProblem[] = [...discovery.problems, ...workspaceEntry.problems];
  const products: Product[] = [];
  const invalidProductIds = new Set<string>();
  for (const entry of productEntries) {
    for (const problem of entry.problems) problems.push(problem);
    if (entry.product) products.push(entry.product);
    else if (entry.invalidId !== undefined) invalidProductIds.add(entry.invalidId);
  }
  const consumers: Consumer[] = [];
  for (const entry of consumerEntries) {
    for (const problem of entry.problems) problems.push(problem);
    for (const consumer of entry.consumers) consumers.push(consumer);
  }
  const { workspace, raw } = workspaceEntry;
  if (raw) checkDomains(workspaceEntry.file, raw.domains, problems);
  if (workspace) checkWarehouseFit(workspace, products, problems, workspaceEntry.file);
  checkReferences({ workspace, products, consumers, invalidProductIds }, problems);
  checkContractRules(products, workspace?.warehouse.type ?? 'duckdb', problems);
  if (problems.length > 0 || !workspace) return { problems };
  return { config: { dir: root, workspace, products, consumers, warnings: configWarnings(discovery.warnings, products) } };
}

/** Warnings of a valid config: entries not read, and a config that checks nothing. */
export function configWarnings(discovered: readonly ConfigProblem[], products: readonly Product[]): readonly ConfigProblem[] {
  if (products.length > 0) return discovered;
  return [...discovered, { file: 'products', path: '', message: 'no product is configured: there is nothing to check' }];
}

/** Every file read and turned into an entry: the state a reload starts from. */
export interface LoadedEntries {
  readonly root: string;
  readonly files: ConfigFiles;
  readonly discovery: Discovery;
  readonly workspace: WorkspaceEntry;
  readonly products: readonly ProductEntry[];
  readonly consumers: readonly ConsumerFileEntry[];
}

export interface LoadEntriesOptions extends LoadOptions {
  /** Called with each file's text as it is read (a reload keeps content hashes). */
  readonly onRead?: (file: string, content: FileText) => void;
}

export function checkConfigDir(dir: string): string {
  const root = path.resolve(dir);
  let isDir = false;
  try {
    isDir = statSync(root).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new ConfigError([{ file: dir, path: '', message: 'config directory not found' }]);
  return root;
}

export function loadEntries(dir: string, options: LoadEntriesOptions = {}): LoadedEntries {
  const env = options.env ?? process.env;
  const root = checkConfigDir(dir);
  const discovery = discoverConfigFiles(root);
  const { files } = discovery;
  const read = (file: string) => {
    const content = readConfigText(root, file);
    options.onRead?.(file, content);
    return content;
  };
  const workspace = loadWorkspaceFile(root, files.workspace, read(files.workspace), env);
  const products = files.products.map((file) => loadProductFile(file, read(file), env, workspace.workspace));
  const consumers = files.consumers.map((file) => loadConsumerFile(file, read(file), env));
  return { root, files, discovery, workspace, products, consumers };
}

export async function loadConfig(dir: string, options: LoadOptions = {}): Promise<MeshConfig> {
  const entries = loadEntries(dir, options);
  const sourced = await sourceEntries(entries);
  const assembled = assembleConfig(
    entries.root,
    entries.workspace,
    sourced ? [...entries.products, ...sourced.products] : entries.products,
    sourced ? [...entries.consumers, ...sourced.consumers] : entries.consumers,
    sourced
      ? {
          problems: [...entries.discovery.problems, ...sourced.problems],
          // A folder or file read through `sources:` is read, not skipped.
          warnings: entries.discovery.warnings.filter((w) => !sourced.files.some((f) => f === w.file || f.startsWith(`${w.file}/`))),
        }
      : entries.discovery,
  );
  if ('problems' in assembled) throw new ConfigError(assembled.problems);
  return sourced ? { ...assembled.config, notes: sourced.notes, sourceFiles: sourced.files } : assembled.config;
}

/** Whether meshwatch.yaml names ODCS or dbt sources (the incremental reload does not read them yet). */
export function hasSources(entries: Pick<LoadedEntries, 'workspace'>): boolean {
  return (entries.workspace.raw?.sources.length ?? 0) > 0;
}

/**
 * Products and consumers from `sources:` (ODCS contracts, dbt manifests) as
 * entries like those of products/*.yaml: the same zod schema, the same
 * cross-file rules, so nothing downstream can tell where a product came from.
 */
async function sourceEntries(entries: LoadedEntries): Promise<
  { products: ProductEntry[]; consumers: ConsumerFileEntry[]; problems: ConfigProblem[]; notes: ConfigProblem[]; files: string[] } | undefined
> {
  const raw = entries.workspace.raw;
  if (!raw || !hasSources(entries)) return undefined;
  const workspace = entries.workspace.workspace;
  const fromSources = await loadSourceProducts(entries.root, raw.sources, raw.warehouse.type);
  const problems: ConfigProblem[] = [...fromSources.problems];
  const products: ProductEntry[] = [];
  for (const item of fromSources.products) {
    const itemProblems: ConfigProblem[] = [];
    const product = validate(productFileSchema, { file: item.file, value: item.value, fromEnv: new Map() }, itemProblems, item.path);
    if (!product) products.push({ file: item.file, problems: itemProblems, invalidId: item.value.id });
    else products.push(productEntryFor(item.file, product, workspace, itemProblems));
  }
  const consumers: ConsumerFileEntry[] = fromSources.consumers.map((item) => {
    const itemProblems: ConfigProblem[] = [];
    const parsed = validate(consumersFileSchema, { file: item.file, value: { consumers: [item.value] }, fromEnv: new Map() }, itemProblems, item.path);
    return { file: item.file, problems: itemProblems, consumers: (parsed?.consumers ?? []).map((c): Consumer => ({ ...c, source: item.file })) };
  });
  return { products, consumers, problems, notes: [...fromSources.notes], files: fromSources.files };
}

const SECRET_FIELDS = ['password', 'privateKey', 'privateKeyPass'] as const;

/** Secrets never live in config files: they must come from `${ENV}` (files end up in git). */
function checkSecretsFromEnv(file: string, workspace: WorkspaceFile, fromEnv: ReadonlyMap<string, readonly string[]>, problems: ConfigProblem[]): void {
  const { warehouse } = workspace;
  if (warehouse.type !== 'snowflake') return;
  for (const field of SECRET_FIELDS) {
    if (warehouse[field] !== undefined && !fromEnv.has(`warehouse.${field}`)) {
      problems.push({
        file,
        path: `warehouse.${field}`,
        message: `a secret must come from the environment, e.g. ${field}: \${SNOWFLAKE_${field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}}`,
      });
    }
  }
}
