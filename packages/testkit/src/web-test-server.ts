// The server the web builds' scenarios talk to, on 127.0.0.1: the web HTTPClient's and web
// HTTPRequest's tests, in Node and in Chromium (whose test pages are served from another port, so
// every request is cross-origin). It sends CORS headers on every route, or none at all
// (`cors: false`), so a browser withholds every response from the page.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { listenLoopback } from './listen-loopback.js';

/** The plain body. */
export const PLAIN = 'hello from 127.0.0.1\n';
/** The parts of the chunked body, each written as its own chunk. */
export const CHUNKS = ['first chunk\n', 'second chunk\n', 'third and last chunk\n'];
/** The gzip route's body before compression: 96 KiB that compress to well under 1 KiB. */
export const GZIP_TEXT = 'gdhttp gzip, decoded by fetch\n'.repeat(3277);
/** The large body's size: 4 MiB, byte i is `i & 0xff`. */
export const LARGE_SIZE = 4 * 1024 * 1024;
/** What `/slow` announces, and what it sends of that before it stalls. */
export const SLOW_SIZE = 1024 * 1024;
export const SLOW_SENT = 64 * 1024;
/** A request header `/echo` reports (not safelisted, so fetch preflights a request with it). */
export const TEST_HEADER = 'X-Gdhttp-Test';

/** What `/stream` writes, each part its own chunk, one event-loop turn apart. */
export const STREAM_PARTS = ['alpha ', 'beta ', 'gamma ', 'delta ', 'epsilon\n'];
/** What `/ndjson` writes: three values, the pieces cutting lines (one CRLF, one blank line). */
export const NDJSON_PARTS = ['{"n":1,"t":"a"}\n{"n"', ':2,"t":"b"}\r\n\n{"n":3', ',"t":"c"}\n'];
/** What `/endless` writes at most, so a client that does not hold it back ends the test. */
export const ENDLESS_CAP = 1024 * 1024 * 1024;

/** What `/echo` answers, as JSON: the request it read. */
export interface EchoAnswer {
  method: string;
  /** The {@link TEST_HEADER} value, or `null`. */
  test: string | null;
  contentType: string | null;
  authorization: string | null;
  /** The body as UTF-8. */
  body: string;
}

/** What `/upload` answers, as JSON: what it received. */
export interface UploadEcho {
  method: string;
  length: number;
  sha256: string;
  contentType: string | null;
  contentLength: string | null;
}

/** What `/endless` did on its last request. */
export interface EndlessState {
  /** Bytes handed to the response (those the socket took, plus at most one 64 KiB piece). */
  readonly written: number;
  /** The client closed the connection. */
  readonly closed: boolean;
}

/** Byte i is `i & 0xff`. */
export function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = i & 0xff;
  return bytes;
}

/** Options of {@link startWebTestServer}. */
export interface WebTestServerOptions {
  /** Send CORS headers (default true); false answers every route without any. */
  readonly cors?: boolean;
}

/** A server on 127.0.0.1 and what it saw. */
export interface WebTestServer {
  readonly port: number;
  /** `METHOD /path` of every request, preflights included, in arrival order. */
  readonly seen: string[];
  /** The `Authorization` header of the last `/echo` request, or `null`. */
  readonly lastAuthorization: () => string | null;
  /** The size of the gzip route's compressed body. */
  readonly gzippedSize: number;
  /** Resolves each time a stalled `/slow` response is dropped by the client. */
  slowClosed(): Promise<void>;
  /** `/endless`: its last request's state. */
  endless(): EndlessState;
  /** Resolves when the last `/endless` response is dropped by the client. */
  endlessClosed(): Promise<void>;
  /** `/events?key=…`: the `Last-Event-ID` of each request for that key (`null`: none). */
  sse(key: string): (string | null)[];
  close(): Promise<void>;
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'X-Gdhttp-Scenario, Content-Encoding',
};
/** Request headers a page may send after a preflight: `Last-Event-ID` for SSE reconnects. */
const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Gdhttp-Test, Last-Event-ID, Cache-Control';

