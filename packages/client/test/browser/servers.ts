// The servers the browser scenarios talk to, on 127.0.0.1 at ports other than the page's, so every
// request is cross-origin: one that sends CORS headers for every route, one that sends none.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { listenLoopback } from '@gdhttp/testkit';

/** The plain body. */
export const PLAIN = 'hello from 127.0.0.1\n';
/** The parts of the chunked body, each written (and flushed) as its own chunk. */
export const CHUNKS = ['first chunk\n', 'second chunk\n', 'third and last chunk\n'];
/** The gzip route's body before compression. */
export const GZIP_TEXT = 'gdhttp gzip\n'.repeat(300);
/** The large body's size: 4 MiB where byte i is `i & 0xff`. */
export const LARGE_SIZE = 4 * 1024 * 1024;
/** The cancel route's announced size and what it sends before it stalls. */
export const SLOW_SIZE = 1024 * 1024;
export const SLOW_SENT = 64 * 1024;
/** The request header the echo route reads (a non-safelisted one, so fetch preflights). */
export const TEST_HEADER = 'X-Gdhttp-Test';

/** Byte i is `i & 0xff`. */
export function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = i & 0xff;
  return bytes;
}

/** A server on 127.0.0.1 and what it saw. */
export interface TestServer {
  readonly port: number;
  /** `METHOD /path` of every request, in arrival order (preflights included). */
  readonly seen: string[];
  /** Resolves when the client drops the stalled `/slow` response (the cancel scenario). */
  readonly slowAborted: Promise<void>;
  close(): Promise<void>;
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'X-Gdhttp-Scenario, Content-Encoding',
};

/**
 * Starts the server the scenarios run against. With `cors` false it answers the same routes with
 * no CORS header at all, so a browser withholds every response from the page.
 */
export async function startScenarioServer(cors: boolean): Promise<TestServer> {
  const seen: string[] = [];
  const large = pattern(LARGE_SIZE);
  const gzipped = gzipSync(Buffer.from(GZIP_TEXT));
  let abortSlow: () => void = () => {};
  const slowAborted = new Promise<void>((resolve) => {
    abortSlow = resolve;
  });
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
              'Access-Control-Allow-Headers': `Content-Type, ${TEST_HEADER}`,
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
        // No Content-Length: Node sends Transfer-Encoding: chunked, one chunk per write.
        response.writeHead(200, head('chunked', { 'Content-Type': 'text/plain' }));
        writeParts(response, CHUNKS);
        return;
      case '/gzip':
        // Content-Length counts the compressed bytes; the page reads the decoded ones.
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
      case '/large':
        // `identity` shown to the page says the Content-Length is the length it will read.
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
        // Never finishes: only the client's close() ends this response.
        response.once('close', () => abortSlow());
        return;
      case '/echo': {
        const parts: Buffer[] = [];
        request.on('data', (part: Buffer) => parts.push(part));
        request.on('end', () => {
          const echo = JSON.stringify({
            method: request.method,
            test: request.headers[TEST_HEADER.toLowerCase()] ?? null,
            contentType: request.headers['content-type'] ?? null,
            body: Buffer.concat(parts).toString('utf8'),
          });
          response.writeHead(200, head('echo', { 'Content-Type': 'application/json' }));
          response.end(echo);
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
    slowAborted,
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
