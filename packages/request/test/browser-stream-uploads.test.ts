// Streamed uploads of the web HTTPRequest (`streamUploads`) in a real browser: Debian's chromium
// (playwright-core, launched once for the file, trusting the test kit's certificate with
// --ignore-certificate-errors) sends stream bodies with fetch's `duplex: 'half'` to a node:http2
// server on 127.0.0.1 (HTTP/1.1 allowed, as a real server would) and to an HTTP/1.1-only TLS
// server, cross-origin from the page. The servers report the bytes they received; the page
// reports the Result, the progress events and what its source stream went through.
// Decision 0020 says what is checked here and why.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import {
  openTestPage,
  type Page,
  pattern,
  type ServedPage,
  servePage,
  sha256Hex,
  startUploadH2Server,
  systemTools,
  type TestPage,
  type UploadH2Server,
} from '@gdhttp/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type {
  StreamUploadApi,
  StreamUploadOutcome,
  StreamUploadSpec,
} from './browser/stream-upload-page.ts';

const tools = systemTools('chromium');
const MIB = 1024 * 1024;

/** The README's streamed-upload example (Web build section), as a page module. */
function readmeExample(): string {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Web build'));
  const block = /( *)```ts\n([\s\S]*?)\n *```/.exec(
    section.slice(section.indexOf('streamUploads = true')),
  );
  const indent = block?.[1] ?? '';
  const code = (block?.[2] ?? '')
    .split('\n')
    .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
    .join('\n');
  return `${code}\n(globalThis as unknown as Record<string, unknown>).readmeExample = uploadMadeAsItGoes;\n`;
}

