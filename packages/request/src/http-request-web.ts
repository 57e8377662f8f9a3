// The web build of HTTPRequest: the Node build's promise API, events and Results over the web
// HTTPClient (fetch), picked by the `browser` export condition. A browser follows redirects,
// decodes gzip and pools connections itself, and a page writes no files: what follows from that
// is listed in README.md ("Web build"). Imports no Node module: `node:events` is replaced by a
// small typed emitter, Buffer by `basicAuthorization`, and there is no decoder and no file. A
// request body stream is read whole first, or streamed with `streamUploads` (internal/web-body.ts
// and docs/decisions/0020-web-streamed-uploads.md say why it is opt-in); a response body can be
// read as a stream (the same ResponseStream as the Node build's).
import { HTTPClient } from '@gdhttp/client';
import {
  ErrorCode,
  type GdhttpError,
  HTTPRequestDefaults,
  Method,
  Result,
  Status,
} from '@gdhttp/constants';
import { basicAuthorization } from './internal/basic-auth.js';
import { BodyCollector } from './internal/body-collector.js';
import type { BodySink } from './internal/body-sink.js';
import { failure, ignore, resultOf } from './internal/outcome.js';
import {
  HTTPRequestError,
  type HTTPRequestEvents,
  type HTTPRequestOptions,
  type HTTPRequestResult,
} from './internal/request-types.js';
import { parseRequestUrl, type RequestUrl } from './internal/request-url.js';
import {
  acceptGzipRefusal,
  downloadChunkSizeRefusal,
  downloadFileRefusal,
  followRedirectsRefusal,
  integerRefusal,
  streamUploadsRefusal,
  timeoutRefusal,
} from './internal/setting-rules.js';
import { TypedEmitter } from './internal/typed-emitter.js';
import { announcedLength } from './internal/upload.js';
import {
  type StreamedBody,
  type WebBody,
  type WebRequestBodyInit,
  webBodyOf,
} from './internal/web-body.js';
import { wrongArgument } from './internal/wrong-argument.js';
import { type HTTPResponseStream, streamResponse } from './response-stream.js';

export type {
  HTTPRequestEvents,
  HTTPRequestHead,
  HTTPRequestOptions,
  HTTPRequestProgress,
  HTTPRequestResult,
  HTTPRequestUploadProgress,
  HTTPResponseHead,
} from './internal/request-types.js';
export { HTTPRequestError } from './internal/request-types.js';
export type { WebRequestBodyInit } from './internal/web-body.js';

/**
 * What the web build accepts in {@link HTTPRequest.setTlsOptions}: the shape of
 * `@gdhttp/transport`'s `TLSOptions` (which needs Node's `tls`), so shared code passing
 * `TLSOptions.client()` type-checks and runs.
 */
export interface WebTLSOptions {
  /** Whether these are server options (refused with `INVALID_PARAMETER`). */
  isServer(): boolean;
  /** Whether these skip verification (refused with `UNAVAILABLE`). */
  isUnsafeClient(): boolean;
  /** CA certificates replacing the system's; anything but `null` is refused with `UNAVAILABLE`. */
  getTrustedCaChain(): readonly unknown[] | null;
  /** A name verified instead of the host; anything but `''` is refused with `UNAVAILABLE`. */
  getCommonNameOverride(): string;
}

interface Job {
  url: RequestUrl;
  method: Method;
  headers: string[];
  /** What fetch sends: bytes, a Blob the browser reads as it sends, or a stream it pulls. */
  body: Uint8Array | Blob | ReadableStream<Uint8Array>;
  /** A body to take before the fetch starts (a Blob as it is, a stream read whole), else null. */
  source: WebBody | null;
  /** Stream `source` as fetch pulls it (`streamUploads`); false once it was refused untouched. */
  streamUpload: boolean;
  /** The body being streamed, while `streamUpload` is tried. */
  streamed: StreamedBody | null;
  /** Aborted when the job ends: stops reading `source`. */
  halt: AbortController;
  /** The sink of a response stream (`requestStream()`), made when the final head is known. */
  streamSink: ((head: { code: number; headers: string[] }) => BodySink) | undefined;
  settled: boolean;
  resolve: (result: HTTPRequestResult) => void;
  reject: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  onAbort: (() => void) | undefined;
  signal: AbortSignal | undefined;
  onBody: ((chunk: Uint8Array) => void | Promise<void>) | undefined;
}

/**
 * The web client's gdhttp additions about redirects. TypeScript sees `@gdhttp/client`'s Node
 * declarations here (no `browser` condition in this package's tsconfig); what runs is the web
 * build, which has them.
 */
