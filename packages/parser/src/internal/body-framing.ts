/**
 * The cold half of response framing: the grammars of the three fields that decide how a body is
 * delimited and whether the connection stays open — `Content-Length`, `Transfer-Encoding`,
 * `Connection` — and the RFC 9112 §6.3 decision they feed.
 *
 * The parser's hot loop only finds where each value starts and ends. When a value of one of these
 * fields ends, it hands the value here and keeps the answer in a bit set (the `F_*` flags below);
 * at the end of the head it asks {@link bodyKind} and {@link persistent} once. Each grammar reads
 * one value as latin-1 and is told the stream offset of its first byte, so a refusal is a
 * {@link ParseError} pointing at the offending byte, as everywhere else in the parser.
 *
 * The grammars are llhttp's (its `header_value_*` states), which are stricter in places than the
 * RFC's ABNF: the differential tests hold both parsers to the same answers.
 */
import { BodyKind } from '../body-kind.js';
import { ParseError } from '../parse-error.js';
import { LIST_TOKEN } from './tables.js';

// What a head said about framing, as bits (llhttp's FLAGS values; the parser keeps its own
// F_TRAILING = 128 in the same word, so these values must not change).
/** `Connection: keep-alive` (an HTTP/1.0 response asks to persist). */
export const F_KEEP_ALIVE = 1;
/** `Connection: close`. */
export const F_CLOSE = 2;
/** `Connection: upgrade` (recorded as llhttp does; a 101 status alone switches protocols). */
export const F_CONNECTION_UPGRADE = 4;
/** The final transfer coding is `chunked` (set only with {@link F_TRANSFER_ENCODING}). */
export const F_CHUNKED = 8;
/** A `Content-Length` field was read. */
export const F_CONTENT_LENGTH = 32;
/** A `Transfer-Encoding` field was read. */
export const F_TRANSFER_ENCODING = 512;

const SP = 0x20;
const HT = 0x09;
const COMMA = 0x2c;
/** 2^64 - 1: llhttp keeps a content length in 64 bits. */
const U64_MAX = '18446744073709551615';

/**
 * `Content-Length = 1*DIGIT` (RFC 9110 §8.6), trailing whitespace allowed, at most 2^64 - 1 as in
 * llhttp. Leading zeros are allowed and do not count toward the limit.
 *
 * @param value - the field value, leading whitespace already skipped.
 * @param at - stream offset of `value`'s first byte.
 * @returns the length.
 * @throws ParseError `INVALID_CONTENT_LENGTH` for a non-digit or an overflow.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-8.6
 */
export function contentLength(value: string, at: number): number {
  let i = 0;
  let start = -1;
  // Summed as the digits go by: exact up to 15 digits (below 2^53); longer ones are read again
  // from the string below, so no slice or number parse per response for the usual lengths.
  let length = 0;
  while (i < value.length) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    length = length * 10 + (c - 0x30);
    if (start < 0 && c !== 0x30) start = i;
    if (start >= 0) {
      const digits = i - start + 1;
      if (digits > 20 || (digits === 20 && value.slice(start, i + 1) > U64_MAX)) {
        throw new ParseError('INVALID_CONTENT_LENGTH', 'Content-Length overflow', at + i);
      }
    }
    i++;
  }
  const digitsEnd = i;
  while (i < value.length && isSpaceOrTab(value.charCodeAt(i))) i++;
  if (i < value.length) {
    throw new ParseError('INVALID_CONTENT_LENGTH', 'Invalid character in Content-Length', at + i);
  }
  if (start < 0 || digitsEnd - start <= 15) return length;
  return Number(value.slice(0, digitsEnd));
}

