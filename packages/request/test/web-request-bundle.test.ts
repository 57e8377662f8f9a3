// The browser entry bundles for a browser: esbuild with `platform: 'browser'` and the browser
// conditions finds no Node module, `@gdhttp/request` resolves to the web build (over the web
// HTTPClient), and a bundle that uses HTTPRequest alone has a size we report (issue #13).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

const options = {
  bundle: true,
  platform: 'browser',
  format: 'esm',
  conditions: ['browser', '@gdhttp/source'],
  minify: true,
  metafile: true,
  write: false,
  logLevel: 'silent',
} satisfies BuildOptions;

/** Every import path any bundled file makes, external or not. */
function importsOf(metafile: Metafile): string[] {
  return Object.values(metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
}

describe('the browser entry', () => {
  it('bundles with platform browser and no node: import', async () => {
    const result = await build({
      ...options,
      entryPoints: [join(packageDir, 'src/index.browser.ts')],
    });
    expect(result.errors).toEqual([]);
    expect(importsOf(result.metafile).filter((path) => path.startsWith('node:'))).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((path) => path.includes('transport'))).toBe(false);
    expect(inputs.some((path) => path.endsWith('request/src/http-request.ts'))).toBe(false);
    expect(new TextDecoder().decode(result.outputFiles[0]!.contents)).not.toMatch(/["']node:/);
  });

  it('a bundle using HTTPRequest alone: the web builds, its size reported', async () => {
    const result = await build({
      ...options,
      stdin: {
        // A user's module, resolved as a dependant of @gdhttp/request resolves it (the package
        // refers to itself through its export map).
        contents:
          "import { HTTPRequest } from '@gdhttp/request';\nglobalThis.http = new HTTPRequest();",
        resolveDir: packageDir,
        loader: 'ts',
      },
    });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((path) => path.endsWith('request/src/http-request-web.ts'))).toBe(true);
    expect(inputs.some((path) => path.endsWith('client/src/http-client-web.ts'))).toBe(true);
    expect(inputs.some((path) => path.endsWith('client/src/http-client.ts'))).toBe(false);
    expect(importsOf(result.metafile).filter((path) => path.startsWith('node:'))).toEqual([]);
    const code = result.outputFiles[0]!.contents;
    const gzipped = gzipSync(code, { level: 9 }).length;
    console.log(
      `HTTPRequest alone (browser): ${code.length} B minified, ${gzipped} B minified + gzipped (${inputs.length} modules)`,
    );
    // A budget, so a heavy import shows up here first.
    expect(gzipped).toBeLessThan(20_480);
  });
});
