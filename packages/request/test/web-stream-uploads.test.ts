// `streamUploads` of the web HTTPRequest run in Node: `@gdhttp/client` is replaced by its web
// build (as in test/web-streams.test.ts), so requests go through Node's fetch (undici) to a
// loopback node:http server. What this proves: the body is pulled piece by piece (undici frames
// it chunked, where a body read whole goes with a Content-Length), the progress events, the length
// rules, cancel and timeout, redirects answered with REQUEST_FAILED, the fallback to reading whole.
// What it cannot: undici streams over HTTP/1.1 and shows a redirect's code, where Chromium
// refuses HTTP/1.1 and shows an opaque redirect — test/browser-stream-uploads.test.ts checks
// those against an HTTP/2 server in Chromium.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ErrorCode, Method, Result } from '@gdhttp/constants';
import { freePort, listenLoopback, pattern, sha256Hex } from '@gdhttp/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  HTTPRequest,
  HTTPRequestError,
  type HTTPRequestUploadProgress,
  RequestBody,
} from '../src/index.browser.js';

// The web build of the client under the web HTTPRequest, as in a browser.
vi.mock('@gdhttp/client', async () => (await import('./web/client-build.ts')).webClientBuild());

interface Echo {
  url: string;
  length: number;
  sha256: string;
  contentLength: string | null;
  transferEncoding: string | null;
}

