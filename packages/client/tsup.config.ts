import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.ts';

// Two entries: the Node build (sockets from @gdhttp/transport) and the web build (fetch), picked by
// the `browser` export condition. Each is bundled on its own (no shared chunk), so the web entry
// never pulls a Node module in; test/web-client-bundle.test.ts checks it.
export default defineConfig({
  ...packageBuild('node'),
  entry: ['src/index.ts', 'src/index.browser.ts'],
});
