/**
 * The four parser benchmark corpora (anchors §3.3): each is K copies of one keep-alive response
 * concatenated into one buffer (~8 MB), fed to the parser in 64 KiB reads.
 */

export interface Corpus {
  name: string;
  description: string;
  /** One response. */
  response: Uint8Array;
  /** `count` pipelined copies of it. */
  buffer: Buffer;
  count: number;
  /** Total body bytes per response (what a client receives as payload). */
  bodyBytes: number;
}

const enc = (s: string) => Buffer.from(s, 'latin1');

function repeat(response: Uint8Array, targetBytes: number): { buffer: Buffer; count: number } {
  const count = Math.max(1, Math.round(targetBytes / response.length));
  const buffer = Buffer.allocUnsafe(count * response.length);
  for (let i = 0; i < count; i++) buffer.set(response, i * response.length);
  return { buffer, count };
}

function fill(n: number, seed: string): string {
  return seed.repeat(Math.ceil(n / seed.length)).slice(0, n);
}

/** ~260 B, 7 header fields, 13 B body. */
export function smallResponse(): Uint8Array {
  return enc(
    'HTTP/1.1 200 OK\r\n' +
      'Date: Tue, 04 Aug 2026 07:59:32 GMT\r\n' +
      'Server: gdhttp-bench/1.0\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      'Content-Length: 13\r\n' +
      'Connection: keep-alive\r\n' +
      'Cache-Control: no-cache\r\n' +
      'X-Request-Id: 6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f\r\n' +
      '\r\n' +
      'Hello, World!',
  );
}

/** ~1.9 KB: 20 header fields of a CDN-served page, 1 KiB body. */
export function cdnResponse(): Uint8Array {
  const body = fill(1024, 'lorem ipsum dolor sit amet, ');
  const headers = [
    'Date: Tue, 04 Aug 2026 07:59:32 GMT',
    'Content-Type: text/html; charset=utf-8',
    `Content-Length: ${body.length}`,
    'Connection: keep-alive',
    'Cache-Control: public, max-age=3600, s-maxage=86400, stale-while-revalidate=60',
    'ETag: W/"5e15153d-120f-4a5b9c7d8e9f"',
    'Last-Modified: Mon, 03 Aug 2026 12:00:00 GMT',
    'Vary: Accept-Encoding, Origin',
    'Server: cloudflare',
    'CF-RAY: 8a1b2c3d4e5f6a7b-FRA',
    'CF-Cache-Status: HIT',
    'Age: 1234',
    'Accept-Ranges: bytes',
    'Strict-Transport-Security: max-age=31536000; includeSubDomains; preload',
    'X-Content-Type-Options: nosniff',
    'X-Frame-Options: SAMEORIGIN',
    'Referrer-Policy: strict-origin-when-cross-origin',
    "Content-Security-Policy: default-src 'self'; img-src * data:; script-src 'self' https://cdn.example.com",
    'Alt-Svc: h3=":443"; ma=86400',
    'Set-Cookie: __cf_bm=Zx8QhR5tYw3uVb7nMk2pLc9dEf4gHj6k; path=/; expires=Tue, 04-Aug-26 08:29:32 GMT; domain=.example.com; HttpOnly; Secure; SameSite=None',
  ];
  return enc(`HTTP/1.1 200 OK\r\n${headers.join('\r\n')}\r\n\r\n${body}`);
}

/** 64 KiB Content-Length body. */
export function largeResponse(): Uint8Array {
  const body = fill(65536, '0123456789abcdef');
  return enc(
    'HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n' +
      `Content-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n${body}`,
  );
}

/** 64 KiB chunked body as 16 × 4 KiB chunks. */
export function chunkedResponse(): Uint8Array {
  const chunk = fill(4096, 'abcdefghijklmnop');
  let s =
    'HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n' +
    'Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n';
  for (let i = 0; i < 16; i++) s += `1000\r\n${chunk}\r\n`;
  return enc(`${s}0\r\n\r\n`);
}

/** Builds the four corpora at about `targetBytes` each. */
export function corpora(targetBytes = 8 << 20): Corpus[] {
  const make = (name: string, description: string, response: Uint8Array, bodyBytes: number) => ({
    name,
    description,
    response,
    bodyBytes,
    ...repeat(response, targetBytes),
  });
  return [
    make('small', 'small pipelined, 7 fields, 13 B body', smallResponse(), 13),
    make('cdn', 'header-heavy, 20 fields, 1 KiB body', cdnResponse(), 1024),
    make('large', '64 KiB Content-Length body', largeResponse(), 65536),
    make('chunked', '64 KiB chunked as 16 x 4 KiB', chunkedResponse(), 65536),
  ];
}
