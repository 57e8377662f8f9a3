// HTTPRequest's URL handling, on the WHATWG URL parser rather than a port of Godot's
// String::parse_url (core/string/ustring.cpp, called from scene/main/http_request.cpp): it fixes
// Godot's bugs (a query without a path became part of the host name; `//host/x` was taken as a
// path) and normalises what RFC 9112 §3.2 forbids on the wire (raw spaces and non-ASCII in the
// target are percent-encoded, IDN hosts become punycode).
import { DefaultPort } from '@gdhttp/constants';

/** A parsed `http:` or `https:` URL, split the way HTTPRequest hands it to the HTTPClient. */
export interface RequestUrl {
  /** True for `https:`. */
  tls: boolean;
  /**
   * Lower-cased host name or address. IPv6 literals keep their brackets (`[::1]`): the HTTPClient
   * accepts that form, where Godot's 4-character host rule refused a bare `::1`.
   */
  host: string;
  /** The port, the scheme's default when the URL has none. */
  port: number;
  /** Origin-form request target: path and query, never a fragment; `/` when empty. */
  path: string;
  /** `scheme://host:port`, for same-origin decisions (RFC 6454 §4). */
  origin: string;
  /** Decoded userinfo, if the URL had one; turned into `Authorization: Basic` by the caller. */
  credentials: { username: string; password: string } | null;
  /** The URL as a string without userinfo and fragment, for resolving relative redirects and logs. */
  href: string;
}

/**
 * Parses an absolute `http:`/`https:` URL, or resolves `input` against `base` (a redirect's
 * `Location`, RFC 9110 §10.2.2).
 *
 * @param input - the URL or Location value.
 * @param base - the URL a relative `input` is resolved against.
 * @returns the parsed URL, or `null` for anything Godot answers with `INVALID_PARAMETER`: no or
 *   another scheme, an empty host, a port outside 1–65535, or text that is not a URL.
 */
export function parseRequestUrl(input: string, base?: string): RequestUrl | null {
  // Control characters never belong in a URL; WHATWG would silently strip tabs and newlines, which
  // would hide a request-splitting attempt instead of refusing it.
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return null;
  }
  let url: URL;
  try {
    url = base === undefined ? new URL(input) : new URL(input, base);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.hostname === '') return null;
  // WHATWG accepts port 0; Godot's parse_url requires 1..65535.
  if (url.port === '0') return null;
  const tls = url.protocol === 'https:';
  const port = url.port === '' ? (tls ? DefaultPort.HTTPS : DefaultPort.HTTP) : Number(url.port);
  const credentials =
    url.username === '' && url.password === ''
      ? null
      : { username: safeDecode(url.username), password: safeDecode(url.password) };
  url.username = '';
  url.password = '';
  url.hash = '';
  const path = `${url.pathname || '/'}${url.search}`;
  return {
    tls,
    host: url.hostname,
    port,
    path,
    origin: `${url.protocol}//${url.hostname}:${port}`,
    credentials,
    href: url.href,
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
