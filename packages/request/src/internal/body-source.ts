// Reads a request body that is not bytes in memory, one piece at a time, for the upload pump
// (upload.ts). The client sends pieces by reference
// (docs/decisions/0009-request-bodies-by-reference.md), so a piece handed out is never refilled
// until the pump gives it back (`recycle`), which it does once the connection has let go of every
// byte of it. A file reads into those buffers again: a new 512 KiB buffer per read cost a page
// fault per 4 KiB and a garbage collection every few dozen reads, more CPU than the read itself
// (bench/README.md, "Streams").
import { type FileHandle, open } from 'node:fs/promises';
import {
  type BodyStream,
  type BodyStreamFactory,
  isBodyStream,
  isFileHandle,
  RequestBody,
} from '../request-body.js';

/**
 * Bytes per file read at first, and for good when the reader never gives pieces back: large
 * enough that a read costs little beside the socket write, small enough that the pieces in flight
 * (this one, the one read ahead, the socket's write window) and the garbage they leave stay a few
 * MiB whatever the file's size.
 */
const FILE_PIECE = 512 * 1024;
/**
 * Bytes per file read once the reader gives pieces back: the same few buffers are then read into
 * again, so a larger piece costs a few MiB in all, and fewer reads save a trip through libuv's
 * thread pool (two context switches on the event loop's core) each: a 1 GiB upload took about a
 * fifth less CPU than with 512 KiB pieces, and kept up with `curl -T` (bench/README.md, "Streams").
 */
const RECYCLED_PIECE = 2 * 1024 * 1024;
/**
 * Bytes of buffers a file keeps for reuse: more than the socket's 4 MiB write window, the piece
 * the client holds and the one read ahead. Buffers beyond it are left to the garbage collector.
 */
const SPARE_BYTES = 16 * 1024 * 1024;
const encoder = new TextEncoder();
const ignore = (): void => {};

/**
 * The method of an async iterable of this package's own (a form's pieces) that takes back a piece
 * the connection let go of, as {@link BodySource.recycle} does: a form's file parts are then read
 * into the same few buffers as a file body. A symbol, so no user stream is ever mistaken for one.
 */
export const RECYCLE_PIECE: unique symbol = Symbol('gdhttp.recyclePiece');

/** An iterable that takes back the pieces it gave (see {@link RECYCLE_PIECE}). */
export interface PieceRecycler {
  [RECYCLE_PIECE](piece: Uint8Array): void;
}

/** A body being sent: opened per attempt, read piece by piece, closed once. */
export interface BodySource {
  /** Body bytes, once opened: from the file, the given length, or -1 (unknown: chunked). */
  readonly length: number;
  /**
   * Whether {@link BodySource.open} may run again (a redirect, a retry, a 417): always for bytes,
   * a file or a stream's factory; for a stream object only while none of it was read (an early
   * answer to `Expect: 100-continue` leaves it untouched).
   */
  readonly replayable: boolean;
  /** Starts (or, when replayable, restarts) at the first byte. Rejects with the caller's error. */
  open(): Promise<void>;
  /** The next piece, or `null` at the end. Rejects with the source's own error. */
  read(): Promise<Uint8Array | null>;
  /**
   * Gives back a piece {@link BodySource.read} returned that nothing reads any more (the
   * connection let go of it): a file reads into its buffer again; other sources ignore it.
   */
  recycle(piece: Uint8Array): void;
  /** Releases what the source holds: a file opened here, a stream not read to its end. */
  close(): Promise<void>;
}

/**
 * The source for a body that is not plain bytes, or `null` when `body` is no body at all.
 *
 * @param body - a {@link RequestBody}, a `FileHandle` or a stream.
 */
export function bodySourceOf(body: unknown): BodySource | null {
  if (body instanceof RequestBody) {
    const { source, start, length } = body;
    if (typeof source === 'string' || isFileHandle(source)) {
      return new FileSource(source, start, length);
    }
    return new StreamSource(source, length);
  }
  if (isFileHandle(body)) return new FileSource(body, 0, -1);
  if (isBodyStream(body)) return new StreamSource(body, -1);
  return null;
}

