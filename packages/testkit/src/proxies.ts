import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants as fsConstants } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createProxy } from 'proxy';
import { listenLoopback } from './listen-loopback.js';

/** Basic credentials a proxy fixture demands. */
export interface ProxyCredentials {
  readonly user: string;
  readonly pass: string;
}

/** Options of the proxy fixtures. */
export interface ProxyFixtureOptions {
  /** Demand these Basic credentials (407 without them). */
  readonly auth?: ProxyCredentials;
}

/** A real HTTP proxy running on 127.0.0.1. */
export interface ProxyFixture {
  /** Which proxy: `npm-proxy` (npm `proxy@4.1.0`), `tinyproxy` or `squid`. */
  readonly kind: 'npm-proxy' | 'tinyproxy' | 'squid';
  /** Always `127.0.0.1`. */
  readonly host: string;
  /** Its port. */
  readonly port: number;
  /** The credentials it demands, or `null`. */
  readonly auth: ProxyCredentials | null;
  /** Stops it. */
  close(): Promise<void>;
}

/** The install hint printed when a system proxy is missing. */
export const INSTALL_HINT = 'run: bash packages/testkit/scripts/install-system-deps.sh (as root)';

/** Where the tests stand with a Debian proxy binary. */
export interface SystemTool {
  /** The binary's name. */
  readonly name: 'tinyproxy' | 'squid';
  /** Its path, or `null` when not installed. */
  readonly path: string | null;
  /**
   * Whether its tests should run: installed, or on CI (`CI=true`), where a missing binary must
   * fail the run rather than skip silently.
   */
  readonly shouldRun: boolean;
  /** `''`, or a note for the suite title saying why it is skipped. */
  readonly skipNote: string;
  /** The path; throws a clear error when the binary is missing. */
  require(): string;
}

const SEARCH_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin'];

/**
 * Finds a Debian proxy binary (searching PATH and the sbin directories, since squid lives in
 * `/usr/sbin`) and says whether its tests should run.
 *
 * @param name - `tinyproxy` or `squid`.
 * @returns the tool's state.
 */
export function systemTool(name: 'tinyproxy' | 'squid'): SystemTool {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SEARCH_DIRS];
  let path: string | null = null;
  for (const dir of dirs) {
    try {
      accessSync(join(dir, name), fsConstants.X_OK);
      path = join(dir, name);
      break;
    } catch {
      // not in this directory
    }
  }
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  return {
    name,
    path,
    shouldRun: path !== null || ci,
    skipNote: path === null && !ci ? ` (skipped: ${name} is not installed; ${INSTALL_HINT})` : '',
    require: () => {
      if (path === null) throw new Error(`${name} is not installed; ${INSTALL_HINT}`);
      return path;
    },
  };
}

/**
 * Starts npm's `proxy@4.1.0` (TooTallNate's proxy-agents) in-process on 127.0.0.1.
 *
 * It forwards absolute-form requests, tunnels CONNECT (`HTTP/1.1 200 Connection established`),
 * and answers 407 with a chunked body when credentials are missing or wrong.
 *
 * @param options - `auth` to demand Basic credentials.
 * @returns the running proxy.
 */
