import type { TunnelTarget } from '../stream-peer-tcp.js';

/** Whether `value` holds a control byte other than HTAB (header injection if sent on). */
export function hasControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

/** A host a peer may look up or connect to; other odd names fail in DNS, as Godot's do. */
export function validHost(host: unknown): host is string {
  return typeof host === 'string' && host.length > 0 && !hasControl(host);
}

/** A TCP port: an integer from 1 to 65535. */
export function validPort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65_535;
}

/** Whether `connectToHost(host, port, { tunnel })` has arguments a peer can use. */
export function validConnectArguments(
  host: unknown,
  port: unknown,
  tunnel: TunnelTarget | null,
): boolean {
  if (!validHost(host) || !validPort(port)) return false;
  if (tunnel === null) return true;
  if (!validHost(tunnel.host) || !validPort(tunnel.port)) return false;
  const auth = tunnel.proxyAuthorization;
  return auth === undefined || (auth !== '' && !hasControl(auth));
}
