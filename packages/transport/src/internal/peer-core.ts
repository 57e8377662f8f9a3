import { ErrorCode } from '@gdhttp/constants';
import { CloseReason } from '../close-reason.js';
import type { PartialWrite } from '../stream-peer.js';
import { nodeCodeOf, TransportError } from '../transport-error.js';
import { News } from './news.js';
import type { SocketPipe } from './socket-pipe.js';

/**
 * What the TCP and TLS peers both do once they own a socket: read and write through its
 * {@link SocketPipe}, record a failure as the socket events report it, publish the close reason
 * and error in `poll()` (Godot: state only changes in `poll()`), and signal news. Each peer keeps
 * its own phases and status enum (Godot's two differ) and asks this for the rest.
 */
export class PeerCore {
  /** The peer's "something changed" signal. */
  readonly news = new News();
  /** The pipe of the connected socket (TLS: from the start of the handshake), else `null`. */
  pipe: SocketPipe | null = null;
  /** How the connection ended, as of the last `poll()`. */
  closeReason: CloseReason = CloseReason.OPEN;
  /** The failure behind an error status, as of the last `poll()`. */
  lastError: TransportError | null = null;

  // What the event handlers know now; poll() publishes it.
  #liveError: TransportError | null = null;
  #liveReason: CloseReason = CloseReason.OPEN;

  /** A connection starts: nothing failed, nothing closed (published at once, as Godot does). */
  start(): void {
    this.#liveError = null;
    this.#liveReason = CloseReason.OPEN;
    this.closeReason = CloseReason.OPEN;
    this.lastError = null;
  }

  /**
   * This side closed the connection (the peer released its sockets first): published at once,
   * and news, so a driver waiting on it wakes and sees the closed state.
   */
  closeLocally(): void {
    this.#liveError = null;
    this.#liveReason = CloseReason.OPEN;
    this.closeReason = CloseReason.LOCAL;
    this.lastError = null;
    this.news.bump();
  }

  /**
   * Records a failure for the next `poll()` (the peer released its sockets first) and signals it.
   *
   * @param error - what failed.
   * @param reason - the close reason to publish.
   */
  fail(error: TransportError, reason: CloseReason): void {
    this.#liveError = error;
    this.#liveReason = reason;
    this.news.bump();
  }

  /**
   * The socket reported an error while open. What already arrived stays readable (the reader
   * decides what a cut-short stream means); the socket is destroyed and the failure recorded as a
   * reset (`ECONNRESET`, `EPIPE`) or another error, with a {@link TransportError} whose message
   * starts with `what`. The caller signals the news.
   *
   * @param what - the connection, as the message names it (`connection to host:port`).
   */
  failOpen(what: string): void {
    const pipe = this.pipe!;
    const cause = pipe.error;
    const code = nodeCodeOf(cause);
    const reset = code === 'ECONNRESET' || code === 'EPIPE';
    pipe.socket.destroy();
    this.#liveReason = reset ? CloseReason.RESET : CloseReason.ERROR;
    this.#liveError = new TransportError(
      `${what} ${reset ? 'was reset' : 'failed'}${code === '' ? '' : ` (${code})`}`,
      ErrorCode.CONNECTION_ERROR,
      { cause },
    );
  }

  /**
   * `poll()` while open: publishes `EOF` once the remote ended its side.
   *
   * @returns whether the stream still reads as connected: Godot notices a FIN only once nothing
   *   is left to read, and then reports the peer closed.
   */
  publishOpen(): boolean {
    const pipe = this.pipe!;
    if (!pipe.eof) return true;
    this.closeReason = CloseReason.EOF;
    return pipe.queue.length !== 0;
  }

  /**
   * `poll()` after a failure: publishes its close reason and error.
   *
   * @returns the error.
   */
  publishFailure(): TransportError | null {
    this.closeReason = this.#liveReason;
    this.lastError = this.#liveError;
    return this.lastError;
  }

  /**
   * Queues all of `data` (by reference) while the socket can take writes.
   *
   * @param data - the bytes.
   * @returns `OK`, or `FAILED` without a writable socket.
   */
  putData(data: Uint8Array): ErrorCode {
    const pipe = this.pipe;
    if (pipe === null || !pipe.writable) return ErrorCode.FAILED;
    pipe.write(data);
    return ErrorCode.OK;
  }

  /**
   * Queues as much of `data` as the write window has room for.
   *
   * @param data - the bytes.
   * @returns how much was taken, or `FAILED` without a writable socket.
   */
  putPartialData(data: Uint8Array): PartialWrite {
    const pipe = this.pipe;
    if (pipe === null || !pipe.writable) return { error: ErrorCode.FAILED, sent: 0 };
    return { error: ErrorCode.OK, sent: pipe.writePartial(data) };
  }

  /** Written bytes the socket still references (see {@link SocketPipe.heldBytes}); 0 without one. */
  heldWriteBytes(): number {
    return this.pipe?.heldBytes ?? 0;
  }

  /**
   * Up to `max` received bytes, a view when they lie in one chunk.
   *
   * @param max - the most bytes to return.
   * @returns the bytes, empty without a pipe.
   */
  getPartialData(max: number): Uint8Array {
    return this.pipe === null ? new Uint8Array(0) : this.pipe.read(max);
  }

  /** Received bytes not read yet. */
  getAvailableBytes(): number {
    return this.pipe?.queue.length ?? 0;
  }

  /** Destroys the socket, if any, and forgets the pipe. */
  releasePipe(): void {
    this.pipe?.destroy();
    this.pipe = null;
  }
}
