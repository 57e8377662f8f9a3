// The browser harness tested on a trivial page: Debian's chromium launched once for the file
// through playwright-core, a page bundled by esbuild and served on 127.0.0.1, and fetches from it
// to servers on other ports (cross-origin, so CORS applies).
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LaunchedBrowser,
  launchBrowser,
  listenLoopback,
  type Page,
  type ServedPage,
  servePage,
  systemTools,
} from '../src/index.js';
import type { TrivialPageApi } from './browser/trivial-page.ts';

const tools = systemTools('chromium');

/** A server answering every request with `hello`, with or without CORS headers. */
async function helloServer(cors: boolean): Promise<{ server: Server; port: number; hits: number }> {
  const state = { server: null as unknown as Server, port: 0, hits: 0 };
  state.server = createServer((_request, response) => {
    state.hits++;
    response.writeHead(200, {
      'Content-Type': 'text/plain',
      ...(cors ? { 'Access-Control-Allow-Origin': '*' } : {}),
    });
    response.end('hello');
  });
  state.port = await listenLoopback(state.server);
  return state;
}

/** Pids of the processes of group `group` that are not zombies (read from /proc). */
function liveInGroup(group: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === group && state !== 'Z') pids.push(Number(entry));
    } catch {
      // gone while listed
    }
  }
  return pids;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!tools.shouldRun)(`launchBrowser and servePage${tools.skipNote}`, () => {
  let chromium: LaunchedBrowser | undefined;
  let site: ServedPage | undefined;
  let page: Page;
  let withCors: Awaited<ReturnType<typeof helloServer>>;
  let withoutCors: Awaited<ReturnType<typeof helloServer>>;

  beforeAll(async () => {
    tools.require();
    [chromium, site, withCors, withoutCors] = await Promise.all([
      launchBrowser(),
      servePage({
        entry: new URL('./browser/trivial-page.ts', import.meta.url).pathname,
        title: 'harness',
      }),
      helloServer(true),
      helloServer(false),
    ]);
    page = await chromium.newPage();
    await page.goto(site.url);
    await page.waitForFunction(() => 'trivialPage' in globalThis, null, { timeout: 10_000 });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([
      chromium?.close(),
      site?.close(),
      new Promise((resolve) => withCors?.server.close(resolve) ?? resolve(null)),
      new Promise((resolve) => withoutCors?.server.close(resolve) ?? resolve(null)),
    ]);
  });

  it('runs the bundled page, with a workspace package resolved for the browser', async () => {
    expect(await page.title()).toBe('harness');
    const name = await page.evaluate(
      () => (globalThis as unknown as { trivialPage: TrivialPageApi }).trivialPage.statusName,
    );
    expect(name).toBe('BODY');
    expect(site!.script).not.toMatch(/from\s*["']node:/);
    expect(chromium!.log().filter((line) => line.startsWith('pageerror'))).toEqual([]);
  });

  it('ticks requestAnimationFrame (the frame loop the scenarios poll on)', async () => {
    const times = await page.evaluate(() =>
      (globalThis as unknown as { trivialPage: TrivialPageApi }).trivialPage.frames(5),
    );
    expect(times).toHaveLength(5);
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
  });

  it('fetches cross-origin from a CORS server, and is refused by one without CORS', async () => {
    const fetchText = (url: string) =>
      page.evaluate(
        (target) =>
          (globalThis as unknown as { trivialPage: TrivialPageApi }).trivialPage.fetchText(target),
        url,
      );
    expect(withCors.port).not.toBe(site!.port);
    expect(await fetchText(`http://127.0.0.1:${withCors.port}/`)).toEqual({
      status: 200,
      text: 'hello',
    });
    const refused = await fetchText(`http://127.0.0.1:${withoutCors.port}/`);
    expect(refused).toEqual({ error: expect.stringMatching(/^TypeError: /) });
    // The request went out; the browser withheld the answer.
    expect(withoutCors.hits).toBe(1);
  });

  it('serves 404 for any other path', async () => {
    const response = await fetch(`${site!.origin}/elsewhere`);
    expect(response.status).toBe(404);
  });

  it('refuses a bundle that would take a Node built-in', async () => {
    await expect(
      servePage({ entry: new URL('./browser/node-only-page.ts', import.meta.url).pathname }),
    ).rejects.toThrow(/node:net/);
  });

  it('closes the browser by pid, renderers included', async () => {
    const spare = await launchBrowser();
    const other = await spare.newPage();
    await other.goto(site!.url);
    expect(isAlive(spare.pid)).toBe(true);
    // The browser, its zygotes and the renderer of the page share its process group.
    expect(liveInGroup(spare.pid).length).toBeGreaterThan(1);
    await spare.close();
    expect(isAlive(spare.pid)).toBe(false);
    expect(liveInGroup(spare.pid)).toEqual([]);
    await spare.close(); // twice is fine
  }, 60_000);

  it('kills a browser that no longer answers, by pid, once the close deadline passes', async () => {
    const frozen = await launchBrowser({ closeTimeoutMs: 500 });
    process.kill(frozen.pid, 'SIGSTOP');
    await frozen.close();
    expect(isAlive(frozen.pid)).toBe(false);
    expect(liveInGroup(frozen.pid)).toEqual([]);
  }, 60_000);
});
