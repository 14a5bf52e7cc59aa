/**
 * Warnings `meshwatch validate` can give without a warehouse: owner SQL that
 * obviously names a table other than `{{ table }}` or its inputs' tables, or
 * a table function. A text heuristic (names after FROM and JOIN), never the
 * enforcement: at check time the engine's own parse decides (owner-sql.ts).
 */
import { formatTableRef } from '../config/identifier.js';
import type { MeshConfig, Product } from '../config/types.js';

/** Text without string literals and comments, `{{ table }}` as a marker. */
function code(sql: string): string {
  return sql
    .replace(/\{\{\s*table\s*\}\}/g, ' __meshwatch_own_table__ ')
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    // FROM inside these functions is an argument, not a table: extract(year from ts), trim(x from y).
    .replace(/\b(extract|substring|substr|trim|overlay)\s*\([^()]*?\bfrom\b/gi, '$1(');
}

const PATH = String.raw`(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*)(?:\s*\.\s*(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*))*`;

function normalisePath(path: string): string {
  return path
    .split(/\s*\.\s*/)
    .map((p) => (p.startsWith('"') ? p.slice(1, -1).replaceAll('""', '"') : p.toLowerCase()))
    .join('.');
}

/** The names owner SQL reads, as written (CTE names left out), and the table functions it calls. */
export function namedReads(sql: string): { tables: string[]; functions: string[] } {
  const text = code(sql);
  const ctes = new Set<string>();
  for (const m of text.matchAll(/(?:\bwith\s+(?:recursive\s+)?|,\s*)([A-Za-z_][\w$]*)\s+as\s*\(/gi)) ctes.add(m[1]!.toLowerCase());
  const tables: string[] = [];
  const functions: string[] = [];
  for (const m of text.matchAll(new RegExp(String.raw`\b(?:from|join)\s+(${PATH})(\s*\()?`, 'gi'))) {
    const name = normalisePath(m[1]!);
    if (m[2]) functions.push(name);
    else if (name !== '__meshwatch_own_table__' && !ctes.has(name)) tables.push(name);
  }
  return { tables, functions };
}

function allowedNames(product: Product, byId: ReadonlyMap<string, Product>): Set<string> {
  const names = new Set<string>();
  const add = (p: Product) => {
    const full = normalisePath(formatTableRef(p.table));
    names.add(full);
    const parts = full.split('.');
    names.add(parts.slice(-2).join('.'));
  };
  add(product);
  for (const input of product.inputs) {
    const upstream = byId.get(input.product);
    if (upstream) add(upstream);
  }
  return names;
}

export function ownerSqlWarnings(config: Pick<MeshConfig, 'products'>): string[] {
  const byId = new Map(config.products.map((p) => [p.id, p]));
  const warnings: string[] = [];
  for (const product of config.products) {
    const rules = product.contract?.sql ?? [];
    if (rules.length === 0) continue;
    const allowed = allowedNames(product, byId);
    rules.forEach((rule, i) => {
      const where = `${product.file}: contract.sql[${i}] (${rule.name})`;
      const reads = namedReads(rule.query);
      for (const fn of reads.functions) warnings.push(`${where}: calls table function ${fn}(); owner SQL may read only {{ table }} and its inputs' tables, so the check will refuse it`);
      for (const table of reads.tables) {
        if (!allowed.has(table)) {
          warnings.push(`${where}: reads ${table}, which is neither {{ table }} (${formatTableRef(product.table)}) nor an input's table; the check will refuse it`);
        }
      }
    });
  }
  return warnings;
}
