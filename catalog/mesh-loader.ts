/**
 * The config and Catalog of a running service, reloaded incrementally.
 *
 *   const loader = MeshLoader.open(dir);            // full load; throws ConfigError
 *   loader.config, loader.catalog                    // the config in use
 *   const result = loader.reload(['products/orders.yaml']);   // on SIGHUP
 *   const result = loader.reload();                  // not told: finds changes by stat, then content hash
 *   if (result.ok) use(result.config, result.catalog);
 *   else log(result.problems);                       // the old config and catalog stay in use
 *
 * A reload reads only the files it is given (or that changed size, mtime or
 * inode), skips those whose content hash is unchanged, revalidates each
 * changed file alone, and then applies the cross-file rules to what the
 * change can reach: the changed products and consumers, the products
 * downstream of every id that changed, the consumers of those ids, id
 * duplicates over the whole mesh, and lineage cycles through the changed
 * products. That is sound because the config in use passed every rule: a
 * rule can only newly fail where a change reaches. As soon as that scoped
 * pass finds anything, or when meshwatch.yaml changed (time zone, default
 * schedule, engine and domains reach every file), the full cross-file pass
 * runs over every file's entry (no file is read or parsed again), so the
 * problems are exactly those of a full load, in the same order. The tier
 * lineage check is redone for the changed products and the direct readers
 * of changed ids, the other products' warnings kept; while any acknowledged
 * breaking change is declared, the full pass runs (its warnings depend on
 * every reader and on the clock, `options.now`).
 *
 * Files changed by a rejected reload stay pending: the next reload starts
 * from the config in use plus every change since, so fixing the one bad file
 * is enough. The result is the config and Catalog a full `loadConfig` and
 * `new Catalog` would give (tests/mesh-loader.test.ts compares them deeply).
 *
 * ODCS contracts and dbt manifests named by `sources:` are files of the
 * config too: a reload lists the globs again, re-reads and maps only the
 * source files whose content changed, and then runs the full cross-file
 * pass (their products follow products/ in a full load's order, which the
 * scoped pass does not keep).
 *
 * Synchronous: a reload of one file reads one file; a full load at startup
 * blocks the event loop for the seconds it takes either way.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { checkContractRules } from '../config/contract-rules.js';
import { checkReferences, checkWarehouseFit, DeclaredColumns } from '../config/cross-file.js';
import { configFileKind, WORKSPACE_FILE, WORKSPACE_FILE_ALT } from '../config/discover.js';
import { ConfigError, type ConfigProblem } from '../config/errors.js';
import {
  assembleConfig,
  checkConfigDir,
  configNotices,
  hasSources,
  noticeLists,
  readSourceEntries,
  sourceFileEntry,
  discoverConfigFiles,
  loadConsumerFile,
  loadProductFile,
  loadWorkspaceFile,
  productEntryFor,
  readConfigText,
  type ConfigFiles,
  type ConsumerFileEntry,
  type Discovery,
  type FileText,
  type ProductEntry,
  type SourceFileEntry,
  type SourcedEntries,
  type WorkspaceEntry,
} from '../config/load.js';
import type { SourceFileRef, SourceListing, SourceReader } from '../config/source-hook.js';
import { sourceReader } from '../sources/load.js';
import type { Consumer, MeshConfig, Product } from '../config/types.js';
import { checkTierLineage } from '../config/tier-lineage.js';
import { notice } from '../config/notices.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
import { Catalog, type CatalogChange, type ConsumerSource } from './catalog.js';

export interface MeshLoaderOptions {
  /** Environment for `${VAR}` interpolation; defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Consumer sources beyond config files (Slack subscriptions), kept across reloads. */
  readonly extraSources?: readonly ConsumerSource[];
  /** The clock acknowledged breaking changes' `until` is judged by at each (re)load. */
  readonly now?: (() => Date) | undefined;
}

