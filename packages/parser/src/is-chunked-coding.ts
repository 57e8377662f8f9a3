import { endsChunked } from './internal/body-framing.js';
import { FIELD_VALUE_RELAXED } from './internal/tables.js';
import { ParseError } from './parse-error.js';

/**
 * Whether a `Transfer-Encoding` field value's final coding is `chunked`, read exactly as
 * {@link ResponseParser} reads it (RFC 9112 §6.1: only the final coding decides; `chunked` in
 * any case, followed only by spaces). For code that sees a response's fields but not its bytes —
 * the fetch-backed web client — so the grammar lives in one place.
 *
 * @param value - the field value (several fields joined with `", "`, as fetch's `Headers` gives).
 * @returns true when the last coding is `chunked`; false otherwise, also for a value holding a
 *   byte no field value may hold.
 * @example
 * ```ts
 * isChunkedCoding('gzip, chunked'); // true
 * isChunkedCoding('chunked, gzip'); // false
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-6.1
 */
export function isChunkedCoding(value: string): boolean {
  let start = 0;
  while (start < value.length && (value[start] === ' ' || value[start] === '\t')) start++;
  try {
    return endsChunked(start === 0 ? value : value.slice(start), FIELD_VALUE_RELAXED, 0);
  } catch (error) {
    if (error instanceof ParseError) return false;
    throw error;
  }
}
