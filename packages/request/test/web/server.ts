// The server the web HTTPRequest's scenarios talk to, on 127.0.0.1, sending CORS headers on every
// route (the browser test serves its page from another port, so every request is cross-origin).
// Used by test/web-request.test.ts (the web build in Node) and test/browser.test.ts (Chromium).
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { listenLoopback } from '@gdhttp/testkit';

/** The plain body. */
export const PLAIN = 'hello from 127.0.0.1\n';
/** The parts of the chunked body, each written as its own chunk. */
export const CHUNKS = ['first chunk\n', 'second chunk\n', 'third and last chunk\n'];
/** The gzip route's body before compression: 96 KiB that compress to well under 1 KiB. */
export const GZIP_TEXT = 'gdhttp gzip, decoded by fetch\n'.repeat(3277);
/** The large body's size: 4 MiB, byte i is `i & 0xff`. */
export const LARGE_SIZE = 4 * 1024 * 1024;
/** What `/slow` sends of its announced 1 MiB before it stalls. */
export const SLOW_SENT = 64 * 1024;

/** Byte i is `i & 0xff`. */
export function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = i & 0xff;
  return bytes;
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
  close(): Promise<void>;
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'X-Gdhttp-Scenario, Content-Encoding',
};

/** Starts the scenario server. */
export async function startWebTestServer(): Promise<WebTestServer> {
  const seen: string[] = [];
  const large = pattern(LARGE_SIZE);
  const gzipped = gzipSync(Buffer.from(GZIP_TEXT));
  let authorization: string | null = null;
  let slowWaiters: (() => void)[] = [];
  const head = (scenario: string, extra: Record<string, string | number> = {}) => ({
    ...CORS,
    'X-Gdhttp-Scenario': scenario,
    'Cache-Control': 'no-store',
    ...extra,
  });
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    seen.push(`${request.method} ${path}`);
    if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        ...CORS,
        'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, PATCH',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Gdhttp-Test',
      });
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
          head('slow', { 'Content-Type': 'application/octet-stream', 'Content-Length': 1 << 20 }),
        );
        response.write(pattern(SLOW_SENT));
        response.once('close', () => {
          const waiters = slowWaiters;
          slowWaiters = [];
          for (const resolve of waiters) resolve();
        });
        return;
      case '/echo':
        authorization = request.headers.authorization ?? null;
        request.resume();
        request.on('end', () => {
          response.writeHead(200, head('echo', { 'Content-Type': 'text/plain' }));
          response.end(`${request.method} ${authorization ?? '-'}`);
        });
        return;
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
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
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
