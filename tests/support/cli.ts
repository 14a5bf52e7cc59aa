import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { runCli } from '../../cli/run.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in process with captured output; `now` pins the clock for checks. */
export async function cli(args: string[], options: { now?: Date; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: options.env ?? { ...process.env, MESHWATCH_LOG_LEVEL: 'silent' },
    now: () => options.now ?? new Date(),
  });
  return { code, stdout, stderr };
}

export const REPO = path.resolve(import.meta.dirname, '..', '..');

/** Runs the built `meshwatch` bin as a user would (the global setup builds dist/ first). */
export function cliProcess(args: string[]): CliRun {
  const result = spawnSync(process.execPath, [path.join(REPO, 'dist/cli/main.js'), ...args], { encoding: 'utf8', env: { ...process.env, MESHWATCH_LOG_LEVEL: 'silent' } });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