export type ReloadResult =
  | {
      readonly ok: true;
      readonly config: MeshConfig;
      readonly catalog: Catalog;
      /** Files whose content differed from the config that was in use (empty: nothing to do). */
      readonly changedFiles: readonly string[];
      /** Whether the full cross-file pass ran (meshwatch.yaml changed). */
      readonly full: boolean;
    }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[]; readonly error: ConfigError };

type Kind = 'workspace' | 'product' | 'consumer' | 'source';

interface FileStamp {
  readonly hash: string;
  readonly mtimeMs: number;
  readonly size: number;
  readonly ino: number;
}

/** What the config in use had for a file that has changed since: its entry (undefined: the file did not exist) and stamp. */
interface Accepted<E> {
  readonly entry: E | undefined;
  readonly stamp: FileStamp | undefined;
}

const hashOf = (content: FileText) => createHash('sha1').update('text' in content ? content.text : `\u0000${content.error}`).digest('base64');

/**
 * A source file's stamp, read apart from the reader: manifests are larger
 * than the config file limit, and only the hash is needed here.
 */
function sourceStampOf(root: string, file: string): FileStamp | undefined {
  const absolute = path.resolve(root, file);
  try {
    const info = statSync(absolute);
    return { hash: createHash('sha1').update(readFileSync(absolute)).digest('base64'), mtimeMs: info.mtimeMs, size: info.size, ino: info.ino };
  } catch {
    return undefined;
  }
}

const refKey = (ref: SourceFileRef) => `${ref.index}\u0000${ref.file}`;

function sameListing(a: SourceListing | undefined, b: SourceListing | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function stampOf(root: string, file: string, content: FileText): FileStamp {
  try {
    const info = statSync(path.join(root, file));
    return { hash: hashOf(content), mtimeMs: info.mtimeMs, size: info.size, ino: info.ino };
  } catch {
    return { hash: hashOf(content), mtimeMs: -1, size: -1, ino: -1 };
  }
}

/** Sorted insert/remove on the sorted file lists (the order of a full load). */
function insertSorted(list: string[], file: string): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < file) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo] !== file) list.splice(lo, 0, file);
}

function removeSorted(list: string[], file: string): void {
  const at = list.indexOf(file);
  if (at !== -1) list.splice(at, 1);
}

export class MeshLoader {
  private readonly root: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly now: () => Date;
  private currentConfig: MeshConfig;
  private currentCatalog: Catalog;

  /** The latest entry of every file on disk (valid or not) and the files in full-load order. */
  private workspaceEntry: WorkspaceEntry;
  private readonly productEntries = new Map<string, ProductEntry>();
  private readonly consumerEntries = new Map<string, ConsumerFileEntry>();
  private readonly productFiles: string[];
  private readonly consumerFiles: string[];
  private workspaceFile: string;
  private readonly stamps = new Map<string, FileStamp>();

  /** Files that differ from the config in use, with what the config in use had. */
  private readonly pendingProducts = new Map<string, Accepted<ProductEntry>>();
  private readonly pendingConsumers = new Map<string, Accepted<ConsumerFileEntry>>();
  private pendingWorkspace: Accepted<WorkspaceEntry> | undefined;

  private declared: DeclaredColumns;
  private consumerIds: Set<string>;
  /** The config in use's tier lineage warnings by product file, so a reload redoes only the products a change reaches. */
  private tierWarnings = new Map<string, ConfigProblem>();
  /** Product files of the config in use that declare acknowledged breaking changes. */
  private acknowledging = new Set<string>();

  /**
   * `sources:` of meshwatch.yaml: the files they name now, and one entry per
   * file read. A changed source file is read again alone; with sources the
   * cross-file pass always runs in full (their products sit after products/
   * in a full load's order, which the scoped pass does not keep).
   */
  private readonly reader: SourceReader = sourceReader;
  private sourceListing: SourceListing | undefined;
  private readonly sourceEntries = new Map<string, SourceFileEntry>();
  /** A source file or the listing differs from the config in use. */
  private sourcesChanged = false;

