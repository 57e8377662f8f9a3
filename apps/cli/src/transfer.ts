import { createWriteStream, type WriteStream } from 'node:fs';
import { open, readFile, stat, writeFile } from 'node:fs/promises';
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
  /** The body is read (the connection stays usable) but not written: a 416 to `-C N`. */
  discard: boolean;
  /** Redirects followed so far, those HTTPRequest followed on its own connection included. */
  redirects: number;
}

/**
 * Makes the request `o` describes, following redirects (so `-v`, `-i` and `-D` show every hop,
 * and the proxy is chosen for each origin, as curl does; a same-origin hop on the same
 * connection), retrying as `--retry` says, and writes what curl would write.
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
  // -C N: curl's Range from byte N, on every hop; a Range given with -H is sent instead.
  const resumeFrom = o.resumeFrom;
  if (resumeFrom > 0 && !hasHeader(headers, 'range')) headers.push(`Range: bytes=${resumeFrom}-`);
  const body = await requestBody(o, io, headers, say);
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
  // the target and renames it over the target, which would replace the device itself. With -C N
  // the file is opened for appending now, as curl opens it before it connects (so it exists
  // even when the request fails), and what the range brings is added to whatever it holds.
  const device =
    output === null
      ? null
      : resumeFrom > 0
        ? await appendTo(output, outputName ?? output)
        : (await isDevice(output))
          ? createWriteStream(output)
          : null;
  // -C -: HTTPRequest asks for the rest of the file (Range from its size, If-Range when the
  // validator of an earlier cut download was kept) and appends a 206; what arrives before a cut
  // stays in the file, so the next -C - continues it. A device has no size to resume from.
  const resuming = o.resume && output !== null && device === null;

  const http = new HTTPRequest();
  // curl asks for no content coding unless --compressed; Godot's HTTPRequest asks by default.
  http.acceptGzip = o.compressed;
  // Each hop is one request, made here, so that each hop's heads are shown and its proxy chosen
  // (a 3xx without -L is the answer, body and all, as curl prints it). With -L, a redirect to
  // the same origin is left to HTTPRequest (the response_head listener below decides): it reads
  // the small body and sends the next hop on the same connection, as curl does for the same
  // host and port; the listener stops at any other redirect and the loop makes that hop.
  http.followRedirects = o.follow;
  // The listener stops at the limit, so HTTPRequest never reaches one of its own.
  http.maxRedirects = -1;
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
    discard: false,
    redirects: 0,
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
    // A same-origin redirect -L follows is left to HTTPRequest. Any other body nobody will see
    // is not read: a redirect -L follows to another origin (or past --max-redirs, to end there),
    // a status -f fails on, while resuming with -C - an answer that would overwrite the kept
    // bytes with an error or redirect page (curl appends it to the file), or an answer -C N does
    // not write. The connection closes instead.
    const code = head.responseCode;
    const hop = watch.hop;
    const target = o.follow && REDIRECTS.has(code) ? redirectTarget(head.headers, hop.url) : null;
    const follow = target !== null;
    if (target !== null && (o.maxRedirects < 0 || watch.redirects < o.maxRedirects)) {
      const next = sameOriginHop(code, hop, target);
      if (next !== null) {
        // HTTPRequest follows it by the same rules (nextHop is its redirect rule), keeping the
        // connection; the watch moves on to the hop it sends, for -v and the next head.
        watch.hop = next;
        watch.redirects++;
        return;
      }
    }
    // A 417 to `Expect: 100-continue` is not the answer: HTTPRequest asks again without it.
    const expected =
      code === 417 && /^\s*100-continue\s*$/i.test(lastHeader(hop.headers, 'expect') ?? '');
    const fails = o.fail && code >= 400 && !expected;
    const spoils = resuming && (code < 200 || code > 299) && code !== 416;
    // -C N: curl checks the answer at its head; only a 206 from byte N is written.
    const range = resumeFrom > 0 && !o.head && !follow ? rangeAnswer(head, resumeFrom) : 'none';
    watch.discard = range === 'unsatisfiable';
    if (follow || fails || spoils || range === 'refused' || range === 'complete') {
      watch.stoppedAt = head;
      watch.stop.abort('stopped at the head');
    }
  });

  const deadline = o.timeout > 0 ? started + o.timeout * 1000 : Number.POSITIVE_INFINITY;
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
      // Same origin, same proxy: hops HTTPRequest follows keep this one.
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
      // The hop that answered last: HTTPRequest may have followed same-origin redirects.
      hop = watch.hop;
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
        if (o.maxRedirects >= 0 && watch.redirects >= o.maxRedirects) {
          response = { ...response, result: Result.REDIRECT_LIMIT_REACHED };
          break;
        }
        hop = nextHop(code, hop, next);
        watch.redirects++;
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
      watch.redirects = 0;
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
    numRedirects: watch.redirects,
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
  // -C N, as curl: a 416 is no error (the body is not written), nor a 200 whose length is N
  // (the file is complete); any other answer but a 206 from byte N is exit 33, unless -f fails
  // it first. Nothing of such a body was written.
  const range =
    resumeFrom > 0 && !o.head
      ? rangeAnswer({ responseCode: code, headers: response.headers }, resumeFrom)
      : 'none';
  if (range === 'refused' && !failed) {
    say(
      `the server did not resume at byte ${resumeFrom} (${statusLine(code)}, not 206 from that byte); cannot resume (-C)`,
    );
    return finish(Exit.RANGE_ERROR);
  }
  if (output === null && !o.head && !stream && !failed && range !== 'unsatisfiable') {
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
  // The process's signal (Ctrl-C, a broken stdout) stops this exchange too, with its reason.
  // Forwarded by hand: AbortSignal.any's first use costs about a millisecond of startup.
  const outer = io.signal;
  const forward = (): void => stop.abort(outer?.reason);
  if (outer?.aborted) forward();
  else outer?.addEventListener('abort', forward, { once: true });
  options.signal = stop.signal;
  watch.discard = false;
  if (sink !== null) {
    options.onBody = (chunk) => {
      if (watch.discard) return undefined;
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
    outer?.removeEventListener('abort', forward);
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

/** The proxy each HTTPRequest was last given, as `scheme|host:port|user:password`. */
const appliedProxy = new WeakMap<HTTPRequest, string>();

