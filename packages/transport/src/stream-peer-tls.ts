import type { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions, PeerCertificate, SecureVersion, TLSSocket } from 'node:tls';
import { ErrorCode, StreamPeerTLSStatus } from '@gdhttp/constants';
import { CloseReason } from './close-reason.js';
import type { NewsListener } from './internal/news.js';
import { PeerCore } from './internal/peer-core.js';
import { type PipeEvent, SocketPipe } from './internal/socket-pipe.js';
import type { PartialWrite, StreamPeer } from './stream-peer.js';
import { DEFAULT_HIGH_WATER_MARK, StreamPeerTCP } from './stream-peer-tcp.js';
import { TLSError, TLSFailureReason } from './tls-error.js';
import { TLSOptions } from './tls-options.js';
import type { TransportError } from './transport-error.js';

/** Construction options of a {@link StreamPeerTLS}. */
export interface StreamPeerTLSOptions {
  /** Unread bytes above which the socket is paused until the reader drains half (default 256 KiB). */
  readonly highWaterMark?: number;
  /** Lowest TLS version offered (default `TLSv1.2`). */
  readonly minVersion?: SecureVersion;
  /** Highest TLS version offered (default `TLSv1.3`). */
  readonly maxVersion?: SecureVersion;
}

type Phase = 'idle' | 'handshaking' | 'open' | 'failed';

/**
 * TLS over an existing stream, shaped like Godot's `StreamPeerTLS`: over a connected
 * {@link StreamPeerTCP} (direct, or a proxy tunnel it opened) or over any Node `Duplex`.
 *
 * The handshake runs on Node's events; `poll()` takes in the outcome (`HANDSHAKING` →
 * `CONNECTED`, or `ERROR` / `ERROR_HOSTNAME_MISMATCH` with a {@link TLSError} in `lastError`).
 * The data API, backpressure and news work as on the TCP peer. TLS 1.2 and 1.3 are offered, with
 * ALPN `http/1.1`.
 *
 * @example
 * ```ts
 * const tls = new StreamPeerTLS();
 * tls.connectToStream(tcp, 'example.com', TLSOptions.client());
 * while (tls.poll(), tls.getStatus() === StreamPeerTLSStatus.HANDSHAKING) await tls.news();
 * if (tls.getStatus() !== StreamPeerTLSStatus.CONNECTED) console.log(tls.lastError?.message);
 * ```
 */
export class StreamPeerTLS implements StreamPeer {
  readonly #highWaterMark: number;
  readonly #minVersion: SecureVersion;
  readonly #maxVersion: SecureVersion;
  /** The pipe, the failure and close reason, news: what the TCP peer does alike. */
  readonly #core = new PeerCore();

  #status: StreamPeerTLSStatus = StreamPeerTLSStatus.DISCONNECTED;
  #phase: Phase = 'idle';
  #generation = 0;

  #stream: StreamPeerTCP | Duplex | null = null;
  #base: Duplex | null = null;
  #socket: TLSSocket | null = null;
  #name = '';

  /**
   * @param options - high-water mark and TLS version range; all optional.
   */
  constructor(options: StreamPeerTLSOptions = {}) {
    this.#highWaterMark = Math.max(1, options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK);
    this.#minVersion = options.minVersion ?? 'TLSv1.2';
    this.#maxVersion = options.maxVersion ?? 'TLSv1.3';
  }

