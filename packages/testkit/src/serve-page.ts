import { createServer, type Server } from 'node:http';
import { bundleForBrowser } from './bundle-for-browser.js';
import { listenLoopback } from './listen-loopback.js';

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
  const { code: script } = await bundleForBrowser(
    { file: options.entry },
    {
      ...(options.conditions === undefined ? {} : { conditions: options.conditions }),
      ...(options.alias === undefined ? {} : { alias: options.alias }),
    },
  );
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
