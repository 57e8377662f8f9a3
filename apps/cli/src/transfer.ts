import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ErrorCode, Method, Result, reasonPhrase, Status } from '@gdhttp/constants';
import { hasHeader, headerName, headerValues } from '@gdhttp/parser';
import {
  HTTPRequest,
  HTTPRequestError,
  type HTTPRequestOptions,
  type HTTPRequestResult,
  type HTTPResponseHead,
  proxyFor,
  RequestBody,
  type RequestBodyInit,
} from '@gdhttp/request';
import { TLSOptions } from '@gdhttp/transport';
import { Exit, exitCodeOf, Failure, failureMessage } from './exit-codes.js';
import { isStdin, type Options, type ProxySetting, parseProxy, UsageError } from './parse-args.js';
import { ProgressBar } from './progress-bar.js';
import type { Io, Output } from './run.js';
import { expandWriteOut } from './write-out.js';

const EMPTY = new Uint8Array(0);
const CRLF = '\r\n';

/** curl's hint when a body with a NUL byte would go to a terminal (tool_cb_wrt.c). */
export const BINARY_HINT =
  'Binary output can mess up your terminal. Use "--output -" to tell gdhttp to output it to your terminal anyway, or consider "--output <FILE>" to save to a file.';

/** Thrown from the body callback when a binary body meets a terminal: curl's exit 23. */
class BinaryToTerminal extends Failure {
  constructor() {
    super(BINARY_HINT, Exit.WRITE_ERROR);
  }
}

/** What a request sends: made anew for each sending, as a file or a form is read again. */
interface Body {
  /** The body for one sending: the same bytes, a file reopened, a form read again from the start. */
  make(): RequestBodyInit;
  /** Whether it can be sent more than once (`-T -` streams stdin, which is read once). */
  replayable: boolean;
  /** Its length in bytes, or -1 when unknown (sent chunked). */
  length: number;
}

const NO_BODY: Body = { make: () => EMPTY, replayable: true, length: 0 };

/** The request of one hop: what goes out, to which URL. */
interface Hop {
  url: URL;
  method: Method;
  headers: string[];
  body: Body;
}

/** The codes followed with `-L`, as HTTPRequest follows them (RFC 9110 §15.4). */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Statuses curl's `--retry` tries again on (tool_operate.c). */
const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
/** Statuses that say the server did not act on the request, so even a POST may go again. */
const NOT_PROCESSED = new Set([408, 429, 503]);
const IDEMPOTENT = new Set<Method>([
  Method.GET,
  Method.HEAD,
  Method.PUT,
  Method.DELETE,
  Method.OPTIONS,
  Method.TRACE,
]);
// Credentials are bound to an origin (as HTTPRequest's own redirects do; curl drops them too).
const ORIGIN_BOUND = new Set(['authorization', 'cookie', 'proxy-authorization', 'host']);
/** curl asks `Expect: 100-continue` for a POST body larger than this (lib/http.c). */
const EXPECT_100_THRESHOLD = 1024 * 1024;

/** What the current hop's exchange learns from HTTPRequest's head events. */
interface HopWatch {
  hop: Hop;
  proxy: ProxySetting | null;
  /** Every response head of this exchange, in order (a retry inside HTTPRequest adds one). */
  heads: HTTPResponseHead[];
  /** Aborts this exchange; a head that needs no body (a redirect to follow, -f) aborts it. */
  stop: AbortController;
  /** The head the exchange stopped at, or `null`. */
  stoppedAt: HTTPResponseHead | null;
}

/**
 * Makes the request `o` describes, following redirects hop by hop (so `-v`, `-i` and `-D` show
 * every hop, and the proxy is chosen for each, as curl does), retrying as `--retry` says, and
 * writes what curl would write.
 *
 * @param o - the parsed command line.
 * @param io - the process around it.
 * @returns the exit code.
 */
