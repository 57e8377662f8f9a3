// The page of test/browser-stream-upload.test.ts: the web HTTPClient (`@gdhttp/client` under the
// `browser` condition) streams request bodies on a requestAnimationFrame loop; the test calls
// `gdhttpUploadTest.run(spec)` through `page.evaluate`.
import { HTTPClient } from '@gdhttp/client';
import { runUpload, type UploadResult, type UploadSpec } from './upload-scenario.ts';

// The DOM's one name this page uses (the package compiles without the DOM library).
declare function requestAnimationFrame(callback: (time: number) => void): number;

/** What the page offers the test. */
export interface UploadTestApi {
  /** Runs one upload on a new client, polled per animation frame (and per fetch event). */
  run(spec: UploadSpec): Promise<UploadResult>;
}

const api: UploadTestApi = {
  run: (spec) =>
    runUpload(
      () => new HTTPClient(),
      spec,
      () => new Promise((resolve) => requestAnimationFrame(resolve)),
    ),
};

(globalThis as unknown as { gdhttpUploadTest: UploadTestApi }).gdhttpUploadTest = api;
