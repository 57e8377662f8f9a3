import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { listenLoopback } from './listen-loopback.js';

/** What {@link startUploadReporter} answers: the request as it arrived. */
export interface UploadReport {
  /** The request method. */
  readonly method: string;
  /** The request target. */
  readonly url: string;
  /** How many body bytes arrived. */
  readonly bytes: number;
  /** SHA-256 of the body, hex. */
  readonly sha256: string;
  /** The header fields, names in lower case (Node's `IncomingMessage.headers`). */
  readonly headers: IncomingHttpHeaders;
}

/** A running upload reporter. */
export interface UploadReporter {
  /** Always `127.0.0.1`. */
  readonly host: string;
  /** The port the OS picked. */
  readonly port: number;
  /** Every request answered so far, in order. */
  readonly reports: readonly UploadReport[];
  /** Closes the server and every connection. */
  close(): Promise<void>;
}

/**
 * Starts an HTTP server on 127.0.0.1 that reads each request body to the end, hashing it as it
 * streams (a 64 MiB upload is never held in memory), and answers `200` with an
 * {@link UploadReport} as JSON: what a test needs to check that an upload arrived whole.
 * Any method and path is accepted.
 *
 * @returns the running server.
 */
export async function startUploadReporter(): Promise<UploadReporter> {
  const reports: UploadReport[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    const hash = createHash('sha256');
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    request.on('end', () => {
      const report: UploadReport = {
        method: request.method ?? '',
        url: request.url ?? '',
        bytes,
        sha256: hash.digest('hex'),
        headers: request.headers,
      };
      reports.push(report);
      const body = JSON.stringify(report);
      response.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      });
      response.end(body);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listenLoopback(server);
  return {
    host: '127.0.0.1',
    port,
    reports,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
