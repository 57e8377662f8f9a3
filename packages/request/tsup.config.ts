import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.ts';

// Two entries: the Node build (HTTPClient over sockets, node:events, zlib, files) and the web build
// (the fetch-backed HTTPClient), picked by the `browser` export condition. Each is bundled on its
// own (no shared chunk), so the web entry never pulls a Node module in;
// test/web-request-bundle.test.ts checks it.
export default defineConfig({
  ...packageBuild('node'),
  entry: ['src/index.ts', 'src/index.browser.ts'],
});
