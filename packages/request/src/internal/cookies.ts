// The cookie jar's part in a request (HTTPRequest.cookieJar): the Cookie value each hop sends and
// the Set-Cookie fields each response head stores, through tough-cookie (RFC 6265bis: domain and
// path matching, Secure, HttpOnly, SameSite, Max-Age/Expires, the public suffix list). See
// docs/decisions/0018-cookie-jar-tough-cookie.md. Godot's HTTPRequest has no cookie jar.
import { headerValues } from '@gdhttp/parser';
import type { CookieJar } from 'tough-cookie';

/**
 * The jar's cookies for `url`, as a Cookie field value (`''` when none). The jar decides: a cookie
 * never goes to a host, path or scheme it does not match.
 *
 * @param jar - the jar.
 * @param url - the hop's URL.
 * @returns the value, or a promise of it when the jar's store is asynchronous.
 */
export function cookieFor(jar: CookieJar, url: string): string | Promise<string> {
  // A request to the server itself, not a subresource of another site: every cookie that
  // matches the URL is sent, SameSite ones included, as curl does (there is no "site for cookies").
  // A synchronous store (the default) answers at once, so request() still connects before it
  // returns, as Godot's does.
  const options = { http: true };
  return jar.store.synchronous
    ? jar.getCookieStringSync(url, options)
    : jar.getCookieString(url, options);
}

/**
 * Stores the Set-Cookie fields of a response head (a redirect's and a retried one's too, as a
 * browser does). A cookie the jar refuses (another domain, a public suffix) is dropped, as
 * RFC 6265bis §5.7 says to ignore it.
 *
 * @param jar - the jar.
 * @param url - the URL that answered.
 * @param headers - the response's header lines.
 * @returns the Set-Cookie values, for a worker to send to the caller's jar.
 */
export async function storeCookies(
  jar: CookieJar,
  url: string,
  headers: readonly string[],
): Promise<string[]> {
  const values = headerValues(headers, 'set-cookie');
  for (const value of values) {
    await jar.setCookie(value, url, { http: true, ignoreError: true });
  }
  return values;
}
