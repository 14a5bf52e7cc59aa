/** `meshwatch serve` as a separate process (the built bin), with its output captured. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO } from './cli.js';
import { until } from './service.js';

export interface ServeProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal that ended it). */
  readonly exited: Promise<number | string>;
  port(): Promise<number>;
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

export function spawnServe(configDir: string, env: NodeJS.ProcessEnv, args: string[] = []): ServeProcess {
  const child = spawn(process.execPath, [path.join(REPO, 'dist/cli/main.js'), 'serve', '--config', configDir, '--port', '0', ...args], {
    env: { ...process.env, MESHWATCH_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const waitForLog = async (pattern: RegExp, timeoutMs = 30_000) => {
    await until(`serve to log ${pattern}`, () => pattern.test(err), timeoutMs);
  };
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLog,
    async port() {
      await waitForLog(/listening on port \d+/);
      return Number(/listening on port (\d+)/.exec(err)![1]);
    },
  };
}