  /** The last discovery's problems and warnings (entries not read); a reload told which files changed keeps them. */
  private discovery: Pick<Discovery, 'problems' | 'warnings'>;

  private constructor(
    root: string,
    env: NodeJS.ProcessEnv,
    now: () => Date,
    discovery: Discovery,
    config: MeshConfig,
    catalog: Catalog,
    workspace: WorkspaceEntry,
  ) {
    const files: ConfigFiles = discovery.files;
    this.root = root;
    this.env = env;
    this.now = now;
    this.discovery = discovery;
    this.workspaceFile = files.workspace;
    this.productFiles = [...files.products];
    this.consumerFiles = [...files.consumers];
    this.currentConfig = config;
    this.currentCatalog = catalog;
    this.workspaceEntry = workspace;
    this.declared = new DeclaredColumns(config.workspace.warehouse.type);
    this.consumerIds = new Set(config.consumers.map((c) => c.id));
    this.rememberGovernance(config, catalog);
  }

  /** After a full pass: the tier lineage warnings and acknowledging files of the config now in use. */
  private rememberGovernance(config: MeshConfig, catalog: Catalog): void {
    const warnings: ConfigProblem[] = [];
    // A valid config under `tierLineage: error` has no unjustified finding left: `warn` collects the same set.
    checkTierLineage(config.products, catalog.products, { tierLineage: 'warn' }, [], warnings);
    this.tierWarnings = new Map(warnings.map((w) => [w.file, w]));
    this.acknowledging = new Set(config.products.filter((p) => p.breakingChanges !== undefined && p.breakingChanges.length > 0).map((p) => p.file));
  }

  /** Loads the directory in full; throws ConfigError listing every problem, as loadConfig does. */
  static open(dir: string, options: MeshLoaderOptions = {}): MeshLoader {
    const env = options.env ?? process.env;
    const root = checkConfigDir(dir);
    const discovery = discoverConfigFiles(root);
    const { files } = discovery;
    const stamps = new Map<string, FileStamp>();
    const read = (file: string) => {
      const content = readConfigText(root, file);
      stamps.set(file, stampOf(root, file, content));
      return content;
    };
    const workspace = loadWorkspaceFile(root, files.workspace, read(files.workspace), env);
    const products = files.products.map((file) => loadProductFile(file, read(file), env, workspace.workspace));
    const consumers = files.consumers.map((file) => loadConsumerFile(file, read(file), env));
    const now = options.now ?? (() => new Date());
    const sourced = readSourceEntries(root, workspace, sourceReader, (file) => {
      const stamp = sourceStampOf(root, file);
      if (stamp) stamps.set(file, stamp);
    });
    const assembled = assembleConfig(root, workspace, products, consumers, discovery, sourced, { now: now() });
    if ('problems' in assembled) throw new ConfigError(assembled.problems);
    const loader = new MeshLoader(root, env, now, discovery, assembled.config, new Catalog(assembled.config, options.extraSources), workspace);
    for (const entry of products) loader.productEntries.set(entry.file, entry);
    for (const entry of consumers) loader.consumerEntries.set(entry.file, entry);
    for (const [file, stamp] of stamps) loader.stamps.set(file, stamp);
    loader.sourceListing = sourced?.listing;
    for (const entry of sourced?.files ?? []) loader.sourceEntries.set(refKey(entry.ref), entry);
    return loader;
  }

  /** Whether meshwatch.yaml names ODCS or dbt `sources` (read by this loader like products/). */
  get usesSources(): boolean {
    return hasSources({ workspace: this.workspaceEntry });
  }

