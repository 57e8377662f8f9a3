import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Message as BuildMessage } from 'esbuild';

/**
 * The export conditions a browser bundle resolves with: the web builds (`browser`) read from the
 * workspace sources (`@gdhttp/source`), so nothing needs building first.
 */
export const BROWSER_CONDITIONS: readonly string[] = ['browser', '@gdhttp/source'];

/** What to bundle: a file, or a module's source resolved from a folder (as a user's module). */
export type BrowserEntry =
  | { readonly file: string }
  | { readonly source: string; readonly resolveDir: string };

/** Options of {@link bundleForBrowser}. */
export interface BundleForBrowserOptions {
  /** Export conditions; default {@link BROWSER_CONDITIONS}. */
  readonly conditions?: readonly string[];
  /** Module specifiers bundled from other paths (esbuild's `alias`), e.g. a stand-in package. */
  readonly alias?: Readonly<Record<string, string>>;
  /** Minify (for size figures) instead of an inline source map (for pages). Default false. */
  readonly minify?: boolean;
}

/** A browser bundle and what went into it. */
export interface BrowserBundle {
  /** The ESM code. */
  readonly code: string;
  /** Its size in bytes, and gzipped at level 9. */
  readonly bytes: number;
  readonly gzipBytes: number;
  /** The paths of every bundled module. */
  readonly inputs: readonly string[];
  /** Every import path any bundled module makes (a `node:` one would be a defect). */
  readonly imports: readonly string[];
}

/**
 * Bundles an entry with esbuild for the browser (ESM, `platform: 'browser'`). A browser bundle
 * cannot take a Node built-in, so a `node:` import reaching it fails the build, and the error
 * names every failing import with its importer.
 *
 * @param entry - the file, or a module's source and the folder it resolves from.
 * @param options - conditions, aliases, minification.
 * @returns the bundle and its inputs and imports.
 * @throws an error listing esbuild's errors when the entry does not bundle.
 */
export async function bundleForBrowser(
  entry: BrowserEntry,
  options: BundleForBrowserOptions = {},
): Promise<BrowserBundle> {
  // Loaded here, not at the top: every socket test imports the test kit.
  const esbuild = await import('esbuild');
  const conditions = [...(options.conditions ?? BROWSER_CONDITIONS)];
  const name = 'file' in entry ? entry.file : '<source>';
  let built: Awaited<ReturnType<typeof esbuild.build<{ write: false; metafile: true }>>>;
  try {
    built = await esbuild.build({
      ...('file' in entry
        ? { entryPoints: [entry.file] }
        : { stdin: { contents: entry.source, resolveDir: entry.resolveDir, loader: 'ts' } }),
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      conditions,
      ...(options.alias === undefined ? {} : { alias: { ...options.alias } }),
      ...(options.minify === true ? { minify: true } : { sourcemap: 'inline' as const }),
      logLevel: 'silent',
    });
  } catch (error) {
    // esbuild's own message lists five errors; name them all, each with its importer.
    const errors = (error as { errors?: readonly BuildMessage[] }).errors;
    if (errors === undefined) throw error;
    const lines = errors.map(
      (e) => `  ${e.location === null ? '' : `${e.location.file}:${e.location.line}: `}${e.text}`,
    );
    throw new Error(
      `${name} does not bundle for the browser (conditions ${conditions.join(', ')}):\n${lines.join('\n')}`,
    );
  }
  const output = built.outputFiles[0];
  if (output === undefined) throw new Error(`esbuild wrote nothing for ${name}`);
  // esbuild names inputs relative to the working directory; absolute, they read the same from
  // the repository root and from a package.
  const inputs = Object.keys(built.metafile.inputs).map((input) => resolve(input));
  return {
    code: output.text,
    bytes: output.contents.length,
    gzipBytes: gzipSync(output.contents, { level: 9 }).length,
    inputs,
    imports: Object.values(built.metafile.inputs).flatMap((input) =>
      input.imports.map((i) => i.path),
    ),
  };
}
