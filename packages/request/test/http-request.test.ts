import { execFileSync } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, deflateSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import { ErrorCode, Method, Result, Status } from '@gdhttp/constants';
import {
  type RecordedRequest,
  startBlackholeListener,
  startNpmProxy,
  startScriptedServer,
  testCertificates,
} from '@gdhttp/testkit';
import { TLSOptions } from '@gdhttp/transport';
import { afterAll, describe, expect, it } from 'vitest';
import { HTTPRequest, type HTTPRequestResult } from '../src/index.js';
import { serve, track } from './support/serve.js';

const dir = mkdtempSync(join(tmpdir(), 'gdhttp-request-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = (r: HTTPRequestResult) => Buffer.from(r.body).toString();
const ok = (body: string | Uint8Array, extra = '') => {
  const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
  return [`HTTP/1.1 200 OK\r\nContent-Length: ${bytes.length}\r\n${extra}\r\n`, bytes];
};
const header = (r: RecordedRequest, name: string) =>
  r.headers.find(([n]) => n.toLowerCase() === name)?.[1];

describe('HTTPRequest results', () => {
  it('resolves SUCCESS with code, headers and body, and emits request_completed', async () => {
    const s = await serve([ok('hello', 'X-A: 1\r\n')]);
    const http = new HTTPRequest();
    const events: HTTPRequestResult[] = [];
    http.on('request_completed', (r) => events.push(r));
    const r = await http.request(`http://${s.host}:${s.port}/x`);
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
    expect(r.headers).toContain('X-A: 1');
    expect(text(r)).toBe('hello');
    expect(events).toEqual([r]);
    http.close();
  });

  it('rejects what cannot start: bad URL (INVALID_PARAMETER) and busy (BUSY)', async () => {
    const s = await serve([[{ delay: 50 }, ...ok('late')]]);
    const http = new HTTPRequest();
    await expect(http.request('ftp://example.com/')).rejects.toMatchObject({
      code: ErrorCode.INVALID_PARAMETER,
    });
    await expect(http.request('example.com')).rejects.toMatchObject({
      code: ErrorCode.INVALID_PARAMETER,
    });
    const first = http.request(`http://${s.host}:${s.port}/`);
    await expect(http.request(`http://${s.host}:${s.port}/`)).rejects.toMatchObject({
      code: ErrorCode.BUSY,
    });
    expect((await first).result).toBe(Result.SUCCESS);
    http.close();
  });

  it('resolves CANT_RESOLVE, CANT_CONNECT and TLS_HANDSHAKE_ERROR', async () => {
    const http = new HTTPRequest();
    expect((await http.request('http://no-such-host.invalid/')).result).toBe(Result.CANT_RESOLVE);
    const refused = await startScriptedServer({ replies: [ok('x')] });
    const port = refused.port;
    await refused.close();
    expect((await http.request(`http://127.0.0.1:${port}/`)).result).toBe(Result.CANT_CONNECT);
    const certs = await testCertificates();
    const tls = await startScriptedServer({
      tls: { key: certs.selfSigned.key, cert: certs.selfSigned.cert },
      replies: [ok('x')],
    });
    track(tls);
    expect((await http.request(`https://127.0.0.1:${tls.port}/`)).result).toBe(
      Result.TLS_HANDSHAKE_ERROR,
    );
  });

  it('resolves CONNECTION_ERROR for a truncated body and a malformed response', async () => {
    const http = new HTTPRequest();
    const cut = await serve([
      ['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort', { end: true }],
    ]);
    expect((await http.request(`http://${cut.host}:${cut.port}/`)).result).toBe(
      Result.CONNECTION_ERROR,
    );
    const bad = await serve([
      ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'],
    ]);
    expect((await http.request(`http://${bad.host}:${bad.port}/`)).result).toBe(
      Result.CONNECTION_ERROR,
    );
  });

  it('resolves NO_RESPONSE for a status line without header fields', async () => {
    const s = await serve([['HTTP/1.1 200 OK\r\n\r\n', { end: true }]]);
    expect((await new HTTPRequest().request(`http://${s.host}:${s.port}/`)).result).toBe(
      Result.NO_RESPONSE,
    );
  });

  it('resolves CONNECTION_ERROR when the client refuses the request (CR/LF in a header)', async () => {
    const s = await serve([ok('x')]);
    const r = await new HTTPRequest().request(`http://${s.host}:${s.port}/`, ['X-A: a\r\nX-B: b']);
    expect(r.result).toBe(Result.CONNECTION_ERROR);
    expect(s.requests).toHaveLength(0);
  });

  it.each([
    ['METHOD_MAX', Method.MAX],
    ['-1', -1],
    ['CONNECT', Method.CONNECT],
  ])(
    'resolves CONNECTION_ERROR for method %s, as Godot (request() accepts it; the client refuses it)',
    async (_, method) => {
      const s = await serve([ok('x')]);
      const http = new HTTPRequest();
      const events: HTTPRequestResult[] = [];
      http.on('request_completed', (r) => events.push(r));
      const r = await http.request(`http://${s.host}:${s.port}/`, [], method as Method);
      expect(r).toMatchObject({ result: Result.CONNECTION_ERROR, responseCode: 0, headers: [] });
      expect(events).toEqual([r]);
      expect(s.requests).toHaveLength(0);
    },
  );

  it('resolves BODY_SIZE_LIMIT_EXCEEDED from Content-Length and from a chunked body', async () => {
    const s = await serve([
      ok('x'.repeat(100)),
      [
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n',
        'y'.repeat(64),
        '\r\n40\r\n',
        'y'.repeat(64),
        '\r\n0\r\n\r\n',
      ],
    ]);
    const http = new HTTPRequest();
    http.bodySizeLimit = 99;
    expect((await http.request(`http://${s.host}:${s.port}/`)).result).toBe(
      Result.BODY_SIZE_LIMIT_EXCEEDED,
    );
    http.bodySizeLimit = 100;
    const chunked = await http.request(`http://${s.host}:${s.port}/`);
    expect(chunked).toMatchObject({
      result: Result.BODY_SIZE_LIMIT_EXCEEDED,
      responseCode: 200,
      body: new Uint8Array(0),
    });
  });

  it('resolves TIMEOUT when a slow drip outlasts timeout, leaving no socket behind', async () => {
    const s = await serve([
      ['HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n', { drip: 'x'.repeat(1000), every: 20 }],
    ]);
    const http = new HTTPRequest();
    http.timeout = 0.2;
    const started = Date.now();
    expect((await http.request(`http://${s.host}:${s.port}/`)).result).toBe(Result.TIMEOUT);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(http.getHttpClientStatus()).toBe(Status.DISCONNECTED);
  });

  it('honours a timeout longer than setTimeout can take (about 24.8 days) and an infinite one', async () => {
    const s = await serve([ok('in time')]);
    const http = new HTTPRequest();
    for (const seconds of [3_000_000, Number.POSITIVE_INFINITY]) {
      http.timeout = seconds;
      expect(http.timeout).toBe(seconds);
      const r = await http.request(`http://${s.host}:${s.port}/`);
      expect(r.result).toBe(Result.SUCCESS);
    }
    http.close();
  });

  it('one timeout spans every redirect hop (it is not restarted per hop)', async () => {
    const s = await serve((req) => [
      { delay: 80 },
      `HTTP/1.1 302 Found\r\nLocation: /hop${req.index + 1}\r\nContent-Length: 0\r\n\r\n`,
    ]);
    const http = new HTTPRequest();
    http.timeout = 0.2;
    const r = await http.request(`http://${s.host}:${s.port}/`);
    expect(r).toMatchObject({ result: Result.TIMEOUT, responseCode: 0, headers: [] });
    expect(s.requests.length).toBeGreaterThanOrEqual(2);
    expect(s.requests.length).toBeLessThanOrEqual(3);
  });

  it('resolves TIMEOUT when connecting hangs', async () => {
    const hole = await startBlackholeListener();
    const http = new HTTPRequest();
    http.timeout = 0.2;
    expect((await http.request(`http://${hole.host}:${hole.port}/`)).result).toBe(Result.TIMEOUT);
    await hole.close();
  });
});

describe('HTTPRequest redirects', () => {
  it.each([301, 302, 303, 307, 308])('follows %i to a relative Location', async (code) => {
    const s = await serve((req) =>
      req.requestLine.startsWith('GET /final') || req.requestLine.startsWith('POST /final')
        ? ok('arrived')
        : [`HTTP/1.1 ${code} Moved\r\nLocation: /final\r\nContent-Length: 0\r\n\r\n`],
    );
    const r = await new HTTPRequest().request(`http://${s.host}:${s.port}/start`);
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
    expect(text(r)).toBe('arrived');
  });

  it('turns POST into GET without body on 303, 301 and 302, and keeps it on 307 and 308', async () => {
    for (const [code, method, keepsBody] of [
      [303, 'GET', false],
      [301, 'GET', false],
      [302, 'GET', false],
      [307, 'POST', true],
      [308, 'POST', true],
    ] as const) {
      const s = await serve((req) =>
        req.requestLine.includes('/next')
          ? ok('done')
          : [`HTTP/1.1 ${code} R\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n`],
      );
      await new HTTPRequest().request(
        `http://${s.host}:${s.port}/`,
        ['Content-Type: text/plain'],
        Method.POST,
        'payload',
      );
      const second = s.requests[1]!;
      expect(second.requestLine).toBe(`${method} /next HTTP/1.1`);
      expect(second.body.toString()).toBe(keepsBody ? 'payload' : '');
      expect(header(second, 'content-type')).toBe(keepsBody ? 'text/plain' : undefined);
    }
  });

  it('drops Authorization, Cookie and Proxy-Authorization when the origin changes', async () => {
    const other = await serve([ok('other origin')]);
    const s = await serve([
      [
        `HTTP/1.1 302 Found\r\nLocation: http://localhost:${other.port}/x\r\nContent-Length: 0\r\n\r\n`,
      ],
    ]);
    const secrets = [
      'Authorization: Bearer t',
      'Cookie: sid=1',
      'Proxy-Authorization: Basic eA==',
      'X-Keep: 1',
    ];
    const r = await new HTTPRequest().request(`http://127.0.0.1:${s.port}/`, secrets);
    expect(text(r)).toBe('other origin');
    const seen = other.requests[0]!;
    expect(header(seen, 'authorization')).toBeUndefined();
    expect(header(seen, 'cookie')).toBeUndefined();
    expect(header(seen, 'proxy-authorization')).toBeUndefined();
    expect(header(seen, 'x-keep')).toBe('1');
    expect(header(s.requests[0]!, 'authorization')).toBe('Bearer t');
  });

  it('keeps credentials on a same-origin redirect', async () => {
    const s = await serve((req) =>
      req.requestLine.includes('/b')
        ? ok('b')
        : ['HTTP/1.1 307 T\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n'],
    );
    await new HTTPRequest().request(`http://${s.host}:${s.port}/a`, ['Authorization: Bearer t']);
    expect(header(s.requests[1]!, 'authorization')).toBe('Bearer t');
  });

  it('stops at maxRedirects with REDIRECT_LIMIT_REACHED, code and headers; 0 allows none', async () => {
    const loop = await serve([
      ['HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n'],
    ]);
    const http = new HTTPRequest();
    const r = await http.request(`http://${loop.host}:${loop.port}/`);
    expect(r).toMatchObject({ result: Result.REDIRECT_LIMIT_REACHED, responseCode: 302 });
    expect(r.headers).toContain('Location: /again');
    expect(loop.requests).toHaveLength(9);
    http.maxRedirects = 0;
    expect((await http.request(`http://${loop.host}:${loop.port}/`)).result).toBe(
      Result.REDIRECT_LIMIT_REACHED,
    );
    expect(loop.requests).toHaveLength(10);
  });

  it.each([301, 302, 307])(
    'checks the limit before looking for Location, as Godot: %i without Location at the limit',
    async (code) => {
      const s = await serve([[`HTTP/1.1 ${code} Moved\r\nX-A: 1\r\nContent-Length: 2\r\n\r\nno`]]);
      const http = new HTTPRequest();
      http.maxRedirects = 0;
      const r = await http.request(`http://${s.host}:${s.port}/`);
      expect(r).toMatchObject({ result: Result.REDIRECT_LIMIT_REACHED, responseCode: code });
      expect(r.headers).toEqual(['X-A: 1', 'Content-Length: 2']);
      expect(r.body).toHaveLength(0);
      expect(http.getDownloadedBytes()).toBe(0);
      expect(http.getBodySize()).toBe(-1);
    },
  );

  it('resolves CANT_CONNECT when the client refuses the redirect target (a started request never rejects)', async () => {
    // "abc" is shorter than Godot's 4-character host minimum: connectToHost refuses it at once.
    // Godot closes the client and finds it DISCONNECTED: RESULT_CANT_CONNECT, code 0.
    const s = await serve([
      ['HTTP/1.1 302 Found\r\nLocation: http://abc:1/\r\nContent-Length: 0\r\n\r\n'],
    ]);
    const http = new HTTPRequest();
    const events: HTTPRequestResult[] = [];
    http.on('request_completed', (r) => events.push(r));
    const r = await http.request(`http://${s.host}:${s.port}/`);
    expect(r).toMatchObject({ result: Result.CANT_CONNECT, responseCode: 0, headers: [] });
    expect(events).toEqual([r]);
    expect(http.getHttpClientStatus()).toBe(Status.DISCONNECTED);
  });

  it('follows a Location field without a space after the colon (Godot needs "location: ")', async () => {
    const s = await serve((req) =>
      req.requestLine.includes('/b')
        ? ok('b')
        : ['HTTP/1.1 302 Found\r\nLocation:/b\r\nContent-Length: 0\r\n\r\n'],
    );
    expect(text(await new HTTPRequest().request(`http://${s.host}:${s.port}/a`))).toBe('b');
  });

  it('follows any number of redirects when maxRedirects is negative', async () => {
    const s = await serve((req) =>
      req.index >= 12
        ? ok('after 12')
        : [`HTTP/1.1 301 Moved\r\nLocation: /hop${req.index + 1}\r\nContent-Length: 0\r\n\r\n`],
    );
    const http = new HTTPRequest();
    http.maxRedirects = -1;
    expect(text(await http.request(`http://${s.host}:${s.port}/`))).toBe('after 12');
    expect(s.requests).toHaveLength(13);
    http.close();
  });

  it('delivers a redirect without Location as the final response', async () => {
    const s = await serve([['HTTP/1.1 301 Moved\r\nContent-Length: 2\r\n\r\nno']]);
    const r = await new HTTPRequest().request(`http://${s.host}:${s.port}/`);
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 301 });
    expect(text(r)).toBe('no');
  });
});