  /**
   * A hash of the files as last read (names and content hashes): equal
   * hashes, equal files. After `open` or a successful reload that is the
   * config in use, with no file read again to compute it.
   */
  get filesHash(): string {
    const hash = createHash('sha256');
    for (const file of [...this.stamps.keys()].sort()) hash.update(file).update('\0').update(this.stamps.get(file)!.hash).update('\0');
    return hash.digest('hex').slice(0, 16);
  }

  get config(): MeshConfig {
    return this.currentConfig;
  }

  get catalog(): Catalog {
    return this.currentCatalog;
  }

  /**
   * Reloads after `changed` files (relative to the config directory or
   * absolute; added, modified or deleted). Without a list, every file is
   * looked at: by stat (size, mtime, inode), then content hash.
   */
  reload(changed?: readonly string[]): ReloadResult {
    const candidates = changed === undefined ? this.discoverChanges() : this.classifyGiven(changed);
    const changedFiles: string[] = [];
    for (const [file, kind] of candidates) if (this.refresh(file, kind)) changedFiles.push(file);
    const pending = this.pendingWorkspace !== undefined || this.pendingProducts.size > 0 || this.pendingConsumers.size > 0 || this.sourcesChanged;
    if (!pending) return { ok: true, config: this.currentConfig, catalog: this.currentCatalog, changedFiles, full: false };
    if (this.pendingWorkspace !== undefined) return this.fullRebuild(changedFiles);
    return this.sourceListing !== undefined ? this.rejectOrAcceptFull(changedFiles) : this.incremental(changedFiles);
  }

  private sourced(): SourcedEntries | undefined {
    if (!this.sourceListing) return undefined;
    const files: SourceFileEntry[] = [];
    for (const ref of this.sourceListing.files) {
      const entry = this.sourceEntries.get(refKey(ref));
      if (entry) files.push(entry);
    }
    return { listing: this.sourceListing, files };
  }

  /** meshwatch.yaml changed (its sources, engine, domains): every source is listed and read again. */
  private readAllSources(): void {
    for (const ref of this.sourceListing?.files ?? []) this.stamps.delete(ref.file);
    this.sourceEntries.clear();
    const sourced = readSourceEntries(this.root, this.workspaceEntry, this.reader, (file) => {
      const stamp = sourceStampOf(this.root, file);
      if (stamp) this.stamps.set(file, stamp);
    });
    this.sourceListing = sourced?.listing;
    for (const entry of sourced?.files ?? []) this.sourceEntries.set(refKey(entry.ref), entry);
  }

  /** Lists the sources again: files a glob now matches or no longer matches are changes. */
  private discoverSourceChanges(out: Map<string, Kind>): void {
    const sources = this.workspaceEntry.raw?.sources ?? [];
    if (sources.length === 0 || out.get(this.workspaceFile) === 'workspace') return;
    const before = this.sourceListing;
    const listing = this.reader.list(this.root, sources);
    if (!sameListing(before, listing)) {
      this.sourceListing = listing;
      this.sourcesChanged = true;
    }
    const now = new Set(listing.files.map((f) => f.file));
    for (const ref of before?.files ?? []) if (!now.has(ref.file)) out.set(ref.file, 'source');
    for (const file of now) {
      const stamp = this.stamps.get(file);
      let info;
      try {
        info = statSync(path.resolve(this.root, file));
      } catch {
        out.set(file, 'source');
        continue;
      }
      if (!stamp || stamp.mtimeMs !== info.mtimeMs || stamp.size !== info.size || stamp.ino !== info.ino) out.set(file, 'source');
    }
  }

