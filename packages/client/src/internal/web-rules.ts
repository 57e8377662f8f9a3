// The web HTTPClient's rules for what fetch takes and gives: which request headers a browser
// drops (refused here instead), how Godot-style header strings become fetch's pairs, and what a
// `Response` tells about itself (`fetchedHead`: the browser parsed the response, so its head is
// read from the `Response`, once). Pure functions, no Node module: the browser entry bundles them.
import { headerName, isChunkedCoding, isValidHeader } from '@gdhttp/parser';
import { stripEdges } from './godot-rules.js';

/**
 * The Fetch standard's forbidden request-header names (https://fetch.spec.whatwg.org/#forbidden-request-header),
 * lowercased. A browser drops them from a request without a word; `Proxy-` and `Sec-` prefixes and
 * the method-override names are checked beside this list.
 */
const FORBIDDEN = new Set([
  'accept-charset',
  'accept-encoding',
  'access-control-request-headers',
  'access-control-request-method',
  'connection',
  'content-length',
  'cookie',
  'cookie2',
  'date',
  'dnt',
  'expect',
  'host',
  'keep-alive',
  'origin',
  'referer',
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'via',
]);

/** Names that are forbidden when their value names a forbidden method (Fetch §2.2.2). */
const METHOD_OVERRIDE = new Set(['x-http-method', 'x-http-method-override', 'x-method-override']);
const FORBIDDEN_METHODS = new Set(['connect', 'trace', 'track']);

/** What the browser will send itself for the headers it owns and a caller may repeat harmlessly. */
export interface BrowserSends {
  /** The `Host` value for the connection (`host[:port]`). */
  host: string;
  /** The body's length, which fetch sends as `Content-Length`. */
  bodyLength: number;
}

/** Godot-style header strings as fetch's name/value pairs, or why one cannot be sent. */
export type FetchHeaders = { pairs: [string, string][] } | { refused: string };

const encoder = new TextEncoder();

/**
 * Converts `"Name: value"` strings to fetch's pairs, refusing what fetch would drop or reject.
 *
 * Each header must pass the Node client's rule (`isValidHeader`: a token name at index 0, no CR,
 * LF or NUL). A forbidden name is refused — except `Host` and `Content-Length` with exactly the
 * value the browser sends anyway, so a port that spells them out loses nothing. A non-ASCII value
 * is sent as its UTF-8 bytes, as the Node client sends it (fetch takes header values as bytes).
 */
export function toFetchHeaders(headers: readonly string[], sends: BrowserSends): FetchHeaders {
  const pairs: [string, string][] = [];
  for (let i = 0; i < headers.length; i++) {
    const header = headers[i]!;
    if (!isValidHeader(header)) {
      return {
        refused: `header ${i} is not a valid "Name: value" field (a token name at the start, no CR, LF or NUL)`,
      };
    }
    // isValidHeader put a token name at index 0: nothing around it to trim.
    const name = headerName(header);
    // Godot's web build trims the value with strip_edges(), not with headerValue's String#trim.
    const value = stripEdges(header.slice(header.indexOf(':') + 1));
    const lower = name.toLowerCase();
    const why = forbiddenReason(lower, value, sends);
    if (why !== null) return { refused: `header ${i} (${name}) ${why}` };
    pairs.push([name, asByteString(value)]);
  }
  return { pairs };
}

function forbiddenReason(lower: string, value: string, sends: BrowserSends): string | null {
  if (lower === 'host' && value.toLowerCase() === sends.host.toLowerCase()) return null;
  if (lower === 'content-length' && value === String(sends.bodyLength)) return null;
  if (FORBIDDEN.has(lower) || lower.startsWith('proxy-') || lower.startsWith('sec-')) {
    return 'is a forbidden request header: a browser would drop it silently';
  }
  if (METHOD_OVERRIDE.has(lower)) {
    for (const method of value.split(',')) {
      if (FORBIDDEN_METHODS.has(stripEdges(method).toLowerCase())) {
        return `overrides the method with a forbidden one (${stripEdges(method)})`;
      }
    }
  }
  return null;
}

/** `text` with its UTF-8 bytes as Latin-1 characters (a ByteString), unchanged when ASCII. */
function asByteString(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the point.
  if (/^[\x00-\x7f]*$/.test(text)) return text;
  let out = '';
  for (const byte of encoder.encode(text)) out += String.fromCharCode(byte);
  return out;
}

/**
 * A response's head as the web HTTPClient's accessors report it, read once from the `Response`:
 * the browser parsed the response, so what it shows is all there is to know.
 */
export interface FetchedHead {
  /** The status code (after any redirect the browser followed). */
  readonly status: number;
  /** The visible headers as Godot-style lines ({@link responseHeaderLines}). */
  readonly lines: readonly string[];
  /** Whether the visible final transfer coding is `chunked` ({@link isChunkedResponse}). */
  readonly chunked: boolean;
  /** The body length a caller will read, or -1 ({@link responseBodyLength}). */
  readonly bodyLength: number;
  /** `Response.url`: the last URL of the redirects followed; `''` when the browser gives none. */
  readonly url: string;
  /** `Response.redirected`: the browser followed at least one redirect. */
  readonly redirected: boolean;
}

/** What a `Response` says about its head. */
export function fetchedHead(response: Response): FetchedHead {
  return {
    status: response.status,
    lines: responseHeaderLines(response.headers),
    chunked: isChunkedResponse(response.headers),
    bodyLength: responseBodyLength(response),
    // A polyfill's or a test double's Response may lack them.
    url: typeof response.url === 'string' ? response.url : '',
    redirected: response.redirected === true,
  };
}

/**
 * A `Response`'s headers as Godot-style lines: `"name: value"`, names lowercased and repeated
 * fields combined as the browser gives them (`Set-Cookie` is never visible to a page).
 */
export function responseHeaderLines(headers: Headers): string[] {
  const lines: string[] = [];
  headers.forEach((value, name) => {
    lines.push(`${name}: ${value}`);
  });
  return lines;
}

/**
 * Whether the final transfer coding the browser shows is `chunked` (often hidden: then false),
 * by the parser's own reading of the field.
 */
export function isChunkedResponse(headers: Headers): boolean {
  const codings = headers.get('transfer-encoding');
  return codings !== null && isChunkedCoding(codings);
}

/**
 * The body length a caller will read, or -1 when the browser does not let us know it.
 *
 * 0 when the response has no body (HEAD, 204, 304: fetch gives `body === null`). Otherwise the
 * Content-Length, but only when the body is known not to be content-coded: fetch hands out the
 * decoded bytes, so a gzip response's Content-Length is not what `readResponseBodyChunk()` adds up
 * to (Godot's web build returns -1 always for that reason, GH-47597). A same-origin response
 * (`type` `basic`, or `default` outside browsers) shows every header, so a missing
 * Content-Encoding means none; a cross-origin one hides Content-Encoding unless the server
 * exposes it, so only a visible `identity` counts there.
 */
export function responseBodyLength(response: Response): number {
  if (response.body === null) return 0;
  const length = response.headers.get('content-length');
  if (length === null || !/^\d+$/.test(length)) return -1;
  const coding = response.headers.get('content-encoding');
  const allHeadersVisible = response.type === 'basic' || response.type === 'default';
  const unencoded =
    coding === null ? allHeadersVisible : stripEdges(coding).toLowerCase() === 'identity';
  return unencoded ? Number(length) : -1;
}
