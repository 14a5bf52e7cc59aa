import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts', 'tests/support/redis-global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // DuckDB and the fake Snowflake server are real engines: keep parallelism
    // to the machine's two cores.
    maxWorkers: 2,
  },
});