  /** Re-reads one source file for every entry that names it; true when its content changed. */
  private refreshSource(file: string): boolean {
    const stamp = sourceStampOf(this.root, file);
    const before = this.stamps.get(file);
    if (before?.hash === stamp?.hash && (before !== undefined) === (stamp !== undefined)) {
      if (stamp) this.stamps.set(file, stamp);
      return false;
    }
    if (stamp) this.stamps.set(file, stamp);
    else this.stamps.delete(file);
    for (const [key, entry] of this.sourceEntries) if (entry.ref.file === file) this.sourceEntries.delete(key);
    const raw = this.workspaceEntry.raw;
    if (!stamp && raw) {
      // Gone (told so, not found by listing): list again, so a missing manifest is the problem a full load reports.
      const listing = this.reader.list(this.root, raw.sources);
      if (!sameListing(this.sourceListing, listing)) this.sourceListing = listing;
    }
    if (raw && stamp) {
      for (const ref of this.sourceListing?.files ?? []) {
        if (ref.file === file) this.sourceEntries.set(refKey(ref), sourceFileEntry(ref, this.reader.read(this.root, raw.sources, ref, raw.warehouse.type), this.workspaceEntry.workspace));
      }
    }
    this.sourcesChanged = true;
    return true;
  }


  private classifyGiven(changed: readonly string[]): Map<string, Kind> {
    const out = new Map<string, Kind>();
    for (const given of changed) {
      const file = path.relative(this.root, path.resolve(this.root, given)).split(path.sep).join('/');
      const source = this.sourceListing?.files.find((f) => path.resolve(this.root, f.file) === path.resolve(this.root, given));
      if (source) {
        out.set(source.file, 'source');
        continue;
      }
      // A path that is not a config file (a folder, a file elsewhere, the other workspace name): look at everything.
      const kind = file === WORKSPACE_FILE || file === WORKSPACE_FILE_ALT ? (file === this.workspaceFile ? 'workspace' : undefined) : configFileKind(file, this.workspaceFile);
      if (kind === undefined) return this.discoverChanges();
      out.set(file, kind);
    }
    return out;
  }

  private discoverChanges(): Map<string, Kind> {
    const discovery = discoverConfigFiles(this.root);
    const { files } = discovery;
    this.discovery = discovery;
    const out = new Map<string, Kind>();
    if (files.workspace !== this.workspaceFile) {
      // meshwatch.yaml gave way to meshwatch.yml or back: the workspace is whatever the new name holds.
      this.workspaceFile = files.workspace;
      this.stamps.delete(files.workspace);
      out.set(files.workspace, 'workspace');
    }
    const consider = (list: readonly string[], known: readonly string[], kind: Kind) => {
      const now = new Set(list);
      for (const file of known) if (!now.has(file)) out.set(file, kind);
      for (const file of list) {
        const stamp = this.stamps.get(file);
        let info;
        try {
          info = statSync(path.join(this.root, file));
        } catch {
          out.set(file, kind);
          continue;
        }
        if (!stamp || stamp.mtimeMs !== info.mtimeMs || stamp.size !== info.size || stamp.ino !== info.ino) out.set(file, kind);
      }
    };
    consider([files.workspace], [this.workspaceFile], 'workspace');
    consider(files.products, [...this.productFiles], 'product');
    consider(files.consumers, [...this.consumerFiles], 'consumer');
    this.discoverSourceChanges(out);
    return out;
  }

