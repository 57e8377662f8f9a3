import { TOKEN } from './internal/tables.js';
import { utf8Length, writeUtf8 } from './internal/utf8.js';
import { RequestError } from './request-error.js';

const CRLF_NUL = /[\r\n\0]/;

/**
 * Requests up to this size are cut from a shared slab, as Node's `Buffer.allocUnsafe` does: a
 * `Uint8Array` of more than 64 bytes gets its own off-heap backing store, and allocating one costs
 * more than serializing a typical request. Regions are never reused, so a request handed to a
 * socket by reference stays intact; a slab is freed when its last request is.
 */
const SLAB_BYTES = 16 * 1024;
const SLAB_MAX = SLAB_BYTES / 8;
let slab = new Uint8Array(SLAB_BYTES);
let slabAt = 0;

function allocate(size: number): Uint8Array {
  if (size > SLAB_MAX) return new Uint8Array(size);
  if (slabAt + size > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabAt = 0;
  }
  const out = slab.subarray(slabAt, slabAt + size);
  slabAt = (slabAt + size + 7) & ~7; // 8-byte aligned, as Node's pool
  return out;
}

function isTokenString(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f || TOKEN[c] !== 1) return false;
  }
  return true;
}

/**
 * Whether `method` can be sent as a request method: a non-empty token (RFC 9110 §9.1).
 *
 * @param method - the method, e.g. `'GET'`.
 * @returns true when it is a token.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-9.1
 */
export function isValidMethod(method: string): boolean {
  return isTokenString(method);
}

/**
 * Whether `target` is a request target `method` may send: Godot's URL-form rule (`CONNECT` needs
 * `host:port` with the colon neither first nor last; `OPTIONS` may be `*`; everything else starts
 * with `/`, `http://` or `https://`, case-sensitively) plus RFC 9112 §3.2: no whitespace, control
 * bytes or DEL anywhere, so the request line cannot be split. Non-ASCII characters are allowed and
 * sent as UTF-8, as Godot sends them.
 *
 * @param method - the request method.
 * @param target - the request target.
 * @returns true when the target may be sent.
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-3.2
 */
export function isValidTarget(method: string, target: string): boolean {
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return false;
  }
  return isValidTargetForm(method, target);
}

/** Godot's URL-form rule alone (see {@link isValidTarget}), without the byte check. */
function isValidTargetForm(method: string, target: string): boolean {
  if (method === 'CONNECT') {
    // authority-form (RFC 9112 §3.2.3); Godot: a ':' that is not the first or last character.
    const colon = target.indexOf(':');
    return colon > 0 && colon < target.length - 1;
  }
  if (method === 'OPTIONS' && target === '*') return true; // asterisk-form, RFC 9112 §3.2.4
  return target.startsWith('/') || target.startsWith('http://') || target.startsWith('https://');
}

/**
 * Whether a Godot-style header string may be sent: `name:` then the value, where the name is a
 * token starting at index 0 (no whitespace before or after it: RFC 9112 §5.1) and the value has
 * no CR, LF or NUL (RFC 9110 §5.5; they would split the request). A header this accepts also
 * passes Godot's own `verify_headers` rule (non-empty after trimming, first `:` at index ≥ 1).
 *
 * @param header - e.g. `'Accept: text/html'`.
 * @returns true when the header may be sent.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-5.5
 */
export function isValidHeader(header: string): boolean {
  const colon = header.indexOf(':');
  if (colon < 1) return false;
  for (let i = 0; i < colon; i++) {
    const c = header.charCodeAt(i);
    if (c > 0x7f || TOKEN[c] !== 1) return false;
  }
  return !CRLF_NUL.test(header);
}

/**
 * Serialize a request: `METHOD target HTTP/1.1`, the headers in order (unchanged, as Godot sends
 * them), an empty line, then the body. The head is UTF-8 as Godot writes it; a string body is
 * UTF-8 too. Nothing is added: the client appends Godot's automatic headers (Host,
 * Content-Length, User-Agent, Accept) itself.
 *
 * @param method - the method token, e.g. `'GET'`.
 * @param target - origin-form, absolute-form, authority-form (CONNECT) or `*` (OPTIONS).
 * @param headers - Godot-style `"Name: value"` strings.
 * @param body - bytes, or a string sent as UTF-8.
 * @returns the whole request; a small one is a view into a shared slab (as Node's pooled `Buffer`s),
 *   so use its `byteOffset` and `byteLength` rather than its `buffer` alone.
 * @throws RequestError when the method, the target or a header would be unsafe or malformed.
 * @example
 * ```ts
 * const bytes = serializeRequest('GET', '/index.html', ['Host: example.com'], '');
 * // "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n"
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-3
 */
export function serializeRequest(
  method: string,
  target: string,
  headers: readonly string[],
  body: Uint8Array | string = '',
): Uint8Array {
  if (typeof body !== 'string') {
    const fast = serializeAscii(method, target, headers, body);
    if (fast !== null) return fast;
  }
  return serializeChecked(method, target, headers, body);
}

