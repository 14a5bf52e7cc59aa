/** Small dbt manifests (schema v12) written as JSON, for tests that load them through `sources:`. */
type Json = Record<string, unknown>;

export const dbtModel = (name: string, extra: Json = {}): Json => ({
  unique_id: `model.shop.${name}`,
  resource_type: 'model',
  name,
  database: 'db',
  schema: 'mart',
  alias: name,
  depends_on: { nodes: [] },
  columns: {},
  config: {},
  meta: {},
  ...extra,
});

let count = 0;
export const dbtTest = (name: string, kwargs: Json, attached: string, namespace: string | null = null): Json => ({
  unique_id: `test.shop.${name}.${attached}.${++count}`,
  resource_type: 'test',
  name,
  attached_node: `model.shop.${attached}`,
  depends_on: { nodes: [`model.shop.${attached}`] },
  test_metadata: { name: name.replace(/^.*\./, ''), namespace, kwargs: { model: `{{ get_where_subquery(ref('${attached}')) }}`, ...kwargs } },
  config: { severity: 'ERROR', warn_if: '!= 0', error_if: '!= 0' },
});

export function dbtManifestJson(nodes: Json[], extra: Json = {}): string {
  return JSON.stringify({
    metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json', project_name: 'shop' },
    nodes: Object.fromEntries(nodes.map((n) => [n.unique_id, n])),
    ...extra,
  });
}
