import { Exit, Failure } from './exit-codes.js';
import { parseArgs, USAGE, UsageError } from './parse-args.js';

/** A stream `gdhttp` writes to: `process.stdout` / `process.stderr`, or a test double. */
export interface Output {
  /** Writes; `false` asks the writer to wait for `drain` (Node's backpressure). */
  write(chunk: string | Uint8Array): boolean;
  /** Registers a `drain` listener; without it `gdhttp` never waits. */
  once?(event: 'drain', listener: () => void): unknown;
  /** Whether it is a terminal: decides the progress bar and the binary-body check. */
  isTTY?: boolean;
  /** A terminal's width, for the progress bar. */
  columns?: number;
}

/** The process `gdhttp` runs in: its streams, environment and working directory. */
export interface Io {
  stdout: Output;
  stderr: Output;
  /** Read for `-d @-`, `-F name=@-`/`<-` and `-T -`; absent reads as empty. */
  stdin?: AsyncIterable<Uint8Array>;
  /** Proxy variables, `GDHTTP_PROGRESS` (1 or 0: the progress bar's default). */
  env: Readonly<Record<string, string | undefined>>;
  /** Where relative `-o`, `-O`, `-D`, `--cacert` and `@file` paths start. */
  cwd: string;
  /**
   * Stops the request. Its `reason` picks the exit: `'SIGTERM'` → 143, an `Error` with an errno
   * `code` (stdout broke, e.g. `EPIPE`) → 23, anything else (Ctrl-C) → 130.
   */
  signal?: AbortSignal;
}

/**
 * Runs `gdhttp` in-process: parses `argv`, makes the request with HTTPRequest, writes the body to
 * stdout or `-o`, and reports. Every failure prints exactly one line, `gdhttp: …`, to stderr —
 * never a stack trace — and is told apart by the exit code. Only a command line that makes a
 * request loads the network stack.
 *
 * @param argv - the arguments after the program name.
 * @param io - the streams, environment, working directory and abort signal to use.
 * @returns the exit code (README.md's table): 0, 2 for usage errors, else by `Result`.
 * @example
 * ```ts
 * process.exitCode = await run(process.argv.slice(2), {
 *   stdout: process.stdout,
 *   stderr: process.stderr,
 *   env: process.env,
 *   cwd: process.cwd(),
 * });
 * ```
 */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  let quiet = false;
  try {
    const options = parseArgs(argv);
    quiet = options.silent && !options.showError;
    if (options.help) {
      io.stdout.write(`${USAGE}\n`);
      return Exit.OK;
    }
    if (options.version) {
      const { versionText } = await import('./version.js');
      io.stdout.write(`${versionText()}\n`);
      return Exit.OK;
    }
    const { transfer } = await import('./transfer.js');
    return await transfer(options, io);
  } catch (error) {
    return report(error, io, quiet);
  }
}

/** Prints the one line for a thrown failure (unless `-s`) and picks its exit code. */
function report(error: unknown, io: Io, quiet: boolean): number {
  const say = (message: string) => {
    if (!quiet) io.stderr.write(`gdhttp: ${message}\n`);
  };
  if (error instanceof UsageError) {
    // A command line that cannot run is always told, as curl does even with -s.
    io.stderr.write(`gdhttp: ${error.message}\n`);
    return Exit.USAGE;
  }
  if (error instanceof Failure) {
    say(error.message);
    return error.exitCode;
  }
  if (io.signal?.aborted) {
    const reason: unknown = io.signal.reason;
    if (reason instanceof Error && typeof (reason as NodeJS.ErrnoException).code === 'string') {
      say(`cannot write to stdout (${(reason as NodeJS.ErrnoException).code})`);
      return Exit.WRITE_ERROR;
    }
    say('interrupted');
    return reason === 'SIGTERM' ? Exit.TERMINATED : Exit.INTERRUPTED;
  }
  // A bug: still one line, never a stack trace.
  say(`unexpected error: ${error instanceof Error ? error.message : String(error)}`);
  return Exit.FAILED;
}
