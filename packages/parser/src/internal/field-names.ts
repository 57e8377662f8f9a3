import { latin1 } from './latin1.js';

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
 * The hash the parser folds into its scanning loops: `h = imul(h, 31) + byte`, from 0.
 *
 * @param buf - the bytes.
 * @param start - first index.
 * @param end - one past the last index.
 * @returns the 32-bit hash.
 */
export function byteHash(buf: Uint8Array, start: number, end: number): number {
  let h = 0;
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + buf[i]!) | 0;
  return h;
}

const VALUE_SLOTS = 2048;
const MAX_CACHED_VALUE = 96;
const values: string[] = new Array(VALUE_SLOTS).fill('');

/**
 * The latin-1 string of `buf[start..end)`, from a direct-mapped cache when the same bytes were
 * seen recently. Field values repeat across responses (server, content type, cache policy), so a
 * byte comparison usually replaces an allocation, and the strings handed out are already flat.
 *
 * @param buf - the bytes.
 * @param start - first index.
 * @param end - one past the last index.
 * @param hash - {@link byteHash} of exactly these bytes.
 * @returns the string.
 */
export function internValue(buf: Uint8Array, start: number, end: number, hash: number): string {
  const n = end - start;
  if (n > MAX_CACHED_VALUE || n === 0) return latin1(buf, start, end);
  const slot = (hash ^ n ^ (hash >>> 13)) & (VALUE_SLOTS - 1);
  const hit = values[slot]!;
  if (hit.length === n) {
    let i = 0;
    while (i < n && hit.charCodeAt(i) === buf[start + i]) i++;
    if (i === n) return hit;
  }
  const made = latin1(buf, start, end);
  values[slot] = made;
  return made;
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
 * @param hash - {@link byteHash} of the bytes, computed while they were validated.
 * @returns the interned name.
 */
export function fieldName(buf: Uint8Array, start: number, end: number, hash: number): FieldName {
  const n = end - start;
  if (n > MAX_CACHED) return make(latin1(buf, start, end));
  const slot = (hash ^ n ^ (hash >>> 11)) & (SLOTS - 1);
  const hit = cache[slot];
  if (hit !== undefined && hit.name.length === n) {
    const s = hit.name;
    let i = 0;
    while (i < n && s.charCodeAt(i) === buf[start + i]) i++;
    if (i === n) return hit;
  }
  const made = make(latin1(buf, start, end));
  cache[slot] = made;
  return made;
}

function make(name: string): FieldName {
  const lower = name.toLowerCase();
  return { name, lower, special: specialOf(lower) };
}
