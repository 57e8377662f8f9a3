import { fileURLToPath } from 'node:url';
import { createServer, defaultClientConditions, type InlineConfig, type ViteDevServer } from 'vite';
import {
  type DemoRoute,
  type DemoServer,
  type DemoServerOptions,
  startDemoServer,
} from './demo-server.js';

/**
 * The export conditions the page resolves with: Vite's defaults for the browser, plus
 * `@gdhttp/source` so `@gdhttp/*` come from the workspace's `src/` (no build first) and, with
 * `browser`, from their web builds (`src/index.browser.ts`).
 */
export const WEB_CONDITIONS: readonly string[] = [...defaultClientConditions, '@gdhttp/source'];

/** The app's folder: Vite's root, where `index.html` is. */
export const APP_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Vite's configuration of the page, for `createServer` (dev) or `build` (production): the app's
 * root, {@link WEB_CONDITIONS}, and the demo server's origin and routes as `__GDHTTP_DEMO__`.
 *
 * @param demo - where the page's requests go.
 * @returns an inline config (no `vite.config.ts` is read).
 */
export function webConfig(demo: {
  readonly origin: string;
  readonly routes: readonly DemoRoute[];
}): InlineConfig {
  return {
    configFile: false,
    root: APP_ROOT,
    clearScreen: false,
    resolve: { conditions: [...WEB_CONDITIONS] },
    define: {
      __GDHTTP_DEMO__: JSON.stringify({ origin: demo.origin, routes: demo.routes }),
    },
    // Nothing outside the workspace is imported by the page: no dependency pre-bundling.
    optimizeDeps: { noDiscovery: true, include: [] },
  };
}

/** Options of {@link startWebDemo}. */
export interface WebDemoOptions {
  /** Port of Vite's dev server on 127.0.0.1 (default 5173; the next free one if taken). */
  readonly port?: number;
  /** Fail instead of trying the next port when `port` is taken (default false). */
  readonly strictPort?: boolean;
  /** The demo server's options (default: any free port). */
  readonly demo?: DemoServerOptions;
  /** Vite's log level (default `info`). */
  readonly logLevel?: 'info' | 'warn' | 'error' | 'silent';
}

/** The running demo: the CORS server and Vite's dev server serving the page. */
export interface WebDemo {
  /** The page's address, `http://127.0.0.1:<port>/`. */
  readonly url: string;
  /** The server the page's requests go to (another port: cross-origin, so CORS applies). */
  readonly demo: DemoServer;
  /** Vite's dev server. */
  readonly vite: ViteDevServer;
  /** Stops both. */
  close(): Promise<void>;
}

/**
 * Starts the demo server and Vite's dev server for the page, both on 127.0.0.1 (so it works
 * offline). Vite is configured here, not by a `vite.config.ts`, because the page needs the demo
 * server's port (`define: __GDHTTP_DEMO__`), known only once it listens.
 *
 * @param options - ports and log level.
 * @returns the running demo.
 * @example
 * ```ts
 * const web = await startWebDemo();
 * console.log(`open ${web.url}`);
 * ```
 */
export async function startWebDemo(options: WebDemoOptions = {}): Promise<WebDemo> {
  const demo = await startDemoServer(options.demo);
  let vite: ViteDevServer | undefined;
  try {
    vite = await createServer({
      ...webConfig(demo),
      logLevel: options.logLevel ?? 'info',
      server: {
        host: '127.0.0.1',
        port: options.port ?? 5173,
        strictPort: options.strictPort ?? false,
      },
    });
    await vite.listen();
  } catch (error) {
    await vite?.close();
    await demo.close();
    throw error;
  }
  const address = vite.httpServer?.address();
  if (address === null || address === undefined || typeof address === 'string') {
    await vite.close();
    await demo.close();
    throw new Error('Vite dev server has no TCP address');
  }
  const server = vite;
  return {
    url: `http://127.0.0.1:${address.port}/`,
    demo,
    vite: server,
    close: async () => {
      await server.close();
      await demo.close();
    },
  };
}
