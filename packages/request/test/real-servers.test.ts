// HTTPRequest against real servers — Debian's nginx (static files, gzip, ranges, ETags,
// redirects, TLS with an openssl-made CA, keep-alive counted from its access log), httpbin under
// gunicorn (chunked, gzip/deflate/br, redirect chains, 304) and squid (HTTP and HTTPS proxy) —
// with the system curl as the reference: the same request through both must get the same
// status, representation fields, body bytes, redirect count and final URL. Uploads are in
// real-servers-uploads.test.ts.
import { randomUUID } from 'node:crypto';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { Method, nameOf, Result } from '@gdhttp/constants';
import {
  curl,
  curlEach,
  type HttpbinServer,
  headerValue,
  NGINX_FILE_SIZES,
  type NginxServer,
  type ProxyFixture,
  startHttpbin,
  startNginx,
  startSquid,
  systemTools,
} from '@gdhttp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Call,
  compare,
  curlArgs,
  digest,
  expectRedirectsAsCurl,
  expectSameAsCurl,
  newHttpRequest,
  type ProxyAddress,
  sizeName,
  type TrustedCa,
  viaHttpRequest,
} from './real-servers-compare.js';

const nginxTools = systemTools('nginx', 'curl', 'openssl');
const squidTools = systemTools('squid');
const httpbinTools = systemTools('gunicorn', 'httpbin', 'curl');

const SIZES = NGINX_FILE_SIZES.map((size) => [sizeName(size), size] as const);
const LARGE_MS = 60_000;
// An explicit type: curl would otherwise label the body a form, which httpbin then parses.
const POST_HELLO: Call = {
  method: Method.POST,
  headers: ['Content-Type: application/octet-stream'],
  body: Buffer.from('hello'),
};
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