/**
 * Starts the scenario server. Routes: `/plain`, `/chunked` ({@link CHUNKS}, a turn apart),
 * `/gzip`, `/redirect` (302 to `/plain`), `/redirect-chain` (301 → 307 → 302), `/large`
 * ({@link LARGE_SIZE}, {@link pattern}), `/slow` (stalls after {@link SLOW_SENT}), `/stream`,
 * `/endless`, `/events?key=` (SSE, reconnect with `Last-Event-ID`), `/ndjson`, `/upload`
 * ({@link UploadEcho}), `/echo` ({@link EchoAnswer}); anything else 404.
 *
 * @param options - `cors: false` for a server a browser may not read.
 * @returns the listening server.
 */
export async function startWebTestServer(
  options: WebTestServerOptions = {},
): Promise<WebTestServer> {
  const cors = options.cors ?? true;
  const seen: string[] = [];
  const large = pattern(LARGE_SIZE);
  const gzipped = gzipSync(Buffer.from(GZIP_TEXT));
  let authorization: string | null = null;
  let slowWaiters: (() => void)[] = [];
  let endless = { written: 0, closed: false };
  let endlessWaiters: (() => void)[] = [];
  const sseSeen = new Map<string, (string | null)[]>();
  const wake = (waiters: (() => void)[]) => {
    for (const resolve of waiters) resolve();
  };
  const head = (scenario: string, extra: Record<string, string | number> = {}) => ({
    ...(cors ? CORS : {}),
    'X-Gdhttp-Scenario': scenario,
    'Cache-Control': 'no-store',
    ...extra,
  });
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    seen.push(`${request.method} ${path}`);
    if (request.method === 'OPTIONS') {
      response.writeHead(
        204,
        cors
          ? {
              ...CORS,
              'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, PATCH',
              'Access-Control-Allow-Headers': ALLOWED_HEADERS,
            }
          : {},
      );
      response.end();
      return;
    }
    switch (path) {
      case '/plain':
        response.writeHead(200, head('plain', { 'Content-Type': 'text/plain; charset=utf-8' }));
        response.end(PLAIN);
        return;
      case '/chunked':
        response.writeHead(200, head('chunked', { 'Content-Type': 'text/plain' }));
        writeParts(response, CHUNKS);
        return;
      case '/gzip':
        response.writeHead(
          200,
          head('gzip', {
            'Content-Type': 'text/plain',
            'Content-Encoding': 'gzip',
            'Content-Length': gzipped.length,
          }),
        );
        response.end(gzipped);
        return;
      case '/redirect':
        response.writeHead(302, head('redirect', { Location: '/plain', 'Content-Length': 0 }));
        response.end();
        return;
      case '/redirect-chain':
        // Three hops: 301 → 307 → 302 → /plain?via=chain (the fragment stays out of the final URL).
        response.writeHead(
          301,
          head('redirect-chain', { Location: '/redirect-hop', 'Content-Length': 0 }),
        );
        response.end();
        return;
      case '/redirect-hop':
        response.writeHead(
          307,
          head('redirect-hop', { Location: '/redirect-last', 'Content-Length': 0 }),
        );
        response.end();
        return;
      case '/redirect-last':
        response.writeHead(
          302,
          head('redirect-last', { Location: '/plain?via=chain#top', 'Content-Length': 0 }),
        );
        response.end();
        return;
      case '/large':
        // `identity`, exposed, tells a cross-origin page that Content-Length is what it reads.
        response.writeHead(
          200,
          head('large', {
            'Content-Type': 'application/octet-stream',
            'Content-Encoding': 'identity',
            'Content-Length': LARGE_SIZE,
          }),
        );
        response.end(large);
        return;
      case '/slow':
        response.writeHead(
          200,
          head('slow', { 'Content-Type': 'application/octet-stream', 'Content-Length': SLOW_SIZE }),
        );
        response.write(pattern(SLOW_SENT));
        response.once('close', () => {
          const waiters = slowWaiters;
          slowWaiters = [];
          for (const resolve of waiters) resolve();
        });
        return;
      case '/stream': {
        response.writeHead(200, head('stream', { 'Content-Type': 'text/plain' }));
        writeParts(response, STREAM_PARTS);
        return;
      }
      case '/endless': {
        // As fast as the client takes it: how much went shows whether the client holds it back.
        const state = { written: 0, closed: false };
        endless = state;
        response.writeHead(200, head('endless', { 'Content-Type': 'application/octet-stream' }));
        const piece = pattern(64 * 1024);
        const pump = () => {
          while (!state.closed && state.written < ENDLESS_CAP) {
            state.written += piece.length;
            if (!response.write(piece)) {
              response.once('drain', pump);
              return;
            }
          }
          if (!state.closed) response.end();
        };
        response.once('close', () => {
          state.closed = true;
          const waiters = endlessWaiters;
          endlessWaiters = [];
          wake(waiters);
        });
        pump();
        return;
      }
      case '/events': {
        // Server-Sent Events: the first request for a key sends retry: 50 and two events with ids,
        // then ends the stream; the next gets one `done` event naming the Last-Event-ID it sent.
        const key = new URL(request.url ?? '/', 'http://x').searchParams.get('key') ?? '';
        const seenIds = sseSeen.get(key) ?? [];
        sseSeen.set(key, seenIds);
        const lastEventId = request.headers['last-event-id'];
        seenIds.push(typeof lastEventId === 'string' ? lastEventId : null);
        response.writeHead(200, head('events', { 'Content-Type': 'text/event-stream' }));
        if (seenIds.length === 1) {
          writeParts(response, [
            'retry: 50\n: reconnect after 50 ms\n\n',
            'id: 1\nevent: token\ndata: Hello\n\n',
            'id: 2\nevent: token\ndata: world\n\n',
          ]);
        } else {
          writeParts(response, [`event: done\ndata: resumed after ${lastEventId ?? '-'}\n\n`]);
        }
        return;
      }
      case '/ndjson':
        response.writeHead(200, head('ndjson', { 'Content-Type': 'application/x-ndjson' }));
        writeParts(response, NDJSON_PARTS);
        return;
      case '/upload': {
        const hash = createHash('sha256');
        let length = 0;
        request.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          length += chunk.length;
        });
        request.on('end', () => {
          const echo: UploadEcho = {
            method: request.method ?? '',
            length,
            sha256: hash.digest('hex'),
            contentType: request.headers['content-type'] ?? null,
            contentLength: request.headers['content-length'] ?? null,
          };
          response.writeHead(200, head('upload', { 'Content-Type': 'application/json' }));
          response.end(JSON.stringify(echo));
        });
        return;
      }
      case '/echo': {
        authorization = request.headers.authorization ?? null;
        const parts: Buffer[] = [];
        request.on('data', (part: Buffer) => parts.push(part));
        request.on('end', () => {
          const echo: EchoAnswer = {
            method: request.method ?? '',
            test: headerOf(request, TEST_HEADER),
            contentType: headerOf(request, 'content-type'),
            authorization,
            body: Buffer.concat(parts).toString('utf8'),
          };
          response.writeHead(200, head('echo', { 'Content-Type': 'application/json' }));
          response.end(JSON.stringify(echo));
        });
        return;
      }
      default:
        response.writeHead(404, head('missing', { 'Content-Type': 'text/plain' }));
        response.end('not found\n');
    }
  });
  const port = await listenLoopback(server);
  return {
    port,
    seen,
    lastAuthorization: () => authorization,
    gzippedSize: gzipped.length,
    slowClosed: () =>
      new Promise<void>((resolve) => {
        slowWaiters.push(resolve);
      }),
    endless: () => ({ ...endless }),
    endlessClosed: () =>
      endless.closed
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            endlessWaiters.push(resolve);
          }),
    sse: (key) => sseSeen.get(key)?.slice() ?? [],
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A request header's value (the first, when repeated), or `null`. */
function headerOf(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name.toLowerCase()];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

/** Writes each part as its own chunk, one event-loop turn apart, then ends. */
function writeParts(response: ServerResponse, parts: readonly string[]): void {
  const [first, ...rest] = parts;
  if (first === undefined) {
    response.end();
    return;
  }
  response.write(first, () => setImmediate(() => writeParts(response, rest)));
}
