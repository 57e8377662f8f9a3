/**
 * 256-entry byte classes, built once. Indexing a `Uint8Array` with a byte is the cheapest check V8
 * offers (no branch per character class), so every hot loop tests `TABLE[byte]`.
 */

function table(accept: (b: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = accept(b) ? 1 : 0;
  return t;
}

const TCHAR_PUNCT = "!#$%&'*+-.^_`|~";

/** RFC 9110 §5.6.2 `tchar`: the bytes of a token (field names, methods, chunk-ext names). */
export const TOKEN = table(
  (b) =>
    (b >= 0x30 && b <= 0x39) ||
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    TCHAR_PUNCT.includes(String.fromCharCode(b)),
);

/**
 * RFC 9110 §5.5 field-value bytes: HTAB, SP, VCHAR and obs-text (0x80-0xFF, allowed by the RFC and
 * by llhttp's `HEADER_CHARS`). NUL, CR, LF, other CTLs and DEL are not.
 */
export const FIELD_VALUE = table((b) => b === 0x09 || (b >= 0x20 && b !== 0x7f));

/**
 * llhttp's `header_value_relaxed` set (v9.4.0): field-value bytes plus the CTLs other than NUL,
 * CR and LF, which some servers send and which carry no known framing risk.
 */
export const FIELD_VALUE_RELAXED = table((b) => b !== 0x00 && b !== 0x0a && b !== 0x0d);

/** Everything but CR and LF: the value scan used under `headers` leniency and for framing fields. */
export const NOT_CRLF = table((b) => b !== 0x0a && b !== 0x0d);

/** llhttp's `CONNECTION_TOKEN_CHARS`: field-value bytes except the list separator `,`. */
export const LIST_TOKEN = table((b) => (b === 0x09 || (b >= 0x20 && b !== 0x7f)) && b !== 0x2c);

/** RFC 9110 §5.6.4 `qdtext`: HTAB, SP, `!`, `#`-`[`, `]`-`~`, obs-text. */
export const QDTEXT = table(
  (b) =>
    b === 0x09 ||
    b === 0x20 ||
    b === 0x21 ||
    (b >= 0x23 && b <= 0x5b) ||
    (b >= 0x5d && b <= 0x7e) ||
    b >= 0x80,
);

/** RFC 9110 §5.6.4 quoted-pair second byte: HTAB, SP, VCHAR, obs-text. */
export const QUOTED_PAIR = table((b) => b === 0x09 || (b >= 0x20 && b !== 0x7f));

/** Hex digit value + 1 (0 = not a hex digit), for chunk sizes (RFC 9112 §7.1). */
export const HEX = (() => {
  const t = new Uint8Array(256);
  for (let d = 0; d < 10; d++) t[0x30 + d] = d + 1;
  for (let d = 0; d < 6; d++) {
    t[0x41 + d] = d + 11;
    t[0x61 + d] = d + 11;
  }
  return t;
})();

/**
 * Skips whole words of printable ASCII (0x20-0x7E): from `i`, the index of the first four-byte
 * word that holds any other byte, or of the last bytes when fewer than four remain before `stop`.
 * Every table above that accepts field-value bytes accepts these, so a scan can start here and
 * let the table decide from there. Four bytes per load: field values that are new every response
 * (dates, ids, cookies) are scanned at a quarter of the loads of a byte loop.
 *
 * The test is exact: with every byte in 0x20-0x7E neither `x - 0x20202020` nor `x + 0x01010101`
 * borrows or carries between bytes, and no top bit is set. Otherwise take the lowest byte that is
 * out of range (nothing borrows or carries into it from below): below 0x20 its top bit is set in
 * the difference, from 0x7F to 0xFE in the sum, and 0xFF shows in the difference (0xDF).
 *
 * @param view - a DataView over the bytes.
 * @param i - first index.
 * @param stop - one past the last index that may be read.
 * @returns the index where a byte-wise scan must continue.
 */
export function skipPrintable(view: DataView, i: number, stop: number): number {
  const last = stop - 4;
  while (i <= last) {
    const x = view.getInt32(i, true);
    if ((((x - 0x20202020) | (x + 0x01010101)) & 0x80808080) !== 0) break;
    i += 4;
  }
  return i;
}
