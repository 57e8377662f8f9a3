// The web demo in a real browser: Vite's dev server (started programmatically, as `pnpm web`
// starts it) serves the page with the `browser` and `@gdhttp/source` conditions, Debian's
// chromium (driven headless by playwright-core) opens it, clicks Send on the prefilled URL (the
// demo server's /large, on another port of 127.0.0.1: cross-origin, so CORS applies) and waits
// until the status sequence ends. The screenshot of the finished page is apps/web/screenshot.png
// (refreshed with GDHTTP_UPDATE_SCREENSHOT=1).
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  freePort,
  type LaunchedBrowser,
  launchBrowser,
  type Page,
  systemTools,
} from '@gdhttp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ROUTES } from '../src/demo-server.ts';
import type { WebRun } from '../src/page.ts';
import { startWebDemo, type WebDemo, webConfig } from '../src/web-demo.ts';

const tools = systemTools('chromium');
// The committed screenshot is refreshed on demand (GDHTTP_UPDATE_SCREENSHOT=1): its port and Date
// header change on every run, and a test run must not leave the tree modified. Otherwise the
// test still takes one, into the gitignored reports folder.
const SCREENSHOT = fileURLToPath(
  process.env.GDHTTP_UPDATE_SCREENSHOT === '1'
    ? new URL('../screenshot.png', import.meta.url)
    : new URL('../../../.reports/web-screenshot.png', import.meta.url),
);
/** A completed request on the web build: no socket to keep, so it ends DISCONNECTED. */
const COMPLETED = ['DISCONNECTED', 'CONNECTING', 'CONNECTED', 'REQUESTING', 'BODY', 'DISCONNECTED'];
const DEADLINE_MS = 8000;

const sha256 = (bytes: Uint8Array | string): string =>
  createHash('sha256').update(bytes).digest('hex');

/** Puts `url` in the URL box, clicks Send and returns the run once its sequence has ended. */
async function send(page: Page, url?: string): Promise<WebRun> {
  if (url !== undefined) await page.fill('#url', url);
  await page.click('#send');
  await page.waitForFunction(() => window.gdhttpWeb?.done === true, null, {
    timeout: DEADLINE_MS,
  });
  return page.evaluate(() => window.gdhttpWeb!);
}

