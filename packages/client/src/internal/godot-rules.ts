// Godot's HTTPClient argument rules (docs/godot-behavior.md#connecting, #requests), kept apart
// from the state machine so each rule can be tested against Godot's behavior on its own.
// No Node module here: the web HTTPClient shares these rules (`ipVersion` replaces `node:net`).
import { DefaultPort, Method, MIN_HOST_LENGTH } from '@gdhttp/constants';
import { BodyKind, hasHeader, type ResponseHead } from '@gdhttp/parser';
import { ipVersion } from './ip-version.js';

/** What `connectToHost()` keeps of its `host` argument after Godot's scheme-prefix handling. */
export interface HostArgument {
  /** The host without an `http://` / `https://` prefix; anything else stays (Godot does no URL parsing). */
  host: string;
  /** `'http'` forces TLS off, `'https'` turns it on with default options when none are given. */
  scheme: 'http' | 'https' | null;
}

/**
 * Removes a case-insensitive `http://` or `https://` prefix, and only that, as Godot does:
 * `"https://example.com/"` keeps `"example.com/"` as its host, which then fails DNS.
 */
export function stripSchemePrefix(host: string): HostArgument {
  const lower = host.slice(0, 8).toLowerCase();
  if (lower.startsWith('http://')) return { host: host.slice(7), scheme: 'http' };
  if (lower.startsWith('https://')) return { host: host.slice(8), scheme: 'https' };
  return { host, scheme: null };
}

/**
 * `connectToHost()`'s argument types, checked first by both builds: why they are refused, or
 * `null`. (Godot's typed arguments cannot be wrong; a script ported to JavaScript can.)
 */
export function connectArgumentsRefusal(host: unknown, port: unknown): string | null {
  if (typeof host !== 'string') return 'host must be a string';
  if (typeof port !== 'number' || Number.isNaN(port)) {
    return `port must be a number, got ${typeof port}`;
  }
  return null;
}

/**
 * The host to connect to, from the host argument without its scheme prefix: refused (`refused`
 * says why) under Godot's length rule, which refuses `::1`; a bracketed IPv6 literal passes the
 * rule and is unbracketed (an addition: Godot would fail to resolve `[::1]`).
 */
export function connectHost(host: string): { host: string } | { refused: string } {
  if (!isHostLongEnough(host)) return { refused: `host "${host}" is shorter than 4 characters` };
  return { host: /^\[[^\]]*\]$/.test(host) ? host.slice(1, -1) : host };
}

/** Godot's host-length rule: fewer than 4 characters is `INVALID_PARAMETER` (so `"::1"` is refused). */
export function isHostLongEnough(host: string): boolean {
  return host.length >= MIN_HOST_LENGTH;
}

/** Any negative port becomes 443 or 80; 0 and values above 65535 are kept and fail at TCP level. */
export function resolvePort(port: number, tls: boolean): number {
  return port < 0 ? (tls ? DefaultPort.HTTPS : DefaultPort.HTTP) : port;
}

/** True for a textual IPv4 or IPv6 address, which Godot connects to without a RESOLVING phase. */
export function isIpLiteral(host: string): boolean {
  return ipVersion(host) !== 0;
}

/**
 * The argument types of a request, checked alike by both builds after the method: why they are
 * refused, or `null`.
 */
export function requestArgumentsRefusal(url: unknown, headers: unknown): string | null {
  if (typeof url !== 'string') return 'url must be a string';
  if (!Array.isArray(headers) || !headers.every((h) => typeof h === 'string')) {
    return 'headers must be an array of "Name: value" strings';
  }
  return null;
}

/**
 * `requestStream()`'s `bodyLength`, checked alike by both builds: why it is refused, or `null`.
 * -1 is a body of unknown length (chunked over a socket; fetch frames it itself).
 */
export function bodyLengthRefusal(bodyLength: unknown): string | null {
  return Number.isSafeInteger(bodyLength) && (bodyLength as number) >= -1
    ? null
    : 'bodyLength must be an integer of at least -1 (-1: unknown length)';
}

/**
 * A piece given to `putRequestBodyData()`, checked alike by both builds once a streamed body is
 * open: why it is refused, or `null`. `left` is what the announced length still allows, -1 when
 * no length was announced.
 */
export function bodyPieceRefusal(data: unknown, left: number): string | null {
  if (!(data instanceof Uint8Array)) return 'body data must be a Uint8Array';
  if (left >= 0 && data.length > left) {
    return `${data.length} bytes put, only ${left} left of the body`;
  }
  return null;
}

/** `endRequestBody()` with `left` bytes of the announced length not put: why that is refused. */
export function bodyEndRefusal(left: number): string | null {
  return left > 0 ? `the body ended ${left} bytes short of its announced length` : null;
}