let server: Server;
let base = '';
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = request.url ?? '/';
    seen.push(`${request.method} ${url}`);
    const hash = createHash('sha256');
    let length = 0;
    request.on('data', (piece: Buffer) => {
      length += piece.length;
      hash.update(piece);
      if (url === '/slow') {
        request.pause();
        setTimeout(() => request.resume(), 20);
      }
    });
    request.on('end', () => {
      if (url.startsWith('/redirect/')) {
        response.writeHead(Number(url.slice(-3)), { Location: '/followed' });
        response.end();
        return;
      }
      const echo: Echo = {
        url,
        length,
        sha256: hash.digest('hex'),
        contentLength: request.headers['content-length'] ?? null,
        transferEncoding: request.headers['transfer-encoding'] ?? null,
      };
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(echo));
    });
  });
  base = `http://127.0.0.1:${await listenLoopback(server)}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A source of `size` pattern bytes in `piece`-byte pieces that records what happened to it. */
function source(size: number, piece = 65_536) {
  const state = { given: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (state.given >= size) {
          controller.close();
          return;
        }
        const n = Math.min(piece, size - state.given);
        controller.enqueue(pattern(state.given + n).subarray(state.given));
        state.given += n;
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

function streaming(): HTTPRequest {
  const http = new HTTPRequest();
  http.streamUploads = true;
  return http;
}

async function send(
  http: HTTPRequest,
  body: unknown,
  path = '/upload',
  headers: string[] = [],
): Promise<{
  result: Result;
  code: number;
  headers: string[];
  echo: Echo | null;
  progress: HTTPRequestUploadProgress[];
}> {
  const progress: HTTPRequestUploadProgress[] = [];
  http.on('upload_progress', (p) => progress.push({ ...p }));
  const out = await http.requestRaw(`${base}${path}`, headers, Method.PUT, body as Uint8Array);
  const text = new TextDecoder().decode(out.body);
  return {
    result: out.result,
    code: out.responseCode,
    headers: out.headers,
    echo: text.startsWith('{') ? (JSON.parse(text) as Echo) : null,
    progress,
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof HTTPRequestError ? error.code : (error as Error).message;
  }
}

describe('web streamUploads over Node fetch', () => {
  it('is off by default; takes booleans only, and not while a request runs', async () => {
    const http = new HTTPRequest();
    expect(http.streamUploads).toBe(false);
    http.streamUploads = 'yes' as unknown as boolean;
    expect(http.streamUploads).toBe(false);
    expect(http.lastError?.code).toBe(ErrorCode.INVALID_PARAMETER);
    http.streamUploads = true;
    expect(http.streamUploads).toBe(true);
    const running = http.request(`${base}/upload`);
    http.streamUploads = false;
    expect(http.lastError?.code).toBe(ErrorCode.BUSY);
    expect(http.streamUploads).toBe(true);
    await running;
  });

  it('1 MiB stream: pulled piece by piece (chunked, not read whole), one progress event per piece', async () => {
    const size = 1024 * 1024;
    const { stream, state } = source(size);
    const http = streaming();
    const out = await send(http, stream);
    expect(out).toMatchObject({
      result: Result.SUCCESS,
      echo: {
        length: size,
        sha256: sha256Hex(pattern(size)),
        transferEncoding: 'chunked',
        contentLength: null,
      },
    });
    expect(out.progress).toEqual(
      Array.from({ length: 16 }, (_, i) => ({ uploadedBytes: (i + 1) * 65_536, uploadSize: -1 })),
    );
    expect(http.getUploadedBytes()).toBe(size);
    expect(state).toEqual({ given: size, cancelled: false });
  });

  it('a known length (RequestBody.stream length, or Content-Length) is the uploadSize, checked, not sent', async () => {
    const size = 100_000;
    const byLength = await send(
      streaming(),
      RequestBody.stream(source(size).stream, { length: size }),
    );
    expect(byLength.echo).toMatchObject({ length: size, contentLength: null });
    expect(byLength.progress.at(-1)).toEqual({ uploadedBytes: size, uploadSize: size });
    const byHeader = await send(streaming(), source(size).stream, '/upload', [
      `Content-Length: ${size}`,
    ]);
    expect(byHeader.echo).toMatchObject({ length: size, contentLength: null });
    expect(byHeader.progress.at(-1)).toEqual({ uploadedBytes: size, uploadSize: size });
  });

  it('an empty stream: an empty body, no progress event', async () => {
    const out = await send(streaming(), source(0).stream);
    expect(out).toMatchObject({ result: Result.SUCCESS, echo: { length: 0 }, progress: [] });
  });

  it('more or fewer bytes than announced reject with INVALID_PARAMETER', async () => {
    const more = source(50_000);
    expect(
      await rejection(
        streaming().requestRaw(
          `${base}/upload`,
          [],
          Method.PUT,
          RequestBody.stream(more.stream, { length: 40_000 }) as unknown as Uint8Array,
        ),
      ),
    ).toBe(ErrorCode.INVALID_PARAMETER);
    expect(more.state.cancelled).toBe(true);
    expect(
      await rejection(
        streaming().requestRaw(
          `${base}/upload`,
          ['Content-Length: 60000'],
          Method.PUT,
          source(50_000).stream as unknown as Uint8Array,
        ),
      ),
    ).toBe(ErrorCode.INVALID_PARAMETER);
  });

  it("a source's own error rejects with that error", async () => {
    async function* failing() {
      yield new Uint8Array(1000);
      throw new Error('the source broke');
    }
    expect(
      await rejection(
        streaming().requestRaw(
          `${base}/upload`,
          [],
          Method.PUT,
          failing() as unknown as Uint8Array,
        ),
      ),
    ).toBe('the source broke');
  });

  for (const code of [301, 302, 303, 307, 308]) {
    it(`a ${code} ends with REQUEST_FAILED and that answer, never followed`, async () => {
      const http = streaming();
      const completed: Result[] = [];
      http.on('request_completed', ({ result }) => completed.push(result));
      const out = await send(http, source(30_000).stream, `/redirect/${code}`);
      // Node's fetch shows the redirect; a browser shows it opaque (code 0, no headers).
      expect(out).toMatchObject({ result: Result.REQUEST_FAILED, code, echo: null });
      expect(out.headers).toContain('location: /followed');
      expect(completed).toEqual([Result.REQUEST_FAILED]);
      expect(seen).toContain(`PUT /redirect/${code}`);
      expect(seen.filter((line) => line.endsWith('/followed'))).toEqual([]);
    });
  }

  it('cancelRequest() mid-upload rejects and cancels the source', async () => {
    const { stream, state } = source(64 * 1024 * 1024);
    const http = streaming();
    http.on('upload_progress', ({ uploadedBytes }) => {
      if (uploadedBytes >= 512 * 1024) http.cancelRequest();
    });
    expect(
      await rejection(
        http.requestRaw(`${base}/slow`, [], Method.PUT, stream as unknown as Uint8Array),
      ),
    ).toBe(ErrorCode.FAILED);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(state.cancelled).toBe(true);
    expect(state.given).toBeLessThan(64 * 1024 * 1024);
  });

  it('timeout mid-upload: TIMEOUT, the source cancelled', async () => {
    const { stream, state } = source(64 * 1024 * 1024);
    const http = streaming();
    http.timeout = 0.3;
    const out = await send(http, stream, '/slow');
    expect(out.result).toBe(Result.TIMEOUT);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(state.cancelled).toBe(true);
  });

  it('a fetch refused before it pulled a byte is sent again read whole (here it fails again)', async () => {
    // Port 1 is on the Fetch standard's bad-port list: fetch fails before reading the body, as
    // Chromium does on an HTTP/1.1 connection. The read-whole attempt reads it all, then fails too.
    const { stream, state } = source(200_000);
    const out = await send(streaming(), stream, '/upload');
    expect(out.result).toBe(Result.SUCCESS);
    expect(state.given).toBe(200_000);
    const refused = source(200_000);
    const progress: HTTPRequestUploadProgress[] = [];
    const http = streaming();
    http.on('upload_progress', (p) => progress.push(p));
    const result = await http.requestRaw(
      'http://127.0.0.1:1/upload',
      [],
      Method.PUT,
      refused.stream as unknown as Uint8Array,
    );
    expect(result.result).toBe(Result.CONNECTION_ERROR);
    expect(refused.state.given).toBe(200_000);
    expect(progress).toEqual([]);
  });

  it('a fetch that fails after pulling part of the stream is CONNECTION_ERROR, not sent again', async () => {
    // undici reads the first piece before it connects: a server that is down fails it then.
    const down = source(200_000);
    const result = await streaming().requestRaw(
      `http://127.0.0.1:${await freePort()}/upload`,
      [],
      Method.PUT,
      down.stream as unknown as Uint8Array,
    );
    expect(result.result).toBe(Result.CONNECTION_ERROR);
    expect(down.state.given).toBeLessThan(200_000);
    expect(down.state.cancelled).toBe(true);
  });

  it('without request streams (Firefox, Safari) the stream is read whole, as with streamUploads off', async () => {
    vi.resetModules();
    vi.stubGlobal(
      'Request',
      class {
        readonly headers = new Headers({ 'content-type': 'text/plain;charset=UTF-8' });
      },
    );
    try {
      const fresh = await import('../src/index.browser.js');
      const http = new fresh.HTTPRequest();
      http.streamUploads = true;
      const size = 100_000;
      const out = await send(http as unknown as HTTPRequest, source(size).stream);
      expect(out.echo).toMatchObject({ length: size, contentLength: String(size) });
      expect(out.progress).toEqual([{ uploadedBytes: size, uploadSize: size }]);
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });
});
