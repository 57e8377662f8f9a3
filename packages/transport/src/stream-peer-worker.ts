/**
 * The caller's half of a connection whose socket lives in a worker thread.
 *
 * Theory of operation: `connectToHost()` starts a worker (`internal/peer-worker.ts`) that runs
 * the ordinary event-loop peers — lookup, TCP, CONNECT tunnel, TLS — on its own event loop. The
 * two threads share nine control words and two byte rings (`internal/shared-ring.ts`): the worker
 * copies received bytes into the inbound ring and bumps the NEWS word; the caller copies bytes to
 * send into the outbound ring and bumps WAKE. Errors and TLS details, which do not fit in a word,
 * are posted as messages before the stage word announces them and are read here synchronously
 * (`receiveMessageOnPort`). So every method of this class is synchronous and sees the worker's
 * progress at once, even when the caller's thread never returns to its event loop: a synchronous
 * Godot loop (`poll(); delayMsec(500)`) works, and {@link StreamPeerWorker.waitForNews} can block
 * until something happens (what HTTPClient's blocking mode uses).
 *
 * Lifetime: the worker ends when the peer disconnects, when the peer is garbage-collected while
 * still connected, and with the process. It never keeps the process alive on its own: it is
 * referenced only while a `news()` promise or an `onNews` listener waits for it.
 */

