// The browser entry bundles for a browser: esbuild with `platform: 'browser'` and the browser
// condition finds no Node module, and the `browser` export condition picks the web build.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser } from '@gdhttp/testkit';
import { describe, expect, it } from 'vitest';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('the browser entry', () => {
  it('bundles with platform browser and no node: import; reports its size', async () => {
    const bundle = await bundleForBrowser(
      { file: join(packageDir, 'src/index.browser.ts') },
      { minify: true },
    );
    expect(bundle.imports.filter((path) => path.startsWith('node:'))).toEqual([]);
    expect(bundle.inputs.some((path) => path.includes('transport'))).toBe(false);
    expect(bundle.code).not.toMatch(/["']node:/);
    console.log(
      `browser entry: ${bundle.bytes} B minified, ${bundle.gzipBytes} B minified + gzipped (${bundle.inputs.length} modules)`,
    );
    // A budget, so a heavy import shows up here first.
    expect(bundle.gzipBytes).toBeLessThan(16_384);
  });

  it('is what `@gdhttp/client` resolves to under the browser condition', async () => {
    // A workspace package that depends on @gdhttp/client, so the name resolves as a user's would.
    const bundle = await bundleForBrowser({
      source: "export { HTTPClient } from '@gdhttp/client';",
      resolveDir: join(packageDir, '../request'),
    });
    expect(bundle.inputs.some((path) => path.endsWith('client/src/http-client-web.ts'))).toBe(true);
    expect(bundle.inputs.some((path) => path.endsWith('client/src/http-client.ts'))).toBe(false);
  });
});
