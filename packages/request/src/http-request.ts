import { EventEmitter } from 'node:events';
import { HTTPClient } from '@gdhttp/client';
import {
  ErrorCode,
  type GdhttpError,
  HTTPRequestDefaults,
  Method,
  Result,
  Status,
} from '@gdhttp/constants';
import { headerValues } from '@gdhttp/parser';
import { startModuleWorker, TLSOptions } from '@gdhttp/transport';
import type { CookieJar } from 'tough-cookie';
import { basicAuthorization } from './internal/basic-auth.js';
import { type BodySink, CallbackSink, FileSink, MemorySink } from './internal/body-sink.js';
import { type BodySource, BytesSource, bodySourceOf } from './internal/body-source.js';
import {
  ACCEPT_ENCODING,
  type Coding,
  ContentDecoder,
  parseContentEncoding,
} from './internal/content-decoder.js';
import { cookieWatchers } from './internal/cookie-watchers.js';
import { cookieFor, storeCookies } from './internal/cookies.js';
import { failure, ignore, resultOf } from './internal/outcome.js';
import {
  canWriteInPlace,
  PartialFileSink,
  readPartial,
  removeSidecar,
} from './internal/partial-file.js';
import { decideRedirect, type Hop } from './internal/redirect.js';
import {
  HTTPRequestError,
  type HTTPRequestEvents,
  type HTTPRequestOptions,
  type HTTPRequestResult,
} from './internal/request-types.js';
import { parseRequestUrl, type RequestUrl } from './internal/request-url.js';
import { decideResume, hasRange, rangeHeaders, representationOf } from './internal/resume.js';
import {
  IDEMPOTENT,
  RETRIED_RESULT,
  type RetryCause,
  retryDelayMs,
} from './internal/retry-policy.js';
import { Session, withCookie } from './internal/session.js';
import {
  booleanRefusal,
  cookieJarRefusal,
  retriesRefusal,
  secondsRefusal,
} from './internal/session-rules.js';
import {
  acceptGzipRefusal,
  downloadChunkSizeRefusal,
  downloadFileRefusal,
  followRedirectsRefusal,
  integerRefusal,
  streamUploadsRefusal,
  timeoutRefusal,
  useThreadsRefusal,
} from './internal/setting-rules.js';
import { stateWatchers } from './internal/state-watchers.js';
import { ThreadedJob } from './internal/threaded-job.js';
import { expectsContinue, sendStreamedBody, withoutContinue } from './internal/upload.js';
import {
  describeTls,
  type ProxyArguments,
  type WorkerRequest,
  type WorkerState,
} from './internal/worker-messages.js';
import { wrongArgument } from './internal/wrong-argument.js';
import { parseProxyUrl, proxyFor } from './proxy-from-env.js';
import type { RequestBodyInit } from './request-body.js';
import { type HTTPResponseStream, type ResponseStream, streamResponse } from './response-stream.js';

export type {
  HTTPRequestEvents,
  HTTPRequestHead,
  HTTPRequestOptions,
  HTTPRequestProgress,
  HTTPRequestResult,
  HTTPRequestRetry,
  HTTPRequestUploadProgress,
  HTTPResponseHead,
} from './internal/request-types.js';
export { HTTPRequestError } from './internal/request-types.js';

/** One request on this thread, from `request()` to its settlement. */
interface Job {
  /** Where the request is in its redirect chain. */
  hop: Hop;
  /** Resolved, rejected or being released: every step stops at its next check. */
  settled: boolean;
  resolve: (result: HTTPRequestResult) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout | undefined;
  /** The body's destination while the body step fills it; discarded if the job ends first. */
  sink: BodySink | null;
  decoder: ContentDecoder | null;
  onAbort: (() => void) | undefined;
  signal: AbortSignal | undefined;
  onBody: ((chunk: Uint8Array) => void | Promise<void>) | undefined;
  /** onBody's pieces may live in recycled read buffers (see HTTPRequestOptions.transientBody). */
  transientBody: boolean;
  /** A body read as it is sent (a file, a stream, bytes held for 100-continue), else null. */
  upload: BodySource | null;
  /** The sink of a response stream (`requestStream()`), made when the final head is known. */
  streamSink: ((head: ResponseHead) => BodySink) | undefined;
  /** Retry, resume and cookie state across hops and attempts (internal/session.ts). */
  session: Session;
}

/** A response head, as the exchange step hands it to the redirect and body steps. */
interface ResponseHead {
  code: number;
  headers: string[];
}

/** How to read a final response's body, as its head says. */
interface BodyPlan {
  head: ResponseHead;
  /** Content-Length, or -1 (chunked, read until close). */
  length: number;
  /** The content codings to undo, outermost first; `null` delivers the bytes as they came. */
  codings: Coding[] | null;
}

const EMPTY = new Uint8Array(0);

/** A result that carries the response's code and headers. */
function withHead(result: Result, head: ResponseHead, body: Uint8Array = EMPTY): HTTPRequestResult {
  return { result, responseCode: head.code, headers: head.headers, body };
}

/**
 * What a step returns once its job has ended (cancel, timeout, abort) under it: never delivered,
 * since the job was settled by whatever ended it.
 */
function ended(): HTTPRequestResult {
  return failure(Result.CONNECTION_ERROR);
}

/**
 * The largest redirect body read and discarded to keep the connection for the next hop, in body
 * bytes (de-chunked, not decoded). The page a server sends with a 3xx (nginx's is a few hundred
 * bytes) arrives with its head; a body past this is likely to cost more time than the new
 * connection it would save.
 */
const REDIRECT_BODY_DRAIN_MAX = 64 * 1024;
/** The longest delay setTimeout takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const encoder = new TextEncoder();

/** A proxy setter's arguments as kept, `null` for "no proxy" (`''` or port -1, as Godot). */
function proxyArguments(
  host: string,
  port: number,
  username: string | undefined,
  password: string | undefined,
): ProxyArguments | null {
  return host === '' || port === -1 ? null : [host, port, username, password];
}

