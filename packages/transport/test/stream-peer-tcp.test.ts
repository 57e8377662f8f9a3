import { ErrorCode, StreamPeerTCPStatus } from '@gdhttp/constants';
import {
  type BlackholeListener,
  driveUntil,
  type ScriptedServer,
  startBlackholeListener,
  startEchoServer,
  startScriptedServer,
} from '@gdhttp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseReason, ResolverStatus, StreamPeerTCP, TransportError } from '../src/index.js';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
const bytesOf = (value: string): Uint8Array => Buffer.from(value, 'latin1');

const settled = (tcp: StreamPeerTCP) => () => tcp.getStatus() !== StreamPeerTCPStatus.CONNECTING;

/** Reads until the peer leaves CONNECTED, collecting every byte. */
async function readAll(tcp: StreamPeerTCP): Promise<string> {
  let out = '';
  await driveUntil(tcp, () => {
    out += text(tcp.getPartialData(1 << 20));
    return tcp.getStatus() !== StreamPeerTCPStatus.CONNECTED;
  });
  return out + text(tcp.getPartialData(1 << 20));
}

describe('StreamPeerTCP', () => {
  let refusedPort = 0;
  let server: ScriptedServer;

  beforeAll(async () => {
    // A port that was just free: connecting to it is refused (nothing listens).
    const probe = await startScriptedServer();
    refusedPort = probe.port;
    await probe.close();
    server = await startScriptedServer({
      replies: (request) => {
        const path = request.requestLine.split(' ')[1];
        if (path === '/end') return ['HTTP/1.0 200 OK\r\n\r\nwhole body', { end: true }];
        if (path === '/reset')
          return [
            'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart',
            { delay: 20 },
            { reset: true },
          ];
        if (path === '/split')
          return [
            'HTTP/1.1 200 OK\r\n',
            { delay: 10 },
            'Content-Length: 2\r\n\r\n',
            { delay: 10 },
            'ok',
          ];
        return ['HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'];
      },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('connects to an IP literal without a lookup phase', async () => {
    const tcp = new StreamPeerTCP();
    expect(tcp.getStatus()).toBe(StreamPeerTCPStatus.NONE);
    expect(tcp.connectToHost('127.0.0.1', server.port)).toBe(ErrorCode.OK);
    expect(tcp.getStatus()).toBe(StreamPeerTCPStatus.CONNECTING);
    expect(tcp.getResolverStatus()).toBe(ResolverStatus.DONE);
    await driveUntil(tcp, settled(tcp));
    expect(tcp.getStatus()).toBe(StreamPeerTCPStatus.CONNECTED);
    expect(tcp.getConnectedAddress()).toBe('127.0.0.1');
    expect(tcp.getLocalPort()).toBeGreaterThan(0);
    tcp.disconnectFromHost();
    expect(tcp.getStatus()).toBe(StreamPeerTCPStatus.NONE);
    expect(tcp.getCloseReason()).toBe(CloseReason.LOCAL);
  });

  it('shows the lookup of a host name as WAITING, then DONE', async () => {
    const tcp = new StreamPeerTCP();
    expect(tcp.connectToHost('localhost', server.port)).toBe(ErrorCode.OK);
    expect(tcp.getResolverStatus()).toBe(ResolverStatus.WAITING);
    expect(tcp.getStatus()).toBe(StreamPeerTCPStatus.CONNECTING);
    const seen = new Set<ResolverStatus>();
    await driveUntil(tcp, () => {
      seen.add(tcp.getResolverStatus());
      return settled(tcp)();
    });
    expect(seen.has(ResolverStatus.DONE)).toBe(true);
    expect(tcp.getStatus()).toBe(StreamPeerTCPStatus.CONNECTED);
    tcp.disconnectFromHost();
  });

  it('fails with CANT_RESOLVE for a .invalid name (RFC 6761: never resolves)', async () => {
    const tcp = new StreamPeerTCP();
    expect(tcp.connectToHost('gdhttp-test.invalid', 80)).toBe(ErrorCode.OK);
    await driveUntil(tcp, settled(tcp));
    expect(tcp.getStatus()).toBe(StreamPeerTCPStatus.ERROR);
    expect(tcp.getResolverStatus()).toBe(ResolverStatus.ERROR);
    expect(tcp.poll()).toBe(ErrorCode.CANT_RESOLVE);
    expect(tcp.lastError).toBeInstanceOf(TransportError);
    expect(tcp.lastError?.code).toBe(ErrorCode.CANT_RESOLVE);
    // Answered at once without a DNS query (RFC 6761 §6.4), even with an injected lookup.
    expect(tcp.lastError?.nodeCode).toBe('ENOTFOUND');
    expect(tcp.getCloseReason()).toBe(CloseReason.ERROR);
  });

  it('wakes a pending news() waiter when the peer is closed locally', async () => {
    const hole = await startBlackholeListener();
    try {
      const tcp = new StreamPeerTCP();
      tcp.connectToHost(hole.host, hole.port);
      tcp.poll();
      const news = tcp.news();
      tcp.disconnectFromHost();
      await expect(news).resolves.toBeUndefined();
      expect(tcp.getCloseReason()).toBe(CloseReason.LOCAL);
    } finally {
      await hole.close();
    }
  });

  it('never asks the resolver about .invalid names, whatever their case or trailing dot', async () => {
    const asked: string[] = [];
    const lookup = async (name: string) => {
      asked.push(name);
      return ['127.0.0.1'];
    };
    for (const name of ['x.INVALID', 'invalid', 'a.b.invalid.']) {
      const tcp = new StreamPeerTCP({ lookup });
      tcp.connectToHost(name, 80);
      await driveUntil(tcp, settled(tcp));
      expect(tcp.poll()).toBe(ErrorCode.CANT_RESOLVE);
    }
    expect(asked).toEqual([]);
  });

  it('fails with CANT_CONNECT when the port is refused, keeping the Node error', async () => {
    const tcp = new StreamPeerTCP();
    tcp.connectToHost('127.0.0.1', refusedPort);
    await driveUntil(tcp, settled(tcp));
    expect(tcp.getStatus()).toBe(StreamPeerTCPStatus.ERROR);
    expect(tcp.lastError?.code).toBe(ErrorCode.CANT_CONNECT);
    expect(tcp.lastError?.nodeCode).toBe('ECONNREFUSED');
    expect((tcp.lastError!.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(tcp.lastError?.message).toContain(`127.0.0.1:${refusedPort}`);
  });

  it('tries every resolved address in order until one connects', async () => {
    const asked: string[] = [];
    // ::1 is refused (the server listens on 127.0.0.1 only), so the second address must win.
    const tcp = new StreamPeerTCP({
      lookup: async (host) => {
        asked.push(host);
        return ['::1', '127.0.0.1'];
      },
    });
    tcp.connectToHost('two-addresses.test', server.port);
    await driveUntil(tcp, settled(tcp));
    expect(asked).toEqual(['two-addresses.test']);
    expect(tcp.getStatus()).toBe(StreamPeerTCPStatus.CONNECTED);
    expect(tcp.getConnectedAddress()).toBe('127.0.0.1');
    tcp.disconnectFromHost();
  });

  it('reports the last failure when every address fails, and an empty answer as CANT_RESOLVE', async () => {
    const tcp = new StreamPeerTCP({ lookup: async () => ['::1', '127.0.0.1'] });
    tcp.connectToHost('nothing-listens.test', refusedPort);
    await driveUntil(tcp, settled(tcp));
    expect(tcp.lastError?.code).toBe(ErrorCode.CANT_CONNECT);
    expect(tcp.lastError?.message).toContain(`127.0.0.1:${refusedPort}`);

    const empty = new StreamPeerTCP({ lookup: async () => [] });
    empty.connectToHost('no-records.test', 80);
    await driveUntil(empty, settled(empty));
    expect(empty.lastError?.code).toBe(ErrorCode.CANT_RESOLVE);
  });

  it('refuses bad arguments and a second connect, as Godot does', async () => {
    const tcp = new StreamPeerTCP();
    expect(tcp.connectToHost('', 80)).toBe(ErrorCode.INVALID_PARAMETER);
    expect(tcp.connectToHost('127.0.0.1', 0)).toBe(ErrorCode.INVALID_PARAMETER);
    expect(tcp.connectToHost('127.0.0.1', 65_536)).toBe(ErrorCode.INVALID_PARAMETER);
    expect(tcp.connectToHost('bad\r\nhost', 80)).toBe(ErrorCode.INVALID_PARAMETER);
    expect(
      tcp.connectToHost('127.0.0.1', 80, {
        tunnel: { host: 'x.test', port: 443, proxyAuthorization: 'a\r\nb' },
      }),
    ).toBe(ErrorCode.INVALID_PARAMETER);
    expect(tcp.getStatus()).toBe(StreamPeerTCPStatus.NONE);
    expect(tcp.putData(bytesOf('x'))).toBe(ErrorCode.FAILED);
    expect(tcp.putPartialData(bytesOf('x'))).toEqual({ error: ErrorCode.FAILED, sent: 0 });
    expect(tcp.getPartialData(10).byteLength).toBe(0);
    expect(tcp.connectToHost('127.0.0.1', server.port)).toBe(ErrorCode.OK);
    expect(tcp.putPartialData(bytesOf('x'))).toEqual({ error: ErrorCode.OK, sent: 0 });
    expect(tcp.connectToHost('127.0.0.1', server.port)).toBe(ErrorCode.ALREADY_IN_USE);
    tcp.disconnectFromHost();
  });

  it('reads a read-until-close body to a clean EOF, status NONE only once drained', async () => {
    const tcp = new StreamPeerTCP();
    tcp.connectToHost('127.0.0.1', server.port);
    await driveUntil(tcp, settled(tcp));
    expect(tcp.putData(bytesOf('GET /end HTTP/1.1\r\nHost: x\r\n\r\n'))).toBe(ErrorCode.OK);
    // Wait for the FIN without reading: the bytes must still be there and status CONNECTED.
    await driveUntil(tcp, () => tcp.isEof());
    expect(tcp.getStatus()).toBe(StreamPeerTCPStatus.CONNECTED);
    expect(tcp.getCloseReason()).toBe(CloseReason.EOF);
    expect(text(tcp.getPartialData(1 << 16))).toBe('HTTP/1.0 200 OK\r\n\r\nwhole body');
    expect(tcp.poll()).toBe(ErrorCode.OK);
    expect(tcp.getStatus()).toBe(StreamPeerTCPStatus.NONE);
    expect(tcp.lastError).toBeNull();
  });

  it('has news when the reader takes the last byte after EOF, so a waiter sees NONE', async () => {
    const tcp = new StreamPeerTCP();
    tcp.connectToHost('127.0.0.1', server.port);
    await driveUntil(tcp, settled(tcp));
    tcp.putData(bytesOf('GET /end HTTP/1.1\r\nHost: x\r\n\r\n'));
    await driveUntil(tcp, () => tcp.isEof());
    // The FIN was already taken in by poll(); no socket event is left to come. Reading the
    // rest must itself count as news, or a driver waiting here would hang.
    tcp.getPartialData(5);
    tcp.poll();
    tcp.getPartialData(1 << 16);
    await tcp.news();
    tcp.poll();
    expect(tcp.getStatus()).toBe(StreamPeerTCPStatus.NONE);
  });

  it('reports a reset as ERROR with CONNECTION_ERROR, keeping bytes that arrived', async () => {
    const tcp = new StreamPeerTCP();
    tcp.connectToHost('127.0.0.1', server.port);
    await driveUntil(tcp, settled(tcp));
    tcp.putData(bytesOf('GET /reset HTTP/1.1\r\nHost: x\r\n\r\n'));
    const got = await readAll(tcp);
    expect(got).toBe('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart');
    expect(tcp.getStatus()).toBe(StreamPeerTCPStatus.ERROR);
    expect(tcp.getCloseReason()).toBe(CloseReason.RESET);
    expect(tcp.isEof()).toBe(false);
    expect(tcp.lastError?.code).toBe(ErrorCode.CONNECTION_ERROR);
    expect(tcp.lastError?.nodeCode).toBe('ECONNRESET');
    expect(tcp.poll()).toBe(ErrorCode.CONNECTION_ERROR);
  });

  it('keeps a connection open for several requests (server counts one connection)', async () => {
    const before = server.connections;
    const tcp = new StreamPeerTCP();
    tcp.connectToHost('127.0.0.1', server.port);
    await driveUntil(tcp, settled(tcp));
    for (let i = 0; i < 2; i++) {
      const request = `GET /split HTTP/1.1\r\nHost: x\r\n\r\n`;
      tcp.putData(bytesOf(request));
      let got = '';
      await driveUntil(tcp, () => {
        got += text(tcp.getPartialData(1024));
        return got.endsWith('ok');
      });
      expect(got).toBe('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    }
    expect(server.connections - before).toBe(1);
    tcp.disconnectFromHost();
  });

  it('hands out views of the received chunks and never copies, ending a read at a chunk', async () => {
    const echo = await startEchoServer();
    try {
      const tcp = new StreamPeerTCP();
      tcp.connectToHost('127.0.0.1', echo.port);
      await driveUntil(tcp, settled(tcp));
      tcp.putData(bytesOf('abcdef'));
      await driveUntil(tcp, () => tcp.getAvailableBytes() === 6);
      const first = tcp.getPartialData(2);
      const second = tcp.getPartialData(2);
      // Two reads from one chunk share its memory: nothing was copied.
      expect(first.buffer).toBe(second.buffer);
      expect(text(first) + text(second)).toBe('abcd');
      tcp.putData(bytesOf('gh'));
      await driveUntil(tcp, () => tcp.getAvailableBytes() === 4);
      // A read stops at the end of the older chunk; the next one starts on the newer chunk.
      const rest = tcp.getPartialData(100);
      expect(rest.buffer).toBe(first.buffer);
      expect(text(rest)).toBe('ef');
      expect(text(tcp.getPartialData(100))).toBe('gh');
      expect(tcp.getAvailableBytes()).toBe(0);
      tcp.disconnectFromHost();
    } finally {
      await echo.close();
    }
  });
});

describe('StreamPeerTCP writes', () => {
  it('putPartialData takes only what the write buffer has room for', async () => {
    // A server that never reads keeps the kernel buffers full, so Node's write buffer fills.
    const sink = await startScriptedServer({ onConnection: [{ hang: true }] });
    try {
      const tcp = new StreamPeerTCP();
      tcp.connectToHost('127.0.0.1', sink.port);
      await driveUntil(tcp, settled(tcp));
      const big = new Uint8Array(64 * 1024 * 1024);
      let total = 0;
      let last = { error: ErrorCode.OK as ErrorCode, sent: 1 };
      // Bounded: each round either sends something or stops.
      for (let i = 0; i < 10_000 && last.sent > 0; i++) {
        last = tcp.putPartialData(big.subarray(total));
        expect(last.error).toBe(ErrorCode.OK);
        total += last.sent;
      }
      expect(last.sent).toBe(0);
      expect(total).toBeGreaterThan(0);
      expect(total).toBeLessThan(big.byteLength);
      tcp.disconnectFromHost();
    } finally {
      await sink.close();
    }
  });
});

describe('StreamPeerTCP write batching', () => {
  /** `n` peers connected to `port`. */
  async function connectMany(port: number, n: number): Promise<StreamPeerTCP[]> {
    const peers = Array.from({ length: n }, () => new StreamPeerTCP());
    for (const p of peers) p.connectToHost('127.0.0.1', port);
    for (const p of peers) await driveUntil(p, settled(p));
    return peers;
  }

  it('delivers every write of one turn on many connections, in order per connection', async () => {
    const echo = await startEchoServer();
    try {
      const peers = await connectMany(echo.port, 3);
      // One synchronous block: the first write leaves at once, the rest wait for the turn's end.
      for (let round = 0; round < 3; round++) {
        for (const [i, p] of peers.entries()) {
          expect(p.putData(bytesOf(`${i}:${round};`))).toBe(ErrorCode.OK);
        }
        expect(peers[2]!.putPartialData(bytesOf('x')).sent).toBe(1);
      }
      for (const [i, p] of peers.entries()) {
        const want = `${i}:0;${i === 2 ? 'x' : ''}${i}:1;${i === 2 ? 'x' : ''}${i}:2;${i === 2 ? 'x' : ''}`;
        let got = '';
        await driveUntil(p, () => {
          got += text(p.getPartialData(1024));
          return got.length >= want.length;
        });
        expect(got).toBe(want);
        p.disconnectFromHost();
      }
    } finally {
      await echo.close();
    }
  });

  it('sends a write still waiting for the end of the turn when the peer closes right after it', async () => {
    const server = await startScriptedServer({ replies: () => [] });
    try {
      const [first, second] = await connectMany(server.port, 2);
      first!.putData(bytesOf('GET /first HTTP/1.1\r\nHost: a\r\n\r\n'));
      second!.putData(bytesOf('GET /second HTTP/1.1\r\nHost: a\r\n\r\n'));
      second!.disconnectFromHost();
      const deadline = Date.now() + 5000;
      while (server.requests.length < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(server.requests.map((r) => r.requestLine).sort()).toEqual([
        'GET /first HTTP/1.1',
        'GET /second HTTP/1.1',
      ]);
      first!.disconnectFromHost();
    } finally {
      await server.close();
    }
  });

  it('counts writes waiting for the end of the turn against putPartialData room', async () => {
    const echo = await startEchoServer();
    try {
      const [first, second] = await connectMany(echo.port, 2);
      first!.putData(bytesOf('a')); // starts the turn
      const big = new Uint8Array(1 << 20);
      let total = 0;
      for (let i = 0; i < 1000; i++) {
        const { sent } = second!.putPartialData(big);
        if (sent === 0) break;
        total += sent;
      }
      // Nothing left this turn yet: the room is the write window (4 MiB), no more.
      expect(total).toBeGreaterThan(0);
      expect(total).toBeLessThanOrEqual(4 * 1024 * 1024);
      first!.disconnectFromHost();
      second!.disconnectFromHost();
    } finally {
      await echo.close();
    }
  });
});

describe('StreamPeerTCP news', () => {
  it('settles at once after a change not yet polled, and waits otherwise', async () => {
    const echo = await startEchoServer();
    try {
      const tcp = new StreamPeerTCP();
      const told: number[] = [];
      const off = tcp.onNews(() => told.push(tcp.getAvailableBytes()));
      tcp.connectToHost('127.0.0.1', echo.port);
      await tcp.news(); // the connect
      expect(told.length).toBeGreaterThan(0);
      tcp.poll();
      expect(tcp.getStatus()).toBe(StreamPeerTCPStatus.CONNECTED);
      let settledNews = false;
      const pending = tcp.news().then(() => {
        settledNews = true;
      });
      // Nothing happened since poll(): the promise must not settle on its own.
      await new Promise((resolve) => setImmediate(resolve));
      expect(settledNews).toBe(false);
      tcp.putData(bytesOf('ping'));
      await pending;
      expect(settledNews).toBe(true);
      expect(told.at(-1)).toBeGreaterThan(0);
      off();
      tcp.disconnectFromHost();
    } finally {
      await echo.close();
    }
  });
});

describe('StreamPeerTCP connect timeout', () => {
  let blackhole: BlackholeListener;

  beforeAll(async () => {
    // A loopback listener whose accept queue is full: SYNs are dropped, connect() hangs.
    blackhole = await startBlackholeListener();
  }, 30_000);
  afterAll(async () => {
    await blackhole.close();
  });

  it('gives up after connectTimeout with TIMEOUT', async () => {
    const tcp = new StreamPeerTCP({ connectTimeout: 0.3 });
    const started = performance.now();
    tcp.connectToHost(blackhole.host, blackhole.port);
    await driveUntil(tcp, settled(tcp));
    const elapsed = performance.now() - started;
    expect(tcp.getStatus()).toBe(StreamPeerTCPStatus.ERROR);
    expect(tcp.lastError?.code).toBe(ErrorCode.TIMEOUT);
    expect(tcp.lastError?.message).toContain('timed out after 0.3 s');
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3000);
  });

  it('applies the timeout per address and moves on to the next one', async () => {
    // 127.0.0.1 hangs (full accept queue); ::1 has nothing listening on that port, so it is
    // refused at once. The peer must wait out the first address, then try the second.
    const tcp = new StreamPeerTCP({
      connectTimeout: 0.2,
      lookup: async () => ['127.0.0.1', '::1'],
    });
    const started = performance.now();
    tcp.connectToHost('hangs-then-refused.test', blackhole.port);
    await driveUntil(tcp, settled(tcp));
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    // The last address's error is the one kept.
    expect(tcp.lastError?.code).toBe(ErrorCode.CANT_CONNECT);
    expect(tcp.lastError?.message).toContain(`[::1]:${blackhole.port}`);
  });
});
