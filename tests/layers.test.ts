/**
 * Folders depend one way: no folder imports, directly or through others, a
 * folder that imports it back. (config/ once imported sources/ for the
 * source hook while sources/ imported config/; the reader is now passed in.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './support/cli.js';

const SKIP = new Set(['node_modules', 'dist', 'tests', '.git', 'coverage']);

function folderImports(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(REPO, rel), { withFileTypes: true })) {
      const child = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (!SKIP.has(e.name) && !e.name.startsWith('.')) walk(child);
      } else if (e.name.endsWith('.ts') && rel !== '') {
        const top = child.split('/')[0]!;
        const text = readFileSync(path.join(REPO, child), 'utf8');
        for (const m of text.matchAll(/(?:from |import\(|import )'(\.[^']+)'/g)) {
          const target = path.posix.normalize(path.posix.join(path.posix.dirname(child), m[1]!)).split('/')[0]!;
          if (target !== top && !target.startsWith('..')) {
            if (!edges.has(top)) edges.set(top, new Set());
            edges.get(top)!.add(target);
          }
        }
      }
    }
  };
  walk('');
  return edges;
}

describe('folder dependencies', () => {
  it('have no cycle, and config/ imports nothing but core/', () => {
    const edges = folderImports();
    const reaches = (from: string, to: string) => {
      const seen = new Set<string>();
      const stack = [from];
      while (stack.length > 0) {
        const at = stack.pop()!;
        if (at === to) return true;
        if (seen.has(at)) continue;
        seen.add(at);
        stack.push(...(edges.get(at) ?? []));
      }
      return false;
    };
    const cycles: string[] = [];
    for (const [from, targets] of edges) for (const to of targets) if (reaches(to, from)) cycles.push(`${from} -> ${to}`);
    expect(cycles).toEqual([]);
    expect([...(edges.get('config') ?? [])]).toEqual(['core']);
    expect(edges.get('sources')?.has('config')).toBe(true);
  });
});
