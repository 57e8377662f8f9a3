/**
 * The result shape shared by every response-parser oracle in these tests: native llhttp (Node's
 * binding), llhttp's wasm build (as undici ships it) and gdhttp's own parser
 * (`test/support/gdhttp-oracle.ts`), described in docs/references.md#the-llhttp-oracles.
 */

/** One parsed response (interim 1xx responses included, in wire order). */
export interface OracleMessage {
  /** `"major.minor"`, e.g. `"1.1"`. */
  version: string;
  status: number;
  reason: string;
  /** Field lines in wire order, names as sent, values with trailing SP/HTAB trimmed. */
  headers: [string, string][];
  trailers: [string, string][];
  /** Concatenated body bytes. */
  body: Uint8Array;
  keepAlive: boolean;
  upgrade: boolean;
  complete: boolean;
}

/** A parse failure: llhttp error name (`HPE_*`), reason text, absolute byte offset. */
export interface OracleError {
  code: string;
  reason: string;
  at: number;
}

export interface OracleResult {
  messages: OracleMessage[];
  error: OracleError | null;
  /** Bytes consumed before an error, an upgrade, or the end of input. */
  bytesParsed: number;
  /** Offset where the new protocol starts after a 101 / CONNECT 2xx, or -1. */
  upgradeAt: number;
}

export interface OracleOptions {
  /** Request method the response answers: `HEAD` means no body, `CONNECT` + 2xx means tunnel. */
  method?: string;
  /** `true` = every llhttp leniency (`kLenientAll`), or an llhttp lenient bitmask. */
  lenient?: boolean | number;
  /** Header-section limit in bytes (native binding only; 0 = Node's default, 16 KiB). */
  maxHeaderSize?: number;
  /** Signal EOF after the last chunk (default `true`). */
  eof?: boolean;
}

/** A function with the oracle contract. */
export type ResponseOracle = (chunks: Uint8Array[], opts?: OracleOptions) => OracleResult;

/** llhttp lenient flag bits (`src/llhttp/constants.ts` `LENIENT_FLAGS`). */
export const Lenient = {
  NONE: 0,
  HEADERS: 1,
  CHUNKED_LENGTH: 2,
  KEEP_ALIVE: 4,
  TRANSFER_ENCODING: 8,
  VERSION: 16,
  DATA_AFTER_CLOSE: 32,
  OPTIONAL_LF_AFTER_CR: 64,
  OPTIONAL_CRLF_AFTER_CHUNK: 128,
  OPTIONAL_CR_BEFORE_LF: 256,
  SPACES_AFTER_CHUNK_SIZE: 512,
  ALL: 1023,
} as const;

/** Normalises the `lenient` option to an llhttp bitmask. */
export function lenientMask(lenient: boolean | number | undefined): number {
  if (lenient === true) return Lenient.ALL;
  if (lenient === false || lenient === undefined) return Lenient.NONE;
  return lenient;
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Decodes bytes as latin1 (one char per byte), as Node's binding does for header strings. */
export function latin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let s = '';
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(
      null,
      bytes.subarray(i, Math.min(end, i + 4096)) as unknown as number[],
    );
  }
  return s;
}

/** Encodes a latin1 string (char codes 0-255) to bytes. */
export function bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** Trims trailing SP / HTAB, as Node's binding does to header values. */
export function trimOWS(s: string): string {
  let end = s.length;
  while (end > 0) {
    const c = s.charCodeAt(end - 1);
    if (c !== 0x20 && c !== 0x09) break;
    end--;
  }
  return end === s.length ? s : s.slice(0, end);
}
