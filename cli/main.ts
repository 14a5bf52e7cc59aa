#!/usr/bin/env node
import { reportInternalError, runCli } from './run.js';

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

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  now: () => new Date(),
});
// Let stdout drain (large JSON reports through a pipe) before exiting.
process.exitCode = code;
