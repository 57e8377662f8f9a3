import { execFileSync } from 'node:child_process';
import { chown, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { createProxy } from 'proxy';
import { listenLoopback } from './listen-loopback.js';
import { startSystemDaemon } from './system-daemon.js';
import { systemTool } from './system-tool.js';

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
 * Starts Debian's tinyproxy on 127.0.0.1 with a generated configuration: no `ConnectPort` line, so CONNECT may reach any port. Its CONNECT answer is
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
 * configuration: no cache, `basic_ncsa_auth` with an `openssl passwd
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
      // Squid 5.7 (Debian bookworm) mistakes a full request buffer for the client's EOF and drops
      // an upload that arrives faster than the origin drains it (squid bug 5405, fixed in 6.x):
      // curl meets it too. A buffer larger than any test upload keeps the proxy out of the way.
      'client_request_buffer_max_size 128 MB',
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

async function startDaemon(
  kind: 'tinyproxy' | 'squid',
  auth: ProxyCredentials | null,
  configure: (dir: string, port: number) => Promise<[string, string[]]>,
): Promise<ProxyFixture> {
  const daemon = await startSystemDaemon({
    name: kind,
    configure: (dir, ports) => configure(dir, ports[0]!),
  });
  return { kind, host: '127.0.0.1', port: daemon.ports[0]!, auth, close: daemon.close };
}
