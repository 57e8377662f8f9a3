// How HTTPRequest follows a redirect (RFC 9110 §15.4), where Godot follows only 301/302 and keeps
// Authorization and cookies across hosts (godot-spec.md §3.6).
import { Method } from '@gdhttp/constants';

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

function headerName(header: string): string {
  const colon = header.indexOf(':');
  return (colon < 0 ? header : header.slice(0, colon)).trim().toLowerCase();
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
    const name = headerName(header);
    if (toGet && (name.startsWith('content-') || name === 'transfer-encoding')) return false;
    return sameOrigin || !ORIGIN_BOUND.has(name);
  });
  return toGet
    ? { method: Method.GET, headers, body: new Uint8Array(0) }
    : { method: current.method, headers, body: current.body };
}