interface WebClientRedirects {
  getResponseUrl(): string;
  wasRedirected(): boolean;
}

const EMPTY = new Uint8Array(0);
/** The redirect codes fetch would follow; with a streamed body it shows them instead. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** The longest delay setTimeout takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const encoder = new TextEncoder();

/**
 * Godot's `HTTPRequest` for browsers (the `browser` export condition of `@gdhttp/request`): the
 * Node build's promise API, `request_completed` and `progress` events and Results, over the web
 * `HTTPClient` (fetch), as Godot's web export runs its HTTPRequest node.
 *
 * The browser follows redirects (the final response is delivered; {@link HTTPRequest.getFinalUrl}
 * is where it came from, {@link HTTPRequest.getRedirectCount} 0 without a redirect and -1, "at
 * least one", with; `maxRedirects = 0` makes a redirected response `REDIRECT_LIMIT_REACHED`),
 * decodes compressed bodies (`acceptGzip` stays true), and pools connections. `downloadFile`, proxies and
 * TLS options other than the default are refused. A stream body is read whole before it is sent,
 * unless {@link HTTPRequest.streamUploads} asks for it to be streamed (HTTP/2 or later). Events
 * come from a small emitter with EventEmitter's `on`, `off`, `once`, `emit`, `addListener`,
 * `removeListener`, `removeAllListeners` and `listenerCount`.
 *
 * @example
 * ```ts
 * import { HTTPRequest } from '@gdhttp/request'; // the web build, under the `browser` condition
 * import { Result } from '@gdhttp/constants';
 *
 * const http = new HTTPRequest();
 * http.timeout = 10;
 * http.on('progress', ({ downloadedBytes, bodySize }) => console.log(downloadedBytes, bodySize));
 * const { result, responseCode, body } = await http.request('https://example.com/');
 * if (result === Result.SUCCESS) console.log(responseCode, new TextDecoder().decode(body));
 * ```
 */
export class HTTPRequest extends TypedEmitter<HTTPRequestEvents> {
  readonly #client = new HTTPClient() as HTTPClient & WebClientRedirects;
  #job: Job | null = null;
  #downloaded = 0;
  #bodySize = -1;
  #uploaded = 0;
  #lastError: GdhttpError | null = null;
  #lastUrl: [string, RequestUrl] | null = null;
  #finalUrl = '';
  /** 0 or -1 ("at least one, count unknown"); see getRedirectCount(). */
  #redirectCount = 0;

  #bodySizeLimit: number = HTTPRequestDefaults.bodySizeLimit;
  #downloadChunkSize: number = HTTPRequestDefaults.downloadChunkSize;
  #downloadFile: string = HTTPRequestDefaults.downloadFile;
  #maxRedirects: number = HTTPRequestDefaults.maxRedirects;
  #timeout: number = HTTPRequestDefaults.timeout;
  #streamUploads = false;

