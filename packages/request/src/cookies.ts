/**
 * @packageDocumentation
 * `@gdhttp/request/cookies`: the cookie jar `HTTPRequest.cookieJar` takes — tough-cookie's
 * `CookieJar` (RFC 6265bis, the public suffix list) — on a subpath of its own, so a program that
 * never sets a jar never loads it (about 50 ms: docs/decisions/0018-cookie-jar-tough-cookie.md).
 *
 * @example
 * ```ts
 * import { HTTPRequest } from '@gdhttp/request';
 * import { CookieJar } from '@gdhttp/request/cookies';
 *
 * const http = new HTTPRequest();
 * http.cookieJar = new CookieJar();
 * ```
 */

export type { SerializedCookieJar } from 'tough-cookie';
export { Cookie, CookieJar } from 'tough-cookie';
