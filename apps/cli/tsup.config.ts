import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.ts';
import { builtinsFromProcess, lazyBuiltins } from './lazy-builtins.ts';

// The command is one bundle: @gdhttp/* are bundled from their sources (the `@gdhttp/source`
// condition), so the published package has no dependency to install. Two outputs:
// - dist/gdhttp.js (the `bin`) and dist/progress-bar.js: ES modules, as every gdhttp package;
// - dist/gdhttp-core.js: the command itself, one classic script that gdhttp.js compiles with a
//   V8 code cache (src/bin.ts; docs/decisions/0021-cli-core-with-code-cache.md).
// No sourcemaps: they would double what `npx` downloads for nothing a user reads.
// `pnpm start` builds without declarations, to start fast.

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** What both outputs share: sources of the layers, and less text for V8 to read. */
const bundling = {
  conditions: ['@gdhttp/source'],
  // Identifiers stay: GdhttpError's `name` is its class's, and keepNames would cost a call per
  // function as the bundle loads.
  minifyWhitespace: true,
  minifySyntax: true,
  // Every layer is a devDependency here, so a layer reaches the others from this folder too.
  nodePaths: [here('node_modules')],
} satisfies BuildOptions;

/**
 * The core: src/main.ts and everything it reaches, as one IIFE. Built-ins come from
 * `process.getBuiltinModule` — lazily for those only some requests need (TLS, crypto, zlib,
 * worker threads, the resolver: README.md, "Startup"), at start for the rest — so the script
 * has no `import` or `require` and runs as it is in `vm.Script`.
 */
async function buildCore(): Promise<void> {
  await build({
    ...bundling,
    entryPoints: { 'gdhttp-core': here('src/main.ts') },
    outdir: here('dist'),
    bundle: true,
    format: 'iife',
    platform: 'node',
    target: 'node20',
    treeShaking: true,
    logLevel: 'warning',
    // The worker-thread transport finds its worker beside `import.meta.url`; the command never
    // starts one (no useThreads), so its empty `import.meta` in a script is of no concern.
    logOverride: { 'empty-import-meta': 'silent' },
    plugins: [
      lazyBuiltins(['tls', 'crypto', 'worker_threads', 'zlib', 'dns/promises', 'fs/promises']),
      builtinsFromProcess(),
    ],
  });
}

export default defineConfig(() => {
  const quick = process.env.npm_lifecycle_event === 'start';
  return {
    ...packageBuild('node'),
    entry: { gdhttp: 'src/bin.ts', 'progress-bar': 'src/progress-bar.ts' },
    dts: quick ? false : { entry: { 'progress-bar': 'src/progress-bar.ts' } },
    sourcemap: false,
    noExternal: [/^@gdhttp\//],
    esbuildOptions(options) {
      Object.assign(options, bundling);
    },
    banner: { js: '#!/usr/bin/env node' },
    // After the ES modules (and tsup's clean of dist/), so nothing removes it.
    onSuccess: buildCore,
  };
});