  /** Re-reads one file; true when its content differs from what was last read. */
  private refresh(file: string, kind: Kind): boolean {
    if (kind === 'source') return this.refreshSource(file);
    const content = readConfigText(this.root, file);
    const gone = 'error' in content && content.error === 'file not found';
    const stamp = gone ? undefined : stampOf(this.root, file, content);
    const before = this.stamps.get(file);
    if (before?.hash === stamp?.hash && (before !== undefined) === (stamp !== undefined)) {
      if (stamp) this.stamps.set(file, stamp); // same content, new mtime: remember it so discovery skips it next time
      return false;
    }
    if (stamp) this.stamps.set(file, stamp);
    else this.stamps.delete(file);

    if (kind === 'workspace') {
      this.pendingWorkspace ??= { entry: this.workspaceEntry, stamp: before };
      // A missing meshwatch.yaml is a problem of the workspace file, as in a full load.
      this.workspaceEntry = loadWorkspaceFile(this.root, file, content, this.env);
      return true;
    }
    if (kind === 'product') {
      if (!this.pendingProducts.has(file)) this.pendingProducts.set(file, { entry: this.productEntries.get(file), stamp: before });
      if (gone) {
        this.productEntries.delete(file);
        removeSorted(this.productFiles, file);
      } else {
        this.productEntries.set(file, loadProductFile(file, content, this.env, this.workspaceEntry.workspace));
        insertSorted(this.productFiles, file);
      }
      const accepted = this.pendingProducts.get(file)!;
      if (accepted.stamp?.hash === stamp?.hash) {
        // Back to what the config in use has.
        if (accepted.entry) this.productEntries.set(file, accepted.entry);
        this.pendingProducts.delete(file);
      }
      return true;
    }
    if (!this.pendingConsumers.has(file)) this.pendingConsumers.set(file, { entry: this.consumerEntries.get(file), stamp: before });
    if (gone) {
      this.consumerEntries.delete(file);
      removeSorted(this.consumerFiles, file);
    } else {
      this.consumerEntries.set(file, loadConsumerFile(file, content, this.env));
      insertSorted(this.consumerFiles, file);
    }
    const accepted = this.pendingConsumers.get(file)!;
    if (accepted.stamp?.hash === stamp?.hash) {
      if (accepted.entry) this.consumerEntries.set(file, accepted.entry);
      this.pendingConsumers.delete(file);
    }
    return true;
  }

  private orderedProducts(): ProductEntry[] {
    return this.productFiles.map((file) => this.productEntries.get(file)!);
  }

  private orderedConsumers(): ConsumerFileEntry[] {
    return this.consumerFiles.map((file) => this.consumerEntries.get(file)!);
  }

  /** The full cross-file pass over every entry: exactly a full load's result. */
  private assembleAll(): ReturnType<typeof assembleConfig> {
    return assembleConfig(this.root, this.workspaceEntry, this.orderedProducts(), this.orderedConsumers(), this.discovery, this.sourced(), { now: this.now() });
  }

  private reject(problems: readonly ConfigProblem[]): ReloadResult {
    return { ok: false, problems, error: new ConfigError(problems) };
  }

  private accept(
    config: MeshConfig,
    catalog: Catalog,
    changedFiles: string[],
    full: boolean,
    governance?: { tierWarnings: Map<string, ConfigProblem>; acknowledging: Set<string> },
  ): ReloadResult {
    if (governance) {
      this.tierWarnings = governance.tierWarnings;
      this.acknowledging = governance.acknowledging;
    } else this.rememberGovernance(config, catalog);
    for (const [, accepted] of this.pendingProducts) if (accepted.entry?.product) this.declared.forget(accepted.entry.product);
    this.pendingProducts.clear();
    this.pendingConsumers.clear();
    this.pendingWorkspace = undefined;
    this.sourcesChanged = false;
    if (full) this.consumerIds = new Set(config.consumers.map((c) => c.id));
    this.currentConfig = config;
    this.currentCatalog = catalog;
    return { ok: true, config, catalog, changedFiles, full };
  }

  /** meshwatch.yaml changed: every product is re-derived under it (no file is parsed again) and the catalog rebuilt. */
  private fullRebuild(changedFiles: string[]): ReloadResult {
    const workspace = this.workspaceEntry.workspace;
    for (const [file, entry] of this.productEntries) {
      // A validated file's only workspace-dependent problem is its schedule, which is derived again here.
      if (entry.raw) this.productEntries.set(file, productEntryFor(file, entry.raw, workspace));
    }
    this.readAllSources();
    const assembled = this.assembleAll();
    if ('problems' in assembled) return this.reject(assembled.problems);
    this.declared = new DeclaredColumns(assembled.config.workspace.warehouse.type);
    return this.accept(assembled.config, new Catalog(assembled.config, this.currentCatalog.extraConsumerSources()), changedFiles, true);
  }

