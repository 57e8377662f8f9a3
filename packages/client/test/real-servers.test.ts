// HTTPClient, driven with poll() and news() as an async loop drives it, against real servers —
// Debian's nginx (static files, ranges, ETags, gzip, TLS with an openssl-made CA, uploads to an
// upstream that hashes them, keep-alive counted from its access log), httpbin under gunicorn
// (chunked) and squid (HTTP and HTTPS proxy) — with the system curl as the reference. The client
// does not decode content codings or follow redirects, so curl runs without --compressed or -L.
import { randomBytes, randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { ErrorCode, Method, Status } from '@gdhttp/constants';
import {
  type CurlResult,
  curl,
  type HttpbinServer,
  headerValue,
  NGINX_FILE_SIZES,
  type NginxServer,
  type ProxyFixture,
  sha256Hex,
  startHttpbin,
  startNginx,
  startSquid,
  systemTools,
  type UploadReport,
} from '@gdhttp/testkit';
import { TLSOptions } from '@gdhttp/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTPClient } from '../src/index.js';
import { connect, drive, readBody } from './drive.js';

const nginxTools = systemTools('nginx', 'curl', 'openssl');
const squidTools = systemTools('squid');
const httpbinTools = systemTools('gunicorn', 'httpbin', 'curl');

const LARGE_MS = 60_000;
// The drive helpers' bound: far above a 64 MiB transfer on loopback, far below the test's.
const DRIVE_MS = 20_000;
const MiB = 1024 * 1024;
const sizeName = (size: number): string =>
  size >= MiB && size % MiB === 0 ? `${size / MiB} MiB` : `${size} B`;
const SIZES = NGINX_FILE_SIZES.map((size) => [sizeName(size), size] as const);
const UPLOAD_SIZES = [0, 16_383, 16_384, 16_385, MiB, 64 * MiB].map(
  (size) => [sizeName(size), size] as const,
);
const uploadBodies = new Map(UPLOAD_SIZES.map(([, size]) => [size, randomBytes(size)]));

/** Fields both clients must see alike: the representation and its framing. */
const SAME_FIELDS = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-range',
  'transfer-encoding',
  'etag',
  'last-modified',
];

/** One response as the client delivered it. */
interface Exchanged {
  readonly code: number;
  readonly headers: string[];
  readonly body: Uint8Array;
  readonly chunked: boolean;
  /** `getResponseBodyLength()`. */
  readonly length: number;
  /** The status once the head arrived: BODY when a body follows (or, for HEAD, its absence is read). */
  readonly afterHead: Status;
  /** The status once the body was read: CONNECTED when the connection can take the next request. */
  readonly afterBody: Status;
}

/** Sends one request on a connected client and reads its whole response. */
async function exchange(
  client: HTTPClient,
  method: Method,
  url: string,
  headers: readonly string[] = [],
  body?: Uint8Array,
): Promise<Exchanged> {
  const sent =
    body === undefined
      ? client.request(method, url, headers)
      : client.requestRaw(method, url, headers, body);
  expect(sent).toBe(ErrorCode.OK);
  await drive(client, (s) => s !== Status.REQUESTING, DRIVE_MS);
  const afterHead = client.getStatus();
  const head = {
    code: client.getResponseCode(),
    headers: client.getResponseHeaders(),
    chunked: client.isResponseChunked(),
    length: client.getResponseBodyLength(),
    afterHead,
  };
  const bytes = afterHead === Status.BODY ? await readBody(client, DRIVE_MS) : new Uint8Array(0);
  return { ...head, body: bytes, afterBody: client.getStatus() };
}

/** Connects a new client (TLS when `ca` is given) and makes one exchange. */
async function once(
  host: string,
  port: number,
  method: Method,
  url: string,
  options: {
    headers?: readonly string[];
    body?: Uint8Array;
    ca?: string;
    setup?: (client: HTTPClient) => void;
  } = {},
): Promise<Exchanged> {
  const client = new HTTPClient();
  options.setup?.(client);
  try {
    const tls = options.ca === undefined ? null : TLSOptions.client(options.ca);
    await connect(client, host, port, tls);
    expect(client.getStatus()).toBe(Status.CONNECTED);
    return await exchange(client, method, url, options.headers, options.body);
  } finally {
    client.close();
  }
}