describe('HTTPRequest decompression', () => {
  const body = 'compress me '.repeat(2000);
  it.each([
    ['gzip', gzipSync(body)],
    ['deflate', deflateSync(body)],
  ])('decodes %s and asks for it', async (coding, wire) => {
    const s = await serve([ok(wire, `Content-Encoding: ${coding}\r\n`)]);
    const http = new HTTPRequest();
    const r = await http.request(`http://${s.host}:${s.port}/`);
    expect(text(r)).toBe(body);
    expect(http.getDownloadedBytes()).toBe(wire.length);
    expect(header(s.requests[0]!, 'accept-encoding')).toBe('gzip, deflate, br');
  });

  it('a user Accept-Encoding (any case, any value) replaces ours, and decoding stays on', async () => {
    const s = await serve([ok(gzipSync(body), 'Content-Encoding: GZIP\r\n')]);
    const r = await new HTTPRequest().request(`http://${s.host}:${s.port}/`, [
      'accept-ENCODING: identity',
    ]);
    expect(text(r)).toBe(body);
    const sent = s.requests[0]!.headers.filter(([n]) => n.toLowerCase() === 'accept-encoding');
    expect(sent).toEqual([['accept-ENCODING', 'identity']]);
  });

  it('neither asks nor decodes when acceptGzip is false', async () => {
    const wire = gzipSync(body);
    const s = await serve([ok(wire, 'Content-Encoding: gzip\r\n')]);
    const http = new HTTPRequest();
    http.acceptGzip = false;
    const r = await http.request(`http://${s.host}:${s.port}/`);
    expect(Buffer.from(r.body).equals(wire)).toBe(true);
    expect(header(s.requests[0]!, 'accept-encoding')).toBeUndefined();
  });

  it('stops a 10 GiB gzip bomb at bodySizeLimit while decoding', async () => {
    // 160 byte-aligned deflate segments of 64 MiB of zeros each (a full flush resets the window,
    // so segments can be repeated): 10 MB on the wire, 10 GiB decoded. The trailer is never reached.
    const segment = deflateRawSync(new Uint8Array(64 << 20), {
      level: 9,
      finishFlush: zlibConstants.Z_FULL_FLUSH,
    });
    const bomb = Buffer.concat([
      Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]),
      ...Array.from({ length: 160 }, () => segment),
      Buffer.from([3, 0]),
      Buffer.alloc(8),
    ]);
    const s = await serve([ok(bomb, 'Content-Encoding: gzip\r\n')]);
    const http = new HTTPRequest();
    http.bodySizeLimit = 1024 * 1024;
    const before = process.memoryUsage().rss;
    const r = await http.request(`http://${s.host}:${s.port}/`);
    expect(r.result).toBe(Result.BODY_SIZE_LIMIT_EXCEEDED);
    expect(http.getDownloadedBytes()).toBeLessThan(bomb.length);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('resolves BODY_DECOMPRESS_FAILED for a corrupt stream', async () => {
    const s = await serve([ok('definitely not gzip', 'Content-Encoding: gzip\r\n')]);
    expect((await new HTTPRequest().request(`http://${s.host}:${s.port}/`)).result).toBe(
      Result.BODY_DECOMPRESS_FAILED,
    );
  });
});

