// The harness's own test page: proves the bundle runs in Chromium (a workspace package resolved
// through the browser conditions), that requestAnimationFrame ticks, and that a cross-origin
// fetch to a CORS server on another port of 127.0.0.1 works and one without CORS is refused.
import { nameOf, Status } from '@gdhttp/constants';

// The DOM's few names this page uses (the package compiles without the DOM library).
declare function requestAnimationFrame(callback: (time: number) => void): number;

/** What the test reads back through `page.evaluate`. */
export interface TrivialPageApi {
  /** A name from `@gdhttp/constants`, to show the workspace package was bundled. */
  statusName: string;
  /** Waits `count` animation frames and returns their timestamps. */
  frames(count: number): Promise<number[]>;
  /** Fetches `url` and returns its status and text, or the error's name and message. */
  fetchText(url: string): Promise<{ status: number; text: string } | { error: string }>;
}

const api: TrivialPageApi = {
  statusName: nameOf(Status, Status.BODY) ?? '',
  async frames(count) {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      times.push(await new Promise<number>((resolve) => requestAnimationFrame(resolve)));
    }
    return times;
  },
  async fetchText(url) {
    try {
      const response = await fetch(url);
      return { status: response.status, text: await response.text() };
    } catch (error) {
      return { error: `${(error as Error).name}: ${(error as Error).message}` };
    }
  },
};

(globalThis as unknown as { trivialPage: TrivialPageApi }).trivialPage = api;
