import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../sources/load-config.js';
import { productToOdcs } from '../../sources/odcs/export.js';
import { EXIT, type CliIo } from '../io.js';

export async function exportCommand(options: { config: string; out: string }, io: CliIo): Promise<number> {
  const config = await loadConfig(options.config, { env: io.env });
  const out = path.resolve(options.out);
  await mkdir(out, { recursive: true });
  for (const product of config.products) {
    const contract = productToOdcs(product, config.workspace);
    await writeFile(path.join(out, `${product.id}.odcs.yaml`), `# Exported by meshwatch export odcs from ${product.file}.\n${stringify(contract, { lineWidth: 0 })}`);
  }
  io.stdout(`${options.out}: wrote ${config.products.length} ODCS v3.1.0 contract${config.products.length === 1 ? '' : 's'}\n`);
  return EXIT.ok;
}
