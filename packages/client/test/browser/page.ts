// The browser test page: the web HTTPClient, taken from `@gdhttp/client` through the `browser`
// export condition, runs each scenario polled on requestAnimationFrame (Godot's frame loop, in a
// browser). The test calls `gdhttpBrowserTest.run(spec)` through `page.evaluate`.
import { HTTPClient } from '@gdhttp/client';
import { runScenario, type ScenarioResult, type ScenarioSpec } from './scenario.ts';

// The DOM's one name this page uses (the package compiles without the DOM library).
declare function requestAnimationFrame(callback: (time: number) => void): number;

/** What the page offers the test. */
export interface BrowserTestApi {
  /** Runs one scenario on a new client, one poll per animation frame. */
  run(spec: ScenarioSpec): Promise<ScenarioResult>;
}

const api: BrowserTestApi = {
  run: (spec) =>
    runScenario(
      () => new HTTPClient(),
      spec,
      () => new Promise((resolve) => requestAnimationFrame(resolve)),
    ),
};

(globalThis as unknown as { gdhttpBrowserTest: BrowserTestApi }).gdhttpBrowserTest = api;
