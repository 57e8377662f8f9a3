// The web build of HTTPClient: Godot's API, return codes and Status sequence over the browser's
// fetch, as Godot's own web platform does it (`platform/web/http_client_web.cpp` and its fetch
// library). A browser opens, pools and secures connections itself, so there is no socket here:
// connectToHost() records where to go, request() starts a fetch, and poll() reports what the fetch
// promise and the body's stream reader have delivered since. Differences from the Node build are
// listed in README.md ("Web build") and docs/decisions/0010-web-httpclient.md.
import { ErrorCode, GdhttpError, Method, methodToken, Status } from '@gdhttp/constants';
import {
  headerDictionary,
  isValidTarget,
  type QueryValue,
  queryStringFromDict,
} from '@gdhttp/parser';
import {
  describeFailure,
  FetchExchange,
  hasRequestStreams,
  StreamedUpload,
} from './internal/fetch-exchange.js';
import {
  authorityHost,
  bodyEndRefusal,
  bodyLengthRefusal,
  bodyPieceRefusal,
  connectArgumentsRefusal,
  connectHost,
  hostHeaderValue,
  isIpLiteral,
  requestArgumentsRefusal,
  resolvePort,
  stripSchemePrefix,
} from './internal/godot-rules.js';
import { ClientSettings, type SettingName } from './internal/setting-rules.js';
import { type FetchedHead, fetchedHead, toFetchHeaders } from './internal/web-rules.js';

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();

/**
 * The User-Agent the web build's requests carry: the browser's own (a page cannot replace it),
 * or `''` where the runtime has no `navigator`.
 */
