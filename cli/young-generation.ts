/**
 * The commands that load a large config run in a child process with a larger
 * young generation (V8's `--max-semi-space-size`).
 *
 * Why: loading 60,000 product files keeps most of what it allocates (the
 * config), so with Node's default 16 MB semi-space V8 ran about 120
 * scavenges and 3 full collections, 1.6 s of pauses in a 5 s `impact`; with
 * 64 MB, 43 scavenges and 2 full collections, 0.7 s. The flag cannot be set
 * from inside a running process (`v8.setFlagsFromString` leaves the heap as
 * configured at start, checked with --trace-gc), hence the re-run, which costs
 * one Node start-up (about 50 ms): only worth it for a large config, judged
 * by the number of entries in `products/`.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const FLAG = '--max-semi-space-size';
const SEMI_SPACE_MB = 64;
/** Below this many entries in products/ the start-up of a second process costs more than it saves. */
export const LARGE_CONFIG_FILES = 5_000;
const COMMANDS = new Set(['validate', 'impact', 'check']);

/** The `--config` value of an argument list (`.` when absent). */
function configDir(args: readonly string[]): string {
  for (let i = 1; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    if (arg === '--config') return args[i + 1] ?? '.';
    if (arg.startsWith('--config=')) return arg.slice('--config='.length);
  }
  return '.';
}

/** Whether this run should be re-run with the larger young generation (never when it already has one). */
export function wantsLargerYoungGeneration(args: readonly string[], execArgv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  if (!COMMANDS.has(args[0] ?? '')) return false;
  if (execArgv.some((a) => a.startsWith(FLAG)) || (env.NODE_OPTIONS ?? '').includes(FLAG)) return false;
  try {
    return readdirSync(path.join(configDir(args), 'products')).length >= LARGE_CONFIG_FILES;
  } catch {
    // No products folder (or not readable): the command itself says so.
    return false;
  }
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs this CLI again with the flag, output and input inherited; resolves with
 * its exit code. Signals sent to this process go to the child; a child killed
 * by a signal ends this process with the same signal.
 */
export function runWithLargerYoungGeneration(script: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, `${FLAG}=${SEMI_SPACE_MB}`, script, ...args], { stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    for (const signal of FORWARDED) process.on(signal, forward);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      for (const s of FORWARDED) process.off(s, forward);
      if (signal) {
        process.kill(process.pid, signal);
        return;
      }
      resolve(code ?? 1);
    });
  });
}
