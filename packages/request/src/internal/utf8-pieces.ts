// UTF-8 decoding of a byte stream that arrives in pieces, as `new TextDecoder()
// .decode(piece, { stream: true })` decodes it, at a sixth of the cost: Node
// 20's streaming TextDecoder took about 100 µs per 64 KiB piece of ASCII, Buffer#toString about
// 17 µs (V8's decoder, which replaces ill-formed sequences exactly as the WHATWG decoder does).
// It was a fifth of an EventSource's time on small events (bench/README.md, SSE).
//
// Why cutting at any byte that is not a continuation byte (80–BF) is exact: the WHATWG UTF-8
// decoder, on such a byte in the middle of a sequence, reports the sequence as an error and reads
// the byte again from its initial state; so decoding the stream in parts split there gives the
// same text as decoding it whole. Only a sequence that the end of a piece cuts short is held back
// (at most 3 bytes) and decoded with the continuation bytes that start the next piece.

/**
 * The index where `bytes[from…]` ends inside a character — the start of a well-formed but
 * unfinished sequence, which TextDecoder would hold back too — or `bytes.length`.
 */
function completeEnd(bytes: Uint8Array, from: number): number {
  const n = bytes.length;
  for (let i = n - 1; i >= from && i >= n - 3; i--) {
    const b = bytes[i]!;
    if (b < 0x80) return n;
    if (b < 0xc0) continue; // a continuation byte: look for its lead
    // C0, C1 and F5–FF never start a character: an error now, nothing to hold.
    if (b < 0xc2 || b > 0xf4) return n;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    if (i + need <= n) return n;
    // Held only while it can still become a character: the second byte's range depends on the
    // lead (Unicode Table 3-7; what the WHATWG decoder checks).
    if (i + 1 < n) {
      const c = bytes[i + 1]!;
      const lower = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
      const upper = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
      if (c < lower || c > upper) return n;
    }
    return i;
  }
  return n;
}

/**
 * In a browser (no `Buffer`) a one-shot TextDecoder: the pieces given to it never end inside a
 * character, so it decodes them as the streaming one would; `ignoreBOM` because the BOM is
 * {@link Utf8Pieces}' to drop, once, at the start of the stream only.
 */
let platformDecoder: InstanceType<typeof TextDecoder> | null = null;

function text(bytes: Uint8Array, start: number, end: number): string {
  if (typeof Buffer !== 'function') {
    platformDecoder ??= new TextDecoder('utf-8', { ignoreBOM: true });
    return platformDecoder.decode(bytes.subarray(start, end));
  }
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buffer.toString('utf8', start, end);
}

/**
 * Decodes UTF-8 arriving in pieces: {@link Utf8Pieces.decode} returns the text of each piece, a
 * character split between two pieces given whole with the second. One leading BOM is dropped
 * (as TextDecoder and the WHATWG "UTF-8 decode" drop it) unless `ignoreBOM` is set; ill-formed
 * bytes become U+FFFD. Pieces are read, never kept or copied, but for the at most 3 bytes of a
 * split character.
 */
export class Utf8Pieces {
  readonly #ignoreBOM: boolean;
  #held: Uint8Array | null = null;
  /** No text came yet: a BOM starting it is dropped. */
  #atStart: boolean;

  /** @param options - `ignoreBOM: true` keeps a leading BOM in the text, as TextDecoder's option. */
  constructor(options: { ignoreBOM?: boolean } = {}) {
    this.#ignoreBOM = options.ignoreBOM === true;
    this.#atStart = !this.#ignoreBOM;
  }

  /**
   * @param piece - the next bytes of the stream.
   * @returns their text, without the bytes of a character the piece ends inside of.
   */
  decode(piece: Uint8Array): string {
    const text = this.#decode(piece);
    if (!this.#atStart || text === '') return text;
    this.#atStart = false;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }

  #decode(piece: Uint8Array): string {
    let start = 0;
    let head = '';
    const held = this.#held;
    if (held !== null) {
      this.#held = null;
      // The held sequence needs at most 3 more bytes: the continuation bytes this piece starts with.
      let k = 0;
      while (k < piece.length && k < 3 && (piece[k]! & 0xc0) === 0x80) k++;
      const joined = new Uint8Array(held.length + k);
      joined.set(held);
      joined.set(piece.subarray(0, k), held.length);
      if (k === piece.length) return this.#decode(joined); // may still be short: held again
      head = text(joined, 0, joined.length);
      start = k;
    }
    const end = completeEnd(piece, start);
    // A copy: the piece may be a Buffer, whose slice() is a view.
    if (end < piece.length) this.#held = new Uint8Array(piece.subarray(end));
    return end > start ? head + text(piece, start, end) : head;
  }

  /** Starts a new stream: forgets a held partial character, and drops the next leading BOM. */
  reset(): void {
    this.#held = null;
    this.#atStart = !this.#ignoreBOM;
  }
}
