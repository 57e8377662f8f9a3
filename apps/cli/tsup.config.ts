import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.ts';
import { lazyBuiltins } from './lazy-builtins.ts';

// The command is one bundle: @gdhttp/* are bundled from their sources (the `@gdhttp/source`
// condition), so the published package has no dependency to install and Node reads one file
// to start, plus the chunk a request needs (run.ts imports it lazily). No sourcemaps: they
// would double what `npx` downloads for nothing a user reads.
// `pnpm start` builds without declarations, to start fast.
export default defineConfig(() => {
  const quick = process.env.npm_lifecycle_event === 'start';
  return {
    ...packageBuild('node'),
    entry: { gdhttp: 'src/main.ts', 'progress-bar': 'src/progress-bar.ts' },
    dts: quick ? false : { entry: { 'progress-bar': 'src/progress-bar.ts' } },
    sourcemap: false,
    splitting: true,
    noExternal: [/^@gdhttp\//],
    esbuildOptions(options) {
      options.conditions = ['@gdhttp/source'];
      // Startup: less text to read and parse. Identifiers stay: GdhttpError's `name` is its
      // class's, and keepNames would cost a call per function as the bundle loads.
      options.minifyWhitespace = true;
      options.minifySyntax = true;
      // Every layer is a devDependency here, so a layer reaches the others from this folder too.
      options.nodePaths = [fileURLToPath(new URL('node_modules', import.meta.url))];
    },
    banner: { js: '#!/usr/bin/env node' },
    // Startup (README.md, "Startup"): what only some requests need — TLS, crypto, zlib, worker
    // threads, and the resolver (not for an IP address) — is loaded when first used.
    esbuildPlugins: [lazyBuiltins(['tls', 'crypto', 'worker_threads', 'zlib', 'dns/promises'])],
  };
});