const digest = (bytes: Uint8Array) => ({ bytes: bytes.length, sha256: sha256Hex(bytes) });
const fields = (lines: readonly string[]) =>
  Object.fromEntries(SAME_FIELDS.map((name) => [name, headerValue(lines, name)]));
const curlFields = (ref: CurlResult) =>
  Object.fromEntries(SAME_FIELDS.map((name) => [name, ref.header(name)]));

/** Checks the client got what curl got: status, fields, body. */
function expectSameAsCurl(mine: Exchanged, ref: CurlResult): void {
  expect(ref.exitCode, `curl failed: ${ref.stderr}`).toBe(0);
  expect(mine.code).toBe(ref.status);
  expect(fields(mine.headers)).toEqual(curlFields(ref));
  expect(digest(mine.body)).toEqual(digest(ref.body));
}

/** What the upload reporter behind nginx saw, from its JSON answer. */
function seen(bytes: Uint8Array): Pick<UploadReport, 'method' | 'bytes' | 'sha256'> {
  const report = JSON.parse(Buffer.from(bytes).toString()) as UploadReport;
  return { method: report.method, bytes: report.bytes, sha256: report.sha256 };
}

describe.skipIf(!nginxTools.shouldRun)(
  `HTTPClient and curl against nginx${nginxTools.skipNote}`,
  () => {
    let nginx: NginxServer;
    beforeAll(async () => {
      nginxTools.require();
      nginx = await startNginx();
    }, LARGE_MS);
    afterAll(async () => {
      await nginx?.close();
    });

    describe('downloads', () => {
      it.each(SIZES)(
        'GET a %s file over HTTP',
        async (_, size) => {
          const file = nginx.file(size);
          const ref = await curl([`${nginx.url}${file.path}`]);
          const mine = await once(nginx.host, nginx.port, Method.GET, file.path);
          expectSameAsCurl(mine, ref);
          expect(mine.length).toBe(size);
          expect(digest(mine.body).sha256).toBe(file.sha256);
        },
        LARGE_MS,
      );

      it.each(SIZES)(
        'GET a %s file over HTTPS, trusting the openssl-made CA',
        async (_, size) => {
          const file = nginx.file(size);
          const ref = await curl(['--cacert', nginx.caPath, `${nginx.tlsUrl}${file.path}`]);
          const mine = await once(nginx.host, nginx.tlsPort, Method.GET, file.path, {
            ca: nginx.ca,
          });
          expectSameAsCurl(mine, ref);
          expect(digest(mine.body).sha256).toBe(file.sha256);
        },
        LARGE_MS,
      );
    });

    describe('HEAD, ranges, conditional requests, codings', () => {
      it('HEAD: the fields, no body (length 0), and the connection is ready again', async () => {
        const path = nginx.file(MiB).path;
        const ref = await curl(['--head', `${nginx.url}${path}`]);
        const mine = await once(nginx.host, nginx.port, Method.HEAD, path);
        expectSameAsCurl(mine, ref);
        expect(mine.length).toBe(0);
        expect(mine.afterBody).toBe(Status.CONNECTED);
      });

      it.each(['bytes=0-99', 'bytes=-100', 'bytes=16383-', 'bytes=20000-'])(
        'Range: %s on a 16385 B file',
        async (range) => {
          const path = nginx.file(16_385).path;
          const ref = await curl(['-H', `Range: ${range}`, `${nginx.url}${path}`]);
          const mine = await once(nginx.host, nginx.port, Method.GET, path, {
            headers: [`Range: ${range}`],
          });
          expectSameAsCurl(mine, ref);
        },
      );

      it('If-None-Match with the current ETag: 304, no body, the connection ready again', async () => {
        const path = nginx.file(16_384).path;
        const etag = (await curl([`${nginx.url}${path}`])).header('etag')!;
        const ref = await curl(['-H', `If-None-Match: ${etag}`, `${nginx.url}${path}`]);
        const mine = await once(nginx.host, nginx.port, Method.GET, path, {
          headers: [`If-None-Match: ${etag}`],
        });
        expectSameAsCurl(mine, ref);
        expect(mine.code).toBe(304);
        expect(mine.afterBody).toBe(Status.CONNECTED);
      });

      it('Accept-Encoding: gzip: the gzipped bytes, chunked, as curl gets them undecoded', async () => {
        const headers = ['Accept-Encoding: gzip'];
        const ref = await curl(['-H', headers[0]!, `${nginx.url}${nginx.text.path}`]);
        const mine = await once(nginx.host, nginx.port, Method.GET, nginx.text.path, { headers });
        expectSameAsCurl(mine, ref);
        expect(mine.chunked).toBe(true);
        expect(sha256Hex(gunzipSync(mine.body))).toBe(nginx.text.sha256);
      });
    });

    describe('keep-alive', () => {
      it(
        'sequential requests of every kind share one connection (nginx $connection)',
        async () => {
          const marker = randomUUID();
          const etag = (await curl([`${nginx.url}/files/16384.bin`])).header('etag')!;
          const steps: [Method, string, string[]][] = [
            ...NGINX_FILE_SIZES.map((size): [Method, string, string[]] => [
              Method.GET,
              `/files/${size}.bin`,
              [],
            ]),
            [Method.HEAD, '/files/1048576.bin', []],
            [Method.GET, '/files/16385.bin', ['Range: bytes=100-199']],
            [Method.GET, '/files/16384.bin', [`If-None-Match: ${etag}`]],
            [Method.GET, '/files/missing.bin', []],
            [Method.GET, '/status/204', []],
            [Method.GET, '/text/lines.txt', ['Accept-Encoding: gzip']],
            [Method.POST, '/upload', ['Content-Type: application/octet-stream']],
            [Method.GET, '/files/0.bin', []],
          ];
          const client = new HTTPClient();
          try {
            await connect(client, nginx.host, nginx.port);
            for (const [method, path, headers] of steps) {
              const body = method === Method.POST ? uploadBodies.get(16_385) : undefined;
              const got = await exchange(client, method, `${path}?m=${marker}`, headers, body);
              expect(got.code, path).toBeGreaterThanOrEqual(200);
              expect(client.getStatus(), `after ${path}`).toBe(Status.CONNECTED);
            }
          } finally {
            client.close();
          }
          const entries = await nginx.logged(marker, steps.length);
          expect(new Set(entries.map((e) => e.connection)).size).toBe(1);
          expect(entries.map((e) => e.connectionRequests)).toEqual(entries.map((_, i) => i + 1));
        },
        LARGE_MS,
      );
    });

    describe('uploads (requestRaw)', () => {
      it.each(UPLOAD_SIZES)(
        'POST %s over HTTP: the upstream got every byte',
        async (_, size) => {
          const body = uploadBodies.get(size)!;
          const ref = await curl(
            ['-H', 'Content-Type: application/octet-stream', `${nginx.url}/upload?size=${size}`],
            { data: body },
          );
          const expected = { method: 'POST', bytes: size, sha256: sha256Hex(body) };
          expect(seen(ref.body)).toEqual(expected);
          const mine = await once(nginx.host, nginx.port, Method.POST, `/upload?size=${size}`, {
            headers: ['Content-Type: application/octet-stream'],
            body,
          });
          expect(mine.code).toBe(ref.status);
          expect(seen(mine.body)).toEqual(expected);
        },
        LARGE_MS,
      );

      it.each(UPLOAD_SIZES)(
        'POST %s over HTTPS: the upstream got every byte',
        async (_, size) => {
          const body = uploadBodies.get(size)!;
          const mine = await once(nginx.host, nginx.tlsPort, Method.POST, `/upload?size=${size}`, {
            headers: ['Content-Type: application/octet-stream'],
            body,
            ca: nginx.ca,
          });
          expect(mine.code).toBe(200);
          expect(seen(mine.body)).toEqual({ method: 'POST', bytes: size, sha256: sha256Hex(body) });
        },
        LARGE_MS,
      );
    });

    describe.skipIf(!squidTools.shouldRun)(`through squid${squidTools.skipNote}`, () => {
      let squid: ProxyFixture;
      beforeAll(async () => {
        squidTools.require();
        squid = await startSquid();
      }, LARGE_MS);
      afterAll(async () => {
        await squid?.close();
      });

      const viaHttpProxy = (client: HTTPClient) => client.setHttpProxy(squid.host, squid.port);
      const viaHttpsProxy = (client: HTTPClient) => client.setHttpsProxy(squid.host, squid.port);

      it.each([
        ['1 MiB', MiB],
        ['64 MiB', 64 * MiB],
      ])(
        'GET a %s file through an HTTP proxy (absolute-form)',
        async (_, size) => {
          const file = nginx.file(size);
          const ref = await curl([
            '-x',
            `http://${squid.host}:${squid.port}`,
            `${nginx.url}${file.path}`,
          ]);
          const mine = await once(nginx.host, nginx.port, Method.GET, file.path, {
            setup: viaHttpProxy,
          });
          expectSameAsCurl(mine, ref);
        },
        LARGE_MS,
      );

      it.each([
        ['1 MiB', MiB],
        ['64 MiB', 64 * MiB],
      ])(
        'GET a %s file through an HTTPS proxy (CONNECT)',
        async (_, size) => {
          const file = nginx.file(size);
          const ref = await curl([
            '-x',
            `http://${squid.host}:${squid.port}`,
            '--cacert',
            nginx.caPath,
            `${nginx.tlsUrl}${file.path}`,
          ]);
          const mine = await once(nginx.host, nginx.tlsPort, Method.GET, file.path, {
            ca: nginx.ca,
            setup: viaHttpsProxy,
          });
          expectSameAsCurl(mine, ref);
        },
        LARGE_MS,
      );

      it.each([
        ['16385 B', 16_385, false],
        ['64 MiB', 64 * MiB, false],
        ['16385 B', 16_385, true],
        ['64 MiB', 64 * MiB, true],
      ])(
        'POST %s through squid (TLS tunnel: %s)',
        async (_, size, tls) => {
          const body = uploadBodies.get(size)!;
          const mine = await once(
            nginx.host,
            tls ? nginx.tlsPort : nginx.port,
            Method.POST,
            `/upload?size=${size}`,
            {
              headers: ['Content-Type: application/octet-stream'],
              body,
              ...(tls ? { ca: nginx.ca, setup: viaHttpsProxy } : { setup: viaHttpProxy }),
            },
          );
          expect(mine.code).toBe(200);
          expect(seen(mine.body)).toEqual({ method: 'POST', bytes: size, sha256: sha256Hex(body) });
        },
        LARGE_MS,
      );
    });
  },
);

