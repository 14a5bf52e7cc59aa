import type { Engine } from './identifier.js';

/**
 * What each warehouse engine records, known without connecting, so config
 * that needs a capability is rejected by `validate` (and before anything
 * runs), not discovered mid-check.
 */
export const ENGINE_CAPABILITIES: Record<Engine, { readonly lastModified: boolean; readonly rowCount: boolean }> = {
  duckdb: { lastModified: false, rowCount: false },
  snowflake: { lastModified: true, rowCount: true },
};
