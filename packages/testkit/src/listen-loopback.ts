import { once } from 'node:events';
import type { Server } from 'node:net';

/**
 * Starts `server` (plain, TLS or HTTP: every Node server is a `net.Server`) on 127.0.0.1 at a
 * port the OS picks, or at `port`.
 *
 * @param server - a server not listening yet.
 * @param port - the port to listen on; 0 (the default) lets the OS pick a free one.
 * @returns the port it listens on.
 */
export async function listenLoopback(server: Server, port = 0): Promise<number> {
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}