/** A body that is bytes in memory, as a source (for `Expect: 100-continue`, which holds it back). */
export class BytesSource implements BodySource {
  readonly replayable = true;
  readonly #bytes: Uint8Array;
  #done = false;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  get length(): number {
    return this.#bytes.length;
  }

  async open(): Promise<void> {
    this.#done = false;
  }

  async read(): Promise<Uint8Array | null> {
    if (this.#done || this.#bytes.length === 0) return null;
    this.#done = true;
    return this.#bytes;
  }

  /** The caller's bytes stay the caller's. */
  recycle(): void {}

  async close(): Promise<void> {}
}

/** A file's range, read at positions (so a caller's handle is never moved, and a retry restarts). */
class FileSource implements BodySource {
  readonly replayable = true;
  readonly #file: string | FileHandle;
  readonly #start: number;
  readonly #wanted: number;
  #handle: FileHandle | null = null;
  #length = -1;
  #at = 0;
  /**
   * Bumped by each open(): a read still in flight from the last sending (an answer came before
   * the body ended, and a redirect or retry restarts it) must not move the new one's position.
   */
  #generation = 0;
  /** Bytes per read: {@link FILE_PIECE}, then {@link RECYCLED_PIECE} once a piece came back. */
  #pieceSize = FILE_PIECE;
  /** Buffers of `#pieceSize` bytes given back by {@link FileSource.recycle}, to read into. */
  #spare: ArrayBuffer[] = [];
  /** The whole-piece buffers this source allocated: only they are taken back. */
  readonly #own = new WeakSet<ArrayBufferLike>();

  constructor(file: string | FileHandle, start: number, length: number) {
    this.#file = file;
    this.#start = start;
    this.#wanted = length;
  }

  get length(): number {
    return this.#length;
  }

