// Hostile servers, client-level cases that need HTTPRequest (docs/references.md#hostile-servers,
// #decompression-bombs, #proxies): content-coding chains, a nested ratio bomb against bodySizeLimit,
// slowloris heads against timeout, and a refused CONNECT that must not leak the request.
// (The single-gzip 10 GiB bomb with Content-Length lives in http-request.test.ts.)
import {
  brotliCompressSync,
  deflateRawSync,
  deflateSync,
  gzipSync,
  constants as zlibConstants,
} from 'node:zlib';
import { Result, Status } from '@gdhttp/constants';
import type { Action, ScriptedServer } from '@gdhttp/testkit';
import { describe, expect, it } from 'vitest';
import { HTTPRequest } from '../src/index.js';
import { serve } from './support/serve.js';

const url = (s: ScriptedServer) => `http://${s.host}:${s.port}/`;
const withLength = (body: Uint8Array, fields: string) => [
  `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${fields}\r\n`,
  body,
];
const plain = 'the body under all those codings';

/** Applies `codings` in order (the first listed is applied first, RFC 9110 §8.4). */
function encode(body: string | Uint8Array, codings: readonly string[]): Uint8Array {
  let out: Uint8Array = typeof body === 'string' ? Buffer.from(body) : body;
  for (const coding of codings) {
    out =
      coding === 'gzip'
        ? gzipSync(out)
        : coding === 'br'
          ? brotliCompressSync(out)
          : deflateSync(out);
  }
  return out;
}

describe('HTTPRequest against content-coding chains (CVE-2026-22036, curl CVE-2023-23916)', () => {
  it('decodes a chain of exactly 5 codings', async () => {
    const codings = ['gzip', 'deflate', 'br', 'gzip', 'deflate'];
    const s = await serve([
      withLength(encode(plain, codings), `Content-Encoding: ${codings.join(', ')}\r\n`),
    ]);
    const r = await new HTTPRequest().request(url(s));
    expect(r.result).toBe(Result.SUCCESS);
    expect(Buffer.from(r.body).toString()).toBe(plain);
  });

  it.each([
    ['6 codings', 6],
    ['1,000 codings', 1000],
  ])('refuses %s in one field with BODY_DECOMPRESS_FAILED, decoding nothing', async (_, n) => {
    const codings = Array.from({ length: n }, () => 'gzip');
    // Only 6 real layers: the refusal must come from the header, before any decoding.
    const s = await serve([
      withLength(encode(plain, codings.slice(0, 6)), `Content-Encoding: ${codings.join(', ')}\r\n`),
    ]);
    const http = new HTTPRequest();
    const r = await http.request(url(s));
    expect(r.result).toBe(Result.BODY_DECOMPRESS_FAILED);
    expect(r.responseCode).toBe(200);
    expect(r.body).toHaveLength(0);
    expect(http.getHttpClientStatus()).toBe(Status.DISCONNECTED);
  });

  // Field lines are combined into one list (RFC 9110 §5.3, §8.4), so the cap counts codings
  // across lines, as curl's CVE-2023-23916 fix caps "5 in total".
  it('counts codings across Content-Encoding field lines: 6 lines are refused', async () => {
    const s = await serve([
      withLength(encode(plain, Array(6).fill('gzip')), 'Content-Encoding: gzip\r\n'.repeat(6)),
    ]);
    const r = await new HTTPRequest().request(url(s));
    expect(r.result).toBe(Result.BODY_DECOMPRESS_FAILED);
  });

  it('decodes codings listed on two field lines', async () => {
    const s = await serve([
      withLength(
        encode(plain, ['gzip', 'br']),
        'Content-Encoding: gzip\r\nContent-Encoding: br\r\n',
      ),
    ]);
    const r = await new HTTPRequest().request(url(s));
    expect(r.result).toBe(Result.SUCCESS);
    expect(Buffer.from(r.body).toString()).toBe(plain);
  });
});