describe.skipIf(!nginxTools.shouldRun)(
  `HTTPRequest and curl against nginx${nginxTools.skipNote}`,
  () => {
    let nginx: NginxServer;
    let ca: TrustedCa;
    beforeAll(async () => {
      nginxTools.require();
      nginx = await startNginx();
      ca = { pem: nginx.ca, path: nginx.caPath };
    }, LARGE_MS);
    afterAll(async () => {
      await nginx?.close();
    });

    describe('downloads', () => {
      it.each(SIZES)(
        'GET a %s file over HTTP',
        async (_, size) => {
          const file = nginx.file(size);
          const got = await compare(`${nginx.url}${file.path}`);
          expectSameAsCurl(got);
          expect(digest(got.mine.body)).toEqual({ bytes: size, sha256: file.sha256 });
          expect(headerValue(got.mine.headers, 'content-length')).toBe(String(size));
        },
        LARGE_MS,
      );

      it.each(SIZES)(
        'GET a %s file over HTTPS, trusting the openssl-made CA',
        async (_, size) => {
          const file = nginx.file(size);
          const got = await compare(`${nginx.tlsUrl}${file.path}`, { ca });
          expectSameAsCurl(got);
          expect(digest(got.mine.body)).toEqual({ bytes: size, sha256: file.sha256 });
        },
        LARGE_MS,
      );

      it('GET a missing file: the same 404 page', async () => {
        const got = await compare(`${nginx.url}/files/missing.bin`);
        expectSameAsCurl(got);
        expect(got.mine.responseCode).toBe(404);
      });

      it('GET a 204: no body, no length', async () => {
        const got = await compare(`${nginx.url}/status/204`);
        expectSameAsCurl(got);
        expect(got.mine.responseCode).toBe(204);
      });
    });

    describe('HEAD, ranges and conditional requests', () => {
      it('HEAD: the GET fields with no body', async () => {
        const file = nginx.file(1024 * 1024);
        const got = await compare(`${nginx.url}${file.path}`, { method: Method.HEAD });
        expectSameAsCurl(got);
        expect(got.mine.body.length).toBe(0);
        expect(headerValue(got.mine.headers, 'content-length')).toBe(String(file.size));
      });

      it.each([
        ['bytes=0-99', 206],
        ['bytes=-100', 206],
        ['bytes=16383-', 206],
        ['bytes=100-199', 206],
        ['bytes=0-0,-1', 206],
        ['bytes=20000-', 416],
      ])('Range: %s on a 16385 B file → %i, as curl', async (range, status) => {
        const file = nginx.file(16_385);
        const got = await compare(`${nginx.url}${file.path}`, { headers: [`Range: ${range}`] });
        // A multipart/byteranges boundary is new in every response: compare the parts' shape.
        if (range.includes(',')) {
          expect(nameOf(Result, got.mine.result)).toBe('SUCCESS');
          expect(got.mine.responseCode).toBe(got.ref.status);
          expect(headerValue(got.mine.headers, 'content-type')).toMatch(/^multipart\/byteranges/);
          expect(got.mine.body.length).toBe(got.ref.body.length);
          return;
        }
        expectSameAsCurl(got);
        expect(got.mine.responseCode).toBe(status);
      });

      it('If-None-Match with the current ETag: 304, no body; another ETag: 200', async () => {
        const file = nginx.file(16_384);
        const url = `${nginx.url}${file.path}`;
        const etag = (await curl([url])).header('etag')!;
        expect(etag).toMatch(/^"/);
        const same = await compare(url, { headers: [`If-None-Match: ${etag}`] });
        expectSameAsCurl(same);
        expect(same.mine.responseCode).toBe(304);
        const other = await compare(url, { headers: ['If-None-Match: "other"'] });
        expectSameAsCurl(other);
        expect(digest(other.mine.body).sha256).toBe(file.sha256);
      });

      it('If-Modified-Since with the Last-Modified date: 304', async () => {
        const url = `${nginx.url}${nginx.file(1024 * 1024).path}`;
        const modified = (await curl([url, '--head'])).header('last-modified')!;
        const got = await compare(url, { headers: [`If-Modified-Since: ${modified}`] });
        expectSameAsCurl(got);
        expect(got.mine.responseCode).toBe(304);
      });
    });

    describe('compression', () => {
      it('text/plain gzipped on the fly (chunked) is decoded to the file, as curl --compressed', async () => {
        const got = await compare(`${nginx.url}${nginx.text.path}`);
        expectSameAsCurl(got);
        expect(headerValue(got.mine.headers, 'content-encoding')).toBe('gzip');
        expect(digest(got.mine.body).sha256).toBe(nginx.text.sha256);
      });

      it('with acceptGzip off nothing is asked for, and the file comes as is', async () => {
        const got = await compare(`${nginx.url}${nginx.text.path}`, { acceptGzip: false });
        expectSameAsCurl(got);
        expect(headerValue(got.mine.headers, 'content-encoding')).toBeUndefined();
        expect(headerValue(got.mine.headers, 'content-length')).toBe(String(nginx.text.size));
      });

      it('HEAD of a gzipped resource: its fields, no body', async () => {
        const got = await compare(`${nginx.url}${nginx.text.path}`, { method: Method.HEAD });
        expectSameAsCurl(got);
        expect(got.mine.body.length).toBe(0);
      });
    });

    describe('redirects', () => {
      it.each([301, 302, 303, 307, 308])('GET through a %i', async (code) => {
        const got = await compare(`${nginx.url}/redirect/${code}/files/16385.bin?q=1`);
        expectSameAsCurl(got);
        expectRedirectsAsCurl(got);
        expect(got.ref.urlEffective).toBe(`${nginx.url}/files/16385.bin?q=1`);
      });

      it('a chain of five (301, 302, 303, 307, 308)', async () => {
        const got = await compare(
          `${nginx.url}/redirect/301/redirect/302/redirect/303/redirect/307/redirect/308/files/0.bin`,
        );
        expectSameAsCurl(got);
        expectRedirectsAsCurl(got);
        expect(got.ref.numRedirects).toBe(5);
      });

      it('from http:// to https:// (the new origin needs the CA)', async () => {
        const got = await compare(`${nginx.url}/to-https/files/1048576.bin`, { ca });
        expectSameAsCurl(got);
        expectRedirectsAsCurl(got);
        expect(got.ref.urlEffective).toBe(`${nginx.tlsUrl}/files/1048576.bin`);
      });

      it('maxRedirects 2 on a chain of three: the third 3xx, REDIRECT_LIMIT_REACHED (curl: exit 47)', async () => {
        const url = `${nginx.url}/redirect/301/redirect/302/redirect/307/files/0.bin`;
        const ref = await curl(curlArgs(url, { maxRedirects: 2 }));
        expect(ref.exitCode).toBe(47);
        const { mine, redirects } = await viaHttpRequest(url, { maxRedirects: 2 });
        expect(nameOf(Result, mine.result)).toBe('REDIRECT_LIMIT_REACHED');
        expect(mine.responseCode).toBe(ref.status);
        expect(headerValue(mine.headers, 'location')).toBe(ref.header('location'));
        expectRedirectsAsCurl({ redirects, ref });
      });

      it.each([
        [301, 'GET', 0],
        [302, 'GET', 0],
        [303, 'GET', 0],
        [307, 'POST', 5],
        [308, 'POST', 5],
      ])(
        'POST through a %i arrives as %s with %i body bytes, as with curl',
        async (code, method, bytes) => {
          const got = await compare(`${nginx.url}/redirect/${code}/upload`, POST_HELLO);
          // The bodies echo each client's own request fields: compare what the server saw.
          expect(nameOf(Result, got.mine.result)).toBe('SUCCESS');
          expect(got.mine.responseCode).toBe(got.ref.status);
          expectRedirectsAsCurl(got);
          const mine = JSON.parse(text(got.mine.body)) as { method: string; bytes: number };
          const ref = JSON.parse(got.ref.body.toString()) as { method: string; bytes: number };
          expect({ method: mine.method, bytes: mine.bytes }).toEqual({
            method: ref.method,
            bytes: ref.bytes,
          });
          expect(mine).toMatchObject({ method, bytes });
        },
      );
    });

    describe('keep-alive', () => {
      const kinds = (marker: string): string[] => [
        ...NGINX_FILE_SIZES.filter((size) => size <= 1024 * 1024).map(
          (size) => `/files/${size}.bin?m=${marker}`,
        ),
        `/text/lines.txt?m=${marker}`,
        `/status/204?m=${marker}`,
        `/files/missing.bin?m=${marker}`,
        `/files/16384.bin?m=${marker}`,
      ];

      it.each([
        ['HTTP', false],
        ['HTTPS', true],
      ])(
        'sequential GETs over %s share one connection, as with curl (nginx $connection)',
        async (_, tls) => {
          const base = tls ? nginx.tlsUrl : nginx.url;
          const reference = randomUUID();
          const transfers = await curlEach(
            kinds(reference).map((path) => `${base}${path}`),
            ['--compressed', ...(tls ? ['--cacert', nginx.caPath] : [])],
          );
          // The reference: curl opened one connection and reused it for every later transfer.
          expect(transfers.map((t) => t.numConnects)).toEqual(
            transfers.map((_, i) => (i === 0 ? 1 : 0)),
          );

          const marker = randomUUID();
          const http = newHttpRequest(tls ? { ca } : {});
          try {
            for (const path of kinds(marker)) {
              const { mine } = await viaHttpRequest(`${base}${path}`, { http });
              expect(nameOf(Result, mine.result), path).toBe('SUCCESS');
            }
          } finally {
            http.close();
          }
          const entries = await nginx.logged(marker, kinds(marker).length);
          expect(new Set(entries.map((e) => e.connection)).size).toBe(1);
          expect(entries.map((e) => e.connectionRequests)).toEqual(entries.map((_, i) => i + 1));
        },
      );

      it(
        'HEAD, 206, 304, 404, 204, a gzipped body and a 64 MiB body leave the connection reusable',
        async () => {
          const marker = randomUUID();
          const etag = (await curl([`${nginx.url}/files/16384.bin`])).header('etag')!;
          const steps: [string, Call][] = [
            [`/files/1048576.bin?m=${marker}`, { method: Method.HEAD }],
            [`/files/16385.bin?m=${marker}`, { headers: ['Range: bytes=100-199'] }],
            [`/files/16384.bin?m=${marker}`, { headers: [`If-None-Match: ${etag}`] }],
            [`/files/missing.bin?m=${marker}`, {}],
            [`/status/204?m=${marker}`, {}],
            [`/text/lines.txt?m=${marker}`, {}],
            [`/text/lines.txt?m=${marker}`, { method: Method.HEAD }],
            [`/files/67108864.bin?m=${marker}`, {}],
            [`/files/0.bin?m=${marker}`, {}],
          ];
          const http = newHttpRequest();
          try {
            for (const [path, call] of steps) {
              const { mine } = await viaHttpRequest(`${nginx.url}${path}`, { ...call, http });
              expect(nameOf(Result, mine.result), path).toBe('SUCCESS');
            }
          } finally {
            http.close();
          }
          const entries = await nginx.logged(marker, steps.length);
          expect(entries.map((e) => e.status)).toEqual([
            200, 206, 304, 404, 204, 200, 200, 200, 200,
          ]);
          expect(new Set(entries.map((e) => e.connection)).size).toBe(1);
        },
        LARGE_MS,
      );

      it('a same-origin redirect chain is followed on one connection, as curl does', async () => {
        const marker = randomUUID();
        const url = `${nginx.url}/redirect/301/redirect/302/redirect/307/files/16385.bin?m=${marker}`;
        const ref = await curl(curlArgs(url));
        expect(ref.numConnects).toBe(1);
        const { mine } = await viaHttpRequest(url);
        expect(nameOf(Result, mine.result)).toBe('SUCCESS');
        const entries = (await nginx.logged(marker, 8)).slice(4);
        expect(entries.map((e) => e.status)).toEqual([301, 302, 307, 200]);
        expect(new Set(entries.map((e) => e.connection)).size).toBe(1);
      });
    });

    describe.skipIf(!squidTools.shouldRun)(`through squid${squidTools.skipNote}`, () => {
      let squid: ProxyFixture;
      let proxy: ProxyAddress;
      beforeAll(async () => {
        squidTools.require();
        squid = await startSquid();
        proxy = { host: squid.host, port: squid.port };
      }, LARGE_MS);
      afterAll(async () => {
        await squid?.close();
      });

      it.each(SIZES)(
        'GET a %s file through an HTTP proxy (absolute-form)',
        async (_, size) => {
          const file = nginx.file(size);
          const got = await compare(`${nginx.url}${file.path}`, { proxy });
          expectSameAsCurl(got);
          expect(digest(got.mine.body).sha256).toBe(file.sha256);
        },
        LARGE_MS,
      );

      it.each(SIZES)(
        'GET a %s file through an HTTPS proxy (CONNECT)',
        async (_, size) => {
          const file = nginx.file(size);
          const got = await compare(`${nginx.tlsUrl}${file.path}`, { proxy, ca });
          expectSameAsCurl(got);
          expect(digest(got.mine.body).sha256).toBe(file.sha256);
        },
        LARGE_MS,
      );

      it('a gzipped body through the HTTP proxy', async () => {
        const got = await compare(`${nginx.url}${nginx.text.path}`, { proxy });
        expectSameAsCurl(got);
        expect(digest(got.mine.body).sha256).toBe(nginx.text.sha256);
      });

      it('an http:// → https:// redirect: first hop through the HTTP proxy, then a tunnel', async () => {
        const got = await compare(`${nginx.url}/to-https/files/16385.bin`, { proxy, ca });
        expectSameAsCurl(got);
        expectRedirectsAsCurl(got);
      });
    });
  },
);

describe.skipIf(!httpbinTools.shouldRun)(
  `HTTPRequest and curl against httpbin (gunicorn)${httpbinTools.skipNote}`,
  () => {
    let httpbin: HttpbinServer;
    beforeAll(async () => {
      httpbinTools.require();
      httpbin = await startHttpbin();
    }, LARGE_MS);
    afterAll(async () => {
      await httpbin?.close();
    });

    /** httpbin's JSON without `headers`, which echo each client's own request fields. */
    const echoed = (body: Uint8Array): Record<string, unknown> => {
      const { headers: _, ...rest } = JSON.parse(text(body)) as Record<string, unknown>;
      return rest;
    };

    describe('chunked responses', () => {
      it.each([
        [1, 1],
        [16_385, 16_384],
        [100_000, 1000],
        [102_400, 65_536],
      ])('/stream-bytes/%i in chunks of %i: the same bytes as curl', async (n, chunk) => {
        const got = await compare(`${httpbin.url}/stream-bytes/${n}?chunk_size=${chunk}&seed=7`);
        expectSameAsCurl(got);
        expect(headerValue(got.mine.headers, 'transfer-encoding')).toBe('chunked');
        expect(got.mine.body.length).toBe(n);
      });

      it.each([1, 20, 100])(
        '/stream/%i: as many JSON lines as curl, alike but for the headers',
        async (n) => {
          const got = await compare(`${httpbin.url}/stream/${n}`);
          expect(nameOf(Result, got.mine.result)).toBe('SUCCESS');
          expect(got.mine.responseCode).toBe(got.ref.status);
          const lines = (bytes: Uint8Array) =>
            text(bytes)
              .trimEnd()
              .split('\n')
              .map((line) => echoed(Buffer.from(line)));
          expect(lines(got.mine.body)).toEqual(lines(got.ref.body));
          expect(lines(got.mine.body)).toHaveLength(n);
        },
      );
    });

    describe('content codings', () => {
      it.each([
        ['gzip', 'gzip', 'gzipped'],
        ['deflate', 'deflate', 'deflated'],
        ['brotli', 'br', 'brotli'],
      ])(
        '/%s: Content-Encoding %s, decoded as curl --compressed decodes it',
        async (path, coding, flag) => {
          const got = await compare(`${httpbin.url}/${path}`);
          expect(nameOf(Result, got.mine.result)).toBe('SUCCESS');
          expect(headerValue(got.mine.headers, 'content-encoding')).toBe(coding);
          expect(got.ref.header('content-encoding')).toBe(coding);
          expect(echoed(got.mine.body)).toEqual(echoed(got.ref.body));
          expect(echoed(got.mine.body)[flag]).toBe(true);
        },
      );

      it.each([
        ['gzip', gunzipSync],
        ['deflate', inflateSync],
        ['brotli', brotliDecompressSync],
      ] as const)('/%s with acceptGzip off: the coded bytes as sent', async (path, decode) => {
        const got = await compare(`${httpbin.url}/${path}`, { acceptGzip: false });
        expect(nameOf(Result, got.mine.result)).toBe('SUCCESS');
        expect(headerValue(got.mine.headers, 'content-encoding')).toBe(
          got.ref.header('content-encoding'),
        );
        expect(headerValue(got.mine.headers, 'content-length')).toBe(String(got.mine.body.length));
        expect(echoed(decode(got.mine.body))).toEqual(echoed(decode(got.ref.body)));
      });
    });

    describe('redirects', () => {
      it.each([
        '/redirect/3',
        '/relative-redirect/3',
        '/absolute-redirect/3',
        '/redirect-to?url=%2Fget%3Fa%3D1&status_code=307',
        '/redirect-to?url=%2Fget&status_code=308',
        '/redirect-to?url=%2F%2F127.0.0.1%3APORT%2Fget&status_code=301',
      ])('GET %s: redirect count and final URL as curl', async (path) => {
        const got = await compare(`${httpbin.url}${path.replace('PORT', String(httpbin.port))}`);
        expect(nameOf(Result, got.mine.result)).toBe('SUCCESS');
        expect(got.mine.responseCode).toBe(got.ref.status);
        expectRedirectsAsCurl(got);
        expect(echoed(got.mine.body)).toEqual(echoed(got.ref.body));
      });

      it.each([
        [302, 'GET', ''],
        [303, 'GET', ''],
        [307, 'POST', 'hello'],
        [308, 'POST', 'hello'],
      ])(
        'POST through /redirect-to with %i reaches /anything as %s',
        async (code, method, data) => {
          const got = await compare(
            `${httpbin.url}/redirect-to?url=%2Fanything&status_code=${code}`,
            POST_HELLO,
          );
          expect(nameOf(Result, got.mine.result)).toBe('SUCCESS');
          expectRedirectsAsCurl(got);
          const mine = echoed(got.mine.body);
          expect({ method: mine.method, data: mine.data }).toEqual({ method, data });
          const ref = echoed(got.ref.body);
          expect({ method: mine.method, data: mine.data }).toEqual({
            method: ref.method,
            data: ref.data,
          });
        },
      );
    });

    describe('other responses', () => {
      it('/etag/abc with If-None-Match: "abc" → 304 with the ETag; "xyz" → 200', async () => {
        const hit = await compare(`${httpbin.url}/etag/abc`, { headers: ['If-None-Match: "abc"'] });
        expectSameAsCurl(hit);
        expect(hit.mine.responseCode).toBe(304);
        const miss = await compare(`${httpbin.url}/etag/abc`, {
          headers: ['If-None-Match: "xyz"'],
        });
        expect(miss.mine.responseCode).toBe(200);
        expect(headerValue(miss.mine.headers, 'etag')).toBe(miss.ref.header('etag'));
      });

      it('/range/1024 with Range: bytes=10-19 → the same 206 as curl', async () => {
        const got = await compare(`${httpbin.url}/range/1024`, { headers: ['Range: bytes=10-19'] });
        expectSameAsCurl(got);
        expect(got.mine.responseCode).toBe(206);
      });

      it('/bytes/16385?seed=3: a Content-Length body, the same bytes as curl', async () => {
        const got = await compare(`${httpbin.url}/bytes/16385?seed=3`);
        expectSameAsCurl(got);
        expect(got.mine.body.length).toBe(16_385);
      });

      it('HEAD /bytes/1000?seed=1: the fields, no body', async () => {
        const got = await compare(`${httpbin.url}/bytes/1000?seed=1`, { method: Method.HEAD });
        expectSameAsCurl(got);
        expect(got.mine.body.length).toBe(0);
      });

      it('/response-headers with a field twice: both values, in order, as curl', async () => {
        const got = await compare(`${httpbin.url}/response-headers?X-Dup=one&X-Dup=two`);
        expect(nameOf(Result, got.mine.result)).toBe('SUCCESS');
        expect(headerValue(got.mine.headers, 'x-dup')).toBe(got.ref.header('x-dup'));
        expect(headerValue(got.mine.headers, 'x-dup')).toBe('one, two');
      });

      it.each([204, 418, 500])('/status/%i: the same status and body as curl', async (code) => {
        const got = await compare(`${httpbin.url}/status/${code}`);
        expectSameAsCurl(got);
        expect(got.mine.responseCode).toBe(code);
      });

      it('/drip: a body trickling in over half a second', async () => {
        const got = await compare(`${httpbin.url}/drip?duration=0.5&numbytes=20&delay=0&code=200`);
        expectSameAsCurl(got);
        expect(got.mine.body.length).toBe(20);
      });
    });
  },
);
