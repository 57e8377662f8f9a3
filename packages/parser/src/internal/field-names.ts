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
  /** {@link name}'s bytes as words (see {@link wordsOf}), for the guess of the next line. */
  readonly words: Int32Array;
  /**
   * The last strictly valid value seen under this name (RFC 9110 §5.5, no CR/LF, no leading or
   * trailing whitespace); '' for none. A server repeats most values, so the parser compares the
   * bytes after the colon with it before searching.
   */
  last: string;
  /** {@link last}'s words, in a buffer reused while it is long enough (see {@link setLast}). */
  lastWords: Int32Array;
  /**
   * What the framing grammar made of {@link last} for a framing field (the length, the
   * connection option bits, 1 for a final `chunked`); unused for other names. The grammars are pure
   * functions of a strictly valid value, so a value equal to `last` needs no second reading.
   */
  lastFraming: number;
  /**
   * Values under this name that missed both `last` and the value cache in a row, up to
   * {@link VOLATILE}; from there a countdown (see {@link internValue}). A value equal to `last`
   * clears it.
   */
  misses: number;
  /** The name that followed this one in the last head parsed (a guess for the next line). */
  next: FieldName | null;
  /** The name that followed this one before {@link next} did (the second guess). */
  other: FieldName | null;
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

// Both caches are two-way set-associative: a key picks a pair of slots, and a new entry moves
// the pair's first one to the second. Two names or values a server sends in turn that share a key
// (`Last-Modified` and `X-Request-Id` do) then both stay, where with one slot each would evict the
// other on every response, and a name evicted loses its `last` value and `next` guess.
const VALUE_SLOTS = 2048;
const MAX_CACHED_VALUE = 256;
const values: string[] = new Array(VALUE_SLOTS).fill('');
/** Each cached value's words (see {@link wordsOf}), beside it. */
const valueWords: Int32Array[] = new Array(VALUE_SLOTS).fill(new Int32Array(0));

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
 * Misses in a row after which a name's values are taken to be new every time (a date, a request
 * id, a cookie): they skip the value cache, whose lookup, validation and store would only evict a
 * value that repeats. One value in 32 still looks the cache up, so a name whose values start to
 * repeat gets the cache back.
 */
const VOLATILE = 4;

/**
 * The latin-1 string of `buf[start..end)`, from a cache when the same bytes were seen recently.
 * Field values repeat across responses (server, content type, cache policy), so a comparison
 * usually replaces an allocation, and the strings handed out are already flat.
 *
 * @param buf - the bytes.
 * @param view - a DataView over exactly the bytes of `buf`.
 * @param start - first index.
 * @param end - one past the last index.
 * @param scanned - the bytes are already known to be field-value bytes (RFC 9110 §5.5).
 * @param name - the field the value belongs to (its run of misses), or null (a reason phrase).
 * @returns the string.
 */
