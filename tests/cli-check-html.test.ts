/**
 * `meshwatch check --html FILE` on the example mesh: one self-contained
 * page (no scripts, no external resources) with the four planted problems,
 * redacted as for readers. The browser test opens the same kind of file in
 * Chromium.
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoWarehouse, PLANTED_PROBLEMS } from '../scripts/build-demo-warehouse.js';
import { cli, REPO } from './support/cli.js';

const NOW = new Date('2026-11-25T09:00:00.000Z');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'meshwatch-check-html-'));
  await cp(path.join(REPO, 'examples/demo-mesh'), dir, { recursive: true, filter: (src) => !/\.duckdb(\.wal)?$/.test(src) });
  await buildDemoWarehouse(path.join(dir, 'warehouse.duckdb'), NOW);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('meshwatch check --html', () => {
  it('writes one self-contained page with the four planted problems, and still prints the report', async () => {
    const file = path.join(dir, 'report.html');
    const run = await cli(['check', '--config', dir, '--html', file], { now: NOW });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('FAILING');
    expect(run.stderr).toContain(`wrote ${file}`);
    const page = await readFile(file, 'utf8');
    expect(page.startsWith('<!doctype html>')).toBe(true);
    // Self-contained: nothing loaded from elsewhere, no script at all.
    expect(page).not.toMatch(/<script|<link|src="|url\(http|@import/i);

    const { stale, droppedColumn, contract, staleUpstream } = PLANTED_PROBLEMS;
    // Three root causes, the stale upstream's product listed under its root.
    expect([...page.matchAll(/data-root="([^"]+)"/g)].map((m) => m[1]).sort()).toEqual([contract.product, droppedColumn.product, stale.product].sort());
    const staleGroup = page.slice(page.indexOf(`data-root="${stale.product}"`), page.indexOf('</section>', page.indexOf(`data-root="${stale.product}"`)));
    expect(staleGroup).toContain(`data-incident-row="${staleUpstream.product}"`);
    expect(staleGroup).toContain(`caused by ${staleUpstream.rootCause}`);
    // Each failing product has its section, with the failing check.
    for (const [product, check] of [
      [stale.product, 'freshness'],
      [staleUpstream.product, 'freshness'],
      [droppedColumn.product, 'schema'],
      [contract.product, `contract.acceptedValues.${contract.column}`],
    ] as const) {
      expect(page).toContain(`id="p-${product}"`);
      const section = page.slice(page.indexOf(`id="p-${product}"`));
      expect(section).toMatch(new RegExp(`data-check="${check.replaceAll('.', '\\.')}" data-status="fail"`));
    }
    // The dropped column's blast radius names who reads it, and not who does not.
    const dropped = page.slice(page.indexOf(`data-root="${droppedColumn.product}"`), page.indexOf('</section>', page.indexOf(`data-root="${droppedColumn.product}"`)));
    expect(dropped).toContain('compliance.gdpr-consent-register');
    expect(dropped).toContain('marketing.email-campaigns');
    expect(dropped).not.toContain('leasing.credit-decisioning');
    // aftersales.service-orders is limited: counts, not the offending value.
    expect(page).toContain(`${contract.rows} rows break the rule`);
    expect(page).not.toContain(contract.value);
  });

  it('refuses --html without a file name', async () => {
    const run = await cli(['check', '--config', dir, '--html', ''], { now: NOW });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--html needs a file name');
  });
});
