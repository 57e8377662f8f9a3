import type { Page } from 'playwright-core';
import {
  type LaunchBrowserOptions,
  type LaunchedBrowser,
  launchBrowser,
} from './launch-browser.js';
import { type ServedPage, type ServePageOptions, servePage } from './serve-page.js';

/** Options of {@link openTestPage}: the page to serve, and what says it is ready. */
export interface OpenTestPageOptions extends ServePageOptions {
  /** A global the page's module sets once it has loaded (e.g. `gdhttpBrowserTest`). */
  readonly ready: string;
  /** How long the page may take to set {@link OpenTestPageOptions.ready}, in ms (default 10000). */
  readonly readyTimeoutMs?: number;
  /** Passed to {@link launchBrowser} (e.g. `args: ['--ignore-certificate-errors']`). */
  readonly launch?: LaunchBrowserOptions;
}

/** A bundled test page open in a headless Chromium, from {@link openTestPage}. */
export interface TestPage {
  readonly chromium: LaunchedBrowser;
  readonly site: ServedPage;
  /** The page, loaded and ready. */
  readonly page: Page;
  /** Closes the browser and stops serving the page. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * What every browser suite does first: launches Chromium ({@link launchBrowser}) while the test
 * page is bundled and served ({@link servePage}), opens the page and waits until its module has
 * set the `ready` global. If any step fails, whatever was started is closed before the error is
 * thrown, so a suite's set-up can fail without leaving a browser behind.
 *
 * @param options - the page entry and title, the ready global, launch options.
 * @returns the open page, its browser and its server.
 * @throws the first step's error (a missing chromium, a page that does not bundle, a page that
 *   never becomes ready).
 */
export async function openTestPage(options: OpenTestPageOptions): Promise<TestPage> {
  const { ready, readyTimeoutMs = 10_000, launch, ...serve } = options;
  const [launched, served] = await Promise.allSettled([launchBrowser(launch), servePage(serve)]);
  const chromium = launched.status === 'fulfilled' ? launched.value : undefined;
  const site = served.status === 'fulfilled' ? served.value : undefined;
  const close = async (): Promise<void> => {
    await Promise.all([chromium?.close(), site?.close()]);
  };
  try {
    if (launched.status === 'rejected') throw launched.reason;
    if (served.status === 'rejected') throw served.reason;
    const page = await chromium!.newPage();
    await page.goto(site!.url);
    await page.waitForFunction((name) => name in globalThis, ready, { timeout: readyTimeoutMs });
    return { chromium: chromium!, site: site!, page, close };
  } catch (error) {
    await close();
    throw error;
  }
}
