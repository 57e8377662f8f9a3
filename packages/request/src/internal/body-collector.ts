// Collecting a response body in memory at a cost proportional to its bytes (issue #12). The body
// arrives as the pieces the socket (or zlib) delivered: a chunked body of 1-byte chunks is one
// 1-byte piece per chunk, whatever TCP did. Kept one view per piece, each byte cost a typed-array
// object (~100 bytes), so a 1 MiB bodySizeLimit let the process grow by over 100 MiB.

/** Pieces at least this long are kept as they are: one object per 16 KiB costs nothing. */
const KEEP = 16 * 1024;
/** Smaller pieces are copied into blocks of this size. */
const BLOCK = 64 * 1024;
const EMPTY = new Uint8Array(0);

/**
 * Collects body pieces into one array with O(bytes) memory.
 *
 * With a known length (a Content-Length body, not decoded) one array of that length is allocated
 * when a second piece arrives, and every piece is copied into it: the peak is the body itself, not
 * the pieces plus their concatenation. A body that arrives as one piece is returned as it is.
 * With `transient` pieces (views of reused read buffers, valid only until the next read) nothing
 * is kept by reference: a piece kept otherwise, the lone first one included, is copied first.
 *
 * Otherwise (chunked, read until close, decoded) large pieces are kept by reference and small
 * ones copied into 64 KiB blocks; {@link BodyCollector.take} joins them once at the end, so a
 * large piece is copied once, as before, and only the bytes of small pieces twice. A kept
 * piece is a view of one socket read (at most 64 KiB) or one zlib output buffer (16 KiB), and it
 * must cover a quarter of the buffer it views, so what it keeps alive stays within 4x its bytes.
 */
export class BodyCollector {
  /** The length announced up front, or -1; cleared when the array for it cannot be allocated. */
  #expected: number;
  /** Known length: the array the body is copied into, once a second piece arrived. */
  #whole: Uint8Array | null = null;
  /** Everything collected so far, in order (known length: only a lone first piece). */
  readonly #parts: Uint8Array[] = [];
  /** The block small pieces are copied into, and where its bytes not yet in `#parts` start. */
  #block: Uint8Array | null = null;
  #blockAt = 0;
  #runStart = 0;
  #length = 0;

  /** Pieces are valid only until the next one is read: each is copied. */
  readonly #transient: boolean;

  /**
   * @param expected - the body's exact length when known (Content-Length, no decoding), else -1.
   * @param transient - whether each piece is valid only until the next is read (it is copied).
   */
  constructor(expected: number, transient = false) {
    this.#expected = expected;
    this.#transient = transient;
  }

  /** Bytes collected so far. */
  get length(): number {
    return this.#length;
  }

  /**
   * Adds the next piece. It is copied or kept by reference; either way the caller must not
   * modify it afterwards.
   */
  add(piece: Uint8Array): void {
    const n = piece.length;
    if (n === 0) return;
    if (this.#expected >= 0 && this.#addKnown(piece)) return;
    if (this.#length === 0 || (n >= KEEP && n * 4 >= piece.buffer.byteLength)) {
      // The first piece is kept too: a body that arrives whole is then never copied.
      this.#seal();
      this.#parts.push(this.#transient ? piece.slice() : piece);
    } else {
      this.#copyIntoBlocks(piece);
    }
    this.#length += n;
  }

  /** The collected body, as one array; the collector is then empty. */
  take(): Uint8Array {
    const parts = this.#parts;
    let out: Uint8Array;
    if (this.#whole !== null) {
      out = this.#length === this.#whole.length ? this.#whole : this.#whole.slice(0, this.#length);
    } else {
      this.#seal();
      // Never a lone run of a block (the first piece is always kept), so a block's unused room
      // is never handed out: more than one part is joined into an exact array.
      if (parts.length === 0) out = EMPTY;
      else if (parts.length === 1) out = parts[0]!;
      else out = join(parts, this.#length);
    }
    parts.length = 0;
    this.#whole = null;
    this.#block = null;
    this.#blockAt = 0;
    this.#runStart = 0;
    this.#length = 0;
    return out;
  }

  /** Known length: false (the piece not taken) when no array of that length can be had. */
  #addKnown(piece: Uint8Array): boolean {
    let whole = this.#whole;
    if (whole === null) {
      if (this.#length === 0) {
        // A transient first piece is copied into an array of its own length (not `slice()`, a
        // view for a Buffer: a body that arrives whole must not keep a read slab alive). The
        // whole array waits for a second piece either way: a connection's first read is a small
        // one, and a thousand bodies at once must not each hold their full length after it.
        this.#parts.push(this.#transient ? new Uint8Array(piece) : piece);
        this.#length = piece.length;
        return true;
      }
      try {
        // Allocated only once a second piece shows the body is really coming.
        whole = new Uint8Array(Math.max(this.#expected, this.#length + piece.length));
      } catch {
        // More than one array can hold, or than memory has: collect in pieces and let the end
        // decide, as before.
        this.#expected = -1;
        return false;
      }
      if (this.#length > 0) whole.set(this.#parts[0]!, 0);
      this.#parts.length = 0;
      this.#whole = whole;
    }
    if (this.#length + piece.length > whole.length) {
      // More than announced (the parser never lets that through): grow rather than lose bytes.
      const grown = new Uint8Array(Math.max(whole.length * 2, this.#length + piece.length));
      grown.set(whole.subarray(0, this.#length), 0);
      this.#whole = whole = grown;
    }
    whole.set(piece, this.#length);
    this.#length += piece.length;
    return true;
  }

  #copyIntoBlocks(piece: Uint8Array): void {
    let at = 0;
    while (at < piece.length) {
      if (this.#block === null || this.#blockAt === this.#block.length) {
        this.#seal();
        this.#block = new Uint8Array(BLOCK);
        this.#blockAt = 0;
        this.#runStart = 0;
      }
      const take = Math.min(piece.length - at, this.#block.length - this.#blockAt);
      this.#block.set(take === piece.length ? piece : piece.subarray(at, at + take), this.#blockAt);
      this.#blockAt += take;
      at += take;
    }
  }

  /**
   * Ends the current run of copied bytes: it joins `#parts` as a view of the block, which goes on
   * filling after it (a kept piece in between costs no new block).
   */
  #seal(): void {
    if (this.#block === null || this.#blockAt === this.#runStart) return;
    this.#parts.push(this.#block.subarray(this.#runStart, this.#blockAt));
    this.#runStart = this.#blockAt;
  }
}

function join(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