/**
 * Whether a `Transfer-Encoding` value ends in the `chunked` coding (RFC 9112 §6.1: only the final
 * coding decides). llhttp's reading: a comma-separated list, `chunked` matched case-insensitively
 * and followed only by spaces (an HTAB after it is not whitespace here, so `chunked<HTAB>` is
 * some other coding). A value that does not end in `chunked` is checked as a plain field value.
 *
 * @param value - the field value, leading whitespace already skipped.
 * @param valueTable - the field-value bytes the parser accepts (strict or lenient).
 * @param at - stream offset of `value`'s first byte.
 * @returns true when the final coding is `chunked`.
 * @throws ParseError `INVALID_HEADER_TOKEN` for a byte the value table refuses.
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-6.1
 */
export function endsChunked(value: string, valueTable: Uint8Array, at: number): boolean {
  let i = 0;
  for (;;) {
    // llhttp's header_value_te_chunked: `chunked`, then only spaces to the end.
    const m = matchLower(value, i, 'chunked');
    i += m;
    if (m === 7) {
      while (i < value.length && value.charCodeAt(i) === SP) i++;
      if (i === value.length) return true;
    }
    // header_value_te_token: any other coding, up to the next comma.
    while (i < value.length) {
      const c = value.charCodeAt(i);
      if (c === COMMA || LIST_TOKEN[c] !== 1) break;
      i++;
    }
    if (i < value.length && value.charCodeAt(i) === COMMA) {
      i++;
      while (i < value.length && isSpaceOrTab(value.charCodeAt(i))) i++;
      continue;
    }
    break;
  }
  checkFieldValue(value, i, valueTable, at);
  return false;
}

/**
 * The connection options of a `Connection` (or `Proxy-Connection`) value: `close`, `keep-alive`
 * and `upgrade`, matched case-insensitively as whole members of a comma-separated list (RFC 9110
 * §7.6.1; llhttp's header_value_connection states). Other members are skipped; the bytes after
 * the last list member llhttp can read are checked as a plain field value.
 *
 * @param value - the field value, leading whitespace already skipped.
 * @param valueTable - the field-value bytes the parser accepts (strict or lenient).
 * @param at - stream offset of `value`'s first byte.
 * @returns {@link F_CLOSE}, {@link F_KEEP_ALIVE}, {@link F_CONNECTION_UPGRADE} or'ed, or 0.
 * @throws ParseError `INVALID_HEADER_TOKEN` for a byte the value table refuses.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1
 */
export function connectionOptions(value: string, valueTable: Uint8Array, at: number): number {
  let options = 0;
  let i = 0;
  while (i < value.length) {
    while (i < value.length && isSpaceOrTab(value.charCodeAt(i))) i++;
    let option = 0;
    let m = 0;
    if (matchLower(value, i, 'close') === 5) {
      option = F_CLOSE;
      m = 5;
    } else if (matchLower(value, i, 'keep-alive') === 10) {
      option = F_KEEP_ALIVE;
      m = 10;
    } else if (matchLower(value, i, 'upgrade') === 7) {
      option = F_CONNECTION_UPGRADE;
      m = 7;
    }
    if (option !== 0) {
      i += m;
      while (i < value.length && isSpaceOrTab(value.charCodeAt(i))) i++;
      if (i === value.length) return options | option;
      if (value.charCodeAt(i) === COMMA) {
        options |= option;
        i++;
        continue;
      }
    }
    // Any other member (or a known word with more after it, `closed`): skip to the next comma.
    while (i < value.length) {
      const c = value.charCodeAt(i);
      if (c === COMMA || LIST_TOKEN[c] !== 1) break;
      i++;
    }
    if (i < value.length && value.charCodeAt(i) === COMMA) {
      i++;
      continue;
    }
    checkFieldValue(value, i, valueTable, at);
    return options;
  }
  return options;
}

/**
 * Checks `value` from index `from` on against the parser's field-value bytes.
 *
 * @param value - the field value.
 * @param from - the first index to check.
 * @param valueTable - 1 for each accepted byte.
 * @param at - stream offset of `value`'s first byte.
 * @throws ParseError `INVALID_HEADER_TOKEN` at the first refused byte.
 */