export async function transfer(o: Options, io: Io): Promise<number> {
  const started = now();
  const quiet = o.silent && !o.showError;
  const say = (message: string) => {
    if (!quiet) io.stderr.write(`gdhttp: ${message}\n`);
  };
  const firstUrl = new URL(o.url);
  const headers = o.headers.slice();
  const body = await requestBody(o, io, headers);
  const method =
    o.method ??
    (o.head
      ? Method.HEAD
      : o.uploadFile !== null
        ? Method.PUT
        : body !== NO_BODY
          ? Method.POST
          : Method.GET);
  const writeOutFormat = o.writeOut === null ? null : await readArgument(o.writeOut, io);

  let outputName = o.output;
  if (o.remoteName) {
    // curl's -O: the last segment of the URL's path, as it is (not decoded), in this directory.
    outputName = firstUrl.pathname.slice(firstUrl.pathname.lastIndexOf('/') + 1);
    if (outputName === '') throw new Failure('no file name in the URL for -O', Exit.WRITE_ERROR);
  }
  const output = outputName !== null && !o.head ? resolve(io.cwd, outputName) : null;
  // `-o /dev/null` (or a FIFO): written in place. HTTPRequest's downloadFile writes a file beside
  // the target and renames it over the target, which would replace the device itself.
  const device = output !== null && (await isDevice(output)) ? createWriteStream(output) : null;
  // -C -: HTTPRequest asks for the rest of the file (Range from its size, If-Range when the
  // validator of an earlier cut download was kept) and appends a 206; what arrives before a cut
  // stays in the file, so the next -C - continues it. A device has no size to resume from.
  const resuming = o.resume && output !== null && device === null;

  const http = new HTTPRequest();
  // curl asks for no content coding unless --compressed; Godot's HTTPRequest asks by default.
  http.acceptGzip = o.compressed;
  // Each hop is one request (its response final, a 3xx with its body, as curl prints it without
  // -L); with -L the next hop is made here, so each hop's heads are shown and its proxy chosen.
  http.followRedirects = false;
  http.bodySizeLimit = o.maxFilesize;
  if (output !== null && device === null) http.downloadFile = output;
  if (resuming) {
    http.keepPartialDownload = true;
    http.appendToDownloadFile = true;
  }
  // curl's -k turns verification off entirely, even with --cacert; Godot's clientUnsafe(chain)
  // would still check the chain, which is not what a curl user asks for.
  if (o.insecure) http.setTlsOptions(TLSOptions.clientUnsafe());
  else if (o.cacert !== null) {
    http.setTlsOptions(TLSOptions.client(await caCertificates(resolve(io.cwd, o.cacert))));
  }

  // The body goes to stdout as it arrives, so `gdhttp URL > big.iso` needs no memory for it. It
  // is held until the end when something must come first or decide (-i and -D - print heads
  // before it, -v's heads share the terminal, -f prints no error body, --retry only the last).
  const toStdout = output === null && !o.head;
  const stream =
    device !== null ||
    (toStdout &&
      !o.include &&
      o.dumpHeader !== '-' &&
      !o.verbose &&
      !o.fail &&
      o.retry === 0 &&
      writeOutFormat === null);
  // curl refuses a body holding a NUL byte on a terminal unless `-o -` says it is wanted.
  const guardTerminal = toStdout && io.stdout.isTTY === true && !o.outputToTerminal;
  const bar = wantsBar(o, output, io) ? new ProgressBar(io.stderr) : null;
  if (bar !== null) {
    http.on('progress', ({ downloadedBytes, bodySize }) => bar.update(downloadedBytes, bodySize));
  }

  let hop: Hop = { url: firstUrl, method, headers, body };
  const watch: HopWatch = {
    hop,
    proxy: null,
    heads: [],
    stop: new AbortController(),
    stoppedAt: null,
  };
  // -v prints the bytes that left, as HTTPRequest reports them, and each head as it arrives.
  if (o.verbose) {
    http.on('request_head', ({ head }) => {
      io.stderr.write(verboseRequest(watch.hop.url, watch.proxy, head));
    });
  }
  http.on('response_head', (head) => {
    watch.heads.push(head);
    if (o.verbose) {
      io.stderr.write(prefixed(responseHead(head.responseCode, head.headers), '< '));
    }
    // A body nobody will see is not read: a redirect -L follows, a status -f fails on, or, while
    // resuming, an answer that would overwrite the kept bytes with an error or redirect page
    // (curl appends it to the file). The connection closes instead, as curl's does.
    const code = head.responseCode;
    const follow = o.follow && REDIRECTS.has(code) && redirectTarget(head.headers, watch.hop.url);
    // A 417 to `Expect: 100-continue` is not the answer: HTTPRequest asks again without it.
    const expected =
      code === 417 && /^\s*100-continue\s*$/i.test(lastHeader(watch.hop.headers, 'expect') ?? '');
    const fails = o.fail && code >= 400 && !expected;
    const spoils = resuming && (code < 200 || code > 299) && code !== 416;
    if (follow || fails || spoils) {
      watch.stoppedAt = head;
      watch.stop.abort('stopped at the head');
    }
  });

  const deadline = o.timeout > 0 ? started + o.timeout * 1000 : Number.POSITIVE_INFINITY;
  let redirects = 0;
  let attemptsLeft = o.retry;
  let retrySleep = o.retryDelay > 0 ? o.retryDelay : 1;
  let response: HTTPRequestResult;
  let notFollowed: string | null = null;
  let connectTimedOut = false;
  let downloaded = 0;
  const written = new Set<string>();
  try {
    for (;;) {
      watch.hop = hop;
      watch.proxy = useProxy(http, hop.url, o, io);
      watch.heads = [];
      const remaining = deadline - now();
      if (remaining <= 0) {
        response = { result: Result.TIMEOUT, responseCode: 0, headers: [], body: EMPTY };
        break;
      }
      http.timeout = Number.isFinite(remaining) ? remaining / 1000 : 0;
      const final = await exchange(
        http,
        watch,
        o,
        io,
        stream ? (device ?? io.stdout) : null,
        guardTerminal,
      );
      response = final.response;
      downloaded = http.getDownloadedBytes();
      connectTimedOut = final.connectTimedOut;
      // Every head that arrived, in order, as curl writes them (a failure after a head too).
      for (const head of watch.heads) {
        const text = responseHead(head.responseCode, head.headers);
        if (o.include || o.head) await writeTo(io, text, o.head ? outputName : null, written);
        if (o.dumpHeader !== null) {
          await writeTo(io, text, o.dumpHeader === '-' ? null : o.dumpHeader, written);
        }
      }
      const code = response.responseCode;
      const next =
        response.result === Result.SUCCESS && REDIRECTS.has(code)
          ? redirectTarget(response.headers, hop.url)
          : null;
      if (next !== null) {
        if (!o.follow) {
          // The 3xx is the answer, body and all, as in curl.
          notFollowed = lastHeader(response.headers, 'location') ?? '?';
          break;
        }
        if (o.maxRedirects >= 0 && redirects >= o.maxRedirects) {
          response = { ...response, result: Result.REDIRECT_LIMIT_REACHED };
          break;
        }
        hop = nextHop(code, hop, next);
        redirects++;
        continue;
      }
      const retry =
        attemptsLeft > 0 &&
        hop.body.replayable &&
        shouldRetry(response, hop.method, downloaded, stream);
      if (!retry) break;
      const after = Number(lastHeader(response.headers, 'retry-after'));
      const wait = Number.isInteger(after) && after > 0 ? after : retrySleep;
      attemptsLeft--;
      const what =
        response.result === Result.SUCCESS
          ? statusLine(response.responseCode)
          : 'a timeout or connection failure';
      say(
        `${what}; trying again in ${wait} s (${attemptsLeft} ${attemptsLeft === 1 ? 'try' : 'tries'} left)`,
      );
      await sleep(wait * 1000, io.signal);
      if (o.retryDelay === 0) retrySleep = Math.min(retrySleep * 2, 600);
      hop = { url: firstUrl, method, headers, body };
      redirects = 0;
    }
  } catch (error) {
    bar?.abandon();
    if (error instanceof HTTPRequestError) {
      if (error.code === ErrorCode.INVALID_PARAMETER) throw new UsageError(error.message);
      if (error.code === ErrorCode.CANT_CONNECT) {
        throw new Failure(
          `cannot connect to ${hop.url.hostname}:${portOf(hop.url)} (${error.message})`,
          Exit.CANT_CONNECT,
        );
      }
    }
    throw error;
  } finally {
    http.close();
    if (device !== null) await new Promise((done) => device.end(done));
  }

  const info = (exitCode: number) => ({
    httpCode: response.responseCode,
    sizeDownload: downloaded,
    timeTotal: (now() - started) / 1000,
    urlEffective: hop.url.href,
    numRedirects: redirects,
    contentType: lastHeader(response.headers, 'content-type') ?? '',
    exitCode,
  });
  const finish = async (exitCode: number): Promise<number> => {
    if (writeOutFormat !== null) {
      const { pieces, unknown } = expandWriteOut(writeOutFormat, info(exitCode));
      for (const name of unknown) say(`unknown --write-out variable: '${name}'`);
      for (const piece of pieces) (piece.to === 'stdout' ? io.stdout : io.stderr).write(piece.text);
    }
    return exitCode;
  };

  const code = response.responseCode;
  if (response.result !== Result.SUCCESS) {
    bar?.abandon();
    const url = hop.url;
    const message = connectTimedOut
      ? `connecting to ${url.hostname}:${portOf(url)} took more than ${o.connectTimeout} s (--connect-timeout)`
      : failureMessage(response.result, {
          host: url.hostname,
          port: portOf(url),
          proxy: watch.proxy,
          timeout: o.timeout,
          maxRedirects: o.maxRedirects,
          maxFilesize: o.maxFilesize,
          output,
        });
    say(message);
    return finish(connectTimedOut ? Exit.TIMEOUT : exitCodeOf(response.result));
  }

  bar?.finish();
  const failed = o.fail && code >= 400;
  if (output === null && !o.head && !stream && !failed) {
    if (guardTerminal && response.body.includes(0)) {
      say(BINARY_HINT);
      return finish(Exit.WRITE_ERROR);
    }
    io.stdout.write(response.body);
  }
  if (notFollowed !== null) {
    say(`note: ${statusLine(code)} → ${notFollowed} not followed (add -L)`);
  }
  if (failed) {
    say(`the server answered ${statusLine(code)} (--fail)`);
    return finish(Exit.HTTP_ERROR);
  }
  return finish(Exit.OK);
}

