import type { Socket } from 'node:net';
import { ByteQueue } from './byte-queue.js';
import type { SocketReads } from './socket-reads.js';

/**
 * Write batching across sockets. The first write of an event-loop turn goes to its socket at once,
 * so a lone request/response exchange keeps its latency (the peer starts while this side finishes
 * its callback). Later writes in the same turn wait for the end of the turn and leave together.
 * With several pipes the turn ends in one `setImmediate` (after the turn's I/O callbacks): with
 * many busy connections, the peer then finds many requests ready per wake-up instead of being
 * woken for each one, and this side does its reads, then its writes. (undici defers every
 * keep-alive reuse to the same phase.) With one pipe in the thread there is nothing to gather
 * across connections, so the turn ends at the next microtask: the pieces one `poll()` writes
 * (a head, chunk framing) still leave together, and a connection that sends one request per
 * turn does not pay for an immediate, about 3 µs of CPU per request on the project VM
 * (bench/README.md, "Issue 19, target 3"). Bytes are held by reference, never copied, and
 * flushed before the socket is destroyed or handed over.
 */
const unflushed: SocketPipe[] = [];
let turnStarted = false;
/** Pipes attached to a socket in this thread (a worker thread counts its own). */
let attachedPipes = 0;
const settled = Promise.resolve();

function endTurn(): void {
  turnStarted = false;
  // A flush writes to the socket directly and never adds pipes, so a plain loop is enough.
  for (let i = 0; i < unflushed.length; i++) unflushed[i]!.flush();
  unflushed.length = 0;
}

/** Arms the end of the turn that a first write has just started. */
function armEndOfTurn(): void {
  if (attachedPipes > 1) setImmediate(endTurn);
  else void settled.then(endTurn);
}

/**
 * Bytes `writePartial` lets wait in the socket's buffer (and this pipe's batch) at once. Far
 * larger than Node's 16 KiB write high-water mark: every refill costs a trip through the event
 * loop, and a 64 MiB upload measured 0.52× undici's rate with a 256 KiB window, 1.0–1.1× with
 * 4 MiB (16 MiB gained nothing more). Bytes wait by reference, so the window costs no memory on
 * TCP; on TLS it bounds the ciphertext waiting for the socket.
 */
export const WRITE_WINDOW = 4 * 1024 * 1024;

/**
 * What a {@link SocketPipe} saw happen (`drained`: the reader took the last byte after EOF;
 * `released`: a write completed after {@link SocketPipe.heldBytes} was found above 0).
 */
export type PipeEvent = 'data' | 'end' | 'error' | 'drain' | 'drained' | 'released';

/**
 * The receive side shared by the TCP and TLS peers: it queues incoming chunks, pauses the socket
 * above a high-water mark and resumes it once the reader has drained half of that, and records a
 * clean end apart from an error.
 *
 * Memory stays bounded by the high-water mark plus what Node already holds (one read, at most
 * the stream's own high-water mark), however slowly the reader reads.
 */
export class SocketPipe {
  readonly queue = new ByteQueue();
  readonly socket: Socket;
  /** The remote ended its side cleanly. */
  eof = false;
  /** The first error the socket reported, if any. */
  error: Error | null = null;
  #highWaterMark: number;
  #paused = false;
  #onEvent: (event: PipeEvent) => void;
  #attached = false;
  /** Writes not yet handed to the socket (see {@link endTurn}). */
  #outgoing: Uint8Array[] = [];
  #outgoingBytes = 0;
  /** A `writePartial` was refused room: announce `drain` once room opens. */
  #roomWanted = false;
  /** {@link SocketPipe.heldBytes} was found above 0: announce the next completed write. */
  #releaseWanted = false;

  /** Where the bytes come from when not `data` events. */
  #reads: SocketReads | null;