describe.skipIf(!httpbinTools.shouldRun)(
  `HTTPClient and curl against httpbin (gunicorn)${httpbinTools.skipNote}`,
  () => {
    let httpbin: HttpbinServer;
    beforeAll(async () => {
      httpbinTools.require();
      httpbin = await startHttpbin();
    }, LARGE_MS);
    afterAll(async () => {
      await httpbin?.close();
    });

    it.each([
      [1, 1],
      [16_385, 16_384],
      [100_000, 1000],
      [102_400, 65_536],
    ])('/stream-bytes/%i in chunks of %i: chunked, the same bytes as curl', async (n, chunk) => {
      const path = `/stream-bytes/${n}?chunk_size=${chunk}&seed=11`;
      const ref = await curl([`${httpbin.url}${path}`]);
      const mine = await once(httpbin.host, httpbin.port, Method.GET, path);
      expectSameAsCurl(mine, ref);
      expect(mine.chunked).toBe(true);
      expect(mine.length).toBe(-1);
    });

    it('/stream/50: fifty JSON lines, chunked', async () => {
      const mine = await once(httpbin.host, httpbin.port, Method.GET, '/stream/50');
      expect(mine.chunked).toBe(true);
      const lines = Buffer.from(mine.body).toString().trimEnd().split('\n');
      expect(lines.map((line) => (JSON.parse(line) as { id: number }).id)).toEqual(
        lines.map((_, i) => i),
      );
      expect(lines).toHaveLength(50);
    });

    it('/gzip: the coded bytes as sent (the client does not decode)', async () => {
      const mine = await once(httpbin.host, httpbin.port, Method.GET, '/gzip');
      expect(mine.code).toBe(200);
      expect(headerValue(mine.headers, 'content-encoding')).toBe('gzip');
      expect(mine.length).toBe(mine.body.length);
      expect(JSON.parse(gunzipSync(mine.body).toString())).toMatchObject({ gzipped: true });
    });
  },
);
