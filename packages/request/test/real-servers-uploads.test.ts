// HTTPRequest uploads to Debian's nginx — directly, over TLS, through squid as an HTTP proxy and
// as an HTTPS proxy (CONNECT) — with the system curl as the reference: for each body size the
// upstream behind nginx must see the same method, byte count and SHA-256 from both. Sizes sit
// around 16 KiB (a TLS record, a typical socket write) and go up to 64 MiB. The cases run
// concurrently where the server allows (each is bounded by HTTPRequest's timeout, and on
// loopback a 64 MiB upload takes about a second, so a hang costs its timeout once, not per case).
import { randomBytes } from 'node:crypto';
import { Method, nameOf, Result } from '@gdhttp/constants';
import {
  type NginxServer,
  type ProxyFixture,
  sha256Hex,
  startNginx,
  startSquid,
  systemTools,
  type UploadReport,
} from '@gdhttp/testkit';
import { afterAll, beforeAll, describe, type ExpectStatic, it } from 'vitest';
import {
  type Call,
  compare,
  type ProxyAddress,
  sizeName,
  type TrustedCa,
} from './real-servers-compare.js';

const nginxTools = systemTools('nginx', 'curl', 'openssl');
const squidTools = systemTools('squid');

const UPLOAD_SIZES = [0, 16_383, 16_384, 16_385, 1024 * 1024, 64 * 1024 * 1024];
const LARGE_MS = 60_000;
// One random body per size, shared by every case (the largest is 64 MiB).
const bodies = new Map(UPLOAD_SIZES.map((size) => [size, randomBytes(size)]));
const digests = new Map([...bodies].map(([size, bytes]) => [size, sha256Hex(bytes)]));

/** HTTPRequest's timeout for a body: generous on loopback, short enough that a hang ends. */
const timeoutFor = (size: number): number => (size > 1024 * 1024 ? 20 : 5);

interface Transport {
  readonly name: string;
  /** For the query string, so nginx's access log tells the cases apart. */
  readonly slug: string;
  readonly tls: boolean;
  /** Through squid: the cases run in the squid suite, which passes the proxy. */
  readonly proxied: boolean;
}

const TRANSPORTS: readonly Transport[] = [
  { name: 'HTTP', slug: 'http', tls: false, proxied: false },
  { name: 'HTTPS', slug: 'https', tls: true, proxied: false },
  { name: 'an HTTP proxy (squid, absolute-form)', slug: 'http-proxy', tls: false, proxied: true },
  { name: 'an HTTPS proxy (squid, CONNECT)', slug: 'https-proxy', tls: true, proxied: true },
];

const cases = (proxied: boolean) =>
  TRANSPORTS.filter((t) => t.proxied === proxied).flatMap((transport) =>
    UPLOAD_SIZES.map((size) => [sizeName(size), transport.name, size, transport] as const),
  );

describe.skipIf(!nginxTools.shouldRun)(
  `HTTPRequest and curl upload to nginx${nginxTools.skipNote}`,
  () => {
    let nginx: NginxServer;
    let ca: TrustedCa;
    beforeAll(async () => {
      nginxTools.require();
      nginx = await startNginx({ fileSizes: [] });
      ca = { pem: nginx.ca, path: nginx.caPath };
    }, LARGE_MS);
    afterAll(async () => {
      await nginx?.close();
    });

    const upload = async (
      expect: ExpectStatic,
      size: number,
      transport: Transport,
      proxy?: ProxyAddress,
    ): Promise<void> => {
      const body = bodies.get(size)!;
      const base = transport.tls ? nginx.tlsUrl : nginx.url;
      const call: Call = {
        method: Method.POST,
        headers: ['Content-Type: application/octet-stream'],
        body,
        timeout: timeoutFor(size),
        ...(transport.tls ? { ca } : {}),
        ...(proxy === undefined ? {} : { proxy }),
      };
      const got = await compare(`${base}/upload?size=${size}&via=${transport.slug}`, call);
      const seen = (bytes: Uint8Array) => {
        const report = JSON.parse(Buffer.from(bytes).toString()) as UploadReport;
        return { method: report.method, bytes: report.bytes, sha256: report.sha256 };
      };
      const expected = { method: 'POST', bytes: size, sha256: digests.get(size)! };
      // The reference first: curl's upload arrived whole.
      expect(got.ref.status).toBe(200);
      expect(seen(got.ref.body)).toEqual(expected);
      expect(nameOf(Result, got.mine.result)).toBe('SUCCESS');
      expect(got.mine.responseCode).toBe(got.ref.status);
      expect(seen(got.mine.body)).toEqual(expected);
    };

    // Concurrent tests must use their context's expect, so a failure is reported on its own test.
    describe('directly', { concurrent: true }, () => {
      it.for(cases(false))(
        'POST %s over %s',
        { timeout: LARGE_MS },
        async ([, , size, transport], { expect }) => {
          await upload(expect, size, transport);
        },
      );
    });

    // One at a time, as a user's uploads through one proxy would go. (Squid 5.7 drops an upload
    // that fills its request buffer, bug 5405: startSquid() sets that buffer past any test size.)
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

      it.for(cases(true))(
        'POST %s through %s',
        { timeout: LARGE_MS },
        async ([, , size, transport], { expect }) => {
          await upload(expect, size, transport, proxy);
        },
      );
    });
  },
);
