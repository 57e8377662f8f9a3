// `Authorization: Basic` from a URL's userinfo (RFC 7617), without Node's Buffer so the web build
// shares it: the UTF-8 bytes of `user:password`, base64-encoded.

/**
 * The `Authorization` header line for Basic credentials.
 *
 * @param username - the decoded user name.
 * @param password - the decoded password.
 * @returns `Authorization: Basic <base64 of the UTF-8 of "username:password">`.
 */
export function basicAuthorization(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Authorization: Basic ${btoa(binary)}`;
}