/**
 * Godot's request-target check (`http_client_tcp.cpp` 131-148): CONNECT needs `host:port` with the
 * colon neither first nor last; OPTIONS may be `*`; everything else must start with `/`,
 * `http://` or `https://` (case-sensitive).
 */
export function isGodotUrlForm(method: number, url: string): boolean {
  if (method === Method.CONNECT) {
    const colon = url.indexOf(':');
    return colon > 0 && colon < url.length - 1;
  }
  if (method === Method.OPTIONS && url === '*') return true;
  return url.startsWith('/') || url.startsWith('http://') || url.startsWith('https://');
}

/**
 * Godot's `String.strip_edges()`: removes every character with a code point of 32 or less.
 * (JavaScript's `trim()` differs both ways: it keeps NUL and other controls and removes Unicode
 * spaces such as U+00A0, which Godot keeps.)
 */
export function stripEdges(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) <= 32) start++;
  while (end > start && text.charCodeAt(end - 1) <= 32) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/**
 * Godot's `verify_headers()` (`http_client.cpp` 99-108): after trimming, each header is non-empty
 * and has a `:` at index 1 or later. `"X:"` passes; `""`, `"InvalidHeader"`, `":"`, `": x"` fail.
 */
export function godotVerifyHeaders(headers: readonly string[]): boolean {
  for (const header of headers) {
    const trimmed = stripEdges(header);
    if (trimmed.length === 0 || trimmed.indexOf(':') < 1) return false;
  }
  return true;
}

/** `host` as it must appear in a Host header or an authority: IPv6 literals in brackets. */
export function authorityHost(host: string): string {
  // RFC 9110 §7.2 / RFC 3986 §3.2.2: an IPv6 literal is bracketed. Godot writes it bare (a QUIRK we
  // do not reproduce: a bare IPv6 Host header is unparseable by every server).
  return ipVersion(host) === 6 ? `[${host}]` : host;
}

/** The value of the automatic Host header: the port is omitted only when it is the scheme's default. */
export function hostHeaderValue(host: string, port: number, tls: boolean): string {
  const implicit = tls ? port === DefaultPort.HTTPS : port === DefaultPort.HTTP;
  return implicit ? authorityHost(host) : `${authorityHost(host)}:${port}`;
}

/** Methods whose requests carry content by definition: an empty body still says `Content-Length: 0`. */
function expectsContent(method: number): boolean {
  return method === Method.POST || method === Method.PUT || method === Method.PATCH;
}

/** What the automatic headers depend on. */
export interface AutoHeaderContext {
  method: number;
  /** The connection's `Host: …` line ({@link hostHeaderValue}), built once per connection. */
  hostLine: string;
  bodyLength: number;
  /** The whole `User-Agent: …` line, built once (a line built per request is a new string to flatten). */
  userAgentLine: string;
}

/**
 * The caller's headers followed by the automatic ones, in Godot's order: Host, Content-Length,
 * User-Agent, Accept — each only when no user header suppresses it.
 */
export function withAutomaticHeaders(headers: readonly string[], ctx: AutoHeaderContext): string[] {
  const out = headers.slice();
  if (!hasHeader(headers, 'host')) out.push(ctx.hostLine);
  // Godot sends Content-Length only for a non-empty body; RFC 9110 §8.6 says a user agent SHOULD
  // send it for POST/PUT/PATCH even when 0 (servers answer 411 otherwise).
  if (!hasHeader(headers, 'content-length') && (ctx.bodyLength > 0 || expectsContent(ctx.method))) {
    out.push(`Content-Length: ${ctx.bodyLength}`);
  }
  if (!hasHeader(headers, 'user-agent')) out.push(ctx.userAgentLine);
  if (!hasHeader(headers, 'accept')) out.push('Accept: */*');
  return out;
}

/**
 * Whether a response enters status BODY: Godot's framing decision, corrected by RFC 9112 §6.3. It
 * does when it has a length (even 0), is chunked, runs until close, answers HEAD or switches
 * protocols; a bodiless response without Content-Length (204, 304) is complete at once.
 */
export function hasBodyPhase(head: ResponseHead): boolean {
  return (
    head.contentLength >= 0 ||
    head.method === 'HEAD' ||
    head.bodyKind !== BodyKind.NONE ||
    head.upgrade
  );
}

/**
 * `getResponseBodyLength()`: the Content-Length of a body framed by it, 0 for a response with a
 * BODY phase and no body (HEAD, `Content-Length: 0`), -1 when unknown (chunked, read until close,
 * switched protocols) or when there is no BODY phase (204, 304 without Content-Length).
 */
export function godotBodyLength(head: ResponseHead): number {
  if (head.bodyKind === BodyKind.CONTENT_LENGTH) return head.contentLength;
  return head.bodyKind === BodyKind.NONE && hasBodyPhase(head) && !head.upgrade ? 0 : -1;
}
