/**
 * The base of a preflight: a config directory as it is, or the same config
 * directory at a git revision (`--base origin/main`), written into a
 * temporary directory with `git archive`. The config directory may be a
 * subfolder of the repository: the same subfolder is taken at the revision.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MeshwatchError, UsageError } from '../core/errors.js';

export interface MaterializedBase {
  /** The config directory to load. */
  readonly dir: string;
  /** What BASE was, for the report: `directory` or `git revision abc1234`. */
  readonly describe: string;
  readonly cleanup: () => Promise<void>;
}

export class GitError extends MeshwatchError {
  constructor(message: string) {
    super('GIT_FAILED', message, { origin: 'user' });
  }
}

function git(cwd: string, args: readonly string[]): { ok: boolean; out: string; err: string } {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.error) return { ok: false, out: '', err: result.error.message };
  return { ok: result.status === 0, out: result.stdout.trim(), err: result.stderr.trim() };
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** BASE as a directory when one exists at that path, else as a git revision of the repository holding `configDir`. */
export async function materializeBase(base: string, configDir: string): Promise<MaterializedBase> {
  if (await isDirectory(base)) return { dir: base, describe: base, cleanup: async () => {} };
  const config = path.resolve(configDir);
  const top = git(config, ['rev-parse', '--show-toplevel']);
  if (!top.ok) throw new UsageError(`--base ${base}: no such directory, and ${configDir} is not in a git repository to read a revision from`);
  const commit = git(config, ['rev-parse', '--verify', '--quiet', `${base}^{commit}`]);
  if (!commit.ok) throw new UsageError(`--base ${base}: no such directory or git revision`);
  // Git says where the directory sits in the repository (symbolic links in the path resolved its way).
  const prefix = git(config, ['rev-parse', '--show-prefix']).out.replace(/\/$/, '');
  const tree = prefix === '' ? commit.out : `${commit.out}:${prefix}`;
  if (!git(config, ['cat-file', '-e', tree]).ok) throw new UsageError(`--base ${base}: the config directory ${prefix || '.'} does not exist at that revision`);
  const out = await mkdtemp(path.join(tmpdir(), 'meshwatch-base-'));
  try {
    // From the top: in a subfolder, git archive would limit the tree to that subfolder's path again.
    await archiveInto(top.out, tree, out);
  } catch (err) {
    await rm(out, { recursive: true, force: true });
    throw err;
  }
  return { dir: out, describe: `${base} (${commit.out.slice(0, 12)})`, cleanup: () => rm(out, { recursive: true, force: true }) };
}

/** `git archive TREE | tar -x -C out`: the tree's files, without touching the work tree or the index. */
function archiveInto(cwd: string, tree: string, out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const archive = spawn('git', ['archive', '--format=tar', tree], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const tar = spawn('tar', ['-x', '-C', out], { stdio: ['pipe', 'ignore', 'pipe'] });
    let errors = '';
    archive.stderr.on('data', (d: Buffer) => (errors += d.toString()));
    tar.stderr.on('data', (d: Buffer) => (errors += d.toString()));
    archive.stdout.pipe(tar.stdin);
    let pending = 2;
    let failed = false;
    const done = (what: string) => (code: number | null) => {
      if (code !== 0 && !failed) {
        failed = true;
        reject(new GitError(`${what} failed: ${errors.trim().split('\n')[0] ?? `exit ${String(code)}`}`));
      }
      if (--pending === 0 && !failed) resolve();
    };
    archive.on('error', (err) => reject(new GitError(`git archive: ${err.message}`)));
    tar.on('error', (err) => reject(new GitError(`tar: ${err.message}`)));
    archive.on('close', done('git archive'));
    tar.on('close', done('tar'));
  });
}