/**
 * One hop's request and response, with `--connect-timeout` watched beside it. A head the
 * `response_head` listener stopped at is the response, without a body.
 */
async function exchange(
  http: HTTPRequest,
  watch: HopWatch,
  o: Options,
  io: Io,
  sink: Output | WriteStream | null,
  guardTerminal: boolean,
): Promise<{ response: HTTPRequestResult; connectTimedOut: boolean }> {
  const { hop } = watch;
  const options: HTTPRequestOptions = {};
  const stop = new AbortController();
  watch.stop = stop;
  watch.stoppedAt = null;
  options.signal =
    io.signal === undefined ? stop.signal : AbortSignal.any([io.signal, stop.signal]);
  if (sink !== null) {
    options.onBody = (chunk) => {
      if (guardTerminal && chunk.includes(0)) throw new BinaryToTerminal();
      return writeChunk(chunk, sink);
    };
  }
  let connectTimedOut = false;
  let timer: NodeJS.Timeout | undefined;
  if (o.connectTimeout > 0) {
    timer = setTimeout(() => {
      const status = http.getHttpClientStatus();
      if (status === Status.RESOLVING || status === Status.CONNECTING) {
        connectTimedOut = true;
        stop.abort('connect-timeout');
      }
    }, o.connectTimeout * 1000);
  }
  try {
    const response = await http.requestRaw(
      hop.url.href,
      hop.headers,
      hop.method,
      hop.body.make(),
      options,
    );
    return { response, connectTimedOut };
  } catch (error) {
    const at = watch.stoppedAt;
    if (at !== null) {
      const { responseCode, headers } = at;
      return {
        response: { result: Result.SUCCESS, responseCode, headers, body: EMPTY },
        connectTimedOut,
      };
    }
    if (connectTimedOut) {
      return {
        response: { result: Result.TIMEOUT, responseCode: 0, headers: [], body: EMPTY },
        connectTimedOut,
      };
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Milliseconds on a monotonic clock. Not `performance.now()`: its first call loads Node's whole
 * perf_hooks (a millisecond of startup) for one subtraction.
 */
function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Whether curl's `--retry` tries again, kept to requests that are safe to send twice. */
function shouldRetry(
  response: HTTPRequestResult,
  method: Method,
  downloaded: number,
  streamed: boolean,
): boolean {
  // Bytes already on stdout cannot be taken back.
  if (streamed && downloaded > 0) return false;
  if (response.result === Result.SUCCESS) {
    const code = response.responseCode;
    return RETRY_STATUS.has(code) && (IDEMPOTENT.has(method) || NOT_PROCESSED.has(code));
  }
  // curl retries timeouts and name lookups; a request that never left may always go again.
  if (response.result === Result.CANT_RESOLVE) return true;
  return response.result === Result.TIMEOUT && IDEMPOTENT.has(method);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** Sets the hop's proxy (`-x`, `--noproxy` and the environment, as curl), and returns it. */
function useProxy(http: HTTPRequest, url: URL, o: Options, io: Io): ProxySetting | null {
  const raw = proxyFor(url, io.env, { proxy: o.proxy, noProxy: o.noProxy });
  const proxy = raw === null ? null : parseProxy(raw);
  if (url.protocol === 'https:') {
    if (proxy === null) http.setHttpsProxy('', -1);
    else http.setHttpsProxy(proxy.host, proxy.port, proxy.username, proxy.password);
  } else if (proxy === null) http.setHttpProxy('', -1);
  else http.setHttpProxy(proxy.host, proxy.port, proxy.username, proxy.password);
  return proxy;
}

/** Where a 3xx's last Location points (HTTPRequest's rule too), or `null` for none usable. */
function redirectTarget(headers: readonly string[], base: URL): URL | null {
  const location = lastHeader(headers, 'location');
  return location === undefined ? null : safeUrl(location, base);
}

/** The URL a Location points to, or `null` when it is not an http(s) URL. */
function safeUrl(location: string, base: URL): URL | null {
  try {
    const url = new URL(location, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/**
 * The request for the next hop, by HTTPRequest's rules (RFC 9110 §15.4): 303 turns all but HEAD
 * into GET, 301/302 turn POST into GET (the body and its `Content-*` headers go), 307/308 repeat
 * it; credentials and `Host` stay with their origin, and so does the URL's userinfo.
 */
function nextHop(code: number, hop: Hop, next: URL): Hop {
  const sameOrigin = next.origin === hop.url.origin;
  if (sameOrigin && next.username === '' && next.password === '') {
    next.username = hop.url.username;
    next.password = hop.url.password;
  }
  const toGet =
    (code === 303 && hop.method !== Method.HEAD) ||
    ((code === 301 || code === 302) && hop.method === Method.POST);
  const headers = hop.headers.filter((header) => {
    const name = headerName(header).toLowerCase();
    if (toGet && (name.startsWith('content-') || name === 'transfer-encoding')) return false;
    return sameOrigin || !ORIGIN_BOUND.has(name);
  });
  if (toGet) return { url: next, method: Method.GET, headers, body: NO_BODY };
  // A body read once (stdin with -T -) cannot be sent to the next hop; curl stops there too.
  if (!hop.body.replayable && hop.body.length !== 0) {
    throw new Failure(
      `cannot send the body again to follow the ${code} redirect (stdin is read once)`,
      Exit.REWIND,
    );
  }
  return { url: next, method: hop.method, headers, body: hop.body };
}

/**
 * Whether to draw the progress bar: never with `-s`; `--progress`/`--no-progress`, else
 * `GDHTTP_PROGRESS`, else only on a terminal stderr, and not while the body itself goes to that
 * terminal (as curl).
 */
function wantsBar(o: Options, output: string | null, io: Io): boolean {
  if (o.head || o.silent) return false;
  if (o.progress !== undefined) return o.progress;
  const env = io.env.GDHTTP_PROGRESS;
  if (env === '1' || env === '0') return env === '1';
  return io.stderr.isTTY === true && (output !== null || io.stdout.isTTY !== true);
}

/** Whether `path` exists and is not a regular file (`/dev/null`, a FIFO, a terminal). */
async function isDevice(path: string): Promise<boolean> {
  try {
    const info = await stat(path);
    return !info.isFile() && !info.isDirectory();
  } catch {
    return false;
  }
}

/** Hands one piece of the body to stdout or a device, waiting when it asks (a slow pipe). */
function writeChunk(chunk: Uint8Array, stdout: Output | WriteStream): Promise<void> | undefined {
  // The piece is a view HTTPRequest reuses after this call; a stream that buffers it needs a copy.
  if (stdout.write(chunk.slice()) || stdout.once === undefined) return undefined;
  const once = stdout.once.bind(stdout);
  return new Promise((resolve) => once('drain', resolve));
}

/** Writes `text` to a file (`-D FILE`, `-I -o FILE`), or to stdout when `file` is `null`. */
async function writeTo(
  io: Io,
  text: string,
  file: string | null,
  written: Set<string>,
): Promise<void> {
  if (file === null) {
    io.stdout.write(text);
    return;
  }
  try {
    // Every hop's head in order: the first write makes the file, later ones add to it.
    await writeFile(resolve(io.cwd, file), text, { flag: written.has(file) ? 'a' : 'w' });
    written.add(file);
  } catch (error) {
    throw new Failure(
      `cannot write '${file}' (${(error as NodeJS.ErrnoException).code})`,
      Exit.WRITE_ERROR,
    );
  }
}

/** A `-w @file` / `-w @-` format, or the value itself. */
async function readArgument(value: string, io: Io): Promise<string> {
  if (!value.startsWith('@')) return value;
  return Buffer.from(await readSource(value.slice(1), io)).toString('utf8');
}

/** The bytes of `@FILE` (`-` is stdin). */
async function readSource(path: string, io: Io): Promise<Uint8Array> {
  if (path === '-') {
    const parts: Uint8Array[] = [];
    if (io.stdin !== undefined) for await (const part of io.stdin) parts.push(part);
    return Buffer.concat(parts);
  }
  try {
    return await readFile(resolve(io.cwd, path));
  } catch (error) {
    throw new Failure(
      `cannot read '${path}' (${(error as NodeJS.ErrnoException).code})`,
      Exit.READ_ERROR,
    );
  }
}

/**
 * The request body of `-d` (and family), `-F` or `-T`, and the headers curl adds for it to
 * `headers`: the `Content-Type` of `-d` and `-F` unless `-H` gave one (a `multipart/…` one gets
 * the boundary), and `Expect: 100-continue` where curl 7.88 asks for it (lib/http.c: any `-T`
 * upload that is not empty; a `-d` or `-F` body over 1 MiB) unless `-H` gave an `Expect`.
 */
async function requestBody(o: Options, io: Io, headers: string[]): Promise<Body> {
  let body = NO_BODY;
  if (o.uploadFile !== null) {
    body = await uploadBody(o.uploadFile, io);
  } else if (o.form.length > 0) {
    // Loaded only for -F: the form's module (and node:crypto, for its boundary) costs a
    // request without a form nothing.
    const { formBody } = await import('./form-body.js');
    const given = headerValues(headers, 'content-type').at(-1);
    const disposition =
      given === undefined || /^multipart\/form-data\b/i.test(given) ? 'form-data' : 'attachment';
    const form = await formBody(o.form, io.cwd, () => readSource('-', io), disposition);
    if (given === undefined) headers.push(`Content-Type: ${form.contentType}`);
    else if (/^multipart\//i.test(given)) {
      let index = headers.length - 1;
      while (headerName(headers[index]!).toLowerCase() !== 'content-type') index--;
      headers[index] = `${headers[index]}; boundary=${form.boundary}`;
    }
    body = {
      make: () => RequestBody.stream(form.open(), { length: form.length }) ?? EMPTY,
      replayable: true,
      length: form.length,
    };
  } else if (o.data.length > 0) {
    const bytes = await dataBody(o, io);
    const json = o.data.some((d) => d.kind === 'json');
    if (json) {
      if (!hasHeader(headers, 'content-type')) headers.push('Content-Type: application/json');
      if (!hasHeader(headers, 'accept')) headers.push('Accept: application/json');
    } else if (!hasHeader(headers, 'content-type')) {
      // curl's default for -d and --data-binary.
      headers.push('Content-Type: application/x-www-form-urlencoded');
    }
    body = { make: () => bytes, replayable: true, length: bytes.length };
  }
  const expect =
    o.uploadFile !== null
      ? body.length !== 0
      : body.length > EXPECT_100_THRESHOLD || body.length < 0;
  if (expect && !hasHeader(headers, 'expect')) headers.push('Expect: 100-continue');
  return body;
}

/**
 * `-T FILE`: the file, reopened for each sending (`Content-Length` is its size); `-T -` streams
 * stdin as it comes (chunked, once), as curl does.
 */
async function uploadBody(file: string, io: Io): Promise<Body> {
  if (isStdin(file)) {
    const stdin = io.stdin;
    async function* pieces(): AsyncGenerator<Uint8Array, void, undefined> {
      if (stdin !== undefined) for await (const piece of stdin) yield piece;
    }
    return { make: () => RequestBody.stream(pieces()) ?? EMPTY, replayable: false, length: -1 };
  }
  const path = resolve(io.cwd, file);
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    size = info.size;
  } catch (error) {
    throw new Failure(
      `cannot read '${file}' (${(error as NodeJS.ErrnoException).code})`,
      Exit.READ_ERROR,
    );
  }
  return { make: () => RequestBody.file(path) ?? EMPTY, replayable: true, length: size };
}

/**
 * The bytes of the `-d` family. As curl: pieces are joined with `&`, except that a `--json` piece
 * is appended as it is; `-d @FILE` drops CR and LF, `--data-binary @FILE` and `--json @FILE` keep
 * every byte, `--data-raw` has no `@`, and `--data-urlencode` encodes `content`, `=content`,
 * `name=content`, `@file` or `name@file`.
 */
async function dataBody(o: Options, io: Io): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (const { kind, value } of o.data) {
    if (parts.length > 0 && kind !== 'json') parts.push(Buffer.from('&'));
    if (kind === 'urlencode') {
      parts.push(Buffer.from(await urlencoded(value, io)));
    } else if (kind === 'raw' || !value.startsWith('@')) {
      parts.push(Buffer.from(value, 'utf8'));
    } else {
      const bytes = await readSource(value.slice(1), io);
      parts.push(kind === 'data' ? bytes.filter((b) => b !== 0x0d && b !== 0x0a) : bytes);
    }
  }
  return Buffer.concat(parts);
}

/** One `--data-urlencode` value, by curl's five forms. */
async function urlencoded(value: string, io: Io): Promise<string> {
  const at = value.indexOf('@');
  const eq = value.indexOf('=');
  if (at >= 0 && (eq < 0 || at < eq)) {
    const content = Buffer.from(await readSource(value.slice(at + 1), io)).toString('latin1');
    const name = value.slice(0, at);
    return name === '' ? formEncode(content) : `${name}=${formEncode(content)}`;
  }
  if (eq < 0) return formEncode(value);
  const name = value.slice(0, eq);
  const content = formEncode(value.slice(eq + 1));
  return name === '' ? content : `${name}=${content}`;
}

/** curl's encoding for `--data-urlencode`: unreserved bytes kept, space as `+`, others `%XX`. */
function formEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c)) out += c;
    else if (byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
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

function portOf(url: URL): number {
  return url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
}

/**
 * `-v`'s lines for a request head: where it goes (`* host:port`, and the proxy), then each line
 * of the head HTTPRequest reported as sent, after `> `, with credentials (`Authorization`,
 * `Proxy-Authorization`, `Cookie`) shown as `***`.
 */
function verboseRequest(url: URL, proxy: ProxySetting | null, head: Uint8Array): string {
  const tls = url.protocol === 'https:';
  const via =
    proxy === null ? '' : ` via proxy ${proxy.host}:${proxy.port}${tls ? ' (CONNECT tunnel)' : ''}`;
  const [requestLine = '', ...fields] = Buffer.from(head).toString('latin1').split(CRLF);
  while (fields.at(-1) === '') fields.pop();
  return [
    `* ${url.hostname}:${portOf(url)}${via}`,
    `> ${requestLine}`,
    ...fields.map((line) => `> ${masked(line)}`),
    '>',
    '',
  ].join('\n');
}

function masked(line: string): string {
  const name = headerName(line);
  const lower = name.toLowerCase();
  return lower === 'authorization' || lower === 'proxy-authorization' || lower === 'cookie'
    ? `${name}: ***`
    : line;
}

/** `200 OK`: HTTPRequest gives the code, so the reason phrase is the standard one. */
function statusLine(code: number): string {
  const reason = reasonPhrase(code);
  return reason === '' ? String(code) : `${code} ${reason}`;
}

/** A response head as curl prints it for `-i`, `-I` and `-D`: status line, fields, CRLF ends. */
function responseHead(code: number, headers: readonly string[]): string {
  return `HTTP/1.1 ${statusLine(code)}${CRLF}${headers.map((h) => `${h}${CRLF}`).join('')}${CRLF}`;
}

/** `-v`'s form of a head: each line after `< `, LF ends. */
function prefixed(head: string, prefix: string): string {
  return `${head
    .split(CRLF)
    .slice(0, -1)
    .map((line) => `${prefix}${line}`.trimEnd())
    .join('\n')}\n`;
}

function lastHeader(headers: readonly string[], name: string): string | undefined {
  return headerValues(headers, name).at(-1);
}
