import { connect, createServer } from 'node:net';
import { listenLoopback } from './listen-loopback.js';

/**
 * A port on 127.0.0.1 that was free a moment ago, for daemons that cannot listen on port 0
 * (squid, tinyproxy, nginx, gunicorn). Another process may take it before the daemon binds it,
 * so callers retry on a failed start ({@link startSystemDaemon} does).
 *
 * @returns the port.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listenLoopback(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Whether a TCP connect to 127.0.0.1:`port` succeeds now.
 *
 * @param port - the port.
 * @returns true once something accepts there.
 */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
