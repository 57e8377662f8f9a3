import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type Socket, connect as tcpConnect } from 'node:net';
import { CONNECT_TIMEOUT_SECONDS, ErrorCode, StreamPeerTCPStatus } from '@gdhttp/constants';
import { authorityOf } from './authority-of.js';
import { CloseReason } from './close-reason.js';
import { validConnectArguments } from './internal/connect-arguments.js';
import { ConnectTunnel } from './internal/connect-tunnel.js';
import type { NewsListener } from './internal/news.js';
import { PeerCore } from './internal/peer-core.js';
import { type PipeEvent, SocketPipe } from './internal/socket-pipe.js';
import { SocketReads } from './internal/socket-reads.js';
import { ProxyError } from './proxy-error.js';
import { ResolverStatus } from './resolver-status.js';
import type { PartialWrite, StreamPeer } from './stream-peer.js';
import { nodeCodeOf, TransportError } from './transport-error.js';

/** Default bytes a peer buffers before it pauses the socket (see {@link StreamPeerTCPOptions}). */
export const DEFAULT_HIGH_WATER_MARK = 256 * 1024;

/**
 * Resolves a host name to addresses, in the order they should be tried. The default uses the
 * system resolver (`dns.lookup`, every family, the order it returns).
 */
export type HostLookup = (hostname: string) => Promise<readonly string[]>;

/** Construction options of a {@link StreamPeerTCP}. */
export interface StreamPeerTCPOptions {
  /**
   * Seconds allowed for each address's TCP connect and, through a proxy, for the CONNECT answer
   * (Godot's `network/limits/tcp/connect_timeout_seconds`, default 30).
   */
  readonly connectTimeout?: number;
  /** Unread bytes above which the socket is paused until the reader drains half (default 256 KiB). */
  readonly highWaterMark?: number;
  /** Replaces the system resolver (tests, custom DNS). */
  readonly lookup?: HostLookup;
}

/** The target of a CONNECT tunnel, for {@link StreamPeerTCP.connectToHost} through an HTTPS proxy. */
export interface TunnelTarget {
  /** The target host (name, IPv4 or IPv6 literal without brackets). */
  readonly host: string;
  /** The target port. */
  readonly port: number;
  /** A full `Proxy-Authorization` value, e.g. from {@link basicProxyAuthorization}. */
  readonly proxyAuthorization?: string;
}

/** Options of one {@link StreamPeerTCP.connectToHost} call. */
export interface ConnectOptions {
  /** Open a CONNECT tunnel to this target through the proxy at `host:port`. */
  readonly tunnel?: TunnelTarget;
}

type Phase = 'idle' | 'resolving' | 'connecting' | 'tunnel' | 'open' | 'failed' | 'handed-over';

/**
 * RFC 6761 §6.4: names under `.invalid` never resolve, and "name resolution APIs and libraries
 * SHOULD recognize them as special and SHOULD always return immediate negative responses" —
 * without asking a DNS server.
 */
function isInvalidName(host: string): boolean {
  const name = (host.endsWith('.') ? host.slice(0, -1) : host).toLowerCase();
  return name === 'invalid' || name.endsWith('.invalid');
}

function invalidNameError(host: string): Error {
  return Object.assign(new Error(`${host} is under .invalid (RFC 6761): it never resolves`), {
    code: 'ENOTFOUND',
  });
}

/**
 * A TCP connection shaped like Godot's `StreamPeerTCP`, with the host-name lookup Godot's
 * HTTPClient does around it, optional CONNECT tunnelling through a proxy, bounded buffering and
 * a news signal.
 *
 * `connectToHost()` starts the work; Node's events do it; `poll()` takes in the outcome, so
 * `getStatus()` only changes in `poll()`, as in Godot. Each resolved address is tried in order,
 * each with its own connect timeout. Nagle is off (no-delay), as Godot sets it.
 *
 * @example
 * ```ts
 * import { StreamPeerTCPStatus } from '@gdhttp/constants';
 * import { StreamPeerTCP } from '@gdhttp/transport';
 *
 * const tcp = new StreamPeerTCP();
 * tcp.connectToHost('localhost', 8080);
 * while (tcp.poll(), tcp.getStatus() === StreamPeerTCPStatus.CONNECTING) await tcp.news();
 * tcp.putData(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'));
 * ```
 */
export class StreamPeerTCP implements StreamPeer {
  readonly #timeoutMs: number;
  readonly #highWaterMark: number;
  readonly #lookup: HostLookup;
  /** The pipe, the failure and close reason, news: what the TLS peer does alike. */
  readonly #core = new PeerCore();

