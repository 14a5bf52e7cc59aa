/**
 * Every real ODCS contract and dbt manifest either loads through `sources:`
 * into products (with the checks it implies) or is reported with a reason
 * naming the file. Nothing is dropped silently: what a file says and
 * meshwatch cannot check comes back as notes with file and path.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../sources/load-config.js';
import { readDbtSource, readOdcsSource } from '../sources/load.js';
import { writeConfigDir } from './support/config-dir.js';
import { manifestFiles, odcsFiles } from './support/real-inputs.js';

/** The deliberate negative fixtures of SOURCES.md and why each is not valid ODCS v3. */
const INVALID_ODCS: Record<string, RegExp> = {
  'v2-minimal.odcs.yaml': /apiVersion "v2\.2\.2" is not ODCS v3/,
  'lint__invalid.odcs.yaml': /status is required/,
  'lint__invalid_multiple_schema_errors.odcs.yaml': /expected a text description, got null/,
  'markdown__export__multicolumn.odcs.yaml': /apiVersion is required/,
};

async function configFor(entry: string, domains: readonly string[]) {
  const unique = [...new Set(['sweep', ...domains])];
  return writeConfigDir({
    'meshwatch.yaml': `warehouse: { type: duckdb, path: warehouse.duckdb }
domains:
${unique.map((d) => `  - { id: ${d}, name: ${d}, slackChannel: "#${d}-data" }`).join('\n')}
sources:
  - ${entry}
`,
  });
}

describe('real ODCS contracts', () => {
  for (const file of odcsFiles()) {
    const name = path.basename(file);
    it(`${name}: loads into products or is reported with a reason`, async () => {
      const mapped = await readOdcsSource(file, name, { domain: 'sweep' }, 'duckdb');
      const { dir, cleanup } = await configFor(`{ odcs: ${JSON.stringify(file)}, domain: sweep }`, mapped.domains.map((d) => d.id));
      try {
        const invalid = Object.entries(INVALID_ODCS).find(([suffix]) => name.endsWith(suffix));
        if (invalid) {
          const err = await loadConfig(dir).then(() => undefined, (e: unknown) => e);
          expect(err).toBeInstanceOf(ConfigError);
          const problems = (err as ConfigError).problems;
          expect(problems.length).toBeGreaterThan(0);
          for (const p of problems) expect(p.file).toContain(name);
          expect(problems.map((p) => p.message).join('\n')).toMatch(invalid[1]);
          return;
        }
        const config = await loadConfig(dir);
        const fromFile = config.products.filter((p) => p.file.endsWith(name));
        expect(fromFile.length).toBe(mapped.products.length);
        for (const note of config.notes ?? []) {
          expect(note.file.endsWith(name) || note.file === 'meshwatch.yaml').toBe(true);
          expect(note.message).toMatch(/not checked|no product|not a table|not in the schema check|taken as|read as|checked as|no checks/);
        }
        // A file that gives no product says why, in a note.
        if (fromFile.length === 0) expect((config.notes ?? []).length).toBeGreaterThan(0);
        // Every product carries the checks its contract implies, or a note says it has none.
        for (const p of fromFile) {
          const checked = p.schema !== undefined || p.contract !== undefined || p.freshness !== undefined;
          if (!checked) expect((config.notes ?? []).some((n) => n.message.startsWith(`${p.id}: nothing in the contract can be checked`))).toBe(true);
        }
      } finally {
        await cleanup();
      }
    });
  }
});

describe('real dbt manifests', () => {
  for (const file of manifestFiles()) {
    const name = path.basename(file);
    it(`${name}: loads into products, lineage and consumers`, async () => {
      const mapped = await readDbtSource(file, name, { domain: 'sweep' }, 'duckdb');
      expect(mapped.problems).toEqual([]);
      const { dir, cleanup } = await configFor(`{ dbt: { manifest: ${JSON.stringify(file)} }, domain: sweep }`, mapped.domains.map((d) => d.id));
      try {
        const config = await loadConfig(dir);
        expect(config.products.length).toBe(mapped.products.length);
        expect(config.products.length).toBeGreaterThan(0);
        expect(config.consumers.length).toBe(mapped.consumers.length);
        const ids = new Set(config.products.map((p) => p.id));
        for (const p of config.products) for (const input of p.inputs) expect(ids.has(input.product)).toBe(true);
        for (const note of config.notes ?? []) expect(note.file).toBe(file);
        // Every product carries the checks its manifest implies, or a note says it has none (as for ODCS).
        for (const p of config.products) {
          const checked = p.schema !== undefined || p.contract !== undefined || p.freshness !== undefined;
          if (!checked) expect((config.notes ?? []).some((n) => n.message.startsWith(`${p.id}: nothing in the manifest can be checked`))).toBe(true);
        }
      } finally {
        await cleanup();
      }
    });
  }

});
