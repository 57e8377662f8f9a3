// The web HTTPRequest in a real browser: Debian's chromium, driven headless by playwright-core
// (launched once for the file), opens a page bundled from test/browser/page.ts with the `browser`
// export condition, so `@gdhttp/request` is the web build over the fetch-backed HTTPClient. The
// scenario server listens on another port of 127.0.0.1 than the page, so every request is
// cross-origin and CORS applies, as for a deployed game.
import { createServer, type Server } from 'node:http';
import {
  CHUNKS,
  freePort,
  GZIP_TEXT,
  LARGE_SIZE,
  listenLoopback,
  openTestPage,
  type Page,
  PLAIN,
  pattern,
  STREAM_PARTS,
  sha256Hex,
  startWebTestServer,
  systemTools,
  type TestPage,
  type WebTestServer,
} from '@gdhttp/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RequestOutcome, RequestSpec, RequestTestApi } from './browser/page.ts';

const tools = systemTools('chromium');

describe.skipIf(!tools.shouldRun)(`HTTPRequest in Chromium${tools.skipNote}`, () => {
  let opened: TestPage | undefined;
  let server: WebTestServer | undefined;
  let noCors: Server | undefined;
  let noCorsPort = 0;
  let page: Page;
  // A set-up failure fails every test with its reason (vitest reports a failed beforeAll's tests
  // as skipped).
  let setupError: unknown = null;

  beforeAll(async () => {
    try {
      tools.require();
      noCors = createServer((_request, response) => {
        response.writeHead(200, { 'Content-Type': 'text/plain' });
        response.end(PLAIN);
      });
      [opened, server, noCorsPort] = await Promise.all([
        openTestPage({
          entry: new URL('./browser/page.ts', import.meta.url).pathname,
          title: 'gdhttp HTTPRequest browser tests',
          ready: 'gdhttpRequestTest',
        }),
        startWebTestServer(),
        listenLoopback(noCors),
      ]);
      page = opened.page;
    } catch (error) {
      setupError = error;
    }
  }, 60_000);

  beforeEach(() => {
    if (setupError !== null) throw setupError;
  });

  afterAll(async () => {
    noCors?.closeAllConnections();
    noCors?.close();
    await Promise.all([opened?.close(), server?.close()]);
  });

  async function inBrowser(spec: RequestSpec): Promise<RequestOutcome> {
    try {
      return await page.evaluate(
        (s) =>
          (globalThis as unknown as { gdhttpRequestTest: RequestTestApi }).gdhttpRequestTest.run(s),
        spec,
      );
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\npage log:\n${opened!.chromium.log().join('\n')}`,
      );
    }
  }

  /** Calls one of the page's scenario functions with plain-data arguments. */
  async function onPage<K extends keyof RequestTestApi>(
    name: K,
    ...args: Parameters<RequestTestApi[K]>
  ): Promise<Awaited<ReturnType<RequestTestApi[K]>>> {
    try {
      return (await page.evaluate(
        ([n, a]) => {
          const api = (globalThis as unknown as { gdhttpRequestTest: RequestTestApi })
            .gdhttpRequestTest;
          return (api[n as K] as (...x: unknown[]) => unknown)(...(a as unknown[]));
        },
        [name, args] as const,
      )) as Awaited<ReturnType<RequestTestApi[K]>>;
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\npage log:\n${opened!.chromium.log().join('\n')}`,
      );
    }
  }

  const url = (path: string) => `http://127.0.0.1:${server!.port}${path}`;

  /** `/endless`'s byte count once it stopped growing for 200 ms (the page holds it back). */
  async function endlessHeld(): Promise<number> {
    let last = -1;
    for (let i = 0; i < 50; i++) {
      const { written } = server!.endless();
      if (written === last) return written;
      last = written;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return server!.endless().written;
  }

  it('bundles the web build: no node: import in the page', () => {
    expect(opened!.site.script).not.toMatch(/from\s*["']node:/);
    expect(opened!.site.port).not.toBe(server!.port);
  });

  it('plain: SUCCESS, one request_completed, the exposed headers', async () => {
    const outcome = await inBrowser({ url: url('/plain') });
    expect(outcome).toMatchObject({
      result: 'SUCCESS',
      rejected: null,
      responseCode: 200,
      bodyText: PLAIN,
      completed: ['SUCCESS'],
      finalUrl: url('/plain'),
      redirectCount: 0,
      clientStatus: 'DISCONNECTED',
    });
    expect(outcome.headers).toContain('x-gdhttp-scenario: plain');
  });

  it('chunked and gzip: the browser de-chunks and decodes', async () => {
    expect(await inBrowser({ url: url('/chunked') })).toMatchObject({
      result: 'SUCCESS',
      bodyText: CHUNKS.join(''),
    });
    const gzip = await inBrowser({ url: url('/gzip') });
    expect(gzip).toMatchObject({ result: 'SUCCESS', bodyBytes: GZIP_TEXT.length });
    expect(gzip.bodySha256).toBe(sha256Hex(new TextEncoder().encode(GZIP_TEXT)));
  });

  it('redirect: followed by the browser; the final URL is the last hop, the count -1', async () => {
    const before = server!.seen.length;
    const outcome = await inBrowser({ url: url('/redirect') });
    expect(outcome).toMatchObject({
      result: 'SUCCESS',
      responseCode: 200,
      bodyText: PLAIN,
      finalUrl: url('/plain'),
      redirectCount: -1,
    });
    expect(server!.seen.slice(before)).toEqual(['GET /redirect', 'GET /plain']);
    // A cross-origin chain of three (301 → 307 → 302): Response.url is the last hop's, without
    // the Location's fragment; maxRedirects = 0 ends it with REDIRECT_LIMIT_REACHED.
    const chainStart = server!.seen.length;
    expect(await inBrowser({ url: url('/redirect-chain#start') })).toMatchObject({
      result: 'SUCCESS',
      bodyText: PLAIN,
      finalUrl: url('/plain?via=chain'),
      redirectCount: -1,
    });
    expect(server!.seen.slice(chainStart)).toEqual([
      'GET /redirect-chain',
      'GET /redirect-hop',
      'GET /redirect-last',
      'GET /plain',
    ]);
    expect(await inBrowser({ url: url('/redirect'), maxRedirects: 0 })).toMatchObject({
      result: 'REDIRECT_LIMIT_REACHED',
      responseCode: 200,
      bodyBytes: 0,
      completed: ['REDIRECT_LIMIT_REACHED'],
      finalUrl: url('/plain'),
      redirectCount: -1,
    });
  });

  it('404: SUCCESS with the code', async () => {
    expect(await inBrowser({ url: url('/missing') })).toMatchObject({
      result: 'SUCCESS',
      responseCode: 404,
      bodyText: 'not found\n',
    });
  });

  it('large body: progress events up to the exposed size', async () => {
    const outcome = await inBrowser({ url: url('/large'), downloadChunkSize: 65_536 });
    expect(outcome).toMatchObject({
      result: 'SUCCESS',
      bodyBytes: LARGE_SIZE,
      bodySha256: sha256Hex(pattern(LARGE_SIZE)),
      lastProgress: { downloadedBytes: LARGE_SIZE, bodySize: LARGE_SIZE },
    });
    expect(outcome.progressEvents).toBeGreaterThanOrEqual(LARGE_SIZE / 65_536);
  });

  it('bodySizeLimit: on the decoded bytes of a gzip body', async () => {
    expect(await inBrowser({ url: url('/gzip'), bodySizeLimit: 16 * 1024 })).toMatchObject({
      result: 'BODY_SIZE_LIMIT_EXCEEDED',
      completed: ['BODY_SIZE_LIMIT_EXCEEDED'],
    });
  });

  it('timeout: TIMEOUT and the fetch is aborted', async () => {
    const closed = server!.slowClosed();
    expect(await inBrowser({ url: url('/slow'), timeout: 0.3 })).toMatchObject({
      result: 'TIMEOUT',
      completed: ['TIMEOUT'],
    });
    await closed;
  });

  it('cancel: the promise rejects, no request_completed, the fetch is aborted', async () => {
    const closed = server!.slowClosed();
    expect(await inBrowser({ url: url('/slow'), cancelOnProgress: true })).toMatchObject({
      result: null,
      rejected: 'FAILED',
      completed: [],
    });
    await closed;
  });

  it('downloadFile: rejected with UNAVAILABLE', async () => {
    expect(await inBrowser({ url: url('/plain'), downloadFile: 'x.bin' })).toMatchObject({
      result: null,
      rejected: 'UNAVAILABLE',
      completed: [],
    });
  });

  it('CORS refused and server down: CONNECTION_ERROR, never a hang', async () => {
    expect(await inBrowser({ url: `http://127.0.0.1:${noCorsPort}/` })).toMatchObject({
      result: 'CONNECTION_ERROR',
      responseCode: 0,
      completed: ['CONNECTION_ERROR'],
    });
    expect(await inBrowser({ url: `http://127.0.0.1:${await freePort()}/` })).toMatchObject({
      result: 'CONNECTION_ERROR',
      completed: ['CONNECTION_ERROR'],
    });
  });

  it('requestStream: for await and readable() read the pieces; nodeReadable() is UNAVAILABLE', async () => {
    const iterated = await onPage('stream', { url: url('/stream'), read: 'iterate' });
    expect(iterated).toMatchObject({
      result: 'SUCCESS',
      responseCode: 200,
      text: STREAM_PARTS.join(''),
      done: 'SUCCESS',
      completed: ['SUCCESS'],
      nodeReadable: 'UNAVAILABLE',
    });
    expect(iterated.headers).toContain('x-gdhttp-scenario: stream');
    expect(await onPage('stream', { url: url('/stream'), read: 'readable' })).toMatchObject({
      result: 'SUCCESS',
      text: STREAM_PARTS.join(''),
      done: 'SUCCESS',
    });
  });

  it('requestStream: the server is held back while the page does not read; break aborts the fetch', async () => {
    const closed = server!.endlessClosed();
    expect(await onPage('hold', url('/endless'))).toBeGreaterThan(0);
    // What Chromium's network stack, the socket buffers and the web client's read-ahead hold.
    expect(await endlessHeld()).toBeLessThan(32 * 1024 * 1024);
    expect(server!.endless().closed).toBe(false);
    await onPage('release');
    await closed;
    // for await … break after the first piece: the same.
    const again = server!.endlessClosed();
    expect(await onPage('stream', { url: url('/endless'), read: 'break' })).toMatchObject({
      result: 'SUCCESS',
      pieces: 1,
      done: 'FAILED',
      completed: [],
    });
    await again;
  });

  it('EventSource: two events, a reconnect with Last-Event-ID (after a preflight), then done', async () => {
    const before = server!.seen.length;
    expect(await onPage('sse', url('/events?key=chromium'), 'done')).toEqual([
      { type: 'token', data: 'Hello', lastEventId: '1' },
      { type: 'token', data: 'world', lastEventId: '2' },
      { type: 'done', data: 'resumed after 2', lastEventId: '2' },
    ]);
    expect(server!.sse('chromium')).toEqual([null, '2']);
    // The first connection needs no preflight (no Cache-Control header: fetch bypasses the cache
    // itself); the reconnect's Last-Event-ID is not CORS-safelisted for fetch, so it asks first.
    expect(server!.seen.slice(before)).toEqual(['GET /events', 'OPTIONS /events', 'GET /events']);
  });

  it('NdjsonReader over a response stream', async () => {
    expect(await onPage('ndjson', url('/ndjson'))).toEqual([
      { n: 1, t: 'a' },
      { n: 2, t: 'b' },
      { n: 3, t: 'c' },
    ]);
  });

  it('uploads a Blob, a ReadableStream and an async iterable (read whole first); the server checks the bytes', async () => {
    const size = 200_000;
    const expected = { length: size, sha256: sha256Hex(pattern(size)), method: 'PUT' };
    const blob = await onPage('upload', {
      url: url('/upload'),
      kind: 'blob',
      size,
      type: 'application/x-gdhttp',
    });
    expect(blob).toMatchObject({
      result: 'SUCCESS',
      echo: { ...expected, contentType: 'application/x-gdhttp', contentLength: String(size) },
      uploadedBytes: size,
      progress: [{ uploadedBytes: size, uploadSize: size }],
    });
    for (const kind of ['stream', 'iterable'] as const) {
      expect(await onPage('upload', { url: url('/upload'), kind, size })).toMatchObject({
        result: 'SUCCESS',
        echo: { ...expected, contentLength: String(size) },
        uploadedBytes: size,
      });
    }
  });

  it('refuses Node-only bodies (a file, a FileHandle, a Node Readable) with INVALID_PARAMETER', async () => {
    const before = server!.seen.length;
    expect(await onPage('refusals', url('/upload'))).toEqual([
      'INVALID_PARAMETER',
      'INVALID_PARAMETER',
      'INVALID_PARAMETER',
      'INVALID_PARAMETER',
    ]);
    expect(server!.seen.slice(before)).toEqual([]);
  });
});
