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
import { checkContractRules } from './contract-rules.js';
import { checkDomains, checkReferences, checkWarehouseFit, type DanglingReference } from './cross-file.js';
import { checkTierLineage } from './tier-lineage.js';
import { withDomainHints } from './domain-hints.js';
import { discoverConfigFiles, type ConfigFiles, type Discovery } from './discover.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { fastConsumersFile, fastProductFile } from './fast-validate.js';
import { parseConfigText, formatPath, type ParsedFile } from './parse-file.js';
import { configNotices, notice, noticeLists, type ConfigNotice } from './notices.js';
import { parseSchedule } from './schedule.js';
import { consumersFileSchema, describeValue, productFileSchema, workspaceFileSchema, type ProductFile, type SourceEntry, type WorkspaceFile } from './schema.js';
import type { DomainHint, SourceFileOutput, SourceFileRef, SourceKind, SourceListing, SourceReader } from './source-hook.js';
import type { Consumer, MeshConfig, Product, Workspace } from './types.js';

export { WORKSPACE_FILE, discoverConfigFiles, type ConfigFiles, type Discovery } from './discover.js';
export { formatPath } from './parse-file.js';
export { configNotices, noticeLists } from './notices.js';

export interface LoadOptions {
  /** Environment for `${VAR}` interpolation; defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Reads meshwatch.yaml's `sources:` (ODCS, dbt): passed in from above config (sources/load-config.ts). */
  readonly sources?: SourceReader | undefined;
  /** The clock acknowledged breaking changes' `until` is judged by; defaults to the current time. */
  readonly now?: Date | undefined;
}

