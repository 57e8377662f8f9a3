/**
 * Latin-1 (ISO 8859-1) string materialisation: byte `b` becomes code unit `b`, so a string made
 * here maps back to its exact bytes. `TextDecoder('latin1')` is windows-1252 (0x80-0x9F differ)
 * and is not in ES2022, so the parser builds strings itself.
 */

/** Node's `Buffer#latin1Slice`: native latin-1 decoding (undici builds its header strings so). */
interface Latin1Sliceable {
  latin1Slice(start: number, end: number): string;
}

/** Spans longer than this go to `latin1Slice` when the input has it. */
const NATIVE_MIN = 12;

/**
 * The latin-1 string of `buf[start..end)`.
 *
 * @param buf - the bytes.
 * @param start - first index.
 * @param end - one past the last index.
 * @returns a string whose code units are the bytes.
 */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 0) return '';
  if (n > NATIVE_MIN) {
    // A Node `Buffer` decodes natively (duck-typed: the package imports no `node:` module and
    // runs in browsers, where inputs are plain Uint8Arrays and take the paths below).
    // Called as a method: `native.call(buf, …)` of a loaded function took ~15 ns more a call.
    const native = buf as Partial<Latin1Sliceable> & Uint8Array;
    if (native.latin1Slice !== undefined) return native.latin1Slice(start, end);
  }
  if (n > 48) {
    // Long spans: one native call per 4 KiB slice beats per-byte concatenation.
    let out = '';
    for (let i = start; i < end; i += 4096) {
      out += String.fromCharCode.apply(
        null,
        buf.subarray(i, Math.min(end, i + 4096)) as unknown as number[],
      );
    }
    return out;
  }
  let out = '';
  let i = start;
  // Eight code units per call: V8 builds short strings fastest from fixed-arity fromCharCode.
  for (; i + 8 <= end; i += 8) {
    out += String.fromCharCode(
      buf[i]!,
      buf[i + 1]!,
      buf[i + 2]!,
      buf[i + 3]!,
      buf[i + 4]!,
      buf[i + 5]!,
      buf[i + 6]!,
      buf[i + 7]!,
    );
  }
  for (; i < end; i++) out += String.fromCharCode(buf[i]!);
  return out;
}

/**
 * Append `src[start..end)` to a growable scratch buffer.
 *
 * @param scratch - the current buffer.
 * @param used - bytes already in it.
 * @param src - bytes to append.
 * @param start - first index in `src`.
 * @param end - one past the last index in `src`.
 * @returns the buffer to keep (a larger one when it had to grow).
 */
export function appendBytes(
  scratch: Uint8Array,
  used: number,
  src: Uint8Array,
  start: number,
  end: number,
): Uint8Array {
  const need = used + (end - start);
  if (need > scratch.length) {
    const grown = new Uint8Array(Math.max(need, scratch.length * 2, 64));
    grown.set(scratch.subarray(0, used));
    scratch = grown;
  }
  scratch.set(src.subarray(start, end), used);
  return scratch;
}