/**
 * Writes one ASCII string at `at`, checking each byte against `allowed` (1: may be sent), or
 * returns -1 at the first byte that is not ASCII or not allowed (the checked path then says why).
 */
function writeAscii(s: string, allowed: Uint8Array, out: Uint8Array, at: number): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f || allowed[c] !== 1) return -1;
    out[at++] = c;
  }
  return at;
}

/** Bytes a request target may hold (RFC 9112 §3.2): visible ASCII; non-ASCII goes the checked way. */
const TARGET_BYTES = new Uint8Array(128).map((_, c) => (c > 0x20 && c !== 0x7f ? 1 : 0));
/** Bytes a field value may hold here: everything but CR, LF and NUL (RFC 9110 §5.5). */
const VALUE_BYTES = new Uint8Array(128).map((_, c) =>
  c === 0x0d || c === 0x0a || c === 0 ? 0 : 1,
);

/**
 * The common case in one pass: an all-ASCII request with a byte body. Validating, measuring and
 * writing each string separately walked every header three times (a third of a sequential 13 B
 * round trip's JavaScript, bench/README.md "Issue 19, target 3"); here the size is the strings'
 * lengths, and each byte is checked as it is copied. Anything unusual — a non-ASCII character, a
 * byte that would be refused — gives its region back and returns `null`, and
 * {@link serializeChecked} serializes it or says exactly what is wrong.
 */
function serializeAscii(
  method: string,
  target: string,
  headers: readonly string[],
  body: Uint8Array,
): Uint8Array | null {
  if (method.length === 0 || !isValidTargetForm(method, target)) return null;
  let size = method.length + target.length + 14 + body.length; // " ", " HTTP/1.1\r\n", "\r\n"
  for (let i = 0; i < headers.length; i++) size += headers[i]!.length + 2;
  const mark = slabAt;
  const markSlab = slab;
  const out = allocate(size);
  let at = writeAscii(method, TOKEN, out, 0);
  if (at < 0) return giveBack(mark, markSlab);
  out[at++] = 0x20;
  at = writeAscii(target, TARGET_BYTES, out, at);
  if (at < 0) return giveBack(mark, markSlab);
  for (let i = 0; i < HTTP11_CRLF.length; i++) out[at++] = HTTP11_CRLF[i]!;
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    const colon = h.indexOf(':');
    if (colon < 1) return giveBack(mark, markSlab);
    for (let j = 0; j < colon; j++) {
      const c = h.charCodeAt(j);
      if (c > 0x7f || TOKEN[c] !== 1) return giveBack(mark, markSlab);
      out[at++] = c;
    }
    for (let j = colon; j < h.length; j++) {
      const c = h.charCodeAt(j);
      if (c > 0x7f || VALUE_BYTES[c] !== 1) return giveBack(mark, markSlab);
      out[at++] = c;
    }
    out[at++] = 0x0d;
    out[at++] = 0x0a;
  }
  out[at++] = 0x0d;
  out[at++] = 0x0a;
  if (body.length > 0) out.set(body, at);
  return out;
}

const HTTP11_CRLF = new Uint8Array([
  0x20, 0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e, 0x31, 0x0d, 0x0a,
]);

/** Returns a region {@link serializeAscii} gave up on to the slab (nothing was allocated since). */
function giveBack(mark: number, markSlab: Uint8Array): null {
  if (slab === markSlab) slabAt = mark;
  return null;
}

/** Every request the fast path declined: validated first, so a refusal names the part at fault. */
function serializeChecked(
  method: string,
  target: string,
  headers: readonly string[],
  body: Uint8Array | string,
): Uint8Array {
  if (!isTokenString(method)) throw new RequestError('method', 'Request method is not a token');
  if (!isValidTarget(method, target)) {
    throw new RequestError('target', `Request target is not a valid form for ${method}`);
  }
  // Method and target are ASCII-checked above except for non-ASCII target characters.
  let size = method.length + 1 + utf8Length(target) + 11; // " HTTP/1.1\r\n"
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    if (!isValidHeader(h)) {
      throw new RequestError('header', `Header ${i} is not a valid "name: value" field`, i);
    }
    size += utf8Length(h) + 2;
  }
  size += 2;
  const bodyLength = typeof body === 'string' ? utf8Length(body) : body.length;
  const out = allocate(size + bodyLength);
  let at = writeUtf8(method, out, 0);
  out[at++] = 0x20;
  at = writeUtf8(target, out, at);
  at = writeUtf8(' HTTP/1.1\r\n', out, at);
  for (let i = 0; i < headers.length; i++) {
    at = writeUtf8(headers[i]!, out, at);
    out[at++] = 0x0d;
    out[at++] = 0x0a;
  }
  out[at++] = 0x0d;
  out[at++] = 0x0a;
  if (typeof body === 'string') writeUtf8(body, out, at);
  else out.set(body, at);
  return out;
}
