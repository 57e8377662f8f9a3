// HTTPClient, the Node build: Godot's poll()-driven state machine over a transport peer and the
// sans-IO parser. Theory of operation:
// - `#status` is Godot's Status; `#conn` is the connection by phase (closed, connecting,
//   handshaking, open), holding exactly the peers that exist in that phase. The status decides
//   which phase poll() works on: RESOLVING and CONNECTING connect, CONNECTED and BODY check
//   liveness, REQUESTING writes the request and reads until the final head.
// - The bytes of a response go from the peer to the open connection's `ResponseReader`, which
//   feeds the parser and keeps what it reports. A final head becomes `#response`, one object the
//   accessors read until the next head (or close()). Body bytes are read off the peer by the body
//   reads, on demand as in Godot, and wait in the reader's queue until a read takes them.
// - Nothing waits: poll() and the reads take what has arrived. news() settles when the peer has
//   something new, or at once when bytes are already waiting. Blocking mode is the exception: its
//   worker-thread peer can block this thread (`waitForNews`) until a poll or a read can finish.
// - Misuse returns an ErrorCode and sets `lastError`; a network or protocol failure moves to a
//   sticky error status. Nothing here throws for either.
import {
  ErrorCode,
  GdhttpError,
  type Method,
  methodToken,
  Status,
  StreamPeerTCPStatus,
  StreamPeerTLSStatus,
} from '@gdhttp/constants';
import {
  hasHeader,
  headerDictionary,
  ParseError,
  type QueryValue,
  queryStringFromDict,
  serializeRequest,
} from '@gdhttp/parser';
import {
  basicProxyAuthorization,
  CloseReason,
  ResolverStatus,
  type StreamPeer,
  StreamPeerTCP,
  StreamPeerTLS,
  StreamPeerWorker,
  TLSError,
  TLSFailureReason,
  TLSOptions,
  TransportError,
} from '@gdhttp/transport';
import pkg from '../package.json' with { type: 'json' };
import {
  authorityHost,
  bodyEndRefusal,
  bodyLengthRefusal,
  bodyPieceRefusal,
  connectArgumentsRefusal,
  connectHost,
  godotBodyLength,
  godotVerifyHeaders,
  hasBodyPhase,
  hostHeaderValue,
  isGodotUrlForm,
  isIpLiteral,
  requestArgumentsRefusal,
  resolvePort,
  stripSchemePrefix,
  withAutomaticHeaders,
} from './internal/godot-rules.js';
import { type ReceivedHead, ResponseReader } from './internal/response-reader.js';
import { ClientSettings, type SettingName } from './internal/setting-rules.js';

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
/**
 * A body up to this size is copied behind the head, so a small request leaves in one write; a
 * larger one is sent by reference after its head and never copied (a 1 GiB upload costs no
 * second GiB).
 */
const INLINE_BODY_MAX = 16 * 1024;
/** Ends each chunk's data in a streamed chunked body (RFC 9112 §7.1). */
const CRLF = new Uint8Array([0x0d, 0x0a]);
/** The last chunk and the empty trailer section that end a chunked body. */
const LAST_CHUNK = encoder.encode('0\r\n\r\n');

/** The User-Agent gdhttp sends unless a header overrides it: names gdhttp and the runtime. */
export const USER_AGENT = `gdhttp/${pkg.version} (Node.js ${process.versions.node}; ${process.platform})`;
const USER_AGENT_LINE = `User-Agent: ${USER_AGENT}`;

interface ProxyAddress {
  host: string;
  port: number;
  /** The `Proxy-Authorization` value, when credentials were given. */
  authorization: string | undefined;
}

/** The peer an open connection is read and written through, by kind. */
type Carrier =
  /** Plain TCP (or a plain proxy's connection): the one peer whose reads can be recycled. */
  | { readonly via: 'tcp'; readonly stream: StreamPeerTCP }
  /** TLS over TCP; `tcp` is the peer under it when this client made the handshake. */
  | { readonly via: 'tls'; readonly stream: StreamPeerTLS; readonly tcp: StreamPeerTCP | null }
  /** The socket in a worker thread (useThreads, blocking mode): the one peer that can block. */
  | { readonly via: 'worker'; readonly stream: StreamPeerWorker }
  /** Another StreamPeer given to the `connection` setter: read and written, never closed here. */
  | { readonly via: 'other'; readonly stream: StreamPeer };

/** An open connection (status CONNECTED, REQUESTING or BODY; CONNECTION_ERROR after a close). */
type OpenConnection = Carrier & {
  readonly phase: 'open';
  /** Its responses, read by the parser. */
  readonly reader: ResponseReader;
};

/**
 * The connection, by phase. Each phase holds the peers that exist in it and nothing else, so the
 * compiler sees that a peer is there wherever it is used.
 */
type Connection =
  /**
   * None. After a response the server closes with, `reader` still holds that response's
   * trailers and 1xx count; close() and connectToHost() drop it.
   */
  | { readonly phase: 'closed'; readonly reader: ResponseReader | null }
  | Connecting
  | Handshaking
  | OpenConnection;

/**
 * Lookup, connect and proxy tunnel (RESOLVING, CONNECTING): a TCP peer, or a worker peer that
 * also does the TLS handshake.
 */
type Connecting =
  | { readonly phase: 'connecting'; readonly via: 'tcp'; readonly peer: StreamPeerTCP }
  | { readonly phase: 'connecting'; readonly via: 'worker'; readonly peer: StreamPeerWorker };

/** The TLS handshake over the connected TCP peer (CONNECTING), which the TLS peer now owns. */
type Handshaking = {
  readonly phase: 'handshaking';
  readonly tcp: StreamPeerTCP;
  readonly tls: StreamPeerTLS;
};

const CLOSED: Connection = { phase: 'closed', reader: null };

/**
 * Godot's `HTTPClient`: a poll-driven HTTP/1.1 client with Godot's states, return codes and
 * defaults, for code ported from GDScript and for anyone who drives I/O from their own loop.
 *
 * Nothing happens without {@link HTTPClient.poll}; `request()` only buffers. Between polls, let
 * the event loop run — a frame tick, or `await client.news()`, which settles exactly when the
 * connection has something new.
 *
 * @example
 * ```ts
 * import { HTTPClient } from '@gdhttp/client';
 * import { Method, Status } from '@gdhttp/constants';
 *
 * const client = new HTTPClient();
 * client.connectToHost('example.com', 80);
 * const busy = new Set<Status>([Status.RESOLVING, Status.CONNECTING, Status.REQUESTING]);
 * let sent = false;
 * while (busy.has(client.getStatus()) || !sent) {
 *   if (client.getStatus() === Status.CONNECTED && !sent) {
 *     client.request(Method.GET, '/', []);
 *     sent = true;
 *   }
 *   const news = client.news();
 *   client.poll();
 *   if (busy.has(client.getStatus())) await news;
 * }
 * console.log(client.getResponseCode());
 * ```
 */
export class HTTPClient {
  #status: Status = Status.DISCONNECTED;
  readonly #settings = new ClientSettings();
  #lastError: GdhttpError | null = null;
  #useThreads = false;
  #blocking = false;

  // Connection parameters, kept across close() as Godot keeps them.
  #host = '';
  #port = -1;
  /** The automatic `Host: …` line for host, port and TLS; built on the first request after they change. */
  #hostLine: string | null = null;
  /** TLS configuration of the connection; `null` for plain HTTP. */
  #tlsOptions: TLSOptions | null = null;
  #httpProxy: ProxyAddress | null = null;
  #httpsProxy: ProxyAddress | null = null;

