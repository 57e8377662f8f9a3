import { createServer, type Server } from 'node:http';
import type { Message as BuildMessage } from 'esbuild';
import { listenLoopback } from './listen-loopback.js';

/**
 * The export conditions a browser bundle resolves with: the web builds (`browser`) read from the
 * workspace sources (`@gdhttp/source`), so nothing needs building first.
 */
export const BROWSER_CONDITIONS: readonly string[] = ['browser', '@gdhttp/source'];

/** Options of {@link servePage}. */
export interface ServePageOptions {
  /** The test page's entry module (TypeScript or JavaScript), bundled for the browser. */
  readonly entry: string;
  /** The page's `<title>` (default `gdhttp test page`). */
  readonly title?: string;
  /** Export conditions (default {@link BROWSER_CONDITIONS}). */
  readonly conditions?: readonly string[];
  /** Extra `<body>` HTML before the module script. */
  readonly body?: string;
  /** Module specifiers bundled from other paths (esbuild's `alias`), e.g. a stand-in package. */
  readonly alias?: Readonly<Record<string, string>>;
}

/** A bundled page served on 127.0.0.1 by {@link servePage}. */
export interface ServedPage {
  /** The page's address, `http://127.0.0.1:<port>/`. */
  readonly url: string;
  /** Its origin, `http://127.0.0.1:<port>`: what a CORS server sees in `Origin`. */
  readonly origin: string;
  /** The port it is served on. */
  readonly port: number;
  /** The bundled module, as served at `/page.js`. */
  readonly script: string;
  /** Stops serving (open connections are closed). */
  close(): Promise<void>;
}

/**
 * Bundles `entry` with esbuild for the browser (ESM, the `browser` and `@gdhttp/source`
 * conditions, an inline source map) and serves it on 127.0.0.1 from a small HTTP server: `/`
 * is an HTML page that loads it as a module from `/page.js`; every other path is 404. A
 * browser bundle cannot take a Node built-in, so a `node:` import reaching it fails the build,
 * and the error names the importer.
 *
 * @param options - the entry and the page.
 * @returns the served page.
 * @throws esbuild's errors when the bundle does not build.
 */
export async function servePage(options: ServePageOptions): Promise<ServedPage> {
  // Loaded here, not at the top: every socket test imports the test kit.
  const esbuild = await import('esbuild');
  const conditions = [...(options.conditions ?? BROWSER_CONDITIONS)];
  let built: Awaited<ReturnType<typeof esbuild.build<{ write: false }>>>;
  try {
    built = await esbuild.build({
      entryPoints: [options.entry],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      conditions,
      ...(options.alias === undefined ? {} : { alias: { ...options.alias } }),
      sourcemap: 'inline',
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
      `servePage: ${options.entry} does not bundle for the browser (conditions ${conditions.join(', ')}):\n${lines.join('\n')}`,
    );
  }
  const script = built.outputFiles[0]?.text;
  if (script === undefined)
    throw new Error(`servePage: esbuild wrote nothing for ${options.entry}`);
  const title = options.title ?? 'gdhttp test page';
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${title}</title><link rel="icon" href="data:,"></head>
<body>${options.body ?? ''}<script type="module" src="/page.js"></script></body>
</html>
`;
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const [type, content] =
      path === '/'
        ? ['text/html; charset=utf-8', html]
        : path === '/page.js'
          ? ['text/javascript; charset=utf-8', script]
          : ['text/plain; charset=utf-8', 'not found\n'];
    response.writeHead(content === 'not found\n' ? 404 : 200, {
      'Content-Type': type,
      'Content-Length': Buffer.byteLength(content),
      'Cache-Control': 'no-store',
    });
    response.end(content);
  });
  const port = await listenLoopback(server);
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/`,
    origin,
    port,
    script,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