  readonly #onData = (chunk: Uint8Array): void => {
    this.queue.push(chunk);
    if (!this.#paused && this.queue.length >= this.#highWaterMark) {
      this.#paused = true;
      this.socket.pause();
    }
    this.#onEvent('data');
  };
  readonly #onEnd = (): void => {
    this.eof = true;
    this.#onEvent('end');
  };
  readonly #onError = (error: Error): void => {
    this.error ??= error;
    this.#onEvent('error');
  };
  readonly #onDrain = (): void => {
    this.#roomWanted = false;
    this.#onEvent('drain');
  };
  /**
   * Every write's callback. Node announces `drain` only after its buffer went over its high-water
   * mark and emptied, so a writer waiting for held bytes to be let go is woken here instead; only
   * when it asked (a flag test per write otherwise: Node schedules the after-write tick anyway).
   */
  readonly #onWritten = (): void => {
    if (!this.#releaseWanted || !this.#attached) return;
    this.#releaseWanted = false;
    this.#onEvent('released');
  };
  /**
   * After a `writePartial` that could not take everything: Node emits `drain` only when its own
   * buffer went over its high-water mark, but the bytes may instead have gone to the kernel at
   * once, or wait in this pipe's batch. Checked after the turn's flush (an earlier `setImmediate`,
   * or a microtask): if Node will announce `drain`, that is the news; otherwise there is room now.
   */
  readonly #checkRoom = (): void => {
    if (!this.#roomWanted || !this.#attached) return;
    if (this.socket.writableNeedDrain && this.writable) return;
    this.#roomWanted = false;
    this.#onEvent('drain');
  };

  /**
   * @param socket - a connected socket (plain or TLS).
   * @param highWaterMark - bytes queued before the socket is paused.
   * @param onEvent - called after each event has been recorded.
   * @param reads - the socket's `onread` receiver, when it was created with one.
   */
  constructor(
    socket: Socket,
    highWaterMark: number,
    onEvent: (event: PipeEvent) => void,
    reads: SocketReads | null = null,
  ) {
    this.socket = socket;
    this.#highWaterMark = highWaterMark;
    this.#onEvent = onEvent;
    this.#reads = reads;
    if (reads === null) socket.on('data', this.#onData);
    else reads.attach(this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('drain', this.#onDrain);
    this.#attached = true;
    attachedPipes += 1;
  }

  /** Removes up to `max` queued bytes, resuming the socket when the queue has drained. */
  read(max: number): Uint8Array {
    const bytes = this.queue.read(max);
    if (this.#paused && this.queue.length <= this.#highWaterMark / 2) {
      this.#paused = false;
      this.socket.resume();
    }
    // The last byte after a FIN was read: the next poll() changes the status (to NONE or
    // DISCONNECTED), and no socket event will announce it, so the read itself is the news.
    if (this.eof && bytes.byteLength > 0 && this.queue.length === 0) this.#onEvent('drained');
    return bytes;
  }

  /** Queues all of `data` (by reference) for the socket to send as it can. */
  write(data: Uint8Array): void {
    if (data.byteLength === 0) return;
    if (!turnStarted) {
      turnStarted = true;
      if (this.#outgoingBytes === 0) {
        // The bytes first, then the end of the turn: arming it is not on a lone request's path.
        this.socket.write(data, this.#onWritten);
        armEndOfTurn();
        return;
      }
      armEndOfTurn();
    }
    if (this.#outgoingBytes === 0) unflushed.push(this);
    this.#outgoing.push(data);
    this.#outgoingBytes += data.byteLength;
  }

  /**
   * Queues as much of `data` as {@link WRITE_WINDOW} has room for, by reference. Returns how many
   * bytes were taken; when not all, a `drain` event follows once there is room again, so a writer
   * waiting for news never waits forever.
   */
  writePartial(data: Uint8Array): number {
    const queued = this.socket.writableLength + this.#outgoingBytes;
    const room = Math.max(0, WRITE_WINDOW - queued);
    const sent = Math.min(room, data.byteLength);
    if (sent > 0) this.write(sent === data.byteLength ? data : data.subarray(0, sent));
    if (sent < data.byteLength && !this.#roomWanted) {
      this.#roomWanted = true;
      setImmediate(this.#checkRoom);
    }
    return sent;
  }

  /**
   * Bytes given to {@link SocketPipe.write} that are still referenced on this side of the kernel:
   * waiting in this pipe's batch, or in the socket's buffer until Node's write of them completed.
   * Bytes leave in the order they were written, so a buffer whose last byte was followed by at
   * least this many written bytes is no longer read by anyone and may be refilled. TLS counts its
   * cleartext, which OpenSSL has copied (encrypted) by the time Node completes the write. A
   * destroyed socket reads nothing more: 0. Above 0, a `released` event follows the next write
   * that completes, so a writer waiting for its buffers is woken.
   */
  get heldBytes(): number {
    const socket = this.socket;
    const held = socket.destroyed ? 0 : socket.writableLength + this.#outgoingBytes;
    if (held > 0) this.#releaseWanted = true;
    return held;
  }

  /** Hands the queued writes to the socket now. */
  flush(): void {
    const out = this.#outgoing;
    if (out.length === 0) return;
    this.#outgoing = [];
    this.#outgoingBytes = 0;
    if (!this.#attached || this.socket.destroyed) return;
    if (out.length === 1) {
      this.socket.write(out[0]!, this.#onWritten);
      return;
    }
    this.socket.cork();
    for (const data of out) this.socket.write(data, this.#onWritten);
    this.socket.uncork();
  }

  /**
   * The reader holds no view of any byte it has read from this pipe (but in buffers `holds`
   * names): the receive buffers may be read into again (a no-op without `onread` receiving; see
   * {@link SocketReads}).
   *
   * @param holds - whether the reader still holds a view of a buffer, when it may.
   */
  recycleReads(holds: ((buffer: ArrayBufferLike) => boolean) | null = null): void {
    const reads = this.#reads;
    if (reads !== null && this.#attached) reads.recycle(reads.received - this.queue.length, holds);
  }

  /** The reader may keep every byte it has read from this pipe (undoes {@link recycleReads}). */
  keepReads(): void {
    this.#reads?.keep();
  }

  /** Whether the socket can take writes. */
  get writable(): boolean {
    return this.#attached && this.socket.writable && !this.socket.destroyed;
  }

  /** Removes the listeners, leaving the socket to a new owner. Returns the unread bytes. */
  detach(): Uint8Array[] {
    if (!this.#attached) return [];
    this.flush();
    this.#attached = false;
    attachedPipes -= 1;
    if (this.#reads === null) this.socket.off('data', this.#onData);
    else this.#reads.detach(this.socket);
    this.socket.off('end', this.#onEnd);
    this.socket.off('error', this.#onError);
    this.socket.off('drain', this.#onDrain);
    return this.queue.drain();
  }

  /** Destroys the socket (a no-op after {@link detach}) and forgets unread bytes. */
  destroy(): void {
    if (this.#attached) {
      this.detach();
      // A late error from a socket we no longer track must not become an uncaught exception.
      this.socket.on('error', () => {});
      this.socket.destroy();
    }
    this.queue.clear();
  }
}