describe('HTTPRequest against a nested ratio bomb', () => {
  it('stops "gzip, gzip" (a few KB → 1 GiB) at bodySizeLimit, chunked and dripped, RSS bounded', async () => {
    // Inner: 16 byte-aligned deflate segments of 64 MiB of zeros (a full flush resets the window,
    // so a segment can repeat) in a gzip wrapper; outer: gzip of that. Chunked framing, so no
    // Content-Length can refuse it early: only the decoded count can.
    const segment = deflateRawSync(new Uint8Array(64 << 20), {
      level: 9,
      finishFlush: zlibConstants.Z_FULL_FLUSH,
    });
    const inner = Buffer.concat([
      Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]),
      ...Array.from({ length: 16 }, () => segment),
      Buffer.from([3, 0]),
      Buffer.alloc(8),
    ]);
    const outer = gzipSync(inner, { level: 9 });
    expect(outer.length).toBeLessThan(64 * 1024);
    const hex = outer.length.toString(16);
    const s = await serve([
      [
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip, gzip\r\n\r\n',
        {
          drip: Buffer.concat([Buffer.from(`${hex}\r\n`), outer, Buffer.from('\r\n0\r\n\r\n')]),
          chunk: 1024,
        },
      ],
    ]);
    const http = new HTTPRequest();
    http.bodySizeLimit = 1024 * 1024;
    (globalThis as { gc?: () => void }).gc?.();
    const before = process.memoryUsage().rss;
    const r = await http.request(url(s));
    expect(r.result).toBe(Result.BODY_SIZE_LIMIT_EXCEEDED);
    expect(r.body).toHaveLength(0);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
    expect(http.getHttpClientStatus()).toBe(Status.DISCONNECTED);
  });
});

describe('HTTPRequest against slowloris heads', () => {
  it('resolves TIMEOUT for a head dripped one byte every 40 ms, and closes the socket', async () => {
    const head = `HTTP/1.1 200 OK\r\n${'X-Slow: 1\r\n'.repeat(20)}Content-Length: 2\r\n\r\nok`;
    const s = await serve([[{ drip: head, every: 40 }]]);
    const http = new HTTPRequest();
    http.timeout = 0.3;
    const started = Date.now();
    const r = await http.request(url(s));
    expect(r.result).toBe(Result.TIMEOUT);
    expect(r.responseCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(http.getHttpClientStatus()).toBe(Status.DISCONNECTED);
  });

  it('resolves TIMEOUT for an endless trickle of 103 Early Hints (each one complete)', async () => {
    const hints = Array.from({ length: 200 }, (): Action[] => [
      'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n',
      { delay: 20 },
    ]).flat();
    const s = await serve([hints]);
    const http = new HTTPRequest();
    http.timeout = 0.3;
    const started = Date.now();
    const r = await http.request(url(s));
    expect(r.result).toBe(Result.TIMEOUT);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('resolves CONNECTION_ERROR (not a hang) for a fast flood of 1xx past the cap', async () => {
    const flood = 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n'.repeat(10_000);
    const s = await serve([[flood, { hang: true }]]);
    const http = new HTTPRequest();
    http.timeout = 5;
    const r = await http.request(url(s));
    expect(r.result).toBe(Result.CONNECTION_ERROR);
  });
});

describe('HTTPRequest through an HTTPS proxy that refuses CONNECT', () => {
  it.each([
    ['407', 'HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n'],
    [
      '403 with a body that looks like a tunnel answer',
      'HTTP/1.1 403 Forbidden\r\nContent-Length: 19\r\n\r\nHTTP/1.1 200 OK\r\n\r\n',
    ],
  ])('never writes the request (or its Authorization) to the proxy: %s', async (_, answer) => {
    const proxy = await serve([[{ drip: answer, chunk: 7 }, { hang: true }]]);
    const http = new HTTPRequest();
    http.setHttpsProxy(proxy.host, proxy.port);
    const r = await http.request('https://origin.test/secret', [
      'Authorization: Bearer s3cret-token',
      'Cookie: session=s3cret-cookie',
    ]);
    expect(r.result).toBe(Result.CANT_CONNECT);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const everything = Array.from({ length: proxy.connections }, (_, i) =>
      proxy.received(i).toString('latin1'),
    ).join('');
    expect(everything).not.toContain('s3cret');
    expect(everything).not.toContain('/secret');
    for (const request of proxy.requests) {
      expect(request.requestLine).toBe('CONNECT origin.test:443 HTTP/1.1');
    }
  });
});
