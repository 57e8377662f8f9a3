// Issue #12: a same-origin redirect chain is followed on one connection, as curl does. nginx's
// 301/302 always carry a small HTML body; HTTPRequest used to close the connection for any
// redirect with a body, so every hop of a chain cost a new connection (and a TLS handshake).
// Now a small framed body is read and discarded, and the connection kept for the next hop.
import { Result, Status } from '@gdhttp/constants';
import type { Action, ScriptedServer } from '@gdhttp/testkit';
import { describe, expect, it } from 'vitest';
import { HTTPRequest, type HTTPRequestResult } from '../src/index.js';
import { serve } from './support/serve.js';

const text = (r: HTTPRequestResult) => Buffer.from(r.body).toString();
const ok = (body: string): Action[] => [
  `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`,
  body,
];
/** What nginx sends with a 301: a small HTML page. */
const PAGE = `<html>${'m'.repeat(200 - 13)}</html>`;
const chunked = (body: string, size = 1000): string => {
  let out = '';
  for (let at = 0; at < body.length; at += size) {
    const piece = body.slice(at, at + size);
    out += `${piece.length.toString(16)}\r\n${piece}\r\n`;
  }
  return `${out}0\r\n\r\n`;
};
/** The paths and connections the server saw, in order. */
const seen = (s: ScriptedServer) =>
  s.requests.map((q) => [q.requestLine.split(' ')[1], q.connection]);

describe('HTTPRequest follows a same-origin redirect on the same connection', () => {
  it('a 301 with a 200-byte body, then 200: both requests on one connection', async () => {
    const s = await serve([
      [`HTTP/1.1 301 Moved Permanently\r\nLocation: /next\r\nContent-Length: 200\r\n\r\n`, PAGE],
      ok('arrived'),
    ]);
    const http = new HTTPRequest();
    const r = await http.request(`http://${s.host}:${s.port}/start`);
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
    expect(text(r)).toBe('arrived');
    expect(seen(s)).toEqual([
      ['/start', 0],
      ['/next', 0],
    ]);
    expect(http.getHttpClientStatus()).toBe(Status.CONNECTED);
    http.close();
  });

  it('a chain of five hops with bodies (Content-Length, chunked, empty), all on one connection', async () => {
    const s = await serve((q) => {
      const hop = Number(q.requestLine.match(/\/hop(\d)/)?.[1] ?? 0);
      if (hop === 5) return ok('end');
      const head = `HTTP/1.1 ${[301, 302, 303, 307, 308][hop]} R\r\nLocation: /hop${hop + 1}\r\n`;
      if (hop % 3 === 0) return [`${head}Content-Length: 200\r\n\r\n`, PAGE];
      if (hop % 3 === 1) return [`${head}Transfer-Encoding: chunked\r\n\r\n`, chunked(PAGE, 64)];
      return [`${head}Content-Length: 0\r\n\r\n`];
    });
    const http = new HTTPRequest();
    const r = await http.request(`http://${s.host}:${s.port}/hop0`);
    expect(text(r)).toBe('end');
    expect(http.getRedirectCount()).toBe(5);
    expect(s.requests.map((q) => q.connection)).toEqual([0, 0, 0, 0, 0, 0]);
    http.close();
  });

  it('a body that comes slowly, in pieces, is read to its end before the next hop', async () => {
    const s = await serve([
      [
        'HTTP/1.1 302 Found\r\nLocation: /next\r\nTransfer-Encoding: chunked\r\n\r\n',
        { drip: chunked(PAGE, 50), chunk: 7, every: 1 },
      ],
      ok('arrived'),
    ]);
    const http = new HTTPRequest();
    expect(text(await http.request(`http://${s.host}:${s.port}/start`))).toBe('arrived');
    expect(seen(s)).toEqual([
      ['/start', 0],
      ['/next', 0],
    ]);
    http.close();
  });

  it('the discarded body never counts toward getDownloadedBytes(), getBodySize() or progress', async () => {
    const s = await serve([
      [`HTTP/1.1 301 Moved\r\nLocation: /next\r\nContent-Length: 200\r\n\r\n`, PAGE],
      ok('final'),
    ]);
    const http = new HTTPRequest();
    const progress: [number, number][] = [];
    http.on('progress', (p) => progress.push([p.downloadedBytes, p.bodySize]));
    const r = await http.request(`http://${s.host}:${s.port}/`);
    expect(text(r)).toBe('final');
    expect(progress).toEqual([[5, 5]]);
    expect([http.getDownloadedBytes(), http.getBodySize()]).toEqual([5, 5]);
    expect(s.connections).toBe(1);
    http.close();
  });

  it('a redirect body is never written to downloadFile nor handed to onBody', async () => {
    const s = await serve([
      [`HTTP/1.1 301 Moved\r\nLocation: /next\r\nContent-Length: 200\r\n\r\n`, PAGE],
      ok('final'),
    ]);
    const http = new HTTPRequest();
    const pieces: string[] = [];
    await http.request(`http://${s.host}:${s.port}/`, [], undefined, '', {
      onBody: (chunk) => {
        pieces.push(Buffer.from(chunk).toString());
      },
    });
    expect(pieces.join('')).toBe('final');
    expect(s.connections).toBe(1);
    http.close();
  });
});

