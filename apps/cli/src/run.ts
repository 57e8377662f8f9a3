import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { USER_AGENT } from '@gdhttp/client';
import { ErrorCode, Method, methodToken, Result, reasonPhrase } from '@gdhttp/constants';
import {
  HTTPRequest,
  HTTPRequestError,
  type HTTPRequestOptions,
  type HTTPRequestResult,
} from '@gdhttp/request';
import { TLSOptions } from '@gdhttp/transport';
import { Exit, exitCodeOf, failureMessage } from './exit-codes.js';
import {
  type Options,
  type ProxySetting,
  parseArgs,
  parseProxy,
  USAGE,
  UsageError,
} from './parse-args.js';
import { ProgressBar } from './progress-bar.js';

/** A stream `gdhttp` writes to: `process.stdout` / `process.stderr`, or a test double. */
export interface Output {
  /** Writes; `false` asks the writer to wait for `drain` (Node's backpressure). */
  write(chunk: string | Uint8Array): boolean;
  /** Registers a `drain` listener; without it `gdhttp` never waits. */
  once?(event: 'drain', listener: () => void): unknown;
  /** Whether it is a terminal: decides whether the progress bar is drawn. */
  isTTY?: boolean;
  /** A terminal's width, for the progress bar. */
  columns?: number;
}

/** The process `gdhttp` runs in: its streams, environment and working directory. */
export interface Io {
  stdout: Output;
  stderr: Output;
  /** Read for `GDHTTP_PROGRESS` (1 or 0: the progress bar's default). */
  env: Readonly<Record<string, string | undefined>>;
  /** Where relative `-o`, `--cacert` and `@file` paths start. */
  cwd: string;
  /**
   * Stops the request. Its `reason` picks the exit: `'SIGTERM'` → 143, an `Error` with an errno
   * `code` (stdout broke, e.g. `EPIPE`) → 23, anything else (Ctrl-C) → 130.
   */
  signal?: AbortSignal;
}

/** A failure before or around the request, with its exit code; printed as one line. */
class Failure extends Error {
  constructor(
    message: string,
    readonly exitCode: Exit,
  ) {
    super(message);
  }
}

const EMPTY = new Uint8Array(0);

const headerName = (header: string) => header.slice(0, header.indexOf(':')).trim().toLowerCase();
const has = (headers: readonly string[], name: string) =>
  headers.some((h) => headerName(h) === name);