export const USER_AGENT: string =
  (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ?? '';

/**
 * What the web build accepts as `tlsOptions`: the shape of `@gdhttp/transport`'s `TLSOptions`,
 * so a `TLSOptions.client()` made by shared code type-checks, without importing that package
 * (it needs Node's `tls`). Only the default client options are honoured: a browser verifies
 * certificates with its own trust store and names.
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

/**
 * Godot's `HTTPClient` for browsers (the `browser` export condition of `@gdhttp/client`): the same
 * names, parameters, return codes and Status sequence as the Node build, made with `fetch`, as
 * Godot's web export does it.
 *
 * `connectToHost()` opens nothing: the statuses RESOLVING → CONNECTING → CONNECTED pass one per
 * `poll()`, as in Godot's web build. `request()` starts a `fetch`; `poll()` moves to BODY when the
 * response arrives; `readResponseBodyChunk()` returns the bytes read so far, and the status
 * becomes DISCONNECTED after the last one (connect again for the next request: the browser reuses
 * its pooled connection). A network error or a CORS refusal is `CONNECTION_ERROR` with
 * {@link HTTPClient.lastError} saying so. What a browser cannot do — proxies, TLS options other
 * than the default, TRACE and CONNECT, blocking mode, forbidden request headers — is refused with
 * Godot's codes instead of being dropped silently.
 *
 * @example
 * ```ts
 * import { HTTPClient } from '@gdhttp/client'; // the web build, under the `browser` condition
 * import { Method, Status } from '@gdhttp/constants';
 *
 * const client = new HTTPClient();
 * client.connectToHost('https://example.com');
 * const busy = new Set<Status>([Status.RESOLVING, Status.CONNECTING, Status.REQUESTING]);
 * while (busy.has(client.getStatus()) || client.getStatus() === Status.CONNECTED) {
 *   if (client.getStatus() === Status.CONNECTED) client.request(Method.GET, '/', []);
 *   const news = client.news();
 *   client.poll();
 *   if (busy.has(client.getStatus())) await news;
 * }
 * const parts: Uint8Array[] = [];
 * while (client.getStatus() === Status.BODY) {
 *   const chunk = client.readResponseBodyChunk();
 *   if (chunk.length > 0) parts.push(chunk);
 *   else await client.news();
 * }
 * console.log(client.getResponseCode(), client.getResponseHeaders());
 * ```
 */
export class HTTPClient {
  #status: Status = Status.DISCONNECTED;
  readonly #settings = new ClientSettings();
  #lastError: GdhttpError | null = null;

  // Where requests go, recorded by connectToHost().
  #host = '';
  #port = -1;
  #tls = false;

  /** The request in flight, or whose body is being read. */
  #exchange: FetchExchange | null = null;
  /** The current request's body length when sent whole (bytes, a Blob), for requestBodySent. */
  #wholeBodyLength = 0;
  /** The current request's streamed body (requestRaw with a stream, or requestStream). */
  #upload: StreamedUpload | null = null;
  /** The body is put piece by piece (requestStream). */
  #putMode = false;
  /** The body still takes pieces (requestStream, before its end). */
  #bodyOpen = false;
  /** Bytes a requestStream body still needs for its announced length; -1: unknown. */
  #bodyLeft = -1;
  #responseStarted = false;
  /** Resolvers of news() promises, settled at the next progress. */
  #waiters: (() => void)[] = [];

  /** The last response's head, as the accessors report it: kept until the next response or close(). */
  #response: FetchedHead | null = null;

  /**
   * Records the server requests go to, dropping any request in flight first. Nothing is opened:
   * the browser connects when a request is made.
   *
   * A case-insensitive `http://` prefix forces plain HTTP; `https://` turns TLS on. A port below 0
   * means 80 or 443. A bracketed IPv6 literal (`[::1]`) is accepted.
   *
   * @param host - host name or IP address, optionally prefixed by `http://` or `https://`.
   * @param port - the port; -1 (default) for the scheme's default.
   * @param tlsOptions - `null` for plain HTTP (unless `https://`), or default client options
   *   (`TLSOptions.client()` with no arguments) for HTTPS.
   * @returns `OK` (status RESOLVING for a host name, CONNECTING for an IP literal);
   *   `INVALID_PARAMETER` for server TLS options, a host shorter than 4 characters or an argument
   *   of the wrong type, or a port outside 1–65535 (status CANT_CONNECT); `UNAVAILABLE` for TLS
   *   options a browser cannot apply (a custom CA, a name override, unsafe mode).
   */
  connectToHost(host: string, port = -1, tlsOptions: WebTLSOptions | null = null): ErrorCode {
    this.close();
    const wrong = connectArgumentsRefusal(host, port);
    if (wrong !== null) return this.#refuse(wrong);
    let tls = false;
    if (tlsOptions !== null) {
      if (!isTLSOptionsLike(tlsOptions)) {
        // Godot 3's third parameter was `use_ssl: bool`; every old script passes `true` there.
        return this.#refuse(
          'tlsOptions must be a TLSOptions or null (for TLS pass TLSOptions.client() or an https:// host, not true)',
        );
      }
      if (tlsOptions.isServer()) {
        return this.#refuse('connectToHost needs client TLS options, not server options');
      }
      if (
        tlsOptions.isUnsafeClient() ||
        tlsOptions.getTrustedCaChain() !== null ||
        tlsOptions.getCommonNameOverride() !== ''
      ) {
        this.#lastError = new GdhttpError(
          'a browser verifies certificates with its own trust store: only TLSOptions.client() without arguments (or an https:// host) is available',
          ErrorCode.UNAVAILABLE,
        );
        return ErrorCode.UNAVAILABLE;
      }
      tls = true;
    }
    const prefixed = stripSchemePrefix(host);
    if (prefixed.scheme === 'http') tls = false;
    else if (prefixed.scheme === 'https') tls = true;
    const checked = connectHost(prefixed.host);
    if ('refused' in checked) return this.#refuse(checked.refused);
    const bare = checked.host;
    const resolved = resolvePort(port, tls);
    if (!Number.isInteger(resolved) || resolved < 1 || resolved > 65535) {
      // As the Node build: a connection that cannot be made is refused at once.
      this.#refuse(`port ${resolved} is outside 1-65535`);
      this.#status = Status.CANT_CONNECT;
      return ErrorCode.INVALID_PARAMETER;
    }
    this.#host = bare;
    this.#port = resolved;
    this.#tls = tls;
    this.#status = isIpLiteral(bare) ? Status.CONNECTING : Status.RESOLVING;
    return ErrorCode.OK;
  }

  /**
   * Advances the state machine by what the fetch has delivered: one connecting step per call (as
   * Godot's web build), the response head in REQUESTING, the end of the body in BODY.
   * Synchronous and non-blocking.
   *
   * @returns `OK`; `UNCONFIGURED` when DISCONNECTED; `CANT_RESOLVE` for a host no URL can be made
   *   of; `CONNECTION_ERROR` when the fetch failed (network error, CORS refusal) or the body broke
   *   off, and in that sticky state.
   */
  poll(): ErrorCode {
    switch (this.#status) {
      case Status.DISCONNECTED:
        return ErrorCode.UNCONFIGURED;
      case Status.RESOLVING:
        // A browser resolves inside fetch; the one check possible here is that a URL can be made.
        if (!isUrlHost(this.#host, this.#port, this.#tls)) {
          return this.#fail(
            Status.CANT_RESOLVE,
            new GdhttpError(
              `"${this.#host}" is not a host name a URL can hold`,
              ErrorCode.CANT_RESOLVE,
            ),
            ErrorCode.CANT_RESOLVE,
          );
        }
        this.#status = Status.CONNECTING;
        return ErrorCode.OK;
      case Status.CONNECTING:
        this.#status = Status.CONNECTED;
        return ErrorCode.OK;
      case Status.CONNECTED:
        return ErrorCode.OK;
      case Status.REQUESTING:
        return this.#pollRequesting();
      case Status.BODY:
        this.#exchange?.pump();
        return this.#checkBodyEnd();
      case Status.CANT_RESOLVE:
        return ErrorCode.CANT_RESOLVE;
      case Status.CANT_CONNECT:
        return ErrorCode.CANT_CONNECT;
      case Status.CONNECTION_ERROR:
      case Status.TLS_HANDSHAKE_ERROR:
        return ErrorCode.CONNECTION_ERROR;
    }
  }

  /**
   * Starts a request with a UTF-8 body. Same contract as {@link HTTPClient.requestRaw}.
   */
  request(method: Method, url: string, headers: readonly string[], body = ''): ErrorCode {
    if (typeof body !== 'string')
      return this.#refuse('body must be a string (requestRaw takes bytes)');
    return this.requestRaw(method, url, headers, body === '' ? EMPTY : encoder.encode(body));
  }

  /**
   * Starts the request with `fetch` (status REQUESTING); the next polls report its response. The
   * browser adds Host, Content-Length, User-Agent and Accept itself.
   *
   * @param method - a {@link Method}; TRACE and CONNECT are refused (`UNAVAILABLE`), as in
   *   Godot's web build.
   * @param url - `/path?query` (the origin-form only: the server is the one given to connectToHost).
   * @param headers - `"Name: value"` strings. The Fetch standard's forbidden names (and `Proxy-`,
   *   `Sec-`) are refused, not dropped: `Host` and `Content-Length` only pass with the value the
   *   browser sends anyway.
   * @param body - the body; fetch copies bytes, so they may be reused at once. A `Blob` or `File`
   *   (a gdhttp addition) is handed to fetch as it is: the browser reads it as it sends, so a file
   *   a page uploads is never held in memory, and fetch sends its `type` as `Content-Type` when
   *   the headers give none. A `ReadableStream` of bytes (a gdhttp addition) is streamed as
   *   {@link HTTPClient.requestStream} streams: read as fetch pulls it, over HTTP/2 or later only
   *   in a browser; a stream fetch never pulled (the browser refused the request first) is left
   *   untouched. GET and HEAD take no body.
   * @returns `OK` (status REQUESTING); `UNAVAILABLE` for TRACE and CONNECT, and for a stream where
   *   fetch has no request streams; `INVALID_PARAMETER` for a bad method, URL, header, body or
   *   argument type, or when the status is not CONNECTED.
   */
  requestRaw(
    method: Method,
    url: string,
    headers: readonly string[],
    body: Uint8Array | Blob | ReadableStream<Uint8Array>,
  ): ErrorCode {
    if (isWebStream(body)) return this.#begin(method, url, headers, body, -1);
    const length = bodyLength(body);
    if (length < 0) return this.#refuse('body must be a Uint8Array, a Blob or a ReadableStream');
    return this.#begin(method, url, headers, body as Uint8Array | Blob, length);
  }

  /**
   * Starts a request whose body is sent as it comes (a gdhttp addition, the Node build's
   * `requestStream`): {@link HTTPClient.putRequestBodyData} queues each piece and
   * {@link HTTPClient.endRequestBody} ends the body. fetch pulls the pieces as it sends them
   * (`duplex: 'half'`), so the page holds only what is queued; {@link HTTPClient.requestBodySent}
   * counts what fetch took, {@link HTTPClient.requestBodyQueued} what waits.
   *
   * What the platform allows: Chromium (105 and later) streams a request body over HTTP/2 and
   * HTTP/3 only. Over HTTP/1.1 — any `http://` URL, and an `https://` server without HTTP/2 — it
   * fails the fetch before taking a byte: the status becomes CONNECTION_ERROR with `lastError`
   * saying so (a page cannot tell this from a network error). Cross-origin, the request is always
   * preflighted. A redirect answer is not followed (fetch cannot send a stream again): it is the
   * response, and a browser shows it opaque — code 0, no headers, no body. Firefox and Safari have
   * no request streams: this returns `UNAVAILABLE`. fetch sends the response only after the body
   * ended (half duplex).
   *
   * @param method - a {@link Method}; not GET or HEAD (fetch sends them without a body).
   * @param url - as for requestRaw.
   * @param headers - as for requestRaw; `Content-Length` only with the value of `bodyLength`
   *   (checked, not sent: HTTP/2 frames the body itself).
   * @param bodyLength - the body's length in bytes, checked as the pieces are put; -1 when unknown.
   * @returns `OK` (status REQUESTING) or requestRaw's codes; `INVALID_PARAMETER` for a length that
   *   is not an integer of at least -1; `UNAVAILABLE` where fetch has no request streams.
   * @example
   * ```ts
   * // status CONNECTED, to an https:// server that speaks HTTP/2
   * client.requestStream(Method.PUT, '/upload', [], -1);
   * for await (const piece of source) {
   *   client.putRequestBodyData(piece);
   *   while (client.requestBodyQueued > 0 && client.getStatus() === Status.REQUESTING) {
   *     const news = client.news();
   *     client.poll();
   *     await news;
   *   }
   * }
   * client.endRequestBody(); // then poll until the status leaves REQUESTING
   * ```
   */
  requestStream(
    method: Method,
    url: string,
    headers: readonly string[],
    bodyLength: number,
  ): ErrorCode {
    const wrong = bodyLengthRefusal(bodyLength);
    if (wrong !== null) return this.#refuse(wrong);
    return this.#begin(method, url, headers, null, bodyLength);
  }

  /**
   * Queues the next piece of a body started with {@link HTTPClient.requestStream}, by reference:
   * do not modify it afterwards (fetch reads it when it sends it). An empty piece is ignored.
   *
   * @param data - body bytes.
   * @returns `OK`; `INVALID_PARAMETER` without a streamed request, after its end, for bytes that
   *   are not a Uint8Array or past the announced length; `UNAVAILABLE` once the response arrived or
   *   the fetch failed: the body is no longer wanted.
   */
  putRequestBodyData(data: Uint8Array): ErrorCode {
    const refused = this.#bodyRefusal();
    if (refused !== ErrorCode.OK) return refused;
    const wrong = bodyPieceRefusal(data, this.#bodyLeft);
    if (wrong !== null) return this.#refuse(wrong);
    if (data.length === 0) return ErrorCode.OK;
    if (this.#bodyLeft >= 0) this.#bodyLeft -= data.length;
    this.#upload!.put(data);
    // The whole announced length has been put: the body ends, as in the Node build.
    if (this.#bodyLeft === 0) this.#endBody();
    return ErrorCode.OK;
  }

  /**
   * Ends a body started with {@link HTTPClient.requestStream}: fetch sends its end once it took
   * the queued pieces.
   *
   * @returns `OK` (also when a body of known length ended with its last byte); putRequestBodyData's
   *   `INVALID_PARAMETER` and `UNAVAILABLE`, and `INVALID_PARAMETER` when the body is short of its
   *   announced length (the request cannot be completed: close the client).
   */
  endRequestBody(): ErrorCode {
    if (this.#putMode && !this.#bodyOpen && this.#bodyLeft <= 0 && this.#requestOpen()) {
      return ErrorCode.OK;
    }
    const refused = this.#bodyRefusal();
    if (refused !== ErrorCode.OK) return refused;
    const short = bodyEndRefusal(this.#bodyLeft);
    if (short !== null) return this.#refuse(short);
    this.#endBody();
    return ErrorCode.OK;
  }

  /**
   * Bytes put with {@link HTTPClient.putRequestBodyData} that fetch has not taken yet: the
   * backpressure signal of a streamed body (a gdhttp addition). 0 for other bodies.
   */
  get requestBodyQueued(): number {
    return this.#upload?.queued ?? 0;
  }

  /**
   * Body bytes of the current request fetch has taken (a gdhttp addition, for upload progress).
   * A streamed body counts as fetch pulls it (the browser holds at most a few hundred KiB more
   * than the server received); bytes and a Blob are handed over whole, and fetch reports no
   * progress for them: 0 until the response arrives, then their length.
   */
  get requestBodySent(): number {
    if (this.#upload !== null) return this.#upload.taken;
    return this.#responseStarted ? this.#wholeBodyLength : 0;
  }

  /** Always 0: fetch shows no 1xx interim response (the Node build counts them). */
  get informationalResponses(): number {
    return 0;
  }

  /** requestRaw and requestStream: bytes or a Blob of `length`, a stream, or `null` for puts. */
  #begin(
    method: Method,
    url: string,
    headers: readonly string[],
    body: Uint8Array | Blob | ReadableStream<Uint8Array> | null,
    length: number,
  ): ErrorCode {
    const token = methodToken(method);
    if (token === undefined) return this.#refuse(`method ${String(method)} is not a Method`);
    if (method === Method.TRACE || method === Method.CONNECT) {
      this.#lastError = new GdhttpError(
        `${token} is not available in a browser (fetch refuses it)`,
        ErrorCode.UNAVAILABLE,
      );
      return ErrorCode.UNAVAILABLE;
    }
    const wrong = requestArgumentsRefusal(url, headers);
    if (wrong !== null) return this.#refuse(wrong);
    if (this.#status !== Status.CONNECTED) {
      return this.#refuse(`request() needs status CONNECTED, not ${this.#status}`);
    }
    if (this.#host === '' || this.#port < 0) {
      this.#lastError = new GdhttpError('no host to send to', ErrorCode.UNCONFIGURED);
      return ErrorCode.UNCONFIGURED;
    }
    // Godot's web build takes the origin-form only; the Node build's absolute form is for proxies.
    if (!url.startsWith('/') || !isValidTarget(token, url)) {
      return this.#refuse('url must start with "/" and hold no whitespace or control characters');
    }
    const streamed = body === null || isWebStream(body);
    if ((length > 0 || streamed) && (method === Method.GET || method === Method.HEAD)) {
      return this.#refuse(`fetch cannot send a body with ${token}`);
    }
    if (streamed && !hasRequestStreams()) {
      this.#lastError = new GdhttpError(
        "this browser's fetch cannot stream a request body (no duplex: 'half'): send bytes or a Blob",
        ErrorCode.UNAVAILABLE,
      );
      return ErrorCode.UNAVAILABLE;
    }
    const converted = toFetchHeaders(headers, {
      host: hostHeaderValue(this.#host, this.#port, this.#tls),
      bodyLength: length,
    });
    if ('refused' in converted) return this.#refuse(converted.refused);
    let pairs = converted.pairs;
    let sendBody: Uint8Array | Blob | StreamedUpload | undefined;
    this.#exchange?.abort();
    if (streamed) {
      // A matching Content-Length passed the check above; fetch would drop it (HTTP/2 frames
      // the body), so it is not handed over.
      pairs = pairs.filter(([name]) => name.toLowerCase() !== 'content-length');
      sendBody = new StreamedUpload(body as ReadableStream<Uint8Array> | null, () =>
        this.#notify(),
      );
      this.#upload = sendBody;
      this.#putMode = body === null;
      this.#bodyOpen = body === null;
      this.#bodyLeft = body === null ? length : -1;
      this.#wholeBodyLength = 0;
      // A body of length 0 is whole from the start.
      if (body === null && length === 0) this.#endBody();
    } else {
      // An empty body still says `Content-Length: 0` for POST, PUT and PATCH, as the Node build.
      const bytes = body as Uint8Array | Blob;
      const sends =
        length > 0 || method === Method.POST || method === Method.PUT || method === Method.PATCH;
      sendBody = sends ? bytes : undefined;
      this.#upload = null;
      this.#putMode = false;
      this.#bodyOpen = false;
      this.#bodyLeft = -1;
      this.#wholeBodyLength = length;
    }
    this.#exchange = new FetchExchange(
      { url: `${this.#origin()}${url}`, method: token, headers: pairs, body: sendBody },
      () => this.#settings.readChunkSize,
      () => this.#notify(),
    );
    this.#responseStarted = false;
    this.#lastError = null;
    this.#status = Status.REQUESTING;
    return ErrorCode.OK;
  }

  /** The request is still being sent: REQUESTING, and fetch has neither answered nor failed. */
  #requestOpen(): boolean {
    return this.#status === Status.REQUESTING && this.#exchange?.settled === false;
  }

  /** Why a streamed body cannot take more now, or OK. */
  #bodyRefusal(): ErrorCode {
    if (!this.#putMode) return this.#refuse('no request started with requestStream()');
    if (!this.#requestOpen()) {
      this.#lastError = new GdhttpError(
        'the body is no longer wanted: the server answered or the fetch failed',
        ErrorCode.UNAVAILABLE,
      );
      return ErrorCode.UNAVAILABLE;
    }
    if (!this.#bodyOpen) return this.#refuse('the body has ended');
    return ErrorCode.OK;
  }

  #endBody(): void {
    this.#bodyOpen = false;
    this.#upload?.end();
  }

  /**
   * Reads body bytes in status BODY: what has arrived, up to {@link HTTPClient.readChunkSize}
   * (joined from as many stream reads as that takes, as Godot's web build does). Returns an empty
   * array when nothing is waiting. After the last byte the status becomes DISCONNECTED; a body
   * that broke off becomes CONNECTION_ERROR once the bytes before the break have been returned.
   */
  readResponseBodyChunk(): Uint8Array {
    return this.#readBody(false);
  }

  /**
   * The next piece one stream read delivered, at most {@link HTTPClient.readChunkSize}, as a view
   * (never joined or copied); statuses change as with {@link HTTPClient.readResponseBodyChunk}.
   */
  readResponseBodyView(): Uint8Array {
    return this.#readBody(true);
  }

  #readBody(view: boolean): Uint8Array {
    const exchange = this.#exchange;
    if (this.#status !== Status.BODY || exchange === null) return EMPTY;
    const max = this.#settings.readChunkSize;
    const chunk = view ? exchange.takePiece(max) : exchange.take(max);
    exchange.pump();
    this.#checkBodyEnd();
    return chunk;
  }

  /** The current status. */
  getStatus(): Status {
    return this.#status;
  }

  /**
   * The final response's status code (after any redirect the browser followed, see
   * {@link HTTPClient.wasRedirected}); 0 before one.
   */
  getResponseCode(): number {
    return this.#response?.status ?? 0;
  }

  /**
   * The response's header lines as `"name: value"`, as the browser shows them: names lowercase,
   * repeated fields already combined, and only the headers the page may see (`Set-Cookie` never;
   * cross-origin, the CORS-safelisted ones and those the server exposes). Kept until the next
   * response or {@link HTTPClient.close}.
   */
  getResponseHeaders(): string[] {
    return this.#response?.lines.slice() ?? [];
  }

  /** The headers as a dictionary (the browser already combined repeated fields). */
  getResponseHeadersAsDictionary(): Record<string, string> {
    return headerDictionary(this.#response?.lines ?? []);
  }

  /** Always empty: fetch does not expose trailer fields. */
  getResponseTrailers(): string[] {
    return [];
  }

  /**
   * The body length: 0 for a response without a body (HEAD, 204, 304); the Content-Length when
   * the browser shows it and the body is known not to be content-coded (fetch hands out decoded
   * bytes); otherwise -1 — always for a gzip response, and for a cross-origin one unless its
   * server exposes `Content-Encoding`. Godot's web build always returns -1.
   */
  getResponseBodyLength(): number {
    return this.#response?.bodyLength ?? -1;
  }

  /**
   * The URL the response came from (a gdhttp addition; Godot has none): fetch's `Response.url`,
   * the last URL of the redirects the browser followed — the request's own URL when there were
   * none — serialised by the browser (no fragment). `''` before a response, after
   * {@link HTTPClient.close}, or when the browser gives none (a synthetic response). Kept until the
   * next response or `close()`, as {@link HTTPClient.getResponseCode}. The Node build has no
   * such method: there a 3xx is the response, and its `Location` says where it points.
   */
  getResponseUrl(): string {
    return this.#response?.url ?? '';
  }

  /**
   * Whether the browser followed at least one redirect to reach the response (a gdhttp addition;
   * Godot has none): fetch's `Response.redirected`. fetch does not tell how many. `false` before a
   * response or after {@link HTTPClient.close}; kept until the next response or `close()`. The Node
   * build has no such method: it never follows a redirect.
   */
  wasRedirected(): boolean {
    return this.#response?.redirected ?? false;
  }

  /** True when the last response has at least one visible header line. */
  hasResponse(): boolean {
    return (this.#response?.lines.length ?? 0) > 0;
  }

  /**
   * True when the response shows `Transfer-Encoding: chunked` (its final coding), as Godot's web
   * build tells it; false when the browser hides the header (HTTP/2 and HTTP/3 have none).
   */
  isResponseChunked(): boolean {
    return this.#response?.chunked ?? false;
  }

  /**
   * Godot's `query_string_from_dict`: `key=value` pairs joined by `&`, percent-encoded.
   *
   * @param fields - keys and values; arrays repeat the key, `null` writes the bare key.
   */
  queryStringFromDict(
    fields: { readonly [key: string]: QueryValue } | ReadonlyMap<string | number, QueryValue>,
  ): string {
    return queryStringFromDict(fields);
  }

  /**
   * Refused: a page cannot choose a proxy (the browser uses the system's). Sets
   * {@link HTTPClient.lastError} (`UNAVAILABLE`), as Godot's web build prints "HTTP proxy feature
   * is not available"; clearing (`''` or port -1) is accepted silently.
   */
  setHttpProxy(host: string, port: number, username?: string, password?: string): void {
    this.#refuseProxy('HTTP', host, port, username, password);
  }

  /** Refused as {@link HTTPClient.setHttpProxy}. */
  setHttpsProxy(host: string, port: number, username?: string, password?: string): void {
    this.#refuseProxy('HTTPS', host, port, username, password);
  }

  #refuseProxy(
    kind: string,
    host: string,
    port: number,
    _username: string | undefined,
    _password: string | undefined,
  ): void {
    if (host === '' || port === -1) return;
    this.#lastError = new GdhttpError(
      `${kind} proxy feature is not available: a browser uses its own proxy settings`,
      ErrorCode.UNAVAILABLE,
    );
  }

  /** Aborts the request in flight (its fetch and body stream) and returns to DISCONNECTED. */
  close(): void {
    this.#exchange?.abort();
    this.#exchange = null;
    this.#upload?.cancel();
    this.#upload = null;
    this.#putMode = false;
    this.#bodyOpen = false;
    this.#wholeBodyLength = 0;
    this.#response = null;
    this.#status = Status.DISCONNECTED;
    this.#notify();
  }

  /**
   * A promise that settles when the fetch has news — its response, body bytes, the end of the
   * body, a failure — or at once when a poll has work to do or there is nothing to wait for.
   * Await it between polls instead of sleeping.
   */
  news(): Promise<void> {
    const exchange = this.#exchange;
    const waiting =
      exchange !== null &&
      ((this.#status === Status.REQUESTING && !exchange.settled) ||
        (this.#status === Status.BODY &&
          exchange.queued === 0 &&
          !exchange.done &&
          exchange.bodyFailure === null));
    if (!waiting) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
    });
  }

  /** Whether the response to the current request has arrived (its status line and headers). */
  get responseStarted(): boolean {
    return this.#responseStarted;
  }

  /** The failure behind the last error status or refused call. */
  get lastError(): GdhttpError | null {
    return this.#lastError;
  }

  /**
   * Bytes per `readResponseBodyChunk()`, and how far the body stream is read ahead of the caller:
   * 256–16,777,216 (default 65,536). Values outside the range are refused (`lastError`).
   */
  get readChunkSize(): number {
    return this.#settings.readChunkSize;
  }
  set readChunkSize(size: number) {
    this.#update('readChunkSize', size);
  }

  /** Kept for the Node build's API and validated as there; the browser applies its own limits. */
  get maxHeaderSize(): number {
    return this.#settings.maxHeaderSize;
  }
  set maxHeaderSize(bytes: number) {
    this.#update('maxHeaderSize', bytes);
  }

  /** Kept for the Node build's API and validated as there; the browser applies its own limits. */
  get maxHeaderCount(): number {
    return this.#settings.maxHeaderCount;
  }
  set maxHeaderCount(count: number) {
    this.#update('maxHeaderCount', count);
  }

  /**
   * Kept for the Node build's API and validated as there; a browser has its own connect timeout
   * (close() the client to give up sooner).
   */
  get connectTimeout(): number {
    return this.#settings.connectTimeout;
  }
  set connectTimeout(seconds: number) {
    this.#update('connectTimeout', seconds);
  }

  /**
   * Always false: a page cannot block on the network. Enabling it is refused (`lastError` is
   * `UNAVAILABLE`), as Godot's web build refuses it.
   */
  get blockingModeEnabled(): boolean {
    return false;
  }
  set blockingModeEnabled(enabled: boolean) {
    if (enabled) {
      this.#lastError = new GdhttpError(
        'blocking mode is not available: a browser cannot block on the network',
        ErrorCode.UNAVAILABLE,
      );
    }
  }

  /**
   * Always false: the browser runs each fetch off the page's thread already, and a page cannot
   * wait for it synchronously. Enabling it is refused (`lastError` is `UNAVAILABLE`).
   */
  get useThreads(): boolean {
    return false;
  }
  set useThreads(enabled: boolean) {
    if (enabled) {
      this.#lastError = new GdhttpError(
        'useThreads is not available in a browser: poll() from the page loop instead',
        ErrorCode.UNAVAILABLE,
      );
    }
  }

  /**
   * Always `null`: a browser gives no access to its connections. Setting one is refused
   * (`lastError` is `UNAVAILABLE`), as in Godot's web build.
   */
  get connection(): null {
    return null;
  }
  set connection(_stream: unknown) {
    this.#lastError = new GdhttpError(
      "accessing an HTTPClient's connection is not available in a browser",
      ErrorCode.UNAVAILABLE,
    );
  }

  #origin(): string {
    return `${this.#tls ? 'https' : 'http'}://${authorityHost(this.#host)}:${this.#port}`;
  }

  #pollRequesting(): ErrorCode {
    const exchange = this.#exchange!;
    if (exchange.failure !== null) {
      // A stream given to requestRaw() that failed is the cause, not the network.
      const cause = exchange.upload?.failure ?? exchange.failure;
      const kind =
        exchange.upload?.failure != null
          ? 'the request body stream failed'
          : failureKind(exchange.upload);
      return this.#fail(
        Status.CONNECTION_ERROR,
        new GdhttpError(`${kind}: ${describeFailure(cause)}`, ErrorCode.CONNECTION_ERROR, {
          cause,
        }),
        ErrorCode.CONNECTION_ERROR,
      );
    }
    const response = exchange.response;
    if (response === null) return ErrorCode.OK;
    this.#responseStarted = true;
    this.#response = fetchedHead(response);
    // Always BODY, even for a bodiless response (Godot's web build): the next read or poll ends it.
    this.#status = Status.BODY;
    return ErrorCode.OK;
  }

  /** In BODY with nothing queued: DISCONNECTED at the end, CONNECTION_ERROR after a break. */
  #checkBodyEnd(): ErrorCode {
    const exchange = this.#exchange;
    if (this.#status !== Status.BODY || exchange === null || exchange.queued > 0) {
      return ErrorCode.OK;
    }
    if (exchange.bodyFailure !== null) {
      return this.#fail(
        Status.CONNECTION_ERROR,
        new GdhttpError(
          `the response body broke off: ${describeFailure(exchange.bodyFailure)}`,
          ErrorCode.CONNECTION_ERROR,
          { cause: exchange.bodyFailure },
        ),
        ErrorCode.CONNECTION_ERROR,
      );
    } else if (exchange.done) {
      // A streamed body still open after the whole answer (an early 413 over a runtime that reads
      // answers before the body ended) is not wanted any more: puts were refused since the answer.
      exchange.upload?.cancel();
      this.#exchange = null;
      this.#status = Status.DISCONNECTED;
    }
    return ErrorCode.OK;
  }

  #notify(): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }

  #refuse(message: string): ErrorCode {
    this.#lastError = new GdhttpError(message, ErrorCode.INVALID_PARAMETER);
    return ErrorCode.INVALID_PARAMETER;
  }

  /** Takes a setting's new value, or keeps the old one and says why in `lastError`. */
  #update(name: SettingName, value: number): void {
    const refusal = this.#settings.update(name, value);
    if (refusal !== null) this.#lastError = refusal;
  }

  /** Ends in a sticky error state; the fetch, if any, is stopped. The response stays readable. */
  #fail(status: Status, error: GdhttpError, code: ErrorCode): ErrorCode {
    this.#exchange?.abort();
    this.#exchange = null;
    this.#status = status;
    this.#lastError = error;
    this.#notify();
    return code;
  }
}

