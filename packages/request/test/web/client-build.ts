// The fetch-backed HTTPClient that the web HTTPRequest runs on in a browser, for the tests that
// run the web build in Node: `vi.mock('@gdhttp/client', () => webClientBuild())` swaps the Node
// build for it. It is found through the client's own export map (`@gdhttp/source` → `browser`),
// so the tests follow the package if the file moves.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The module the `browser` condition gives for `@gdhttp/client` (its sources). */
export async function webClientBuild(): Promise<Record<string, unknown>> {
  const manifestPath = createRequire(import.meta.url).resolve('@gdhttp/client/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    exports: { '.': { '@gdhttp/source': { browser: string } } };
  };
  return import(join(dirname(manifestPath), manifest.exports['.']['@gdhttp/source'].browser));
}
