// The web HTTPClient's streamed request bodies in a real browser: Debian's chromium
// (playwright-core, launched once for the file, trusting the test kit's certificate with
// --ignore-certificate-errors) runs test/browser/upload-scenario.ts against a node:http2 server on 127.0.0.1 (HTTP/1.1 allowed)
// and an HTTP/1.1-only TLS server, cross-origin from the page. The servers report the bytes they
// received. Decision 0020 says what the platform allows and what these check.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import {
  openTestPage,
  type Page,
  type ServedPage,
  servePage,
  sha256Hex,
  startUploadH2Server,
  systemTools,
  type TestPage,
  type UploadH2Server,
} from '@gdhttp/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UploadTestApi } from './browser/upload-page.ts';
import type { UploadResult, UploadSpec } from './browser/upload-scenario.ts';

const tools = systemTools('chromium');
const MIB = 1024 * 1024;
/** Generous: an upload takes well under a second; the deadline only turns a hang into a failure. */
const DEADLINE_MS = 15_000;
const COMPLETED = ['DISCONNECTED', 'CONNECTING', 'CONNECTED', 'REQUESTING', 'BODY', 'DISCONNECTED'];

/** The README's streamed-body example (Web build section), as a page module. */
function readmeExample(): string {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('### Streamed request bodies in a browser'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return `${code}\n(globalThis as unknown as Record<string, unknown>).readmeExample = putPieces;\n`;
}

function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = i & 0xff;
  return bytes;
}

