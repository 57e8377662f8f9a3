import { isIPv6 } from 'node:net';

/**
 * `host:port` as it appears in a CONNECT target, a `Host` header or an absolute-form URL, with
 * an IPv6 literal in brackets.
 *
 * @param host - a host name or IP literal (IPv6 without brackets).
 * @param port - the port.
 * @returns the authority, e.g. `[::1]:8443`.
 * @example
 * ```ts
 * authorityOf('::1', 443); // '[::1]:443'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-7.2
 */
export function authorityOf(host: string, port: number): string {
  // Only a host with a colon can be an IPv6 literal: the check first spares every other call (a
  // CLI's first request among them) Node's IPv6 regular expression, compiled on first use.
  return `${host.includes(':') && isIPv6(host) ? `[${host}]` : host}:${port}`;
}
