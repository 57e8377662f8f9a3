// The web HTTPClient in a real browser: Debian's chromium, driven headless by playwright-core
// (launched once for the file), opens a page bundled from test/browser/page.ts with the `browser`
// export condition, so `@gdhttp/client` is the fetch-backed build. Each scenario runs in the page
// on a requestAnimationFrame poll loop against servers on 127.0.0.1 at other ports than the
// page's (cross-origin, so CORS applies), and comes back through page.evaluate as plain data.
// Where the Node build behaves the same, the same scenario runs on the Node HTTPClient in this
// process and the status sequences must match.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Method } from '@gdhttp/constants';
import {
  CHUNKS,
  freePort,
  GZIP_TEXT,
  LARGE_SIZE,
  openTestPage,
  type Page,
  PLAIN,
  pattern,
  SLOW_SENT,
  sha256Hex,
  startWebTestServer,
  systemTools,
  TEST_HEADER,
  type TestPage,
  type WebTestServer,
} from '@gdhttp/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HTTPClient } from '../src/index.js';
import type { BrowserTestApi } from './browser/page.ts';
import { runScenario, type ScenarioResult, type ScenarioSpec } from './browser/scenario.ts';

const tools = systemTools('chromium');

/**
 * A request that completes. The last body bytes leave the web client DISCONNECTED (a fetch holds
 * no connection to keep; Godot's web build does the same), where the Node client stays CONNECTED
 * on a kept-alive connection: {@link asInNode} is the Node sequence.
 */
const COMPLETED = ['DISCONNECTED', 'CONNECTING', 'CONNECTED', 'REQUESTING', 'BODY', 'DISCONNECTED'];
/**
 * A fetch that fails: the browser has no socket to refuse before the request, so a refused
 * connect and a CORS refusal both surface after REQUESTING, as in Godot's web build.
 */
const FETCH_FAILED = ['DISCONNECTED', 'CONNECTING', 'CONNECTED', 'REQUESTING', 'CONNECTION_ERROR'];
/** The Node client's sequence for a completed web one: the same, but kept alive at the end. */
function asInNode(statuses: readonly string[]): string[] {
  return [...statuses.slice(0, -1), 'CONNECTED'];
}

/** Generous: a scenario takes well under a second; the deadline only turns a hang into a failure. */
const DEADLINE_MS = 8000;

/** The lowercased value of `name` among Godot-style `Name: value` lines, or `undefined`. */
function header(lines: readonly string[], name: string): string | undefined {
  const prefix = `${name.toLowerCase()}:`;
  const line = lines.find((l) => l.toLowerCase().startsWith(prefix));
  return line?.slice(prefix.length).trim();
}

