import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';

/** Options of {@link startDemoServer}. */
export interface DemoServerOptions {
  /** Port on 127.0.0.1 (default 0: the OS picks one). */
  readonly port?: number;
  /** Bytes of `/large` (default 2 MiB). */
  readonly largeSize?: number;
  /** Milliseconds between two 64 KiB pieces of `/large` (default 12), so the bar visibly fills. */
  readonly largeIntervalMs?: number;
}

/** One route of the demo server, for the page's shortcut links and the README. */
export interface DemoRoute {
  /** The path, e.g. `/chunked`. */
  readonly path: string;
  /** What it answers, in a few words. */
  readonly label: string;
}

/** A running demo server on 127.0.0.1. */
export interface DemoServer {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** The port. */
  readonly port: number;
  /** Every route it answers (anything else is a 404 too). */
  readonly routes: readonly DemoRoute[];
  /** The `/plain` body. */
  readonly plain: string;
  /** The `/large` body, to compare with what a page read. */
  readonly large: Uint8Array;
  /** Stops it: pending pieces are dropped and open connections closed. */
  close(): Promise<void>;
}

/** The routes, in the order the page lists them. */
export const DEMO_ROUTES: readonly DemoRoute[] = [
  { path: '/large', label: '2 MiB in 64 KiB pieces, with a Content-Length (progress bar)' },
  { path: '/plain', label: 'plain text with a Content-Length' },
  { path: '/chunked', label: 'Transfer-Encoding: chunked, 8 pieces 60 ms apart' },
  { path: '/gzip', label: 'gzip-compressed text (the browser decodes it)' },
  { path: '/redirect', label: '302 to /plain (the browser follows it)' },
  { path: '/missing', label: '404 Not Found' },
];

const PLAIN = 'Hello from the gdhttp web demo: a plain response with a Content-Length.\n';
const PIECE = 64 * 1024;

/** `/large`'s text: numbered lines, so a truncated view still shows where it is. */
export function largeBody(size: number): Uint8Array {
  const line = (n: number): string =>
    `line ${String(n).padStart(6, '0')}: read by HTTPClient on requestAnimationFrame\n`;
  const parts: string[] = [];
  let length = 0;
  for (let n = 1; length < size; n++) {
    const text = line(n);
    parts.push(text);
    length += text.length;
  }
  return new TextEncoder().encode(parts.join('')).subarray(0, size);
}

function chunkedPiece(index: number, count: number): string {
  return `piece ${index + 1} of ${count}: its own chunk on the wire, read from a frame loop\n`;
}

/**
 * Starts the demo's `node:http` server on 127.0.0.1. Every answer carries CORS headers
 * (`Access-Control-Allow-Origin: *` and `Access-Control-Expose-Headers: *`), so a page served
 * from another port (Vite's) may read the responses and all their headers, and `OPTIONS` answers
 * a preflight. Routes: {@link DEMO_ROUTES}.
 *
 * @param options - port and the size and pace of `/large`.
 * @returns the running server.
 * @example
 * ```ts
 * const demo = await startDemoServer();
 * console.log(`${demo.origin}/chunked`);
 * await demo.close();
 * ```
 */
export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const large = largeBody(options.largeSize ?? 2 * 1024 * 1024);
  const interval = options.largeIntervalMs ?? 12;
  const gzipped = gzipSync(
    new TextEncoder().encode(
      Array.from({ length: 40 }, (_, i) => `gzip line ${i + 1}: sent compressed\n`).join(''),
    ),
  );
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const cors = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': '*',
    'Cache-Control': 'no-store',
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...cors,
        'Access-Control-Allow-Methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? '*',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    switch (path) {
      case '/plain':
        res.writeHead(200, {
          ...cors,
          'Content-Type': 'text/plain; charset=utf-8',
          'Content-Length': String(Buffer.byteLength(PLAIN)),
        });
        res.end(PLAIN);
        return;
      case '/chunked': {
        const count = 8;
        res.writeHead(200, { ...cors, 'Content-Type': 'text/plain; charset=utf-8' });
        res.flushHeaders();
        const send = (i: number): void => {
          if (res.destroyed) return;
          if (i === count) {
            res.end();
            return;
          }
          res.write(chunkedPiece(i, count));
          later(60, () => send(i + 1));
        };
        send(0);
        return;
      }
      case '/gzip':
        res.writeHead(200, {
          ...cors,
          'Content-Type': 'text/plain; charset=utf-8',
          'Content-Encoding': 'gzip',
          'Content-Length': String(gzipped.length),
        });
        res.end(gzipped);
        return;
      case '/redirect':
        res.writeHead(302, { ...cors, Location: '/plain', 'Content-Length': '0' });
        res.end();
        return;
      case '/large': {
        res.writeHead(200, {
          ...cors,
          'Content-Type': 'text/plain; charset=utf-8',
          'Content-Length': String(large.length),
          // Cross-origin, the web HTTPClient trusts a Content-Length only with a visible
          // `identity` coding (fetch hands out decoded bytes): then the bar knows its end.
          'Content-Encoding': 'identity',
        });
        res.flushHeaders();
        const send = (at: number): void => {
          if (res.destroyed) return;
          if (at >= large.length) {
            res.end();
            return;
          }
          res.write(large.subarray(at, at + PIECE));
          later(interval, () => send(at + PIECE));
        };
        send(0);
        return;
      }
      default: {
        const text = `not found: ${path}\n`;
        res.writeHead(404, {
          ...cors,
          'Content-Type': 'text/plain; charset=utf-8',
          'Content-Length': String(Buffer.byteLength(text)),
        });
        res.end(text);
      }
    }
  };

  const server = createServer(handle);
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    port: address.port,
    routes: DEMO_ROUTES,
    plain: PLAIN,
    large,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
