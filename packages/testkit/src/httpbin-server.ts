import { request } from 'node:http';
import { startSystemDaemon } from './system-daemon.js';
import { systemTool } from './system-tool.js';

/** Options of {@link startHttpbin}. */
export interface HttpbinOptions {
  /** gunicorn sync workers (default 2, so one stuck request does not block the next). */
  readonly workers?: number;
}

/** A running httpbin (see {@link startHttpbin}). */
export interface HttpbinServer {
  /** Always `127.0.0.1`. */
  readonly host: string;
  /** Its port. */
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The gunicorn master's pid. */
  readonly pid: number;
  /** Stops gunicorn by pid (SIGQUIT, waits for it to exit) and removes its temp directory. */
  close(): Promise<void>;
}

/**
 * Starts Debian's httpbin (`python3-httpbin`, the Flask app of httpbin.org 0.7.0, module
 * `httpbin`, app `httpbin:app`) under Debian's gunicorn on 127.0.0.1, and waits until
 * `GET /status/200` answers 200.
 *
 * gunicorn's sync workers answer every response with `Connection: close`. Its routes include
 * `/anything`, `/stream/<n>` and `/stream-bytes/<n>?chunk_size=` (chunked), `/gzip`, `/deflate`,
 * `/brotli` (Debian's package depends on `python3-brotli`), `/redirect/<n>`,
 * `/absolute-redirect/<n>`, `/redirect-to?url=&status_code=`, `/etag/<etag>`, `/range/<n>`.
 *
 * @param options - the number of workers.
 * @returns the running server.
 * @throws naming the Debian package when gunicorn or httpbin is missing, or with gunicorn's
 *   stderr when it does not start.
 */
export async function startHttpbin(options: HttpbinOptions = {}): Promise<HttpbinServer> {
  const gunicorn = systemTool('gunicorn').require();
  systemTool('httpbin').require();
  // gunicorn reads its options from this variable too: a developer's setting must not leak in.
  const { GUNICORN_CMD_ARGS: _, ...env } = process.env;
  const daemon = await startSystemDaemon({
    name: 'httpbin',
    env,
    // Importing Flask and booting the workers takes about a second; a slow CI machine more.
    startTimeoutMs: 20_000,
    // gunicorn's quick shutdown; SIGTERM would wait for requests in progress.
    stopSignal: 'SIGQUIT',
    ready: ([port]) => answers(port!),
    // It runs in its fresh temp directory, so no gunicorn.conf.py is picked up from a cwd.
    configure: async (_dir, [port]) => [
      gunicorn,
      [
        '--bind',
        `127.0.0.1:${port}`,
        '--workers',
        String(options.workers ?? 2),
        '--worker-class',
        'sync',
        '--graceful-timeout',
        '1',
        '--log-level',
        'warning',
        'httpbin:app',
      ],
    ],
  });
  const port = daemon.ports[0]!;
  return {
    host: '127.0.0.1',
    port,
    url: `http://127.0.0.1:${port}`,
    pid: daemon.pid,
    close: daemon.close,
  };
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/status/200', timeout: 2000, agent: false },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