  // The view poll() publishes (Godot: status only changes in poll()).
  #status: StreamPeerTCPStatus = StreamPeerTCPStatus.NONE;
  #resolverStatus: ResolverStatus = ResolverStatus.NONE;

  // What the event handlers know now.
  #phase: Phase = 'idle';
  #liveResolver: ResolverStatus = ResolverStatus.NONE;
  // Bumped by every connect and disconnect, so callbacks of an abandoned attempt do nothing.
  #generation = 0;

  #host = '';
  #port = 0;
  #tunnel: TunnelTarget | null = null;
  /** The CONNECT negotiation while the phase is `tunnel`. */
  #connect: ConnectTunnel | null = null;
  #addresses: readonly string[] = [];
  #address = '';
  #attemptError: TransportError | null = null;
  #connecting: Socket | null = null;
  #timer: NodeJS.Timeout | null = null;

  /**
   * @param options - connect timeout, high-water mark and resolver; all optional.
   */
  constructor(options: StreamPeerTCPOptions = {}) {
    const seconds = options.connectTimeout ?? CONNECT_TIMEOUT_SECONDS;
    this.#timeoutMs = Math.max(1, Math.round(seconds * 1000));
    this.#highWaterMark = Math.max(1, options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK);
    this.#lookup = options.lookup ?? defaultLookup;
  }

  /**
   * Starts connecting to `host:port`: a host name is looked up first (see
   * {@link getResolverStatus}), an IP literal is connected at once. With `options.tunnel`, the
   * peer at `host:port` is an HTTP proxy: once TCP is up it sends `CONNECT target HTTP/1.1` and
   * stays `CONNECTING` until the proxy answers 2xx.
   *
   * @param host - a host name, or an IPv4/IPv6 literal (no brackets).
   * @param port - 1 to 65535.
   * @param options - `tunnel`: the CONNECT target and optional `Proxy-Authorization` value.
   * @returns `OK`; `INVALID_PARAMETER` for an empty host, a port out of range or a CR/LF in the
   *   tunnel's values; `ALREADY_IN_USE` while connecting or connected.
   * @example
   * ```ts
   * tcp.connectToHost('127.0.0.1', 3128, { tunnel: { host: 'example.com', port: 443 } });
   * ```
   */
  connectToHost(host: string, port: number, options: ConnectOptions = {}): ErrorCode {
    if (this.#phase !== 'idle' && this.#phase !== 'failed' && this.#phase !== 'handed-over') {
      return ErrorCode.ALREADY_IN_USE;
    }
    const tunnel = options.tunnel ?? null;
    if (!validConnectArguments(host, port, tunnel)) return ErrorCode.INVALID_PARAMETER;
    this.#release();
    this.#generation += 1;
    this.#host = host;
    this.#port = port;
    this.#tunnel = tunnel;
    this.#core.start();
    this.#attemptError = null;
    this.#address = '';
    if (isIP(host) !== 0) {
      this.#addresses = [host];
      this.#liveResolver = ResolverStatus.DONE;
      this.#phase = 'connecting';
      this.#attempt(0);
    } else {
      this.#addresses = [];
      this.#liveResolver = ResolverStatus.WAITING;
      this.#phase = 'resolving';
      this.#resolve();
    }
    // The call itself moves the published state, as Godot's connect_to_host does.
    this.#status = StreamPeerTCPStatus.CONNECTING;
    this.#resolverStatus = this.#liveResolver;
    return ErrorCode.OK;
  }

