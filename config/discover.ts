/**
 * Which files of a config directory are read, and what is said about the
 * rest. Rules (README, "File discovery"):
 * - the workspace file is `meshwatch.yaml`, else `meshwatch.yml`; both is an error;
 * - `products/` and `consumers/` are read recursively: every `.yaml` and
 *   `.yml` file (extensions are case-sensitive), symbolic links followed to
 *   files and folders inside or outside the directory; a broken link is an
 *   error naming it; `products` or `consumers` being a file is an error;
 * - everything else that looks meant to be read is named in a warning:
 *   other files in those folders (`.YAML`, `.json`, `.txt`, ...), folders and
 *   YAML or JSON files at the top level other than the workspace file (a
 *   misspelt `product/`). Hidden entries (`.git`, `.gitkeep`) and other
 *   top-level files (the DuckDB file, a README) are left alone.
 */
import { readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import type { ConfigProblem } from './errors.js';

export const WORKSPACE_FILE = 'meshwatch.yaml';
export const WORKSPACE_FILE_ALT = 'meshwatch.yml';
export const CONFIG_FOLDERS = ['products', 'consumers'] as const;

export interface ConfigFiles {
  /** The workspace file (`meshwatch.yaml` unless only `meshwatch.yml` exists). */
  readonly workspace: string;
  /** Relative to the config directory, `/`-separated, sorted. */
  readonly products: readonly string[];
  readonly consumers: readonly string[];
}

export interface Discovery {
  readonly files: ConfigFiles;
  readonly problems: readonly ConfigProblem[];
  readonly warnings: readonly ConfigProblem[];
}

const READ = /\.ya?ml$/;
const LOOKS_LIKE_CONFIG = /\.(ya?ml|json)$/i;

function kindOf(full: string, entry: Dirent): 'file' | 'dir' | 'broken' | 'other' {
  if (entry.isFile()) return 'file';
  if (entry.isDirectory()) return 'dir';
  if (!entry.isSymbolicLink()) return 'other';
  try {
    const info = statSync(full);
    return info.isFile() ? 'file' : info.isDirectory() ? 'dir' : 'other';
  } catch {
    return 'broken';
  }
}

/** Lists one config folder recursively; `seen` holds real paths of folders entered (symlink loops). */
function walk(root: string, rel: string, out: string[], problems: ConfigProblem[], warnings: ConfigProblem[], seen: Set<string>): void {
  const full = path.join(root, rel);
  let real: string;
  try {
    real = realpathSync(full);
  } catch {
    real = full;
  }
  if (seen.has(real)) {
    warnings.push({ file: rel, path: '', message: 'not read: this folder was already read through another path (a symbolic link loop?)' });
    return;
  }
  seen.add(real);
  let entries: Dirent[];
  try {
    entries = readdirSync(full, { withFileTypes: true });
  } catch (err) {
    problems.push({ file: rel, path: '', message: `cannot read folder (${(err as NodeJS.ErrnoException).code ?? String(err)})` });
    return;
  }
  for (const entry of entries) {
    const name = entry.name;
    const file = `${rel}/${name}`;
    const kind = kindOf(path.join(full, name), entry);
    if (kind === 'broken') {
      problems.push({ file, path: '', message: 'broken symbolic link: its target does not exist' });
      continue;
    }
    if (name.startsWith('.') && kind !== 'file') continue; // .git and the like
    if (kind === 'dir') walk(root, file, out, problems, warnings, seen);
    else if (kind === 'file' && READ.test(name) && !name.startsWith('.')) out.push(file);
    else if (name === '.gitkeep' || name === '.keep' || name === '.DS_Store') continue;
    else {
      const hint = LOOKS_LIKE_CONFIG.test(name) && !READ.test(name) ? ' (only .yaml and .yml files are read; the extension is case-sensitive)' : ' (only .yaml and .yml files are read)';
      warnings.push({ file, path: '', message: `not read${hint}` });
    }
  }
}

export function discoverConfigFiles(root: string): Discovery {
  const problems: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  let top: Dirent[] = [];
  try {
    top = readdirSync(root, { withFileTypes: true });
  } catch (err) {
    problems.push({ file: '.', path: '', message: `cannot read the config directory (${(err as NodeJS.ErrnoException).code ?? String(err)})` });
  }
  const names = new Map(top.map((e) => [e.name, e]));
  const has = (name: string) => {
    const entry = names.get(name);
    return entry !== undefined && kindOf(path.join(root, name), entry) === 'file';
  };
  let workspace = WORKSPACE_FILE;
  if (has(WORKSPACE_FILE) && has(WORKSPACE_FILE_ALT)) {
    problems.push({ file: WORKSPACE_FILE_ALT, path: '', message: `both ${WORKSPACE_FILE} and ${WORKSPACE_FILE_ALT} exist: keep one` });
  } else if (!has(WORKSPACE_FILE) && has(WORKSPACE_FILE_ALT)) workspace = WORKSPACE_FILE_ALT;

  const lists: Record<(typeof CONFIG_FOLDERS)[number], string[]> = { products: [], consumers: [] };
  for (const folder of CONFIG_FOLDERS) {
    const entry = names.get(folder);
    if (!entry) continue;
    const kind = kindOf(path.join(root, folder), entry);
    if (kind === 'broken') problems.push({ file: folder, path: '', message: 'broken symbolic link: its target does not exist' });
    else if (kind !== 'dir') problems.push({ file: folder, path: '', message: `expected a folder of ${folder.slice(0, -1)} files, found a file` });
    else walk(root, folder, lists[folder], problems, warnings, new Set());
    // JavaScript's default order, as a full load and a reload both sort.
    lists[folder].sort();
  }

  for (const entry of top) {
    const name = entry.name;
    if (name.startsWith('.') || name === workspace || (CONFIG_FOLDERS as readonly string[]).includes(name)) continue;
    if (name === WORKSPACE_FILE || name === WORKSPACE_FILE_ALT) continue; // both present: already an error
    const kind = kindOf(path.join(root, name), entry);
    if (kind === 'broken') {
      if (LOOKS_LIKE_CONFIG.test(name)) problems.push({ file: name, path: '', message: 'broken symbolic link: its target does not exist' });
    } else if (kind === 'dir') {
      warnings.push({ file: name, path: '', message: `not read: only ${WORKSPACE_FILE}, products/ and consumers/ are read${nearFolder(name)}` });
    } else if (LOOKS_LIKE_CONFIG.test(name)) {
      warnings.push({ file: name, path: '', message: `not read: only ${WORKSPACE_FILE}, products/ and consumers/ are read` });
    }
  }
  return { files: { workspace, products: lists.products, consumers: lists.consumers }, problems, warnings };
}

function nearFolder(name: string): string {
  const lower = name.toLowerCase();
  for (const folder of CONFIG_FOLDERS) if (lower === folder || lower === folder.slice(0, -1) || lower.startsWith(folder.slice(0, 5))) return ` (did you mean ${folder}/?)`;
  return '';
}

/** The kind of a path relative to the config directory, by the rules above (for a reload told which files changed). */
export function configFileKind(file: string, workspace: string): 'workspace' | 'product' | 'consumer' | undefined {
  if (file === workspace) return 'workspace';
  const parts = file.split('/');
  const name = parts[parts.length - 1]!;
  if (parts.length < 2 || !READ.test(name) || parts.some((p) => p.startsWith('.') || p === '..')) return undefined;
  if (parts[0] === 'products') return 'product';
  if (parts[0] === 'consumers') return 'consumer';
  return undefined;
}