export function checkFieldValue(
  value: string,
  from: number,
  valueTable: Uint8Array,
  at: number,
): void {
  for (let i = from; i < value.length; i++) {
    if (valueTable[value.charCodeAt(i)] !== 1) {
      throw new ParseError('INVALID_HEADER_TOKEN', 'Invalid header value char', at + i);
    }
  }
}

/**
 * Whether the response switches the connection to another protocol, so no body follows and the
 * bytes after the head are not HTTP: 101 Switching Protocols (RFC 9110 §15.2.2), or a 2xx answer
 * to CONNECT, which opens a tunnel (RFC 9110 §9.3.6).
 *
 * @param method - the request method the response answers.
 * @param status - the status code.
 * @returns true for a protocol switch.
 */
export function switchesProtocol(method: string, status: number): boolean {
  return status === 101 || (method === 'CONNECT' && status >= 200 && status < 300);
}

/**
 * How the body of a response is delimited: the RFC 9112 §6.3 rules, in their order.
 *
 * @param method - the request method the response answers.
 * @param status - the status code.
 * @param flags - the framing bits the head set ({@link F_TRANSFER_ENCODING}, {@link F_CHUNKED},
 *   {@link F_CONTENT_LENGTH}; others are ignored).
 * @param length - the `Content-Length` value when {@link F_CONTENT_LENGTH} is set.
 * @returns the body kind.
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-6.3
 */
export function bodyKind(method: string, status: number, flags: number, length: number): BodyKind {
  // Rule 1: no content in an answer to HEAD, nor in 1xx, 204 or 304, whatever the fields say.
  // Rule 2: a 2xx answer to CONNECT opens a tunnel; what follows the head is the tunnel's.
  if (method === 'HEAD' || (status >= 100 && status < 200) || status === 204 || status === 304) {
    return BodyKind.NONE;
  }
  if (switchesProtocol(method, status)) return BodyKind.NONE;
  // Rules 3 and 4: Transfer-Encoding wins (with Content-Length too the parser refused the head
  // unless lenient); a final coding other than chunked is read until the connection closes.
  if (flags & F_TRANSFER_ENCODING) {
    return flags & F_CHUNKED ? BodyKind.CHUNKED : BodyKind.UNTIL_EOF;
  }
  // Rules 5 and 6: a valid Content-Length (duplicates and bad values were refused already).
  if (flags & F_CONTENT_LENGTH) return length === 0 ? BodyKind.NONE : BodyKind.CONTENT_LENGTH;
  // Rule 8 (rule 7 is for requests): a response without either is read until close.
  return BodyKind.UNTIL_EOF;
}

/**
 * Whether the connection persists after this response, before looking at its body framing (a
 * body read until close ends the connection anyway): llhttp's `llhttp_should_keep_alive` without
 * its needs-EOF part. HTTP/1.1 persists unless `close`; HTTP/1.0 only with `keep-alive`.
 *
 * @param major - the major version.
 * @param minor - the minor version.
 * @param flags - the head's bits ({@link F_CLOSE}, {@link F_KEEP_ALIVE}; others are ignored).
 * @returns true when another response may follow on the connection.
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-9.3
 */
export function persistent(major: number, minor: number, flags: number): boolean {
  if (major > 0 && minor > 0) return (flags & F_CLOSE) === 0;
  return (flags & F_KEEP_ALIVE) !== 0;
}

function isSpaceOrTab(c: number): boolean {
  return c === SP || c === HT;
}

/** Case-insensitive match of lower-case ASCII `word` in `s` at `i`: length matched. */
function matchLower(s: string, i: number, word: string): number {
  let k = 0;
  while (k < word.length && i + k < s.length && (s.charCodeAt(i + k) | 0x20) === word.charCodeAt(k))
    k++;
  return k;
}