  private incremental(changedFiles: string[]): ReloadResult {
    const old = this.currentConfig;
    const removedProducts: Product[] = [];
    const addedProducts: Product[] = [];
    let clean = true;
    for (const [file, accepted] of this.pendingProducts) {
      const now = this.productEntries.get(file);
      if (now && (now.problems.length > 0 || !now.product)) clean = false;
      if (accepted.entry?.product) removedProducts.push(accepted.entry.product);
      if (now?.product) addedProducts.push(now.product);
    }
    const consumerFiles: Array<{ file: string; removed: readonly Consumer[]; added: readonly Consumer[] }> = [];
    for (const [file, accepted] of this.pendingConsumers) {
      const now = this.consumerEntries.get(file);
      if (now && now.problems.length > 0) clean = false;
      consumerFiles.push({ file, removed: accepted.entry?.consumers ?? [], added: now?.consumers ?? [] });
    }
    if (!clean) return this.rejectOrAcceptFull(changedFiles);

    const products = patchProducts(old.products, removedProducts, addedProducts);
    const consumers = consumerFiles.length === 0 ? old.consumers : patchConsumers(old.consumers, consumerFiles);
    const acknowledging = new Set(this.acknowledging);
    for (const [file] of this.pendingProducts) {
      acknowledging.delete(file);
      const now = this.productEntries.get(file)?.product;
      if (now?.breakingChanges !== undefined && now.breakingChanges.length > 0) acknowledging.add(file);
    }
    // Acknowledgements' warnings depend on every reader and on the clock: the full pass decides while any is declared.
    if (this.discovery.problems.length > 0 || old.workspace.breakingChanges.length > 0 || acknowledging.size > 0) return this.rejectOrAcceptFull(changedFiles);
    // Notices are settled below, once tier lineage (which needs the catalog built from this config) is known.
    const config: Mutable<MeshConfig> = { dir: old.dir, workspace: old.workspace, products, consumers, notices: [], warnings: [], notes: [] };
    // Built first: its product index is the new config's, which the rules need too.
    const change: CatalogChange = { removedProducts, addedProducts, consumerFiles };
    const catalog = Catalog.patched(this.currentCatalog, config, change);
    const byId = catalog.products;

    // What the change can reach, by the lineage and uses of the config in use.
    const ids = new Set([...removedProducts, ...addedProducts].map((p) => p.id));
    const scopeProducts = new Set<Product>(addedProducts);
    const scopeConsumers = new Set<Consumer>(consumerFiles.flatMap((f) => f.added));
    for (const id of ids) {
      for (const edge of this.currentCatalog.downstreamOf(id)) {
        const product = byId.get(edge.product);
        if (product) scopeProducts.add(product);
      }
    }
    const replacedConsumerFiles = new Set(consumerFiles.map((f) => f.file));
    for (const id of ids) {
      for (const link of this.currentCatalog.configConsumersOf(id)) {
        if (!replacedConsumerFiles.has(link.consumer.source)) scopeConsumers.add(link.consumer);
      }
    }
    const problems: ConfigProblem[] = [];
    checkWarehouseFit(config.workspace, addedProducts, problems, this.workspaceFile);
    const consumerIds = this.consumerIdsAfter(consumerFiles);
    checkReferences(
      { workspace: config.workspace, products, consumers, invalidProductIds: new Set() },
      problems,
      { products: scopeProducts, consumers: scopeConsumers, byId, duplicateConsumer: consumerIds === undefined },
      this.declared,
    );
    // Contract rules: a changed product's own rules are checked here. References link the referenced
    // product's table into the rule (and check its columns), across files: those take the full pass.
    const touchesReferences =
      addedProducts.some((p) => (p.contract?.references.length ?? 0) > 0) || [...scopeProducts].some((p) => p.contract?.references.some((r) => ids.has(r.references.product)));
    if (touchesReferences) return this.rejectOrAcceptFull(changedFiles);
    const withRules = addedProducts.filter((p) => p.contract !== undefined);
    if (withRules.length > 0) checkContractRules(withRules, config.workspace.warehouse.type, problems);
    if (problems.length > 0 || consumerIds === undefined) return this.rejectOrAcceptFull(changedFiles);

    // Tier lineage can change only for changed products and the direct readers of changed ids.
    const tierScope = new Set<Product>(addedProducts);
    for (const id of ids) for (const edge of catalog.downstreamOf(id)) tierScope.add(byId.get(edge.product)!);
    const tierWarnings = new Map(this.tierWarnings);
    for (const product of removedProducts) tierWarnings.delete(product.file);
    for (const product of tierScope) tierWarnings.delete(product.file);
    const tierProblems: ConfigProblem[] = [];
    const found: ConfigProblem[] = [];
    checkTierLineage([...tierScope], byId, old.workspace.governance, tierProblems, found);
    if (tierProblems.length > 0) return this.rejectOrAcceptFull(changedFiles);
    for (const warning of found) tierWarnings.set(warning.file, warning);
    // In product (file) order, as a full load gives them.
    const tierNotices = [...tierWarnings.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)).map((w) => notice('warning', 'config', w));
    Object.assign(config, noticeLists(configNotices(this.discovery.warnings, products.length, undefined, tierNotices)));
    this.consumerIds = consumerIds;
    return this.accept(config, catalog, changedFiles, false, { tierWarnings, acknowledging });
  }

  /**
   * The consumer ids of the config in use (unique, as it is valid), kept so
   * that a reload finds a duplicate among 120,000 ids without indexing them
   * again. Returns the ids after replacing `files`, or undefined when an id
   * would be declared twice.
   */
  private consumerIdsAfter(files: ReadonlyArray<{ removed: readonly Consumer[]; added: readonly Consumer[] }>): Set<string> | undefined {
    if (files.length === 0) return this.consumerIds;
    const ids = new Set(this.consumerIds);
    for (const { removed } of files) for (const consumer of removed) ids.delete(consumer.id);
    for (const { added } of files) {
      for (const consumer of added) {
        if (ids.has(consumer.id)) return undefined;
        ids.add(consumer.id);
      }
    }
    return ids;
  }

  /** The scoped pass found something: the full pass decides, with a full load's problems. */
  private rejectOrAcceptFull(changedFiles: string[]): ReloadResult {
    const assembled = this.assembleAll();
    if ('problems' in assembled) return this.reject(assembled.problems);
    return this.accept(assembled.config, new Catalog(assembled.config, this.currentCatalog.extraConsumerSources()), changedFiles, true);
  }
}

/** The config's product list with products replaced, in file order (the order of a full load). */
function patchProducts(products: readonly Product[], removed: readonly Product[], added: readonly Product[]): Product[] {
  const gone = new Set(removed);
  const out = products.filter((p) => !gone.has(p));
  for (const product of [...added].sort((a, b) => (a.file < b.file ? -1 : 1))) {
    let lo = 0;
    let hi = out.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (out[mid]!.file < product.file) lo = mid + 1;
      else hi = mid;
    }
    out.splice(lo, 0, product);
  }
  return out;
}

/** The config's consumer list with whole files replaced; a file's consumers are contiguous and files are in order. */
function patchConsumers(
  consumers: readonly Consumer[],
  files: ReadonlyArray<{ file: string; removed: readonly Consumer[]; added: readonly Consumer[] }>,
): Consumer[] {
  const replaced = new Set(files.map((f) => f.file));
  let out = consumers.filter((c) => !replaced.has(c.source));
  for (const { file, added } of [...files].sort((a, b) => (a.file < b.file ? -1 : 1))) {
    const at = out.findIndex((c) => c.source > file);
    out = at === -1 ? [...out, ...added] : [...out.slice(0, at), ...added, ...out.slice(at)];
  }
  return out;
}