export function internValue(
  buf: Uint8Array,
  view: DataView,
  start: number,
  end: number,
  scanned: boolean,
  name: FieldName | null,
): string {
  if (name !== null) {
    const m = name.misses;
    if (m >= VOLATILE) {
      if (m < VOLATILE + 31) {
        name.misses = m + 1;
        return latin1(buf, start, end);
      }
      // Look again: a hit clears the run, a miss starts the countdown over.
      name.misses = VOLATILE - 1;
    }
  }
  const n = end - start;
  if (n > MAX_CACHED_VALUE || n === 0) return latin1(buf, start, end);
  const slot = (sampleKey(buf, start, n) >>> 0) & (VALUE_SLOTS - 2);
  const first = values[slot]!;
  let hit = '';
  if (first.length === n && sameBytes(view, buf, start, first, valueWords[slot]!)) hit = first;
  else {
    const second = values[slot + 1]!;
    if (second.length === n && sameBytes(view, buf, start, second, valueWords[slot + 1]!)) {
      hit = second;
    }
  }
  // Cached strings are strictly valid field values: a hit needs no further validation.
  if (hit !== '') {
    if (name !== null) name.misses = 0;
    return hit;
  }
  if (name !== null) name.misses++;
  const made = latin1(buf, start, end);
  // Only strictly valid field values enter the shared cache: a hit then proves the bytes valid
  // for every parser, strict or lenient.
  if (strictValue(buf, start, end, scanned)) {
    values[slot + 1] = first;
    valueWords[slot + 1] = valueWords[slot]!;
    values[slot] = made;
    valueWords[slot] = readWords(view, start, n, new Int32Array(n < 4 ? 0 : wordCount(n)));
  }
  return made;
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

function isName(hit: FieldName | undefined, buf: Uint8Array, start: number, n: number): boolean {
  return hit !== undefined && hit.name.length === n && bytesEqual(buf, start, hit.name);
}

/**
 * The {@link FieldName} for `buf[start..end)`. Field names repeat on every response, so a small
 * cache hands out the same strings (and their lower-cased form and framing role) without
 * allocating: the lower-cased name is free for callers and the framing check is done once.
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
  const slot = (key ^ (key >>> 11)) & (SLOTS - 2);
  const first = cache[slot];
  if (isName(first, buf, start, n)) return first!;
  const second = cache[slot + 1];
  if (isName(second, buf, start, n)) return second!;
  const made = make(latin1(buf, start, end));
  cache[slot + 1] = first;
  cache[slot] = made;
  return made;
}

function make(name: string): FieldName {
  const lower = name.toLowerCase();
  return {
    name,
    lower,
    special: specialOf(lower),
    words: wordsOf(name),
    last: '',
    lastWords: new Int32Array(8),
    lastFraming: 0,
    misses: 0,
    next: null,
    other: null,
  };
}

/** How many words {@link wordsOf} packs `n` bytes into. */
function wordCount(n: number): number {
  return (n >> 2) + (n & 3 ? 1 : 0);
}

/**
 * The bytes of a latin-1 string four to an int32, little-endian, for {@link sameBytes}: one word
 * per whole four bytes and, when the length is not a multiple of four, one more holding the last
 * four bytes (overlapping the word before it). Strings shorter than four bytes are compared by
 * character, and get no words.
 *
 * @param s - the string (code units below 256).
 * @returns the words.
 */
export function wordsOf(s: string): Int32Array {
  const n = s.length;
  const w = new Int32Array(n < 4 ? 0 : wordCount(n));
  if (n < 4) return w;
  const word = (i: number) =>
    s.charCodeAt(i) |
    (s.charCodeAt(i + 1) << 8) |
    (s.charCodeAt(i + 2) << 16) |
    (s.charCodeAt(i + 3) << 24);
  const full = n >> 2;
  for (let k = 0; k < full; k++) w[k] = word(k << 2);
  if (n & 3) w[full] = word(n - 4);
  return w;
}

/** Fills `w` with the words (see {@link wordsOf}) of the `n` bytes of `view` from `start`. */
function readWords(view: DataView, start: number, n: number, w: Int32Array): Int32Array {
  if (n < 4) return w;
  const full = n >> 2;
  for (let k = 0; k < full; k++) w[k] = view.getInt32(start + (k << 2), true);
  if (n & 3) w[full] = view.getInt32(start + n - 4, true);
  return w;
}

/**
 * Stores `value` as `name`'s last value, with what the framing grammar made of it. Its words are
 * read from the input it was just parsed from (`view` from `start`), four bytes a load, into
 * `name.lastWords` while that is long enough. A volatile name keeps no last value.
 *
 * @param name - the field name.
 * @param value - the value, strictly valid.
 * @param view - a DataView over the input.
 * @param start - the index of the value's first byte in it.
 * @param framing - see {@link FieldName.lastFraming}.
 */
export function setLast(
  name: FieldName,
  value: string,
  view: DataView,
  start: number,
  framing: number,
): void {
  if (name.misses > VOLATILE) {
    // Volatile: no last value, so the next line is not compared with one that will not repeat.
    // The values that look the cache up (one in 32, misses === VOLATILE after a miss) still
    // store theirs, and a next value equal to it makes the name not volatile.
    name.last = '';
    return;
  }
  name.last = value;
  name.lastFraming = framing;
  const n = value.length;
  if (name.lastWords.length < wordCount(n)) name.lastWords = new Int32Array(wordCount(n));
  readWords(view, start, n, name.lastWords);
}

/**
 * Whether `buf[start..start + s.length)` holds the bytes of `s`, read four at a time through
 * `view` (the same bytes as `buf`) and compared with `w`, `s`'s {@link wordsOf} (by character when
 * shorter than four bytes). A byte-by-byte comparison with a string costs a character load, a
 * typed-array load and a bounds check per byte; long field values (a content security policy, a
 * cache policy) made it a third of the time of a whole head. The caller checked that the bytes
 * exist.
 *
 * @param view - a DataView over exactly the bytes of `buf`.
 * @param buf - the bytes.
 * @param start - first index.
 * @param s - the string.
 * @param w - its words.
 * @returns true when they are equal.
 */
export function sameBytes(
  view: DataView,
  buf: Uint8Array,
  start: number,
  s: string,
  w: Int32Array,
): boolean {
  const n = s.length;
  if (n < 4) return bytesEqual(buf, start, s);
  const full = n >> 2;
  for (let k = 0; k < full; k++) if (view.getInt32(start + (k << 2), true) !== w[k]) return false;
  return (n & 3) === 0 || view.getInt32(start + n - 4, true) === w[full];
}
