/**
 * `gdhttp [options] URL`: the process around {@link run}. Built to dist/gdhttp-core.js, a classic
 * script that dist/gdhttp.js (src/bin.ts, the package's `bin`) compiles with a V8 code cache; see
 * README.md ("Startup") and docs/decisions/0021-cli-core-with-code-cache.md.
 */
import { isatty } from 'node:tty';
import { Exit } from './exit-codes.js';
import { type Output, run } from './run.js';

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
const onStdoutError = (error: NodeJS.ErrnoException): void => {
  if (!finished) controller.abort(error);
  else if (process.exitCode === Exit.OK) {
    process.stderr.write(`gdhttp: cannot write to stdout (${error.code})\n`);
    process.exitCode = Exit.WRITE_ERROR;
  }
};

/**
 * `process.stdout` or `process.stderr`, made on the first write: Node builds the stream (a pipe,
 * a terminal, a file) when it is first touched, a few milliseconds that a request spends better
 * after its bytes have left — and that `-s -o FILE` never spends. Whether it is a terminal is
 * asked of the descriptor, which makes nothing.
 */
function lazyOutput(fd: 1 | 2): Output {
  let stream: NodeJS.WriteStream | undefined;
  const get = (): NodeJS.WriteStream => {
    if (stream === undefined) {
      stream = fd === 1 ? process.stdout : process.stderr;
      if (fd === 1) stream.on('error', onStdoutError);
    }
    return stream;
  };
  return {
    write: (chunk) => get().write(chunk),
    once: (event, listener) => get().once(event, listener),
    get isTTY() {
      return stream?.isTTY ?? isatty(fd);
    },
    get columns() {
      // Only a terminal has a width (the progress bar's); 0 reads as its default, 80.
      return isatty(fd) ? get().columns : 0;
    },
  };
}

// `pnpm start -- ARGS` passes the `--` on (npm drops it); as the first argument it can only be
// that separator, and kept it would turn every option after it into a URL.
const args = process.argv.slice(2);
if (process.env.npm_lifecycle_event === 'start' && args[0] === '--') args.shift();

// No top-level await: the core is a classic script, not a module.
void run(args, {
  stdout: lazyOutput(1),
  stderr: lazyOutput(2),
  // Made only when a body is read from it (-d @-, -F @-, -T -): process.stdin opens a stream
  // on fd 0, which a request without such a body has no use for.
  stdin: { [Symbol.asyncIterator]: () => process.stdin[Symbol.asyncIterator]() },
  env: process.env,
  // `pnpm --filter @gdhttp/cli start` runs in apps/cli; relative paths are the caller's.
  cwd:
    process.env.npm_lifecycle_event === 'start' && process.env.INIT_CWD
      ? process.env.INIT_CWD
      : process.cwd(),
  signal: controller.signal,
}).then((code) => {
  process.exitCode = code;
  finished = true;
});
