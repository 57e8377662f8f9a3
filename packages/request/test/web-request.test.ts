// The web HTTPRequest (src/http-request-web.ts) in Node: `@gdhttp/client` is replaced by the
// module its `browser` export condition names, so the request runs over the fetch-backed
// HTTPClient and Node's global fetch (undici, a browser's fetch without CORS and forbidden
// headers), against a loopback server that sends CORS headers. test/browser.test.ts runs some of
// the same scenarios in Chromium.
import { createServer } from 'node:net';
import { ErrorCode, Result, Status } from '@gdhttp/constants';
import {
  CHUNKS,
  freePort,
  GZIP_TEXT,
  LARGE_SIZE,
  listenLoopback,
  PLAIN,
  pattern,
  SLOW_SENT,
  sha256Hex,
  startWebTestServer,
  type WebTestServer,
} from '@gdhttp/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HTTPRequest, HTTPRequestError } from '../src/http-request-web.js';
import type { HTTPRequestProgress, HTTPRequestResult } from '../src/index.browser.js';

// The web build of the client under the web HTTPRequest, as in a browser.
vi.mock('@gdhttp/client', async () => (await import('./web/client-build.ts')).webClientBuild());

const text = (body: Uint8Array) => new TextDecoder().decode(body);

/** The lowercased value of `name` among `name: value` lines. */
function header(lines: readonly string[], name: string): string | undefined {
  const prefix = `${name.toLowerCase()}:`;
  return lines
    .find((l) => l.toLowerCase().startsWith(prefix))
    ?.slice(prefix.length)
    .trim();
}

/** Records every request_completed of `http`. */
function completions(http: HTTPRequest): HTTPRequestResult[] {
  const seen: HTTPRequestResult[] = [];
  http.on('request_completed', (result) => seen.push(result));
  return seen;
}

let server: WebTestServer;
let base: string;

