import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';

/** The first slab: a connection of small responses never holds more. */
const FIRST_SLAB = 16 * 1024;
/**
 * The largest slab: a kept view holds at most this much alive, and slabs stay below glibc's
 * default mmap threshold (128 KiB), so freed ones are reused from the heap rather than mapped
 * afresh (a 256 KiB slab cost more CPU per GiB than `data` events: a page fault per 4 KiB).
 */
const MAX_SLAB = 64 * 1024;
/** The most one read may take, whatever the high-water mark. */
const READ_CAP = 256 * 1024;
/** Buffers a recycling reader may lend out at once before reads fall back to slabs. */
const POOL_MAX = 4;

/**
 * Receives a plain TCP socket's bytes through `net.Socket`'s `onread` option instead of `data`
 * events, into memory this owns, and hands each read on as a view. A default socket allocates a
 * new `ArrayBuffer` per read and pushes it through the Readable machinery; reading into memory
 * that is already mapped and warm in the cache costs about half the CPU on a long download
 * (bench/README.md, "Download: the receive path").
 *
 * Two ways to place a read:
 * - **Slabs** (the default): each read lands in the unused tail of a slab, never in bytes read
 *   before, so a view stays valid however long its holder keeps it, as `data` chunks did. Slabs
 *   start at 16 KiB and double, up to 64 KiB, when a read fills all the room it had.
 * - **Recycled buffers**, once the reader has called {@link SocketReads.recycle}: each read takes
 *   a buffer from a small pool, and a buffer goes back to the pool at the next `recycle()` after
 *   every byte of it was read out of the pipe. The reader promises, by calling `recycle()`, that
 *   it holds no view of any byte it read before; {@link SocketReads.keep} withdraws every buffer
 *   lent so far from the pool for good (its bytes may then be kept).
 *
 * TLS sockets keep `data` events: `tls.connect` over an existing socket ignores `onread`, and TLS
 * decrypts into its own buffers.
 */
export class SocketReads {
  #slab: Uint8Array = new Uint8Array(0);
  #size = FIRST_SLAB;
  #at = 0;
  /** The buffer of the read in progress, when it came from the pool. */
  #pooled: Uint8Array | null = null;
  /** Free buffers (recycling only). */
  #pool: Uint8Array[] = [];
  /** Buffers read into and not yet recycled, oldest first, with the stream offset of their end. */
  #lent: Uint8Array[] = [];
  #lentEnds: number[] = [];
  #recycling = false;
  /** Bytes received so far. */
  received = 0;
  /** Where bytes go; until a pipe attaches, and after it detaches, they are kept or re-emitted. */
  #sink: ((bytes: Uint8Array) => void) | null = null;
  #early: Uint8Array[] = [];
  #socket: Socket | null = null;
  /** The most one read may take: what a pipe holds past its high-water mark stays bounded. */
  readonly #readMax: number;

  /**
   * @param highWaterMark - the pipe's mark: one read takes at most a quarter of it (64 KiB to
   *   256 KiB), so a paused pipe holds at most that much past the mark.
   */
  constructor(highWaterMark: number) {
    this.#readMax = Math.max(64 * 1024, Math.min(READ_CAP, Math.floor(highWaterMark / 4)));
  }

  /** The `onread` option for `net.connect`. */
  readonly options = {
    buffer: (): Uint8Array => this.#nextBuffer(),
    callback: (count: number, buffer: Uint8Array): boolean => {
      let bytes: Uint8Array;
      const pooled = this.#pooled;
      if (pooled !== null) {
        this.#pooled = null;
        this.#lent.push(pooled);
        this.#lentEnds.push(this.received + count);
        bytes = pooled.subarray(0, count);
      } else {
        const start = this.#at;
        this.#at = start + count;
        // The read filled all the room it had: the kernel has more waiting, so read more at once.
        if (count === buffer.byteLength && this.#size < MAX_SLAB) this.#size *= 2;
        bytes = this.#slab.subarray(start, start + count);
      }
      this.received += count;
      if (this.#sink !== null) this.#sink(bytes);
      else if (this.#socket !== null) this.#socket.push(bytes);
      else this.#early.push(bytes);
      return true;
    },
  };

  #nextBuffer(): Uint8Array {
    if (this.#recycling) {
      let buffer = this.#pool.pop();
      if (buffer === undefined && this.#lent.length < POOL_MAX) {
        // A plain Uint8Array, not a Buffer: `slice()` on a Buffer's view returns another view,
        // and a reader that "copies" a piece with it would keep bytes that are read into again.
        const memory = Buffer.allocUnsafeSlow(this.#readMax);
        buffer = new Uint8Array(memory.buffer, memory.byteOffset, memory.byteLength);
      }
      if (buffer !== undefined) {
        this.#pooled = buffer;
        return buffer;
      }
    }
    if (this.#slab.byteLength - this.#at < this.#size / 2) {
      this.#slab = Buffer.allocUnsafeSlow(this.#size);
      this.#at = 0;
    }
    return this.#slab.subarray(this.#at, Math.min(this.#slab.byteLength, this.#at + this.#readMax));
  }

  /**
   * The reader holds no view of any byte it has read (but those `holds` names): buffers whose bytes were
   * all read out (`readOut` bytes of the stream so far) return to the pool, and later reads use
   * pooled buffers.
   *
   * @param readOut - bytes of the stream the reader has taken so far.
   * @param holds - whether the reader still holds a view of a buffer: the first such lent buffer
   *   and every later one stay lent (what the reader read before them, it dropped).
   */
  recycle(readOut: number, holds: ((buffer: ArrayBufferLike) => boolean) | null = null): void {
    this.#recycling = true;
    let n = 0;
    while (
      n < this.#lent.length &&
      this.#lentEnds[n]! <= readOut &&
      (holds === null || !holds(this.#lent[n]!.buffer))
    ) {
      this.#pool.push(this.#lent[n]!);
      n += 1;
    }
    if (n > 0) {
      this.#lent.splice(0, n);
      this.#lentEnds.splice(0, n);
    }
  }

  /** The reader may keep views of what it has read: no buffer lent so far is read into again. */
  keep(): void {
    if (this.#lent.length === 0) return;
    this.#lent = [];
    this.#lentEnds = [];
  }

  /** Sends every byte from now on (and any that came before) to `sink`. */
  attach(sink: (bytes: Uint8Array) => void): void {
    this.#sink = sink;
    const early = this.#early;
    this.#early = [];
    for (const bytes of early) sink(bytes);
  }

  /**
   * The pipe let go of the socket: its bytes may be kept by the new owner, and later bytes go to
   * the socket's own `data` listeners, as they would without `onread`, so a new owner reading
   * events (not a TLS wrap, which reads the handle itself) misses nothing.
   */
  detach(socket: Socket): void {
    this.keep();
    this.#recycling = false;
    this.#sink = null;
    this.#socket = socket;
  }
}