  /**
   * Send a stream body (a Web `ReadableStream`, an async iterable, `RequestBody.stream()`) as
   * fetch pulls it, instead of reading it whole first (a gdhttp addition; default false). Memory
   * stays at a piece, and `getUploadedBytes()` and `upload_progress` follow each piece fetch takes.
   *
   * Opt-in because the platform allows it only in part: fetch streams a body only with
   * `duplex: 'half'`, Chromium over HTTP/2 and HTTP/3 only (never over `http://`), Firefox and
   * Safari not at all; cross-origin it is always preflighted. Where it cannot stream, nothing of
   * the stream has been read (Chromium refuses an HTTP/1.1 connection before its first pull), so
   * the request is sent again with the body read whole, as when this is false (a request that
   * fails for another reason, such as a server that is down, fails twice). A fetch that fails
   * after taking part of the stream is `CONNECTION_ERROR`. A redirect is not followed (a stream
   * cannot be sent again, and fetch would report it as a network error): it ends the request with
   * `REQUEST_FAILED` and the response as the runtime shows it — in a browser an opaque redirect,
   * code 0 and no headers. Bytes and Blobs are sent as before. Refused while a request runs
   * (`BUSY`); anything but a boolean is `INVALID_PARAMETER` (`lastError`).
   *
   * @example
   * ```ts
   * const http = new HTTPRequest();
   * http.streamUploads = true;
   * http.on('upload_progress', ({ uploadedBytes }) => console.log(uploadedBytes));
   * const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
   * const done = http.requestRaw('https://example.com/upload', [], Method.PUT, readable);
   * const writer = writable.getWriter();
   * await writer.write(new TextEncoder().encode('made as it goes'));
   * await writer.close();
   * console.log((await done).result);
   * ```
   */
  get streamUploads(): boolean {
    return this.#streamUploads;
  }
  set streamUploads(value: boolean) {
    if (this.#refused(streamUploadsRefusal(value))) return;
    if (this.#guard('streamUploads')) this.#streamUploads = value;
  }

  /**
   * Always true: the browser negotiates and decodes content codings itself (fetch sends its own
   * `Accept-Encoding`, which a page may not set). Setting false is refused (`lastError` is
   * `UNAVAILABLE`).
   */
  get acceptGzip(): boolean {
    return true;
  }
  set acceptGzip(value: boolean) {
    if (this.#refused(acceptGzipRefusal(value))) return;
    if (!value) {
      this.#refuse(
        'acceptGzip cannot be turned off in a browser: fetch always negotiates and decodes content codings',
        ErrorCode.UNAVAILABLE,
      );
    }
  }

  /**
   * Largest body accepted, in decoded bytes as the browser hands them out; negative for no limit
   * (default -1). Checked against a Content-Length the browser shows to be the decoded size, and
   * against the bytes received while reading. Refused while a request runs.
   */
  get bodySizeLimit(): number {
    return this.#bodySizeLimit;
  }
  set bodySizeLimit(value: number) {
    if (this.#refused(integerRefusal('bodySizeLimit', value))) return;
    if (this.#guard('bodySizeLimit')) this.#bodySizeLimit = value;
  }

  /**
   * 256–16,777,216 (default 65,536): how far the client reads the body stream ahead, and the
   * largest piece read at once. Refused while a request runs or out of range.
   */
  get downloadChunkSize(): number {
    return this.#downloadChunkSize;
  }
  set downloadChunkSize(value: number) {
    if (!this.#guard('downloadChunkSize')) return;
    if (this.#refused(downloadChunkSizeRefusal(value))) return;
    this.#downloadChunkSize = value;
    this.#client.readChunkSize = value;
  }

  /**
   * Kept so shared code compiles, but a page cannot write files: while it is not `''`, `request()`
   * rejects with an {@link HTTPRequestError} carrying `UNAVAILABLE` (use the `onBody` option to
   * stream a body). Refused while a request runs.
   */
  get downloadFile(): string {
    return this.#downloadFile;
  }
  set downloadFile(value: string) {
    if (this.#refused(downloadFileRefusal(value))) return;
    if (this.#guard('downloadFile')) this.#downloadFile = value;
  }

  /**
   * Redirects allowed; 0 allows none, negative no limit. Default 8. The browser follows redirects
   * itself (up to 20, the Fetch standard; a longer chain is a network error, `CONNECTION_ERROR`)
   * and tells only whether it followed any, not how many. So only 0 is applied: a response the
   * browser reached through a redirect then ends with `REDIRECT_LIMIT_REACHED` (as Godot, where
   * the limit is checked on the redirect), carrying the final response's code and headers — the
   * browser shows no 3xx — and no body. Any other value is kept, not applied.
   */
  get maxRedirects(): number {
    return this.#maxRedirects;
  }
  set maxRedirects(value: number) {
    if (this.#refused(integerRefusal('maxRedirects', value))) return;
    this.#maxRedirects = value;
  }

  /**
   * Always true: the browser follows redirects itself, and `redirect: 'manual'` would hand the
   * page an opaque response (status 0, no headers, no body) rather than the 3xx. Setting false is
   * refused (`lastError` `UNAVAILABLE`); the Node build delivers the 3xx with its body.
   */
  get followRedirects(): boolean {
    return true;
  }
  set followRedirects(value: boolean) {
    if (this.#refused(followRedirectsRefusal(value))) return;
    if (!value) {
      this.#refuse(
        'followRedirects cannot be turned off in a browser: a manual redirect is an opaque response',
        ErrorCode.UNAVAILABLE,
      );
    }
  }

  /** Forwarded to the web client, which validates and keeps it; the browser applies its own limits. */
  get maxHeaderSize(): number {
    return this.#client.maxHeaderSize;
  }
  set maxHeaderSize(bytes: number) {
    if (!this.#guard('maxHeaderSize') || bytes === this.#client.maxHeaderSize) return;
    this.#client.maxHeaderSize = bytes;
    this.#limitSet(this.#client.maxHeaderSize === bytes);
  }

  /** Forwarded to the web client, which validates and keeps it; the browser applies its own limits. */
  get maxHeaderCount(): number {
    return this.#client.maxHeaderCount;
  }
  set maxHeaderCount(count: number) {
    if (!this.#guard('maxHeaderCount') || count === this.#client.maxHeaderCount) return;
    this.#client.maxHeaderCount = count;
    this.#limitSet(this.#client.maxHeaderCount === count);
  }

  /** Seconds the whole request may take; 0 for none (default). Negative is refused. */
  get timeout(): number {
    return this.#timeout;
  }
  set timeout(value: number) {
    if (this.#refused(timeoutRefusal(value))) return;
    this.#timeout = value;
  }

  /**
   * Always false in the web build; setting true is refused (`UNAVAILABLE`) and requests go on as
   * before. Godot's web export does the same (it cannot put its fetch-backed client in blocking
   * mode, prints an error and carries on), and here fetch already runs off the page's thread. The
   * Node build runs requests in a worker thread when this is set.
   */
  get useThreads(): boolean {
    return false;
  }
  set useThreads(value: boolean) {
    if (value) {
      this.#refuse(
        'useThreads is not available in the web build: fetch never blocks the page',
        ErrorCode.UNAVAILABLE,
      );
    }
  }

  /** The last refused setting or call, with why; `null` when none was refused. */
  get lastError(): GdhttpError | null {
    return this.#lastError;
  }

  /**
   * Starts a request whose body is `body` encoded as UTF-8. Same contract as the Node build's
   * `request()`; see {@link HTTPRequest.requestRaw}.
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
   * Starts a request whose response body is read as it arrives, as the Node build's
   * `requestStream()`: resolves once the final response head is in (after the redirects the
   * browser followed) with its code and headers and the body as a {@link ResponseStream} — an
   * async iterator of the pieces fetch's reader delivers, or `readable()`, a Web
   * `ReadableStream` (`nodeReadable()` is Node only). The next read waits for the consumer: the
   * web client reads at most `downloadChunkSize` bytes ahead, then the browser's stream and TCP
   * hold the rest back. `break`, `body.cancel()` or the `signal` abort the fetch (the connection
   * closes). The request stays busy until the body ended or was cancelled; `request_completed`
   * fires then, with an empty body. A request that ends before a final head resolves with its
   * result and an empty stream; one that cannot start rejects as {@link HTTPRequest.requestRaw}
   * does, and with `INVALID_PARAMETER` when `downloadFile` or `onBody` is set.
   *
   * @param url - as for request().
   * @param headers - `"Name: value"` strings.
   * @param method - a {@link Method}; default GET.
   * @param body - as for requestRaw().
   * @param options - `signal` to abort (also while the body streams).
   * @returns the final response's head and its body as a stream.
   * @example
   * ```ts
   * const { responseCode, body } = await http.requestStream('https://example.com/log');
   * const text = new TextDecoder();
   * for await (const piece of body) console.log(text.decode(piece, { stream: true }));
   * ```
   */
  requestStream(
    url: string,
    headers: readonly string[] = [],
    method: Method = Method.GET,
    body: WebRequestBodyInit = EMPTY,
    options: HTTPRequestOptions = {},
  ): Promise<HTTPResponseStream> {
    return streamResponse(
      this.#downloadFile !== '' || options?.onBody !== undefined,
      (sinkAt) => this.#start(url, headers, method, body, options, sinkAt),
      () => this.cancelRequest(),
    );
  }

  /**
   * Starts a request with a raw body: bytes, a `Blob`/`File` (handed to fetch as it is), or a Web
   * `ReadableStream`, an async iterable or `RequestBody.stream()`, read whole into memory before
   * the fetch starts — or, with {@link HTTPRequest.streamUploads}, sent as fetch pulls it
   * (`duplex: 'half'`, HTTP/2 or later in Chromium; README "Web build"). A file path, a
   * `FileHandle` or a Node `Readable` rejects with `INVALID_PARAMETER`, as does a stream whose
   * bytes do not match its announced length.
   *
   * @returns the outcome. It rejects only when the request cannot start ({@link HTTPRequestError}
   *   with `BUSY`, `INVALID_PARAMETER`, `CANT_CONNECT`, or `UNAVAILABLE` while `downloadFile` is
   *   set), when it is cancelled, or when `signal` aborts; every network outcome resolves with a
   *   {@link Result} — a network error or a CORS refusal is `CONNECTION_ERROR`, as is a header
   *   fetch would drop (the web client refuses it). A rejection nobody handles is dropped
   *   (decision 0007), as in the Node build.
   */
  requestRaw(
    url: string,
    headers: readonly string[] = [],
    method: Method = Method.GET,
    body: WebRequestBodyInit = EMPTY,
    options: HTTPRequestOptions = {},
  ): Promise<HTTPRequestResult> {
    const promise = this.#start(url, headers, method, body, options);
    // docs/decisions/0007-godot-style-ports-never-crash.md: an ignored rejection is not unhandled.
    promise.catch(ignore);
    return promise;
  }

  #start(
    url: string,
    headers: readonly string[],
    method: Method,
    init: WebRequestBodyInit,
    options: HTTPRequestOptions,
    streamSink?: (head: { code: number; headers: string[] }) => BodySink,
  ): Promise<HTTPRequestResult> {
    // Bytes go as they are; a Blob or a stream is read whole once the request runs.
    const sendable = webBodyOf(init);
    if (typeof sendable === 'string') {
      return Promise.reject(new HTTPRequestError(sendable, ErrorCode.INVALID_PARAMETER));
    }
    const source = sendable instanceof Uint8Array || sendable === null ? null : sendable;
    const body = source === null ? init : EMPTY;
    const misuse = wrongArgument(url, headers, body, options);
    if (misuse !== null) {
      return Promise.reject(new HTTPRequestError(misuse, ErrorCode.INVALID_PARAMETER));
    }
    if (this.#job !== null) {
      return Promise.reject(
        new HTTPRequestError(
          'HTTPRequest is processing a request; wait for it or cancelRequest()',
          ErrorCode.BUSY,
        ),
      );
    }
    this.#downloaded = 0;
    this.#bodySize = -1;
    this.#uploaded = 0;
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
    const { signal, onBody } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#downloadFile !== '') {
      return Promise.reject(
        new HTTPRequestError(
          'downloadFile is not available in a browser: a page cannot write files (stream the body with the onBody option)',
          ErrorCode.UNAVAILABLE,
        ),
      );
    }
    return new Promise<HTTPRequestResult>((resolve, reject) => {
      const job: Job = {
        url: parsed,
        method,
        headers: headers.slice(),
        body: body as Uint8Array,
        source,
        streamUpload: this.#streamUploads && source?.streamed !== undefined,
        streamed: null,
        halt: new AbortController(),
        streamSink,
        settled: false,
        resolve,
        reject,
        timer: undefined,
        onAbort: undefined,
        signal,
        onBody,
      };
      this.#job = job;
      this.#finalUrl = parsed.href;
      // Unknown until a response shows whether the browser followed a redirect.
      this.#redirectCount = -1;
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
   * Stops the running request: aborts its fetch and rejects its promise with an
   * {@link HTTPRequestError}. Emits no `request_completed`, as in Godot. Does nothing when no
   * request runs.
   */
  cancelRequest(): void {
    const job = this.#job;
    if (job) this.#abort(job, new HTTPRequestError('request cancelled', ErrorCode.FAILED));
  }

  /** The web client's status: DISCONNECTED between requests (fetch keeps no connection here). */
  getHttpClientStatus(): Status {
    return this.#client.getStatus();
  }

  /** Body bytes received for the current or last response, as the browser hands them out (decoded). */
  getDownloadedBytes(): number {
    return this.#downloaded;
  }

  /**
   * The body's length when the browser shows it to be the decoded size (see the web
   * `HTTPClient.getResponseBodyLength()`), else -1 — always for a compressed response.
   */
  getBodySize(): number {
    return this.#bodySize;
  }

  /**
   * Body bytes of the current or last request that the browser has taken, as far as a page can
   * know (a gdhttp addition; Godot has none). A body streamed with
   * {@link HTTPRequest.streamUploads} counts each piece fetch pulls, with an `upload_progress`
   * event (`{ uploadedBytes, uploadSize }`, the size -1 when unknown) each time. Otherwise fetch
   * reports no upload progress, so this is 0 until the response head arrives and then the whole
   * body's length, with one `upload_progress` event for a non-empty body; a request that fails
   * before a response leaves 0: the browser does not say how much of the body went out.
   */
  getUploadedBytes(): number {
    return this.#uploaded;
  }

  /**
   * The URL the current or last request went to in the end (a gdhttp addition; Godot has none):
   * the URL given to `request()` until a response arrives, then the URL the browser says the
   * response came from (the web client's `getResponseUrl()`, `Response.url`: after the redirects
   * it followed, the last hop's). Normalised as the Node build's: WHATWG `URL.href`, without
   * userinfo (so credentials never reach a log) and without fragment. `''` before the first
   * request; a request refused before it starts (`BUSY`, a bad URL) leaves it unchanged. When
   * fetch fails (a network error, a CORS refusal, more than 20 redirects) it stays the requested
   * URL: the browser does not say how far it got.
   */
  getFinalUrl(): string {
    return this.#finalUrl;
  }

  /**
   * Redirects followed by the current or last request (a gdhttp addition; Godot has none): 0 when
   * the browser reached the response without a redirect; -1 when it followed at least one — fetch
   * says whether it did (`Response.redirected`), never how many — and also while no response has
   * arrived (a request that fails before one leaves -1: the browser does not say whether it
   * followed any). 0 before the first request; a request refused before it starts leaves it
   * unchanged. The Node build always knows the count.
   */
  getRedirectCount(): number {
    return this.#redirectCount;
  }

  /**
   * TLS options for https URLs. A browser verifies certificates with its own trust store, so
   * only default client options (`TLSOptions.client()` without arguments, or anything shaped like
   * it) are accepted, and change nothing; `null` or server options are `INVALID_PARAMETER`, a
   * custom CA, a name override or unsafe options `UNAVAILABLE` (`lastError` says why).
   */
  setTlsOptions(options: WebTLSOptions | null): void {
    if (options === null || options.isServer()) {
      this.#refuse('setTlsOptions needs client options', ErrorCode.INVALID_PARAMETER);
      return;
    }
    if (
      options.isUnsafeClient() ||
      options.getTrustedCaChain() !== null ||
      options.getCommonNameOverride() !== ''
    ) {
      this.#refuse(
        'a browser verifies certificates with its own trust store: only TLSOptions.client() without arguments is available',
        ErrorCode.UNAVAILABLE,
      );
    }
  }

  /**
   * Refused: a page cannot choose a proxy. `lastError` is `UNAVAILABLE` and requests go as the
   * browser sends them; clearing (`''` or port -1) is accepted silently.
   */
  setHttpProxy(host: string, port: number, username?: string, password?: string): void {
    this.#refuseProxy('HTTP', host, port, username, password);
  }

  /** Refused as {@link HTTPRequest.setHttpProxy}. */
  setHttpsProxy(host: string, port: number, username?: string, password?: string): void {
    this.#refuseProxy('HTTPS', host, port, username, password);
  }

  /** Cancels any running request. */
  close(): void {
    this.cancelRequest();
    this.#client.close();
  }

  #refuseProxy(
    kind: 'HTTP' | 'HTTPS',
    host: string,
    port: number,
    username: string | undefined,
    password: string | undefined,
  ): void {
    const client = this.#client;
    if (kind === 'HTTP') client.setHttpProxy(host, port, username, password);
    else client.setHttpsProxy(host, port, username, password);
    if (host === '' || port === -1) return;
    const why = client.lastError;
    this.#lastError = new HTTPRequestError(
      why?.message ?? `${kind} proxy feature is not available`,
      ErrorCode.UNAVAILABLE,
      { cause: why },
    );
  }

  #arm(job: Job, deadline: number): void {
    const left = deadline - Date.now();
    if (left === Number.POSITIVE_INFINITY) return;
    if (left > MAX_TIMER_MS) {
      job.timer = setTimeout(() => this.#arm(job, deadline), MAX_TIMER_MS);
    } else {
      job.timer = setTimeout(() => this.#finish(job, failure(Result.TIMEOUT)), left);
    }
  }

  #guard(name: string): boolean {
    if (this.#job === null) return true;
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

  #limitSet(accepted: boolean): void {
    if (accepted) return;
    const why = this.#client.lastError;
    this.#lastError = new HTTPRequestError(
      why?.message ?? 'header limit refused',
      why?.code ?? ErrorCode.PARAMETER_RANGE_ERROR,
      { cause: why },
    );
  }

  /** One fetch: connect (nothing is opened), request, read the final response. */
  async #run(job: Job): Promise<HTTPRequestResult> {
    const client = this.#client;
    const { url } = job;
    const source = job.source;
    job.streamed = null;
    if (source !== null && job.streamUpload && source.streamed !== undefined) {
      // Read as fetch pulls it; the timeout, a cancel and the signal release it (job.halt).
      job.streamed = source.streamed(announcedLength(job.headers), job.halt.signal, (taken) =>
        this.#taken(job, taken),
      );
      job.body = job.streamed.stream;
    } else if (source !== null) {
      // Read whole before the fetch starts (internal/web-body.ts says why); the timeout, a cancel
      // and the signal apply meanwhile (they abort job.halt).
      const bytes = await source.read(announcedLength(job.headers), job.halt.signal);
      if (bytes === null || job.settled) return failure(Result.CANT_CONNECT);
      job.body = bytes;
      const { type } = source;
      // As fetch sends a Blob: its type is the Content-Type unless the caller gave one.
      if (type !== '' && !job.headers.some((h) => headerNameIs(h, 'content-type'))) {
        job.headers.push(`Content-Type: ${type}`);
      }
    }
    client.close();
    // The scheme goes as a prefix, so no TLS object needs to reach the client (a browser has none).
    const err = client.connectToHost(`${url.tls ? 'https' : 'http'}://${url.host}`, url.port, null);
    if (err !== ErrorCode.OK) {
      throw new HTTPRequestError(
        `cannot connect to ${url.host}:${url.port}`,
        ErrorCode.CANT_CONNECT,
        { cause: client.lastError },
      );
    }
    await this.#driveWhile(job, (s) => s === Status.RESOLVING || s === Status.CONNECTING);
    if (job.settled) return failure(Result.CANT_CONNECT);
    if (client.getStatus() !== Status.CONNECTED) return failure(resultOf(client.getStatus()));

    let headers = job.headers.slice();
    if (
      url.credentials &&
      !headers.some((h) => h.trim().toLowerCase().startsWith('authorization:'))
    ) {
      headers.push(basicAuthorization(url.credentials.username, url.credentials.password));
    }
    // A streamed body's Content-Length was its announced length (checked as it is read); fetch
    // sends none with a stream, so the client would refuse it.
    if (job.streamed !== null) headers = headers.filter((h) => !headerNameIs(h, 'content-length'));
    // Under the `browser` condition '@gdhttp/client' is the fetch-backed HTTPClient, whose
    // requestRaw also takes a Blob (handed to fetch as it is) and a stream (pulled by fetch);
    // type-checking sees the Node build's.
    const requestRaw = client.requestRaw as (
      method: Method,
      url: string,
      headers: readonly string[],
      body: Uint8Array | Blob | ReadableStream<Uint8Array>,
    ) => ErrorCode;
    const started = requestRaw.call(client, job.method, url.path, headers, job.body);
    if (started === ErrorCode.UNAVAILABLE && job.streamed !== null) {
      // This browser's fetch has no request streams: read the body whole, untouched as it is.
      return this.#readWholeInstead(job);
    }
    if (started !== ErrorCode.OK) {
      // As the Node build: a request the client refuses (here also a header fetch would drop).
      return failure(Result.CONNECTION_ERROR);
    }
    await this.#driveWhile(job, (s) => s === Status.REQUESTING);
    if (job.settled) return failure(Result.CONNECTION_ERROR);
    const streamed = job.streamed;
    // The stream's own error, or bytes that do not match its length: as when it is read whole.
    if (streamed !== null && streamed.failure !== null) throw streamed.failure;
    const status = client.getStatus();
    if (status !== Status.BODY) {
      // Refused before fetch pulled a byte (Chromium over HTTP/1.1 does that): nothing is lost.
      if (streamed !== null && !streamed.opened) return this.#readWholeInstead(job);
      return failure(resultOf(status));
    }
    return this.#response(job);
  }

  /** Sends the request again with its stream body read whole (the stream was never touched). */
  #readWholeInstead(job: Job): Promise<HTTPRequestResult> {
    job.streamUpload = false;
    job.streamed = null;
    job.body = EMPTY;
    this.#uploaded = 0;
    return this.#run(job);
  }

  /** A streamed body's progress: each piece fetch took. */
  #taken(job: Job, taken: number): void {
    if (job.settled) return;
    this.#uploaded = taken;
    if (this.listenerCount('upload_progress') > 0) {
      this.emit('upload_progress', {
        uploadedBytes: taken,
        uploadSize: job.streamed?.length ?? -1,
      });
    }
  }

  async #response(job: Job): Promise<HTTPRequestResult> {
    const client = this.#client;
    const code = client.getResponseCode();
    const headers = client.getResponseHeaders();
    const withHead = (result: Result): HTTPRequestResult => {
      if (!job.settled) client.close();
      return { result, responseCode: code, headers, body: EMPTY };
    };
    // Where the browser says the response came from, normalised as the Node build's final URL
    // (no userinfo, no fragment); the requested URL when it says nothing usable.
    const redirected = client.wasRedirected();
    this.#finalUrl = parseRequestUrl(client.getResponseUrl())?.href ?? job.url.href;
    this.#redirectCount = redirected ? -1 : 0;
    // fetch has no upload progress: the answer is the first sign that the body went out. (A
    // streamed body counted each piece fetch took.)
    const sent =
      job.body instanceof Uint8Array ? job.body.length : isBlob(job.body) ? job.body.size : 0;
    if (sent > 0) {
      this.#uploaded = sent;
      if (this.listenerCount('upload_progress') > 0) {
        this.emit('upload_progress', { uploadedBytes: sent, uploadSize: sent });
        if (job.settled) return withHead(Result.CONNECTION_ERROR);
      }
    }
    // The only head the browser shows: the final response's (request heads are fetch's own).
    if (this.listenerCount('response_head') > 0) {
      this.emit('response_head', {
        url: this.#finalUrl,
        responseCode: code,
        headers: headers.slice(),
      });
      if (job.settled) return withHead(Result.CONNECTION_ERROR);
    }
    // A streamed body was sent with redirects shown, not followed (fetch cannot send it again):
    // as the Node build ends a one-shot stream on a 307/308, the request fails with the answer
    // as the runtime shows it (a browser: an opaque redirect, code 0, no headers).
    if (job.streamed !== null && (code === 0 || REDIRECTS.has(code))) {
      return withHead(Result.REQUEST_FAILED);
    }
    // As Godot, the limit is checked on the redirect: the browser has followed it already, so
    // the response it reached is reported (its code and headers; a page never sees the 3xx).
    if (redirected && this.#maxRedirects === 0) return withHead(Result.REDIRECT_LIMIT_REACHED);
    this.#downloaded = 0;
    const length = client.getResponseBodyLength();
    if (length === 0) {
      // As the Node build's zero-length path: SUCCESS, the body size stays -1.
      return withHead(Result.SUCCESS);
    }
    this.#bodySize = length;
    const limit = this.#bodySizeLimit;
    if (limit >= 0 && length > limit) return withHead(Result.BODY_SIZE_LIMIT_EXCEEDED);

    // A response stream's sink takes the pieces as onBody does; its writes wait for the consumer.
    const sink = job.streamSink?.({ code, headers });
    const onBody: ((chunk: Uint8Array) => PromiseLike<void> | void) | undefined =
      sink !== undefined ? (chunk) => sink.write(chunk) : job.onBody;
    // The length is the decoded one when known (the web client says -1 otherwise).
    const collected = onBody === undefined ? new BodyCollector(length) : null;
    for (;;) {
      const chunk = client.readResponseBodyView();
      if (chunk.length > 0) {
        this.#downloaded += chunk.length;
        if (this.listenerCount('progress') > 0) {
          this.emit('progress', { downloadedBytes: this.#downloaded, bodySize: this.#bodySize });
          if (job.settled) return withHead(Result.CONNECTION_ERROR);
        }
        if (limit >= 0 && this.#downloaded > limit)
          return withHead(Result.BODY_SIZE_LIMIT_EXCEEDED);
        if (onBody !== undefined) {
          const pending = onBody(chunk);
          if (pending !== undefined) await pending;
          if (job.settled) return withHead(Result.CONNECTION_ERROR);
        } else {
          collected?.add(chunk);
        }
      }
      const status = client.getStatus();
      if (status === Status.BODY) {
        if (chunk.length === 0) await client.news();
        if (job.settled) return withHead(Result.CONNECTION_ERROR);
        client.poll();
        continue;
      }
      if (status === Status.DISCONNECTED) break;
      // The body broke off (CONNECTION_ERROR), as the Node build reports it.
      return { result: resultOf(status), responseCode: 0, headers: [], body: EMPTY };
    }
    return {
      result: Result.SUCCESS,
      responseCode: code,
      headers,
      body: collected?.take() ?? EMPTY,
    };
  }

  async #driveWhile(job: Job, keep: (status: Status) => boolean): Promise<void> {
    const client = this.#client;
    for (;;) {
      client.poll();
      if (job.settled || !keep(client.getStatus())) return;
      await client.news();
      if (job.settled) return;
    }
  }

  /** Ends a job with a Result: frees it, resolves, then emits `request_completed`. */
  #finish(job: Job, result: HTTPRequestResult): void {
    if (job.settled) return;
    this.#release(job, result.result !== Result.SUCCESS);
    job.resolve(result);
    this.emit('request_completed', result);
  }

  /** Ends a job without a Result (cancel, abort, could not start): rejects its promise. */
  #abort(job: Job, reason: unknown, emitCantConnect = false): void {
    if (job.settled) return;
    this.#release(job, true);
    job.reject(reason);
    if (emitCantConnect) this.emit('request_completed', failure(Result.CANT_CONNECT));
  }

  #release(job: Job, closeClient: boolean): void {
    job.settled = true;
    job.halt.abort();
    clearTimeout(job.timer);
    if (job.signal && job.onAbort) job.signal.removeEventListener('abort', job.onAbort);
    if (closeClient) this.#client.close();
    if (this.#job === job) this.#job = null;
  }
}

/** Whether a request body is a Blob (the only body besides bytes and streams). */
function isBlob(body: unknown): body is Blob {
  return typeof (body as Blob).size === 'number' && typeof (body as Blob).slice === 'function';
}

/** Whether a `"Name: value"` line has the (lowercase) name `name`. */
function headerNameIs(line: string, name: string): boolean {
  const colon = line.indexOf(':');
  return colon > 0 && line.slice(0, colon).trim().toLowerCase() === name;
}
