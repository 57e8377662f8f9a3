/**
 * The four parser benchmark corpora (docs/references.md#parser-benchmarks): each is K copies of one keep-alive response
 * concatenated into one buffer (~8 MB), fed to the parser in 64 KiB reads. Beside them, the
 * small and cdn corpora with per-response values, and the `real` corpora: responses captured from
 * nginx and httpbin (real-heads.json, made by capture-real-heads.ts), cycled.
 */
import { readFileSync } from 'node:fs';

export interface Corpus {
  name: string;
  description: string;
  /** One response (for the real corpora, the first of the cycle). */
  response: Uint8Array;
  /** `count` pipelined responses: copies of `response`, or the real corpora's cycle. */
  buffer: Buffer;
  count: number;
  /** Body bytes per response (what a client receives as payload); the mean for the real corpora. */
  bodyBytes: number;
  /** Sum of the status codes of the `count` responses. */
  statusSum: number;
  /** Sum of the body bytes of the `count` responses. */
  bodyTotal: number;
}

/** One captured response, as real-heads.json stores it. */
export interface CapturedResponse {
  /** Which server answered which request, e.g. `nginx GET /files/13.bin`. */
  from: string;
  /** The head, status line to the empty line, as latin-1. */
  head: string;
  /** The bytes after the head up to the end of the response (chunk framing included), base64. */
  body: string;
}

