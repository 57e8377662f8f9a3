/**
 * `gdhttp [options] URL`: the process around {@link run}. Built to dist/gdhttp.js, the package's
 * `bin`; see README.md.
 */
import { Exit } from './exit-codes.js';
import { run } from './run.js';

const controller = new AbortController();
// The first Ctrl-C or `kill` stops the request cleanly (a partial -o download is deleted); the
// reason picks the exit code. A second one gets Node's default: exit at once.
for (const name of ['SIGINT', 'SIGTERM'] as const) {
  process.once(name, () => controller.abort(name));
}
// A closed pipe (`gdhttp URL | head -c 10`) is an 'error' event on stdout; without a listener
// Node would die with a stack trace. Stop the request instead and report it in one line; after
// the request (the last write's error comes a tick later) only the line and the exit code are left.
let finished = false;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (!finished) controller.abort(error);
  else if (process.exitCode === Exit.OK) {
    process.stderr.write(`gdhttp: cannot write to stdout (${error.code})\n`);
    process.exitCode = Exit.WRITE_ERROR;
  }
});

// `pnpm start -- ARGS` passes the `--` on (npm drops it); as the first argument it can only be
// that separator, and kept it would turn every option after it into a URL.
const args = process.argv.slice(2);
if (process.env.npm_lifecycle_event === 'start' && args[0] === '--') args.shift();

process.exitCode = await run(args, {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  // `pnpm --filter @gdhttp/cli start` runs in apps/cli; relative paths are the caller's.
  cwd:
    process.env.npm_lifecycle_event === 'start' && process.env.INIT_CWD
      ? process.env.INIT_CWD
      : process.cwd(),
  signal: controller.signal,
});
finished = true;
