// The web HTTPRequest's side of issue #18's additions, in Node over the fetch-backed client (as
// test/web-request.test.ts runs it): `followRedirects` stays true (the browser follows, and a
// manual redirect is opaque), `response_head` reports the one head a browser shows (the final
// response's), and `request_head` never fires (fetch writes the request).
import { ErrorCode, Result } from '@gdhttp/constants';
import { PLAIN, startWebTestServer, type WebTestServer } from '@gdhttp/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HTTPRequest } from '../src/http-request-web.js';
import type { HTTPRequestHead, HTTPResponseHead } from '../src/index.browser.js';

// The web build of the client under the web HTTPRequest, as in a browser.
vi.mock('@gdhttp/client', async () => (await import('./web/client-build.ts')).webClientBuild());

let server: WebTestServer;
let base: string;
beforeAll(async () => {
  server = await startWebTestServer();
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.close());

describe('web HTTPRequest: followRedirects and head events', () => {
  it('refuses followRedirects = false (UNAVAILABLE) and still follows', async () => {
    const http = new HTTPRequest();
    http.followRedirects = false;
    expect(http.followRedirects).toBe(true);
    expect(http.lastError?.code).toBe(ErrorCode.UNAVAILABLE);
    http.followRedirects = 1 as unknown as boolean;
    expect(http.lastError?.code).toBe(ErrorCode.INVALID_PARAMETER);
    const result = await http.request(`${base}/redirect`);
    expect(result).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
    expect(new TextDecoder().decode(result.body)).toBe(PLAIN);
  });

  it('response_head: the final head only, from the URL the browser reached; no request_head', async () => {
    const http = new HTTPRequest();
    const requests: HTTPRequestHead[] = [];
    const responses: HTTPResponseHead[] = [];
    http.on('request_head', (e) => requests.push(e));
    http.on('response_head', (e) => responses.push(e));
    const result = await http.request(`${base}/redirect-chain`);
    expect(result.responseCode).toBe(200);
    expect(requests).toEqual([]);
    expect(responses).toEqual([
      { url: `${base}/plain?via=chain`, responseCode: 200, headers: result.headers },
    ]);
  });
});