describe('HTTPRequest downloadFile', () => {
  it('streams the body to the file and resolves with an empty body', async () => {
    const s = await serve([ok('file contents')]);
    const http = new HTTPRequest();
    http.downloadFile = join(dir, 'ok.txt');
    const r = await http.request(`http://${s.host}:${s.port}/`);
    expect(r).toMatchObject({ result: Result.SUCCESS, body: new Uint8Array(0) });
    expect(readFileSync(join(dir, 'ok.txt'), 'utf8')).toBe('file contents');
  });

  it('leaves no file behind a failed download', async () => {
    const s = await serve([
      ['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial', { end: true }],
    ]);
    const http = new HTTPRequest();
    http.downloadFile = join(dir, 'cut.txt');
    expect((await http.request(`http://${s.host}:${s.port}/`)).result).toBe(
      Result.CONNECTION_ERROR,
    );
    expect(existsSync(join(dir, 'cut.txt'))).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('cut.txt'))).toEqual([]);
  });

  it('resolves DOWNLOAD_FILE_WRITE_ERROR when the finished file cannot be put in place', async () => {
    // The target becomes a directory while the body downloads: the final rename fails (EISDIR).
    const s = await serve([ok('never lands')]);
    const target = join(dir, 'becomes-a-directory');
    const http = new HTTPRequest();
    http.downloadFile = target;
    http.once('progress', () => {
      mkdirSync(target);
      writeFileSync(join(target, 'inside'), 'x');
    });
    const r = await http.request(`http://${s.host}:${s.port}/`);
    expect(r).toMatchObject({ result: Result.DOWNLOAD_FILE_WRITE_ERROR, responseCode: 200 });
    expect(r.headers).toEqual(['Content-Length: 11']);
    expect(
      readdirSync(dir).filter((n) => n.includes('becomes-a-directory') && n.endsWith('.part')),
    ).toEqual([]);
  });

  it('resolves DOWNLOAD_FILE_CANT_OPEN before reading when downloadFile is a directory, as Godot', async () => {
    // Godot opens the target for writing when the body starts: a directory cannot be opened.
    const s = await serve([ok('x'.repeat(1000))]);
    const target = join(dir, 'a-directory');
    mkdirSync(target);
    const http = new HTTPRequest();
    http.downloadFile = target;
    const r = await http.request(`http://${s.host}:${s.port}/`);
    expect(r).toMatchObject({
      result: Result.DOWNLOAD_FILE_CANT_OPEN,
      responseCode: 200,
      headers: ['Content-Length: 1000'],
      body: new Uint8Array(0),
    });
    expect(http.getDownloadedBytes()).toBe(0);
    expect(
      readdirSync(dir).filter((n) => n.includes('a-directory') && n.endsWith('.part')),
    ).toEqual([]);
  });

  it('enforces bodySizeLimit on a chunked body going to the file, and leaves no file', async () => {
    const chunk = `400\r\n${'z'.repeat(0x400)}\r\n`;
    const s = await serve([
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', chunk.repeat(8), '0\r\n\r\n'],
    ]);
    const http = new HTTPRequest();
    http.downloadFile = join(dir, 'limited.bin');
    http.bodySizeLimit = 4096;
    const r = await http.request(`http://${s.host}:${s.port}/`);
    expect(r).toMatchObject({ result: Result.BODY_SIZE_LIMIT_EXCEEDED, responseCode: 200 });
    expect(readdirSync(dir).filter((n) => n.includes('limited.bin'))).toEqual([]);
  });

  it('stays busy until request_completed is delivered, while the partial file is deleted', async () => {
    const chunk = `400\r\n${'z'.repeat(0x400)}\r\n`;
    const s = await serve([
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', chunk.repeat(8), '0\r\n\r\n'],
    ]);
    const http = new HTTPRequest();
    http.downloadFile = join(dir, 'busy-until-delivered.bin');
    http.bodySizeLimit = 4096;
    const url = `http://${s.host}:${s.port}/`;
    const order: string[] = [];
    http.on('request_completed', (r) => order.push(`completed ${r.result}`));
    let probed: Promise<unknown> | undefined;
    http.on('progress', ({ downloadedBytes }) => {
      // The chunk that passes the limit: the request ends right after this listener, and the
      // .part file is deleted before the result is delivered. Probe in that window.
      if (downloadedBytes > 4096 && probed === undefined) {
        probed = new Promise((resolve) => setImmediate(resolve)).then(() => {
          http.downloadFile = join(dir, 'changed.bin');
          return http.request(url).then(
            () => order.push('second started'),
            (error: { code: number }) => order.push(`second refused ${error.code}`),
          );
        });
      }
    });
    const r = await http.request(url);
    await probed;
    expect(r.result).toBe(Result.BODY_SIZE_LIMIT_EXCEEDED);
    expect(order).toEqual([
      `second refused ${ErrorCode.BUSY}`,
      `completed ${Result.BODY_SIZE_LIMIT_EXCEEDED}`,
    ]);
    expect(http.downloadFile).toBe(join(dir, 'busy-until-delivered.bin'));
    http.close();
  });

  it('resolves DOWNLOAD_FILE_CANT_OPEN for an unwritable path', async () => {
    const s = await serve([ok('x')]);
    const http = new HTTPRequest();
    http.downloadFile = join(dir, 'no', 'such', 'dir', 'f.txt');
    expect((await http.request(`http://${s.host}:${s.port}/`)).result).toBe(
      Result.DOWNLOAD_FILE_CANT_OPEN,
    );
  });
});