/**
 * Sets the hop's proxy (`-x`, `--noproxy` and the environment, as curl), and returns it. Only a
 * change is passed on: setting a proxy, even the same one, makes HTTPRequest drop its kept
 * connection, which the next hop or try to the same origin would otherwise reuse.
 */
function useProxy(http: HTTPRequest, url: URL, o: Options, io: Io): ProxySetting | null {
  const raw = proxyFor(url, io.env, { proxy: o.proxy, noProxy: o.noProxy });
  const proxy = raw === null ? null : parseProxy(raw);
  const key =
    proxy === null
      ? `${url.protocol}|none`
      : `${url.protocol}|${proxy.host}:${proxy.port}|${proxy.username}:${proxy.password}`;
  if (appliedProxy.get(http) === key) return proxy;
  appliedProxy.set(http, key);
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
 * The next hop of a redirect HTTPRequest can follow on the connection it has: the same origin
 * (scheme, host and port: curl's rule for reusing a connection; the proxy, chosen by origin, is
 * the same too) and a body it can send again. `null` when the loop must make the hop itself (a
 * new connection), or stop (`-T -` meeting a 307/308).
 */
function sameOriginHop(code: number, hop: Hop, target: URL): Hop | null {
  if (target.origin !== hop.url.origin) return null;
  try {
    return nextHop(code, hop, target);
  } catch {
    return null;
  }
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

/**
 * What a response means to `-C N` (curl 7.88, lib/http.c): `ok`, a 206 whose `Content-Range`
 * starts at N; `unsatisfiable`, a 416 (curl reads and drops its body, exit 0); `complete`, a 200
 * whose `Content-Length` is N (the whole body is already there: nothing is read, exit 0);
 * `refused`, anything else (exit 33, or 22 with `-f` on a 4xx/5xx).
 */
function rangeAnswer(
  head: Pick<HTTPResponseHead, 'responseCode' | 'headers'>,
  from: number,
): 'ok' | 'unsatisfiable' | 'complete' | 'refused' {
  const code = head.responseCode;
  if (code === 416) return 'unsatisfiable';
  if (code === 206) {
    const start = /^\s*bytes\s+(\d+)-/i.exec(lastHeader(head.headers, 'content-range') ?? '');
    return start !== null && Number(start[1]) === from ? 'ok' : 'refused';
  }
  const length = lastHeader(head.headers, 'content-length');
  if (code === 200 && length !== undefined && Number(length.trim()) === from) return 'complete';
  return 'refused';
}

/**
 * The `-C N` output file, opened for appending (made when missing), as curl opens it before it
 * connects: what the range brings goes after whatever the file holds.
 */
async function appendTo(path: string, shown: string): Promise<WriteStream> {
  try {
    const handle = await open(path, 'a');
    return handle.createWriteStream();
  } catch (error) {
    throw new Failure(
      `cannot open '${shown}' to append (${(error as NodeJS.ErrnoException).code})`,
      Exit.WRITE_ERROR,
    );
  }
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
async function requestBody(
  o: Options,
  io: Io,
  headers: string[],
  say: (message: string) => void,
): Promise<Body> {
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
    const form = await formBody(
      o.form,
      io.cwd,
      () => readSource('-', io),
      disposition,
      (m) => say(`warning: ${m}`),
    );
    if (given === undefined) headers.push(`Content-Type: ${form.contentType}`);
    else if (/^multipart\//i.test(given)) {
      let index = headers.length - 1;
      while (headerName(headers[index]!).toLowerCase() !== 'content-type') index--;
      headers[index] = `${headers[index]}; boundary=${form.boundary}`;
    }
    body = {
      // A factory: HTTPRequest reads the form again for a 307/308 it follows itself.
      make: () => RequestBody.stream(() => form.open(), { length: form.length }) ?? EMPTY,
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