  /**
   * Takes in what happened since the last call: lookup finished, connected, tunnel open, bytes,
   * remote close, failure. Synchronous; never blocks.
   *
   * @returns `OK`, or the failure's code (`CANT_RESOLVE`, `CANT_CONNECT`, `TIMEOUT`,
   *   `CONNECTION_ERROR`) while the status is `ERROR`.
   */
  poll(): ErrorCode {
    this.#core.news.markSeen();
    this.#resolverStatus = this.#liveResolver;
    switch (this.#phase) {
      case 'idle':
        this.#status = StreamPeerTCPStatus.NONE;
        break;
      case 'resolving':
      case 'connecting':
      case 'tunnel':
        this.#status = StreamPeerTCPStatus.CONNECTING;
        break;
      case 'open':
        this.#status = this.#core.publishOpen()
          ? StreamPeerTCPStatus.CONNECTED
          : StreamPeerTCPStatus.NONE;
        break;
      case 'failed':
        this.#status = StreamPeerTCPStatus.ERROR;
        this.#core.publishFailure();
        break;
      case 'handed-over':
        this.#status = StreamPeerTCPStatus.NONE;
        this.#core.closeReason = CloseReason.LOCAL;
        break;
      default:
        assertNever(this.#phase);
    }
    return this.#status === StreamPeerTCPStatus.ERROR
      ? (this.#core.lastError?.code ?? ErrorCode.FAILED)
      : ErrorCode.OK;
  }

  /** The connection state as of the last `poll()` (or `connectToHost()`). */
  getStatus(): StreamPeerTCPStatus {
    return this.#status;
  }

  /**
   * The host-name lookup's state as of the last `poll()`: `WAITING` while resolving (the
   * HTTPClient's `RESOLVING`), `DONE` once addresses are known or for an IP literal, `ERROR` when
   * the lookup failed (`lastError.code` is `CANT_RESOLVE`).
   */
  getResolverStatus(): ResolverStatus {
    return this.#resolverStatus;
  }

  /** The host given to `connectToHost()` (the proxy's, when tunnelling). */
  getConnectedHost(): string {
    return this.#host;
  }

  /** The port given to `connectToHost()`. */
  getConnectedPort(): number {
    return this.#port;
  }

  /** The IP address of the current or last attempt (`''` before any). */
  getConnectedAddress(): string {
    return this.#address;
  }

  /** The local port of the connection, or 0. */
  getLocalPort(): number {
    return this.#core.pipe?.socket.localPort ?? 0;
  }

  /** The CONNECT target when tunnelling, else `null`. */
  getTunnelTarget(): TunnelTarget | null {
    return this.#tunnel;
  }

  /** {@inheritDoc StreamPeer.lastError} */
  get lastError(): TransportError | null {
    return this.#core.lastError;
  }

  /** {@inheritDoc StreamPeer.getCloseReason} */
  getCloseReason(): CloseReason {
    return this.#core.closeReason;
  }

  /** {@inheritDoc StreamPeer.isEof} */
  isEof(): boolean {
    return this.#core.closeReason === CloseReason.EOF;
  }

  /**
   * Queues all of `data` for sending; Node writes it as the socket accepts it.
   *
   * @param data - the bytes; handed to the socket by reference, so do not modify them until
   *   {@link StreamPeerTCP.getHeldWriteBytes} says the socket let go of them.
   * @returns `OK`, or `FAILED` unless connected (Godot's write fails in NONE and ERROR).
   */
  putData(data: Uint8Array): ErrorCode {
    return this.#phase === 'open' ? this.#core.putData(data) : ErrorCode.FAILED;
  }

  /**
   * Queues as much of `data` as the write window has room for (at most 4 MiB wait in the
   * socket's buffer); when not all was taken, the news signal fires once there is room again.
   *
   * @param data - the bytes; the accepted part is handed over by reference (see
   *   {@link StreamPeerTCP.getHeldWriteBytes}).
   * @returns `{ error: OK, sent }`; `sent` is 0 while still connecting (as in Godot) or when
   *   the buffer is full; `{ error: FAILED, sent: 0 }` when not connected.
   */
  putPartialData(data: Uint8Array): PartialWrite {
    if (this.#phase === 'resolving' || this.#phase === 'connecting' || this.#phase === 'tunnel') {
      return { error: ErrorCode.OK, sent: 0 };
    }
    if (this.#phase !== 'open') return { error: ErrorCode.FAILED, sent: 0 };
    return this.#core.putPartialData(data);
  }

  /**
   * Bytes given to {@link StreamPeerTCP.putData} or {@link StreamPeerTCP.putPartialData} (by
   * reference) that the socket still reads from the caller's buffers: a gdhttp addition. Bytes
   * are released in the order they were put, once Node has handed them to the kernel, so a buffer
   * may be refilled once at least this many bytes were put after its last byte. 0 when nothing is
   * held or not connected (a closed socket reads no more). When it returns more than 0, news
   * follows as soon as the socket lets go of more.
   *
   * @example
   * ```ts
   * // One buffer refilled and sent over and over: wait until the socket let go of it.
   * tcp.putData(buffer);
   * while (tcp.getHeldWriteBytes() > 0) {
   *   const news = tcp.news();
   *   tcp.poll();
   *   await news;
   * }
   * refill(buffer);
   * ```
   */
  getHeldWriteBytes(): number {
    return this.#core.heldWriteBytes();
  }

  /**
   * Up to `max` received bytes: a view into the received chunk when possible (no copy). Reading
   * below half the high-water mark resumes a paused socket.
   *
   * @param max - the most bytes to return.
   * @returns the bytes, possibly empty. Never blocks.
   */
  getPartialData(max: number): Uint8Array {
    if (this.#phase === 'tunnel') return new Uint8Array(0);
    return this.#core.getPartialData(max);
  }

  /**
   * A gdhttp addition for readers that copy what they keep: declares that the caller holds no
   * view of any byte `getPartialData` has returned, so the buffers they lie in may be read into
   * again. From then on the socket reads into a few recycled buffers instead of new memory (a
   * long download then costs a fraction of the CPU: no page faults, no garbage); each call
   * recycles the buffers read out since the last. Views returned after this call are valid until
   * the next call of it. Without it (the default) every view stays valid for as long as it is
   * kept. Recycled views are plain `Uint8Array`s, so `slice()` copies.
   *
   * @param holds - whether the caller still holds a view into an `ArrayBuffer`: the first buffer
   *   it holds and every later one stay as they are (a parser that queued several pieces of a read
   *   recycles what came before them). Omitted: the caller holds nothing.
   *
   * @example
   * ```ts
   * for (;;) {
   *   tcp.recycleReads(); // done with the previous view
   *   const view = tcp.getPartialData(65536);
   *   if (view.length === 0) break;
   *   hash.update(view); // used, not kept
   * }
   * ```
   */
  recycleReads(holds: ((buffer: ArrayBufferLike) => boolean) | null = null): void {
    this.#core.pipe?.recycleReads(holds);
  }

  /**
   * Undoes {@link StreamPeerTCP.recycleReads} for everything returned so far: those views may be
   * kept (their buffers are never read into again).
   */
  keepReads(): void {
    this.#core.pipe?.keepReads();
  }

  /** Received bytes not read yet (0 while a tunnel is being negotiated). */
  getAvailableBytes(): number {
    return this.#phase === 'tunnel' ? 0 : this.#core.getAvailableBytes();
  }

  /** Closes the connection, cancels a lookup or connect, and returns to `NONE`. */
  disconnectFromHost(): void {
    this.#release();
    this.#generation += 1;
    this.#phase = 'idle';
    this.#liveResolver = ResolverStatus.NONE;
    this.#status = StreamPeerTCPStatus.NONE;
    this.#resolverStatus = ResolverStatus.NONE;
    this.#core.closeLocally();
  }

  /**
   * Hands the connected socket to a new owner (StreamPeerTLS does this to run TLS over the
   * connection or tunnel). Bytes received and not read are pushed back into the socket, so the
   * new owner reads them first: nothing that followed a proxy's answer is lost.
   *
   * @returns the socket, or `null` unless connected. Afterwards this peer reads `NONE` with close
   *   reason `LOCAL` and owns nothing.
   */
  takeSocket(): Socket | null {
    const pipe = this.#core.pipe;
    if (this.#phase !== 'open' || pipe === null) return null;
    const socket = pipe.socket;
    socket.pause();
    const unread = pipe.detach();
    for (let i = unread.length - 1; i >= 0; i--) socket.unshift(unread[i]!);
    this.#core.pipe = null;
    this.#clearTimer();
    this.#phase = 'handed-over';
    this.#status = StreamPeerTCPStatus.NONE;
    this.#core.closeReason = CloseReason.LOCAL;
    return socket;
  }

  /** {@inheritDoc StreamPeer.news} */
  news(): Promise<void> {
    return this.#core.news.next();
  }

  /** {@inheritDoc StreamPeer.onNews} */
  onNews(listener: NewsListener): () => void {
    return this.#core.news.on(listener);
  }

  #resolve(): void {
    const generation = this.#generation;
    const host = this.#host;
    Promise.resolve()
      .then(() =>
        isInvalidName(host) ? Promise.reject(invalidNameError(host)) : this.#lookup(host),
      )
      .then(
        (addresses) => {
          if (generation !== this.#generation) return;
          if (addresses.length === 0) {
            this.#failResolve(
              new TransportError(`${host} resolved to no address`, ErrorCode.CANT_RESOLVE),
            );
            return;
          }
          this.#addresses = [...addresses];
          this.#liveResolver = ResolverStatus.DONE;
          this.#phase = 'connecting';
          this.#attempt(0);
          this.#core.news.bump();
        },
        (cause: unknown) => {
          if (generation !== this.#generation) return;
          const code = nodeCodeOf(cause);
          this.#failResolve(
            new TransportError(
              `cannot resolve ${host}${code === '' ? '' : ` (${code})`}`,
              ErrorCode.CANT_RESOLVE,
              {
                cause,
              },
            ),
          );
        },
      );
  }

  #failResolve(error: TransportError): void {
    this.#liveResolver = ResolverStatus.ERROR;
    this.#fail(error, CloseReason.ERROR);
  }

  #attempt(index: number): void {
    const address = this.#addresses[index];
    if (address === undefined) {
      this.#fail(
        this.#attemptError ??
          new TransportError(`no address to connect to for ${this.#host}`, ErrorCode.CANT_CONNECT),
        CloseReason.ERROR,
      );
      return;
    }
    const generation = this.#generation;
    const authority = authorityOf(address, this.#port);
    this.#address = address;
    const reads = new SocketReads(this.#highWaterMark);
    const socket = tcpConnect({
      host: address,
      port: this.#port,
      noDelay: true,
      onread: reads.options,
    });
    this.#connecting = socket;
    const next = (error: TransportError): void => {
      this.#clearTimer();
      socket.removeAllListeners();
      // Swallow any late error from the abandoned socket.
      socket.on('error', () => {});
      socket.destroy();
      if (generation !== this.#generation) return;
      this.#connecting = null;
      this.#attemptError = error;
      // Godot tries the next resolved address when one fails or times out (http_client_tcp.cpp).
      this.#attempt(index + 1);
    };
    socket.once('error', (cause: Error) => {
      const code = nodeCodeOf(cause);
      next(
        new TransportError(
          `cannot connect to ${authority}${code === '' ? '' : ` (${code})`}`,
          ErrorCode.CANT_CONNECT,
          {
            cause,
          },
        ),
      );
    });
    socket.once('connect', () => {
      if (generation !== this.#generation) return;
      this.#clearTimer();
      socket.removeAllListeners('error');
      this.#connecting = null;
      const pipe = new SocketPipe(
        socket,
        this.#highWaterMark,
        (event) => this.#onPipe(event, generation),
        reads,
      );
      this.#core.pipe = pipe;
      if (this.#tunnel !== null) {
        this.#startTunnel(pipe, this.#tunnel);
      } else {
        this.#phase = 'open';
        this.#core.news.bump();
      }
    });
    this.#armTimer(() => {
      next(
        new TransportError(
          `connecting to ${authority} timed out after ${this.#timeoutMs / 1000} s`,
          ErrorCode.TIMEOUT,
        ),
      );
    });
  }

  #startTunnel(pipe: SocketPipe, target: TunnelTarget): void {
    this.#phase = 'tunnel';
    const tunnel = new ConnectTunnel(this.#host, this.#port, target);
    this.#connect = tunnel;
    pipe.socket.write(tunnel.request());
    this.#armTimer(() => {
      this.#fail(tunnel.timedOut(this.#timeoutMs / 1000), CloseReason.ERROR);
    });
  }

  #onPipe(event: PipeEvent, generation: number): void {
    if (generation !== this.#generation) return;
    const pipe = this.#core.pipe!;
    if (this.#phase === 'tunnel') {
      const tunnel = this.#connect!;
      if (event === 'data') {
        const progress = tunnel.read(pipe.queue);
        if (progress === 'open') {
          // What follows the answer stays queued: the target's first bytes.
          this.#connect = null;
          this.#clearTimer();
          this.#phase = 'open';
          this.#core.news.bump();
        } else if (progress instanceof ProxyError) {
          this.#fail(progress, CloseReason.ERROR);
        }
      } else if (event === 'end' || event === 'error') {
        this.#fail(tunnel.closed(pipe.error), CloseReason.ERROR);
      }
      return;
    }
    if (this.#phase !== 'open') return;
    if (event === 'error') {
      this.#phase = 'failed';
      this.#core.failOpen(`connection to ${authorityOf(this.#address, this.#port)}`);
    }
    this.#core.news.bump();
  }

  #fail(error: TransportError, reason: CloseReason): void {
    this.#release();
    this.#phase = 'failed';
    this.#core.fail(error, reason);
  }

  #armTimer(onTimeout: () => void): void {
    this.#clearTimer();
    const generation = this.#generation;
    // A deadline, not a progress poll; unref'd so a forgotten peer does not hold the process.
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (generation === this.#generation) onTimeout();
    }, this.#timeoutMs);
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  #release(): void {
    this.#clearTimer();
    if (this.#connecting !== null) {
      const socket = this.#connecting;
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      this.#connecting = null;
    }
    this.#connect = null;
    this.#core.releasePipe();
  }
}

async function defaultLookup(hostname: string): Promise<readonly string[]> {
  const results = await dnsLookup(hostname, { all: true, verbatim: true });
  return results.map((result) => result.address);
}

function assertNever(value: never): never {
  throw new Error(`unexpected state ${String(value)}`);
}