describe.skipIf(!tools.shouldRun)(`HTTPRequest.streamUploads in Chromium${tools.skipNote}`, () => {
  let opened: TestPage | undefined;
  let server: UploadH2Server | undefined;
  let page: Page;
  // A set-up failure fails every test with its reason (vitest reports a failed beforeAll's tests
  // as skipped).
  let setupError: unknown = null;

  beforeAll(async () => {
    try {
      tools.require();
      [opened, server] = await Promise.all([
        openTestPage({
          entry: new URL('./browser/stream-upload-page.ts', import.meta.url).pathname,
          title: 'gdhttp streamed uploads',
          ready: 'gdhttpStreamUpload',
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

  it("the README's example runs as written: per piece over HTTP/2, read whole over HTTP/1.1", async () => {
    const entry = new URL(`./browser/.readme-stream-upload-${process.pid}.ts`, import.meta.url)
      .pathname;
    const example = readmeExample();
    expect(example).toContain('http.streamUploads = true;');
    writeFileSync(entry, example);
    let served: ServedPage | undefined;
    try {
      served = await servePage({ entry, title: 'README example' });
      const readmePage = await opened!.chromium.newPage();
      await readmePage.goto(served.url);
      await readmePage.waitForFunction(() => 'readmeExample' in globalThis, null, {
        timeout: 10_000,
      });
      const run = (url: string, size: number) =>
        readmePage.evaluate(
          ([u, n]) =>
            (
              globalThis as unknown as {
                readmeExample: (url: string, size: number) => Promise<string>;
              }
            ).readmeExample(u, n),
          [url, size] as const,
        );
      const before = server!.uploads.length;
      expect(await run(h2('/upload'), MIB)).toBe('sent, 200; upload_progress events: 16');
      expect(await run(h1('/upload'), MIB)).toBe('sent, 200; upload_progress events: 1');
      expect(server!.uploads.slice(before).map((u) => [u.httpVersion, u.length])).toEqual([
        ['2.0', MIB],
        ['1.1', MIB],
      ]);
      expect(opened!.chromium.log()).toContain(
        `console.log: ${MIB} of ${MIB} bytes taken by the browser`,
      );
      await readmePage.close();
    } finally {
      rmSync(entry, { force: true });
      await served?.close();
    }
  });

  async function upload(spec: StreamUploadSpec): Promise<StreamUploadOutcome> {
    try {
      return await page.evaluate(
        (s) =>
          (
            globalThis as unknown as { gdhttpStreamUpload: StreamUploadApi }
          ).gdhttpStreamUpload.upload(s),
        spec,
      );
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\npage log:\n${opened!.chromium.log().join('\n')}`,
      );
    }
  }

  const h2 = (path: string) => `https://127.0.0.1:${server!.port}${path}`;
  const h1 = (path: string) => `https://127.0.0.1:${server!.http1Port}${path}`;

  /** Progress values must only grow, and end at `total`. */
  function expectGrowingTo(progress: StreamUploadOutcome['progress'], total: number): void {
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.uploadedBytes).toBeGreaterThan(progress[i - 1]!.uploadedBytes);
    }
    expect(progress.at(-1)?.uploadedBytes).toBe(total);
  }

  it('the browser has request streams (else this whole file proves nothing)', async () => {
    expect(
      await page.evaluate(() =>
        (
          globalThis as unknown as { gdhttpStreamUpload: StreamUploadApi }
        ).gdhttpStreamUpload.hasRequestStreams(),
      ),
    ).toBe(true);
  });

  it('4 MiB ReadableStream over HTTP/2: every byte arrives, progress per piece as fetch pulls', async () => {
    const size = 4 * MIB;
    const outcome = await upload({ url: h2('/upload'), size, kind: 'stream', streamUploads: true });
    expect(outcome).toMatchObject({
      result: 'SUCCESS',
      responseCode: 200,
      rejected: null,
      uploadedBytes: size,
      given: size,
      sourceCancelled: false,
      completed: ['SUCCESS'],
      echo: {
        httpVersion: '2.0',
        method: 'PUT',
        length: size,
        sha256: sha256Hex(pattern(size)),
        // HTTP/2 frames the body: no Content-Length, no chunked coding.
        contentLength: null,
        transferEncoding: null,
      },
    });
    // One event per 16 KiB piece, each as fetch took it (read whole, there would be one).
    expect(outcome.progress.length).toBe(size / (16 * 1024));
    expect(outcome.progress.every((p) => p.uploadSize === -1)).toBe(true);
    expectGrowingTo(outcome.progress, size);
  });

  it('a 0-byte stream: an empty body, no progress event', async () => {
    expect(
      await upload({ url: h2('/upload'), size: 0, kind: 'stream', streamUploads: true }),
    ).toMatchObject({
      result: 'SUCCESS',
      uploadedBytes: 0,
      progress: [],
      echo: { httpVersion: '2.0', length: 0, sha256: sha256Hex(new Uint8Array(0)) },
    });
  });

  it('a 16 KiB async iterable of known length: uploadSize is the length; POST is preflighted', async () => {
    const size = 16 * 1024;
    const before = server!.seen.length;
    const outcome = await upload({
      url: h2('/upload?post'),
      size,
      piece: 4096,
      kind: 'iterable',
      length: size,
      method: 'POST',
      streamUploads: true,
    });
    expect(outcome).toMatchObject({
      result: 'SUCCESS',
      uploadedBytes: size,
      echo: { httpVersion: '2.0', method: 'POST', length: size, sha256: sha256Hex(pattern(size)) },
    });
    expect(outcome.progress).toEqual(
      [4096, 8192, 12288, 16384].map((n) => ({ uploadedBytes: n, uploadSize: size })),
    );
    // A stream body makes even a POST with a safelisted type a preflighted request.
    expect(server!.seen.slice(before)).toEqual([
      'OPTIONS /upload HTTP/2.0',
      'POST /upload HTTP/2.0',
    ]);
  });

  it('HTTP/1.1: Chromium refuses the stream before pulling a byte, so it is sent read whole', async () => {
    const size = 256 * 1024;
    const before = server!.uploads.length;
    const outcome = await upload({
      url: h1('/upload'),
      size,
      kind: 'stream',
      streamUploads: true,
    });
    expect(outcome).toMatchObject({
      result: 'SUCCESS',
      uploadedBytes: size,
      given: size,
      // Read whole: one event once the answer came, as without streamUploads.
      progress: [{ uploadedBytes: size, uploadSize: size }],
      echo: {
        httpVersion: '1.1',
        length: size,
        sha256: sha256Hex(pattern(size)),
        contentLength: String(size),
      },
    });
    // The refused streamed attempt never reached the server: one body arrived.
    expect(server!.uploads.slice(before).map((u) => u.httpVersion)).toEqual(['1.1']);
  });

  it('abort mid-upload: cancelRequest() rejects, the server sees the upload cut, the source is cancelled', async () => {
    const size = 64 * MIB;
    const cut = server!.nextUploadEnd();
    const outcome = await upload({
      url: h2('/slow-upload'),
      size,
      kind: 'stream',
      streamUploads: true,
      cancelAt: MIB,
    });
    expect(outcome).toMatchObject({
      result: null,
      rejected: 'FAILED',
      completed: [],
      sourceCancelled: true,
    });
    expect(outcome.uploadedBytes).toBeGreaterThanOrEqual(MIB);
    expect(outcome.given).toBeLessThan(size);
    const received = await cut;
    expect(received).toMatchObject({ path: '/slow-upload', aborted: true, httpVersion: '2.0' });
    expect(received.length).toBeLessThan(size);
  });

  for (const code of [307, 308] as const) {
    it(`${code} after the body: REQUEST_FAILED, the opaque redirect (code 0), never sent on`, async () => {
      const size = 100_000;
      const before = server!.uploads.length;
      const outcome = await upload({
        url: h2(`/redirect/${code}`),
        size,
        kind: 'stream',
        streamUploads: true,
      });
      expect(outcome).toMatchObject({
        result: 'REQUEST_FAILED',
        responseCode: 0,
        headers: [],
        completed: ['REQUEST_FAILED'],
        uploadedBytes: size,
      });
      // The body went to the redirecting URL only; the Location was not followed.
      expect(
        server!.uploads
          .slice(before)
          .map((u) => [u.path, u.length, u.sha256 === sha256Hex(pattern(size))]),
      ).toEqual([[`/redirect/${code}`, size, true]]);
    });
  }

  it('a stream that gives more than its length rejects with INVALID_PARAMETER; the server sees it cut', async () => {
    const cut = server!.nextUploadEnd();
    const outcome = await upload({
      url: h2('/upload'),
      size: 64 * 1024,
      kind: 'factory',
      length: 40_000,
      streamUploads: true,
    });
    expect(outcome).toMatchObject({ result: null, rejected: 'INVALID_PARAMETER', completed: [] });
    expect(await cut).toMatchObject({ aborted: true });
  });

  it("a source's own error rejects with it", async () => {
    const outcome = await upload({
      url: h2('/upload'),
      size: MIB,
      kind: 'iterable',
      failAt: 64 * 1024,
      streamUploads: true,
    });
    expect(outcome).toMatchObject({ result: null, rejected: 'source failed at 65536' });
  });

  it('without streamUploads the same stream is read whole first, as before', async () => {
    const size = 200_000;
    expect(
      await upload({ url: h2('/upload'), size, kind: 'stream', streamUploads: false }),
    ).toMatchObject({
      result: 'SUCCESS',
      progress: [{ uploadedBytes: size, uploadSize: size }],
      echo: { httpVersion: '2.0', length: size, contentLength: String(size) },
    });
  });
});
