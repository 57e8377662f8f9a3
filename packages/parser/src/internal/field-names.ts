import { latin1 } from './latin1.js';
import { FIELD_VALUE } from './tables.js';

/** Field names llhttp treats specially (its `SPECIAL_HEADERS`), matched case-insensitively. */
export const Special = {
  NONE: 0,
  /** `Connection`, and `Proxy-Connection` which llhttp reads the same way. */
  CONNECTION: 1,
  CONTENT_LENGTH: 2,
  TRANSFER_ENCODING: 3,
  UPGRADE: 4,
} as const;

/** A field name as strings, with its lower-cased form and its framing role. */
export interface FieldName {
  readonly name: string;
  readonly lower: string;
  readonly special: number;
  /**
   * The last value seen under this name that was found in the value cache, so strictly valid
   * (RFC 9110 §5.5, no CR/LF, no leading or trailing whitespace); '' for none. A server repeats
   * most values, so the parser compares the bytes after the colon with it before searching.
   */
  last: string;
  /** The name that followed this one in the last head parsed (a guess for the next line). */
  next: FieldName | null;
}

function specialOf(lower: string): number {
  switch (lower) {
    case 'connection':
    case 'proxy-connection':
      return Special.CONNECTION;
    case 'content-length':
      return Special.CONTENT_LENGTH;
    case 'transfer-encoding':
      return Special.TRANSFER_ENCODING;
    case 'upgrade':
      return Special.UPGRADE;
    default:
      return Special.NONE;
  }
}

/**
 * A cheap cache key: the length and three sampled bytes. Collisions only cost a miss (every hit
 * is verified byte by byte), and sampling keeps the scanning loops free of hashing work.
 */
function sampleKey(buf: Uint8Array, start: number, n: number): number {
  return (
    Math.imul(n, 0x9e3779b1) ^
    (buf[start]! << 3) ^
    (buf[start + (n >> 1)]! << 9) ^
    (buf[start + n - 1]! << 15)
  );
}

const VALUE_SLOTS = 2048;
const MAX_CACHED_VALUE = 256;
const values: string[] = new Array(VALUE_SLOTS).fill('');

/**
 * Whether `buf[start..end)` is a strictly valid field value (RFC 9110 §5.5): field-value bytes
 * only, no leading or trailing whitespace, not empty.
 *
 * @param buf - the bytes.
 * @param start - first index.
 * @param end - one past the last index.
 * @param scanned - the bytes are already known to be field-value bytes.
 * @returns true when valid.
 */
export function strictValue(
  buf: Uint8Array,
  start: number,
  end: number,
  scanned: boolean,
): boolean {
  if (end <= start || isSpaceOrTab(buf[start]!) || isSpaceOrTab(buf[end - 1]!)) return false;
  if (!scanned) for (let i = start; i < end; i++) if (FIELD_VALUE[buf[i]!] !== 1) return false;
  return true;
}

/**
 * The latin-1 string of `buf[start..end)`, from a direct-mapped cache when the same bytes were
 * seen recently. Field values repeat across responses (server, content type, cache policy), so a
 * byte comparison usually replaces an allocation, and the strings handed out are already flat.
 *
 * @param buf - the bytes.
 * @param start - first index.
 * @param end - one past the last index.
 * @param scanned - the bytes are already known to be field-value bytes (RFC 9110 §5.5).
 * @returns the string.
 */
export function internValue(buf: Uint8Array, start: number, end: number, scanned: boolean): string {
  const hit = cachedValue(buf, start, end);
  if (hit !== undefined) return hit;
  const made = latin1(buf, start, end);
  const n = end - start;
  if (n > MAX_CACHED_VALUE) return made;
  // Only strictly valid field values enter the shared cache: a hit then proves the bytes valid
  // for every parser, strict or lenient.
  if (strictValue(buf, start, end, scanned))
    values[(sampleKey(buf, start, n) >>> 0) % VALUE_SLOTS] = made;
  return made;
}

/**
 * The cached string equal to `buf[start..end)`, if any. Cached strings are strictly valid field
 * values, so a hit needs no further validation.
 *
 * @param buf - the bytes.
 * @param start - first index.
 * @param end - one past the last index.
 * @returns the string, or undefined.
 */
export function cachedValue(buf: Uint8Array, start: number, end: number): string | undefined {
  const n = end - start;
  if (n > MAX_CACHED_VALUE || n === 0) return undefined;
  const hit = values[(sampleKey(buf, start, n) >>> 0) % VALUE_SLOTS]!;
  return hit.length === n && bytesEqual(buf, start, hit) ? hit : undefined;
}

/**
 * Whether `buf[start..start + s.length)` holds the latin-1 bytes of `s` (the caller checked that
 * the bytes exist).
 *
 * @param buf - the bytes.
 * @param start - first index.
 * @param s - the string to compare with.
 * @returns true when they are equal.
 */
export function bytesEqual(buf: Uint8Array, start: number, s: string): boolean {
  const n = s.length;
  let i = 0;
  while (i < n && s.charCodeAt(i) === buf[start + i]) i++;
  return i === n;
}

function isSpaceOrTab(b: number): boolean {
  return b === 0x20 || b === 0x09;
}

const SLOTS = 1024;
const MAX_CACHED = 64;
const cache: (FieldName | undefined)[] = new Array(SLOTS).fill(undefined);

/**
 * The {@link FieldName} for `buf[start..end)`. Field names repeat on every response, so a small
 * direct-mapped cache hands out the same strings (and their lower-cased form and framing role)
 * without allocating: the lower-cased name is free for callers and the framing check is done once.
 *
 * @param buf - bytes holding the name (already validated as a token).
 * @param start - first index.
 * @param end - one past the last index.
 * @returns the interned name.
 */
export function fieldName(buf: Uint8Array, start: number, end: number): FieldName {
  const n = end - start;
  if (n > MAX_CACHED) return make(latin1(buf, start, end));
  const key = sampleKey(buf, start, n);
  const slot = (key ^ (key >>> 11)) & (SLOTS - 1);
  const hit = cache[slot];
  if (hit !== undefined && hit.name.length === n && bytesEqual(buf, start, hit.name)) return hit;
  const made = make(latin1(buf, start, end));
  cache[slot] = made;
  return made;
}

function make(name: string): FieldName {
  const lower = name.toLowerCase();
  return { name, lower, special: specialOf(lower), last: '', next: null };
}
