// Godot passes header fields around as `"Name: value"` strings: the headers a caller gives
// `request()`, and the lines `getResponseHeaders()` hands back. These are the only functions in
// gdhttp that take such a line apart; the client, HTTPRequest and the CLI all read lines through
// them, so "which line is the Host header" has one answer everywhere.
//
// Names and values are trimmed with String#trim (the lines the client builds from a response are
// already stripped at both ends, and a name that passed `isValidHeader` has no space to trim).

/**
 * Godot's suppression rule for automatic headers: true when some header starts with `name`
 * immediately followed by `:`, compared case-insensitively (A–Z only) at position 0, so
 * `" Host: x"` and `"Host : x"` do not count.
 *
 * @param headers - Godot-style `"Name: value"` strings.
 * @param name - the header name, e.g. `'Host'`.
 * @returns true when the caller already supplies that header.
 * @example
 * ```ts
 * hasHeader(['host: example.com'], 'Host'); // true
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-5.1
 */
export function hasHeader(headers: readonly string[], name: string): boolean {
  // Runs for each automatic header on every request: compares in place, allocating nothing.
  const n = name.length;
  for (const header of headers) {
    if (header.length <= n || header.charCodeAt(n) !== 0x3a) continue;
    let i = 0;
    while (i < n && asciiLower(header.charCodeAt(i)) === asciiLower(name.charCodeAt(i))) i++;
    if (i === n) return true;
  }
  return false;
}

/** `c` with A–Z mapped to a–z (only those: a bitwise fold would also map CR onto `-`). */
function asciiLower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

/**
 * The name of a header line: the text before its first `:`, trimmed, spelled as given.
 *
 * @param line - a `"Name: value"` string.
 * @returns the name; the whole line trimmed when it has no `:`.
 * @example
 * ```ts
 * headerName('Content-Type: text/html'); // 'Content-Type'
 * ```
 */
export function headerName(line: string): string {
  const colon = line.indexOf(':');
  return (colon < 0 ? line : line.slice(0, colon)).trim();
}

/**
 * The value of a header line: the text after its first `:`, trimmed.
 *
 * @param line - a `"Name: value"` string.
 * @returns the value; `''` when the line has no `:`.
 * @example
 * ```ts
 * headerValue('Location:  /next '); // '/next'
 * ```
 */
export function headerValue(line: string): string {
  const colon = line.indexOf(':');
  return colon < 0 ? '' : line.slice(colon + 1).trim();
}

/**
 * The values of every line named `name`, compared case-insensitively, in the order given. Lines
 * without a `:` or with an empty name are skipped.
 *
 * @param lines - `"Name: value"` strings.
 * @param name - the field name, any case.
 * @returns the trimmed values; the last one is what Godot reads for a field it wants once.
 * @example
 * ```ts
 * headerValues(['Set-Cookie: a=1', 'set-cookie: b=2'], 'Set-Cookie'); // ['a=1', 'b=2']
 * ```
 */
export function headerValues(lines: readonly string[], name: string): string[] {
  const lower = name.toLowerCase();
  const values: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === lower) {
      values.push(line.slice(colon + 1).trim());
    }
  }
  return values;
}

/**
 * Header lines as a dictionary, as `getResponseHeadersAsDictionary()` returns them: names keep
 * the spelling of their first occurrence and match case-insensitively; repeated fields are
 * combined with `", "` (RFC 9110 §5.3) where Godot keeps only the last. Lines without `:` are
 * skipped.
 *
 * @param lines - `"Name: value"` strings.
 * @returns the dictionary.
 * @example
 * ```ts
 * headerDictionary(['Vary: Accept', 'vary: Origin']); // { Vary: 'Accept, Origin' }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-5.3
 */
export function headerDictionary(lines: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const spelling = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    const lower = name.toLowerCase();
    const key = spelling.get(lower);
    if (key === undefined) {
      spelling.set(lower, name);
      out[name] = value;
    } else {
      out[key] = `${out[key]}, ${value}`;
    }
  }
  return out;
}
