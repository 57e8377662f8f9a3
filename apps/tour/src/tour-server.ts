import { createHash } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { gzipSync } from 'node:zlib';
import { listenLoopback } from '@gdhttp/testkit';

/** Options of {@link startTourServer}. */
export interface TourServerOptions {
  /** Serve HTTPS with this key and certificate (PEM) instead of plain HTTP. */
  readonly tls?: { readonly key: string; readonly cert: string };
  /** Size of `/download` in bytes (default 8 MiB). */
  readonly downloadBytes?: number;
  /** Roughly how long `/download` takes to send, in ms (default 1000), so progress is visible. */
  readonly downloadMs?: number;
}

/** A request the tour server received. */
export interface LoggedRequest {
  /** The request method, e.g. `GET`. */
  readonly method: string;
  /** The request target as received, e.g. `/redirect/3`. */
  readonly url: string;
  /** The request's headers, names lower-cased by `node:http`. */
  readonly headers: IncomingHttpHeaders;
}

/** A running tour server on 127.0.0.1. */
export interface TourServer {
  /** The base URL: `http://127.0.0.1:PORT`, or `https://localhost:PORT` (the certificate's name). */
  readonly url: string;
  /** Its port. */
  readonly port: number;
  /** Every request received, in order. */
  readonly log: readonly LoggedRequest[];
  /** Size of `/download` in bytes. */
  readonly downloadSize: number;
  /** SHA-256 (hex) of `/download`, to check a downloaded file against. */
  readonly downloadSha256: string;
  /** Closes the server and every connection. */
  close(): Promise<void>;
}

/** The body of `/hello`. */
export const HELLO_TEXT = 'Hello from the gdhttp tour server!\n';

/** How many pieces `/chunked` sends, and the milliseconds between them. */
export const CHUNKED_PIECES = 16;
const CHUNKED_INTERVAL_MS = 12;

/** The body of `/chunked`, all pieces joined. */
export const CHUNKED_TEXT = Array.from(
  { length: CHUNKED_PIECES },
  (_, i) => `chunk ${String(i + 1).padStart(2)} of ${CHUNKED_PIECES}\n`,
).join('');

/** The body of `/gzip` before compression: repetitive JSON lines, as an API would send. */
export const GZIP_TEXT = Array.from(
  { length: 1024 },
  (_, i) => `{"frame":${i},"status":"BODY","bytes":${i * 512},"ok":true}\n`,
).join('');
const GZIPPED = gzipSync(GZIP_TEXT);

/** The redirect chain `/redirect/5` walks, one status per hop, ending at `/redirect/0`. */
export const REDIRECT_CODES = [301, 302, 303, 307, 308] as const;

/** The body at the end of the redirect chain. */
export const REDIRECT_END_TEXT = 'end of the redirect chain\n';

/** The bytes of `/download`: a cheap pattern that is not all one value, so a shifted copy shows. */
export function downloadBytes(size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >>> 10)) & 0xff;
  return bytes;
}

const DOWNLOAD_PIECE = 64 * 1024;

/**
 * Starts the tour's origin server on 127.0.0.1, port 0 (`node:http`, or `node:https` with
 * `tls`). Routes: `/hello` (Content-Length), `/chunked` (16 chunks over ~0.2 s), `/gzip` (gzip
 * when asked), `/redirect/N` (a chain of 301, 302, 303, 307, 308), `/download` (paced so a
 * progress display moves), `/via` (echoes the proxy headers it got). Every request is logged.
 *
 * @param options - TLS key and certificate, and the download's size and pace.
 * @returns the running server.
 */
export async function startTourServer(options: TourServerOptions = {}): Promise<TourServer> {
  const log: LoggedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const size = options.downloadBytes ?? 8 * 1024 * 1024;
  const download = downloadBytes(size);
  const pieces = Math.max(1, Math.ceil(size / DOWNLOAD_PIECE));
  const pieceDelay = (options.downloadMs ?? 1000) / pieces;
  const later = (ms: number, run: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    log.push({ method: req.method ?? '', url, headers: req.headers });
    const redirect = /^\/redirect\/(\d+)$/.exec(url);
    if (url === '/hello') {
      send(res, 200, 'text/plain; charset=utf-8', HELLO_TEXT);
    } else if (url === '/chunked') {
      // No Content-Length: node:http frames each write() as one chunk.
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.flushHeaders();
      const pieces = CHUNKED_TEXT.split(/(?<=\n)/);
      const next = (i: number): void => {
        if (res.destroyed) return;
        if (i === pieces.length) res.end();
        else {
          res.write(pieces[i]!);
          later(CHUNKED_INTERVAL_MS, () => next(i + 1));
        }
      };
      next(0);
    } else if (url === '/gzip') {
      const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      res.writeHead(200, {
        'Content-Type': 'application/x-ndjson',
        'Content-Length': String(gzip ? GZIPPED.length : Buffer.byteLength(GZIP_TEXT)),
        Vary: 'Accept-Encoding',
        ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
      });
      res.end(gzip ? GZIPPED : GZIP_TEXT);
    } else if (redirect !== null) {
      const hops = Number(redirect[1]);
      const code = REDIRECT_CODES[REDIRECT_CODES.length - hops];
      if (hops === 0 || code === undefined) {
        send(res, 200, 'text/plain; charset=utf-8', REDIRECT_END_TEXT);
      } else {
        // One absolute Location among relative ones: both forms appear in the wild.
        const location =
          code === 303 ? `${baseUrl()}/redirect/${hops - 1}` : `/redirect/${hops - 1}`;
        res.writeHead(code, { Location: location, 'Content-Length': '0' });
        res.end();
      }
    } else if (url === '/download') {
      res.writeHead(200, {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(size),
      });
      const next = (at: number): void => {
        if (res.destroyed) return;
        if (at >= size) {
          res.end();
          return;
        }
        const end = Math.min(size, at + DOWNLOAD_PIECE);
        const flushed = res.write(download.subarray(at, end));
        // Paced, and never ahead of the socket: a slow reader holds the server back.
        const go = () => later(pieceDelay, () => next(end));
        if (flushed) go();
        else res.once('drain', go);
      };
      next(0);
    } else if (url === '/via') {
      const { via, 'x-forwarded-for': forwardedFor } = req.headers;
      send(res, 200, 'application/json', JSON.stringify({ via, forwardedFor }));
    } else {
      send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    }
  };

  const server: Server =
    options.tls === undefined
      ? createHttpServer(handle)
      : createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handle);
  const port = await listenLoopback(server);
  // The HTTPS certificate names localhost (and 127.0.0.1); the name reads better in the output.
  const baseUrl = () =>
    options.tls === undefined ? `http://127.0.0.1:${port}` : `https://localhost:${port}`;

  return {
    url: baseUrl(),
    port,
    log,
    downloadSize: size,
    downloadSha256: createHash('sha256').update(download).digest('hex'),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}