function isTLSOptionsLike(value: unknown): value is WebTLSOptions {
  if (typeof value !== 'object' || value === null) return false;
  const options = value as Record<string, unknown>;
  return (
    typeof options.isServer === 'function' &&
    typeof options.isUnsafeClient === 'function' &&
    typeof options.getTrustedCaChain === 'function' &&
    typeof options.getCommonNameOverride === 'function'
  );
}

/** Whether `host` makes a URL whose host is exactly it (no path, query, userinfo or spaces). */
function isUrlHost(host: string, port: number, tls: boolean): boolean {
  if (/[\s/?#@\\]/.test(host)) return false;
  try {
    new URL(`${tls ? 'https' : 'http'}://${authorityHost(host)}:${port}/`);
    return true;
  } catch {
    return false;
  }
}

/**
 * What a rejected fetch was, as far as a page can know: with a streamed body taken by none, the
 * browser's refusal of a connection below HTTP/2 looks exactly like a network error.
 */
function failureKind(upload: StreamedUpload | null): string {
  if (upload === null) return 'network error or CORS refusal';
  if (upload.taken === 0) {
    return "network error, CORS refusal, or a connection below HTTP/2 (a browser streams a request body (duplex: 'half') over HTTP/2 or later only, and took none of it)";
  }
  return `network error or CORS refusal after ${upload.taken} bytes of the streamed body`;
}

/** Whether `value` is a Web `ReadableStream` (also from another realm). */
function isWebStream(value: unknown): value is ReadableStream<Uint8Array> {
  if (typeof ReadableStream === 'function' && value instanceof ReadableStream) return true;
  const v = value as { getReader?: unknown; pipeTo?: unknown } | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.getReader === 'function' &&
    typeof v.pipeTo === 'function'
  );
}

/** The length of a body `requestRaw` takes (bytes or a Blob), or -1 for anything else. */
function bodyLength(body: unknown): number {
  if (body instanceof Uint8Array) return body.length;
  if (typeof Blob === 'function' && body instanceof Blob) return body.size;
  return -1;
}
