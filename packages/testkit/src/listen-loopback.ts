import { once } from 'node:events';
import type { Server } from 'node:net';

/**
 * Starts `server` (plain, TLS or HTTP: every Node server is a `net.Server`) on 127.0.0.1 at a
 * port the OS picks.
 *
 * @param server - a server not listening yet.
 * @returns the port it listens on.
 */
export async function listenLoopback(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}