describe('HTTPRequest closes instead of reading a redirect body it cannot cheaply discard', () => {
  it.each([
    [
      'a Content-Length over 64 KiB (not read at all)',
      ['HTTP/1.1 301 Moved\r\nLocation: /next\r\nContent-Length: 65537\r\n\r\n', { hang: true }],
    ],
    [
      'a chunked body that passes 64 KiB while it is read',
      [
        'HTTP/1.1 301 Moved\r\nLocation: /next\r\nTransfer-Encoding: chunked\r\n\r\n',
        chunked('x'.repeat(70 * 1024), 4096),
      ],
    ],
    [
      'a chunked body that passes 64 KiB and never ends',
      [
        'HTTP/1.1 301 Moved\r\nLocation: /next\r\nTransfer-Encoding: chunked\r\n\r\n',
        chunked('x'.repeat(70 * 1024), 4096).slice(0, -5),
        { hang: true },
      ],
    ],
    [
      'a body read until close',
      ['HTTP/1.1 301 Moved\r\nLocation: /next\r\n\r\n', PAGE, { hang: true }],
    ],
    [
      'Connection: close (the connection cannot be reused anyway)',
      [
        'HTTP/1.1 301 Moved\r\nLocation: /next\r\nConnection: close\r\nContent-Length: 200\r\n\r\n',
        { hang: true },
      ],
    ],
    [
      'a body cut short by a close',
      [
        'HTTP/1.1 301 Moved\r\nLocation: /next\r\nContent-Length: 200\r\n\r\n',
        PAGE.slice(0, 50),
        { destroy: true },
      ],
    ],
    [
      'a body cut short by a reset',
      [
        'HTTP/1.1 301 Moved\r\nLocation: /next\r\nContent-Length: 200\r\n\r\n',
        PAGE.slice(0, 50),
        { delay: 5 },
        { reset: true },
      ],
    ],
  ] as const)('%s: the next hop goes to a new connection', async (_, first) => {
    const s = await serve([first as unknown as Action[], ok('arrived')]);
    const http = new HTTPRequest();
    http.timeout = 5;
    const r = await http.request(`http://${s.host}:${s.port}/start`);
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
    expect(text(r)).toBe('arrived');
    expect(seen(s)).toEqual([
      ['/start', 0],
      ['/next', 1],
    ]);
    http.close();
  });

  it('a redirect to another origin does not wait for the body (that connection is not reused)', async () => {
    const other = await serve([ok('other')]);
    const s = await serve([
      [
        `HTTP/1.1 302 Found\r\nLocation: http://localhost:${other.port}/x\r\nContent-Length: 200\r\n\r\n`,
        { hang: true },
      ],
    ]);
    const http = new HTTPRequest();
    http.timeout = 5;
    expect(text(await http.request(`http://${s.host}:${s.port}/`))).toBe('other');
    http.close();
  });
});

describe('HTTPRequest while a redirect body is being discarded', () => {
  const stalled: Action[] = [
    'HTTP/1.1 301 Moved\r\nLocation: /next\r\nContent-Length: 200\r\n\r\n',
    PAGE.slice(0, 50),
    { hang: true },
  ];

  it('timeout still ends the request with TIMEOUT', async () => {
    const s = await serve([stalled, ok('unused')]);
    const http = new HTTPRequest();
    http.timeout = 0.2;
    const started = Date.now();
    const r = await http.request(`http://${s.host}:${s.port}/`);
    expect(r.result).toBe(Result.TIMEOUT);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(s.requests).toHaveLength(1);
    expect(http.getHttpClientStatus()).toBe(Status.DISCONNECTED);
  });

  it('cancelRequest() still rejects at once and closes', async () => {
    const s = await serve([stalled, ok('unused')]);
    const http = new HTTPRequest();
    let completed = 0;
    http.on('request_completed', () => completed++);
    const pending = http.request(`http://${s.host}:${s.port}/`);
    await s.request(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(http.getHttpClientStatus()).toBe(Status.BODY);
    http.cancelRequest();
    await expect(pending).rejects.toMatchObject({ name: 'HTTPRequestError' });
    expect(completed).toBe(0);
    expect(s.requests).toHaveLength(1);
    expect(http.getHttpClientStatus()).toBe(Status.DISCONNECTED);
  });

  it('an AbortSignal still aborts', async () => {
    const s = await serve([stalled, ok('unused')]);
    const controller = new AbortController();
    const pending = new HTTPRequest().request(`http://${s.host}:${s.port}/`, [], undefined, '', {
      signal: controller.signal,
    });
    await s.request(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    expect(s.requests).toHaveLength(1);
  });
});
