/**
 * Opens the configured warehouse. Each engine's driver is loaded only when
 * that engine is configured, so DuckDB users never load snowflake-sdk.
 */
import type { WarehouseConfig } from '../config/types.js';
import type { Logger } from '../core/logger.js';
import type { Warehouse } from './warehouse.js';

export interface OpenOptions {
  readonly defaultTimeoutMs?: number;
  readonly logger?: Logger;
}

export async function openWarehouse(config: WarehouseConfig, options: OpenOptions = {}): Promise<Warehouse> {
  if (config.type === 'duckdb') {
    const { openDuckdbWarehouse } = await import('./duckdb-warehouse.js');
    return openDuckdbWarehouse(config, { ...(options.defaultTimeoutMs !== undefined ? { defaultTimeoutMs: options.defaultTimeoutMs } : {}) });
  }
  const { openSnowflakeWarehouse } = await import('./snowflake-warehouse.js');
  // warehouse.statementTimeout, where set, is the more specific setting.
  const defaultTimeoutMs = config.statementTimeout?.ms ?? options.defaultTimeoutMs;
  return openSnowflakeWarehouse(config, {
    ...(defaultTimeoutMs !== undefined ? { defaultTimeoutMs } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
