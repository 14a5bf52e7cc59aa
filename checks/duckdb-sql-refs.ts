/**
 * The tables and table functions a DuckDB statement reads, from its parse
 * tree (`json_serialize_sql`). Common table expressions are not tables: a
 * bare name that a WITH clause defines is skipped. A name that is not a
 * catalog table (`from 'file.csv'`) is kept and named, so callers refuse it.
 * Used by the DuckDB adapter to confine owner SQL (and by the test Snowflake
 * server to answer EXPLAIN).
 */
export interface TableRefName {
  readonly catalog: string;
  readonly schema: string;
  readonly table: string;
}

export interface StatementRefs {
  readonly tables: TableRefName[];
  readonly functions: string[];
  /** Set when the text did not parse. */
  readonly error?: string | undefined;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (v: Json | undefined): v is { [key: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: Json | undefined): string => (typeof v === 'string' ? v : '');

export function refsOfSerializedSql(serialized: string): StatementRefs {
  let tree: Json;
  try {
    tree = JSON.parse(serialized) as Json;
  } catch {
    return { tables: [], functions: [], error: 'unreadable parse tree' };
  }
  if (isObject(tree) && tree.error === true) return { tables: [], functions: [], error: str(tree.error_message) || 'the statement does not parse' };
  const tables: TableRefName[] = [];
  const functions: string[] = [];
  // WITH names hold only inside the statement that defines them.
  const walk = (node: Json | undefined, ctes: ReadonlySet<string>): void => {
    if (Array.isArray(node)) {
      for (const child of node) walk(child, ctes);
      return;
    }
    if (!isObject(node)) return;
    let scope = ctes;
    const cteMap = node.cte_map;
    if (isObject(cteMap) && Array.isArray(cteMap.map) && cteMap.map.length > 0) {
      const names = new Set(ctes);
      for (const entry of cteMap.map) if (isObject(entry)) names.add(str(entry.key).toLowerCase());
      scope = names;
    }
    if (node.type === 'BASE_TABLE' && typeof node.table_name === 'string') {
      const ref = { catalog: str(node.catalog_name), schema: str(node.schema_name), table: node.table_name };
      if (ref.catalog !== '' || ref.schema !== '' || !scope.has(ref.table.toLowerCase())) tables.push(ref);
    } else if (node.type === 'TABLE_FUNCTION') {
      const fn = node.function;
      functions.push(isObject(fn) ? str(fn.function_name) || 'a table function' : 'a table function');
    }
    for (const value of Object.values(node)) walk(value, scope);
  };
  walk(tree, new Set());
  return { tables, functions };
}

const NAME = String.raw`(?:"(?:[^"]|"")*"|[^\s."(]+)`;
const CREATE_VIEW = new RegExp(
  String.raw`^\s*create\s+(?:or\s+replace\s+)?(?:temp(?:orary)?\s+)?view\s+(?:if\s+not\s+exists\s+)?${NAME}(?:\s*\.\s*${NAME})*\s*(?:\([^)]*\)\s*)?as\s+`,
  'i',
);

/** The query of a view from the CREATE VIEW statement DuckDB keeps (`duckdb_views().sql`). */
export function viewQuery(createSql: string): string {
  return createSql.replace(CREATE_VIEW, '').trim().replace(/;\s*$/, '');
}
