// A loopback node:http server for the web HTTPClient's tests, answering as a CORS-enabled API
// would (every response allows any origin and exposes its headers), with one route per scenario.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

/** A request the server saw. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface WebTestServer {
  host: string;
  port: number;
  seen: SeenRequest[];
  /** Resolves when a request on `url` was aborted by the client (its socket closed early). */
  aborted(url: string): Promise<void>;
  close(): Promise<void>;
}

/** The large body's bytes: deterministic, so the test can check every byte. */
export function largeBody(size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + (i >> 8)) & 0xff;
  return out;
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const LARGE = largeBody(1_048_576 + 123);

export async function startWebTestServer(): Promise<WebTestServer> {
  const seen: SeenRequest[] = [];
  const abortWaiters = new Map<string, () => void>();
  const abortedUrls = new Set<string>();
  const route = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', '*');
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case '/hello':
        res.setHeader('Content-Type', 'text/plain');
        res.setHeader('X-Multi', ['a', 'b']);
        res.end('hello');
        return;
      case '/echo':
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(body);
        return;
      case '/chunked':
        res.setHeader('Content-Type', 'text/plain');
        res.write('one,');
        setTimeout(() => res.write('two,'), 10);
        setTimeout(() => res.end('three'), 20);
        return;
      case '/gzip': {
        const zipped = gzipSync(Buffer.from('decoded by fetch '.repeat(100)));
        res.setHeader('Content-Encoding', 'gzip');
        res.setHeader('Content-Length', zipped.length);
        res.end(zipped);
        return;
      }
      case '/redirect':
        res.statusCode = 302;
        res.setHeader('Location', '/hello');
        res.end();
        return;
      case '/redirect-chain':
        // Two hops: 301 → 307 → /hello?via=chain (the fragment stays out of Response.url).
        res.statusCode = 301;
        res.setHeader('Location', '/redirect-hop');
        res.end();
        return;
      case '/redirect-hop':
        res.statusCode = 307;
        res.setHeader('Location', '/hello?via=chain#top');
        res.end();
        return;
      case '/missing':
        res.statusCode = 404;
        res.end('not here');
        return;
      case '/empty':
        res.statusCode = 204;
        res.end();
        return;
      case '/large':
        res.setHeader('Content-Length', LARGE.length);
        res.end(LARGE);
        return;
      case '/break':
        // Promises 1000 bytes, sends 100, then resets: a body cut short.
        res.setHeader('Content-Length', 1000);
        res.write(Buffer.alloc(100, 0x61), () => setTimeout(() => res.destroy(), 20));
        return;
      case '/hang-head':
        // Never answers: the client must be able to give up (close()).
        return;
      case '/hang-body':
        res.setHeader('Content-Length', 1000);
        res.write('partial');
        return;
      default:
        res.statusCode = 500;
        res.end(`no route ${path}`);
    }
  };
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      route(req, res, body);
    });
    res.on('close', () => {
      if (res.writableFinished) return;
      const url = req.url ?? '';
      abortedUrls.add(url);
      abortWaiters.get(url)?.();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    seen,
    aborted: (url) =>
      abortedUrls.has(url)
        ? Promise.resolve()
        : new Promise((resolve) => abortWaiters.set(url, resolve)),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