/** Whether two proxy settings name the same proxy with the same credentials. */
function sameProxy(a: ProxyArguments | null, b: ProxyArguments | null): boolean {
  if (a === null || b === null) return a === b;
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

/**
 * Godot's `HTTPRequest` node as a promise API: one request at a time over an {@link HTTPClient},
 * with redirects, gzip/deflate/br, downloads to a file, size limits, a total timeout, cancel and
 * progress — and, unlike Godot, a kept-alive connection for the next request to the same origin.
 *
 * @example
 * ```ts
 * import { HTTPRequest } from '@gdhttp/request';
 * import { Result } from '@gdhttp/constants';
 *
 * const http = new HTTPRequest();
 * http.timeout = 10;
 * const { result, responseCode, body } = await http.request('https://example.com/');
 * if (result === Result.SUCCESS) console.log(responseCode, new TextDecoder().decode(body));
 * http.close();
 * ```
 */
export class HTTPRequest extends EventEmitter<HTTPRequestEvents> {
  readonly #client = new HTTPClient();
  #tlsOptions: TLSOptions | null = null;
  #httpProxy: ProxyArguments | null = null;
  #httpsProxy: ProxyArguments | null = null;
  #connectionKey = '';
  #job: Job | null = null;
  /** The request running in a worker thread (`useThreads`), if one runs. */
  #threaded: ThreadedJob | null = null;
  /** The worker's client status, as it last reported it. */
  #threadStatus: Status = Status.DISCONNECTED;
  #useThreads = false;
  #downloaded = 0;
  #bodySize = -1;
  #uploaded = 0;
  #lastError: GdhttpError | null = null;
  #lastUrl: [string, RequestUrl] | null = null;
  #finalUrl = '';
  #redirectCount = 0;

  #acceptGzip: boolean = HTTPRequestDefaults.acceptGzip;
  #bodySizeLimit: number = HTTPRequestDefaults.bodySizeLimit;
  #downloadChunkSize: number = HTTPRequestDefaults.downloadChunkSize;
  #downloadFile: string = HTTPRequestDefaults.downloadFile;
  #maxRedirects: number = HTTPRequestDefaults.maxRedirects;
  #followRedirects = true;
  /**
   * The job whose request head `request_head` announces once it starts to leave, and the
   * client's head before it was sent (a refused request leaves that one, which is not announced).
   */
  #announce: { job: Job; before: Uint8Array | null } | null = null;
  #timeout: number = HTTPRequestDefaults.timeout;
  #keepPartialDownload = false;
  #appendToDownloadFile = false;
  #retries = 0;
  #retryDelay = 1;
  #retryMaxDelay = 30;
  #proxyFromEnv = false;
  #cookieJar: CookieJar | null = null;

  /** Sends `Accept-Encoding` and decodes gzip, deflate and br bodies. Default true; no guard. */
  get acceptGzip(): boolean {
    return this.#acceptGzip;
  }
  set acceptGzip(value: boolean) {
    if (this.#refused(acceptGzipRefusal(value))) return;
    this.#acceptGzip = value;
    this.#threaded?.send({ type: 'acceptGzip', value });
  }

  /**
   * Largest decoded body accepted, in bytes; negative for no limit (default -1). Checked against
   * Content-Length before reading and against the decoded size while decoding. Refused while a
   * request runs.
   */
  get bodySizeLimit(): number {
    return this.#bodySizeLimit;
  }
  set bodySizeLimit(value: number) {
    if (this.#refused(integerRefusal('bodySizeLimit', value))) return;
    if (this.#guard('bodySizeLimit')) this.#bodySizeLimit = value;
  }

  /**
   * Bytes read from the connection per step, 256–16,777,216 (default 65,536): the unit of memory
   * a download needs. Refused while a request runs or out of range.
   */
  get downloadChunkSize(): number {
    return this.#downloadChunkSize;
  }
  set downloadChunkSize(value: number) {
    if (!this.#guard('downloadChunkSize')) return;
    if (this.#refused(downloadChunkSizeRefusal(value))) return;
    this.#downloadChunkSize = value;
    // Forwarded at once, as Godot does: a kept-alive connection reads in the new size too.
    this.#client.readChunkSize = value;
  }

  /**
   * Path the body is written to instead of memory ('' for none, the default). The file appears
   * only when the download completed; a failed or cancelled one leaves no file. A symlink is
   * followed (the file it leads to is replaced; the link stays). A device or a FIFO
   * (`/dev/null`, a named pipe) is written in place as the body arrives, and never replaced or
   * deleted; a directory or a socket ends the request with `DOWNLOAD_FILE_CANT_OPEN`. Refused
   * while a request runs.
   */
  get downloadFile(): string {
    return this.#downloadFile;
  }
  set downloadFile(value: string) {
    if (this.#refused(downloadFileRefusal(value))) return;
    if (this.#guard('downloadFile')) this.#downloadFile = value;
  }

  /** Redirects followed before `REDIRECT_LIMIT_REACHED`; 0 allows none, negative no limit. Default 8. */
  get maxRedirects(): number {
    return this.#maxRedirects;
  }
  set maxRedirects(value: number) {
    if (this.#refused(integerRefusal('maxRedirects', value))) return;
    this.#maxRedirects = value;
    this.#threaded?.send({ type: 'maxRedirects', value });
  }

  /**
   * Whether a 301, 302, 303, 307 or 308 with a `Location` is followed: true by default, as Godot
   * does. With false (a gdhttp addition) every response is final: a 3xx resolves with `SUCCESS`,
   * its code, its headers (`Location` among them) and its body, read as any other — curl without
   * `-L`, or fetch's `redirect: 'manual'` where the 3xx is visible — and `maxRedirects` is not
   * consulted (no `REDIRECT_LIMIT_REACHED`). A value that is not a boolean is refused with
   * `INVALID_PARAMETER`; refused while a request runs.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.4
   * @example
   * ```ts
   * http.followRedirects = false;
   * const { responseCode, headers, body } = await http.request('http://127.0.0.1:8080/old');
   * // 301, ['Location: /new', …], the 301's page
   * ```
   */
  get followRedirects(): boolean {
    return this.#followRedirects;
  }
  set followRedirects(value: boolean) {
    if (this.#refused(followRedirectsRefusal(value))) return;
    if (this.#guard('followRedirects')) this.#followRedirects = value;
  }

  /**
   * Always true in the Node build: a file, stream or async-iterable body is sent as it is read,
   * with backpressure from the socket. The property exists so code shared with the web build,
   * where streaming is an opt-in (docs/decisions/0020-web-streamed-uploads.md), runs in both: setting true changes nothing; setting false is refused (`lastError` is
   * `UNAVAILABLE`: this build never reads a stream whole before sending it); anything but a
   * boolean is `INVALID_PARAMETER`.
   */
  get streamUploads(): boolean {
    return true;
  }
  set streamUploads(value: boolean) {
    if (this.#refused(streamUploadsRefusal(value))) return;
    if (!value) {
      this.#refuse(
        'streamUploads cannot be turned off in the Node build: bodies are always sent as they are read',
        ErrorCode.UNAVAILABLE,
      );
    }
  }

  /**
   * Largest response head (status line to blank line) and trailer section accepted, in bytes: a
   * gdhttp addition (Godot has no limit), forwarded to {@link HTTPClient.maxHeaderSize}. Default
   * 16,384, as in Node, undici and h11; a larger head ends the request with `CONNECTION_ERROR`.
   * Applies from the next request: a kept-alive connection opened under the old limit is not
   * reused. Refused while a request runs, and for values that are not an integer of at least 64
   * (the old value stays; {@link HTTPRequest.lastError} says why).
   */
  get maxHeaderSize(): number {
    return this.#client.maxHeaderSize;
  }
  set maxHeaderSize(bytes: number) {
    if (!this.#guard('maxHeaderSize') || bytes === this.#client.maxHeaderSize) return;
    if (this.#forward(() => (this.#client.maxHeaderSize = bytes))) this.#limitChanged();
  }

  /**
   * Most field lines accepted in a response head (and trailer section): a gdhttp addition,
   * forwarded to {@link HTTPClient.maxHeaderCount}. Default 2,000, as Node's `maxHeadersCount`; a
   * head with more ends the request with `CONNECTION_ERROR`. Applies from the next request: a
   * kept-alive connection opened under the old limit is not reused. Refused while a request runs,
   * and for values that are not an integer of at least 1 (the old value stays;
   * {@link HTTPRequest.lastError} says why).
   */
  get maxHeaderCount(): number {
    return this.#client.maxHeaderCount;
  }
  set maxHeaderCount(count: number) {
    if (!this.#guard('maxHeaderCount') || count === this.#client.maxHeaderCount) return;
    if (this.#forward(() => (this.#client.maxHeaderCount = count))) this.#limitChanged();
  }

  /** Seconds the whole request may take, redirects included; 0 for none (default). Negative is refused. */
  get timeout(): number {
    return this.#timeout;
  }
  set timeout(value: number) {
    if (this.#refused(timeoutRefusal(value))) return;
    this.#timeout = value;
  }

  /**
   * Keeps what a failed or cancelled download received (Godot's `keep_partial_download`):
   * `downloadFile` is then written in place, so the bytes that arrived stay in it, and the
   * validator of what they belong to (ETag or Last-Modified) is saved beside it, in
   * `.<name>.gdhttp-resume`, for {@link HTTPRequest.appendToDownloadFile} to continue it. Default
   * false: a download that does not complete leaves no file (and the file that was there stays as
   * it was). With true, a download that starts truncates the file at once, as Godot does. Refused
   * while a request runs.
   */
  get keepPartialDownload(): boolean {
    return this.#keepPartialDownload;
  }
  set keepPartialDownload(value: boolean) {
    if (this.#refused(booleanRefusal('keepPartialDownload', value))) return;
    if (this.#guard('keepPartialDownload')) this.#keepPartialDownload = value;
  }

  /**
   * Continues the download in `downloadFile` instead of starting over (Godot's
   * `append_to_download_file`: a 206 is appended to the file rather than replacing it). When the
   * file has bytes and the request has no `Range` of its own, HTTPRequest asks for the rest:
   * `Range: bytes=<size>-`, with `If-Range` when a validator was saved beside the file. A 206
   * that continues exactly there is appended; a 200 (the server ignored the range, or the file
   * changed there) replaces the file; a 416 for the file's length means it was complete already
   * (the result is SUCCESS with code 416); any other 206 or 416 is asked again without a range.
   * With a `Range` of the caller's own, a 206 is appended as Godot does. Default false; refused
   * while a request runs.
   *
   * @example
   * ```ts
   * http.downloadFile = 'big.bin';
   * http.keepPartialDownload = true; // a cut leaves big.bin and its validator
   * http.appendToDownloadFile = true; // the next request asks for the rest
   * ```
   */
  get appendToDownloadFile(): boolean {
    return this.#appendToDownloadFile;
  }
  set appendToDownloadFile(value: boolean) {
    if (this.#refused(booleanRefusal('appendToDownloadFile', value))) return;
    if (this.#guard('appendToDownloadFile')) this.#appendToDownloadFile = value;
  }

  /**
   * Times an idempotent request (GET, HEAD, PUT, DELETE, OPTIONS, TRACE; never POST or PATCH) is
   * tried again when its connection fails (`CANT_CONNECT`, `CONNECTION_ERROR`, `NO_RESPONSE`) or
   * the response is 408, 429, 500, 502, 503 or 504 (a gdhttp addition; Godot never retries).
   * Waits `retryDelay · 2^n` seconds with jitter, at most `retryMaxDelay`, or what `Retry-After`
   * asks when that is no longer than `retryMaxDelay` (a longer one delivers the response). A
   * body cut short is continued with a range request when the response has a validator and no
   * content coding. Each retry emits `retry` before its wait; `timeout` spans all attempts. The
   * last attempt's outcome is the result. Default 0; refused while a request runs.
   */
  get retries(): number {
    return this.#retries;
  }
  set retries(value: number) {
    if (this.#refused(retriesRefusal(value))) return;
    if (this.#guard('retries')) this.#retries = value;
  }

  /** The first retry's backoff in seconds, doubled for each later one (default 1). Refused while a request runs. */
  get retryDelay(): number {
    return this.#retryDelay;
  }
  set retryDelay(value: number) {
    if (this.#refused(secondsRefusal('retryDelay', value))) return;
    if (this.#guard('retryDelay')) this.#retryDelay = value;
  }

  /**
   * The longest wait before a retry, in seconds (default 30): the backoff's cap, and the longest
   * `Retry-After` honoured. Refused while a request runs.
   */
  get retryMaxDelay(): number {
    return this.#retryMaxDelay;
  }
  set retryMaxDelay(value: number) {
    if (this.#refused(secondsRefusal('retryMaxDelay', value))) return;
    if (this.#guard('retryMaxDelay')) this.#retryMaxDelay = value;
  }

  /**
   * Takes the proxy from the environment as curl does (a gdhttp addition): `http_proxy` (lower
   * case only) for http URLs, `https_proxy` or `HTTPS_PROXY` for https, else `all_proxy` or
   * `ALL_PROXY`; `no_proxy` or `NO_PROXY` exempts hosts (see {@link isNoProxy}). Credentials in
   * the proxy URL are sent as `Proxy-Authorization`. Decided again for each connection (each
   * redirect hop). A proxy set with `setHttpProxy()`/`setHttpsProxy()` wins for its scheme. A
   * variable that is not an `http://` proxy fails the request with `CANT_CONNECT` rather than
   * going around it. Default false; refused while a request runs.
   */
  get proxyFromEnv(): boolean {
    return this.#proxyFromEnv;
  }
  set proxyFromEnv(value: boolean) {
    if (this.#refused(booleanRefusal('proxyFromEnv', value))) return;
    if (!this.#guard('proxyFromEnv')) return;
    this.#proxyFromEnv = value;
    // The client may hold a proxy taken from the environment: back to the ones set by hand.
    this.#applyProxies();
  }

  /**
   * A cookie jar, or `null` for none (the default, as in Godot): tough-cookie's `CookieJar`,
   * re-exported by `@gdhttp/request/cookies`. Each hop sends the jar's cookies for its URL and
   * stores every Set-Cookie it receives, redirects included (RFC 6265bis: domain and path
   * matching, Secure cookies only to secure origins, HttpOnly sent, SameSite stored, Max-Age and
   * Expires, public suffixes refused). Persist it with `JSON.stringify(jar.toJSON())` and load it
   * with `CookieJar.fromJSON(text)`. A `useThreads` request works on a copy and sends what it
   * stored back to this jar. Refused while a request runs.
   *
   * @example
   * ```ts
   * import { CookieJar } from '@gdhttp/request/cookies';
   * http.cookieJar = new CookieJar();
   * await http.request(`${origin}/login`); // Set-Cookie: session=…
   * await http.request(`${origin}/me`); // Cookie: session=…
   * ```
   */
  get cookieJar(): CookieJar | null {
    return this.#cookieJar;
  }
  set cookieJar(value: CookieJar | null) {
    if (this.#refused(cookieJarRefusal(value))) return;
    if (this.#guard('cookieJar')) this.#cookieJar = value;
  }

  /**
   * Runs each request in a worker thread of its own (Godot's `use_threads`): the connection,
   * parsing, redirects, decompression, the download file and the collected body all cost this
   * thread nothing; it only receives the events and the result (the body's buffer is moved
   * across, not copied). Default false. Everything else behaves as without threads: the same
   * results, rejections, events, getters (updated as the worker reports), `cancelRequest()`,
   * `timeout`, `signal` and `onBody` (called here, in order, with pieces moved from the worker; a
   * piece stays valid after the call). Refused while a request runs, as Godot refuses it unless
   * the client is disconnected; a value that is not a boolean is refused with
   * `INVALID_PARAMETER`.
   *
   * A threaded request never reuses a kept-alive connection across requests: its connection
   * lives and ends in its worker (a same-origin redirect within the request still reuses it).
   * Starting a worker costs tens to hundreds of milliseconds (Node starts a fresh isolate and
   * loads the modules in it), so this pays off for large or compressed bodies on a busy thread,
   * not for small requests. In a bundle, `request-worker.js` must sit beside
   * the module that holds HTTPRequest (as in `dist/`); if the worker cannot start, the request
   * rejects with `CANT_CREATE`.
   *
   * @example
   * ```ts
   * const http = new HTTPRequest();
   * http.useThreads = true; // gunzipping 256 MiB no longer stalls this thread's frames
   * const { result, body } = await http.request('https://example.com/big.json');
   * ```
   */
  get useThreads(): boolean {
    return this.#useThreads;
  }
  set useThreads(value: boolean) {
    if (this.#refused(useThreadsRefusal(value))) return;
    if (this.#guard('useThreads')) this.#useThreads = value;
  }

  /** The last refused setting or call, with why; `null` when none was refused. */
  get lastError(): GdhttpError | null {
    return this.#lastError;
  }

  /**
   * Starts a request whose body is `body` encoded as UTF-8.
   *
   * @param url - an absolute `http:` or `https:` URL. Userinfo becomes `Authorization: Basic`.
   * @param headers - `"Name: value"` strings, sent as given.
   * @param method - a {@link Method}; default GET.
   * @param body - the request body; default none.
   * @param options - `signal` to abort.
   * @returns the outcome. It rejects only when the request cannot start ({@link HTTPRequestError}
   *   with `BUSY`, `INVALID_PARAMETER` or `CANT_CONNECT`), when it is cancelled, or when `signal`
   *   aborts; every network outcome resolves with a {@link Result}. As in Godot, a method the
   *   client refuses (not a {@link Method}, or `CONNECT`) resolves with `CONNECTION_ERROR`.
   *   A rejection nobody handles never ends the process: the promise may be ignored, as GDScript
   *   ignores what `request()` returns, and the outcome taken from `request_completed`.
   */
  request(
    url: string,
    headers: readonly string[] = [],
    method: Method = Method.GET,
    body = '',
    options: HTTPRequestOptions = {},
  ): Promise<HTTPRequestResult> {
    // A body that is not a string reaches requestRaw() as it is and is refused there with
    // INVALID_PARAMETER, like any argument of the wrong type, never thrown.
    const bytes = typeof body !== 'string' ? body : body === '' ? EMPTY : encoder.encode(body);
    return this.requestRaw(url, headers, method, bytes as Uint8Array, options);
  }

  /**
   * Starts a request whose response body is read as it arrives (a gdhttp addition): resolves once
   * the final response head is in (after redirects), with its code and headers and the body as a
   * {@link ResponseStream} — an async iterator of decoded pieces, or a Web or Node stream. The
   * request stays busy until the body ended or was cancelled; `request_completed` fires then,
   * with an empty body. A request that ends before a final head resolves with its result and an
   * empty stream; one that cannot start rejects as {@link HTTPRequest.requestRaw} does. Not
   * available with `useThreads` (rejects with `INVALID_PARAMETER`), nor with `downloadFile`.
   *
   * @param url - as for request().
   * @param headers - `"Name: value"` strings.
   * @param method - a {@link Method}; default GET.
   * @param body - as for requestRaw(): bytes, a file or a stream.
   * @param options - `signal` to abort (also while the body streams).
   * @returns the final response's head and its body as a stream.
   * @example
   * ```ts
   * const { responseCode, body } = await http.requestStream('http://127.0.0.1:8080/big');
   * let total = 0;
   * for await (const piece of body) total += piece.length; // `break` closes the connection
   * ```
   */
  requestStream(
    url: string,
    headers: readonly string[] = [],
    method: Method = Method.GET,
    body: RequestBodyInit = EMPTY,
    options: HTTPRequestOptions = {},
  ): Promise<HTTPResponseStream> {
    return streamResponse(
      this.#downloadFile !== '' || options?.onBody !== undefined,
      (sinkAt) => this.#start(url, headers, method, body, options, sinkAt),
      () => this.cancelRequest(),
    );
  }

  /**
   * Starts a request with a raw body. Same contract as {@link HTTPRequest.request}.
   */
  requestRaw(
    url: string,
    headers: readonly string[] = [],
    method: Method = Method.GET,
    body: RequestBodyInit = EMPTY,
    options: HTTPRequestOptions = {},
  ): Promise<HTTPRequestResult> {
    const promise = this.#start(url, headers, method, body, options);
    // Code ported from GDScript ignores what request() returns and listens to request_completed;
    // a cancel or a refused request would then reject a promise nobody handles, and Node ends
    // the process on an unhandled rejection. A handler that does nothing marks the promise as
    // handled without changing it: whoever awaits it, or calls then(), still gets the rejection
    // (docs/decisions/0007-godot-style-ports-never-crash.md).
    promise.catch(ignore);
    return promise;
  }

  #start(
    url: string,
    headers: readonly string[],
    method: Method,
    init: RequestBodyInit,
    options: HTTPRequestOptions,
    streamSink?: (head: ResponseHead) => BodySink,
  ): Promise<HTTPRequestResult> {
    // A file or a stream is read as it is sent (internal/upload.ts); bytes stay bytes.
    const source = init instanceof Uint8Array ? null : bodySourceOf(init);
    const body = source === null ? init : EMPTY;
    const misuse = wrongArgument(url, headers, body, options);
    if (misuse !== null) {
      return Promise.reject(new HTTPRequestError(misuse, ErrorCode.INVALID_PARAMETER));
    }
    if (this.#busy()) {
      return Promise.reject(
        new HTTPRequestError(
          'HTTPRequest is processing a request; wait for it or cancelRequest()',
          ErrorCode.BUSY,
        ),
      );
    }
    // Godot resets the counters before it parses the URL: a refused URL resets them too.
    this.#downloaded = 0;
    this.#bodySize = -1;
    // Most programs request the same URL again and again: parse each string once.
    const parsed = this.#lastUrl?.[0] === url ? this.#lastUrl[1] : parseRequestUrl(url);
    if (parsed !== null) this.#lastUrl = [url, parsed];
    if (parsed === null) {
      return Promise.reject(
        new HTTPRequestError(
          'URL must be an absolute http:// or https:// URL',
          ErrorCode.INVALID_PARAMETER,
        ),
      );
    }
    // The method is not checked here, as in Godot: the client refuses an invalid one once
    // connected, and the request ends with CONNECTION_ERROR.
    const { signal, onBody } = options;
    const transientBody = options.transientBody === true;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (onBody !== undefined && this.#downloadFile !== '') {
      return Promise.reject(
        new HTTPRequestError(
          'onBody and downloadFile cannot be combined: the body goes to one of them',
          ErrorCode.INVALID_PARAMETER,
        ),
      );
    }

    if (this.#useThreads) {
      // A stream or an open file cannot cross to the worker thread (docs/decisions/0017).
      if (source !== null || streamSink !== undefined) {
        return Promise.reject(
          new HTTPRequestError(
            'useThreads takes bodies as bytes and responses as results: a file, a stream or a response stream cannot cross to the worker thread',
            ErrorCode.INVALID_PARAMETER,
          ),
        );
      }
      return this.#startThreaded(parsed, url, headers, method, body as Uint8Array, options);
    }

    const userHeaders = headers.slice();
    if (
      this.#acceptGzip &&
      !userHeaders.some((h) => h.trim().toLowerCase().startsWith('accept-encoding'))
    ) {
      userHeaders.push(`Accept-Encoding: ${ACCEPT_ENCODING}`);
    }
    const bytes = body as Uint8Array;
    // Bytes sent with `Expect: 100-continue` are held back like a file until the server says 100.
    const upload =
      source ?? (expectsContinue(headers) && bytes.length > 0 ? new BytesSource(bytes) : null);
    this.#uploaded = 0;
    return new Promise<HTTPRequestResult>((resolve, reject) => {
      const job: Job = {
        hop: {
          url: parsed,
          request: { method, headers: userHeaders, body: upload === null ? bytes : EMPTY },
          redirects: 0,
        },
        settled: false,
        resolve,
        reject,
        timer: undefined,
        sink: null,
        decoder: null,
        onAbort: undefined,
        signal,
        onBody,
        transientBody,
        upload,
        streamSink,
        session: new Session(),
      };
      this.#job = job;
      this.#finalUrl = parsed.href;
      this.#redirectCount = 0;
      // The only timer in a request: a deadline, never a poll (progress is driven by news).
      if (this.#timeout > 0) this.#arm(job, Date.now() + this.#timeout * 1000);
      if (signal) {
        job.onAbort = () => this.#abort(job, signal.reason);
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.#run(job).then(
        (outcome) => this.#finish(job, outcome),
        (error: unknown) => {
          if (error instanceof HTTPRequestError)
            this.#abort(job, error, error.code === ErrorCode.CANT_CONNECT);
          else this.#abort(job, error);
        },
      );
    });
  }

  /**
   * Starts a request in a worker thread of its own (`useThreads`). The checks that refuse a request
   * before it starts have run on this thread, so they reject exactly as without threads; the
   * worker runs everything after them with an ordinary HTTPRequest configured as this one.
   */
  #startThreaded(
    parsed: RequestUrl,
    url: string,
    headers: readonly string[],
    method: Method,
    body: Uint8Array,
    options: HTTPRequestOptions,
  ): Promise<HTTPRequestResult> {
    // The connection kept from an earlier request on this thread would not be used: the worker
    // opens its own.
    this.#client.close();
    this.#connectionKey = '';
    // The jar cannot cross threads: the worker works on a copy and sends back what it stored.
    const jar = this.#cookieJar;
    const cookies = jar === null ? null : (jar.serializeSync() ?? null);
    if (jar !== null && cookies === null) {
      return Promise.reject(
        new HTTPRequestError(
          'useThreads needs a cookie jar with a synchronous store (the default MemoryCookieStore)',
          ErrorCode.INVALID_PARAMETER,
        ),
      );
    }
    const spec: WorkerRequest = {
      url,
      headers: headers.slice(),
      method,
      // Cloned into the worker (the caller keeps its bytes); a transfer would empty them.
      body,
      streamBody: options.onBody !== undefined,
      deadline: this.#timeout > 0 ? Date.now() + this.#timeout * 1000 : 0,
      settings: {
        acceptGzip: this.#acceptGzip,
        bodySizeLimit: this.#bodySizeLimit,
        downloadChunkSize: this.#downloadChunkSize,
        downloadFile: this.#downloadFile,
        maxRedirects: this.#maxRedirects,
        followRedirects: this.#followRedirects,
        maxHeaderSize: this.#client.maxHeaderSize,
        maxHeaderCount: this.#client.maxHeaderCount,
        tls: this.#tlsOptions === null ? null : describeTls(this.#tlsOptions),
        httpProxy: this.#httpProxy,
        httpsProxy: this.#httpsProxy,
        keepPartialDownload: this.#keepPartialDownload,
        appendToDownloadFile: this.#appendToDownloadFile,
        retries: this.#retries,
        retryDelay: this.#retryDelay,
        retryMaxDelay: this.#retryMaxDelay,
        proxyFromEnv: this.#proxyFromEnv,
        cookies,
      },
    };
    let worker: ReturnType<typeof startModuleWorker>;
    try {
      worker = startModuleWorker(import.meta.url, 'internal/request-worker', { workerData: spec });
    } catch (cause) {
      return Promise.reject(
        new HTTPRequestError('cannot start the request worker', ErrorCode.CANT_CREATE, { cause }),
      );
    }
    this.#finalUrl = parsed.href;
    this.#redirectCount = 0;
    this.#threadStatus = Status.RESOLVING;
    return new Promise<HTTPRequestResult>((resolve, reject) => {
      this.#threaded = new ThreadedJob(worker, {
        host: {
          state: (state: WorkerState) => {
            this.#threadStatus = state.status;
            this.#finalUrl = state.finalUrl;
            this.#redirectCount = state.redirectCount;
            this.#downloaded = state.downloadedBytes;
            this.#bodySize = state.bodySize;
          },
          progress: (progress) => {
            this.#downloaded = progress.downloadedBytes;
            this.#bodySize = progress.bodySize;
            this.emit('progress', progress);
          },
          release: (job) => {
            if (this.#threaded === job) this.#threaded = null;
          },
          completed: (result) => this.emit('request_completed', result),
          retry: (event) => this.emit('retry', event),
          requestHead: (event) => this.emit('request_head', event),
          responseHead: (event) => this.emit('response_head', event),
          cookies: (from, setCookies) => {
            for (const value of setCookies) {
              jar?.setCookieSync(value, from, { http: true, ignoreError: true });
            }
          },
        },
        resolve,
        reject,
        signal: options.signal,
        onBody: options.onBody,
      });
    });
  }

  /** Tells a request worker watching this HTTPRequest that its state may have changed. */
  #watch(): void {
    if (this.#announce !== null) this.#announceHead();
    stateWatchers.get(this)?.();
    this.#noteUpload();
  }

  /**
   * Emits `request_head` with the head the client holds, once it holds the one this exchange
   * sent: at the first poll after the request was handed over, whether its body is bytes (they
   * follow in the same writes) or a stream (pumped after the head), so a listener sees the head
   * before a large upload, not after it.
   */
  #announceHead(): void {
    const announce = this.#announce;
    const head = this.#client.requestHead;
    if (announce === null || head === null || head === announce.before) return;
    this.#announce = null;
    const { job } = announce;
    if (job.settled || this.listenerCount('request_head') === 0) return;
    this.emit('request_head', { url: job.hop.url.href, head: head.slice() });
  }

  /** Keeps `getUploadedBytes()` with the client and emits `upload_progress` when it moved. */
  #noteUpload(sent = false): void {
    const job = this.#job;
    // Only while this request is being sent (or just was): before it, the client still counts
    // the previous request's body.
    if (job === null || (!sent && this.#client.getStatus() !== Status.REQUESTING)) return;
    const uploaded = this.#client.requestBodySent;
    if (uploaded === this.#uploaded) return;
    this.#uploaded = uploaded;
    if (this.listenerCount('upload_progress') > 0) {
      const size = job.upload === null ? job.hop.request.body.length : job.upload.length;
      this.emit('upload_progress', { uploadedBytes: uploaded, uploadSize: size });
    }
  }

  /**
   * Stops the running request: closes the connection, deletes a partial download, and rejects the
   * request's promise with an {@link HTTPRequestError}. Emits no `request_completed`, as in Godot.
   * Does nothing when no request runs.
   */
  cancelRequest(): void {
    this.#threaded?.cancel(new HTTPRequestError('request cancelled', ErrorCode.FAILED));
    const job = this.#job;
    if (job) this.#abort(job, new HTTPRequestError('request cancelled', ErrorCode.FAILED));
  }

  /** The underlying client's status: CONNECTED while a kept-alive connection waits for reuse. */
  getHttpClientStatus(): Status {
    if (this.#threaded !== null) return this.#threadStatus;
    return this.#client.getStatus();
  }

  /** Body bytes received on the wire for the current or last response (before decompression). */
  getDownloadedBytes(): number {
    return this.#downloaded;
  }

  /** Content-Length of the current or last response, or -1 when unknown. */
  getBodySize(): number {
    return this.#bodySize;
  }

  /**
   * Body bytes of the current or last request handed to the connection (a gdhttp addition; Godot
   * has none): live during the upload, with an `upload_progress` event each time it moves. The
   * socket's write window (a few MiB) may hold bytes the server has yet to receive.
   */
  getUploadedBytes(): number {
    return this.#uploaded;
  }

  /**
   * The URL the current or last request went to in the end (a gdhttp addition; Godot has none):
   * the URL given to `request()`, then the target of each redirect as it is followed. Normalised
   * as WHATWG `URL.href` (a default port dropped, an empty path made `/`), without userinfo (so
   * credentials never reach a log) and without fragment, as sent. `''` before the first request;
   * a request refused before it starts (`BUSY`, a bad URL) leaves it unchanged.
   */
  getFinalUrl(): string {
    return this.#finalUrl;
  }

  /**
   * Redirects followed by the current or last request (a gdhttp addition; Godot has none): 0 when
   * the first response was final; at `REDIRECT_LIMIT_REACHED`, the `maxRedirects` that were
   * followed. Reset when a request starts; a request refused before it starts leaves it unchanged.
   */
  getRedirectCount(): number {
    return this.#redirectCount;
  }

  /** TLS options for https URLs; null or server options are refused (the old ones stay). */
  setTlsOptions(options: TLSOptions | null): void {
    if (!(options instanceof TLSOptions) || options.isServer()) {
      this.#refuse('setTlsOptions needs client options', ErrorCode.INVALID_PARAMETER);
      return;
    }
    this.#tlsOptions = options;
    this.#connectionKey = '';
    this.#threaded?.send({ type: 'tls', value: describeTls(options) });
  }

  /**
   * HTTP proxy for http URLs; `''` or port -1 clears it. Takes effect at the next connection.
   *
   * @param username - optional Basic credentials for the proxy, forwarded to
   *   {@link HTTPClient.setHttpProxy} (sent as `Proxy-Authorization`, never to the origin).
   */
  setHttpProxy(host: string, port: number, username?: string, password?: string): void {
    if (!this.#forward(() => this.#client.setHttpProxy(host, port, username, password))) return;
    const next = proxyArguments(host, port, username, password);
    // The same proxy set again (a loop that applies its settings before each request) keeps the
    // kept-alive connection; another one, or other credentials, needs a new one.
    if (!sameProxy(this.#httpProxy, next)) this.#connectionKey = '';
    this.#httpProxy = next;
    this.#threaded?.send({ type: 'httpProxy', value: this.#httpProxy });
  }

  /**
   * HTTPS proxy (CONNECT tunnel) for https URLs; `''` or port -1 clears it.
   *
   * @param username - optional Basic credentials, sent on the CONNECT request only.
   */
  setHttpsProxy(host: string, port: number, username?: string, password?: string): void {
    if (!this.#forward(() => this.#client.setHttpsProxy(host, port, username, password))) return;
    const next = proxyArguments(host, port, username, password);
    // A tunnel was authorized by its CONNECT's credentials: only the same ones may reuse it.
    if (!sameProxy(this.#httpsProxy, next)) this.#connectionKey = '';
    this.#httpsProxy = next;
    this.#threaded?.send({ type: 'httpsProxy', value: this.#httpsProxy });
  }

  /**
   * Forwards a setting to the client; false when the client refused it, whose reason then becomes
   * this request's `lastError` (the client's rule decides, in one place).
   */
  #forward(apply: () => void): boolean {
    const before = this.#client.lastError;
    apply();
    const error = this.#client.lastError;
    if (error === null || error === before) return true;
    this.#lastError = new HTTPRequestError(error.message, error.code, { cause: error });
    return false;
  }

  /** Cancels any running request and closes the kept-alive connection. */
  close(): void {
    this.cancelRequest();
    this.#client.close();
    this.#connectionKey = '';
  }

  /**
   * Ends `job` with TIMEOUT at `deadline` (ms since the epoch). setTimeout fires at once for more
   * than 2^31-1 ms (about 24.8 days), so a longer deadline is reached in steps; an infinite one never.
   */
  #arm(job: Job, deadline: number): void {
    const left = deadline - Date.now();
    if (left === Number.POSITIVE_INFINITY) return;
    if (left > MAX_TIMER_MS) {
      job.timer = setTimeout(() => this.#arm(job, deadline), MAX_TIMER_MS);
    } else {
      job.timer = setTimeout(() => this.#finish(job, failure(Result.TIMEOUT)), left);
    }
  }

  /** Whether a request runs, on this thread or in a worker. */
  #busy(): boolean {
    return this.#job !== null || this.#threaded !== null;
  }

  #guard(name: string): boolean {
    if (!this.#busy()) return true;
    this.#refuse(`${name} cannot change while a request is running`, ErrorCode.BUSY);
    return false;
  }

  #refuse(message: string, code: ErrorCode): void {
    this.#lastError = new HTTPRequestError(message, code);
  }

  /** Keeps a setting rule's refusal as `lastError`; true when there was one. */
  #refused(refusal: HTTPRequestError | null): boolean {
    if (refusal !== null) this.#lastError = refusal;
    return refusal !== null;
  }

  /**
   * The client gives a connection its limits when it opens, so a kept one still has the old ones:
   * the next request must open a new connection for a changed limit to apply.
   */
  #limitChanged(): void {
    this.#connectionKey = '';
  }

  /**
   * The request as a pipeline, run once per hop of its redirect chain:
   *
   * 1. exchange (`#exchange`): a connection (kept or new), the request sent with the headers
   *    this hop adds (`#hopHeaders`), the response head read;
   * 2. redirect ({@link decideRedirect}, the one home of every redirect rule): follow (leave this
   *    response's connection ready for the next hop and go round again), limit, or final;
   * 3. body (`#body`): the final response's body, read, decoded and limited into its sink
   *    (memory, the download file, or `onBody`; see `internal/body-sink.ts`).
   *
   * Each step may end the request early with a result. The policies that span hops and attempts
   * (issue #16; their state is `job.session`, their rules each in one file) sit between the steps,
   * in this order:
   *
   * - redirect → `internal/redirect.ts`, as above;
   * - retry → `internal/retry-policy.ts` (`#retry`): a connection that failed, a 408/429/5xx
   *   (`#final`), a body cut short (its bytes kept by `#keepCut`); the hop runs again after a wait;
   * - resume → `internal/resume.ts` (`#beginSession`, `#resume`): `Range`/`If-Range` on the hop
   *   (`#sessionHeaders`), the 206/200/416 decided on the head, an appending sink
   *   (`#openDownload`, `internal/partial-file.ts`);
   * - cookies → `internal/cookies.ts`: the jar's Cookie on every hop (`#sessionHeaders`), every
   *   head's Set-Cookie stored (`#keepCookies`).
   *
   * The proxy from the environment (`proxyFromEnv`, `proxy-from-env.ts`) is chosen per connection
   * (`#proxyForConnection`).
   */
  async #run(job: Job): Promise<HTTPRequestResult> {
    // Awaited only when there is a file to read: request() connects before it returns, as Godot's.
    if (this.#appendToDownloadFile && this.#downloadFile !== '') await this.#beginSession(job);
    for (;;) {
      const jar = this.#cookieJar;
      if (jar !== null) {
        const cookie = cookieFor(jar, job.hop.url.href);
        job.session.cookie = typeof cookie === 'string' ? cookie : await cookie;
        if (job.settled) return ended();
      }
      const head = await this.#exchange(job);
      if ('result' in head) {
        if (await this.#retry(job, { kind: 'result', result: head.result }, null)) continue;
        return job.settled ? ended() : head;
      }
      if (job.settled) return ended();
      if (this.listenerCount('response_head') > 0) {
        const { code: responseCode, headers } = head;
        this.emit('response_head', {
          url: job.hop.url.href,
          responseCode,
          headers: headers.slice(),
        });
        // A listener may have cancelled the request: no byte of this body is read then.
        if (job.settled) return ended();
      }
      if (this.#cookieJar !== null) {
        await this.#keepCookies(job, head);
        if (job.settled) return ended();
      }
      if (await this.#withoutExpectation(job, head)) continue;
      if (job.settled) return ended();
      const decision = decideRedirect(
        job.hop,
        head.code,
        head.headers,
        this.#maxRedirects,
        this.#followRedirects,
      );
      switch (decision.kind) {
        case 'final': {
          const outcome = await this.#final(job, head);
          if (outcome === 'again') continue;
          return outcome;
        }
        case 'limit':
          this.#client.close();
          return withHead(Result.REDIRECT_LIMIT_REACHED, head);
        case 'follow':
          // A 307/308 repeats the body: a stream already (partly) read cannot be sent again, and
          // what is left of it would be another body. REQUEST_FAILED with the 3xx's code and
          // headers (Location among them), never an empty or partial body sent on (fetch makes
          // this a network error; bytes, files and stream factories are sent again).
          if (
            job.upload !== null &&
            !job.upload.replayable &&
            decision.next.request.method === job.hop.request.method
          ) {
            this.#client.close();
            return withHead(Result.REQUEST_FAILED, head);
          }
          if (decision.next.request.method !== job.hop.request.method) await this.#dropUpload(job);
          await this.#leaveRedirect(job, head, decision.next.url);
          if (job.settled) return ended();
          this.#follow(job, decision.next);
      }
    }
  }

  /** Moves the job to the next hop of its redirect chain; the getters follow it. */
  #follow(job: Job, next: Hop): void {
    job.hop = next;
    this.#finalUrl = next.url.href;
    this.#redirectCount = next.redirects;
    this.#downloaded = 0;
    this.#bodySize = -1;
    this.#watch();
  }

  /**
   * The steps after the redirect decision, for the response that ends this hop: retry (its status
   * asks for it) → resume (what it means for bytes already kept) → body (a cut one retried, from
   * where it stopped when it can be). Resolves with `'again'` to run the hop again.
   */
  async #final(job: Job, head: ResponseHead): Promise<HTTPRequestResult | 'again'> {
    const asked: RetryCause = { kind: 'status', code: head.code, headers: head.headers };
    if (await this.#retry(job, asked, head)) return 'again';
    if (job.settled) return ended();
    const resumed = await this.#resume(job, head);
    if (resumed !== null) return resumed;
    const result = await this.#body(job, head);
    if (job.settled || result.responseCode !== 0 || !RETRIED_RESULT.has(result.result)) {
      return result;
    }
    // The body was cut short (a response with code 0 and a connection Result).
    const cut: RetryCause = { kind: 'result', result: result.result };
    return (await this.#retry(job, cut, null, () => this.#keepCut(job, head))) ? 'again' : result;
  }

  /**
   * Resume, before the first exchange: with `appendToDownloadFile`, the download file's bytes
   * (and the validator saved beside them) are where the range starts; a caller's own `Range`
   * is left as it is, Godot's way.
   */
  async #beginSession(job: Job): Promise<void> {
    if (this.#downloadFile === '' || !this.#appendToDownloadFile) return;
    const session = job.session;
    if (hasRange(job.hop.request.headers)) {
      session.userRange = true;
      return;
    }
    const partial = await readPartial(this.#downloadFile);
    if (partial === null) return;
    const { size, validator, length } = partial;
    session.resume = { offset: size, validator, length, from: 'file' };
  }

  /** The header lines the session adds to a hop's: the range asked for, and the jar's cookies. */
  #sessionHeaders(job: Job, headers: string[]): string[] {
    const { resume, cookie } = job.session;
    return withCookie(resume === null ? headers : rangeHeaders(headers, resume), cookie);
  }

  /** Cookies: every response head's Set-Cookie goes into the jar (a worker's, to the caller's too). */
  async #keepCookies(job: Job, head: ResponseHead): Promise<void> {
    const jar = this.#cookieJar;
    if (jar === null) return;
    const stored = await storeCookies(jar, job.hop.url.href, head.headers);
    if (stored.length > 0) cookieWatchers.get(this)?.(job.hop.url.href, stored);
  }

  /**
   * Retry (internal/retry-policy.ts decides): when `cause` allows one, leaves the response (if
   * any) as a redirect's, runs `prepare` (the cut body's bytes kept or dropped: how many are kept,
   * or -1 when the body can be neither continued nor started again), emits `retry` and waits.
   * Resolves with true when the hop is to run again.
   */
  async #retry(
    job: Job,
    cause: RetryCause,
    head: ResponseHead | null,
    prepare?: () => Promise<number>,
  ): Promise<boolean> {
    if (job.settled || (job.upload !== null && !job.upload.replayable)) return false;
    const settings = {
      retries: this.#retries,
      retryDelay: this.#retryDelay,
      retryMaxDelay: this.#retryMaxDelay,
    };
    const { session } = job;
    const { method } = job.hop.request;
    const delay = retryDelayMs(settings, session.retries, method, cause, Date.now(), Math.random());
    if (delay === null) return false;
    const resumeFrom = prepare === undefined ? (session.resume?.offset ?? 0) : await prepare();
    if (resumeFrom < 0 || job.settled) return false;
    if (head !== null) await this.#leaveRedirect(job, head, job.hop.url);
    if (job.settled) return false;
    session.retries += 1;
    this.emit('retry', {
      attempt: session.retries,
      retries: this.#retries,
      delay: delay / 1000,
      url: job.hop.url.href,
      result: cause.kind === 'result' ? cause.result : Result.SUCCESS,
      responseCode: cause.kind === 'status' ? cause.code : 0,
      resumeFrom,
    });
    // A listener may have cancelled the request; cancel, abort and timeout end the wait too.
    if (job.settled) return false;
    await session.sleep(delay);
    return !job.settled;
  }

  /**
   * A body cut short, before its retry: what arrived is kept for a range request when the
   * response can be continued (no content coding, a validator for If-Range, a known length), else
   * dropped to start over. Resolves with the bytes kept, or -1 when the body can be neither
   * continued nor started again (`onBody` already has bytes it cannot take back).
   */
  async #keepCut(job: Job, head: ResponseHead): Promise<number> {
    const { session } = job;
    const sink = job.sink;
    job.sink = null;
    const point = session.resume;
    const continued = head.code === 206 && point !== null;
    const offset = (continued ? point.offset : 0) + this.#downloaded;
    const { validator, length } = representationOf(head.code, head.headers);
    const check = validator ?? (continued ? point.validator : null);
    if (
      sink !== null &&
      !session.userRange &&
      (head.code === 200 || continued) &&
      headerValues(head.headers, 'content-encoding').length === 0 &&
      check !== null &&
      offset > 0 &&
      length > offset
    ) {
      session.kept = sink;
      session.resume = { offset, validator: check, length, from: 'sink' };
      return offset;
    }
    const restartable =
      sink instanceof MemorySink || sink instanceof FileSink || sink instanceof PartialFileSink;
    if (sink !== null && offset > 0 && !restartable) {
      job.sink = sink;
      return -1;
    }
    await sink?.discard();
    // A range from the download file stays: the file was put back as it was (or kept).
    if (point?.from !== 'file' || !continued) session.resume = null;
    return session.resume?.offset ?? 0;
  }

  /**
   * Resume (internal/resume.ts decides): what the answer to a range request means. A 206 that
   * continues the kept bytes goes on to the body step (its sink appends); a 200 or another status
   * drops them (the body replaces them); a 416 at the file's length completes the download as it
   * is; an answer that cannot be used is asked again without a range. Resolves with null to go
   * on to the body step.
   */
  async #resume(job: Job, head: ResponseHead): Promise<HTTPRequestResult | 'again' | null> {
    const { session } = job;
    const point = session.resume;
    if (point === null) return null;
    const decision = decideResume(point, head.code, head.headers);
    if (decision === 'append') return null;
    session.resume = null;
    await session.takeKept()?.discard();
    if (job.settled) return ended();
    if (decision === 'complete' && point.from === 'file') {
      await this.#leaveRedirect(job, head, job.hop.url);
      await removeSidecar(this.#downloadFile);
      return job.settled ? ended() : withHead(Result.SUCCESS, head);
    }
    if (decision === 'again' || decision === 'complete') {
      await this.#leaveRedirect(job, head, job.hop.url);
      return job.settled ? ended() : 'again';
    }
    return null;
  }

  /**
   * The download file's sink: appending when a 206 continues the file (`appendToDownloadFile`),
   * written in place when `keepPartialDownload` keeps what arrives, else a temporary file renamed
   * over the target once complete ({@link FileSink}).
   */
  async #openDownload(job: Job, head: ResponseHead): Promise<BodySink | Error> {
    const path = this.#downloadFile;
    const { resume, userRange } = job.session;
    const keep = this.#keepPartialDownload;
    const representation = representationOf(head.code, head.headers);
    if (head.code === 206 && this.#appendToDownloadFile && (resume !== null || userRange)) {
      const offset = resume !== null ? resume.offset : ((await readPartial(path))?.size ?? 0);
      representation.validator ??= resume?.validator ?? null;
      return PartialFileSink.open(path, { offset, keep, representation });
    }
    if (keep && (await canWriteInPlace(path))) {
      return PartialFileSink.open(path, { offset: 0, keep, representation });
    }
    return FileSink.open(path);
  }

  /** The proxy a connection to `url` goes through: set by hand, else (`proxyFromEnv`) the environment's. */
  #proxyOf(url: RequestUrl): ProxyArguments | null | string {
    const own = url.tls ? this.#httpsProxy : this.#httpProxy;
    if (own !== null || !this.#proxyFromEnv) return own;
    const raw = proxyFor({ protocol: url.tls ? 'https:' : 'http:', hostname: url.host });
    if (raw === null) return null;
    const parts = parseProxyUrl(raw);
    if (typeof parts === 'string') return `proxy from the environment: ${parts}`;
    return [parts.host, parts.port, parts.username, parts.password];
  }

  /**
   * Gives the client the proxy for `url` before it connects (`proxyFromEnv`); without it the
   * client keeps the proxies set by hand. Returns why the environment's proxy cannot be used.
   */
  #proxyForConnection(url: RequestUrl): string | null {
    if (!this.#proxyFromEnv) return null;
    const proxy = this.#proxyOf(url);
    if (typeof proxy === 'string') return proxy;
    const [host, port, username, password] = proxy ?? ['', -1, undefined, undefined];
    if (url.tls) this.#client.setHttpsProxy(host, port, username, password);
    else this.#client.setHttpProxy(host, port, username, password);
    return null;
  }

  /** Puts the proxies set by hand back on the client (after the environment's were used). */
  #applyProxies(): void {
    const [host, port, username, password] = this.#httpProxy ?? ['', -1, undefined, undefined];
    this.#client.setHttpProxy(host, port, username, password);
    const [tlsHost, tlsPort, tlsUser, tlsPassword] = this.#httpsProxy ?? [
      '',
      -1,
      undefined,
      undefined,
    ];
    this.#client.setHttpsProxy(tlsHost, tlsPort, tlsUser, tlsPassword);
    this.#connectionKey = '';
  }

  /**
   * One request/response on a (possibly reused) connection: resolves with the response head, or
   * with the result that ends the request before one arrived.
   */
  async #exchange(job: Job): Promise<ResponseHead | HTTPRequestResult> {
    const client = this.#client;
    const { url, request } = job.hop;
    let reused = this.#reusable(url);
    for (;;) {
      if (!reused) {
        const connected = await this.#connect(job, url);
        if (connected !== null) return connected;
      }
      const headers = this.#sessionHeaders(job, this.#hopHeaders(job.hop));
      this.#announce = { job, before: client.requestHead };
      if (!(await this.#send(job, url, headers))) return failure(Result.CONNECTION_ERROR);
      if (job.settled) return ended();
      await this.#driveWhile(job, (s) => s === Status.REQUESTING);
      if (job.settled) return ended();
      // The poll that read the head may have sent the last body bytes too.
      this.#noteUpload(true);
      const status = client.getStatus();
      if (
        status === Status.CONNECTION_ERROR &&
        reused &&
        !client.responseStarted &&
        IDEMPOTENT.has(request.method) &&
        (job.upload === null || job.upload.replayable)
      ) {
        // The server may have closed the kept connection as the request left (RFC 9112 §9.3.1
        // lets it close an idle one at any time). Not a byte came back, but that does not prove
        // the request went unprocessed: the server may have read it and then closed or reset.
        // Sending it again is safe only when repeating it has the same effect (RFC 9110 §9.2.2),
        // so only an idempotent request is tried once more on a fresh connection; a POST ends
        // with CONNECTION_ERROR rather than risk being applied twice.
        reused = false;
        continue;
      }
      if (status !== Status.BODY && status !== Status.CONNECTED && status !== Status.DISCONNECTED) {
        return failure(resultOf(status));
      }
      // Godot's NO_RESPONSE: a status line with no header field at all.
      if (!client.hasResponse()) return failure(Result.NO_RESPONSE);
      return { code: client.getResponseCode(), headers: client.getResponseHeaders() };
    }
  }

  /**
   * Sends this hop's request: bytes through `requestRaw`, a file or stream (or bytes held for
   * `Expect: 100-continue`) through the upload pump, which returns once the body is sent or no
   * longer wanted. False when the client refused the request.
   */
  async #send(job: Job, url: RequestUrl, headers: string[]): Promise<boolean> {
    const { request } = job.hop;
    const upload = job.upload;
    if (upload === null) {
      return (
        this.#client.requestRaw(request.method, url.path, headers, request.body) === ErrorCode.OK
      );
    }
    try {
      await upload.open();
    } catch (cause) {
      throw new HTTPRequestError('cannot open the request body', ErrorCode.FILE_CANT_OPEN, {
        cause,
      });
    }
    return sendStreamedBody(this.#client, request.method, url.path, headers, upload, {
      settled: () => job.settled,
      moved: () => this.#watch(),
    });
  }

  /**
   * RFC 9110 §10.1.1: a 417 (Expectation Failed) answered to `Expect: 100-continue` says only
   * that something on the way does not support the expectation, and the client "SHOULD repeat
   * that request without a 100-continue expectation". When the body can be sent again (bytes, a
   * file, a stream factory, a stream not read yet — the usual case, as the 417 comes before the
   * body), the 417 is left like a redirect's response and the hop runs once more without the
   * expectation; a second 417 is final. Resolves with true when the hop is to run again.
   */
  async #withoutExpectation(job: Job, head: ResponseHead): Promise<boolean> {
    const { request } = job.hop;
    if (head.code !== 417 || !expectsContinue(request.headers)) return false;
    if (job.upload !== null && !job.upload.replayable) return false;
    await this.#leaveRedirect(job, head, job.hop.url);
    if (job.settled) return false;
    job.hop = { ...job.hop, request: { ...request, headers: withoutContinue(request.headers) } };
    return true;
  }

  /** The body was dropped (a redirect that turns the request into a GET): release its source. */
  async #dropUpload(job: Job): Promise<void> {
    const upload = job.upload;
    job.upload = null;
    await upload?.close();
  }

  /**
   * The header lines sent to this hop: the caller's (as the redirect rules left them), and
   * `Authorization: Basic` from the URL's userinfo unless the caller sent an Authorization.
   */
  #hopHeaders(hop: Hop): string[] {
    const headers = hop.request.headers.slice();
    const { credentials } = hop.url;
    if (
      credentials !== null &&
      !headers.some((h) => h.trim().toLowerCase().startsWith('authorization:'))
    ) {
      headers.push(basicAuthorization(credentials.username, credentials.password));
    }
    return headers;
  }

  #key(url: RequestUrl): string {
    const proxy = this.#proxyOf(url);
    return typeof proxy !== 'object' || proxy === null
      ? `${url.origin}|`
      : `${url.origin}|${proxy[0]}:${proxy[1]}`;
  }

  #reusable(url: RequestUrl): boolean {
    const client = this.#client;
    if (client.getStatus() !== Status.CONNECTED || this.#connectionKey !== this.#key(url)) {
      return false;
    }
    // A close (or a 408 and a close) that already arrived on the idle connection shows at this
    // poll: the request then goes to a fresh connection instead of failing on this one, where
    // only an idempotent request could be sent again.
    client.poll();
    if (client.getStatus() !== Status.CONNECTED) return false;
    // Bytes that arrived on the idle connection answer no request of ours (a stray 408 whose
    // close is still on its way, junk): the client refuses to send after them (CONNECTION_ERROR
    // before a byte left), which would fail a POST that was never sent. A fresh connection is
    // the one the server expects the request on.
    return (client.connection?.getAvailableBytes() ?? 0) === 0;
  }

  async #connect(job: Job, url: RequestUrl): Promise<HTTPRequestResult | null> {
    const client = this.#client;
    client.close();
    this.#connectionKey = '';
    const unusable = this.#proxyForConnection(url);
    if (unusable !== null) {
      if (job.hop.redirects > 0) return failure(Result.CANT_CONNECT);
      throw new HTTPRequestError(unusable, ErrorCode.CANT_CONNECT);
    }
    const tls = url.tls ? (this.#tlsOptions ?? TLSOptions.client()) : null;
    const err = client.connectToHost(url.host, url.port, tls);
    if (err !== ErrorCode.OK) {
      // Once started (a redirect's target), the request ends with a Result: Godot closed the
      // client for the redirect and then finds it DISCONNECTED.
      if (job.hop.redirects > 0) return failure(Result.CANT_CONNECT);
      throw new HTTPRequestError(
        `cannot connect to ${url.host}:${url.port}`,
        ErrorCode.CANT_CONNECT,
        {
          cause: client.lastError,
        },
      );
    }
    await this.#driveWhile(job, (s) => s === Status.RESOLVING || s === Status.CONNECTING);
    const status = client.getStatus();
    if (job.settled) return failure(Result.CANT_CONNECT);
    if (status !== Status.CONNECTED) return failure(resultOf(status));
    this.#connectionKey = this.#key(url);
    return null;
  }

  /**
   * Leaves a followed redirect's response so that its connection serves the next hop when it can.
   * The redirect's body is not wanted, but the connection is: a same-origin chain (nginx's 301/302
   * always carry a small page) then costs one connection, as with curl. Whatever was not read to
   * its end (a large, unframed, other-origin or broken body) goes with its connection; the next
   * hop opens a new one.
   */
  async #leaveRedirect(job: Job, head: ResponseHead, target: RequestUrl): Promise<void> {
    if (this.#key(target) === this.#connectionKey && this.#drainable(head.headers)) {
      await this.#discardBody(job);
      if (job.settled) return;
    }
    if (this.#client.getStatus() !== Status.CONNECTED) this.#client.close();
  }

  /**
   * The body step: the final response's body goes into its sink, its content codings undone and
   * `bodySizeLimit` enforced. Resolves with the result the request ends with.
   */
  async #body(job: Job, head: ResponseHead): Promise<HTTPRequestResult> {
    const plan = this.#planBody(head);
    if ('result' in plan) return plan;
    const sink = await this.#openSink(job, plan);
    if ('result' in sink) return sink;
    if (job.settled) return ended();
    const decoder =
      plan.codings === null
        ? null
        : new ContentDecoder(plan.codings, this.#bodySizeLimit, (piece) => sink.write(piece));
    job.decoder = decoder;
    const early = await this.#readBody(job, head, sink, decoder);
    if (early !== null) return early;
    if (decoder !== null) {
      await decoder.end();
      if (job.settled) return ended();
      if (decoder.failure !== null) return this.#decoderFailure(job, head, decoder);
      if (sink.failure !== null) return this.#cut(job, head, sink.failure);
    }
    // From here the sink is this step's to finish: a job ending meanwhile does not discard it.
    job.sink = null;
    const end = sink.end();
    const body = end instanceof Promise ? await end : end;
    if (typeof body === 'number') return this.#cut(job, head, body);
    return withHead(Result.SUCCESS, head, body);
  }

  /**
   * What the final response's head says about its body, decided before a byte of it is read:
   * a result when the request ends on the head (no body, an empty one, a Content-Length over
   * `bodySizeLimit`, too many codings), else how to read the body.
   */
  #planBody(head: ResponseHead): BodyPlan | HTTPRequestResult {
    const client = this.#client;
    this.#downloaded = 0;
    if (client.getStatus() !== Status.BODY) return withHead(Result.SUCCESS, head);
    const length = client.getResponseBodyLength();
    if (length === 0 && !client.isResponseChunked()) {
      // Godot's zero-length path (HEAD, Content-Length: 0): SUCCESS before the body size is
      // recorded (it stays -1), the download file is opened or the codings are looked at. One
      // read ends the empty body, so the connection can be reused.
      client.readResponseBodyChunk();
      return withHead(Result.SUCCESS, head);
    }
    this.#bodySize = length;
    this.#watch();
    const limit = this.#bodySizeLimit;
    if (limit >= 0 && length > limit) {
      client.close();
      return withHead(Result.BODY_SIZE_LIMIT_EXCEEDED, head);
    }
    // Repeated field lines form one list (RFC 9110 §5.3); none at all parses as no coding.
    const codings = this.#acceptGzip
      ? parseContentEncoding(headerValues(head.headers, 'content-encoding').join(', '))
      : [];
    if (codings === 'too-many') {
      client.close();
      return withHead(Result.BODY_DECOMPRESS_FAILED, head);
    }
    // Codings we do not decode ('unsupported') leave the body as it came, as in Godot.
    return {
      head,
      length,
      codings: Array.isArray(codings) && codings.length > 0 ? codings : null,
    };
  }

  /**
   * The body's destination: `downloadFile` (opened now, before the body is read, as Godot does),
   * `onBody`, or memory. Resolves with the result that ends the request when the file cannot be
   * opened.
   */
  async #openSink(job: Job, plan: BodyPlan): Promise<BodySink | HTTPRequestResult> {
    let sink: BodySink;
    // A 206 continuing a body cut short goes on into that body's sink (see #keepCut).
    const kept = job.session.takeKept();
    if (kept !== null) {
      sink = kept;
    } else if (this.#downloadFile !== '') {
      const file = await this.#openDownload(job, plan.head);
      if (job.settled) {
        if (!(file instanceof Error)) await file.discard();
        return ended();
      }
      if (file instanceof Error) return this.#cut(job, plan.head, Result.DOWNLOAD_FILE_CANT_OPEN);
      sink = file;
    } else if (job.streamSink !== undefined) {
      sink = job.streamSink(plan.head);
    } else if (job.onBody !== undefined) {
      sink = new CallbackSink(job.onBody);
    } else {
      // Its length is known up front unless the body is decoded.
      sink = new MemorySink(plan.codings === null ? plan.length : -1);
    }
    job.sink = sink;
    return sink;
  }

  /**
   * Reads the body off the connection, in the pieces as received (never joined), into the
   * decoder or straight into the sink, until the response ends. A write, or `onBody`'s promise,
   * is awaited before the next read, so a slow consumer slows the download instead of filling
   * memory; collecting in memory awaits nothing. Resolves with null at the end of the body, or
   * with the result that ends the request early.
   */
  async #readBody(
    job: Job,
    head: ResponseHead,
    sink: BodySink,
    decoder: ContentDecoder | null,
  ): Promise<HTTPRequestResult | null> {
    const client = this.#client;
    const limit = this.#bodySizeLimit;
    let delivered = 0;
    // Each piece is done with before the next read when it goes to the decoder or the file (their
    // writes are awaited), or is copied into a collected body of known length, so the connection
    // may read into recycled buffers. onBody's pieces are kept: a callback that pushes pieces into
    // an array (what every other Node client allows) must not see them overwritten by later reads
    // — unless it said it copies.
    const transient =
      decoder !== null ||
      sink instanceof FileSink ||
      (sink instanceof MemorySink && sink.copies) ||
      (sink instanceof CallbackSink && job.transientBody);
    for (;;) {
      const piece = client.readResponseBodyView(transient);
      if (piece.length > 0) {
        this.#downloaded += piece.length;
        if (this.listenerCount('progress') > 0) {
          this.emit('progress', { downloadedBytes: this.#downloaded, bodySize: this.#bodySize });
          // A listener may have cancelled the request.
          if (job.settled) return ended();
        }
        if (decoder !== null) {
          await decoder.write(piece);
          if (job.settled) return ended();
          if (decoder.failure !== null) return this.#decoderFailure(job, head, decoder);
        } else {
          // Chunked and read-until-close bodies announce no length: the limit is checked here.
          if (limit >= 0 && delivered + piece.length > limit) {
            return this.#cut(job, head, Result.BODY_SIZE_LIMIT_EXCEEDED);
          }
          delivered += piece.length;
          const pending = sink.write(piece);
          if (pending !== undefined) await pending;
          if (job.settled) return ended();
        }
        if (sink.failure !== null) return this.#cut(job, head, sink.failure);
      }
      const status = client.getStatus();
      if (status === Status.BODY) {
        if (piece.length === 0) await client.news();
        if (job.settled) return ended();
        client.poll();
        continue;
      }
      if (status === Status.CONNECTED || status === Status.DISCONNECTED) {
        // Done with the last piece too: its read buffer may serve other connections' reads.
        if (transient && status === Status.CONNECTED) client.readResponseBodyView(true);
        return null;
      }
      // The connection broke under the body: the result carries no response, as in Godot.
      return failure(resultOf(status));
    }
  }

  /** The result of a decoder that stopped: over the limit, a corrupt stream, or `onBody` failing. */
  #decoderFailure(job: Job, head: ResponseHead, decoder: ContentDecoder): HTTPRequestResult {
    // onBody's own error rejects the request (after closing), as a throw from it would.
    if (decoder.failure === 'output') throw decoder.outputError;
    const result =
      decoder.failure === 'limit' ? Result.BODY_SIZE_LIMIT_EXCEEDED : Result.BODY_DECOMPRESS_FAILED;
    return this.#cut(job, head, result);
  }

  /**
   * Ends the request with `result` and the response's head, closing the connection whose body
   * was not read to its end — unless the job has ended already: a stale job never touches the
   * client again (a new request may already be using it).
   */
  #cut(job: Job, head: ResponseHead, result: Result): HTTPRequestResult {
    if (!job.settled) this.#client.close();
    return withHead(result, head);
  }

  /**
   * Whether a followed redirect's body is worth reading to keep its connection: framed (a
   * Content-Length up to {@link REDIRECT_BODY_DRAIN_MAX}, or chunked, capped while read) and on a
   * connection the server keeps. A body read until close ends with the connection, and after
   * `Connection: close` the connection is gone anyway — curl stops after the head then too.
   */
  #drainable(headers: readonly string[]): boolean {
    const client = this.#client;
    if (client.getStatus() !== Status.BODY) return false;
    const length = client.getResponseBodyLength();
    if (length > REDIRECT_BODY_DRAIN_MAX) return false;
    if (length < 0 && !client.isResponseChunked()) return false;
    return !headerValues(headers, 'connection').some((value) =>
      value
        .toLowerCase()
        .split(',')
        .some((token) => token.trim() === 'close'),
    );
  }

  /**
   * Reads a redirect's body to its end and drops it, so the connection is CONNECTED for the next
   * hop. Stops (the caller then closes) once more than {@link REDIRECT_BODY_DRAIN_MAX} bytes came,
   * or when the body breaks off. The bytes count nowhere — not in `getDownloadedBytes()`, nor
   * `progress`: they belong to no response the caller sees. A timeout, cancel or abort closes the
   * client, which is news, so the wait ends with the job.
   */
  async #discardBody(job: Job): Promise<void> {
    const client = this.#client;
    let discarded = 0;
    for (;;) {
      const piece = client.readResponseBodyView(true);
      discarded += piece.length;
      if (discarded > REDIRECT_BODY_DRAIN_MAX || client.getStatus() !== Status.BODY) return;
      if (piece.length === 0) await client.news();
      if (job.settled) return;
      client.poll();
    }
  }

  /**
   * Polls the client while `keep(status)` holds, awaiting its news between polls. Asking for news
   * after the poll loses nothing: `news()` settles at once for anything that changed since the last
   * poll, and closing the client (cancel, timeout) is news too, so no wait outlives its job.
   */
  async #driveWhile(job: Job, keep: (status: Status) => boolean): Promise<void> {
    const client = this.#client;
    for (;;) {
      client.poll();
      this.#watch();
      if (job.settled || !keep(client.getStatus())) return;
      await client.news();
      if (job.settled) return;
    }
  }

  /** Ends a job with a Result: frees everything, resolves, then emits `request_completed`. */
  #finish(job: Job, result: HTTPRequestResult): void {
    if (job.settled) return;
    const keep = result.result === Result.SUCCESS && this.#client.getStatus() === Status.CONNECTED;
    const settle = (): void => {
      // As Godot, the node stays busy until the completion is delivered, then the handler (or
      // the promise's continuation) may start the next request.
      if (this.#job === job) this.#job = null;
      job.resolve(result);
      this.emit('request_completed', result);
    };
    // Settle only once a partial download is gone, so no caller ever sees its temporary file.
    const released = this.#release(job, !keep, false);
    if (released === null) settle();
    else void released.then(settle);
  }

  /** Ends a job without a Result (cancel, abort, could not start): rejects its promise. */
  #abort(job: Job, reason: unknown, emitCantConnect = false): void {
    if (job.settled) return;
    const settle = (): void => {
      job.reject(reason);
      // Godot both returns ERR_CANT_CONNECT and emits RESULT_CANT_CONNECT when connecting is refused.
      if (emitCantConnect) this.emit('request_completed', failure(Result.CANT_CONNECT));
    };
    const released = this.#release(job, true);
    if (released === null) settle();
    else void released.then(settle);
  }

  /**
   * Frees a job's socket, timer, decoder and sink at once, and with `free` the node (so a new
   * request may start). Returns `null`, or a promise that settles once the sink is discarded (a
   * partial download's temporary file deleted).
   */
  #release(job: Job, closeClient: boolean, free = true): Promise<void> | null {
    job.settled = true;
    clearTimeout(job.timer);
    if (job.signal && job.onAbort) job.signal.removeEventListener('abort', job.onAbort);
    job.decoder?.destroy();
    // A file opened for the body is closed; a stream not read to its end is released.
    void job.upload?.close();
    // A retry's wait ends; a body kept for a range request is discarded like the current one.
    job.session.stop();
    const sink = job.sink ?? job.session.takeKept();
    job.sink = null;
    if (closeClient) {
      this.#client.close();
      this.#connectionKey = '';
    }
    if (free && this.#job === job) this.#job = null;
    return sink === null ? null : sink.discard();
  }
}