describe('HTTPRequest bodiless and zero-length responses', () => {
  it.each([
    ['Content-Length: 0', Method.GET, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'],
    ['HEAD', Method.HEAD, 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n'],
    ['204', Method.GET, 'HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n'],
    [
      '304 with Content-Length',
      Method.GET,
      'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n',
    ],
  ])(
    '%s: SUCCESS, body size -1, downloadFile untouched, connection kept (Godot ends before both)',
    async (_, method, head) => {
      const s = await serve([[head], ok('next')]);
      const target = join(dir, `untouched-${method}-${head.length}.txt`);
      writeFileSync(target, 'old contents');
      const http = new HTTPRequest();
      http.downloadFile = target;
      const r = await http.request(`http://${s.host}:${s.port}/`, [], method);
      expect(r).toMatchObject({ result: Result.SUCCESS, body: new Uint8Array(0) });
      expect(r.responseCode).toBe(Number(head.slice(9, 12)));
      expect([http.getDownloadedBytes(), http.getBodySize()]).toEqual([0, -1]);
      expect(readFileSync(target, 'utf8')).toBe('old contents');
      expect(http.getHttpClientStatus()).toBe(Status.CONNECTED);
      http.downloadFile = '';
      expect(text(await http.request(`http://${s.host}:${s.port}/`))).toBe('next');
      expect(s.connections).toBe(1);
      http.close();
    },
  );

  it('HEAD ignores the codings of the body it does not have', async () => {
    const s = await serve([
      [
        `HTTP/1.1 200 OK\r\nContent-Length: 10\r\nContent-Encoding: ${'gzip, '.repeat(9)}gzip\r\n\r\n`,
      ],
    ]);
    const r = await new HTTPRequest().request(`http://${s.host}:${s.port}/`, [], Method.HEAD);
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
  });

  it('an empty chunked body is a body: the file is written (empty), body size -1', async () => {
    const s = await serve([['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n']]);
    const target = join(dir, 'empty-chunked.txt');
    writeFileSync(target, 'old contents');
    const http = new HTTPRequest();
    http.downloadFile = target;
    expect((await http.request(`http://${s.host}:${s.port}/`)).result).toBe(Result.SUCCESS);
    expect(readFileSync(target, 'utf8')).toBe('');
    expect(http.getBodySize()).toBe(-1);
  });
});

describe('HTTPRequest onBody', () => {
  it('streams the body to the callback in order and resolves with an empty body', async () => {
    const body = Buffer.alloc(300_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
    const s = await serve([ok(body)]);
    const http = new HTTPRequest();
    const pieces: Buffer[] = [];
    const r = await http.request(`http://${s.host}:${s.port}/`, [], Method.GET, '', {
      onBody: (chunk) => {
        pieces.push(Buffer.from(chunk));
      },
    });
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200, body: new Uint8Array(0) });
    expect(pieces.length).toBeGreaterThan(1);
    expect(Buffer.concat(pieces).equals(body)).toBe(true);
    http.close();
  });

  it('hands over decoded bytes, and waits for a returned promise before reading on', async () => {
    const plain = 'stream me '.repeat(50_000);
    const s = await serve([ok(gzipSync(plain), 'Content-Encoding: gzip\r\n')]);
    const http = new HTTPRequest();
    let out = '';
    let busy = false;
    let overlapped = false;
    const r = await http.request(`http://${s.host}:${s.port}/`, [], Method.GET, '', {
      onBody: async (chunk) => {
        overlapped ||= busy;
        busy = true;
        out += Buffer.from(chunk).toString();
        await new Promise((resolve) => setTimeout(resolve, 1));
        busy = false;
      },
    });
    expect(r.result).toBe(Result.SUCCESS);
    expect(out).toBe(plain);
    expect(overlapped).toBe(false);
  });

  it('still enforces bodySizeLimit', async () => {
    const s = await serve([
      ok('x'.repeat(10)),
      ok(gzipSync('y'.repeat(100_000)), 'Content-Encoding: gzip\r\n'),
    ]);
    const http = new HTTPRequest();
    http.bodySizeLimit = 5_000;
    const onBody = () => {};
    const url = `http://${s.host}:${s.port}/`;
    expect((await http.request(url, [], Method.GET, '', { onBody })).result).toBe(Result.SUCCESS);
    expect((await http.request(url, [], Method.GET, '', { onBody })).result).toBe(
      Result.BODY_SIZE_LIMIT_EXCEEDED,
    );
  });

  it.each([
    ['plain', '', Buffer.from('x'.repeat(1000))],
    ['gzip', 'Content-Encoding: gzip\r\n', gzipSync('x'.repeat(1000))],
  ])(
    'rejects with what the callback throws or rejects with (%s body), closing the connection',
    async (_, extra, wire) => {
      const s = await serve([ok(wire, extra), ok(wire, extra)]);
      const http = new HTTPRequest();
      let completed = 0;
      http.on('request_completed', () => completed++);
      const url = `http://${s.host}:${s.port}/`;
      const thrown = new Error('consumer is full');
      await expect(
        http.request(url, [], Method.GET, '', {
          onBody: () => {
            throw thrown;
          },
        }),
      ).rejects.toBe(thrown);
      expect(http.getHttpClientStatus()).toBe(Status.DISCONNECTED);
      const rejected = new Error('async consumer failed');
      await expect(
        http.request(url, [], Method.GET, '', { onBody: () => Promise.reject(rejected) }),
      ).rejects.toBe(rejected);
      expect(completed).toBe(0);
      expect(http.getHttpClientStatus()).toBe(Status.DISCONNECTED);
    },
  );

  it('cannot be combined with downloadFile', async () => {
    const http = new HTTPRequest();
    http.downloadFile = join(dir, 'both.bin');
    await expect(
      http.request('http://127.0.0.1:9/', [], Method.GET, '', { onBody: () => {} }),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID_PARAMETER });
  });
});

