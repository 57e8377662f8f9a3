/**
 * The value of a `Proxy-Authorization` header for HTTP Basic credentials (RFC 7617, UTF-8).
 *
 * Use it for an HTTP proxy (add `Proxy-Authorization: <value>` to the request the proxy sees) and
 * for an HTTPS proxy (pass it as `tunnel.proxyAuthorization` to
 * {@link StreamPeerTCP.connectToHost}). Godot has no proxy credentials at all.
 *
 * @param username - the user id; it must not contain `:` (RFC 7617 §2).
 * @param password - the password.
 * @returns `Basic <base64(username:password)>`.
 * @throws TypeError if the user id contains a colon, or either part contains CR, LF or NUL.
 * @example
 * ```ts
 * const value = basicProxyAuthorization('user', 'pass'); // 'Basic dXNlcjpwYXNz'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.7.2
 */
export function basicProxyAuthorization(username: string, password: string): string {
  if (username.includes(':')) throw new TypeError('a Basic user id cannot contain ":"');
  if (/[\r\n\0]/.test(username) || /[\r\n\0]/.test(password)) {
    throw new TypeError('credentials cannot contain CR, LF or NUL');
  }
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}