/**
 * Runs `gdhttp` in-process: parses `argv`, makes the request with HTTPRequest, writes the body to
 * stdout or `-o`, and reports. Every failure prints exactly one line, `gdhttp: …`, to stderr —
 * never a stack trace — and is told apart by the exit code.
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
  try {
    const options = parseArgs(argv);
    if (options.help) {
      io.stdout.write(`${USAGE}\n`);
      return Exit.OK;
    }
    return await transfer(options, io);
  } catch (error) {
    return report(error, io);
  }
}

/** Prints the one line for a thrown failure and picks its exit code. */
function report(error: unknown, io: Io): number {
  const say = (message: string) => io.stderr.write(`gdhttp: ${message}\n`);
  if (error instanceof UsageError) {
    say(error.message);
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

async function transfer(o: Options, io: Io): Promise<number> {
  const url = new URL(o.url);
  const tls = url.protocol === 'https:';
  const port = url.port === '' ? (tls ? 443 : 80) : Number(url.port);
  const body = await requestBody(o, io.cwd);
  const method = o.method ?? (o.head ? Method.HEAD : body !== null ? Method.POST : Method.GET);

  const headers = o.headers.slice();
  if (body !== null && !has(headers, 'content-type')) {
    // curl's default for -d and --data-binary.
    headers.push('Content-Type: application/x-www-form-urlencoded');
  }

  const http = new HTTPRequest();
  // curl asks for no content coding unless --compressed; Godot's HTTPRequest asks by default.
  http.acceptGzip = o.compressed;
  // Without -L a 3xx is the answer, as in curl: HTTPRequest then stops at the first redirect.
  const maxRedirects = o.follow ? (o.maxRedirects ?? http.maxRedirects) : 0;
  http.maxRedirects = maxRedirects;
  http.timeout = o.timeout;
  http.bodySizeLimit = o.maxFilesize;
  const output = o.output !== null && !o.head ? resolve(io.cwd, o.output) : null;
  // With -f the download lands beside the target first and replaces it only for a status below
  // 400: HTTPRequest would otherwise put the error page in place of a good older file.
  const landing =
    output !== null && o.fail
      ? join(dirname(output), `.${basename(output)}.${process.pid}.gdhttp`)
      : output;
  if (landing !== null) http.downloadFile = landing;

  // curl's -k turns verification off entirely, even with --cacert; Godot's clientUnsafe(chain)
  // would still check the chain, which is not what a curl user asks for.
  if (o.insecure) http.setTlsOptions(TLSOptions.clientUnsafe());
  else if (o.cacert !== null) {
    http.setTlsOptions(TLSOptions.client(await caCertificates(resolve(io.cwd, o.cacert))));
  }
  let proxy: ProxySetting | null = null;
  if (o.proxy !== null) {
    proxy = parseProxy(o.proxy);
    http.setHttpProxy(proxy.host, proxy.port, proxy.username, proxy.password);
    http.setHttpsProxy(proxy.host, proxy.port, proxy.username, proxy.password);
  }

  const bar = wantsBar(o, output, io) ? new ProgressBar(io.stderr) : null;
  if (bar !== null) {
    http.on('progress', ({ downloadedBytes, bodySize }) => bar.update(downloadedBytes, bodySize));
  }
  if (o.verbose) io.stderr.write(requestHead(o, url, port, method, headers, body, proxy));

  // The body streams to stdout as it arrives, so `gdhttp URL > big.iso` needs no memory for it.
  // -v and -f keep it until the end instead: -v prints the response head first (as curl does),
  // and -f prints no body at all for a status of 400 or more.
  const stream = output === null && !o.head && !o.verbose && !o.fail;
  const options: HTTPRequestOptions = {};
  if (io.signal !== undefined) options.signal = io.signal;
  if (stream) options.onBody = (chunk) => toStdout(chunk, io.stdout);

  let response: HTTPRequestResult;
  try {
    response = await http.requestRaw(o.url, headers, method, body ?? EMPTY, options);
  } catch (error) {
    bar?.abandon();
    if (error instanceof HTTPRequestError) {
      if (error.code === ErrorCode.INVALID_PARAMETER) throw new UsageError(error.message);
      if (error.code === ErrorCode.CANT_CONNECT) {
        throw new Failure(
          `cannot connect to ${url.hostname}:${port} (${error.message})`,
          Exit.CANT_CONNECT,
        );
      }
    }
    throw error;
  } finally {
    http.close();
  }

  const code = response.responseCode;
  const notFollowed = response.result === Result.REDIRECT_LIMIT_REACHED && !o.follow;
  if (response.result !== Result.SUCCESS && !notFollowed) {
    bar?.abandon();
    // A failure after the head arrived (limit, decoding, redirects) still shows that head.
    if (o.verbose && code !== 0) io.stderr.write(responseHead(response, '< '));
    const message = failureMessage(response.result, {
      host: url.hostname,
      port,
      proxy,
      timeout: o.timeout,
      maxRedirects,
      maxFilesize: o.maxFilesize,
      output,
    });
    io.stderr.write(`gdhttp: ${message}\n`);
    return exitCodeOf(response.result);
  }

  bar?.finish();
  if (o.verbose) io.stderr.write(responseHead(response, '< '));
  const failed = o.fail && code >= 400;
  if (o.head) {
    await writeOut(responseHead(response, ''), o.output, io);
  } else if (landing !== output && landing !== null && output !== null) {
    if (failed) {
      await rm(landing, { force: true });
    } else {
      await rename(landing, output).catch((error: NodeJS.ErrnoException) => {
        // No file landed: HTTPRequest creates none for a response without a body (a HEAD, a 204,
        // a 3xx not followed).
        if (error.code === 'ENOENT') return;
        throw new Failure(`cannot write '${output}' (${error.code})`, Exit.WRITE_ERROR);
      });
    }
  } else if (output === null && !stream && !failed) {
    io.stdout.write(response.body);
  }
  if (notFollowed) {
    const location = lastHeader(response.headers, 'location') ?? '?';
    io.stderr.write(`gdhttp: note: ${statusLine(code)} → ${location} not followed (add -L)\n`);
  }
  if (failed) {
    io.stderr.write(`gdhttp: the server answered ${statusLine(code)} (--fail)\n`);
    return Exit.HTTP_ERROR;
  }
  return Exit.OK;
}

/**
 * Whether to draw the progress bar: `--progress`/`--no-progress`, else `GDHTTP_PROGRESS`, else
 * only on a terminal stderr, and not while the body itself goes to that terminal (as curl).
 */
function wantsBar(o: Options, output: string | null, io: Io): boolean {
  if (o.head) return false;
  if (o.progress !== undefined) return o.progress;
  const env = io.env.GDHTTP_PROGRESS;
  if (env === '1' || env === '0') return env === '1';
  return io.stderr.isTTY === true && (output !== null || io.stdout.isTTY !== true);
}

/** Hands one piece of the body to stdout, waiting when stdout asks for it (a slow pipe). */
function toStdout(chunk: Uint8Array, stdout: Output): Promise<void> | undefined {
  // The piece is a view HTTPRequest reuses after this call; a stream that buffers it needs a copy.
  if (stdout.write(chunk.slice()) || stdout.once === undefined) return undefined;
  const once = stdout.once.bind(stdout);
  return new Promise((resolve) => once('drain', resolve));
}

/** Writes `text` to the `-o` file, or stdout when there is none (`-I` prints the head there). */
async function writeOut(text: string, file: string | null, io: Io): Promise<void> {
  if (file === null) {
    io.stdout.write(text);
    return;
  }
  try {
    await writeFile(resolve(io.cwd, file), text);
  } catch (error) {
    throw new Failure(
      `cannot write '${file}' (${(error as NodeJS.ErrnoException).code})`,
      Exit.WRITE_ERROR,
    );
  }
}

/** The request body from `-d` / `--data-binary`, or `null` when none was given. */
async function requestBody(o: Options, cwd: string): Promise<Uint8Array | null> {
  if (o.data.length === 0) return null;
  const parts: Uint8Array[] = [];
  for (const { kind, value } of o.data) {
    if (parts.length > 0) parts.push(Buffer.from('&')); // curl joins -d parts with '&'
    if (!value.startsWith('@')) {
      parts.push(Buffer.from(value, 'utf8'));
      continue;
    }
    const path = value.slice(1);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(resolve(cwd, path));
    } catch (error) {
      throw new Failure(
        `cannot read '${path}' (${(error as NodeJS.ErrnoException).code})`,
        Exit.READ_ERROR,
      );
    }
    // curl's -d @file drops carriage returns and newlines; --data-binary keeps every byte.
    parts.push(kind === 'text' ? bytes.filter((b) => b !== 0x0d && b !== 0x0a) : bytes);
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** The PEM text of `--cacert`, checked to hold a certificate before any socket opens. */
async function caCertificates(path: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    throw new Failure(
      `cannot read CA file '${path}' (${(error as NodeJS.ErrnoException).code})`,
      Exit.CACERT,
    );
  }
  try {
    TLSOptions.client(pem);
  } catch {
    throw new Failure(`no usable PEM certificate in '${path}'`, Exit.CACERT);
  }
  return pem;
}

/**
 * The request head as it goes out on the first hop: the command's headers, then the ones
 * HTTPRequest adds (Accept-Encoding, Authorization from userinfo) and those HTTPClient adds (Host,
 * Content-Length, User-Agent, Accept; Proxy-Authorization through an http proxy), each only when
 * the command did not give it. A test compares it with what a server received. Credentials are
 * masked.
 */
function requestHead(
  o: Options,
  url: URL,
  port: number,
  method: Method,
  headers: readonly string[],
  body: Uint8Array | null,
  proxy: ProxySetting | null,
): string {
  const tls = url.protocol === 'https:';
  const implicitPort = tls ? port === 443 : port === 80;
  const path = `${url.pathname || '/'}${url.search}`;
  // Plain http through a proxy sends the absolute URL (RFC 9112 §3.2.2); https tunnels instead.
  const viaHttpProxy = proxy !== null && !tls;
  const target = viaHttpProxy ? `http://${url.hostname}:${port}${path}` : path;
  const lines = headers.slice();
  if (o.compressed && !has(lines, 'accept-encoding')) {
    lines.push('Accept-Encoding: gzip, deflate, br');
  }
  if ((url.username !== '' || url.password !== '') && !has(lines, 'authorization')) {
    lines.push('Authorization: Basic ***');
  }
  if (!has(lines, 'host')) {
    lines.push(`Host: ${implicitPort ? url.hostname : `${url.hostname}:${port}`}`);
  }
  const length = body?.length ?? 0;
  const expectsContent = method === Method.POST || method === Method.PUT || method === Method.PATCH;
  if (!has(lines, 'content-length') && (length > 0 || expectsContent)) {
    lines.push(`Content-Length: ${length}`);
  }
  if (!has(lines, 'user-agent')) lines.push(`User-Agent: ${USER_AGENT}`);
  if (!has(lines, 'accept')) lines.push('Accept: */*');
  if (viaHttpProxy && proxy.username !== undefined && !has(lines, 'proxy-authorization')) {
    lines.push('Proxy-Authorization: Basic ***');
  }
  const via =
    proxy === null ? '' : ` via proxy ${proxy.host}:${proxy.port}${tls ? ' (CONNECT tunnel)' : ''}`;
  return [
    `* ${url.hostname}:${port}${via}`,
    `> ${methodToken(method)} ${target} HTTP/1.1`,
    ...lines.map((line) => `> ${masked(line)}`),
    '>',
    '',
  ].join('\n');
}

function masked(line: string): string {
  const name = headerName(line);
  return name === 'authorization' || name === 'proxy-authorization' || name === 'cookie'
    ? `${line.slice(0, line.indexOf(':'))}: ***`
    : line;
}

/** `200 OK`: HTTPRequest gives the code, not the server's version or reason phrase. */
function statusLine(code: number): string {
  const reason = reasonPhrase(code);
  return reason === '' ? String(code) : `${code} ${reason}`;
}

function responseHead(response: HTTPRequestResult, prefix: string): string {
  return [
    `${prefix}${statusLine(response.responseCode)}`,
    ...response.headers.map((h) => `${prefix}${h}`),
    prefix.trimEnd(),
    '',
  ].join('\n');
}

function lastHeader(headers: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (const line of headers) {
    if (headerName(line) === name) value = line.slice(line.indexOf(':') + 1).trim();
  }
  return value;
}