import type { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { MessagePort, Worker } from 'node:worker_threads';
import {
  CONNECT_TIMEOUT_SECONDS,
  ErrorCode,
  StreamPeerTCPStatus,
  StreamPeerTLSStatus,
} from '@gdhttp/constants';
import { CloseReason } from './close-reason.js';
import { validConnectArguments } from './internal/connect-arguments.js';
import { News, type NewsListener } from './internal/news.js';
import {
  Async,
  CONTROL_WORDS,
  type ErrorFact,
  type Fact,
  type PeerWorkerData,
  Reason,
  Stage,
  Started,
  type TlsSpec,
  Word,
} from './internal/peer-worker-protocol.js';
import { allocateRing, SharedRing } from './internal/shared-ring.js';
import { ProxyError } from './proxy-error.js';
import { ResolverStatus } from './resolver-status.js';
import { startModuleWorker } from './start-module-worker.js';
import type { PartialWrite, StreamPeer } from './stream-peer.js';
import type { TunnelTarget } from './stream-peer-tcp.js';
import { TLSError, TLSFailureReason } from './tls-error.js';
import type { TLSOptions } from './tls-options.js';
import { TransportError } from './transport-error.js';

/** Bytes each ring holds by default: a socket read is at most 64 KiB, so 16 of them wait here. */
export const DEFAULT_WORKER_BUFFER_SIZE = 1024 * 1024;

/** Construction options of a {@link StreamPeerWorker}. */
export interface StreamPeerWorkerOptions {
  /**
   * Seconds allowed for each address's connect and a proxy's CONNECT answer (default 30), and
   * for the worker thread to start: a worker that has not started by then (its module failed to
   * load, say) ends the connection with `CANT_CONNECT` even for a caller that never yields.
   */
  readonly connectTimeout?: number;
  /**
   * Bytes of each shared ring, received and to send (default 1 MiB, rounded up to a power of two):
   * the most received bytes waiting for the caller, and the write window of `putPartialData()`.
   */
  readonly bufferSize?: number;
}

/** Options of one {@link StreamPeerWorker.connectToHost} call. */
export interface WorkerConnectOptions {
  /** Open a CONNECT tunnel to this target through the proxy at `host:port`. */
  readonly tunnel?: TunnelTarget;
  /** Run TLS over the connection (or the tunnel), verifying `commonName` as StreamPeerTLS does. */
  readonly tls?: { readonly commonName: string; readonly options?: TLSOptions | null };
}

/**
 * Run in the worker when `peer-worker` cannot be loaded (a bundle that left the file out): the
 * connection fails as a connect does — a `failed` fact with CANT_CONNECT, the FAILED stage, NEWS
 * bumped and notified — so a caller blocked in `waitForNews()` learns it at once instead of at the
 * start deadline. Plain JavaScript with the protocol's numbers written in; it claims STARTED first,
 * and does nothing when the caller gave up on the worker already.
 */
const IMPORT_FAILURE = `(error, data) => {
  const control = new Int32Array(data.control);
  if (Atomics.compareExchange(control, ${Word.STARTED}, ${Started.NOT_YET}, ${Started.RUNNING}) !== ${Started.NOT_YET}) return;
  data.facts.postMessage({ type: 'failed', error: {
    kind: 'transport',
    message: "the connection's worker could not load: " + String((error && error.message) || error),
    code: ${ErrorCode.CANT_CONNECT},
    nodeCode: String((error && error.code) || ''),
    reason: null,
    status: 0,
  } });
  Atomics.store(control, ${Word.REASON}, ${Reason.ERROR});
  Atomics.store(control, ${Word.STAGE}, ${Stage.FAILED});
  Atomics.add(control, ${Word.NEWS}, 1);
  Atomics.notify(control, ${Word.NEWS});
}`;

/**
 * What the caller keeps of a running worker. It holds no reference to its peer, so an abandoned
 * peer can be collected and its worker ended by {@link workers}.
 */
class WorkerLink {
  readonly worker: Worker;
  readonly control: Int32Array;
  readonly inbound: SharedRing;
  readonly outbound: SharedRing;
  readonly facts: MessagePort;
  readonly news: News;
  /** `news()` promises waiting, or listeners: the worker is referenced while there are any. */
  waiting = 0;
  listeners = 0;
  #referenced = true;
  ended = false;

  constructor(data: PeerWorkerData, facts: MessagePort, news: News) {
    this.control = new Int32Array(data.control);
    this.inbound = new SharedRing({ data: data.inData, counters: data.inCounters });
    this.outbound = new SharedRing({ data: data.outData, counters: data.outCounters });
    this.facts = facts;
    this.news = news;
    this.worker = startModuleWorker(
      import.meta.url,
      'internal/peer-worker',
      { workerData: data, transferList: [data.facts] },
      IMPORT_FAILURE,
    );
    this.worker.on('message', () => {
      // A ping: NEWS moved while someone waited asynchronously. Keep asking while they still do.
      Atomics.store(this.control, Word.ASYNC, this.wanted ? Async.WANTED : Async.OFF);
      this.news.bump();
    });
    this.worker.on('error', (error) => {
      // The worker could not start or crashed: publish it as a failed connection.
      this.crashed = error;
      Atomics.store(this.control, Word.STAGE, Stage.FAILED);
      Atomics.add(this.control, Word.NEWS, 1);
      Atomics.notify(this.control, Word.NEWS);
      this.news.bump();
    });
    this.updateReference();
  }

  crashed: Error | null = null;

  get wanted(): boolean {
    return this.waiting > 0 || this.listeners > 0;
  }

  /** Asks the worker for a ping when NEWS moves (or stops asking), and refs the worker meanwhile. */
  updateReference(): void {
    if (this.ended) return;
    if (this.wanted) {
      Atomics.compareExchange(this.control, Word.ASYNC, Async.OFF, Async.WANTED);
      if (!this.#referenced) this.worker.ref();
      this.#referenced = true;
    } else {
      Atomics.store(this.control, Word.ASYNC, Async.OFF);
      if (this.#referenced) this.worker.unref();
      this.#referenced = false;
    }
  }

  /** Tells the worker there is something for it (bytes to send, room to receive into). */
  wake(): void {
    Atomics.add(this.control, Word.WAKE, 1);
    Atomics.notify(this.control, Word.WAKE);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.facts.close();
    void this.worker.terminate();
  }
}

/**
 * node:worker_threads, loaded by the first worker connection rather than by importing the
 * transport: a process that never uses the worker does not map it (docs/design.md, "Memory").
 */
let threads: typeof import('node:worker_threads') | null = null;
const workerThreads = (): typeof import('node:worker_threads') =>
  (threads ??= process.getBuiltinModule('node:worker_threads'));

/** Ends the worker of a peer that was garbage-collected while connected. */
const workers = new FinalizationRegistry<WorkerLink>((link) => link.end());

/**
 * A stream peer whose socket lives in a worker thread: the same connection as
 * {@link StreamPeerTCP} (and {@link StreamPeerTLS} over it, through a CONNECT tunnel if asked),
 * whose progress a caller sees even when it never yields to the event loop. Opt-in: the event-loop
 * peers are faster (every byte is copied once more each way, and a worker costs a thread).
 *
 * `getStatus()` reports the whole connection as a TCP status — CONNECTING until the socket, the
 * tunnel and the TLS handshake are all done — and `getTlsStatus()` the TLS part, so a client can
 * tell a handshake failure apart. Errors are the same classes with the same codes and messages as
 * on the event-loop peers.
 *
 * @example
 * ```ts
 * import { StreamPeerTCPStatus } from '@gdhttp/constants';
 * import { delayMsec, StreamPeerWorker } from '@gdhttp/transport';
 *
 * const peer = new StreamPeerWorker();
 * peer.connectToHost('127.0.0.1', 8080);
 * while (peer.poll(), peer.getStatus() === StreamPeerTCPStatus.CONNECTING) delayMsec(10);
 * peer.putData(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
 * peer.waitForNews(1000); // blocks this thread until bytes (or a close) arrive
 * console.log(new TextDecoder().decode(peer.getPartialData(65536)));
 * ```
 */
export class StreamPeerWorker implements StreamPeer {
  readonly #connectTimeout: number;
  readonly #bufferSize: number;
  readonly #news = new News();
  #link: WorkerLink | null = null;

  // The view poll() publishes.
  #stage: Stage | null = null;
  #status: StreamPeerTCPStatus = StreamPeerTCPStatus.NONE;
  #tlsStatus: StreamPeerTLSStatus = StreamPeerTLSStatus.DISCONNECTED;
  #resolverStatus: ResolverStatus = ResolverStatus.NONE;
  #closeReason: CloseReason = CloseReason.OPEN;
  #lastError: TransportError | null = null;
  /** NEWS as of the last poll(): waitForNews() waits for it to move. */
  #seen = 0;
  /** `performance.now()` by which the worker must have started (see {@link Started}). */
  #startDeadline = 0;

  #host = '';
  #port = 0;
  #tls = false;
  #address = '';
  #localPort = 0;
  #protocol: string | null = null;
  #alpn: string | null = null;
  #certificate: string | null = null;
  /** Bytes putData() accepted that did not fit in the ring yet. */
  #overflow: Uint8Array[] = [];

  /**
   * @param options - connect timeout and ring size; all optional.
   */
  constructor(options: StreamPeerWorkerOptions = {}) {
    const seconds = options.connectTimeout ?? CONNECT_TIMEOUT_SECONDS;
    this.#connectTimeout =
      Number.isFinite(seconds) && seconds > 0 ? seconds : CONNECT_TIMEOUT_SECONDS;
    const size = options.bufferSize ?? DEFAULT_WORKER_BUFFER_SIZE;
    this.#bufferSize = Number.isFinite(size) && size > 0 ? size : DEFAULT_WORKER_BUFFER_SIZE;
  }

  /**
   * Starts a worker that connects to `host:port`, then (with `options.tunnel`) opens a CONNECT
   * tunnel through it and (with `options.tls`) runs a TLS handshake — what HTTPClient does with
   * a StreamPeerTCP and a StreamPeerTLS, as one connection.
   *
   * @param host - a host name, or an IPv4/IPv6 literal (no brackets).
   * @param port - 1 to 65535.
   * @param options - `tunnel` and `tls`.
   * @returns `OK`; `INVALID_PARAMETER` for an empty host, a port out of range, a CR/LF in the
   *   tunnel's values or server TLS options; `ALREADY_IN_USE` while connecting or connected.
   */
  connectToHost(host: string, port: number, options: WorkerConnectOptions = {}): ErrorCode {
    if (
      this.#link !== null &&
      this.#stage !== Stage.FAILED &&
      this.#status !== StreamPeerTCPStatus.NONE
    ) {
      return ErrorCode.ALREADY_IN_USE;
    }
    const tunnel = options.tunnel ?? null;
    if (!validConnectArguments(host, port, tunnel)) return ErrorCode.INVALID_PARAMETER;
    let tls: TlsSpec | null = null;
    if (options.tls !== undefined) {
      const tlsOptions = options.tls.options ?? null;
      if (tlsOptions?.isServer() || typeof options.tls.commonName !== 'string') {
        return ErrorCode.INVALID_PARAMETER;
      }
      const chain = tlsOptions?.getTrustedCaChain() ?? null;
      tls = {
        commonName: options.tls.commonName,
        unsafe: tlsOptions?.isUnsafeClient() ?? false,
        trustedChain: chain === null ? null : chain.map((certificate) => certificate.toString()),
        commonNameOverride: tlsOptions?.getCommonNameOverride() ?? '',
      };
    }
    this.#end();
    const inbound = allocateRing(this.#bufferSize);
    const outbound = allocateRing(this.#bufferSize);
    const channel = new (workerThreads().MessageChannel)();
    const control = new SharedArrayBuffer(CONTROL_WORDS * Int32Array.BYTES_PER_ELEMENT);
    const literal = isIP(host) !== 0;
    // What poll() reads before the worker has run: an IP literal needs no lookup.
    const words = new Int32Array(control);
    words[Word.STAGE] = literal ? Stage.CONNECTING : Stage.RESOLVING;
    words[Word.RESOLVER] = literal ? ResolverStatus.DONE : ResolverStatus.WAITING;
    const data: PeerWorkerData = {
      control,
      inData: inbound.data,
      inCounters: inbound.counters,
      outData: outbound.data,
      outCounters: outbound.counters,
      facts: channel.port2,
      host,
      port,
      connectTimeout: this.#connectTimeout,
      tunnel:
        tunnel === null
          ? null
          : {
              host: tunnel.host,
              port: tunnel.port,
              ...(tunnel.proxyAuthorization === undefined
                ? {}
                : { proxyAuthorization: tunnel.proxyAuthorization }),
            },
      tls,
    };
    const link = new WorkerLink(data, channel.port1, this.#news);
    this.#link = link;
    workers.register(this, link, this);
    this.#host = host;
    this.#port = port;
    this.#tls = tls !== null;
    this.#address = literal ? host : '';
    this.#localPort = 0;
    this.#protocol = null;
    this.#alpn = null;
    this.#certificate = null;
    this.#overflow = [];
    this.#seen = 0;
    this.#startDeadline = performance.now() + this.#connectTimeout * 1000;
    this.#stage = words[Word.STAGE] as Stage;
    this.#status = StreamPeerTCPStatus.CONNECTING;
    this.#tlsStatus = StreamPeerTLSStatus.DISCONNECTED;
    this.#resolverStatus = words[Word.RESOLVER] as ResolverStatus;
    this.#closeReason = CloseReason.OPEN;
    this.#lastError = null;
    return ErrorCode.OK;
  }

  /**
   * Takes in what the worker did since the last call: lookup, connect, tunnel, handshake, bytes,
   * close, failure. Synchronous; never blocks.
   *
   * @returns `OK`, or the failure's code while the status is `ERROR`.
   */
  poll(): ErrorCode {
    this.#news.markSeen();
    const link = this.#link;
    if (link === null) return ErrorCode.OK;
    const control = link.control;
    this.#seen = Atomics.load(control, Word.NEWS);
    if (Atomics.load(control, Word.STARTED) === Started.NOT_YET) this.#checkStart(link);
    const stage = Atomics.load(control, Word.STAGE) as Stage;
    if (stage !== this.#stage) this.#readFacts(link);
    this.#stage = stage;
    this.#resolverStatus = Atomics.load(control, Word.RESOLVER) as ResolverStatus;
    this.#flushOverflow(link);
    switch (stage) {
      case Stage.RESOLVING:
      case Stage.CONNECTING:
        this.#status = StreamPeerTCPStatus.CONNECTING;
        break;
      case Stage.HANDSHAKING:
        this.#status = StreamPeerTCPStatus.CONNECTING;
        this.#tlsStatus = StreamPeerTLSStatus.HANDSHAKING;
        break;
      case Stage.OPEN:
        if (this.#tls) this.#tlsStatus = StreamPeerTLSStatus.CONNECTED;
        if (Atomics.load(control, Word.EOF) === 1) {
          this.#closeReason = CloseReason.EOF;
          this.#status =
            link.inbound.length === 0 ? StreamPeerTCPStatus.NONE : StreamPeerTCPStatus.CONNECTED;
        } else {
          this.#status = StreamPeerTCPStatus.CONNECTED;
        }
        break;
      case Stage.FAILED: {
        this.#status = StreamPeerTCPStatus.ERROR;
        this.#closeReason =
          Atomics.load(control, Word.REASON) === Reason.RESET
            ? CloseReason.RESET
            : CloseReason.ERROR;
        this.#lastError ??= link.crashed
          ? new TransportError(
              `the connection's worker failed: ${link.crashed.message}`,
              ErrorCode.CONNECTION_ERROR,
              { cause: link.crashed },
            )
          : new TransportError('the connection failed', ErrorCode.CONNECTION_ERROR);
        const error = this.#lastError;
        // A TLSError only comes from the handshake; a TLS connection that broke later is ERROR too.
        if (error instanceof TLSError) {
          this.#tlsStatus =
            error.reason === TLSFailureReason.HOSTNAME_MISMATCH
              ? StreamPeerTLSStatus.ERROR_HOSTNAME_MISMATCH
              : StreamPeerTLSStatus.ERROR;
        } else if (this.#tlsStatus === StreamPeerTLSStatus.CONNECTED) {
          this.#tlsStatus = StreamPeerTLSStatus.ERROR;
        }
        break;
      }
    }
    return this.#status === StreamPeerTCPStatus.ERROR
      ? (this.#lastError?.code ?? ErrorCode.FAILED)
      : ErrorCode.OK;
  }

  /**
   * Blocks the calling thread until the worker reports something new since the last `poll()` —
   * bytes, room to write, a stage change, a close — or until `timeoutMs` passed. Returns at once
   * when there is news already. Never call it on a thread that must stay responsive.
   *
   * @param timeoutMs - the longest wait in milliseconds (default: no limit).
   * @returns true when there is news, false on timeout or without a connection.
   */
  waitForNews(timeoutMs = Number.POSITIVE_INFINITY): boolean {
    const link = this.#link;
    if (link === null) return false;
    if (Atomics.load(link.control, Word.STARTED) === Started.NOT_YET) {
      // A worker that never starts never bumps NEWS: wake up at the start deadline, so the
      // caller's next poll() reports it.
      const left = Math.max(0, this.#startDeadline - performance.now());
      if (left < timeoutMs) timeoutMs = left;
    }
    // WAITING first, then the wait (which compares NEWS): a bump in between is seen by one or
    // the other, so no wake-up is lost.
    Atomics.store(link.control, Word.WAITING, 1);
    const outcome = Atomics.wait(link.control, Word.NEWS, this.#seen, timeoutMs);
    Atomics.store(link.control, Word.WAITING, 0);
    return outcome !== 'timed-out';
  }

  /** The whole connection's state as of the last `poll()` (CONNECTING until TLS is up). */
  getStatus(): StreamPeerTCPStatus {
    return this.#status;
  }

  /** The TLS part's state as of the last `poll()`; `DISCONNECTED` without TLS. */
  getTlsStatus(): StreamPeerTLSStatus {
    return this.#tlsStatus;
  }

  /** The lookup's state as of the last `poll()` (`DONE` at once for an IP literal). */
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

  /** The IP address of the current or last attempt, as of the last `poll()`. */
  getConnectedAddress(): string {
    return this.#address;
  }

  /** The local port of the connection once open, else 0. */
  getLocalPort(): number {
    return this.#localPort;
  }

  /** The negotiated TLS version once open over TLS, else `null`. */
  getProtocol(): string | null {
    return this.#protocol;
  }

  /** The ALPN protocol the server chose, or `null`. */
  getAlpnProtocol(): string | null {
    return this.#alpn;
  }

  /** The server's certificate once open over TLS, else `null`. */
  getPeerCertificate(): X509Certificate | null {
    return this.#certificate === null
      ? null
      : new (process.getBuiltinModule('node:crypto').X509Certificate)(this.#certificate);
  }

  /** {@inheritDoc StreamPeer.lastError} */
  get lastError(): TransportError | null {
    return this.#lastError;
  }

  /** {@inheritDoc StreamPeer.getCloseReason} */
  getCloseReason(): CloseReason {
    return this.#closeReason;
  }

  /** {@inheritDoc StreamPeer.isEof} */
  isEof(): boolean {
    return this.#closeReason === CloseReason.EOF;
  }

  /**
   * Queues all of `data` for sending. What does not fit in the ring waits here (copied) and moves
   * on at the next `poll()` or write.
   *
   * @returns `OK`, or `FAILED` unless connected.
   */
  putData(data: Uint8Array): ErrorCode {
    const link = this.#link;
    if (link === null || this.#stage !== Stage.OPEN) return ErrorCode.FAILED;
    this.#flushOverflow(link);
    const sent = this.#overflow.length === 0 ? link.outbound.write(data) : 0;
    if (sent < data.length) this.#overflow.push(data.slice(sent));
    if (sent > 0) link.wake();
    return ErrorCode.OK;
  }

  /**
   * Copies as much of `data` as the outbound ring has room for; when not all was taken, news
   * follows once the worker has made room.
   *
   * @returns `{ error: OK, sent }` (`sent` is 0 while connecting), `{ error: FAILED, sent: 0 }`
   *   when not connected.
   */
  putPartialData(data: Uint8Array): PartialWrite {
    const link = this.#link;
    const stage = this.#stage;
    if (link !== null && stage !== null && stage < Stage.OPEN)
      return { error: ErrorCode.OK, sent: 0 };
    if (link === null || stage !== Stage.OPEN) return { error: ErrorCode.FAILED, sent: 0 };
    if (!this.#flushOverflow(link)) return { error: ErrorCode.OK, sent: 0 };
    const sent = link.outbound.write(data);
    if (sent > 0) link.wake();
    return { error: ErrorCode.OK, sent };
  }

  /**
   * Always 0: {@link StreamPeerWorker.putData} and {@link StreamPeerWorker.putPartialData} copy
   * what they take (into the shared ring, or a copy waiting for room), so the caller's buffer may
   * be refilled as soon as the call returns. The {@link StreamPeer} counterpart of the TCP and TLS
   * peers' count of bytes held by reference.
   */
  getHeldWriteBytes(): number {
    return 0;
  }

  /**
   * Up to `max` received bytes, copied out of the ring. Never blocks.
   *
   * @param max - the most bytes to return.
   */
  getPartialData(max: number): Uint8Array {
    const link = this.#link;
    if (link === null || (this.#stage !== Stage.OPEN && this.#stage !== Stage.FAILED)) {
      return new Uint8Array(0);
    }
    const inbound = link.inbound;
    const bytes = inbound.read(max);
    // The worker stopped for want of room: wake it once half the ring is free, not per read.
    if (
      bytes.length > 0 &&
      inbound.room >= inbound.capacity / 2 &&
      Atomics.compareExchange(link.control, Word.WANT_ROOM, 1, 0) === 1
    ) {
      link.wake();
    }
    return bytes;
  }

  /** Received bytes not read yet. */
  getAvailableBytes(): number {
    const link = this.#link;
    if (link === null || (this.#stage !== Stage.OPEN && this.#stage !== Stage.FAILED)) return 0;
    return link.inbound.length;
  }

  /** Ends the worker (closing its connection) and returns to `NONE`. */
  disconnectFromHost(): void {
    this.#end();
    this.#stage = null;
    this.#status = StreamPeerTCPStatus.NONE;
    this.#tlsStatus = StreamPeerTLSStatus.DISCONNECTED;
    this.#resolverStatus = ResolverStatus.NONE;
    this.#closeReason = CloseReason.LOCAL;
    this.#lastError = null;
    this.#overflow = [];
    this.#news.bump();
  }

  /** {@inheritDoc StreamPeer.news} */
  news(): Promise<void> {
    const link = this.#link;
    if (link === null || link.ended) return this.#news.next();
    // The worker moved since the last poll(): that is news now.
    if (Atomics.load(link.control, Word.NEWS) !== this.#seen) return Promise.resolve();
    const next = this.#news.next();
    link.waiting += 1;
    link.updateReference();
    // NEWS may have moved before the worker saw the request for a ping.
    if (Atomics.load(link.control, Word.NEWS) !== this.#seen) this.#news.bump();
    return next.finally(() => {
      link.waiting -= 1;
      link.updateReference();
    });
  }

  /** {@inheritDoc StreamPeer.onNews} (While a listener is registered, the worker is referenced.) */
  onNews(listener: NewsListener): () => void {
    const remove = this.#news.on(listener);
    const link = this.#link;
    if (link === null) return remove;
    link.listeners += 1;
    link.updateReference();
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      remove();
      link.listeners -= 1;
      link.updateReference();
    };
  }

  /** Moves waiting putData() bytes into the ring; true when none are left waiting. */
  #flushOverflow(link: WorkerLink): boolean {
    const overflow = this.#overflow;
    if (overflow.length === 0) return true;
    let moved = false;
    while (overflow.length > 0) {
      const front = overflow[0]!;
      const sent = link.outbound.write(front);
      if (sent > 0) moved = true;
      if (sent < front.length) {
        overflow[0] = front.subarray(sent);
        break;
      }
      overflow.shift();
    }
    if (moved) link.wake();
    return overflow.length === 0;
  }

  #readFacts(link: WorkerLink): void {
    for (;;) {
      const message = workerThreads().receiveMessageOnPort(link.facts);
      if (message === undefined) return;
      const fact = message.message as Fact;
      switch (fact.type) {
        case 'address':
          this.#address = fact.address;
          break;
        case 'open':
          this.#address = fact.address;
          this.#localPort = fact.localPort;
          this.#protocol = fact.protocol;
          this.#alpn = fact.alpn;
          this.#certificate = fact.certificate;
          break;
        case 'failed':
          this.#lastError = errorOf(fact.error);
          break;
      }
    }
  }

  /**
   * Gives up on a worker that has not started by the connect deadline. Its 'error' event (a
   * module that failed to load, a thread that could not be created) reaches only a caller that
   * yields to the event loop; a synchronous Godot-style loop would otherwise wait forever.
   */
  #checkStart(link: WorkerLink): void {
    if (link.crashed !== null || performance.now() < this.#startDeadline) return;
    const control = link.control;
    if (
      Atomics.compareExchange(control, Word.STARTED, Started.NOT_YET, Started.ABANDONED) !==
      Started.NOT_YET
    ) {
      return; // it started just now
    }
    this.#lastError = new TransportError(
      `the connection's worker did not start within ${this.#connectTimeout} s`,
      ErrorCode.CANT_CONNECT,
    );
    Atomics.store(control, Word.REASON, Reason.ERROR);
    Atomics.store(control, Word.STAGE, Stage.FAILED);
    void link.worker.terminate();
  }

  #end(): void {
    const link = this.#link;
    if (link === null) return;
    this.#link = null;
    workers.unregister(this);
    link.end();
  }
}

/** Rebuilds a failure as the class it had in the worker. */
function errorOf(fact: ErrorFact): TransportError {
  const cause =
    fact.nodeCode === ''
      ? undefined
      : Object.assign(new Error(fact.nodeCode), { code: fact.nodeCode });
  const options = cause === undefined ? undefined : { cause };
  switch (fact.kind) {
    case 'tls':
      return new TLSError(fact.message, fact.reason ?? TLSFailureReason.HANDSHAKE_FAILED, options);
    case 'proxy':
      return new ProxyError(fact.message, fact.status, options);
    default:
      return new TransportError(fact.message, fact.code as ErrorCode, options);
  }
}