  // The connection, sampled at connectToHost().
  #viaHttpProxy = false;
  #conn: Connection = CLOSED;

  // The request being sent: its pieces (head, then the body unless it was small enough to join
  // the head), the index of the piece being written, and how far into that piece.
  #pending: Uint8Array[] | null = null;
  #pendingIndex = 0;
  #pendingAt = 0;
  /** Bytes of the current request written so far. */
  #requestWritten = 0;
  /** The head of the last request as serialized (see {@link HTTPClient.requestHead}). */
  #requestHead: Uint8Array | null = null;
  /** Bytes of the pending pieces not yet taken by the connection (see {@link HTTPClient.requestBodyQueued}). */
  #queuedBytes = 0;
  /** The current request's body came through {@link HTTPClient.requestStream}. */
  #streamed = false;
  /** A streamed body takes more pieces (not ended, not refused by an early answer). */
  #bodyOpen = false;
  /** Body bytes a streamed Content-Length body still owes; -1 for a chunked one. */
  #bodyLeft = -1;
  /** The current request's body length: requestRaw's, or a streamed body's bytes put so far. */
  #bodyLength = 0;
  /** Body bytes of a streamed request taken by the connection (framing excluded). */
  #streamedSent = 0;
  /** Pieces of a streamed request that are not body bytes: its head and chunk framing. */
  #framing = new WeakSet<Uint8Array>();
  /** A byte of the response to the last request arrived; kept past a failure, for retry decisions. */
  #responseStarted = false;

  /**
   * The last response's head, as Godot's accessors report it: set when a head arrives, kept until
   * the next head arrives (a new request does not clear it, as in Godot), cleared by close().
   */
  #response: ReceivedHead | null = null;

  /**
   * Connects to `host`, dropping any current connection first (even if the arguments turn out to
   * be invalid, as in Godot).
   *
   * A case-insensitive `http://` prefix forces plain HTTP; `https://` turns TLS on with
   * `TLSOptions.client()` unless options are given. Only the prefix is removed: anything after the
   * host stays part of it. A port below 0 means 80 or 443. A bracketed IPv6 literal (`[::1]`) is
   * accepted. When a proxy is set for this kind of connection, the connection goes to the proxy.
   *
   * @param host - host name or IP address, optionally prefixed by `http://` or `https://`.
   * @param port - the port; -1 (default) for the scheme's default.
   * @param tlsOptions - TLS configuration; `null` for plain HTTP (unless `https://`).
   * @returns `OK` (status RESOLVING for a host name, CONNECTING for an IP literal),
   *   `INVALID_PARAMETER` for server TLS options or a host shorter than 4 characters, or the TCP
   *   error of an IP literal's immediate connect (status CANT_CONNECT).
   */
  connectToHost(host: string, port = -1, tlsOptions: TLSOptions | null = null): ErrorCode {
    this.close();
    const wrong = connectArgumentsRefusal(host, port);
    if (wrong !== null) return this.#refuse(wrong);
    // Godot 3's third parameter was `use_ssl: bool`; every old script passes `true` there.
    if (tlsOptions !== null && !(tlsOptions instanceof TLSOptions)) {
      return this.#refuse(
        'tlsOptions must be a TLSOptions or null (for TLS pass TLSOptions.client(), not true)',
      );
    }
    const prefixed = stripSchemePrefix(host);
    let options = tlsOptions;
    if (prefixed.scheme === 'http') options = null;
    else if (prefixed.scheme === 'https' && options === null) options = TLSOptions.client();
    const tls = options !== null;
    if (options?.isServer()) {
      return this.#refuse('connectToHost needs client TLS options, not server options');
    }
    const checked = connectHost(prefixed.host);
    if ('refused' in checked) return this.#refuse(checked.refused);
    const bare = checked.host;
    this.#host = bare;
    this.#tlsOptions = options;
    this.#port = resolvePort(port, tls);
    this.#hostLine = null;

