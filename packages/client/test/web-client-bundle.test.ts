// The browser entry bundles for a browser: esbuild with `platform: 'browser'` and the browser
// condition finds no Node module, and the `browser` export condition picks the web build.
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
  it('bundles with platform browser and no node: import; reports its size', async () => {
    const result = await build({
      ...options,
      entryPoints: [join(packageDir, 'src/index.browser.ts')],
    });
    expect(result.errors).toEqual([]);
    const imports = importsOf(result.metafile);
    expect(imports.filter((path) => path.startsWith('node:'))).toEqual([]);
    expect(Object.keys(result.metafile.inputs).some((path) => path.includes('transport'))).toBe(
      false,
    );
    const code = result.outputFiles[0]!.contents;
    expect(new TextDecoder().decode(code)).not.toMatch(/["']node:/);
    const gzipped = gzipSync(code, { level: 9 }).length;
    console.log(
      `browser entry: ${code.length} B minified, ${gzipped} B minified + gzipped (${Object.keys(result.metafile.inputs).length} modules)`,
    );
    // A budget, so a heavy import shows up here first.
    expect(gzipped).toBeLessThan(16_384);
  });

  it('is what `@gdhttp/client` resolves to under the browser condition', async () => {
    const result = await build({
      ...options,
      stdin: {
        contents: "export { HTTPClient } from '@gdhttp/client';",
        // A workspace package that depends on @gdhttp/client, so the name resolves as a user's would.
        resolveDir: join(packageDir, '../request'),
        loader: 'ts',
      },
    });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((path) => path.endsWith('client/src/http-client-web.ts'))).toBe(true);
    expect(inputs.some((path) => path.endsWith('client/src/http-client.ts'))).toBe(false);
  });
});
