import { ownerSqlWarnings } from '../../checks/owner-sql-lint.js';
import { formatProblem } from '../../config/errors.js';
import { loadConfig } from '../../config/load.js';
import { EXIT, type CliIo } from '../io.js';

export async function validateCommand(options: { config: string }, io: CliIo): Promise<number> {
  const config = await loadConfig(options.config, { env: io.env, now: io.now() });
  for (const warning of config.warnings) io.stderr(`warning: ${formatProblem(warning)}\n`);
  const lineage = config.products.reduce((n, p) => n + p.inputs.length, 0);
  io.stdout(
    `${options.config}: valid (${config.workspace.domains.length} domains, ${config.products.length} products, ` +
      `${config.consumers.length} consumers, ${lineage} lineage edges; warehouse ${config.workspace.warehouse.type})\n`,
  );
  for (const warning of ownerSqlWarnings(config)) io.stderr(`warning: ${warning}\n`);
  const notes = config.notes ?? [];
  if (notes.length > 0) {
    io.stdout(`${notes.length} note${notes.length === 1 ? '' : 's'}: read from sources but not checked\n${notes.map((n) => `  note: ${formatProblem(n)}\n`).join('')}`);
  }
  return EXIT.ok;
}