  async open(): Promise<void> {
    if (this.#handle === null) {
      this.#handle = typeof this.#file === 'string' ? await open(this.#file, 'r') : this.#file;
      const { size } = await this.#handle.stat();
      const available = Math.max(0, size - this.#start);
      this.#length = this.#wanted < 0 ? available : Math.min(this.#wanted, available);
    }
    this.#at = 0;
    this.#generation++;
  }

  async read(): Promise<Uint8Array | null> {
    const left = this.#length - this.#at;
    if (left <= 0) return null;
    const generation = this.#generation;
    const size = Math.min(this.#pieceSize, left);
    const spare = this.#spare.pop();
    const piece = spare !== undefined ? Buffer.from(spare, 0, size) : this.#allocate(size);
    const { bytesRead } = await this.#handle!.read(piece, 0, size, this.#start + this.#at);
    // A file that shrank under the request: the body ends short, and the client refuses it.
    if (bytesRead === 0) return null;
    if (generation === this.#generation) this.#at += bytesRead;
    return bytesRead === size ? piece : piece.subarray(0, bytesRead);
  }

  recycle(piece: Uint8Array): void {
    const buffer = piece.buffer;
    if (!this.#own.has(buffer)) return;
    if (this.#pieceSize !== RECYCLED_PIECE) {
      // The reader gives pieces back: larger reads from now on, into buffers of that size.
      this.#pieceSize = RECYCLED_PIECE;
      this.#spare = [];
    }
    if (
      buffer.byteLength === RECYCLED_PIECE &&
      (this.#spare.length + 1) * RECYCLED_PIECE <= SPARE_BYTES
    ) {
      this.#spare.push(buffer as ArrayBuffer);
    }
  }

  /**
   * Memory for a piece of `size` bytes, not zero-filled (the read overwrites it, and only the
   * bytes read are sent). A whole piece gets a buffer of its own, which may come back to be read
   * into again; a shorter one (the end of the file) just its bytes.
   */
  #allocate(size: number): Buffer {
    if (size < this.#pieceSize) return Buffer.allocUnsafe(size);
    const piece = Buffer.allocUnsafeSlow(size);
    this.#own.add(piece.buffer);
    return piece;
  }

  async close(): Promise<void> {
    this.#spare = [];
    const handle = this.#handle;
    this.#handle = null;
    // A path was opened here; a caller's handle stays the caller's.
    if (handle !== null && typeof this.#file === 'string') await handle.close().catch(() => {});
  }
}

/**
 * A stream: read once, or, given as a function, opened anew for each sending. A stream object
 * can still be sent again while nothing was read from it (opening takes no byte).
 */
class StreamSource implements BodySource {
  readonly length: number;
  readonly #factory: BodyStreamFactory | null;
  #stream: BodyStream | null;
  #iterator: AsyncIterator<unknown> | null = null;
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  /** A piece was asked for: a stream object cannot start over. */
  #touched = false;
  #ended = false;

  constructor(stream: BodyStream | BodyStreamFactory, length: number) {
    this.#factory = typeof stream === 'function' ? stream : null;
    this.#stream = typeof stream === 'function' ? null : stream;
    this.length = length;
  }

  get replayable(): boolean {
    return this.#factory !== null || !this.#touched;
  }

  async open(): Promise<void> {
    if (this.#factory === null) {
      if (this.#touched) throw new Error('a stream body cannot be sent twice');
      // Opened already and not read: the same stream serves this sending too.
      if (this.#iterator !== null || this.#reader !== null) return;
    } else {
      // A new stream for each sending; the last one, if not read to its end, is let go.
      this.#release();
      const stream = this.#factory();
      if (!isBodyStream(stream)) {
        throw new TypeError('a body stream function must return a stream or an async iterable');
      }
      this.#stream = stream;
      this.#iterator = null;
      this.#reader = null;
      this.#ended = false;
    }
    const stream = this.#stream as Partial<AsyncIterable<unknown>>;
    const iterate = stream[Symbol.asyncIterator];
    // Browsers' ReadableStream may lack the async iterator; its reader is everywhere.
    if (typeof iterate === 'function') {
      this.#iterator = iterate.call(stream);
    } else {
      this.#reader = (stream as ReadableStream<Uint8Array>).getReader();
    }
  }

  async read(): Promise<Uint8Array | null> {
    this.#touched = true;
    const iterator = this.#iterator;
    const reader = this.#reader;
    for (;;) {
      const step = iterator !== null ? await iterator.next() : await reader!.read();
      if (step.done) {
        // Only the current stream's end counts (a read of the last sending may finish late).
        if (iterator === this.#iterator && reader === this.#reader) this.#ended = true;
        return null;
      }
      const piece = toBytes(step.value);
      if (piece.length > 0) return piece;
    }
  }

  /**
   * A stream's pieces are its own: never refilled here — unless the stream is one of ours that
   * reads into buffers it can take back (a form's file parts, {@link RECYCLE_PIECE}).
   */
  recycle(piece: Uint8Array): void {
    (this.#stream as Partial<PieceRecycler> | null)?.[RECYCLE_PIECE]?.(piece);
  }

  async close(): Promise<void> {
    this.#release();
  }

  /**
   * Not read to its end: let the source release what it holds. A Node Readable is destroyed
   * (its iterator's return() would wait for a read that may never finish); a reader's cancel()
   * and an iterator's return() are not awaited, for the same reason. Their own failure to stop
   * changes nothing for the request, which has ended (or starts over with a new stream).
   */
  #release(): void {
    if (this.#ended || this.#stream === null) return;
    this.#ended = true;
    const stream = this.#stream as { destroy?: (error?: Error) => void };
    if (typeof stream.destroy === 'function') stream.destroy();
    else if (this.#reader !== null) this.#reader.cancel().catch(ignore);
    else this.#iterator?.return?.()?.catch(ignore);
  }
}

/** A stream's piece as bytes: a Buffer or Uint8Array as it is, a string as UTF-8, an ArrayBuffer viewed. */
function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return encoder.encode(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value))
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`a body stream gave a ${typeof value}, not bytes or a string`);
}