/** How the cross-file pass treats what is not a per-file matter (see assembleConfig). */
export interface AssembleOptions {
  readonly now?: Date | undefined;
  /** Preflight: dangling reads (dropped columns, removed products) are collected here instead of being problems. */
  readonly dangling?: DanglingReference[] | undefined;
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
  /** A product from `sources:`: its source kind and where in the source file (its rules that fail the contract rules become notes). */
  readonly origin?: { readonly kind: SourceKind; readonly path: string } | undefined;
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
  if (raw.digests) {
    const digestSchedule = parseSchedule(raw.digests.schedule, raw.digests.timezone ?? defaults.timezone);
    if (typeof digestSchedule === 'string') problems.push({ file, path: 'digests.schedule', message: digestSchedule });
    else if (digestSchedule.kind !== 'cron') problems.push({ file, path: 'digests.schedule', message: `expected a cron expression like "0 9 * * MON", got an interval "${raw.digests.schedule}"` });
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
    approvals: raw.approvals,
    redis: raw.redis,
    history: { results: raw.history.results, maxAgeMs: raw.history.maxAge.ms, incidentRetentionMs: raw.history.incidentRetention.ms },
    escalation: { remindMs: raw.escalation.remind.ms, ...(raw.escalation.escalate === 'off' ? {} : { escalateMs: raw.escalation.escalate.ms }) },
    businessUnits: raw.businessUnits ?? [],
    digests: {
      // Only when configured: a weekly message to every channel is not a default to spring on anyone.
      enabled: raw.digests?.enabled ?? false,
      schedule: raw.digests?.schedule ?? '0 9 * * MON',
      timezone: raw.digests?.timezone ?? defaults.timezone,
      periodMs: raw.digests?.period.ms ?? 7 * 86_400_000,
    },
    slack: raw.slack,
    ...(raw.statusUrl !== undefined ? { statusUrl: raw.statusUrl.replace(/\/+$/, '') } : {}),
    domains: raw.domains,
    governance: {
      tierLineage: raw.governance.tierLineage,
      tierReviewEveryMs: raw.governance.tierReviewEvery.ms,
      ...(raw.governance.repoUrl !== undefined ? { repoUrl: raw.governance.repoUrl } : {}),
    },
    breakingChanges: raw.breakingChanges,
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

/** One file read through `sources:`, as entries like those of products/ and consumers/. */
export interface SourceFileEntry {
  readonly ref: SourceFileRef;
  readonly products: readonly ProductEntry[];
  readonly consumers: readonly ConsumerFileEntry[];
  readonly problems: readonly ConfigProblem[];
  readonly notes: readonly ConfigProblem[];
  readonly warnings: readonly ConfigProblem[];
  readonly domains: readonly DomainHint[];
}

/** What `sources:` gave: the listing (globs expanded) and one entry per file, in listing order. */
export interface SourcedEntries {
  readonly listing: SourceListing;
  readonly files: readonly SourceFileEntry[];
}

/**
 * Entries (in file order) → the config, or every problem: the per-file ones in
 * file order, then the cross-file rules. The one place that decides validity,
 * for full loads and reloads alike. Products from `sources` come after
 * products/ (and their files' problems after discovery's).
 */
export function assembleConfig(
  root: string,
  workspaceEntry: WorkspaceEntry,
  productEntries: readonly ProductEntry[],
  consumerEntries: readonly ConsumerFileEntry[],
  discovery: Pick<Discovery, 'problems' | 'warnings'>,
  sourced?: SourcedEntries,
  options: AssembleOptions = {},
): Assembled {
  const problems: ConfigProblem[] = [...discovery.problems];
  if (sourced) {
    problems.push(...sourced.listing.problems);
    for (const file of sourced.files) problems.push(...file.problems);
  }
  problems.push(...workspaceEntry.problems);
  const products: Product[] = [];
  const invalidProductIds = new Set<string>();
  const origins = new Map<Product, NonNullable<ProductEntry['origin']>>();
  const addProduct = (entry: ProductEntry) => {
    for (const problem of entry.problems) problems.push(problem);
    if (entry.product) {
      products.push(entry.product);
      if (entry.origin) origins.set(entry.product, entry.origin);
    } else if (entry.invalidId !== undefined) invalidProductIds.add(entry.invalidId);
  };
  productEntries.forEach(addProduct);
  sourced?.files.forEach((file) => file.products.forEach(addProduct));
  const consumers: Consumer[] = [];
  const addConsumers = (entry: ConsumerFileEntry) => {
    for (const problem of entry.problems) problems.push(problem);
    for (const consumer of entry.consumers) consumers.push(consumer);
  };
  consumerEntries.forEach(addConsumers);
  sourced?.files.forEach((file) => file.consumers.forEach(addConsumers));
  const { raw } = workspaceEntry;
  let { workspace } = workspaceEntry;
  if (raw) checkDomains(workspaceEntry.file, raw.domains, problems, raw.businessUnits);
  if (workspace) {
    workspace = withDomainHints(workspace, sourced?.files.flatMap((f) => f.domains) ?? [], workspaceEntry.file, problems);
    checkWarehouseFit(workspace, products, problems, workspaceEntry.file);
  }
  const acknowledged: ConfigProblem[] = [];
  checkReferences({ workspace, products, consumers, invalidProductIds }, problems, undefined, undefined, {
    now: options.now,
    warnings: acknowledged,
    dangling: options.dangling,
  });
  const ruleNotes: ConfigNotice[] = [];
  checkContractRules(products, workspace?.warehouse.type ?? 'duckdb', problems, {
    originOf: (product) => origins.get(product)?.path,
    note: (product, note) => ruleNotes.push(notice('note', origins.get(product)?.kind ?? 'config', note)),
  });
  const tierWarnings: ConfigProblem[] = [];
  checkTierLineage(products, productsById(products), workspace?.governance, problems, tierWarnings);
  if (problems.length > 0 || !workspace) return { problems };
  const governance = [...tierWarnings, ...acknowledged].map((w) => notice('warning', 'config', w));
  const notices = configNotices(discovery.warnings, products.length, sourced, [...ruleNotes, ...governance]);
  return { config: { dir: root, workspace, products, consumers, ...noticeLists(notices), ...(sourced ? { sourceFiles: sourced.files.map((f) => f.ref.file) } : {}) } };
}

/** Products by id, the first of a duplicated id winning (duplicates are problems of their own). */
export function productsById(products: readonly Product[]): Map<string, Product> {
  const byId = new Map<string, Product>();
  for (const product of products) if (!byId.has(product.id)) byId.set(product.id, product);
  return byId;
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

/**
 * Loads a config directory in full. With `sources:` in meshwatch.yaml the
 * `sources` reader must be given (the CLI's `loadConfig` in
 * sources/load-config.ts does); without one such a config is refused
 * rather than loaded without its sourced products.
 */
export async function loadConfig(dir: string, options: LoadOptions = {}): Promise<MeshConfig> {
  const assembled = assembleEntries(loadEntries(dir, options), options.sources, { now: options.now });
  if ('problems' in assembled) throw new ConfigError(assembled.problems);
  return assembled.config;
}

export interface PreflightLoadOptions extends LoadOptions {
  /** Replaces meshwatch.yaml's `sources` as read (preflight's --base-manifest). */
  readonly replaceSources?: ((sources: readonly SourceEntry[]) => SourceEntry[]) | undefined;
}

/**
 * A config that may leave readers dangling: consumers and products reading
 * a column the product no longer declares, or a product that is gone. Those
 * reads are returned instead of failing the load (they are what preflight
 * reports); every other problem still throws ConfigError.
 */
export async function loadConfigWithDangling(dir: string, options: PreflightLoadOptions = {}): Promise<{ config: MeshConfig; dangling: DanglingReference[] }> {
  const dangling: DanglingReference[] = [];
  const entries = withReplacedSources(loadEntries(dir, options), options.replaceSources);
  const assembled = assembleEntries(entries, options.sources, { now: options.now, dangling });
  if ('problems' in assembled) throw new ConfigError(assembled.problems);
  return { config: assembled.config, dangling };
}

/** Loaded entries with meshwatch.yaml's `sources` replaced (preflight's --base-manifest). */
export function withReplacedSources(entries: LoadedEntries, replace: PreflightLoadOptions['replaceSources']): LoadedEntries {
  if (!replace || !entries.workspace.raw) return entries;
  return { ...entries, workspace: { ...entries.workspace, raw: { ...entries.workspace.raw, sources: replace(entries.workspace.raw.sources) } } };
}

/** Loaded entries and their sources (read through `reader`) → the config or every problem. */
export function assembleEntries(entries: LoadedEntries, reader: SourceReader | undefined, options: AssembleOptions = {}): Assembled {
  const sourced = readSourceEntries(entries.root, entries.workspace, reader);
  return assembleConfig(entries.root, entries.workspace, entries.products, entries.consumers, entries.discovery, sourced, options);
}

/** Whether meshwatch.yaml names ODCS or dbt sources. */
export function hasSources(entries: Pick<LoadedEntries, 'workspace'>): boolean {
  return (entries.workspace.raw?.sources.length ?? 0) > 0;
}

/** Every file `sources:` names, read through `reader`; undefined without sources. */
export function readSourceEntries(root: string, workspace: WorkspaceEntry, reader: SourceReader | undefined, onRead?: (file: string) => void): SourcedEntries | undefined {
  const raw = workspace.raw;
  if (!raw || raw.sources.length === 0) return undefined;
  // A programming error, not the user's: every entry point passes the reader.
  if (!reader) throw new Error('loadConfig: meshwatch.yaml has sources but no source reader was given (use sources/load-config.ts)');
  const listing = reader.list(root, raw.sources);
  const files = listing.files.map((ref) => {
    onRead?.(ref.file);
    return sourceFileEntry(ref, reader.read(root, raw.sources, ref, raw.warehouse.type), workspace.workspace);
  });
  return { listing, files };
}

/**
 * One source file's products and consumers as entries like those of
 * products/*.yaml: the same zod schema, the same cross-file rules, so
 * nothing downstream can tell where a product came from.
 */
export function sourceFileEntry(ref: SourceFileRef, output: SourceFileOutput, workspace: Workspace | undefined): SourceFileEntry {
  const products = output.products.map((item): ProductEntry => {
    const itemProblems: ConfigProblem[] = [];
    const origin = { kind: ref.kind, path: item.path };
    const product = validate(productFileSchema, { file: item.file, value: item.value, fromEnv: new Map() }, itemProblems, item.path);
    if (!product) return { file: item.file, problems: itemProblems, invalidId: typeof item.value.id === 'string' ? item.value.id : undefined, origin };
    return { ...productEntryFor(item.file, product, workspace, itemProblems), origin };
  });
  const consumers = output.consumers.map((item): ConsumerFileEntry => {
    const itemProblems: ConfigProblem[] = [];
    const parsed = validate(consumersFileSchema, { file: item.file, value: { consumers: [item.value] }, fromEnv: new Map() }, itemProblems, item.path);
    return { file: item.file, problems: itemProblems, consumers: (parsed?.consumers ?? []).map((c): Consumer => ({ ...c, source: item.file })) };
  });
  return { ref, products, consumers, problems: output.problems, notes: output.notes, warnings: output.warnings ?? [], domains: output.domains };
}

const SECRET_FIELDS = ['password', 'privateKey', 'privateKeyPass'] as const;
const SLACK_SECRET_FIELDS = [
  ['botToken', 'SLACK_BOT_TOKEN'],
  ['signingSecret', 'SLACK_SIGNING_SECRET'],
] as const;

/** Secrets never live in config files: they must come from `${ENV}` (files end up in git). */
function checkSecretsFromEnv(file: string, workspace: WorkspaceFile, fromEnv: ReadonlyMap<string, readonly string[]>, problems: ConfigProblem[]): void {
  for (const [field, variable] of SLACK_SECRET_FIELDS) {
    if (workspace.slack?.[field] !== undefined && !fromEnv.has(`slack.${field}`)) {
      problems.push({ file, path: `slack.${field}`, message: `a secret must come from the environment, e.g. ${field}: \${${variable}} (or set ${variable} and leave it out)` });
    }
  }
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
