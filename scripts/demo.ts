/**
 * `npm run demo`: builds the demo warehouse for the example mesh (with four
 * planted problems, see examples/demo-mesh/README.md) and runs
 * `meshwatch check` on it, in process: no Redis, no Slack, nothing but
 * `npm ci`. Exits 0 when the report was produced: the failures are the point.
 * Extra arguments go to `meshwatch check` (e.g. `npm run demo -- --format json`).
 */
import path from 'node:path';
import { runCli } from '../cli/run.js';
import { loadConfig } from '../sources/load-config.js';
import { buildDemoWarehouse, PLANTED_PROBLEMS } from './build-demo-warehouse.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const configDir = path.join(root, 'examples', 'demo-mesh');

async function main(argv: string[]): Promise<number> {
  const config = await loadConfig(configDir);
  if (config.workspace.warehouse.type !== 'duckdb') throw new Error('the demo mesh must use the embedded DuckDB warehouse');
  const now = new Date();
  await buildDemoWarehouse(config.workspace.warehouse.path, now);
  const relative = path.relative(process.cwd(), configDir) || '.';
  const json = argv.includes('json');
  if (!json) {
    process.stdout.write(
      `Demo: built ${path.relative(process.cwd(), config.workspace.warehouse.path)} for the example mesh with four planted problems:\n` +
        `  stale:                 ${PLANTED_PROBLEMS.stale.product}\n` +
        `  dropped column:        ${PLANTED_PROBLEMS.droppedColumn.product} (${PLANTED_PROBLEMS.droppedColumn.column})\n` +
        `  contract broken:       ${PLANTED_PROBLEMS.contract.product} (${PLANTED_PROBLEMS.contract.column})\n` +
        `  stale because upstream: ${PLANTED_PROBLEMS.staleUpstream.product} (root cause ${PLANTED_PROBLEMS.staleUpstream.rootCause})\n` +
        `Running: meshwatch check --config ${relative}\n\n`,
    );
  }
  const code = await runCli(['check', '--config', configDir, ...argv], {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    now: () => now,
  });
  if (!json) {
    process.stdout.write(
      `\n(meshwatch check exited ${code}: 1 means a check failed, as planted.)\n` +
        `Try: npx meshwatch impact ${PLANTED_PROBLEMS.droppedColumn.product} --columns ${PLANTED_PROBLEMS.droppedColumn.column} --config ${relative}\n`,
    );
  }
  // 0 and 1 are both a produced report; 2 means the demo itself is broken.
  return code === 2 ? 2 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`demo: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
