// Every rule about following a redirect, in one place (as undici keeps them in one handler,
// lib/handler/redirect-handler.js): whether redirects are followed at all, which codes are
// followed, the limit, the Location, the method and headers of the next request, and where the
// URL's credentials go. HTTPRequest asks decideRedirect() about each response head and does what
// it answers; the connection (read the 3xx body to keep it, or close it) is HTTPRequest's
// business, not a rule about redirects.
//
// Godot's HTTPRequest follows only 301 and 302, finds Location by a prefix match, keeps
// Authorization and cookies when the host changes, and re-sends a POST's body with the GET it
// turns into (scene/main/http_request.cpp, _handle_response). We follow RFC 9110 §15.4 instead.
import { Method } from '@gdhttp/constants';
import { headerName, headerValues } from '@gdhttp/parser';
import { parseRequestUrl, type RequestUrl } from './request-url.js';

/** Status codes HTTPRequest follows when the response has a Location (RFC 9110 §15.4.2–§15.4.9). */
export function isFollowedRedirect(code: number): boolean {
  return code === 301 || code === 302 || code === 303 || code === 307 || code === 308;
}

/** The request as it is sent to the next hop. */
export interface NextRequest {
  method: Method;
  headers: string[];
  body: Uint8Array;
}

/** Where a request is in its redirect chain: the URL it goes to, what is sent, hops so far. */
export interface Hop {
  url: RequestUrl;
  request: NextRequest;
  /** Redirects followed to get here: 0 for the URL given to `request()`. */
  redirects: number;
}

/**
 * What to do with a response:
 * - `final`: it is the response the caller gets (not a followed code, or no usable Location);
 * - `limit`: a redirect past `maxRedirects`: `REDIRECT_LIMIT_REACHED` with this response's code
 *   and headers;
 * - `follow`: send `next` instead; `next.url` is the Location as received (credentials applied).
 */
export type RedirectDecision =
  | { kind: 'final' }
  | { kind: 'limit' }
  | { kind: 'follow'; next: Hop };

const FINAL: RedirectDecision = { kind: 'final' };
const LIMIT: RedirectDecision = { kind: 'limit' };

/**
 * Decides whether a response is followed, refused by the limit, or final.
 *
 * @param hop - the request that received the response.
 * @param code - the response's status code.
 * @param headers - the response's header lines.
 * @param maxRedirects - `HTTPRequest.maxRedirects`: 0 allows none, negative no limit.
 * @param followRedirects - `HTTPRequest.followRedirects` (default true): with false, every
 *   response is final, a 3xx with its body as any other (curl without `-L`, fetch's
 *   `redirect: 'manual'` in a server runtime), and `maxRedirects` is not consulted.
 * @returns the decision; `follow` carries the next hop, its request already rewritten.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.4
 */
export function decideRedirect(
  hop: Hop,
  code: number,
  headers: readonly string[],
  maxRedirects: number,
  followRedirects = true,
): RedirectDecision {
  if (!followRedirects || !isFollowedRedirect(code)) return FINAL;
  // As Godot, the limit is checked before the Location is looked for: at the limit, a redirect
  // without a usable Location is REDIRECT_LIMIT_REACHED too.
  if (maxRedirects >= 0 && hop.redirects >= maxRedirects) return LIMIT;
  // The last Location wins, as in Godot; it may be relative to the URL that received it.
  const location = headerValues(headers, 'location').at(-1);
  const target = location === undefined ? null : parseRequestUrl(location, hop.url.href);
  // No usable Location: the 3xx is the final response, as Godot delivers it.
  if (target === null) return FINAL;
  const sameOrigin = target.origin === hop.url.origin;
  // The URL's userinfo is bound to its origin: kept on a same-origin hop (the Location is
  // resolved against a URL without it), dropped elsewhere, replaced by the Location's own.
  const url =
    sameOrigin && target.credentials === null
      ? { ...target, credentials: hop.url.credentials }
      : target;
  return {
    kind: 'follow',
    next: {
      url,
      request: nextRequest(code, hop.request, sameOrigin),
      redirects: hop.redirects + 1,
    },
  };
}

// Credentials are bound to an origin: undici's advisories CVE-2022-31151 (Cookie),
// CVE-2024-24758 and CVE-2024-30260 (Authorization, Proxy-Authorization) are this mistake.
const ORIGIN_BOUND = new Set(['authorization', 'cookie', 'proxy-authorization', 'host']);

/**
 * The method, headers and body of the request that follows a redirect.
 *
 * - 303 turns every method but HEAD into GET without a body (§15.4.4).
 * - 301 and 302 turn POST into GET without a body, as every user agent does (§15.4.2, §15.4.3);
 *   other methods are repeated as they were.
 * - 307 and 308 repeat the method and body (§15.4.8, §15.4.9).
 * - When the method becomes GET, the headers that described the body go (`Content-*`,
 *   `Transfer-Encoding`).
 * - When the origin changes (scheme, host or port), `Authorization`, `Cookie`,
 *   `Proxy-Authorization` and an explicit `Host` go.
 *
 * @param code - the redirect's status code.
 * @param current - the request that received it.
 * @param sameOrigin - whether the Location has the current request's origin.
 */
export function nextRequest(code: number, current: NextRequest, sameOrigin: boolean): NextRequest {
  const toGet =
    (code === 303 && current.method !== Method.HEAD) ||
    ((code === 301 || code === 302) && current.method === Method.POST);
  const headers = current.headers.filter((header) => {
    const name = headerName(header).toLowerCase();
    if (toGet && (name.startsWith('content-') || name === 'transfer-encoding')) return false;
    return sameOrigin || !ORIGIN_BOUND.has(name);
  });
  return toGet
    ? { method: Method.GET, headers, body: new Uint8Array(0) }
    : { method: current.method, headers, body: current.body };
}