describe('HTTPRequest control', () => {
  it('cancels mid-body: rejects, emits nothing, leaves no file and no socket', async () => {
    const s = await serve([
      [
        'HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n',
        { drip: 'x'.repeat(1000), every: 5 },
        { hang: true },
      ],
    ]);
    const http = new HTTPRequest();
    http.downloadFile = join(dir, 'cancelled.bin');
    let completed = 0;
    http.on('request_completed', () => completed++);
    const pending = http.request(`http://${s.host}:${s.port}/`);
    await new Promise<void>((resolve) => http.once('progress', () => resolve()));
    http.cancelRequest();
    await expect(pending).rejects.toMatchObject({ name: 'HTTPRequestError' });
    expect(completed).toBe(0);
    expect(http.getHttpClientStatus()).toBe(Status.DISCONNECTED);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(readdirSync(dir).filter((n) => n.includes('cancelled'))).toEqual([]);
  });

  it('a request started from the TIMEOUT handler is not harmed by the timed-out one', async () => {
    // Godot's completion resets the node before emitting, so the handler may start a new request.
    const slow = await serve([
      ['HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n', { drip: 'x'.repeat(1000), every: 20 }],
    ]);
    const fast = await serve([ok('fast')]);
    const http = new HTTPRequest();
    http.timeout = 0.1;
    const retried = new Promise<HTTPRequestResult>((resolve, reject) => {
      http.once('request_completed', () => {
        http.timeout = 0;
        http.request(`http://${fast.host}:${fast.port}/`).then(resolve, reject);
      });
    });
    expect((await http.request(`http://${slow.host}:${slow.port}/`)).result).toBe(Result.TIMEOUT);
    const r = await retried;
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
    expect(text(r)).toBe('fast');
    http.close();
  });

  it('a request started right after cancelRequest() is not harmed by the cancelled one', async () => {
    const slow = await serve([
      ['HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n', { drip: 'x'.repeat(1000), every: 20 }],
    ]);
    const fast = await serve([ok('fast')]);
    for (const phase of ['body', 'head'] as const) {
      const http = new HTTPRequest();
      const first = http.request(
        phase === 'body'
          ? `http://${slow.host}:${slow.port}/`
          : `http://${fast.host}:${fast.port}/`,
      );
      first.catch(() => {});
      if (phase === 'body')
        await new Promise<void>((resolve) => http.once('progress', () => resolve()));
      http.cancelRequest();
      const r = await http.request(`http://${fast.host}:${fast.port}/`);
      expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
      expect(text(r)).toBe('fast');
      await expect(first).rejects.toMatchObject({ name: 'HTTPRequestError' });
      http.close();
    }
  });

  it('a cancel from a progress listener stops delivery at once', async () => {
    const s = await serve([
      ['HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n', { drip: 'x'.repeat(1000), every: 5 }],
    ]);
    const http = new HTTPRequest();
    http.on('progress', () => http.cancelRequest());
    let delivered = 0;
    const pending = http.request(`http://${s.host}:${s.port}/`, [], Method.GET, '', {
      onBody: (chunk) => {
        delivered += chunk.length;
      },
    });
    await expect(pending).rejects.toMatchObject({ name: 'HTTPRequestError' });
    expect(delivered).toBe(0);
  });

  it('a cancel while the download file is being created leaves the existing file alone', async () => {
    // Hold every libuv pool thread in open() on a FIFO, so creating the .part file waits; cancel
    // in that window; then let the pool go.
    const target = join(dir, 'existing.txt');
    writeFileSync(target, 'old contents');
    const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
    const fifos = Array.from({ length: threads }, (_, i) => join(dir, `pool-${i}.fifo`));
    for (const fifo of fifos) execFileSync('mkfifo', [fifo]);
    const held = fifos.map((fifo) => open(fifo, 'r'));
    const s = await serve([ok('new contents')]);
    const http = new HTTPRequest();
    http.downloadFile = target;
    const pending = http.request(`http://${s.host}:${s.port}/`);
    pending.catch(() => {});
    while (http.getHttpClientStatus() !== Status.BODY) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    http.cancelRequest();
    const writers: number[] = [];
    for (const fifo of fifos) {
      // ENXIO until the pool thread's open() for reading has started.
      for (;;) {
        try {
          writers.push(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
          break;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      }
    }
    for (const handle of await Promise.all(held)) await handle.close();
    for (const fd of writers) closeSync(fd);
    await expect(pending).rejects.toMatchObject({ name: 'HTTPRequestError' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readFileSync(target, 'utf8')).toBe('old contents');
    expect(readdirSync(dir).filter((n) => n.includes('existing.txt.'))).toEqual([]);
  });

  it('cancels mid-connect', async () => {
    const hole = await startBlackholeListener();
    const http = new HTTPRequest();
    const pending = http.request(`http://${hole.host}:${hole.port}/`);
    http.cancelRequest();
    await expect(pending).rejects.toBeDefined();
    expect(http.getHttpClientStatus()).toBe(Status.DISCONNECTED);
    await hole.close();
  });

  it('aborts with an AbortSignal', async () => {
    const hole = await startBlackholeListener();
    const controller = new AbortController();
    const pending = new HTTPRequest().request(
      `http://${hole.host}:${hole.port}/`,
      [],
      Method.GET,
      '',
      {
        signal: controller.signal,
      },
    );
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    await hole.close();
  });

  it('refuses guarded settings while a request runs, useThreads too', async () => {
    const s = await serve([[{ delay: 30 }, ...ok('x')]]);
    const http = new HTTPRequest();
    const pending = http.request(`http://${s.host}:${s.port}/`);
    http.bodySizeLimit = 5;
    http.downloadFile = '/tmp/x';
    http.downloadChunkSize = 1024;
    http.useThreads = true;
    expect([
      http.bodySizeLimit,
      http.downloadFile,
      http.downloadChunkSize,
      http.useThreads,
    ]).toEqual([-1, '', 65536, false]);
    expect(http.lastError?.code).toBe(ErrorCode.BUSY);
    http.maxRedirects = 3; // no guard, as in Godot
    expect(http.maxRedirects).toBe(3);
    await pending;
    http.bodySizeLimit = 5;
    expect(http.bodySizeLimit).toBe(5);
    // Godot refuses use_threads only while a request runs (test/use-threads.test.ts runs them).
    http.useThreads = true;
    expect(http.useThreads).toBe(true);
  });

  it('reports progress and Godot defaults', async () => {
    const s = await serve([ok('z'.repeat(5000))]);
    const http = new HTTPRequest();
    expect([
      http.acceptGzip,
      http.bodySizeLimit,
      http.downloadChunkSize,
      http.downloadFile,
      http.maxRedirects,
      http.timeout,
      http.useThreads,
    ]).toEqual([true, -1, 65536, '', 8, 0, false]);
    const progress: number[] = [];
    http.on('progress', (p) => progress.push(p.downloadedBytes));
    await http.request(`http://${s.host}:${s.port}/`);
    expect(progress.at(-1)).toBe(5000);
    expect(http.getDownloadedBytes()).toBe(5000);
    expect(http.getBodySize()).toBe(5000);
  });

  it('resets getDownloadedBytes() and getBodySize() at every request() past the busy check, as Godot', async () => {
    const s = await serve([ok('z'.repeat(500))]);
    const http = new HTTPRequest();
    const url = `http://${s.host}:${s.port}/`;
    await http.request(url);
    expect([http.getDownloadedBytes(), http.getBodySize()]).toEqual([500, 500]);
    // Godot's _parse_url resets the counters before it parses, so a refused URL resets them too.
    await expect(http.request('ftp://example.com/')).rejects.toMatchObject({
      code: ErrorCode.INVALID_PARAMETER,
    });
    expect([http.getDownloadedBytes(), http.getBodySize()]).toEqual([0, -1]);
    await http.request(url);
    const running = http.request(url);
    // A request refused as BUSY leaves the running one's counters alone.
    await expect(http.request('ftp://example.com/')).rejects.toMatchObject({
      code: ErrorCode.BUSY,
    });
    await running;
    expect([http.getDownloadedBytes(), http.getBodySize()]).toEqual([500, 500]);
    http.close();
  });

  it('keeps the connection for the next request to the same origin, and recovers when the server closed it', async () => {
    const s = await serve([
      ok('one'),
      [...ok('two'), { delay: 5 }, { destroy: true }],
      ok('three'),
    ]);
    const http = new HTTPRequest();
    const url = `http://${s.host}:${s.port}/`;
    expect(text(await http.request(url))).toBe('one');
    expect(http.getHttpClientStatus()).toBe(Status.CONNECTED);
    expect(text(await http.request(url))).toBe('two');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(text(await http.request(url))).toBe('three');
    expect(s.requests.map((r) => r.connection)).toEqual([0, 0, 1]);
    http.close();
  });

  it('applies downloadChunkSize to a kept-alive connection too', async () => {
    const s = await serve([ok('z'.repeat(5000))]);
    const http = new HTTPRequest();
    const url = `http://${s.host}:${s.port}/`;
    await http.request(url);
    expect(http.getHttpClientStatus()).toBe(Status.CONNECTED);
    http.downloadChunkSize = 256;
    let last = 0;
    let largest = 0;
    http.on('progress', ({ downloadedBytes }) => {
      largest = Math.max(largest, downloadedBytes - last);
      last = downloadedBytes;
    });
    expect(text(await http.request(url))).toHaveLength(5000);
    expect(s.connections).toBe(1);
    expect(largest).toBeLessThanOrEqual(256);
    http.close();
  });

  it('turns URL userinfo into Basic authorization for that origin', async () => {
    const s = await serve([ok('x')]);
    await new HTTPRequest().request(`http://al%40ice:secret@${s.host}:${s.port}/`);
    expect(header(s.requests[0]!, 'authorization')).toBe(
      `Basic ${Buffer.from('al@ice:secret').toString('base64')}`,
    );
  });
});

describe('HTTPRequest URL userinfo across redirects', () => {
  it('keeps the userinfo credentials on a same-origin hop and drops them on another origin', async () => {
    const other = await serve([ok('other')]);
    const s = await serve((req) =>
      req.requestLine.includes('/b')
        ? [
            `HTTP/1.1 302 Found\r\nLocation: http://localhost:${other.port}/c\r\nContent-Length: 0\r\n\r\n`,
          ]
        : ['HTTP/1.1 307 T\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n'],
    );
    const r = await new HTTPRequest().request(`http://al:pw@${s.host}:${s.port}/a`);
    expect(text(r)).toBe('other');
    const basic = `Basic ${Buffer.from('al:pw').toString('base64')}`;
    expect(s.requests.map((q) => header(q, 'authorization'))).toEqual([basic, basic]);
    expect(header(other.requests[0]!, 'authorization')).toBeUndefined();
  });
});

describe('HTTPRequest getFinalUrl() and getRedirectCount() (gdhttp additions)', () => {
  it("are '' and 0 before any request, and the URL as sent with 0 without a redirect", async () => {
    const s = await serve([ok('x')]);
    const http = new HTTPRequest();
    expect([http.getFinalUrl(), http.getRedirectCount()]).toEqual(['', 0]);
    // Normalised as sent: no userinfo, no fragment.
    await http.request(`http://user:pw@${s.host}:${s.port}/a?b=1#frag`);
    expect([http.getFinalUrl(), http.getRedirectCount()]).toEqual([
      `http://${s.host}:${s.port}/a?b=1`,
      0,
    ]);
    http.close();
  });

  it('follow the hops: the URL and the count of each hop while it runs, then the last', async () => {
    const http = new HTTPRequest();
    // What the server sees each hop of the request report, as the hop's request arrives.
    const during: [string, number][] = [];
    const state = () => during.push([http.getFinalUrl(), http.getRedirectCount()]);
    const other = await serve(() => {
      state();
      return ok('landed');
    });
    const s = await serve((req) => {
      state();
      return req.requestLine.includes('/two')
        ? [
            `HTTP/1.1 307 T\r\nLocation: http://localhost:${other.port}/three?x=1\r\nContent-Length: 0\r\n\r\n`,
          ]
        : ['HTTP/1.1 302 Found\r\nLocation: /two\r\nContent-Length: 0\r\n\r\n'];
    });
    const r = await http.request(`http://${s.host}:${s.port}/one`);
    expect(text(r)).toBe('landed');
    const final = `http://localhost:${other.port}/three?x=1`;
    expect(during).toEqual([
      [`http://${s.host}:${s.port}/one`, 0],
      [`http://${s.host}:${s.port}/two`, 1],
      [final, 2],
    ]);
    expect([http.getFinalUrl(), http.getRedirectCount()]).toEqual([final, 2]);
    // The next request starts over.
    await http.request(`http://${other.host}:${other.port}/`);
    expect([http.getFinalUrl(), http.getRedirectCount()]).toEqual([
      `http://${other.host}:${other.port}/`,
      0,
    ]);
    http.close();
  });

  it('at REDIRECT_LIMIT_REACHED: the URL that answered the last 3xx, and maxRedirects', async () => {
    const s = await serve((req) => [
      `HTTP/1.1 301 Moved\r\nLocation: /hop${req.index + 1}\r\nContent-Length: 0\r\n\r\n`,
    ]);
    const http = new HTTPRequest();
    http.maxRedirects = 2;
    const r = await http.request(`http://${s.host}:${s.port}/hop0`);
    expect(r.result).toBe(Result.REDIRECT_LIMIT_REACHED);
    expect([http.getFinalUrl(), http.getRedirectCount()]).toEqual([
      `http://${s.host}:${s.port}/hop2`,
      2,
    ]);
    expect(s.requests.map((q) => q.requestLine)).toEqual([
      'GET /hop0 HTTP/1.1',
      'GET /hop1 HTTP/1.1',
      'GET /hop2 HTTP/1.1',
    ]);
  });

  it('a request refused before it starts (bad URL, BUSY) leaves both unchanged', async () => {
    const s = await serve((req) =>
      req.requestLine.includes('/end')
        ? [{ delay: 30 }, ...ok('end')]
        : ['HTTP/1.1 302 Found\r\nLocation: /end\r\nContent-Length: 0\r\n\r\n'],
    );
    const http = new HTTPRequest();
    const url = `http://${s.host}:${s.port}/`;
    await http.request(url);
    const after = [`${url}end`, 1];
    expect([http.getFinalUrl(), http.getRedirectCount()]).toEqual(after);
    await expect(http.request('ftp://example.com/')).rejects.toMatchObject({
      code: ErrorCode.INVALID_PARAMETER,
    });
    expect([http.getFinalUrl(), http.getRedirectCount()]).toEqual(after);
    const running = http.request(url);
    expect([http.getFinalUrl(), http.getRedirectCount()]).toEqual([url, 0]);
    await expect(http.request(`${url}other`)).rejects.toMatchObject({ code: ErrorCode.BUSY });
    expect([http.getFinalUrl(), http.getRedirectCount()]).toEqual([url, 0]);
    await running;
    expect([http.getFinalUrl(), http.getRedirectCount()]).toEqual(after);
    http.close();
  });
});

describe('HTTPRequest over TLS and proxies', () => {
  it('uses setTlsOptions for https URLs, and refuses server options', async () => {
    const certs = await testCertificates();
    const tls = await startScriptedServer({
      tls: { key: certs.valid.key, cert: certs.valid.cert },
      replies: [ok('secure')],
    });
    track(tls);
    const http = new HTTPRequest();
    http.setTlsOptions(TLSOptions.client(certs.ca.cert));
    http.setTlsOptions(TLSOptions.server(certs.valid.key, certs.valid.cert));
    expect(http.lastError?.code).toBe(ErrorCode.INVALID_PARAMETER);
    expect(text(await http.request(`https://localhost:${tls.port}/`))).toBe('secure');
    http.close();
  });

  it('passes proxies through to the client', async () => {
    const proxy = await startNpmProxy();
    const s = await serve([ok('proxied')]);
    const http = new HTTPRequest();
    http.setHttpProxy(proxy.host, proxy.port);
    expect(text(await http.request(`http://${s.host}:${s.port}/p`))).toBe('proxied');
    expect(
      header(s.requests[0]!, 'via') ?? header(s.requests[0]!, 'x-forwarded-for'),
    ).toBeDefined();
    http.close();
    await proxy.close();
  });
  it('keeps its connection when a proxy is set again to the same values, and not when it changes', async () => {
    const proxy = await startNpmProxy({ auth: { user: 'gd', pass: 's3cret' } });
    const certs = await testCertificates();
    const tls = track(
      await startScriptedServer({
        tls: { key: certs.valid.key, cert: certs.valid.cert },
        replies: [ok('tunnelled')],
      }),
    );
    const http = new HTTPRequest();
    http.setTlsOptions(TLSOptions.client(certs.ca.cert));
    const url = `https://localhost:${tls.port}/`;
    http.setHttpsProxy(proxy.host, proxy.port, 'gd', 's3cret');
    expect(text(await http.request(url))).toBe('tunnelled');
    // What a loop that sets its settings before every request does (the CLI did, per hop).
    http.setHttpsProxy(proxy.host, proxy.port, 'gd', 's3cret');
    http.setHttpProxy('', -1);
    expect(text(await http.request(url))).toBe('tunnelled');
    expect(tls.connections).toBe(1);
    // Other credentials are another proxy identity: a new tunnel, authorized by them.
    http.setHttpsProxy(proxy.host, proxy.port, 'gd', 'wrong');
    expect((await http.request(url)).result).toBe(Result.CANT_CONNECT);
    http.setHttpsProxy(proxy.host, proxy.port, 'gd', 's3cret');
    expect(text(await http.request(url))).toBe('tunnelled');
    expect(tls.connections).toBe(2);
    http.close();
    await proxy.close();
  });
  it('sends proxy credentials to the proxy only, for http and https proxies', async () => {
    const proxy = await startNpmProxy({ auth: { user: 'gd', pass: 's3cret' } });
    const s = await serve([ok('behind auth')]);
    const http = new HTTPRequest();
    http.setHttpProxy(proxy.host, proxy.port);
    const refused = await http.request(`http://${s.host}:${s.port}/a`);
    expect(refused.responseCode).toBe(407);
    http.setHttpProxy(proxy.host, proxy.port, 'gd', 's3cret');
    expect(text(await http.request(`http://${s.host}:${s.port}/a`))).toBe('behind auth');
    expect(header(s.requests[0]!, 'proxy-authorization')).toBeUndefined();

    const certs = await testCertificates();
    const tls = await startScriptedServer({
      tls: { key: certs.valid.key, cert: certs.valid.cert },
      replies: [ok('tunnelled')],
    });
    track(tls);
    http.setTlsOptions(TLSOptions.client(certs.ca.cert));
    http.setHttpsProxy(proxy.host, proxy.port);
    expect((await http.request(`https://localhost:${tls.port}/`)).result).toBe(Result.CANT_CONNECT);
    http.setHttpsProxy(proxy.host, proxy.port, 'gd', 's3cret');
    expect(text(await http.request(`https://localhost:${tls.port}/`))).toBe('tunnelled');
    expect(header(tls.requests[0]!, 'proxy-authorization')).toBeUndefined();
    http.close();
    await proxy.close();
  });
});
