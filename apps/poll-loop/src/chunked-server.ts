import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';

/** Options of {@link startChunkedServer}. */
export interface ChunkedServerOptions {
  /** How many pieces the body is sent in (default 8). */
  readonly pieces?: number;
  /** Milliseconds between two pieces (default 50), so the body spans many frames. */
  readonly intervalMs?: number;
}

/** A running chunked-response server on 127.0.0.1. */
export interface ChunkedServer {
  /** Always `127.0.0.1`. */
  readonly host: string;
  /** The port the OS picked. */
  readonly port: number;
  /** The path that answers with the chunked body (every other path is a 404). */
  readonly path: string;
  /** The whole body the server sends, to compare with what a client read. */
  readonly body: Uint8Array;
  /** Stops the server: pending pieces are dropped and open connections closed. */
  close(): Promise<void>;
}

/** The body's lines: one per piece, so a reader can see which piece arrived when. */
function pieceText(index: number, count: number): string {
  return `piece ${index + 1} of ${count}: sent as its own chunk, read from a frame loop\n`;
}

/**
 * Starts a `node:http` server on 127.0.0.1 (port 0) whose `GET /changelog` answers with a body
 * written in `pieces` writes spaced `intervalMs` apart. Node frames a body without a length as
 * `Transfer-Encoding: chunked`, so each write is one chunk on the wire — like the chunked page of
 * Godot's HTTPClient tutorial, but local, so the example works offline.
 *
 * @param options - number of pieces and the spacing between them.
 * @returns the running server.
 * @example
 * ```ts
 * const server = await startChunkedServer({ pieces: 4, intervalMs: 20 });
 * // GET http://127.0.0.1:${server.port}${server.path}
 * await server.close();
 * ```
 */
export async function startChunkedServer(
  options: ChunkedServerOptions = {},
): Promise<ChunkedServer> {
  const count = options.pieces ?? 8;
  const intervalMs = options.intervalMs ?? 50;
  const pieces = Array.from({ length: count }, (_, i) => pieceText(i, count));
  const path = '/changelog';
  const timers = new Set<NodeJS.Timeout>();

  const sendPieces = (res: ServerResponse, index: number): void => {
    if (res.destroyed) return;
    if (index === count) {
      res.end();
      return;
    }
    res.write(pieces[index]!);
    const timer = setTimeout(() => {
      timers.delete(timer);
      sendPieces(res, index + 1);
    }, intervalMs);
    timers.add(timer);
  };

  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== path) {
      res.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': '10' });
      res.end('not found\n');
      return;
    }
    // No Content-Length: node:http sends Transfer-Encoding: chunked and one chunk per write().
    res.writeHead(200, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Pieces': String(count),
    });
    // Send the head at once, so the client reaches BODY before the first piece.
    res.flushHeaders();
    sendPieces(res, 0);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');

  return {
    host: '127.0.0.1',
    port: address.port,
    path,
    body: new TextEncoder().encode(pieces.join('')),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
