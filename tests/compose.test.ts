/** No Docker engine runs here: the compose file and Dockerfile are checked for the structure the deployment relies on. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseDuration } from '../config/duration.js';
import { REPO } from './support/cli.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
}

async function compose(): Promise<{ services: Record<string, Service>; volumes: Record<string, unknown> }> {
  return parse(await readFile(path.join(REPO, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
}

const words = (command: string[] | string | undefined) => (Array.isArray(command) ? command.join(' ') : (command ?? ''));

describe('docker-compose.yml', () => {
  it('runs Redis with AOF every second and noeviction, on a named volume, with a healthcheck', async () => {
    const { services, volumes } = await compose();
    const redis = services.redis!;
    expect(redis.image).toMatch(/^redis:/);
    const command = words(redis.command);
    expect(command).toMatch(/--appendonly yes/);
    expect(command).toMatch(/--appendfsync everysec/);
    expect(command).toMatch(/--maxmemory-policy noeviction/);
    expect(redis.volumes).toContain('redis-data:/data');
    expect(Object.keys(volumes)).toContain('redis-data');
    expect(words(redis.healthcheck?.test)).toMatch(/redis-cli ping/);
  });

  it('serves the example mesh with meshwatch serve, Redis from REDIS_URL, secrets from the environment', async () => {
    const { services, volumes } = await compose();
    const meshwatch = services.meshwatch!;
    expect(meshwatch.build).toBeDefined();
    const command = words(meshwatch.command);
    expect(command).toMatch(/dist\/cli\/main\.js serve --config examples\/demo-mesh --port 8080/);
    expect(command).toMatch(/exec node/); // node gets SIGTERM directly, so shutdown drains
    expect(meshwatch.environment?.REDIS_URL).toBe('redis://redis:6379');
    for (const secret of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SNOWFLAKE_PRIVATE_KEY']) {
      expect(meshwatch.environment?.[secret]).toMatch(new RegExp(`^\\$\\{${secret}(:-)?\\}$`));
    }
    expect(meshwatch.depends_on?.redis?.condition).toBe('service_healthy');
    expect(words(meshwatch.healthcheck?.test)).toMatch(/\/readyz/);
    const volume = meshwatch.volumes?.[0]?.split(':');
    expect(Object.keys(volumes)).toContain(volume?.[0]);
    expect(meshwatch.environment?.MESHWATCH_NOTIFY_LOG?.startsWith(volume?.[1] ?? '-')).toBe(true);
    // Docker waits longer than meshwatch's own shutdown timeout before it kills.
    const timeout = /--shutdown-timeout (\S+)/.exec(command)?.[1] ?? '30s';
    expect(parseDuration(meshwatch.stop_grace_period ?? '10s')!).toBeGreaterThan(parseDuration(timeout)!);
  });

  it('has a Dockerfile that builds the service and runs meshwatch serve', async () => {
    const dockerfile = await readFile(path.join(REPO, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toMatch(/RUN npm ci/);
    for (const dir of ['state', 'accountability', 'notifier', 'scheduler', 'status', 'checks', 'config', 'sources', 'catalog', 'cli', 'core', 'scripts']) {
      expect(dockerfile).toMatch(new RegExp(`^COPY ${dir} `, 'm'));
    }
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/cli\/main\.js", "serve"/m);
    expect(dockerfile).toMatch(/^USER node/m);
  });
});