export async function startNpmProxy(options: ProxyFixtureOptions = {}): Promise<ProxyFixture> {
  const server = createProxy(createHttpServer());
  const auth = options.auth ?? null;
  if (auth !== null) {
    const expected = `Basic ${Buffer.from(`${auth.user}:${auth.pass}`).toString('base64')}`;
    server.authenticate = (req: IncomingMessage) => req.headers['proxy-authorization'] === expected;
  }
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listenLoopback(server);
  return {
    kind: 'npm-proxy',
    host: '127.0.0.1',
    port,
    auth,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Starts Debian's tinyproxy on 127.0.0.1 with a generated configuration (anchors.md Appendix
 * E): no `ConnectPort` line, so CONNECT may reach any port. Its CONNECT answer is
 * `HTTP/1.0 200 Connection established` with no length, and its 407 is `HTTP/1.0`.
 *
 * @param options - `auth` for a `BasicAuth` line.
 * @returns the running proxy.
 * @throws if tinyproxy is not installed or does not start.
 */
export async function startTinyproxy(options: ProxyFixtureOptions = {}): Promise<ProxyFixture> {
  const binary = systemTool('tinyproxy').require();
  const auth = options.auth ?? null;
  return startDaemon('tinyproxy', auth, async (dir, port) => {
    const conf = join(dir, 'tinyproxy.conf');
    const lines = [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 60',
      'MaxClients 100',
      'LogLevel Warning',
      'Allow 127.0.0.1',
      'DisableViaHeader Yes',
    ];
    if (auth !== null) lines.push(`BasicAuth ${auth.user} ${auth.pass}`);
    await writeFile(conf, `${lines.join('\n')}\n`);
    return [binary, ['-d', '-c', conf]];
  });
}

/**
 * Starts Debian's squid on 127.0.0.1 in the foreground (`squid -N`) with a generated
 * configuration (anchors.md Appendix E): no cache, `basic_ncsa_auth` with an `openssl passwd
 * -apr1` file when `auth` is given, `shutdown_lifetime 1 seconds`.
 *
 * @param options - `auth` to demand Basic credentials.
 * @returns the running proxy.
 * @throws if squid is not installed or does not start.
 */
export async function startSquid(options: ProxyFixtureOptions = {}): Promise<ProxyFixture> {
  const binary = systemTool('squid').require();
  const auth = options.auth ?? null;
  return startDaemon('squid', auth, async (dir, port) => {
    const conf = join(dir, 'squid.conf');
    const root = process.getuid?.() === 0;
    const lines = [
      `http_port 127.0.0.1:${port}`,
      `pid_filename ${join(dir, 'squid.pid')}`,
      `access_log stdio:${join(dir, 'access.log')}`,
      `cache_log ${join(dir, 'cache.log')}`,
      `coredump_dir ${dir}`,
      'cache deny all',
      'pinger_enable off',
      'shutdown_lifetime 1 seconds',
    ];
    // As root squid drops to an unprivileged user, which must be able to write the logs.
    if (root) {
      lines.push('cache_effective_user proxy');
      const ids = proxyUserIds();
      if (ids !== null) await chown(dir, ids.uid, ids.gid);
    }
    if (auth !== null) {
      const hash = execFileSync('openssl', ['passwd', '-apr1', auth.pass], { encoding: 'utf8' });
      const passwd = join(dir, 'squid.passwd');
      await writeFile(passwd, `${auth.user}:${hash.trim()}\n`, { mode: 0o644 });
      lines.push(
        `auth_param basic program /usr/lib/squid/basic_ncsa_auth ${passwd}`,
        'auth_param basic realm squid-loopback',
        'acl authed proxy_auth REQUIRED',
        'http_access allow localhost authed',
      );
    } else {
      lines.push('http_access allow localhost');
    }
    lines.push('http_access deny all');
    await writeFile(conf, `${lines.join('\n')}\n`);
    return [binary, ['-N', '-f', conf]];
  });
}

function proxyUserIds(): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync('id', ['-u', 'proxy'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'proxy'], { encoding: 'utf8' }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
  } catch {
    return null;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listenLoopback(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function startDaemon(
  kind: 'tinyproxy' | 'squid',
  auth: ProxyCredentials | null,
  configure: (dir: string, port: number) => Promise<[string, string[]]>,
): Promise<ProxyFixture> {
  // A port picked by binding port 0 can be taken again before the daemon binds it: retry.
  let lastError: unknown = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), `gdhttp-${kind}-`));
    const port = await freePort();
    const [binary, args] = await configure(dir, port);
    // Its own process group, so closing also ends the helpers squid spawns.
    const child: ChildProcess = spawn(binary, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    const close = async (): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    };
    // Readiness: connect until it accepts, 100 tries 50 ms apart (a fixture, not gdhttp code).
    for (let i = 0; i < 100 && child.exitCode === null; i++) {
      if (await canConnect(port)) {
        return { kind, host: '127.0.0.1', port, auth, close };
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    lastError = new Error(`${kind} did not start on port ${port}: ${stderr.trim()}`);
    await close();
  }
  throw lastError;
}
