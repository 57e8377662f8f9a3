import { Result } from '@gdhttp/constants';

/**
 * `gdhttp`'s exit codes. Each network outcome is an HTTPRequest {@link Result}; where curl has an
 * exit code for the same failure, `gdhttp` uses curl's number, so scripts written for curl keep
 * working. README.md lists them as a table (a test keeps the two in step).
 */
export const Exit = {
  OK: 0,
  /** Anything unexpected (a bug), and `Result.REQUEST_FAILED`: the message says what. */
  FAILED: 1,
  /** A command line that cannot run: unknown option, missing value, malformed URL. */
  USAGE: 2,
  CANT_RESOLVE: 6,
  CANT_CONNECT: 7,
  /** curl's "partial file": the body did not match its framing. */
  CHUNKED_BODY_SIZE_MISMATCH: 18,
  /** `--fail` and a status of 400 or more. */
  HTTP_ERROR: 22,
  /** The `-o` file (or stdout) could not be created or written. */
  WRITE_ERROR: 23,
  /** `-d @FILE` / `--data-binary @FILE` could not be read. */
  READ_ERROR: 26,
  TIMEOUT: 28,
  /** `-C N`: the server did not answer the range (curl's "cannot resume"). */
  RANGE_ERROR: 33,
  TLS_HANDSHAKE_ERROR: 35,
  REDIRECT_LIMIT_REACHED: 47,
  NO_RESPONSE: 52,
  CONNECTION_ERROR: 56,
  BODY_DECOMPRESS_FAILED: 61,
  BODY_SIZE_LIMIT_EXCEEDED: 63,
  /** A 307/308 with -L asked for a body that was read once (`-T -`): curl's "rewind" failure. */
  REWIND: 65,
  /** `--cacert FILE` could not be read or holds no certificate. */
  CACERT: 77,
  /** Ctrl-C (128 + SIGINT, as a shell reports it). */
  INTERRUPTED: 130,
  /** `kill` (128 + SIGTERM). */
  TERMINATED: 143,
} as const;

/** One of {@link Exit}'s values. */
export type Exit = (typeof Exit)[keyof typeof Exit];

/**
 * The exit code of a request that ended with `result`.
 *
 * @param result - the HTTPRequest outcome.
 * @returns its exit code; 0 only for `SUCCESS`.
 */
export function exitCodeOf(result: Result): Exit {
  // Exhaustive: a new Result fails to compile here until it has a code.
  switch (result) {
    case Result.SUCCESS:
      return Exit.OK;
    case Result.CHUNKED_BODY_SIZE_MISMATCH:
      return Exit.CHUNKED_BODY_SIZE_MISMATCH;
    case Result.CANT_CONNECT:
      return Exit.CANT_CONNECT;
    case Result.CANT_RESOLVE:
      return Exit.CANT_RESOLVE;
    case Result.CONNECTION_ERROR:
      return Exit.CONNECTION_ERROR;
    case Result.TLS_HANDSHAKE_ERROR:
      return Exit.TLS_HANDSHAKE_ERROR;
    case Result.NO_RESPONSE:
      return Exit.NO_RESPONSE;
    case Result.BODY_SIZE_LIMIT_EXCEEDED:
      return Exit.BODY_SIZE_LIMIT_EXCEEDED;
    case Result.BODY_DECOMPRESS_FAILED:
      return Exit.BODY_DECOMPRESS_FAILED;
    case Result.REQUEST_FAILED:
      return Exit.FAILED;
    case Result.DOWNLOAD_FILE_CANT_OPEN:
    case Result.DOWNLOAD_FILE_WRITE_ERROR:
      return Exit.WRITE_ERROR;
    case Result.REDIRECT_LIMIT_REACHED:
      return Exit.REDIRECT_LIMIT_REACHED;
    case Result.TIMEOUT:
      return Exit.TIMEOUT;
  }
}

/** What the request was, for the one-line failure messages. */
export interface FailureContext {
  /** The URL's host, as typed (no userinfo). */
  host: string;
  port: number;
  /** The `--proxy` in use, or `null`. */
  proxy: { host: string; port: number } | null;
  /** `--timeout` in seconds. */
  timeout: number;
  /** The redirect limit in force (0 without `-L`). */
  maxRedirects: number;
  /** `--max-filesize` in bytes, or -1. */
  maxFilesize: number;
  /** The `-o` path, or `null` for stdout. */
  output: string | null;
}

/**
 * The one-line message (printed after `gdhttp: `) for a request that ended with `result`. It
 * names the values that matter — host, port, proxy, limit, file — and never a credential.
 *
 * @param result - the HTTPRequest outcome (not `SUCCESS`).
 * @param ctx - what the command asked for.
 * @returns the message, without a trailing newline.
 */
export function failureMessage(result: Result, ctx: FailureContext): string {
  const where = `${ctx.host}:${ctx.port}`;
  const proxy = ctx.proxy === null ? null : `${ctx.proxy.host}:${ctx.proxy.port}`;
  const file = ctx.output === null ? 'stdout' : `'${ctx.output}'`;
  switch (result) {
    case Result.SUCCESS:
      return 'success';
    case Result.CANT_RESOLVE:
      // Through a proxy, gdhttp resolves only the proxy's name; the proxy resolves the target's.
      return ctx.proxy === null
        ? `cannot resolve host '${ctx.host}'`
        : `cannot resolve proxy host '${ctx.proxy.host}'`;
    case Result.CANT_CONNECT:
      return proxy === null
        ? `cannot connect to ${where} (connection refused or host unreachable)`
        : `cannot connect to ${where} through proxy ${proxy} (proxy unreachable, or it refused the tunnel)`;
    case Result.TLS_HANDSHAKE_ERROR:
      return `TLS handshake with ${where} failed (certificate untrusted, expired or for another name? see --cacert and -k)`;
    case Result.TIMEOUT:
      return `timed out after ${ctx.timeout} s (--max-time)`;
    case Result.REDIRECT_LIMIT_REACHED:
      return `too many redirects (more than ${ctx.maxRedirects}; see --max-redirs)`;
    case Result.NO_RESPONSE:
      return `no response from ${where} (a status line without any header)`;
    case Result.CONNECTION_ERROR:
      return `connection to ${where} failed mid-response (reset, truncated or malformed)`;
    case Result.BODY_DECOMPRESS_FAILED:
      return 'cannot decode the response body (corrupt or truncated gzip, deflate or br)';
    case Result.BODY_SIZE_LIMIT_EXCEEDED:
      return `the response body is larger than ${ctx.maxFilesize} bytes (--max-filesize)`;
    case Result.DOWNLOAD_FILE_CANT_OPEN:
      return `cannot create ${file}`;
    case Result.DOWNLOAD_FILE_WRITE_ERROR:
      return `cannot write ${file}`;
    case Result.CHUNKED_BODY_SIZE_MISMATCH:
      return `the body from ${where} does not match its declared size`;
    case Result.REQUEST_FAILED:
      return `the request to ${where} failed`;
  }
}

/** A failure before, around or after the request, with its exit code; printed as one line. */
export class Failure extends Error {
  override readonly name = 'Failure';

  /**
   * @param message - the line printed after `gdhttp: `.
   * @param exitCode - the process's exit code.
   */
  constructor(
    message: string,
    readonly exitCode: Exit,
  ) {
    super(message);
  }
}
