// `followRedirects = false` (issue #18: `gdhttp` without -L prints a 3xx's body, as curl does):
// every response is final, a 3xx resolves with SUCCESS, its code, headers and body, on a
// connection kept for the next request, with or without threads. Real sockets on 127.0.0.1.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, Result, Status } from '@gdhttp/constants';
import type { Action, ScriptedServer } from '@gdhttp/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { HTTPRequest, type HTTPRequestResult } from '../src/index.js';
import { serve } from './support/serve.js';

const dir = mkdtempSync(join(tmpdir(), 'gdhttp-follow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = (r: HTTPRequestResult) => Buffer.from(r.body).toString();
const PAGE = '<html><body>moved to /next</body></html>\n';
const moved = (code: string, location = '/next'): Action[] => [
  `HTTP/1.1 ${code}\r\nLocation: ${location}\r\nContent-Type: text/html\r\nContent-Length: ${PAGE.length}\r\n\r\n`,
  PAGE,
];
const ok = (body: string): Action[] => [
  `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`,
  body,
];
const paths = (s: ScriptedServer) => s.requests.map((r) => r.requestLine.split(' ')[1]);

describe.each([false, true])('followRedirects = false (useThreads %s)', (useThreads) => {
  const made = (): HTTPRequest => {
    const http = new HTTPRequest();
    http.useThreads = useThreads;
    http.followRedirects = false;
    expect(http.followRedirects).toBe(false);
    return http;
  };

  it.each([
    '301 Moved Permanently',
    '302 Found',
    '303 See Other',
    '307 Temporary Redirect',
    '308 Permanent Redirect',
  ])(
    'a %s is the result: SUCCESS with its code, Location and body; nothing followed',
    async (status) => {
      const s = await serve([moved(status), ok('not asked for')]);
      const http = made();
      const r = await http.request(`http://${s.host}:${s.port}/start`);
      expect(r.result).toBe(Result.SUCCESS);
      expect(r.responseCode).toBe(Number(status.slice(0, 3)));
      expect(r.headers).toContain('Location: /next');
      expect(text(r)).toBe(PAGE);
      expect(paths(s)).toEqual(['/start']);
      expect(http.getRedirectCount()).toBe(0);
      expect(http.getFinalUrl()).toBe(`http://${s.host}:${s.port}/start`);
      expect(http.getDownloadedBytes()).toBe(PAGE.length);
      http.close();
    },
  );

  it('maxRedirects 0 is not consulted: SUCCESS, not REDIRECT_LIMIT_REACHED', async () => {
    const s = await serve([moved('302 Found')]);
    const http = made();
    http.maxRedirects = 0;
    const r = await http.request(`http://${s.host}:${s.port}/`);
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 302 });
    expect(text(r)).toBe(PAGE);
    http.close();
  });

  it('a chunked 3xx body is read whole, and request_completed carries it', async () => {
    const chunked = `${PAGE.length.toString(16)}\r\n${PAGE}\r\n0\r\n\r\n`;
    const s = await serve([
      [
        `HTTP/1.1 301 Moved Permanently\r\nLocation: /x\r\nTransfer-Encoding: chunked\r\n\r\n`,
        chunked,
      ],
    ]);
    const http = made();
    const completed: HTTPRequestResult[] = [];
    http.on('request_completed', (r) => completed.push(r));
    const r = await http.request(`http://${s.host}:${s.port}/`);
    expect(text(r)).toBe(PAGE);
    expect(completed.map(text)).toEqual([PAGE]);
    http.close();
  });

  it('the 3xx body goes to downloadFile like any body', async () => {
    const s = await serve([moved('302 Found')]);
    const http = made();
    http.downloadFile = join(dir, `moved-${useThreads}.html`);
    const r = await http.request(`http://${s.host}:${s.port}/`);
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 302 });
    expect(readFileSync(http.downloadFile, 'utf8')).toBe(PAGE);
    http.close();
  });

  it('the default is true: the same 302 is followed', async () => {
    const s = await serve([moved('302 Found'), ok('arrived')]);
    const http = new HTTPRequest();
    http.useThreads = useThreads;
    expect(http.followRedirects).toBe(true);
    const r = await http.request(`http://${s.host}:${s.port}/start`);
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
    expect(text(r)).toBe('arrived');
    expect(paths(s)).toEqual(['/start', '/next']);
    http.close();
  });
});

describe('followRedirects = false without threads', () => {
  it('keeps the connection: the 3xx was read to its end, so the next request reuses it', async () => {
    const s = await serve([moved('301 Moved Permanently'), ok('next')]);
    const http = new HTTPRequest();
    http.followRedirects = false;
    const first = await http.request(`http://${s.host}:${s.port}/start`);
    expect(first.responseCode).toBe(301);
    expect(http.getHttpClientStatus()).toBe(Status.CONNECTED);
    const second = await http.request(`http://${s.host}:${s.port}/next`);
    expect(text(second)).toBe('next');
    expect(s.requests.map((r) => r.connection)).toEqual([0, 0]);
    http.close();
  });

  it('refuses a value that is not a boolean, and any change while a request runs', async () => {
    const http = new HTTPRequest();
    http.followRedirects = 'no' as unknown as boolean;
    expect(http.followRedirects).toBe(true);
    expect(http.lastError?.code).toBe(ErrorCode.INVALID_PARAMETER);
    const s = await serve([[{ delay: 50 }, ...ok('late')]]);
    const pending = http.request(`http://${s.host}:${s.port}/`);
    http.followRedirects = false;
    expect(http.followRedirects).toBe(true);
    expect(http.lastError?.code).toBe(ErrorCode.BUSY);
    expect(text(await pending)).toBe('late');
    http.close();
  });
});