describe.skipIf(!tools.shouldRun)(
  `HTTPClient streamed uploads in Chromium${tools.skipNote}`,
  () => {
    let opened: TestPage | undefined;
    let server: UploadH2Server | undefined;
    let page: Page;
    // A set-up failure fails every test with its reason (vitest would report them as skipped).
    let setupError: unknown = null;

    beforeAll(async () => {
      try {
        tools.require();
        [opened, server] = await Promise.all([
          openTestPage({
            entry: new URL('./browser/upload-page.ts', import.meta.url).pathname,
            title: 'gdhttp HTTPClient streamed uploads',
            ready: 'gdhttpUploadTest',
            launch: { args: ['--ignore-certificate-errors'] },
          }),
          startUploadH2Server(),
        ]);
        page = opened.page;
      } catch (error) {
        setupError = error;
      }
    }, 60_000);

    beforeEach(() => {
      if (setupError !== null) throw setupError;
    });

    afterAll(async () => {
      await Promise.all([opened?.close(), server?.close()]);
    });

    async function upload(
      spec: Omit<UploadSpec, 'host' | 'deadlineMs' | 'port'> & { http1?: boolean },
    ): Promise<UploadResult> {
      const full: UploadSpec = {
        host: 'https://127.0.0.1',
        port: spec.http1 === true ? server!.http1Port : server!.port,
        deadlineMs: DEADLINE_MS,
        ...spec,
      };
      try {
        const result = await page.evaluate(
          (s) =>
            (globalThis as unknown as { gdhttpUploadTest: UploadTestApi }).gdhttpUploadTest.run(s),
          full,
        );
        expect(result.timedOut, `timed out: ${JSON.stringify(result)}`).toBe(false);
        return result;
      } catch (error) {
        throw new Error(
          `${(error as Error).message}\npage log:\n${opened!.chromium.log().join('\n')}`,
        );
      }
    }

    it("the README's example runs as written: HTTP/2 takes the pieces, HTTP/1.1 fails with the reason", async () => {
      const entry = new URL(`./browser/.readme-stream-${process.pid}.ts`, import.meta.url).pathname;
      const example = readmeExample();
      expect(example).toContain('client.requestStream(Method.PUT');
      writeFileSync(entry, example);
      let served: ServedPage | undefined;
      try {
        served = await servePage({ entry, title: 'README example' });
        const readmePage = await opened!.chromium.newPage();
        await readmePage.goto(served.url);
        await readmePage.waitForFunction(() => 'readmeExample' in globalThis, null, {
          timeout: 10_000,
        });
        const run = (port: number) =>
          readmePage.evaluate(async (p) => {
            async function* pieces() {
              for (let i = 0; i < 8; i++) yield new Uint8Array(32 * 1024).fill(i);
            }
            const example = (
              globalThis as unknown as {
                readmeExample: (
                  host: string,
                  port: number,
                  pieces: AsyncIterable<Uint8Array>,
                ) => Promise<string>;
              }
            ).readmeExample;
            return example('127.0.0.1', p, pieces());
          }, port);
        const before = server!.uploads.length;
        expect(await run(server!.port)).toBe('200 after 262144 bytes');
        expect(await run(server!.http1Port)).toMatch(
          /^failed after 0 bytes: network error, CORS refusal, or a connection below HTTP\/2/,
        );
        expect(server!.uploads.slice(before).map((u) => [u.httpVersion, u.length])).toEqual([
          ['2.0', 262_144],
        ]);
        await readmePage.close();
      } finally {
        rmSync(entry, { force: true });
        await served?.close();
      }
    });

    for (const mode of ['put', 'stream'] as const) {
      it(`${mode === 'put' ? 'requestStream + putRequestBodyData' : 'requestRaw(ReadableStream)'}: 3 MiB over HTTP/2, requestBodySent grows piece by piece`, async () => {
        const size = 3 * MIB;
        const piece = 64 * 1024;
        const result = await upload({ path: '/upload', size, piece, mode });
        expect(result).toMatchObject({
          startResult: 'OK',
          putErrors: [],
          statuses: COMPLETED,
          code: 200,
          sentAtEnd: size,
        });
        expect(JSON.parse(result.bodyText)).toMatchObject({
          httpVersion: '2.0',
          length: size,
          sha256: sha256Hex(pattern(size)),
          contentLength: null,
        });
        // Counted as fetch pulls: growing in many steps to the size. Put one at a time, each step
        // is exactly a piece (a stream is sampled per frame or fetch event, so it may skip some).
        expect(result.sent.length).toBeGreaterThan(8);
        for (let i = 1; i < result.sent.length; i++) {
          const step = result.sent[i]! - result.sent[i - 1]!;
          if (mode === 'put') expect(step).toBe(piece);
          else expect(step).toBeGreaterThan(0);
        }
        expect(result.sent.at(-1)).toBe(size);
      });
    }

    it('a body of known length ends with its last byte; 0 bytes is an empty body', async () => {
      const size = 16 * 1024;
      const known = await upload({
        path: '/upload',
        size,
        piece: 5000,
        mode: 'put',
        bodyLength: size,
      });
      expect(known).toMatchObject({ putErrors: [], code: 200, sentAtEnd: size });
      expect(JSON.parse(known.bodyText)).toMatchObject({
        length: size,
        sha256: sha256Hex(pattern(size)),
      });
      const empty = await upload({ path: '/upload', size: 0, piece: 1, mode: 'put' });
      expect(empty).toMatchObject({ putErrors: [], code: 200, sentAtEnd: 0, statuses: COMPLETED });
      expect(JSON.parse(empty.bodyText)).toMatchObject({ httpVersion: '2.0', length: 0 });
    });

    it('HTTP/1.1: CONNECTION_ERROR before a byte is taken, lastError says why, the stream untouched', async () => {
      const before = server!.uploads.length;
      for (const mode of ['put', 'stream'] as const) {
        const result = await upload({
          path: '/upload',
          size: MIB,
          piece: 65_536,
          mode,
          http1: true,
        });
        expect(result).toMatchObject({
          startResult: 'OK',
          statuses: ['DISCONNECTED', 'CONNECTING', 'CONNECTED', 'REQUESTING', 'CONNECTION_ERROR'],
          sentAtEnd: 0,
          sent: [],
          sourcePulls: 0,
          sourceUnlocked: true,
        });
        expect(result.lastError).toMatch(
          /below HTTP\/2 .* HTTP\/2 or later only, and took none of it/,
        );
      }
      // Only the preflight reached the server.
      expect(server!.uploads.length).toBe(before);
    });

    it('a 307 is not followed: the response is the opaque redirect (code 0, no headers)', async () => {
      const before = server!.uploads.length;
      const result = await upload({
        path: '/redirect/307',
        size: 100_000,
        piece: 10_000,
        mode: 'put',
      });
      expect(result).toMatchObject({ code: 0, headers: [], bodyText: '', statuses: COMPLETED });
      expect(server!.uploads.slice(before).map((u) => [u.path, u.length])).toEqual([
        ['/redirect/307', 100_000],
      ]);
    });

    it('close() mid-upload: the server sees the upload cut off', async () => {
      const cut = server!.nextUploadEnd();
      const result = await upload({
        path: '/slow-upload',
        size: 64 * MIB,
        piece: 64 * 1024,
        mode: 'stream',
        closeAtSent: MIB,
      });
      expect(result.statuses.at(-1)).toBe('DISCONNECTED');
      expect(result.sent.at(-1)).toBeGreaterThanOrEqual(MIB);
      const received = await cut;
      expect(received).toMatchObject({ path: '/slow-upload', aborted: true, httpVersion: '2.0' });
      expect(received.length).toBeLessThan(64 * MIB);
    });
  },
);
