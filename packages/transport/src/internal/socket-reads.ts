import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';

/**
 * The first slab, and the room a recycling reader's connection waits in between responses: a
 * response head and a small body. A slab this small comes from Node's shared allocation pool
 * (`Buffer.allocUnsafe`), so a thousand idle connections hold about a megabyte, not a thousand
 * 16 KiB blocks, each with a page touched by the allocator (issue 19: 1,000 requests at once).
 */
const FIRST_SLAB = 1024;
/**
 * The largest slab: a kept view holds at most this much alive, and slabs stay below glibc's
 * default mmap threshold (128 KiB), so freed ones are reused from the heap rather than mapped
 * afresh (a 256 KiB slab cost more CPU per GiB than `data` events: a page fault per 4 KiB).
 */
const MAX_SLAB = 64 * 1024;
/** The most one read may take, whatever the high-water mark. */
const READ_CAP = 256 * 1024;
/** Buffers one connection may have lent out at once before its reads fall back to slabs. */
const POOL_MAX = 4;
/** Free recycled buffers kept per size for the whole thread (16 × 64 KiB by default). */
const FREE_MAX = 16;

const NO_BYTES = Buffer.alloc(0);
/** The lent lists of a connection that has lent nothing yet: shared, never written. */
const NOTHING_LENT: Uint8Array[] = [];
const NO_ENDS: number[] = [];

/**
 * Free recycled buffers by size, shared by every connection of this thread: a buffer one
 * connection's reader recycled serves the next full read of any other, so a thousand short
 * downloads at once read into a few buffers instead of a slab series each.
 */
const FREE = new Map<number, Uint8Array[]>();

function release(buffer: Uint8Array): void {
  let free = FREE.get(buffer.byteLength);
  if (free === undefined) {
    free = [];
    FREE.set(buffer.byteLength, free);
  }
  if (free.length < FREE_MAX) free.push(buffer);
}

/**
 * Receives a plain TCP socket's bytes through `net.Socket`'s `onread` option instead of `data`
 * events, into memory this owns, and hands each read on as a view. A default socket allocates a
 * new `ArrayBuffer` per read and pushes it through the Readable machinery; reading into memory
 * that is already mapped and warm in the cache costs about half the CPU on a long download
 * (bench/README.md, "Download: the receive path").
 *
 * Node asks for the buffer of a socket's next read right after each read, before anything has
 * looked at the bytes, so where a read goes is decided by what the previous one showed:
 * - After a read that filled all its room (the kernel has more waiting), the next goes into a
 *   whole **recycled buffer**: always once the reader recycles ({@link SocketReads.recycle}), and
 *   otherwise when a free one is at hand. A reader that keeps its views withdraws the buffer for
 *   good ({@link SocketReads.keep}, costing no more than a slab); one that recycles gives it back
 *   at the next `recycle()` after every byte of it was read out, for any connection's next read.
 *   By calling `recycle()` the reader promises that it holds no view of any byte it read before.
 * - After a read that drained the kernel, a recycling reader's connection waits in a recycled
 *   buffer when one is free (memory the thread holds anyway; at most {@link FREE_MAX} of them), so
 *   the next burst is read whole, not its first KiB first.
 * - Otherwise the read lands in the unused tail of a **slab**, never in bytes read before, so a
 *   view stays valid however long its holder keeps it, as `data` chunks did. Slabs start at
 *   {@link FIRST_SLAB} and double, up to 64 KiB, when a read fills all the room it had; once the
 *   reader recycles, a read that drained the kernel with no free buffer at hand is followed by a
 *   wait in a small slab, not in a new whole buffer that an idle connection would hold.
 *
 * TLS sockets keep `data` events: `tls.connect` over an existing socket ignores `onread`, and TLS
 * decrypts into its own buffers.
 */