describe.skipIf(!tools.shouldRun)(`the web demo in Chromium${tools.skipNote}`, () => {
  let chromium: LaunchedBrowser | undefined;
  let web: WebDemo | undefined;
  let page: Page;
  // A set-up failure (chromium missing on CI) fails every test with its reason: vitest would
  // report a failed beforeAll's tests as skipped.
  let setupError: unknown = null;

  beforeAll(async () => {
    try {
      tools.require();
      [chromium, web] = await Promise.all([
        launchBrowser(),
        // Port 0: any free port, so the test runs beside a `pnpm web` someone left open.
        startWebDemo({ port: 0, strictPort: true, logLevel: 'silent' }),
      ]);
      page = await chromium.newPage();
      await page.setViewportSize({ width: 1000, height: 760 });
      await page.goto(web.url);
      await page.waitForSelector('body[data-ready="true"]', { timeout: DEADLINE_MS });
    } catch (error) {
      setupError = error;
    }
  });

  afterAll(async () => {
    await chromium?.close();
    await web?.close();
  });

  const ready = (): void => {
    if (setupError !== null) throw setupError;
  };

  it('sends the prefilled request on a requestAnimationFrame loop and shows it whole', async () => {
    ready();
    const prefilled = await page.inputValue('#url');
    expect(prefilled).toBe(`${web!.demo.origin}/large`);

    const run = await send(page);
    expect(run.error, chromium!.log().join('\n')).toBeNull();
    expect(run.statuses.map((s) => s.name)).toEqual(COMPLETED);
    // Frame numbers only grow, and the body spans several frames (2 MiB in 64 KiB pieces).
    const frames = run.statuses.map((s) => s.frame);
    expect(frames).toEqual([...frames].sort((a, b) => a - b));
    expect(run.statuses.at(-1)!.frame - run.statuses.at(-2)!.frame).toBeGreaterThan(3);
    expect(run.responseCode).toBe(200);
    // The server exposes every header and says `identity`: the bar knows the length.
    expect(run.bodyLength).toBe(web!.demo.large.length);
    expect(run.received).toBe(web!.demo.large.length);
    expect(run.reads).toBeGreaterThan(1);
    expect(sha256(run.text)).toBe(sha256(web!.demo.large));
    expect(run.headers).toContain('content-encoding: identity');
    expect(run.headers).toContain(`content-length: ${web!.demo.large.length}`);

    // What the page shows: one line per status with its frame, the headers, a truncated body.
    const statusText = await page.textContent('#statuses');
    for (const { frame, name } of run.statuses) {
      expect(statusText).toMatch(new RegExp(`frame +${frame} +${name}`));
    }
    expect(await page.textContent('#headers')).toContain('content-type: text/plain');
    const body = (await page.textContent('#body'))!;
    expect(body.startsWith('line 000001: read by HTTPClient on requestAnimationFrame\n')).toBe(
      true,
    );
    expect(body).toContain('2.00 MiB in all');
    expect(await page.getAttribute('#progress', 'value')).toBe(
      await page.getAttribute('#progress', 'max'),
    );
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('shows chunked, gzip, redirect and 404 responses from the same server', async () => {
    ready();
    const origin = web!.demo.origin;

    const chunked = await send(page, `${origin}/chunked`);
    expect(chunked.statuses.map((s) => s.name)).toEqual(COMPLETED);
    expect(chunked.text).toMatch(/^piece 1 of 8: .*\n(.*\n){6}piece 8 of 8: .*\n$/);

    const gzip = await send(page, `${origin}/gzip`);
    expect(gzip.statuses.map((s) => s.name)).toEqual(COMPLETED);
    expect(gzip.headers).toContain('content-encoding: gzip');
    expect(gzip.bodyLength).toBe(-1); // fetch decodes: the Content-Length is not what is read
    expect(gzip.text).toMatch(/^gzip line 1: sent compressed\n/);

    const redirect = await send(page, `${origin}/redirect`);
    expect(redirect.responseCode).toBe(200); // the browser follows it
    expect(redirect.text).toBe(web!.demo.plain);

    const missing = await send(page, `${origin}/missing`);
    expect(missing.statuses.map((s) => s.name)).toEqual(COMPLETED);
    expect(missing.responseCode).toBe(404);
    expect(missing.text).toBe('not found: /missing\n');
  });

  it('ends in CONNECTION_ERROR when nothing listens, never hanging', async () => {
    ready();
    const run = await send(page, `http://127.0.0.1:${await freePort()}/plain`);
    expect(run.statuses.map((s) => s.name)).toEqual([
      'DISCONNECTED',
      'CONNECTING',
      'CONNECTED',
      'REQUESTING',
      'CONNECTION_ERROR',
    ]);
    expect(run.error).toMatch(/^CONNECTION_ERROR: network error or CORS refusal:/);
  });
});

describe('the production build', () => {
  it('bundles the page with the web build of @gdhttp/client and no Node module', async () => {
    const { build } = await import('vite');
    const output = await build({
      ...webConfig({ origin: 'http://127.0.0.1:8080', routes: DEMO_ROUTES }),
      logLevel: 'silent',
      build: { write: false, minify: true },
    });
    const outputs = (Array.isArray(output) ? output : [output]).flatMap((o) =>
      'output' in o ? o.output : [],
    );
    const chunks = outputs.filter((o) => o.type === 'chunk');
    expect(chunks).toHaveLength(1);
    const code = chunks[0]!.code;
    expect(code).not.toMatch(/\bnode:|__vite-browser-external/);
    expect(code).toContain('fetch'); // the fetch-backed HTTPClient, not the socket one
    expect(code).toContain('http://127.0.0.1:8080');
    const gzipped = gzipSync(code).length;
    console.log(`apps/web page bundle: ${code.length} B minified, ${gzipped} B gzipped`);
    expect(gzipped).toBeLessThan(16 * 1024);
    expect(outputs.some((o) => o.type === 'asset' && o.fileName === 'index.html')).toBe(true);
  });
});