  /**
   * Starts a client handshake over `stream`.
   *
   * A {@link StreamPeerTCP} must be `CONNECTED`; its socket is taken over with any bytes already
   * received (for a tunnel, what followed the proxy's answer). SNI is the name verified (the
   * override, else `commonName`), except for IP literals (RFC 6066 §3).
   *
   * @param stream - a connected StreamPeerTCP, or any Node duplex stream.
   * @param commonName - the host name to verify and send as SNI.
   * @param options - `TLSOptions.client()` when omitted or `null`.
   * @returns `OK`; `INVALID_PARAMETER` for server options or a TCP peer that is not connected;
   *   `ALREADY_IN_USE` while handshaking or connected.
   */
  connectToStream(
    stream: StreamPeerTCP | Duplex,
    commonName: string,
    options: TLSOptions | null = null,
  ): ErrorCode {
    const tlsOptions = options ?? TLSOptions.client();
    if (tlsOptions.isServer()) return ErrorCode.INVALID_PARAMETER;
    if (this.#phase === 'handshaking' || this.#phase === 'open') return ErrorCode.ALREADY_IN_USE;
    let base: Duplex | null;
    if (stream instanceof StreamPeerTCP) {
      base = stream.takeSocket();
      if (base === null) return ErrorCode.INVALID_PARAMETER;
    } else {
      base = stream;
    }
    this.#release();
    this.#generation += 1;
    const generation = this.#generation;
    // node:tls is loaded by the first TLS connection, not by importing the transport: a process
    // that speaks only plain HTTP does not pay its ~1.5 MiB (docs/design.md, "Memory").
    const tls = process.getBuiltinModule('node:tls');
    const unsafe = tlsOptions.isUnsafeClient();
    const chain = tlsOptions.getTrustedCaChain();
    const name = tlsOptions.getCommonNameOverride() || commonName;
    this.#name = name;
    this.#stream = stream;
    this.#base = base;
    const connectOptions: ConnectionOptions = {
      socket: base,
      minVersion: this.#minVersion,
      maxVersion: this.#maxVersion,
      ALPNProtocols: ['http/1.1'],
      // Godot verifies unless client_unsafe() was given no chain (tls_context_mbedtls.cpp).
      rejectUnauthorized: !(unsafe && chain === null),
      checkServerIdentity: unsafe
        ? () => undefined
        : (_host: string, cert: PeerCertificate) => tls.checkServerIdentity(name, cert),
    };
    // Godot sends no SNI for unsafe clients; we do, so name-based virtual hosts still work.
    if (name !== '' && isIP(name) === 0) connectOptions.servername = name;
    // A given chain replaces the default CAs, in Godot and in Node's `ca` option alike.
    if (chain !== null) connectOptions.ca = chain.map((certificate) => certificate.toString());
    const socket = tls.connect(connectOptions);
    this.#socket = socket;
    this.#core.pipe = new SocketPipe(socket, this.#highWaterMark, (event) =>
      this.#onPipe(event, generation),
    );
    socket.once('secureConnect', () => {
      if (generation !== this.#generation || this.#phase !== 'handshaking') return;
      this.#phase = 'open';
      this.#core.news.bump();
    });
    this.#phase = 'handshaking';
    this.#core.start();
    this.#status = StreamPeerTLSStatus.HANDSHAKING;
    return ErrorCode.OK;
  }

  /**
   * Takes in what happened since the last call: handshake done or failed, bytes, close.
   *
   * @returns `OK`, or the failure's code while the status is `ERROR` /
   *   `ERROR_HOSTNAME_MISMATCH` (`CANT_CONNECT` for a handshake, `CONNECTION_ERROR` after it).
   */
  poll(): ErrorCode {
    this.#core.news.markSeen();
    switch (this.#phase) {
      case 'idle':
        this.#status = StreamPeerTLSStatus.DISCONNECTED;
        break;
      case 'handshaking':
        this.#status = StreamPeerTLSStatus.HANDSHAKING;
        break;
      case 'open':
        this.#status = this.#core.publishOpen()
          ? StreamPeerTLSStatus.CONNECTED
          : StreamPeerTLSStatus.DISCONNECTED;
        break;
      case 'failed': {
        const error = this.#core.publishFailure();
        this.#status =
          error instanceof TLSError && error.reason === TLSFailureReason.HOSTNAME_MISMATCH
            ? StreamPeerTLSStatus.ERROR_HOSTNAME_MISMATCH
            : StreamPeerTLSStatus.ERROR;
        break;
      }
      default:
        assertNever(this.#phase);
    }
    const error = this.#core.lastError;
    return error !== null && this.#phase === 'failed' ? error.code : ErrorCode.OK;
  }

  /** The TLS state as of the last `poll()` (or `connectToStream()`). */
  getStatus(): StreamPeerTLSStatus {
    return this.#status;
  }

  /** The stream given to `connectToStream()`, or `null`. */
  getStream(): StreamPeerTCP | Duplex | null {
    return this.#stream;
  }

  /** The negotiated protocol version (`'TLSv1.3'`, `'TLSv1.2'`) once connected, else `null`. */
  getProtocol(): string | null {
    return this.#phase === 'open' ? (this.#socket?.getProtocol() ?? null) : null;
  }

  /** The ALPN protocol the server chose (`'http/1.1'`), or `null` if none. */
  getAlpnProtocol(): string | null {
    const alpn = this.#phase === 'open' ? this.#socket?.alpnProtocol : undefined;
    return typeof alpn === 'string' ? alpn : null;
  }

  /** The server's certificate once connected, else `null`. */
  getPeerCertificate(): X509Certificate | null {
    return this.#phase === 'open' ? (this.#socket?.getPeerX509Certificate() ?? null) : null;
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
   * Encrypts and queues all of `data`.
   *
   * @param data - the bytes; handed over by reference, so do not modify them until
   *   {@link StreamPeerTLS.getHeldWriteBytes} says the socket let go of them.
   * @returns `OK`, or `FAILED` unless the handshake is done and the connection open.
   */
  putData(data: Uint8Array): ErrorCode {
    return this.#phase === 'open' ? this.#core.putData(data) : ErrorCode.FAILED;
  }

  /**
   * Queues as much of `data` as the write window has room for (at most 4 MiB wait in the TLS
   * socket's buffer); when not all was taken, the news signal fires once there is room again.
   *
   * @param data - the bytes; the accepted part is handed over by reference (see
   *   {@link StreamPeerTLS.getHeldWriteBytes}).
   * @returns `{ error: OK, sent }` (`sent` is 0 while handshaking), `{ error: FAILED, sent: 0 }`
   *   when not connected.
   */
  putPartialData(data: Uint8Array): PartialWrite {
    if (this.#phase === 'handshaking') return { error: ErrorCode.OK, sent: 0 };
    if (this.#phase !== 'open') return { error: ErrorCode.FAILED, sent: 0 };
    return this.#core.putPartialData(data);
  }

  /**
   * Bytes given to {@link StreamPeerTLS.putData} or {@link StreamPeerTLS.putPartialData} (by
   * reference) that the TLS socket still reads from the caller's buffers: a gdhttp addition.
   * Bytes are released in the order they were put, once Node's write of them completed (OpenSSL
   * has encrypted them, a copy, by then), so a buffer may be refilled once at least this many
   * bytes were put after its last byte. 0 when nothing is held or not connected. When it returns
   * more than 0, news follows as soon as the socket lets go of more.
   */
  getHeldWriteBytes(): number {
    return this.#core.heldWriteBytes();
  }

  /**
   * Up to `max` decrypted bytes, a view when they lie in one received chunk.
   *
   * @param max - the most bytes to return.
   * @returns the bytes, possibly empty. Never blocks.
   */
  getPartialData(max: number): Uint8Array {
    return this.#core.getPartialData(max);
  }

  /** Decrypted bytes not read yet. */
  getAvailableBytes(): number {
    return this.#core.getAvailableBytes();
  }

  /** Closes the TLS connection and the stream under it; back to `DISCONNECTED`. */
  disconnectFromHost(): void {
    this.#release();
    this.#generation += 1;
    this.#phase = 'idle';
    this.#status = StreamPeerTLSStatus.DISCONNECTED;
    this.#core.closeLocally();
  }

  /** {@inheritDoc StreamPeer.news} */
  news(): Promise<void> {
    return this.#core.news.next();
  }

  /** {@inheritDoc StreamPeer.onNews} */
  onNews(listener: NewsListener): () => void {
    return this.#core.news.on(listener);
  }

  #onPipe(event: PipeEvent, generation: number): void {
    if (generation !== this.#generation) return;
    const pipe = this.#core.pipe!;
    if (this.#phase === 'handshaking') {
      if (event === 'error') {
        this.#failHandshake(TLSError.fromNode(this.#name, pipe.error));
      } else if (event === 'end') {
        this.#failHandshake(
          new TLSError(
            `${this.#name} closed the connection during the TLS handshake`,
            TLSFailureReason.CONNECTION_CLOSED,
          ),
        );
      }
      return;
    }
    if (this.#phase !== 'open') return;
    if (event === 'error') {
      this.#phase = 'failed';
      this.#core.failOpen(`TLS connection to ${this.#name}`);
      this.#base?.destroy();
    }
    this.#core.news.bump();
  }

  #failHandshake(error: TLSError): void {
    this.#release();
    this.#phase = 'failed';
    this.#core.fail(error, CloseReason.ERROR);
  }

  #release(): void {
    this.#core.releasePipe();
    this.#socket = null;
    if (this.#base !== null) {
      const base = this.#base;
      base.on('error', () => {});
      base.destroy();
      this.#base = null;
    }
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected state ${String(value)}`);
}
