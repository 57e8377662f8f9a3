import { utf8Length, writeUtf8 } from './internal/utf8.js';

/** A value `queryStringFromDict` accepts: what maps to a Godot Variant it prints. */
export type QueryValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | readonly QueryValue[]
  | { readonly [key: string]: QueryValue };

const HEX = '0123456789ABCDEF';

/**
 * Godot's `String::uri_encode`: UTF-8 bytes; A-Z a-z 0-9 `-` `.` `_` `~` kept; every other byte
 * `%XX` with upper-case hex (so a space is `%20`, never `+`).
 */
function uriEncode(s: string): string {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isUnreserved(c)) {
      plain = false;
      break;
    }
  }
  if (plain) return s;
  const bytes = new Uint8Array(utf8Length(s));
  writeUtf8(s, bytes, 0);
  let out = '';
  for (const b of bytes) {
    out += isUnreserved(b) ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

function isUnreserved(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x5f ||
    c === 0x7e
  );
}

/**
 * Godot's `String::num_real(x, true)` for a float: integral values get `.0`; others are printed
 * with 14 significant decimals (fewer above 10, as Godot subtracts floor(log10|x|)), trailing
 * zeros removed. NaN and infinities print as Godot prints them.
 */
function godotFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  let decimals = 14;
  const abs = Math.abs(x);
  if (abs > 10) decimals -= Math.floor(Math.log10(abs));
  let s = x.toFixed(Math.max(0, Math.min(decimals, 100)));
  if (s.includes('.')) {
    let e = s.length;
    while (s.charCodeAt(e - 1) === 0x30) e--;
    if (s.charCodeAt(e - 1) === 0x2e) e--;
    s = s.slice(0, e);
  }
  return s === '-0' ? '0' : s;
}

/** Godot's `String(Variant)` for the JS values that map to Variants. */
function godotString(v: QueryValue, nested: boolean): string {
  if (v === null || v === undefined) return '<null>';
  switch (typeof v) {
    case 'string':
      // Inside an Array or Dictionary Godot 4 prints strings quoted.
      return nested ? `"${v}"` : v;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'number':
      // A JS number cannot say whether it was 2 or 2.0: integral values are Godot ints.
      if (Number.isInteger(v)) return Math.abs(v) < 1e21 ? String(v) : BigInt(v).toString();
      return godotFloat(v);
    default:
      break;
  }
  if (Array.isArray(v)) {
    return `[${(v as readonly QueryValue[]).map((e) => godotString(e, true)).join(', ')}]`;
  }
  const entries = Object.entries(v as { readonly [key: string]: QueryValue });
  return `{ ${entries.map(([k, e]) => `"${k}": ${godotString(e, true)}`).join(', ')} }`;
}

/**
 * Godot's `HTTPClient.query_string_from_dict`, byte for byte: pairs in insertion order joined by
 * `&`, no leading `?`; an array gives one `key=element` pair per element (an empty array drops the
 * key); `null` or `undefined` gives the bare key; everything else `key=value`. Keys and values are
 * `String(Variant)` then URI-encoded (UTF-8, unreserved `A-Za-z0-9-._~`, upper-case `%XX`).
 * Numbers: an integral JS number prints as a Godot int (`2`), any other as Godot prints a float
 * (`2.5`, `0.1`). Nested arrays and objects are printed, not recursed, as Godot 4 prints Arrays
 * (`[1, "a"]`) and Dictionaries (`{ "k": 1 }`).
 *
 * @param fields - the fields, in the order they should appear. A plain object lists integer-like
 *   keys first (JavaScript's property order); pass a `Map` to keep any order exactly.
 * @returns the query string, without `?`.
 * @example
 * ```ts
 * queryStringFromDict({ key1: 'value', key2: 123, key3: [1, 2, 3], key4: null });
 * // 'key1=value&key2=123&key3=1&key3=2&key3=3&key4'
 * ```
 */
export function queryStringFromDict(
  fields: { readonly [key: string]: QueryValue } | ReadonlyMap<string | number, QueryValue>,
): string {
  const parts: string[] = [];
  const entries = fields instanceof Map ? fields.entries() : Object.entries(fields);
  for (const [key, value] of entries as Iterable<[string | number, QueryValue]>) {
    const encodedKey = uriEncode(String(key));
    if (value === null || value === undefined) {
      parts.push(encodedKey);
    } else if (Array.isArray(value)) {
      for (const element of value as readonly QueryValue[]) {
        parts.push(`${encodedKey}=${uriEncode(godotString(element, false))}`);
      }
    } else {
      parts.push(`${encodedKey}=${uriEncode(godotString(value, false))}`);
    }
  }
  return parts.join('&');
}