beforeAll(async () => {
  server = await startWebTestServer();
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.close());

describe('web HTTPRequest in Node', () => {
  it('runs over the fetch-backed client', async () => {
    const { HTTPClient } = await import('@gdhttp/client');
    expect(new HTTPClient().connection).toBeNull();
  });

  it('plain: SUCCESS, body, headers, one request_completed, DISCONNECTED after', async () => {
    const http = new HTTPRequest();
    const done = completions(http);
    const result = await http.request(`${base}/plain`);
    expect(result).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
    expect(text(result.body)).toBe(PLAIN);
    expect(header(result.headers, 'x-gdhttp-scenario')).toBe('plain');
    expect(done).toEqual([result]);
    expect(http.getFinalUrl()).toBe(`${base}/plain`);
    expect(http.getRedirectCount()).toBe(0);
    expect(http.getHttpClientStatus()).toBe(Status.DISCONNECTED);
    expect(http.getDownloadedBytes()).toBe(PLAIN.length);
    // No visible `Content-Encoding: identity`: the web client cannot vouch for the length.
    expect(http.getBodySize()).toBe(-1);
  });

  it('chunked: every chunk arrives', async () => {
    const result = await new HTTPRequest().request(`${base}/chunked`);
    expect(result.result).toBe(Result.SUCCESS);
    expect(text(result.body)).toBe(CHUNKS.join(''));
  });

  it('gzip: decoded by fetch; the body size is unknown (-1)', async () => {
    const http = new HTTPRequest();
    const result = await http.request(`${base}/gzip`);
    expect(result.result).toBe(Result.SUCCESS);
    expect(text(result.body)).toBe(GZIP_TEXT);
    expect(header(result.headers, 'content-encoding')).toBe('gzip');
    expect(http.getBodySize()).toBe(-1);
    expect(http.getDownloadedBytes()).toBe(GZIP_TEXT.length);
  });

  it('redirect chain: followed by fetch; the final URL is the last hop, the count -1', async () => {
    const before = server.seen.length;
    const http = new HTTPRequest();
    expect(http.getRedirectCount()).toBe(0);
    const completed = completions(http);
    const result = await http.request(`${base}/redirect-chain#start`);
    expect(result).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
    expect(text(result.body)).toBe(PLAIN);
    expect(header(result.headers, 'x-gdhttp-scenario')).toBe('plain');
    expect(server.seen.slice(before)).toEqual([
      'GET /redirect-chain',
      'GET /redirect-hop',
      'GET /redirect-last',
      'GET /plain',
    ]);
    // Normalised as the Node build's: the query kept, no fragment.
    expect(http.getFinalUrl()).toBe(`${base}/plain?via=chain`);
    // fetch says a redirect was followed, not how many: "at least one".
    expect(http.getRedirectCount()).toBe(-1);
    expect(completed.map((r) => r.result)).toEqual([Result.SUCCESS]);
  });

  it('no redirect: the final URL is the requested one (normalised), the count 0', async () => {
    const http = new HTTPRequest();
    const result = await http.request(`http://user:pw@127.0.0.1:${server.port}/plain?q=1#frag`);
    expect(result).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
    expect(http.getFinalUrl()).toBe(`${base}/plain?q=1`);
    expect(http.getRedirectCount()).toBe(0);
    // The next request starts unknown (-1) and learns again.
    await http.request(`${base}/redirect`);
    expect(http.getFinalUrl()).toBe(`${base}/plain`);
    expect(http.getRedirectCount()).toBe(-1);
    await http.request(`${base}/plain`);
    expect(http.getRedirectCount()).toBe(0);
  });

  it('maxRedirects = 0 on a redirect: REDIRECT_LIMIT_REACHED with the code fetch reports', async () => {
    const http = new HTTPRequest();
    http.maxRedirects = 0;
    const completed = completions(http);
    const result = await http.request(`${base}/redirect`);
    // The browser followed the 302 already: the code and headers are the response it reached.
    expect(result).toMatchObject({ result: Result.REDIRECT_LIMIT_REACHED, responseCode: 200 });
    expect(header(result.headers, 'x-gdhttp-scenario')).toBe('plain');
    expect(result.body.length).toBe(0);
    expect(completed.map((r) => r.result)).toEqual([Result.REDIRECT_LIMIT_REACHED]);
    expect(http.getFinalUrl()).toBe(`${base}/plain`);
    expect(http.getRedirectCount()).toBe(-1);
    expect(http.getHttpClientStatus()).toBe(Status.DISCONNECTED);
    // Without a redirect, 0 changes nothing; any other limit is not applied (count unknown).
    expect(await http.request(`${base}/plain`)).toMatchObject({ result: Result.SUCCESS });
    http.maxRedirects = 1;
    expect(await http.request(`${base}/redirect-chain`)).toMatchObject({
      result: Result.SUCCESS,
      responseCode: 200,
    });
  });

  it('404: a response like any other', async () => {
    const result = await new HTTPRequest().request(`${base}/missing`);
    expect(result).toMatchObject({ result: Result.SUCCESS, responseCode: 404 });
    expect(text(result.body)).toBe('not found\n');
  });

  it('userinfo becomes Authorization: Basic', async () => {
    const result = await new HTTPRequest().request(
      `http://ali%20ce:s%C3%A9same@127.0.0.1:${server.port}/echo`,
    );
    expect(result.result).toBe(Result.SUCCESS);
    expect(server.lastAuthorization()).toBe(
      `Basic ${Buffer.from('ali ce:sésame').toString('base64')}`,
    );
  });

  it('server down: CONNECTION_ERROR (fetch cannot tell it from a CORS refusal)', async () => {
    const http = new HTTPRequest();
    const done = completions(http);
    const result = await http.request(`http://127.0.0.1:${await freePort()}/`);
    expect(result).toMatchObject({ result: Result.CONNECTION_ERROR, responseCode: 0 });
    expect(done).toEqual([result]);
  });

  it('timeout: TIMEOUT, and the fetch is aborted', async () => {
    const http = new HTTPRequest();
    http.timeout = 0.3;
    const done = completions(http);
    const closed = server.slowClosed();
    const started = Date.now();
    const result = await http.request(`${base}/slow`);
    expect(result.result).toBe(Result.TIMEOUT);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(done).toEqual([result]);
    await closed;
  });

  it('cancel: the promise rejects, no request_completed, the fetch is aborted', async () => {
    const http = new HTTPRequest();
    const done = completions(http);
    const closed = server.slowClosed();
    http.once('progress', () => http.cancelRequest());
    const error = await http.request(`${base}/slow`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPRequestError);
    expect((error as HTTPRequestError).code).toBe(ErrorCode.FAILED);
    expect(done).toEqual([]);
    expect(http.getDownloadedBytes()).toBeGreaterThan(0);
    expect(http.getDownloadedBytes()).toBeLessThanOrEqual(SLOW_SENT);
    await closed;
    // The node is free again.
    expect((await http.request(`${base}/plain`)).result).toBe(Result.SUCCESS);
  });

  it('an ignored cancelled, BUSY or refused promise rejects nobody (decision 0007)', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const http = new HTTPRequest();
      http.request(`${base}/slow`);
      http.request(`${base}/plain`); // BUSY
      http.cancelRequest();
      http.request('ftp://example.com/'); // INVALID_PARAMETER
      http.downloadFile = 'x.bin';
      http.request(`${base}/plain`); // UNAVAILABLE
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('an aborted signal rejects with its reason', async () => {
    const http = new HTTPRequest();
    const controller = new AbortController();
    const promise = http.request(`${base}/slow`, [], undefined, '', { signal: controller.signal });
    const reason = new Error('stop');
    setTimeout(() => controller.abort(reason), 50);
    await expect(promise).rejects.toBe(reason);
  });

  it('progress: a large body in pieces, up to its known size', async () => {
    const http = new HTTPRequest();
    http.downloadChunkSize = 65_536;
    const events: HTTPRequestProgress[] = [];
    http.on('progress', (p) => events.push(p));
    const result = await http.request(`${base}/large`);
    expect(result.result).toBe(Result.SUCCESS);
    expect(result.body.length).toBe(LARGE_SIZE);
    expect(sha256Hex(result.body)).toBe(sha256Hex(pattern(LARGE_SIZE)));
    expect(events.length).toBeGreaterThanOrEqual(LARGE_SIZE / 65_536);
    expect(events.every((p) => p.bodySize === LARGE_SIZE)).toBe(true);
    const sizes = events.map((p) => p.downloadedBytes);
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
    expect(sizes.at(-1)).toBe(LARGE_SIZE);
  });

  it('onBody streams the decoded body instead of collecting it', async () => {
    const parts: Uint8Array[] = [];
    const result = await new HTTPRequest().request(`${base}/gzip`, [], undefined, '', {
      onBody: (chunk) => {
        parts.push(chunk.slice());
      },
    });
    expect(result.result).toBe(Result.SUCCESS);
    expect(result.body.length).toBe(0);
    expect(parts.map(text).join('')).toBe(GZIP_TEXT);
  });

  it('bodySizeLimit applies to the decoded bytes', async () => {
    const http = new HTTPRequest();
    const limit = 16 * 1024;
    expect(server.gzippedSize).toBeLessThan(limit); // on the wire it would fit
    http.bodySizeLimit = limit;
    const result = await http.request(`${base}/gzip`);
    expect(result).toMatchObject({ result: Result.BODY_SIZE_LIMIT_EXCEEDED, responseCode: 200 });
    // A known length over the limit is refused before reading.
    const large = await http.request(`${base}/large`);
    expect(large.result).toBe(Result.BODY_SIZE_LIMIT_EXCEEDED);
    expect(http.getDownloadedBytes()).toBe(0);
    http.bodySizeLimit = GZIP_TEXT.length;
    expect((await http.request(`${base}/gzip`)).result).toBe(Result.SUCCESS);
  });

  it('downloadFile: refused at request() with UNAVAILABLE; nothing is sent', async () => {
    const before = server.seen.length;
    const http = new HTTPRequest();
    const done = completions(http);
    http.downloadFile = '/tmp/never-written.bin';
    const error = await http.request(`${base}/plain`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPRequestError);
    expect((error as HTTPRequestError).code).toBe(ErrorCode.UNAVAILABLE);
    expect(done).toEqual([]);
    expect(server.seen.length).toBe(before);
  });

  it('a proxy is refused (lastError UNAVAILABLE); requests go direct', async () => {
    let proxied = 0;
    const proxy = createServer((socket) => {
      proxied++;
      socket.destroy();
    });
    const proxyPort = await listenLoopback(proxy as unknown as import('node:http').Server);
    try {
      const http = new HTTPRequest();
      http.setHttpProxy('127.0.0.1', proxyPort);
      expect(http.lastError?.code).toBe(ErrorCode.UNAVAILABLE);
      expect(http.lastError?.message).toMatch(/proxy/);
      const result = await http.request(`${base}/plain`);
      expect(result.result).toBe(Result.SUCCESS);
      expect(proxied).toBe(0);
    } finally {
      proxy.close();
    }
  });

  it('refuses useThreads (UNAVAILABLE) and stays false, as the Node build does not', async () => {
    // A page has no worker to run the socket work in: the requests go through fetch anyway,
    // which never blocks the page (Godot's web export refuses blocking mode too).
    const http = new HTTPRequest();
    http.useThreads = true;
    expect(http.useThreads).toBe(false);
    expect(http.lastError?.code).toBe(ErrorCode.UNAVAILABLE);
    const result = await http.request(`${base}/plain`);
    expect(result.result).toBe(Result.SUCCESS);
  });

  it('refuses what fetch cannot do: acceptGzip off, custom TLS, forbidden headers', async () => {
    const http = new HTTPRequest();
    http.acceptGzip = false;
    expect(http.acceptGzip).toBe(true);
    expect(http.lastError?.code).toBe(ErrorCode.UNAVAILABLE);
    http.setTlsOptions({
      isServer: () => false,
      isUnsafeClient: () => true,
      getTrustedCaChain: () => null,
      getCommonNameOverride: () => '',
    });
    expect(http.lastError?.code).toBe(ErrorCode.UNAVAILABLE);
    // The web client refuses a header fetch would drop; the request ends as a refused one does.
    const result = await http.request(`${base}/plain`, ['Accept-Encoding: identity']);
    expect(result.result).toBe(Result.CONNECTION_ERROR);
  });
});

describe('web HTTPRequest misuse', () => {
  // biome-ignore lint/suspicious/noExplicitAny: deliberate misuse, as untyped callers make it.
  const any = (v: unknown) => v as any;

  it('rejects arguments of the wrong type with INVALID_PARAMETER, as the Node build', async () => {
    const http = new HTTPRequest();
    await expect(http.request(any(null))).rejects.toMatchObject({
      code: ErrorCode.INVALID_PARAMETER,
    });
    await expect(http.request(`${base}/plain`, any('Accept: x'))).rejects.toMatchObject({
      code: ErrorCode.INVALID_PARAMETER,
    });
    await expect(http.requestRaw(`${base}/plain`, [], 2, any('text'))).rejects.toMatchObject({
      code: ErrorCode.INVALID_PARAMETER,
    });
  });

  it('refuses settings of the wrong type and keeps the old value', () => {
    const http = new HTTPRequest();
    http.timeout = any('x');
    expect(http.timeout).toBe(0);
    http.bodySizeLimit = any(null);
    expect(http.bodySizeLimit).toBe(-1);
    http.maxRedirects = any(1.5);
    expect(http.maxRedirects).toBe(8);
    expect(http.lastError).toBeInstanceOf(HTTPRequestError);
  });
});
