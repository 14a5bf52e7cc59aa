import { ownerSqlWarnings } from '../../checks/owner-sql-lint.js';
import { formatNotice } from '../../config/notices.js';
import { loadConfig } from '../../sources/load-config.js';
import { EXIT, type CliIo } from '../io.js';

export async function validateCommand(options: { config: string }, io: CliIo): Promise<number> {
  const config = await loadConfig(options.config, { env: io.env, now: io.now() });
  for (const n of config.notices) io.stderr(`${formatNotice(n)}\n`);
  const lineage = config.products.reduce((n, p) => n + p.inputs.length, 0);
  io.stdout(
    `${options.config}: valid (${config.workspace.domains.length} domains, ${config.products.length} products, ` +
      `${config.consumers.length} consumers, ${lineage} lineage edges; warehouse ${config.workspace.warehouse.type})\n`,
  );
  for (const warning of ownerSqlWarnings(config)) io.stderr(`warning: ${warning}\n`);
  if (config.notes.length > 0) io.stdout(`${config.notes.length} note${config.notes.length === 1 ? '' : 's'} (read from sources but not checked) on stderr\n`);
  return EXIT.ok;
}
