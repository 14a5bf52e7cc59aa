/**
 * Minimal glob for source entries (`contracts/**\/*.odcs.yaml`): `**` any
 * directories, `*` and `?` within one name, relative to the config
 * directory. Node 20 has no fs.glob; the patterns sources need are this small.
 * Synchronous like the rest of config loading (the incremental reload is).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';

function toRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` matches zero or more directories.
      re += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const SKIP = new Set(['node_modules', '.git']);

/** Files under `root` matching `pattern` (POSIX separators, relative to root), sorted. */
export function glob(root: string, pattern: string): string[] {
  if (path.isAbsolute(pattern)) return glob('/', pattern.slice(1)).map((f) => `/${f}`);
  const normalized = pattern.replaceAll('\\', '/').replace(/^\.\//, '');
  const parts = normalized.split('/');
  const firstWild = parts.findIndex((p) => /[*?]/.test(p));
  if (firstWild === -1) return [normalized];
  const base = parts.slice(0, firstWild).join('/');
  const re = toRegExp(normalized);
  const found: string[] = [];
  const walk = (rel: string): void => {
    let entries;
    try {
      entries = readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (!SKIP.has(e.name)) walk(child);
      } else if (e.isFile() && re.test(child)) found.push(child);
    }
  };
  walk(base);
  return found.sort();
}
