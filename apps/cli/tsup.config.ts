import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.ts';

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
      // Every layer is a devDependency here, so a layer reaches the others from this folder too.
      options.nodePaths = [fileURLToPath(new URL('node_modules', import.meta.url))];
    },
    banner: { js: '#!/usr/bin/env node' },
  };
});
