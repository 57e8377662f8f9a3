import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import { listenLoopback } from './listen-loopback.js';

/** Options of {@link startEchoServer}. */
export interface EchoServerOptions {
  /** Serve TLS with these options (key, cert, minVersion, …) instead of plain TCP. */
  readonly tls?: TlsOptions;
}

/** A running echo server on 127.0.0.1. */
export interface EchoServer {
  /** Always `127.0.0.1`. */
  readonly host: string;
  /** The port the OS picked. */
  readonly port: number;
  /** Connections accepted so far (TLS: handshakes completed). */
  readonly connections: number;
  /** TLS only: the SNI name each connection sent (`false` when it sent none), in order. */
  readonly servernames: readonly (string | false)[];
  /** TLS only: the protocol each connection negotiated (`'TLSv1.3'`…), in order. */
  readonly protocols: readonly (string | null)[];
  /** TLS only: handshake failures seen by the server, as Node error codes. */
  readonly tlsErrors: readonly string[];
  /** Closes the server and every connection. */
  close(): Promise<void>;
}

/**
 * Starts a plain or TLS server on 127.0.0.1, port 0, that writes back every byte it receives
 * and ends its side when the client ends its side.
 *
 * @param options - `tls` to serve TLS.
 * @returns the running server.
 */
export async function startEchoServer(options: EchoServerOptions = {}): Promise<EchoServer> {
  const sockets = new Set<Socket>();
  const servernames: (string | false)[] = [];
  const protocols: (string | null)[] = [];
  const tlsErrors: string[] = [];
  let connections = 0;
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const echo = (socket: Socket): void => {
    connections += 1;
    socket.on('error', () => {});
    socket.pipe(socket);
  };
  let server: Server;
  if (options.tls === undefined) {
    server = createServer((socket) => {
      track(socket);
      echo(socket);
    });
  } else {
    server = createTlsServer(options.tls, (socket: TLSSocket) => {
      servernames.push(socket.servername ?? false);
      protocols.push(socket.getProtocol());
      echo(socket);
    });
    // Raw sockets, so close() also ends connections whose handshake never finished.
    server.on('connection', track);
    server.on('tlsClientError', (error: Error & { code?: string }) => {
      tlsErrors.push(error.code ?? error.message);
    });
  }
  const port = await listenLoopback(server);
  return {
    host: '127.0.0.1',
    port,
    get connections() {
      return connections;
    },
    servernames,
    protocols,
    tlsErrors,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
