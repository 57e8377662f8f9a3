import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { testCertificates } from './certificates.js';
import { listenLoopback } from './listen-loopback.js';

/** What an {@link UploadH2Server} saw of one request body. */
export interface ReceivedUpload {
  /** `2.0` or `1.1`. */
  readonly httpVersion: string;
  readonly method: string;
  /** The path without the query. */
  readonly path: string;
  /** Body bytes received (so far, while `open`). */
  length: number;
  /** SHA-256 of the body as hex, once it ended; `''` before or when it was cut off. */
  sha256: string;
  /** The request's `Content-Length` and `Transfer-Encoding`, or `null`. */
  readonly contentLength: string | null;
  readonly transferEncoding: string | null;
  /** The client gave up before the body ended (an abort, a reset). */
  aborted: boolean;
  /** The body is still arriving. */
  open: boolean;
}

/** Options of {@link startUploadH2Server}. */
export interface UploadH2ServerOptions {
  /** Request headers a cross-origin page may send (`Access-Control-Allow-Headers`). */
  readonly allowHeaders?: string;
}

/**
 * Two TLS servers on 127.0.0.1 that take request bodies and answer what they received: one
 * speaking HTTP/2 (HTTP/1.1 allowed, as `node:http2`'s `allowHTTP1`), one speaking HTTP/1.1 only
 * (an `https` server: its ALPN offers no `h2`). Both send CORS headers and answer preflights.
 * The certificate is the test kit's `valid` one (signed by the test CA): a browser needs
 * `--ignore-certificate-errors`, a Node client the test CA.
 *
 * Routes: `/upload` reads the body and answers 200 with JSON ({@link ReceivedUpload});
 * `/slow-upload` pauses 20 ms after each piece it reads, so an upload stays in flight;
 * `/redirect/307`, `/redirect/308`, `/redirect/303` read the body, then answer that redirect to
 * `/upload`.
 */
export interface UploadH2Server {
  /** The HTTP/2 server's port. */
  readonly port: number;
  /** The HTTP/1.1-only server's port. */
  readonly http1Port: number;
  /** Every body received, oldest first (preflights not included). */
  readonly uploads: ReceivedUpload[];
  /** `METHOD /path HTTP/version` of every request, preflights included. */
  readonly seen: string[];
  /** Resolves with the next upload that ends or is cut off after this call. */
  nextUploadEnd(): Promise<ReceivedUpload>;
  /** Closes both servers and their connections. */
  close(): Promise<void>;
}

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

/**
 * Starts the two upload servers.
 *
 * @example
 * ```ts
 * const server = await startUploadH2Server();
 * // fetch(`https://127.0.0.1:${server.port}/upload`, { method: 'PUT', body: stream, duplex: 'half' })
 * console.log(server.uploads.at(-1)?.httpVersion); // '2.0'
 * await server.close();
 * ```
 *
 * @param options - CORS request headers allowed.
 * @returns the running servers.
 */
export async function startUploadH2Server(
  options: UploadH2ServerOptions = {},
): Promise<UploadH2Server> {
  const { valid } = await testCertificates();
  const uploads: ReceivedUpload[] = [];
  const seen: string[] = [];
  let waiters: ((upload: ReceivedUpload) => void)[] = [];
  const cors = {
    'access-control-allow-origin': '*',
    'access-control-expose-headers': '*',
  };
  const ended = (upload: ReceivedUpload): void => {
    upload.open = false;
    const waiting = waiters;
    waiters = [];
    for (const resolve of waiting) resolve(upload);
  };

  const handle = (request: AnyRequest, response: AnyResponse): void => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    seen.push(`${request.method} ${path} HTTP/${request.httpVersion}`);
    // Both response classes take the same calls; one signature keeps the routes shared.
    const res = response as ServerResponse;
    if (request.method === 'OPTIONS') {
      res.writeHead(204, {
        ...cors,
        'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE',
        'access-control-allow-headers': options.allowHeaders ?? 'Content-Type, X-Gdhttp-Test',
      });
      res.end();
      return;
    }
    const header = (name: string): string | null => {
      const value = request.headers[name];
      return typeof value === 'string' ? value : null;
    };
    const upload: ReceivedUpload = {
      httpVersion: request.httpVersion,
      method: request.method ?? '',
      path,
      length: 0,
      sha256: '',
      contentLength: header('content-length'),
      transferEncoding: header('transfer-encoding'),
      aborted: false,
      open: true,
    };
    uploads.push(upload);
    const hash = createHash('sha256');
    const slow = path === '/slow-upload';
    let timer: NodeJS.Timeout | undefined;
    request.on('data', (piece: Buffer) => {
      upload.length += piece.length;
      hash.update(piece);
      if (!slow) return;
      // A pause after each piece: flow control holds the client's upload in flight.
      request.pause();
      timer = setTimeout(() => request.resume(), 20);
    });
    request.on('end', () => {
      clearTimeout(timer);
      upload.sha256 = hash.digest('hex');
      ended(upload);
      const redirect = /^\/redirect\/(30[378])$/.exec(path);
      if (redirect !== null) {
        res.writeHead(Number(redirect[1]), { ...cors, location: '/upload' });
        res.end();
        return;
      }
      const answer = JSON.stringify(upload);
      res.writeHead(200, {
        ...cors,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(answer),
      });
      res.end(answer);
    });
    // A reset or an abort before the end: what arrived stays counted.
    request.on('close', () => {
      clearTimeout(timer);
      if (!upload.open) return;
      upload.aborted = true;
      ended(upload);
    });
  };

  const h2 = createSecureServer({ key: valid.key, cert: valid.cert, allowHTTP1: true }, handle);
  const h1: HttpsServer = createHttpsServer({ key: valid.key, cert: valid.cert }, handle);
  const sessions = new Set<{ destroy(): void }>();
  h2.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  const [port, http1Port] = await Promise.all([listenLoopback(h2), listenLoopback(h1)]);
  return {
    port,
    http1Port,
    uploads,
    seen,
    nextUploadEnd: () => new Promise((resolve) => waiters.push(resolve)),
    close: async () => {
      for (const session of sessions) session.destroy();
      h1.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => h2.close(() => resolve())),
        new Promise<void>((resolve) => h1.close(() => resolve())),
      ]);
    },
  };
}
