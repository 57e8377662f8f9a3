import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.ts';

// Four entries: the Node build (HTTPClient over sockets, node:events, zlib, files), the web build
// (the fetch-backed HTTPClient), picked by the `browser` export condition, and the worker that
// runs a request when `useThreads` is set, which startModuleWorker() loads from beside index.js
// as `request-worker.js`, and `@gdhttp/request/cookies`. Each is bundled on its own (no shared chunk), so the web entry never
// pulls a Node module in; test/web-request-bundle.test.ts checks it.
export default defineConfig({
  ...packageBuild('node'),
  entry: {
    index: 'src/index.ts',
    'index.browser': 'src/index.browser.ts',
    'request-worker': 'src/internal/request-worker.ts',
    // The cookie jar (tough-cookie), loaded only by programs that import it.
    cookies: 'src/cookies.ts',
  },
});
