/**
 * The parts of a dbt `manifest.json` (schema v7 to v12) that meshwatch reads,
 * checked with zod. Manifests are large and their key sets vary within one
 * schema version (see SOURCES.md in real-inputs): everything is optional
 * except what identifies a node, and unknown keys are ignored.
 */
import { z } from 'zod';

const optText = z.string().nullish().transform((v) => v ?? undefined);
const record = z.record(z.string(), z.unknown()).nullish().transform((v) => v ?? {});
const nodeList = z
  .looseObject({ nodes: z.array(z.string()).nullish() })
  .nullish()
  .transform((d) => d?.nodes ?? []);

const contractSchema = z.looseObject({ enforced: z.boolean().nullish() }).nullish();

const columnSchema = z.looseObject({
  name: z.string(),
  data_type: optText,
  description: optText,
  meta: record,
});

export type DbtColumn = z.infer<typeof columnSchema>;

const afterSchema = z.looseObject({ count: z.number().nullish(), period: optText }).nullish();
const freshnessSchema = z.looseObject({ warn_after: afterSchema, error_after: afterSchema, filter: optText }).nullish();
/**
 * dbt 1.10+ model freshness (`config.freshness`): `build_after` (how often
 * dbt may rebuild the model) and, from dbt's v2 docs on, `warn_after` /
 * `error_after` with `loaded_at_field` / `loaded_at_query` as for sources.
 * Every real manifest here writes `freshness: null` on models.
 */
const modelFreshnessSchema = z
  .looseObject({
    build_after: z.looseObject({ count: z.number().nullish(), period: optText, updates_on: optText }).nullish(),
    warn_after: afterSchema,
    error_after: afterSchema,
  })
  .nullish();

const nodeConfigObject = z.looseObject({
    enabled: z.boolean().nullish(),
    meta: record,
    tags: z.union([z.array(z.string()), z.string()]).nullish(),
    severity: optText,
    warn_if: optText,
    error_if: optText,
    where: optText,
    contract: contractSchema,
    materialized: optText,
    freshness: modelFreshnessSchema,
    loaded_at_field: optText,
    loaded_at_query: optText,
  });
const nodeConfig = nodeConfigObject.nullish().transform((c) => c ?? nodeConfigObject.parse({}));

const nodeSchema = z.looseObject({
  unique_id: z.string(),
  resource_type: z.string(),
  name: z.string(),
  package_name: optText,
  database: optText,
  schema: optText,
  alias: optText,
  identifier: optText,
  relation_name: optText,
  description: optText,
  version: z.union([z.string(), z.number()]).nullish(),
  access: optText,
  group: optText,
  tags: z.array(z.string()).nullish(),
  meta: record,
  config: nodeConfig,
  contract: contractSchema,
  columns: z.record(z.string(), columnSchema).nullish(),
  depends_on: nodeList,
  test_metadata: z.looseObject({ name: z.string(), namespace: optText, kwargs: record }).nullish(),
  attached_node: optText,
  column_name: optText,
});

export type DbtNode = z.infer<typeof nodeSchema>;


const sourceSchema = z.looseObject({
  unique_id: z.string(),
  name: z.string(),
  source_name: z.string(),
  database: optText,
  schema: optText,
  identifier: optText,
  description: optText,
  loaded_at_field: optText,
  freshness: freshnessSchema,
  config: z.looseObject({ enabled: z.boolean().nullish(), freshness: freshnessSchema, meta: record }).nullish(),
  meta: record,
  tags: z.array(z.string()).nullish(),
  columns: z.record(z.string(), columnSchema).nullish(),
});

export type DbtSource = z.infer<typeof sourceSchema>;
export type DbtFreshness = z.infer<typeof freshnessSchema>;

const ownerSchema = z.looseObject({ name: optText, email: optText }).nullish();

const exposureSchema = z.looseObject({
  unique_id: z.string(),
  name: z.string(),
  label: optText,
  type: optText,
  owner: ownerSchema,
  meta: record,
  config: z.looseObject({ meta: record }).nullish(),
  depends_on: nodeList,
});

export type DbtExposure = z.infer<typeof exposureSchema>;

const groupSchema = z.looseObject({ name: z.string(), owner: ownerSchema });
export type DbtGroup = z.infer<typeof groupSchema>;

export const manifestSchema = z.looseObject({
  metadata: z.looseObject({
    dbt_schema_version: z.string({ error: 'expected metadata.dbt_schema_version: is this a dbt manifest.json?' }),
    dbt_version: optText,
    project_name: optText,
    adapter_type: optText,
  }),
  nodes: z.record(z.string(), nodeSchema),
  sources: z.record(z.string(), sourceSchema).nullish().transform((v) => v ?? {}),
  exposures: z.record(z.string(), exposureSchema).nullish().transform((v) => v ?? {}),
  groups: z.record(z.string(), groupSchema).nullish().transform((v) => v ?? {}),
});

export type DbtManifest = z.infer<typeof manifestSchema>;

/** `https://schemas.getdbt.com/dbt/manifest/v12.json` → 12. */
export function schemaVersion(manifest: DbtManifest): number | undefined {
  const match = /manifest\/v(\d+)(?:\.json)?$/.exec(manifest.metadata.dbt_schema_version);
  return match ? Number(match[1]) : undefined;
}
