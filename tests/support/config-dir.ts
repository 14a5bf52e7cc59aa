/** Writes a throwaway config directory from file contents; removed by the returned cleanup. */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const WORKSPACE = `
warehouse: { type: duckdb, path: warehouse.duckdb }
defaults: { schedule: "*/15 * * * *", timezone: UTC }
platform: { slackChannel: "#data-platform" }
domains:
  - { id: sales, name: Sales, businessUnit: Retail, slackChannel: "#sales-data", oncall: "@sales-oncall" }
  - { id: crm, name: CRM, businessUnit: Retail, slackChannel: "#crm-data" }
  - { id: finance, name: Group Finance, businessUnit: Finance, slackChannel: "#finance-data" }
  - { id: marketing, name: Marketing Analytics, businessUnit: Marketing, slackChannel: "#marketing-data" }
`;

export async function writeConfigDir(files: Record<string, string>): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'meshwatch-config-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A product file from a few fields; `extra` is appended verbatim (YAML). */
export function productYaml(id: string, domain: string, extra = ''): string {
  return `id: ${id}\ndomain: ${domain}\ntier: open\ntable: ${domain}.${id.split('.')[1]!.replaceAll('-', '_')}\n${extra}`;
}
