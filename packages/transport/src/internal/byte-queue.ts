const EMPTY = new Uint8Array(0);

/**
 * A FIFO of received chunks that hands bytes out without concatenating on every arrival.
 *
 * Reads that fit inside the first chunk return a view (no copy); only a read spanning chunks
 * copies, and then only the bytes it returns. Received chunks are never read into again unless
 * the reader asked for that (`SocketReads` recycling), so views over them stay valid after the
 * queue lets go of them.
 */
export class ByteQueue {
  #chunks: Uint8Array[] = [];
  // Index of the first live chunk: advancing it instead of shift() keeps reads O(1).
  #first = 0;
  // Bytes of the first live chunk already handed out.
  #offset = 0;
  #length = 0;

  /** Bytes queued and not yet read. */
  get length(): number {
    return this.#length;
  }

  /** Appends a chunk (kept by reference). */
  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.byteLength;
  }

  /**
   * Removes and returns up to `max` bytes, never more than the rest of the oldest chunk: always a
   * view, never a copy. Stopping at a chunk boundary keeps a streaming reader from allocating a
   * second buffer per read — on a 1 GiB download that halves the garbage and the peak memory — and
   * callers loop anyway, since fewer bytes than asked is always a valid answer.
   */
  read(max: number): Uint8Array {
    // Floored: a fractional count must not make a fractional view.
    const want = Math.min(Math.floor(max), this.#length);
    if (!(want > 0)) return EMPTY;
    const head = this.#chunks[this.#first]!;
    const take = Math.min(want, head.byteLength - this.#offset);
    // A whole chunk is handed out as it is: the same bytes, without another view object.
    const view =
      this.#offset === 0 && take === head.byteLength
        ? head
        : head.subarray(this.#offset, this.#offset + take);
    this.#advance(take);
    return view;
  }

  /** A copy of up to `max` leading bytes, left in the queue (for small protocol heads only). */
  peek(max: number): Uint8Array {
    const want = Math.min(max, this.#length);
    const out = new Uint8Array(want);
    let filled = 0;
    let index = this.#first;
    let offset = this.#offset;
    while (filled < want) {
      const chunk = this.#chunks[index]!;
      const take = Math.min(want - filled, chunk.byteLength - offset);
      out.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      index += 1;
      offset = 0;
    }
    return out;
  }

  /** Drops `count` leading bytes. */
  skip(count: number): void {
    let left = Math.min(count, this.#length);
    while (left > 0) {
      const chunk = this.#chunks[this.#first]!;
      const take = Math.min(left, chunk.byteLength - this.#offset);
      this.#advance(take);
      left -= take;
    }
  }

  /** Removes every queued byte and returns them as views, oldest first. */
  drain(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = this.#first; i < this.#chunks.length; i++) {
      const chunk = this.#chunks[i]!;
      out.push(i === this.#first ? chunk.subarray(this.#offset) : chunk);
    }
    this.clear();
    return out;
  }

  /** Forgets every queued byte. */
  clear(): void {
    this.#chunks = [];
    this.#first = 0;
    this.#offset = 0;
    this.#length = 0;
  }

  #advance(count: number): void {
    this.#offset += count;
    this.#length -= count;
    const head = this.#chunks[this.#first];
    if (head !== undefined && this.#offset === head.byteLength) {
      // Release the reference so a consumed chunk can be collected.
      this.#chunks[this.#first] = EMPTY;
      this.#first += 1;
      this.#offset = 0;
      if (this.#first > 1024 || this.#first === this.#chunks.length) this.#compact();
    }
  }

  #compact(): void {
    if (this.#first === 0) return;
    // Everything read (the usual case): a new empty array, not a copy of the read part's end.
    this.#chunks = this.#first === this.#chunks.length ? [] : this.#chunks.slice(this.#first);
    this.#first = 0;
  }
}
