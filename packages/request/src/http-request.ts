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
import { startModuleWorker, TLSOptions } from '@gdhttp/transport';
import { basicAuthorization } from './internal/basic-auth.js';
import { type BodySink, CallbackSink, FileSink, MemorySink } from './internal/body-sink.js';
import {
  ACCEPT_ENCODING,
  type Coding,
  ContentDecoder,
  parseContentEncoding,
} from './internal/content-decoder.js';
import { failure, headerValues, ignore, resultOf } from './internal/outcome.js';
import { decideRedirect, type Hop } from './internal/redirect.js';
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
  integerRefusal,
  timeoutRefusal,
  useThreadsRefusal,
} from './internal/setting-rules.js';
import { stateWatchers } from './internal/state-watchers.js';
import { ThreadedJob } from './internal/threaded-job.js';
import {
  describeTls,
  type ProxyArguments,
  type WorkerRequest,
  type WorkerState,
} from './internal/worker-messages.js';
import { wrongArgument } from './internal/wrong-argument.js';

export type {
  HTTPRequestEvents,
  HTTPRequestOptions,
  HTTPRequestProgress,
  HTTPRequestResult,
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
 * The methods a request may be sent again with when a kept connection failed under it: those
 * whose repetition has the effect of one request (RFC 9110 §9.2.2). POST and PATCH are not.
 */
const IDEMPOTENT: ReadonlySet<Method> = new Set<Method>([
  Method.GET,
  Method.HEAD,
  Method.PUT,
  Method.DELETE,
  Method.OPTIONS,
  Method.TRACE,
]);
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
  #lastError: GdhttpError | null = null;
  #lastUrl: [string, RequestUrl] | null = null;
  #finalUrl = '';
  #redirectCount = 0;

  #acceptGzip: boolean = HTTPRequestDefaults.acceptGzip;
  #bodySizeLimit: number = HTTPRequestDefaults.bodySizeLimit;
  #downloadChunkSize: number = HTTPRequestDefaults.downloadChunkSize;
  #downloadFile: string = HTTPRequestDefaults.downloadFile;
  #maxRedirects: number = HTTPRequestDefaults.maxRedirects;
  #timeout: number = HTTPRequestDefaults.timeout;

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
   * Starts a request with a raw body. Same contract as {@link HTTPRequest.request}.
   */
  requestRaw(
    url: string,
    headers: readonly string[] = [],
    method: Method = Method.GET,
    body: Uint8Array = EMPTY,
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
    body: Uint8Array,
    options: HTTPRequestOptions,
  ): Promise<HTTPRequestResult> {
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
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (onBody !== undefined && this.#downloadFile !== '') {
      return Promise.reject(
        new HTTPRequestError(
          'onBody and downloadFile cannot be combined: the body goes to one of them',
          ErrorCode.INVALID_PARAMETER,
        ),
      );
    }

    if (this.#useThreads) return this.#startThreaded(parsed, url, headers, method, body, options);

    const userHeaders = headers.slice();
    if (
      this.#acceptGzip &&
      !userHeaders.some((h) => h.trim().toLowerCase().startsWith('accept-encoding'))
    ) {
      userHeaders.push(`Accept-Encoding: ${ACCEPT_ENCODING}`);
    }
    return new Promise<HTTPRequestResult>((resolve, reject) => {
      const job: Job = {
        hop: { url: parsed, request: { method, headers: userHeaders, body }, redirects: 0 },
        settled: false,
        resolve,
        reject,
        timer: undefined,
        sink: null,
        decoder: null,
        onAbort: undefined,
        signal,
        onBody,
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
        maxHeaderSize: this.#client.maxHeaderSize,
        maxHeaderCount: this.#client.maxHeaderCount,
        tls: this.#tlsOptions === null ? null : describeTls(this.#tlsOptions),
        httpProxy: this.#httpProxy,
        httpsProxy: this.#httpsProxy,
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
    stateWatchers.get(this)?.();
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
    this.#httpProxy = host === '' || port === -1 ? null : [host, port, username, password];
    this.#connectionKey = '';
    this.#threaded?.send({ type: 'httpProxy', value: this.#httpProxy });
  }

  /**
   * HTTPS proxy (CONNECT tunnel) for https URLs; `''` or port -1 clears it.
   *
   * @param username - optional Basic credentials, sent on the CONNECT request only.
   */
  setHttpsProxy(host: string, port: number, username?: string, password?: string): void {
    if (!this.#forward(() => this.#client.setHttpsProxy(host, port, username, password))) return;
    this.#httpsProxy = host === '' || port === -1 ? null : [host, port, username, password];
    this.#connectionKey = '';
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
   * Each step may end the request early with a result. A policy that spans hops (a retry around
   * an exchange, a resumed download's `Range` and its 206, a cookie jar reading every head and
   * writing every request) belongs here, between the steps, not inside them.
   */
  async #run(job: Job): Promise<HTTPRequestResult> {
    for (;;) {
      const head = await this.#exchange(job);
      if ('result' in head) return head;
      if (job.settled) return ended();
      const decision = decideRedirect(job.hop, head.code, head.headers, this.#maxRedirects);
      switch (decision.kind) {
        case 'final':
          return this.#body(job, head);
        case 'limit':
          this.#client.close();
          return withHead(Result.REDIRECT_LIMIT_REACHED, head);
        case 'follow':
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
      const headers = this.#hopHeaders(job.hop);
      if (client.requestRaw(request.method, url.path, headers, request.body) !== ErrorCode.OK) {
        return failure(Result.CONNECTION_ERROR);
      }
      await this.#driveWhile(job, (s) => s === Status.REQUESTING);
      if (job.settled) return ended();
      const status = client.getStatus();
      if (
        status === Status.CONNECTION_ERROR &&
        reused &&
        !client.responseStarted &&
        IDEMPOTENT.has(request.method)
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
    const proxy = url.tls ? this.#httpsProxy : this.#httpProxy;
    return proxy === null ? `${url.origin}|` : `${url.origin}|${proxy[0]}:${proxy[1]}`;
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
    if (this.#downloadFile !== '') {
      const file = await FileSink.open(this.#downloadFile);
      if (job.settled) {
        if (!(file instanceof Error)) await file.discard();
        return ended();
      }
      if (file instanceof Error) return this.#cut(job, plan.head, Result.DOWNLOAD_FILE_CANT_OPEN);
      sink = file;
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
    for (;;) {
      const piece = client.readResponseBodyView();
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
      if (status === Status.CONNECTED || status === Status.DISCONNECTED) return null;
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
      const piece = client.readResponseBodyView();
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
    const sink = job.sink;
    job.sink = null;
    if (closeClient) {
      this.#client.close();
      this.#connectionKey = '';
    }
    if (free && this.#job === job) this.#job = null;
    return sink === null ? null : sink.discard();
  }
}