export class SocketReads {
  #slab: Uint8Array = NO_BYTES;
  #size = FIRST_SLAB;
  #at = 0;
  /** The last read filled all the room it had: the kernel had more waiting. */
  #full = false;
  /** The buffer of the read in progress, when it is a recycled one. */
  #pooled: Uint8Array | null = null;
  /** Buffers read into and not yet recycled, oldest first, with the stream offset of their end. */
  #lent = NOTHING_LENT;
  #lentEnds = NO_ENDS;
  #recycling = false;
  /** Bytes received so far. */
  received = 0;
  /** Where bytes go; until a pipe attaches, and after it detaches, they are kept or re-emitted. */
  #sink: ((bytes: Uint8Array) => void) | null = null;
  #early: Uint8Array[] | null = null;
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
      // The read filled all the room it had: the kernel has more waiting, so read more at once.
      const full = count === buffer.byteLength;
      this.#full = full;
      if (pooled !== null) {
        this.#pooled = null;
        if (this.#lent === NOTHING_LENT) {
          this.#lent = [];
          this.#lentEnds = [];
        }
        this.#lent.push(pooled);
        this.#lentEnds.push(this.received + count);
        bytes = pooled.subarray(0, count);
      } else {
        const start = this.#at;
        this.#at = start + count;
        if (full && this.#size < MAX_SLAB) this.#size *= 2;
        bytes = this.#slab.subarray(start, start + count);
      }
      this.received += count;
      if (this.#sink !== null) this.#sink(bytes);
      else if (this.#socket !== null) this.#socket.push(bytes);
      else if (this.#early !== null) this.#early.push(bytes);
      else this.#early = [bytes];
      return true;
    },
  };

  #nextBuffer(): Uint8Array {
    if (this.#lent.length < POOL_MAX && (this.#full || this.#recycling)) {
      const free = FREE.get(this.#readMax);
      let buffer = free === undefined ? undefined : free.pop();
      // After a full read a new buffer may be made; after one that drained the kernel only a free
      // one is taken — a wait in a small slab would take the first KiB of the next burst and cost
      // a whole extra read (and trip through the reader) per drain: 5–16 % of a download's reads.
      if (buffer === undefined && this.#full && this.#recycling) {
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
    const room = this.#slab.byteLength - this.#at;
    if (this.#recycling && !this.#full) {
      // The kernel is drained: the next read comes later, maybe much later (an idle keep-alive
      // connection, or none before the close), and a read that fills this room is followed by a
      // recycled buffer anyway.
      if (room < FIRST_SLAB) this.#newSlab(FIRST_SLAB);
    } else if (room < this.#size / 2) {
      this.#newSlab(this.#size);
    }
    return this.#slab.subarray(this.#at, Math.min(this.#slab.byteLength, this.#at + this.#readMax));
  }

  #newSlab(size: number): void {
    // Below 4 KiB this is a piece of Node's shared pool, never handed out twice either.
    this.#slab = Buffer.allocUnsafe(size);
    this.#at = 0;
  }

  /**
   * The reader holds no view of any byte it has read (but those `holds` names): buffers whose
   * bytes were all read out (`readOut` bytes of the stream so far) are free again, for any
   * connection of this thread, and later full reads use recycled buffers.
   *
   * @param readOut - bytes of the stream the reader has taken so far.
   * @param holds - whether the reader still holds a view of a buffer: the first such lent buffer
   *   and every later one stay lent (what the reader read before them, it dropped).
   */
  recycle(readOut: number, holds: ((buffer: ArrayBufferLike) => boolean) | null = null): void {
    this.#recycling = true;
    const lent = this.#lent;
    let n = 0;
    while (
      n < lent.length &&
      this.#lentEnds[n]! <= readOut &&
      (holds === null || !holds(lent[n]!.buffer))
    ) {
      release(lent[n]!);
      n += 1;
    }
    if (n > 0) {
      lent.splice(0, n);
      this.#lentEnds.splice(0, n);
    }
  }

  /** The reader may keep views of what it has read: no buffer lent so far is read into again. */
  keep(): void {
    if (this.#lent.length === 0) return;
    this.#lent = NOTHING_LENT;
    this.#lentEnds = NO_ENDS;
  }

  /** Sends every byte from now on (and any that came before) to `sink`. */
  attach(sink: (bytes: Uint8Array) => void): void {
    this.#sink = sink;
    const early = this.#early;
    this.#early = null;
    if (early !== null) for (const bytes of early) sink(bytes);
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