describe.skipIf(!tools.shouldRun)(`HTTPClient in Chromium${tools.skipNote}`, () => {
  let opened: TestPage | undefined;
  let cors: WebTestServer | undefined;
  let noCors: WebTestServer | undefined;
  let page: Page;
  // A set-up failure (chromium missing on CI, a page that does not bundle) fails every test with
  // its reason: vitest would report a failed beforeAll's tests as skipped.
  let setupError: unknown = null;

  beforeAll(async () => {
    try {
      tools.require();
      [opened, cors, noCors] = await Promise.all([
        // Fails, naming each Node import, while `@gdhttp/client` has no browser build.
        openTestPage({
          entry: new URL('./browser/page.ts', import.meta.url).pathname,
          title: 'gdhttp HTTPClient browser tests',
          ready: 'gdhttpBrowserTest',
        }),
        startWebTestServer(),
        startWebTestServer({ cors: false }),
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
    await Promise.all([opened?.close(), cors?.close(), noCors?.close()]);
  });

  /** Runs `spec` in the page; a failure carries what the page logged. */
  async function inBrowser(spec: Omit<ScenarioSpec, 'host' | 'deadlineMs'>) {
    const full: ScenarioSpec = { host: '127.0.0.1', deadlineMs: DEADLINE_MS, ...spec };
    try {
      const result = await page.evaluate(
        (s) =>
          (globalThis as unknown as { gdhttpBrowserTest: BrowserTestApi }).gdhttpBrowserTest.run(s),
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

  /** The same scenario on the Node build, one poll per event-loop turn. */
  function inNode(spec: Omit<ScenarioSpec, 'host' | 'deadlineMs'>): Promise<ScenarioResult> {
    return runScenario(
      () => new HTTPClient(),
      { host: '127.0.0.1', deadlineMs: DEADLINE_MS, ...spec },
      () => nextTurn(),
    );
  }

  it('serves the page from another origin than the servers', () => {
    expect(new Set([opened!.site.port, cors!.port, noCors!.port]).size).toBe(3);
    expect(opened!.site.script).not.toMatch(/from\s*["']node:/);
  });

  it('plain: Content-Length body, CORS-exposed headers, statuses as in Node', async () => {
    const spec = { port: cors!.port, method: Method.GET, path: '/plain' };
    const result = await inBrowser(spec);
    expect(result.statuses).toEqual(COMPLETED);
    expect(result).toMatchObject({
      connectResult: 'OK',
      requestResult: 'OK',
      pollErrors: [],
      code: 200,
      bodyText: PLAIN,
      lastError: null,
    });
    expect(header(result.headers, 'X-Gdhttp-Scenario')).toBe('plain');
    expect(header(result.headers, 'Content-Type')).toBe('text/plain; charset=utf-8');
    // Cross-origin, the page cannot see that the body is not content-coded (Content-Encoding is
    // absent, not exposed as `identity`), so the length it will read is unknown.
    expect(result.bodyLength).toBe(-1);
    expect((await inNode(spec)).statuses).toEqual(asInNode(result.statuses));
  });

  it('chunked: every chunk arrives, statuses as in Node', async () => {
    const spec = { port: cors!.port, method: Method.GET, path: '/chunked' };
    const result = await inBrowser(spec);
    expect(result.statuses).toEqual(COMPLETED);
    expect(result).toMatchObject({ code: 200, bodyText: CHUNKS.join(''), bodyLength: -1 });
    expect((await inNode(spec)).statuses).toEqual(asInNode(result.statuses));
  });

  it('gzip: the browser decodes; the compressed Content-Length is not reported', async () => {
    const result = await inBrowser({ port: cors!.port, method: Method.GET, path: '/gzip' });
    expect(result.statuses).toEqual(COMPLETED);
    expect(result).toMatchObject({
      code: 200,
      bodyBytes: GZIP_TEXT.length,
      bodySha256: sha256Hex(Buffer.from(GZIP_TEXT)),
      bodyLength: -1,
    });
    expect(header(result.headers, 'Content-Encoding')).toBe('gzip');
  });

  it('redirect: the browser follows it; the client sees the final response', async () => {
    const before = cors!.seen.length;
    const result = await inBrowser({ port: cors!.port, method: Method.GET, path: '/redirect' });
    expect(result.statuses).toEqual(COMPLETED);
    expect(result).toMatchObject({ code: 200, bodyText: PLAIN });
    expect(header(result.headers, 'X-Gdhttp-Scenario')).toBe('plain');
    expect(cors!.seen.slice(before)).toEqual(['GET /redirect', 'GET /plain']);
  });

  it('404: a response like any other, statuses as in Node', async () => {
    const spec = { port: cors!.port, method: Method.GET, path: '/missing' };
    const result = await inBrowser(spec);
    expect(result.statuses).toEqual(COMPLETED);
    expect(result).toMatchObject({ code: 404, bodyText: 'not found\n', lastError: null });
    expect((await inNode(spec)).statuses).toEqual(asInNode(result.statuses));
  });

  it('a preflighted POST: headers and body reach the server', async () => {
    const before = cors!.seen.length;
    const body = JSON.stringify({ hello: 'server' });
    const result = await inBrowser({
      port: cors!.port,
      method: Method.POST,
      path: '/echo',
      headers: [`${TEST_HEADER}: yes`, 'Content-Type: application/json'],
      body,
    });
    expect(result.statuses).toEqual(COMPLETED);
    expect(result.code).toBe(200);
    expect(JSON.parse(result.bodyText)).toEqual({
      method: 'POST',
      test: 'yes',
      contentType: 'application/json',
      authorization: null,
      body,
    });
    expect(cors!.seen.slice(before)).toEqual(['OPTIONS /echo', 'POST /echo']);
  });

  it('large body: read with progress, at most readChunkSize per frame', async () => {
    const readChunkSize = 256 * 1024;
    const spec = {
      port: cors!.port,
      method: Method.GET,
      path: '/large',
      readChunkSize,
    };
    const result = await inBrowser(spec);
    expect(result.statuses).toEqual(COMPLETED);
    expect(result).toMatchObject({
      code: 200,
      bodyLength: LARGE_SIZE,
      bodyBytes: LARGE_SIZE,
      bodySha256: sha256Hex(pattern(LARGE_SIZE)),
    });
    expect(Math.max(...result.chunkSizes)).toBeLessThanOrEqual(readChunkSize);
    // Progress, frame by frame: at least as many reads as readChunkSize allows.
    expect(result.chunkSizes.length).toBeGreaterThanOrEqual(LARGE_SIZE / readChunkSize);
    expect(result.frames).toBeGreaterThanOrEqual(result.chunkSizes.length);
    expect((await inNode(spec)).statuses).toEqual(asInNode(result.statuses));
  });

  it('cancel: close() mid-body disconnects and the server sees the request dropped', async () => {
    const spec = {
      port: cors!.port,
      method: Method.GET,
      path: '/slow',
      cancelAfterBytes: 1,
    };
    const aborted = cors!.slowClosed();
    const result = await inBrowser(spec);
    expect(result.statuses).toEqual([...COMPLETED.slice(0, -1), 'DISCONNECTED']);
    expect(result.code).toBe(200);
    expect(result.bodyBytes).toBeGreaterThan(0);
    expect(result.bodyBytes).toBeLessThanOrEqual(SLOW_SENT);
    // The fetch was aborted: the server's response closes (a deadline only to fail).
    await expect(
      Promise.race([
        aborted,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('the server never saw the abort')), DEADLINE_MS),
        ),
      ]),
    ).resolves.toBeUndefined();
    expect((await inNode(spec)).statuses).toEqual(result.statuses);
  });

  it('server down: CONNECTION_ERROR after REQUESTING, with a reason, never a hang', async () => {
    const result = await inBrowser({ port: await freePort(), method: Method.GET, path: '/plain' });
    expect(result.statuses).toEqual(FETCH_FAILED);
    expect(result).toMatchObject({ requestResult: 'OK', code: 0, bodyBytes: 0 });
    expect(result.pollErrors).toEqual(['CONNECTION_ERROR']);
    expect(result.lastError).toEqual(expect.any(String));
  });

  it('CORS refused: a server without CORS headers is a CONNECTION_ERROR, never a hang', async () => {
    const before = noCors!.seen.length;
    const result = await inBrowser({ port: noCors!.port, method: Method.GET, path: '/plain' });
    expect(result.statuses).toEqual(FETCH_FAILED);
    expect(result).toMatchObject({ requestResult: 'OK', code: 0, headers: [], bodyBytes: 0 });
    expect(result.pollErrors).toEqual(['CONNECTION_ERROR']);
    expect(result.lastError).toEqual(expect.any(String));
    // The request went out; the browser withheld the answer from the page.
    expect(noCors!.seen.slice(before)).toEqual(['GET /plain']);
  });
});
