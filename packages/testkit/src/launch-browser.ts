import { readdirSync, readFileSync } from 'node:fs';
import type { Browser, BrowserServer, Page } from 'playwright-core';
import { systemTool } from './system-tool.js';

/**
 * The flags every launch passes to Debian's chromium, beside playwright's own (which already
 * include `--headless` and, for a custom executable, `--no-sandbox` when run as root). Without
 * the background-networking ones Chromium opens connections to Google's hosts at every start,
 * which a closed network refuses many at a time.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Options of {@link launchBrowser}. */
export interface LaunchBrowserOptions {
  /** The browser binary (default: Debian's `chromium` found by `systemTool('chromium')`). */
  readonly executablePath?: string;
  /** Flags after {@link CHROMIUM_ARGS}. */
  readonly args?: readonly string[];
  /** How long the launch may take, in ms (default 30000). */
  readonly timeoutMs?: number;
  /** How long a graceful close may take before the group is killed, in ms (default 10000). */
  readonly closeTimeoutMs?: number;
}

/** A headless Chromium started by {@link launchBrowser}. */
export interface LaunchedBrowser {
  /** Playwright's handle on it. */
  readonly browser: Browser;
  /** The pid of the browser process (its process group holds the renderers and helpers). */
  readonly pid: number;
  /**
   * A page in a new context (fresh cookies and cache) whose uncaught errors and console
   * messages are kept for {@link LaunchedBrowser.log}.
   */
  newPage(): Promise<Page>;
  /** What the pages wrote to the console and the errors they did not catch, oldest first. */
  log(): string[];
  /**
   * Closes the browser: gracefully first, then kills what is left of its process group by pid
   * and waits until the group is gone. Safe to call twice.
   */
  close(): Promise<void>;
}

// Process groups of browsers not closed yet, killed when the worker exits without afterAll.
const live = new Set<number>();
let exitHook = false;

function track(pid: number): void {
  live.add(pid);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const group of live) killGroup(group);
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}

/**
 * Whether a live process of group `pid` is left. Zombies do not count: the renderers die before
 * whoever inherits them (PID 1, in a container) reaps them, which can take a second or two.
 */
function groupExists(pid: number): boolean {
  try {
    process.kill(-pid, 0);
  } catch {
    return false;
  }
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return true; // no procfs: the group answers, so it is there
  }
  for (const entry of entries) {
    try {
      // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(group) === pid && state !== 'Z' && state !== 'X') return true;
    } catch {
      // exited while we looked
    }
  }
  return false;
}

/** Waits until no live process of the group is left (SIGKILL is sent, not awaited), or `ms`. */
async function groupGone(pid: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (groupExists(pid) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Launches Debian's system Chromium headless through `playwright-core`, which downloads no
 * browser: the binary is `/usr/bin/chromium` (or `executablePath`), started with
 * {@link CHROMIUM_ARGS} and a fresh temporary profile that playwright creates and removes.
 *
 * The browser runs as playwright's browser server (so its pid is known) and is driven through
 * `chromium.connect`; `close()` ends it by pid even when it no longer answers, and a worker that
 * exits without closing it kills its process group on exit. Launch it once per test file.
 *
 * @example
 * ```ts
 * const tools = systemTools('chromium');
 * describe.skipIf(!tools.shouldRun)(`in Chromium${tools.skipNote}`, () => {
 *   let chromium: LaunchedBrowser;
 *   beforeAll(async () => {
 *     tools.require();
 *     chromium = await launchBrowser();
 *   });
 *   afterAll(() => chromium?.close());
 * });
 * ```
 *
 * @param options - binary, extra flags, deadline.
 * @returns the running browser.
 * @throws naming the Debian package when chromium is not installed, or when the launch fails.
 */
export async function launchBrowser(options: LaunchBrowserOptions = {}): Promise<LaunchedBrowser> {
  const executablePath = options.executablePath ?? systemTool('chromium').require();
  const timeoutMs = options.timeoutMs ?? 30_000;
  const closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
  // Loaded here, not at the top: every socket test imports the test kit.
  const { chromium } = await import('playwright-core');
  const server: BrowserServer = await chromium.launchServer({
    executablePath,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
    headless: true,
    timeout: timeoutMs,
    // The test runner handles its own signals; the exit hook below kills the group.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  const child = server.process();
  const pid = child.pid;
  if (pid === undefined) {
    await server.close();
    throw new Error(`chromium (${executablePath}) started without a pid`);
  }
  track(pid);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let browser: Browser;
  try {
    browser = await chromium.connect(server.wsEndpoint(), { timeout: timeoutMs });
  } catch (error) {
    killGroup(pid);
    live.delete(pid);
    await exited;
    throw error;
  }

  const lines: string[] = [];
  let closing: Promise<void> | null = null;
  return {
    browser,
    pid,
    log: () => [...lines],
    async newPage() {
      const context = await browser.newContext();
      const page = await context.newPage();
      page.on('console', (message) => lines.push(`console.${message.type()}: ${message.text()}`));
      page.on('pageerror', (error) => lines.push(`pageerror: ${error.stack ?? error.message}`));
      return page;
    },
    close() {
      closing ??= (async () => {
        try {
          await withDeadline(
            browser.close().then(() => server.close()),
            closeTimeoutMs,
            'closing chromium',
          );
        } catch {
          // killed below
        }
        // Renderers, the zygote and helpers share the browser's group (playwright starts it
        // detached); whatever is left of it goes now.
        killGroup(pid);
        await exited;
        await groupGone(pid, closeTimeoutMs);
        live.delete(pid);
      })();
      return closing;
    },
  };
}
