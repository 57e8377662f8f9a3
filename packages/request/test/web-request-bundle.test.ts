// The browser entry bundles for a browser: esbuild with `platform: 'browser'` and the browser
// conditions finds no Node module, `@gdhttp/request` resolves to the web build (over the web
// HTTPClient), and a bundle that uses HTTPRequest alone has a size we report (issue #13).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser } from '@gdhttp/testkit';
import { describe, expect, it } from 'vitest';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('the browser entry', () => {
  it('bundles with platform browser and no node: import', async () => {
    const bundle = await bundleForBrowser({ file: join(packageDir, 'src/index.browser.ts') });
    expect(bundle.imports.filter((path) => path.startsWith('node:'))).toEqual([]);
    expect(bundle.inputs.some((path) => path.includes('transport'))).toBe(false);
    expect(bundle.inputs.some((path) => path.endsWith('request/src/http-request.ts'))).toBe(false);
    expect(bundle.code).not.toMatch(/["']node:/);
  });

  it('a bundle using HTTPRequest alone: the web builds, its size reported', async () => {
    // A user's module, resolved as a dependant of @gdhttp/request resolves it (the package refers
    // to itself through its export map).
    const bundle = await bundleForBrowser(
      {
        source:
          "import { HTTPRequest } from '@gdhttp/request';\nglobalThis.http = new HTTPRequest();",
        resolveDir: packageDir,
      },
      { minify: true },
    );
    const { inputs } = bundle;
    expect(inputs.some((path) => path.endsWith('request/src/http-request-web.ts'))).toBe(true);
    expect(inputs.some((path) => path.endsWith('client/src/http-client-web.ts'))).toBe(true);
    expect(inputs.some((path) => path.endsWith('client/src/http-client.ts'))).toBe(false);
    expect(bundle.imports.filter((path) => path.startsWith('node:'))).toEqual([]);
    console.log(
      `HTTPRequest alone (browser): ${bundle.bytes} B minified, ${bundle.gzipBytes} B minified + gzipped (${inputs.length} modules)`,
    );
    // A budget, so a heavy import shows up here first.
    expect(bundle.gzipBytes).toBeLessThan(20_480);
  });
});
