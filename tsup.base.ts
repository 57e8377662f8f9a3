import type { Options } from 'tsup';

/**
 * The one tsup configuration every published package builds with.
 *
 * @param platform - `neutral` for packages that must run in browsers (constants, parser),
 *   `node` for packages that import Node built-ins.
 */
export function packageBuild(platform: 'neutral' | 'node'): Options {
  return {
    entry: ['src/index.ts'],
    // tsup defaults to CJS; gdhttp is ESM only (docs/decisions/0001-esm-only.md).
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform,
    // The default rewrites `node:net` to `net`; keep the protocol so bundlers and Deno see built-ins.
    removeNodeProtocol: false,
    splitting: false,
    treeshake: true,
  };
}
