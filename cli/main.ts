#!/usr/bin/env node
import { reportInternalError, runCli } from './run.js';
import { runWithLargerYoungGeneration, wantsLargerYoungGeneration } from './young-generation.js';

// Anything that escapes runCli (an error in a stream callback, say) is a bug: one line, exit 3.
const crash = (err: unknown) => {
  process.exitCode = reportInternalError(err, { stderr: (text) => process.stderr.write(text), env: process.env });
  process.exit();
};
process.on('uncaughtException', crash);
// A reader that goes away (`meshwatch check | head`) is not a bug: stop quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit();
  crash(err);
});
process.on('unhandledRejection', crash);

const args = process.argv.slice(2);
const inProcess = () =>
  runCli(args, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    now: () => new Date(),
  });
// A large config loads faster with a larger young generation, which needs a fresh process (young-generation.ts).
const code = wantsLargerYoungGeneration(args, process.execArgv, process.env)
  ? await runWithLargerYoungGeneration(process.argv[1]!, args).catch(inProcess)
  : await inProcess();
// Let stdout drain (large JSON reports through a pipe) before exiting.
process.exitCode = code;