    const proxy = tls ? this.#httpsProxy : this.#httpProxy;
    this.#viaHttpProxy = !tls && proxy !== null;
    const server = proxy ?? { host: bare, port: this.#port };
    // Through an HTTPS proxy the TCP peer opens a CONNECT tunnel (with a correct `Host: host:port`,
    // where Godot sends `Host: :-1`) and stays CONNECTING until the proxy answers 2xx.
    const tunnel =
      tls && proxy !== null
        ? {
            tunnel: {
              host: bare,
              port: this.#port,
              ...(proxy.authorization === undefined
                ? {}
                : { proxyAuthorization: proxy.authorization }),
            },
          }
        : {};
    const connectTimeout = this.#settings.connectTimeout;
    let err: ErrorCode;
    if (this.#useThreads || this.#blocking) {
      // One peer does it all in its worker: lookup, connect, tunnel, and TLS named after the host.
      const peer = new StreamPeerWorker({ connectTimeout });
      this.#conn = { phase: 'connecting', via: 'worker', peer };
      err = peer.connectToHost(server.host, server.port, {
        ...tunnel,
        ...(options === null ? {} : { tls: { commonName: bare, options } }),
      });
    } else {
      const peer = new StreamPeerTCP({ connectTimeout });
      this.#conn = { phase: 'connecting', via: 'tcp', peer };
      err = peer.connectToHost(server.host, server.port, tunnel);
    }
    if (err !== ErrorCode.OK) {
      this.#lastError = new TransportError(
        `cannot connect to ${server.host}:${server.port}: invalid address`,
        err,
      );
      this.#status = Status.CANT_CONNECT;
      return err;
    }
    this.#status = isIpLiteral(server.host) ? Status.CONNECTING : Status.RESOLVING;
    return ErrorCode.OK;
  }

  /**
   * Advances the state machine: resolves, connects, negotiates the proxy tunnel and TLS, sends a
   * buffered request and reads the response head. Synchronous and non-blocking.
   *
   * @returns `OK`; `UNCONFIGURED` when DISCONNECTED; `CANT_RESOLVE`, `CANT_CONNECT` or
   *   `CONNECTION_ERROR` when the client is (or just went) in the matching error state.
   */
  poll(): ErrorCode {
    // The status says which phase the connection is in; the checks on it are for the compiler.
    const conn = this.#conn;
    switch (this.#status) {
      case Status.DISCONNECTED:
        return ErrorCode.UNCONFIGURED;
      case Status.RESOLVING:
      case Status.CONNECTING:
        if (conn.phase === 'connecting') return this.#pollConnecting(conn);
        if (conn.phase === 'handshaking') return this.#pollHandshake(conn);
        return ErrorCode.UNCONFIGURED;
      case Status.CONNECTED:
      case Status.BODY:
        return conn.phase === 'open' ? this.#pollAlive(conn) : ErrorCode.UNCONFIGURED;
      case Status.REQUESTING:
        if (conn.phase !== 'open') return ErrorCode.UNCONFIGURED;
        return this.#blocking && conn.via === 'worker'
          ? this.#pollRequestingBlocked(conn, conn.stream)
          : this.#pollRequesting(conn);
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
   * Buffers a request with a UTF-8 body; the next polls send it. Same contract as
   * {@link HTTPClient.requestRaw}.
   */
  request(method: Method, url: string, headers: readonly string[], body = ''): ErrorCode {
    if (typeof body !== 'string')
      return this.#refuse('body must be a string (requestRaw takes bytes)');
    return this.requestRaw(method, url, headers, body === '' ? EMPTY : encoder.encode(body));
  }

  /**
   * Buffers a request; the next polls send it. Godot's automatic headers follow the caller's:
   * Host, Content-Length (also `0` for an empty POST/PUT/PATCH), User-Agent and Accept, each
   * unless a caller's header starts with its name and a colon.
   *
   * @param method - a {@link Method}.
   * @param url - `/path?query`, an absolute `http(s)://` URL, `host:port` for CONNECT, `*` for OPTIONS.
   * @param headers - `"Name: value"` strings, sent in order.
   * @param body - the body, sent as given. One over 16 KiB is sent by reference, never copied:
   *   do not modify it while the status is REQUESTING.
   * @returns `OK` (status REQUESTING), `INVALID_PARAMETER` for a bad method, URL, header (CR, LF
   *   or NUL included) or argument type, or when the status is not CONNECTED, `INVALID_DATA`
   *   without a stream.
   */
  requestRaw(method: Method, url: string, headers: readonly string[], body: Uint8Array): ErrorCode {
    if (!(body instanceof Uint8Array)) return this.#refuse('body must be a Uint8Array');
    return this.#begin(method, url, headers, body, body.length);
  }

  /**
   * Starts a request whose body is sent as it comes, for bodies that are not in memory (a file,
   * a stream): a gdhttp addition. The head is buffered as by {@link HTTPClient.requestRaw}; then
   * {@link HTTPClient.putRequestBodyData} queues each piece (by reference, never copied) and
   * {@link HTTPClient.endRequestBody} ends the body; the polls send them. A length of 0 or more
   * is sent as `Content-Length` (a caller's `Content-Length` header wins, as in requestRaw) and
   * the body must be exactly that long; -1 sends `Transfer-Encoding: chunked` (RFC 9112 §7.1),
   * each piece one chunk. The status stays REQUESTING until the body ended and the response head
   * arrived; an answer that arrives first (a 413, a 417 to `Expect: 100-continue`) ends the body:
   * later puts return `UNAVAILABLE`, and the connection is closed after that response.
   *
   * Queue a piece when {@link HTTPClient.requestBodyQueued} is small (0 keeps one piece in flight
   * beyond the connection's write window); that is the backpressure.
   *
   * @param method - a {@link Method}.
   * @param url - as for requestRaw.
   * @param headers - `"Name: value"` strings, sent in order.
   * @param bodyLength - the body's length in bytes, or -1 when unknown (chunked).
   * @returns `OK` (status REQUESTING) or requestRaw's codes; `INVALID_PARAMETER` for a length
   *   that is not an integer of at least -1, or -1 with a caller's `Content-Length`;
   *   `UNAVAILABLE` for -1 on a connection whose server answered as HTTP/1.0, which has no
   *   chunked coding.
   * @see https://www.rfc-editor.org/rfc/rfc9112#section-6
   * @example
   * ```ts
   * // status CONNECTED
   * client.requestStream(Method.PUT, '/upload', [], -1); // chunked
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
    if (bodyLength === -1 && Array.isArray(headers) && hasHeader(headers, 'content-length')) {
      return this.#refuse('a body of unknown length (-1) cannot have a Content-Length header');
    }
    // An HTTP/1.0 server may not understand chunked bodies.
    if (
      bodyLength === -1 &&
      this.#response?.parsed.versionMinor === 0 &&
      this.#status === Status.CONNECTED
    ) {
      this.#lastError = new GdhttpError(
        'the server answered as HTTP/1.0, which has no chunked transfer coding: give the body length',
        ErrorCode.UNAVAILABLE,
      );
      return ErrorCode.UNAVAILABLE;
    }
    return this.#begin(method, url, headers, null, bodyLength);
  }

  /**
   * Queues the next piece of a body started with {@link HTTPClient.requestStream}, by reference:
   * do not modify it until {@link HTTPClient.requestBodyQueued} is 0. An empty piece is ignored.
   *
   * @param data - body bytes.
   * @returns `OK`; `INVALID_PARAMETER` without a streamed request, after its end, for bytes that
   *   are not a Uint8Array or past the announced length; `UNAVAILABLE` when the status left
   *   REQUESTING (the server answered, the connection failed): the body is no longer wanted.
   */
  putRequestBodyData(data: Uint8Array): ErrorCode {
    const refused = this.#bodyRefusal();
    if (refused !== ErrorCode.OK) return refused;
    const wrong = bodyPieceRefusal(data, this.#bodyLeft);
    if (wrong !== null) return this.#refuse(wrong);
    if (data.length === 0) return ErrorCode.OK;
    const pieces = this.#pending!;
    if (this.#bodyLeft >= 0) {
      this.#bodyLeft -= data.length;
      // The whole length has been put: the body ends, and the response may follow it.
      if (this.#bodyLeft === 0) this.#bodyOpen = false;
      pieces.push(data);
    } else {
      const size = encoder.encode(`${data.length.toString(16)}\r\n`);
      this.#framing.add(size);
      this.#framing.add(CRLF);
      pieces.push(size, data, CRLF);
      this.#queuedBytes += size.length + CRLF.length;
    }
    this.#queuedBytes += data.length;
    this.#bodyLength += data.length;
    return ErrorCode.OK;
  }

  /**
   * Ends a body started with {@link HTTPClient.requestStream}: the last chunk for a chunked body;
   * nothing to send for a Content-Length body, which must have been put whole.
   *
   * @returns `OK` (also when a Content-Length body ended with its last byte); requestStream's
   *   `INVALID_PARAMETER` and `UNAVAILABLE`, and `INVALID_PARAMETER` when a Content-Length body is
   *   short (the request cannot be completed: close the client).
   */
  endRequestBody(): ErrorCode {
    if (
      this.#streamed &&
      !this.#bodyOpen &&
      this.#bodyLeft <= 0 &&
      this.#status === Status.REQUESTING
    ) {
      return ErrorCode.OK;
    }
    const refused = this.#bodyRefusal();
    if (refused !== ErrorCode.OK) return refused;
    const short = bodyEndRefusal(this.#bodyLeft);
    if (short !== null) return this.#refuse(short);
    this.#framing.add(LAST_CHUNK);
    this.#pending!.push(LAST_CHUNK);
    this.#queuedBytes += LAST_CHUNK.length;
    this.#bodyOpen = false;
    return ErrorCode.OK;
  }

  /** Why a streamed body cannot take more now, or OK. */
  #bodyRefusal(): ErrorCode {
    if (!this.#streamed) return this.#refuse('no request started with requestStream()');
    if (this.#status !== Status.REQUESTING || this.#pending === null) {
      this.#lastError = new GdhttpError(
        'the body is no longer wanted: the server answered or the connection ended',
        ErrorCode.UNAVAILABLE,
      );
      return ErrorCode.UNAVAILABLE;
    }
    if (!this.#bodyOpen) return this.#refuse('the body has ended');
    return ErrorCode.OK;
  }

  /**
   * Bytes of the current request queued and not yet taken by the connection (head, body and
   * chunk framing): a gdhttp addition, the backpressure signal of a streamed body.
   */
  get requestBodyQueued(): number {
    return this.#pending === null ? 0 : this.#queuedBytes;
  }

  /**
   * Body bytes of the current request taken by the connection so far (chunk framing not counted):
   * a gdhttp addition for upload progress. "Taken" means handed to the socket, whose write
   * window holds up to a few MiB more than the peer has received.
   */
  get requestBodySent(): number {
    if (this.#streamed) return this.#streamedSent;
    const head = this.#requestHead?.length ?? 0;
    return Math.max(0, Math.min(this.#bodyLength, this.#requestWritten - head));
  }

  /**
   * 1xx interim responses (101 aside) received for the current request: a gdhttp addition. A
   * caller that sent `Expect: 100-continue` waits for this to become non-zero before the body
   * (RFC 9110 §10.1.1).
   */
  get informationalResponses(): number {
    return this.#lastReader()?.informational ?? 0;
  }

  /** Both ways to start a request: `body` in memory, or `null` for a streamed body of `bodyLength`. */
  #begin(
    method: Method,
    url: string,
    headers: readonly string[],
    body: Uint8Array | null,
    bodyLength: number,
  ): ErrorCode {
    const token = methodToken(method);
    if (token === undefined) return this.#refuse(`method ${String(method)} is not a Method`);
    const wrong = requestArgumentsRefusal(url, headers);
    if (wrong !== null) return this.#refuse(wrong);
    if (!isGodotUrlForm(method, url))
      return this.#refuse('url must start with "/", "http://" or "https://"');
    if (this.#status !== Status.CONNECTED) {
      return this.#refuse(`request() needs status CONNECTED, not ${this.#status}`);
    }
    const conn = this.#conn;
    if (conn.phase !== 'open') {
      this.#lastError = new GdhttpError('no connection to send on', ErrorCode.INVALID_DATA);
      return ErrorCode.INVALID_DATA;
    }
    if (!godotVerifyHeaders(headers)) return this.#refuse('every header must be "Name: value"');
    // Through a plain HTTP proxy the target is the absolute URL (RFC 9112 §3.2.2); Godot always
    // writes the port there.
    const target =
      this.#viaHttpProxy && url.startsWith('/')
        ? `http://${authorityHost(this.#host)}:${this.#port}${url}`
        : url;
    this.#hostLine ??= `Host: ${hostHeaderValue(this.#host, this.#port, this.#tlsOptions !== null)}`;
    const chunked = bodyLength === -1;
    const own = chunked && !hasHeader(headers, 'transfer-encoding');
    const given = own ? [...headers, 'Transfer-Encoding: chunked'] : headers;
    let all = withAutomaticHeaders(given, {
      method,
      hostLine: this.#hostLine,
      bodyLength: chunked ? 0 : bodyLength,
      userAgentLine: USER_AGENT_LINE,
    });
    // A chunked body has no Content-Length (RFC 9112 §6.3): drop the automatic one Godot's rule
    // adds for an empty POST/PUT/PATCH.
    if (chunked) {
      all = all.filter((line, i) => i < given.length || !/^content-length:/i.test(line));
    }
    const authorization = this.#httpProxy?.authorization;
    if (
      this.#viaHttpProxy &&
      authorization !== undefined &&
      !hasHeader(headers, 'proxy-authorization')
    ) {
      all.push(`Proxy-Authorization: ${authorization}`);
    }
    let pieces: Uint8Array[];
    try {
      pieces =
        body === null
          ? [serializeRequest(token, target, all, EMPTY)]
          : body.length <= INLINE_BODY_MAX
            ? [serializeRequest(token, target, all, body)]
            : [serializeRequest(token, target, all, EMPTY), body];
    } catch (error) {
      // CR, LF or NUL somewhere, or an invalid token: Godot would send it (request splitting).
      this.#lastError =
        error instanceof GdhttpError
          ? error
          : new GdhttpError(String(error), ErrorCode.INVALID_PARAMETER);
      return ErrorCode.INVALID_PARAMETER;
    }
    // The head alone, without an inline body: a view, no copy.
    const first = pieces[0]!;
    const inline = body !== null && pieces.length === 1 ? body.length : 0;
    this.#requestHead = first.subarray(0, first.length - inline);
    this.#pending = pieces;
    this.#pendingIndex = 0;
    this.#pendingAt = 0;
    this.#queuedBytes = first.length + (pieces[1]?.length ?? 0);
    this.#streamed = body === null;
    this.#bodyOpen = body === null && bodyLength !== 0;
    this.#bodyLeft = chunked ? -1 : bodyLength;
    this.#bodyLength = body === null ? 0 : body.length;
    this.#streamedSent = 0;
    if (body === null) this.#framing.add(first);
    this.#requestWritten = 0;
    this.#responseStarted = false;
    conn.reader.clearBody();
    conn.reader.begin(token);
    this.#lastError = null;
    this.#status = Status.REQUESTING;
    return ErrorCode.OK;
  }

  /**
   * Reads body bytes in status BODY, as Godot: what has arrived, up to
   * {@link HTTPClient.readChunkSize} (and the end of the body). A chunked body comes one chunk per
   * call, never two joined; a chunk larger than `readChunkSize` comes in `readChunkSize` pieces
   * (Godot returns it whole). Returns an empty array when nothing (or only part of a smaller chunk)
   * has arrived yet. When the body ends, the status becomes CONNECTED (keep-alive) or DISCONNECTED
   * (the server closes); a body cut short becomes CONNECTION_ERROR, with the bytes that did arrive
   * still returned by that call. The bytes stay valid for as long as they are kept: a view of the
   * received memory where they lie together in it, else one copy (a chunk split across two socket
   * reads). Do not modify them.
   */
  readResponseBodyChunk(): Uint8Array {
    return this.#readBody(false);
  }

  /**
   * A gdhttp addition for code that streams the body on (HTTPRequest does): the next body bytes
   * that have arrived, at most {@link HTTPClient.readChunkSize}, as a view of the received bytes —
   * never a copy. Unlike {@link HTTPClient.readResponseBodyChunk} it never joins two socket reads
   * (Godot's read fills its buffer from as many reads as have arrived) nor waits for a whole chunk
   * of a chunked body, so pieces may be smaller; statuses change exactly as there. Do not modify
   * the returned bytes.
   *
   * With `transient` true, the bytes are valid only until the next body read or `poll()` of this
   * client: over plain TCP the connection then reads into a few recycled buffers instead of new
   * memory for every read (less than half the CPU of a long download). Copy what you keep. Without
   * it (the default) a view stays valid for as long as it is kept. A transient read once the body
   * has ended (status CONNECTED) returns nothing and lets the connection reuse the memory of the
   * last view: a caller that read the body in transient views makes one more such read when it is
   * done with the last one.
   *
   * @param transient - whether the caller is done with each view before its next read.
   */
  readResponseBodyView(transient = false): Uint8Array {
    return this.#readBody(true, transient);
  }

  /** Both body reads: `view` takes one received piece, else Godot's gathered chunk. */
  #readBody(view: boolean, transient = false): Uint8Array {
    const conn = this.#conn;
    if (this.#status !== Status.BODY || conn.phase !== 'open') {
      // A transient read after the body ended on a connection kept open: the caller is done
      // with the last view, so the buffer it lay in may serve other reads (of any connection).
      if (transient && conn.phase === 'open' && conn.via === 'tcp' && conn.reader.queued === 0) {
        conn.stream.recycleReads();
      }
      return EMPTY;
    }
    // Recycling needs the bytes read so far to be dead: the caller is done with its last view,
    // the raw head was copied, and the reader names the buffers of the pieces it still queues. A
    // non-transient read withdraws what it hands out from recycling, below.
    if (conn.via !== 'tcp') return this.#readBodyNow(conn, view);
    const reader = conn.reader;
    if (transient) {
      conn.stream.recycleReads(reader.queued === 0 ? null : reader.holds);
      return this.#readBodyNow(conn, view);
    }
    const chunk = this.#readBodyNow(conn, view);
    conn.stream.keepReads();
    return chunk;
  }

  #readBodyNow(conn: OpenConnection, view: boolean): Uint8Array {
    const reader = conn.reader;
    let ended = this.#fill(conn, view);
    if (this.#blocking && conn.via === 'worker') {
      // Blocking mode: wait until the read can return all it may — readChunkSize bytes, the end of
      // the current chunk, or the end of the body. A close or a failure is news too, so a server
      // that dies ends the wait.
      while (this.#status === Status.BODY && !ended && !this.#readSatisfied(reader, view)) {
        conn.stream.waitForNews();
        ended = this.#fill(conn, view);
      }
    }
    return this.#takeBody(conn, view, ended);
  }

  /**
   * Reads what has arrived into the reader, as Godot does: up to readChunkSize (a view needs one
   * piece) and the end of the body. Returns true when the stream has ended.
   */
  #fill(conn: OpenConnection, view: boolean): boolean {
    const { stream, reader } = conn;
    const max = this.#settings.readChunkSize;
    const wanted = view ? 1 : max;
    if (reader.queued >= wanted || !reader.moreToRead) return false;
    stream.poll();
    while (reader.queued < wanted && reader.moreToRead) {
      const data = stream.getPartialData(max - reader.queued);
      if (data.length === 0) return this.#checkClosed(conn);
      if (!this.#feed(reader, data)) return false;
    }
    return false;
  }

  /** Blocking mode: whether a body read may return now (see {@link HTTPClient.blockingModeEnabled}). */
  #readSatisfied(reader: ResponseReader, view: boolean): boolean {
    if (!reader.moreToRead || reader.error !== null) return true;
    if (view) return reader.queued > 0;
    const max = this.#settings.readChunkSize;
    return reader.chunkedBody ? reader.readable(max) > 0 : reader.queued >= max;
  }

  /** Hands out the next body bytes, and ends the response when they were the last. */
  #takeBody(conn: OpenConnection, view: boolean, ended: boolean): Uint8Array {
    const reader = conn.reader;
    const max = this.#settings.readChunkSize;
    // After a failure the bytes that did arrive are still handed out, as Godot does.
    const chunk = view ? reader.takePiece(max) : reader.take(max);
    if (this.#status === Status.BODY && reader.queued === 0) {
      if (reader.error !== null) {
        // The body broke off (a malformed chunk, a truncation): every byte before the error has
        // now been handed out, so the error is reported.
        this.#fail(Status.CONNECTION_ERROR, reader.error, ErrorCode.CONNECTION_ERROR);
      } else if (reader.messageComplete && (ended || !reader.upgraded)) {
        this.#endOfResponse(conn);
      }
    }
    return chunk;
  }

  /** The current status. Never does I/O. */
  getStatus(): Status {
    return this.#status;
  }

  /** The final response's status code; 0 before one arrived. */
  getResponseCode(): number {
    return this.#response?.parsed.status ?? 0;
  }

  /**
   * The final response's header lines exactly as Godot stores them: each line as sent, decoded as
   * UTF-8 and trimmed (`"Name:value"` stays without a space), in order, duplicates kept. Unlike
   * Godot, reading them does not consume them: they stay until the next response's head arrives
   * or {@link HTTPClient.close}.
   */
  getResponseHeaders(): string[] {
    return this.#response?.lines.slice() ?? [];
  }

  /**
   * The headers as a dictionary. Names keep the spelling of their first occurrence and are
   * matched case-insensitively; repeated fields are combined with `", "` (RFC 9110 §5.3) where
   * Godot keeps only the last. Use {@link HTTPClient.getResponseHeaders} for `Set-Cookie`.
   */
  getResponseHeadersAsDictionary(): Record<string, string> {
    return headerDictionary(this.#response?.lines ?? []);
  }

  /** Trailer fields of a chunked response (an addition: Godot discards them), once the body ended. */
  getResponseTrailers(): string[] {
    return this.#lastReader()?.trailers.slice() ?? [];
  }

  /**
   * The body length: the Content-Length value, 0 for a response that has no body (HEAD, 204,
   * 304), -1 when unknown (chunked, read until close) or before a response.
   */
  getResponseBodyLength(): number {
    return this.#response === null ? -1 : godotBodyLength(this.#response.parsed);
  }

  /** True when the last response's head has at least one header line (Godot's rule). */
  hasResponse(): boolean {
    return (this.#response?.lines.length ?? 0) > 0;
  }

  /**
   * True when the last response says `Transfer-Encoding: chunked` (its final coding), also for
   * HEAD, 204 and 304 responses whose body is empty anyway, as Godot reports it.
   */
  isResponseChunked(): boolean {
    return this.#response?.parsed.chunked ?? false;
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
   * Sets the proxy for plain HTTP connections (absolute-form requests); `''` or port -1 clears it.
   * Takes effect at the next {@link HTTPClient.connectToHost}.
   *
   * @param username - optional Basic credentials (Godot PR #101358), sent as `Proxy-Authorization`.
   */
  setHttpProxy(host: string, port: number, username?: string, password?: string): void {
    const proxy = this.#proxyAddress(host, port, username, password);
    if (proxy !== undefined) this.#httpProxy = proxy;
  }

  /**
   * Sets the proxy for TLS connections (a CONNECT tunnel); `''` or port -1 clears it. Takes effect
   * at the next {@link HTTPClient.connectToHost}.
   *
   * @param username - optional Basic credentials, sent on the CONNECT request only.
   */
  setHttpsProxy(host: string, port: number, username?: string, password?: string): void {
    const proxy = this.#proxyAddress(host, port, username, password);
    if (proxy !== undefined) this.#httpsProxy = proxy;
  }

  /** Godot's proxy setting rule; `undefined` (setting refused, `lastError` set) for bad credentials. */
  #proxyAddress(
    host: string,
    port: number,
    username: string | undefined,
    password: string | undefined,
  ): ProxyAddress | null | undefined {
    if (host === '' || port === -1) return null;
    if (typeof host !== 'string' || !Number.isInteger(port)) {
      this.#refuse('a proxy needs a host string and an integer port');
      return undefined;
    }
    if (username === undefined) return { host, port, authorization: undefined };
    try {
      return { host, port, authorization: basicProxyAuthorization(username, password ?? '') };
    } catch (error) {
      this.#refuse(`proxy credentials refused: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** Closes the connection (ending its worker thread, if any) and returns to DISCONNECTED. Safe in any state. */
  close(): void {
    this.#dropConnection();
    this.#conn = CLOSED;
    this.#pending = null;
    this.#bodyOpen = false;
    this.#response = null;
    this.#status = Status.DISCONNECTED;
  }

  /**
   * A promise that settles when the connection has news — bytes, connect, handshake, close, an
   * error — or at once if something happened since the last poll. Await it between polls instead
   * of sleeping. Settles at once when there is no connection to wait for.
   */
  news(): Promise<void> {
    // The transport announces changes, not unread bytes: when bytes the current state consumes are
    // already waiting (a full buffer pauses the socket, so no event would follow), that is news now.
    // So is a connect the last poll saw finish while it only took the step to CONNECTING.
    const conn = this.#conn;
    const status = this.#status;
    switch (conn.phase) {
      case 'closed':
        return Promise.resolve();
      case 'connecting':
        if (
          status === Status.CONNECTING &&
          conn.peer.getStatus() !== StreamPeerTCPStatus.CONNECTING
        ) {
          return Promise.resolve();
        }
        return conn.peer.news();
      case 'handshaking':
        return conn.tls.news();
      case 'open': {
        // A StreamPeer of another kind is polled without waiting, as it always was.
        if (conn.via === 'other') return Promise.resolve();
        const stream = conn.stream;
        if (
          (status === Status.BODY &&
            (conn.reader.readable(this.#settings.readChunkSize) > 0 ||
              stream.getAvailableBytes() > 0)) ||
          (status === Status.REQUESTING && stream.getAvailableBytes() > 0)
        ) {
          return Promise.resolve();
        }
        return stream.news();
      }
    }
  }

  /**
   * The head of the last request exactly as it goes on the wire — request line, header lines (the
   * automatic ones included) and the blank line — a gdhttp addition for logging and tools (`gdhttp
   * -v` prints it). Set by {@link HTTPClient.requestRaw} and kept until the next request, past a
   * failure or `close()`, so a failed request can still be logged; `null` before any. Do not
   * modify it.
   */
  get requestHead(): Uint8Array | null {
    return this.#requestHead;
  }

  /**
   * Whether any byte of a response to the current request has arrived (a gdhttp addition). It is
   * false from {@link HTTPClient.requestRaw} until the first byte, so a caller deciding whether a
   * failed request may be retried knows the server sent nothing back (RFC 9110 §9.2.2: even then,
   * only an idempotent request may be retried automatically).
   */
  get responseStarted(): boolean {
    return this.#responseStarted;
  }

  /** The failure behind the last error status or refused call, for the detail Godot only prints. */
  get lastError(): GdhttpError | null {
    return this.#lastError;
  }

  /**
   * Bytes read per `readResponseBodyChunk()` and per read of the response head: 256–16,777,216
   * (default 65,536). Values outside the range are refused and the old one kept (`lastError`).
   */
  get readChunkSize(): number {
    return this.#settings.readChunkSize;
  }
  set readChunkSize(size: number) {
    this.#update('readChunkSize', size);
  }

  /**
   * Largest response head (status line to blank line) and trailer section, in bytes: a gdhttp
   * addition (Godot has no limit), default 16,384 as in Node, undici and h11. It bounds what a
   * head can cost in memory. Applies from the next connection; values below 64 are refused and
   * the old one kept (`lastError`).
   */
  get maxHeaderSize(): number {
    return this.#settings.maxHeaderSize;
  }
  set maxHeaderSize(bytes: number) {
    this.#update('maxHeaderSize', bytes);
  }

  /**
   * Most field lines in a response head (and trailer section): a gdhttp addition, default 2,000
   * as Node's `maxHeadersCount` (curl, Godot and undici set no count). Applies from the next
   * connection; values below 1 are refused and the old one kept (`lastError`).
   */
  get maxHeaderCount(): number {
    return this.#settings.maxHeaderCount;
  }
  set maxHeaderCount(count: number) {
    this.#update('maxHeaderCount', count);
  }

  /** Takes a setting's new value, or keeps the old one and says why in `lastError`. */
  #update(name: SettingName, value: number): void {
    const refusal = this.#settings.update(name, value);
    if (refusal !== null) this.#lastError = refusal;
  }

  /**
   * Seconds allowed for each resolved address's TCP connect (and a proxy's CONNECT answer):
   * Godot's project setting `network/limits/tcp/connect_timeout_seconds`, default 30. Applies from
   * the next {@link HTTPClient.connectToHost}; values of 0 or below are refused.
   */
  get connectTimeout(): number {
    return this.#settings.connectTimeout;
  }
  set connectTimeout(seconds: number) {
    this.#update('connectTimeout', seconds);
  }

  /**
   * Godot's blocking mode (default false). When true, `poll()` in REQUESTING sends the request and
   * blocks until the response head has arrived, and `readResponseBodyChunk()` blocks until it can
   * return `readChunkSize` bytes, the rest of the current chunk, or the rest of the body (a view
   * read: at least one byte). A connection that fails or closes ends every wait, with the bytes
   * that did arrive; a server that stays silent with the connection open blocks as long as in
   * Godot. The calling thread blocks (`Atomics.wait`): nothing else runs on it meanwhile.
   *
   * Blocking needs a connection whose socket lives in a worker thread (see
   * {@link HTTPClient.useThreads}), so enabling it also makes the next `connectToHost()` use one.
   * Enabling it while an event-loop connection is open is refused (`UNAVAILABLE`, the value stays
   * false): call `connectToHost()` again after enabling it. Unlike Godot, a read in blocking mode
   * never loses the bytes of a read-until-close body that ends before `readChunkSize` (Godot's
   * blocking read of such a body returns nothing for its last piece).
   *
   * @example
   * ```ts
   * const http = new HTTPClient();
   * http.blockingModeEnabled = true;
   * http.connectToHost('example.com', 80);
   * while (http.getStatus() === Status.RESOLVING || http.getStatus() === Status.CONNECTING) {
   *   http.poll();
   *   delayMsec(1);
   * }
   * http.request(Method.GET, '/', []);
   * http.poll(); // returns once the head arrived: status BODY, CONNECTED or an error
   * const first = http.readResponseBodyChunk(); // readChunkSize bytes, or the whole short body
   * ```
   */
  get blockingModeEnabled(): boolean {
    return this.#blocking;
  }
  set blockingModeEnabled(enabled: boolean) {
    if (typeof enabled !== 'boolean') {
      this.#refuse('blockingModeEnabled must be a boolean');
      return;
    }
    if (enabled && this.#onEventLoop()) {
      this.#lastError = new GdhttpError(
        'blocking mode needs a connection in a worker thread: enable it before connectToHost()',
        ErrorCode.UNAVAILABLE,
      );
      return;
    }
    this.#blocking = enabled;
  }

  /**
   * A gdhttp addition (default false): when true, each connection's socket — lookup, connect,
   * proxy tunnel, TLS — lives in a worker thread, and the client reads and writes it through shared
   * memory ({@link StreamPeerWorker}). Then `poll()` sees progress even when the caller never
   * yields to the event loop: a synchronous Godot loop (`poll(); delayMsec(500)`) works as in
   * Godot. Off, the client uses the event loop's sockets, which is faster (no extra copy, no
   * thread) and what async code wants. Applies from the next {@link HTTPClient.connectToHost};
   * {@link HTTPClient.blockingModeEnabled} implies it. The worker ends with the connection:
   * `close()`, a server closing, garbage collection of an abandoned client, or process exit.
   *
   * @example
   * ```ts
   * const http = new HTTPClient();
   * http.useThreads = true;
   * http.connectToHost('127.0.0.1', 8080);
   * while (http.getStatus() === Status.CONNECTING || http.getStatus() === Status.RESOLVING) {
   *   http.poll();
   *   delayMsec(500); // OS.delay_msec(500)
   * }
   * ```
   */
  get useThreads(): boolean {
    return this.#useThreads;
  }
  set useThreads(enabled: boolean) {
    if (typeof enabled !== 'boolean') {
      this.#refuse('useThreads must be a boolean');
      return;
    }
    this.#useThreads = enabled;
  }

  /**
   * The stream the client reads and writes: the TLS peer once TLS started, else the TCP peer;
   * `null` when disconnected. Setting a stream closes the current connection and adopts it in
   * status CONNECTED (a TLS peer is required while TLS options are set); `null` is refused.
   */
  get connection(): StreamPeer | null {
    const conn = this.#conn;
    if (conn.phase === 'open') return conn.stream;
    if (conn.phase === 'connecting') return conn.peer;
    return conn.phase === 'handshaking' ? conn.tls : null;
  }
  set connection(stream: StreamPeer | null) {
    if (stream === null) {
      this.#refuse('connection cannot be set to null');
      return;
    }
    if (stream === this.connection) return;
    const secure =
      stream instanceof StreamPeerTLS ||
      (stream instanceof StreamPeerWorker &&
        stream.getTlsStatus() !== StreamPeerTLSStatus.DISCONNECTED);
    if (this.#tlsOptions !== null && !secure) {
      this.#refuse('a TLS connection needs a StreamPeerTLS (or a StreamPeerWorker running TLS)');
      return;
    }
    this.close();
    this.#connected(
      stream instanceof StreamPeerTLS
        ? { via: 'tls', stream, tcp: null }
        : stream instanceof StreamPeerTCP
          ? { via: 'tcp', stream }
          : stream instanceof StreamPeerWorker
            ? { via: 'worker', stream }
            : { via: 'other', stream },
    );
  }

  /** Whether a connection exists whose socket is on the event loop (not in a worker thread). */
  #onEventLoop(): boolean {
    const conn = this.#conn;
    switch (conn.phase) {
      case 'closed':
        return false;
      case 'handshaking':
        return true;
      case 'connecting':
      case 'open':
        return conn.via !== 'worker';
    }
  }

  /** The reader of the current or last connection: its response's trailers and 1xx count. */
  #lastReader(): ResponseReader | null {
    const conn = this.#conn;
    return conn.phase === 'open' || conn.phase === 'closed' ? conn.reader : null;
  }

  #refuse(message: string): ErrorCode {
    this.#lastError = new GdhttpError(message, ErrorCode.INVALID_PARAMETER);
    return ErrorCode.INVALID_PARAMETER;
  }

  /** Ends in an error state: sticky until connectToHost() or close(). */
  #fail(status: Status, error: GdhttpError | null, code: ErrorCode, close = true): ErrorCode {
    if (close) this.close();
    this.#status = status;
    this.#lastError = error;
    return code;
  }

  /** RESOLVING or CONNECTING over the TCP peer, or the worker peer that does it all. */
  #pollConnecting(conn: Connecting): ErrorCode {
    // The TCP peer, or the worker peer that also does the tunnel and TLS: same states, same codes.
    const peer = conn.peer;
    peer.poll();
    const peerStatus = peer.getStatus();
    const failed =
      peerStatus === StreamPeerTCPStatus.ERROR || peerStatus === StreamPeerTCPStatus.NONE;
    if (failed && peer.lastError?.code === ErrorCode.CANT_RESOLVE) {
      return this.#fail(Status.CANT_RESOLVE, peer.lastError, ErrorCode.CANT_RESOLVE);
    }
    if (this.#status === Status.RESOLVING && peer.getResolverStatus() === ResolverStatus.DONE) {
      // Godot moves one step per poll: the poll that takes the addresses only starts connecting,
      // even when the socket has connected (or failed) meanwhile; news() settles at once for that.
      this.#status = Status.CONNECTING;
      return ErrorCode.OK;
    }
    if (failed) return this.#failConnecting(peer.lastError);
    if (peerStatus === StreamPeerTCPStatus.CONNECTING) return ErrorCode.OK;
    if (conn.via === 'worker') return this.#connected({ via: 'worker', stream: conn.peer });
    const tcp = conn.peer;
    const options = this.#tlsOptions;
    if (options === null) return this.#connected({ via: 'tcp', stream: tcp });
    // TLS over the TCP stream (or the proxy tunnel), named after the host given to
    // connectToHost(): SNI and verification name, as in Godot.
    const tls = new StreamPeerTLS();
    const err = tls.connectToStream(tcp, this.#host, options);
    if (err !== ErrorCode.OK) {
      return this.#fail(Status.TLS_HANDSHAKE_ERROR, tls.lastError, ErrorCode.CANT_CONNECT);
    }
    const handshaking: Handshaking = { phase: 'handshaking', tcp, tls };
    this.#conn = handshaking;
    return this.#pollHandshake(handshaking);
  }

  /** The TLS handshake (CONNECTING): the TLS peer owns the socket now, so only it has news. */
  #pollHandshake(conn: Handshaking): ErrorCode {
    const peer = conn.tls;
    peer.poll();
    const tlsStatus = peer.getStatus();
    if (tlsStatus === StreamPeerTLSStatus.HANDSHAKING) return ErrorCode.OK;
    if (tlsStatus !== StreamPeerTLSStatus.CONNECTED) return this.#failConnecting(peer.lastError);
    return this.#connected({ via: 'tls', stream: peer, tcp: conn.tcp });
  }

  /**
   * A connect, tunnel or handshake failed. Godot returns ERR_CANT_CONNECT once no address is left,
   * whatever failed (refused, timed out, the proxy's answer); the detail stays in lastError. A
   * failed handshake is TLS_HANDSHAKE_ERROR — unless the server closed or reset the socket
   * mid-handshake: Godot's poll() checks the TCP socket before the TLS peer, finds it gone and
   * reports CANT_CONNECT.
   */
  #failConnecting(error: TransportError | null): ErrorCode {
    const handshake =
      error instanceof TLSError && error.reason !== TLSFailureReason.CONNECTION_CLOSED;
    return this.#fail(
      handshake ? Status.TLS_HANDSHAKE_ERROR : Status.CANT_CONNECT,
      error,
      ErrorCode.CANT_CONNECT,
    );
  }

  /** The connection is open: CONNECTED, with a reader for its responses. */
  #connected(carrier: Carrier): ErrorCode {
    const reader = new ResponseReader({
      maxHeaderSize: this.#settings.maxHeaderSize,
      maxHeaderCount: this.#settings.maxHeaderCount,
    });
    this.#conn = { ...carrier, phase: 'open', reader };
    this.#status = Status.CONNECTED;
    return ErrorCode.OK;
  }

  /** CONNECTED or BODY: only a liveness check, as in Godot; body bytes are read on demand. */
  #pollAlive(conn: OpenConnection): ErrorCode {
    const stream = conn.stream;
    stream.poll();
    const reason = stream.getCloseReason();
    if (reason === CloseReason.OPEN) return ErrorCode.OK;
    if (this.#status === Status.BODY) {
      // The end of a read-until-close body, a truncation or a reset: readResponseBodyChunk()
      // decides, after handing out the bytes that arrived before.
      return ErrorCode.OK;
    }
    const error =
      stream.lastError ??
      new TransportError('the server closed the connection', ErrorCode.CONNECTION_ERROR);
    return this.#fail(Status.CONNECTION_ERROR, error, ErrorCode.CONNECTION_ERROR, false);
  }

  #pollRequesting(conn: OpenConnection): ErrorCode {
    const { stream, reader } = conn;
    // First, so news() waits for what happens after this poll (room to write, bytes, a close).
    stream.poll();
    if (this.#pending !== null) {
      if (this.#requestWritten === 0 && stream.getAvailableBytes() > 0) {
        // Bytes that arrived before the request left answer nothing we sent (a stray 408 before
        // an idle close, an extra response): parsing them as this request's response would desync.
        return this.#fail(
          Status.CONNECTION_ERROR,
          new GdhttpError(
            'the server sent data before the request was sent',
            ErrorCode.CONNECTION_ERROR,
          ),
          ErrorCode.CONNECTION_ERROR,
        );
      }
      // A write that fails (the server closed or reset) ends the sending; what the server said
      // before that is still read below, so an early answer such as 413 is not lost.
      if (
        this.#send(stream, this.#pending) &&
        this.#pending !== null &&
        stream.getAvailableBytes() === 0
      ) {
        return ErrorCode.OK;
      }
    }
    while (!reader.headComplete) {
      const data = stream.getPartialData(this.#settings.readChunkSize);
      if (data.length === 0) {
        if (this.#pending !== null && stream.getCloseReason() === CloseReason.OPEN) {
          return ErrorCode.OK;
        }
        if (!this.#checkClosed(conn)) return ErrorCode.OK;
        if (this.#status !== Status.REQUESTING) return ErrorCode.CONNECTION_ERROR;
        break;
      }
      if (!this.#feed(reader, data)) return ErrorCode.CONNECTION_ERROR;
    }
    const head = reader.head;
    if (head === null) return ErrorCode.OK;
    if (this.#pending !== null) {
      // The server answered before the whole request was sent (RFC 9112 §9.5 lets it, e.g. 413):
      // stop sending; the rest of the request would be read as a new one, so the connection
      // cannot carry another.
      this.#pending = null;
      this.#bodyOpen = false;
      reader.keepAlive = false;
    }
    // The accessors now report this response (Godot resets them when a head is parsed).
    this.#response = head;
    if (hasBodyPhase(head.parsed)) {
      this.#status = Status.BODY;
    } else {
      this.#endOfResponse(conn);
    }
    return ErrorCode.OK;
  }

  /**
   * Writes what the stream takes of the pending request, by reference. Returns false when the
   * stream refused the write (it closed or failed); the sending then ends.
   */
  #send(stream: StreamPeer, pieces: Uint8Array[]): boolean {
    while (this.#pendingIndex < pieces.length) {
      const piece = pieces[this.#pendingIndex]!;
      const rest = this.#pendingAt === 0 ? piece : piece.subarray(this.#pendingAt);
      const written = stream.putPartialData(rest);
      if (written.error !== ErrorCode.OK) {
        this.#pending = null;
        this.#bodyOpen = false;
        return false;
      }
      this.#requestWritten += written.sent;
      this.#queuedBytes -= written.sent;
      if (this.#streamed && !this.#framing.has(piece)) this.#streamedSent += written.sent;
      if (written.sent < rest.length) {
        // The window is full: the stream's news says when there is room again.
        this.#pendingAt += written.sent;
        return true;
      }
      this.#pendingIndex++;
      this.#pendingAt = 0;
    }
    if (this.#bodyOpen) {
      // A streamed body takes more pieces: the queue stays, emptied, so nothing sent is held.
      pieces.length = 0;
      this.#pendingIndex = 0;
      return true;
    }
    this.#pending = null;
    return true;
  }

  /** Feeds bytes to the parser; a parse error before the head sends the client to CONNECTION_ERROR. */
  #feed(reader: ResponseReader, data: Uint8Array): boolean {
    this.#responseStarted = true;
    try {
      reader.feed(data);
      return true;
    } catch (error) {
      // The reader throws only ParseErrors for the bytes; anything else is a bug, not a response.
      if (!(error instanceof ParseError)) throw error;
      this.#fail(Status.CONNECTION_ERROR, error, ErrorCode.CONNECTION_ERROR);
      return false;
    }
  }

  /**
   * After a read found no bytes: if the peer closed, tell the parser (which completes a
   * read-until-close body or reports a truncation). Returns true when the stream has ended.
   */
  #checkClosed(conn: OpenConnection): boolean {
    const { stream, reader } = conn;
    const reason = stream.getCloseReason();
    if (reason === CloseReason.OPEN || stream.getAvailableBytes() > 0) return false;
    if (reason === CloseReason.EOF) {
      try {
        reader.finish();
      } catch (error) {
        if (!(error instanceof ParseError)) throw error;
        this.#fail(Status.CONNECTION_ERROR, error, ErrorCode.CONNECTION_ERROR);
        return true;
      }
      // A body cut short is reported once the bytes before the cut have been read.
      if (reader.error !== null) return true;
      if (!reader.messageComplete) {
        this.#fail(
          Status.CONNECTION_ERROR,
          new TransportError(
            'the server closed the connection before responding',
            ErrorCode.CONNECTION_ERROR,
          ),
          ErrorCode.CONNECTION_ERROR,
        );
      }
      return true;
    }
    const error =
      stream.lastError ?? new TransportError('the connection failed', ErrorCode.CONNECTION_ERROR);
    if (reader.headComplete && reader.moreToRead) {
      // A reset in the body: like a truncation, reported after the bytes that came before it.
      reader.breakOff(error);
      return true;
    }
    this.#fail(Status.CONNECTION_ERROR, error, ErrorCode.CONNECTION_ERROR);
    return true;
  }

  /** The response is complete: keep the connection for the next request, or close it. */
  #endOfResponse(conn: OpenConnection): void {
    const reader = conn.reader;
    if (reader.keepAlive && !reader.untilEof) {
      this.#status = Status.CONNECTED;
      return;
    }
    // The server closes after this response (RFC 9112 §9.6); the response stays readable.
    this.#dropConnection();
    this.#status = Status.DISCONNECTED;
  }

  /**
   * Closes whichever peers carry the connection (not a StreamPeer of another kind, which the
   * caller owns). The reader of an open connection stays, for its response's trailers.
   */
  #dropConnection(): void {
    const conn = this.#conn;
    switch (conn.phase) {
      case 'closed':
        return;
      case 'connecting':
        conn.peer.disconnectFromHost();
        break;
      case 'handshaking':
        conn.tls.disconnectFromHost();
        conn.tcp.disconnectFromHost();
        break;
      case 'open':
        if (conn.via === 'tls') {
          conn.stream.disconnectFromHost();
          conn.tcp?.disconnectFromHost();
        } else if (conn.via !== 'other') {
          conn.stream.disconnectFromHost();
        }
        this.#conn = { phase: 'closed', reader: conn.reader };
        return;
    }
    this.#conn = CLOSED;
  }

  /** Blocking mode's REQUESTING: sends the request and waits until the head (or a failure) came. */
  #pollRequestingBlocked(conn: OpenConnection, peer: StreamPeerWorker): ErrorCode {
    for (;;) {
      const err = this.#pollRequesting(conn);
      if (err !== ErrorCode.OK || this.#status !== Status.REQUESTING) return err;
      // A streamed body whose queue is sent: the caller puts the next piece, so do not block.
      if (this.#bodyOpen && this.#queuedBytes === 0) return err;
      peer.waitForNews();
    }
  }
}