/** real-heads.json. */
export interface CapturedHeads {
  note: string;
  captured: string;
  servers: string;
  responses: CapturedResponse[];
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

/**
 * Overwrites, in every copy of the response, the bytes after each `needle` (`length` of them) with
 * pseudo-random characters of `alphabet` (same length, so the framing is unchanged): values a
 * server changes per response (date, request id, cookie), which no parser cache can hold.
 */
function vary(corpus: Corpus, spans: [needle: string, length: number, alphabet: string][]): Corpus {
  const text = Buffer.from(corpus.response).toString('latin1');
  const at = spans.map(([needle, length, alphabet]) => {
    const i = text.indexOf(needle);
    if (i < 0) throw new Error(`${corpus.name}: no ${needle}`);
    return { start: i + needle.length, length, alphabet };
  });
  const buffer = Buffer.from(corpus.buffer);
  let seed = 0x2545f491;
  const L = corpus.response.length;
  for (let r = 0; r < corpus.count; r++) {
    for (const { start, length, alphabet } of at) {
      for (let k = 0; k < length; k++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        buffer[r * L + start + k] = alphabet.charCodeAt((seed >>> 8) % alphabet.length);
      }
    }
  }
  return {
    ...corpus,
    name: `${corpus.name}-vary`,
    description: `${corpus.description}, varying`,
    buffer,
  };
}

/**
 * The captured responses of real-heads.json as wire bytes. gunicorn answers every response with
 * `Connection: close`, after which a parser refuses more bytes on the connection; the corpus
 * pipelines them, so that one field reads `Connection: keep-alive` (nginx's own value) instead.
 */
export function realResponses(): { head: string; bytes: Buffer; status: number; body: number }[] {
  const fixture = JSON.parse(
    readFileSync(new URL('./real-heads.json', import.meta.url), 'latin1'),
  ) as CapturedHeads;
  return fixture.responses.map((r) => {
    const head = r.head.replace('\r\nConnection: close\r\n', '\r\nConnection: keep-alive\r\n');
    const body = Buffer.from(r.body, 'base64');
    const status = Number(head.slice(9, 12));
    return {
      head,
      bytes: Buffer.concat([Buffer.from(head, 'latin1'), body]),
      status,
      body: bodyLength(head, status, body),
    };
  });
}

/** The payload bytes of a captured body, worked out without any of the parsers measured. */
function bodyLength(head: string, status: number, body: Buffer): number {
  if (status === 204 || status === 304) return 0;
  if (/\r\nTransfer-Encoding: chunked\r\n/i.test(head)) {
    let total = 0;
    let at = 0;
    for (;;) {
      const eol = body.indexOf('\r\n', at);
      const size = Number.parseInt(body.toString('latin1', at, eol), 16);
      if (size === 0) return total;
      total += size;
      at = eol + 2 + size + 2;
    }
  }
  return Number(/\r\nContent-Length: (\d+)\r\n/i.exec(head)?.[1] ?? body.length);
}

/** Per-response values of a real head: the spans a server changes from one response to the next. */
function varyingSpans(head: string): [start: number, length: number, alphabet: string][] {
  const spans: [number, number, string][] = [];
  const line = /\r\n([A-Za-z-]+): ([^\r]*)/g;
  for (let m = line.exec(head); m !== null; m = line.exec(head)) {
    const name = m[1]!.toLowerCase();
    const value = m[2]!;
    const at = m.index + 2 + m[1]!.length + 2;
    if (name === 'date' || name === 'last-modified' || name === 'expires') {
      // the time of day, new every second: HH, MM and SS of `HH:MM:SS`
      const t = /\d\d:\d\d:\d\d/.exec(value);
      if (t !== null) for (const k of [0, 3, 6]) spans.push([at + t.index + k, 2, DIGITS]);
    } else if (name === 'etag' || name === 'x-request-id') {
      const hex = /[0-9a-f]+/g;
      for (let h = hex.exec(value); h !== null; h = hex.exec(value)) {
        spans.push([at + h.index, h[0].length, HEX]);
      }
    } else if (name === 'set-cookie') {
      // the cookie's value, up to its attributes
      const v = /=([^;]+)/.exec(value);
      if (v !== null)
        spans.push([at + v.index + 1, v[1]!.length, `${HEX}ABCDEFGHIJKLMNOPQRSTUVWXYZ`]);
    }
  }
  return spans;
}

/**
 * The real corpora: responses captured from the test kit's nginx and httpbin
 * (capture-real-heads.ts), one after another, the whole capture repeated to about `targetBytes`.
 * **real** is the capture as it is: its values (Date, ETag, Last-Modified, cookies, request ids,
 * lengths) change across the 224 responses of one cycle but come back every cycle. **real-vary**
 * gives every response in every cycle new values of the same length in the fields a server makes
 * anew per response (the time in Date and Last-Modified, ETag and X-Request-Id digits, cookie
 * values), so no cache can keep them.
 */
export function realCorpora(targetBytes = 8 << 20): Corpus[] {
  const all = realResponses();
  const cycle = all.reduce((n, r) => n + r.bytes.length, 0);
  const cycles = Math.max(1, Math.round(targetBytes / cycle));
  const buffer = Buffer.concat(
    Array.from({ length: cycles }, () => all.map((r) => r.bytes)).flat(),
  );
  const count = cycles * all.length;
  const bodyTotal = cycles * all.reduce((n, r) => n + r.body, 0);
  const real: Corpus = {
    name: 'real',
    description: `${all.length} responses captured from nginx and httpbin, cycled`,
    response: all[0]!.bytes,
    buffer,
    count,
    bodyBytes: bodyTotal / count,
    statusSum: cycles * all.reduce((n, r) => n + r.status, 0),
    bodyTotal,
  };
  const varied = Buffer.from(buffer);
  let seed = 0x2545f491;
  let offset = 0;
  for (let c = 0; c < cycles; c++) {
    for (const r of all) {
      for (const [start, length, alphabet] of varyingSpans(r.head)) {
        for (let k = 0; k < length; k++) {
          seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
          varied[offset + start + k] = alphabet.charCodeAt((seed >>> 8) % alphabet.length);
        }
      }
      offset += r.bytes.length;
    }
  }
  return [
    real,
    { ...real, name: 'real-vary', description: `${real.description}, varying`, buffer: varied },
  ];
}

const DIGITS = '0123456789';
const HEX = '0123456789abcdef';

/**
 * The small and cdn corpora with per-response values: Date's time, X-Request-Id;
 * for cdn also CF-RAY, Age, the ETag and the Set-Cookie token. The plain corpora repeat one
 * response, so every name and value hits the parser's caches; these measure the miss path.
 */
export function varyingCorpora(targetBytes = 8 << 20): Corpus[] {
  const [small, cdn] = corpora(targetBytes);
  return [
    vary(small!, [
      ['Date: Tue, 04 Aug 2026 ', 8, DIGITS],
      ['X-Request-Id: ', 36, HEX],
    ]),
    vary(cdn!, [
      ['Date: Tue, 04 Aug 2026 ', 8, DIGITS],
      ['CF-RAY: ', 16, HEX],
      ['Age: ', 4, DIGITS],
      ['ETag: W/"', 8, HEX],
      ['__cf_bm=', 32, `${HEX}ABCDEFXYZ`],
    ]),
  ];
}

/** Builds the four corpora at about `targetBytes` each. */
export function corpora(targetBytes = 8 << 20): Corpus[] {
  const make = (name: string, description: string, response: Uint8Array, bodyBytes: number) => {
    const { buffer, count } = repeat(response, targetBytes);
    return {
      name,
      description,
      response,
      bodyBytes,
      buffer,
      count,
      statusSum: 200 * count,
      bodyTotal: bodyBytes * count,
    };
  };
  return [
    make('small', 'small pipelined, 7 fields, 13 B body', smallResponse(), 13),
    make('cdn', 'header-heavy, 20 fields, 1 KiB body', cdnResponse(), 1024),
    make('large', '64 KiB Content-Length body', largeResponse(), 65536),
    make('chunked', '64 KiB chunked as 16 x 4 KiB', chunkedResponse(), 65536),
  ];
}
