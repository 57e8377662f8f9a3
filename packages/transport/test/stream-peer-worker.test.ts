import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ErrorCode, StreamPeerTCPStatus, StreamPeerTLSStatus } from '@gdhttp/constants';
import {
  listenLoopback,
  type ServerProcess,
  startServerProcess,
  startSquid,
  type TestCertificates,
  testCertificates,
} from '@gdhttp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CloseReason,
  delayMsec,
  ProxyError,
  ResolverStatus,
  StreamPeerWorker,
  TLSError,
  TLSFailureReason,
  TLSOptions,
  TransportError,
} from '../src/index.js';

// Every wait in this file is synchronous: the test's thread never yields to its event loop while
// it drives the peer, which is the point of a worker-backed peer. So the servers run in their own
// processes (a server on this thread could not answer while the test blocks).

const bytesOf = (value: string): Uint8Array => Buffer.from(value, 'latin1');
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

/** Polls, blocking on the peer's news, until `done` or `ms` passed. */
function pollUntil(peer: StreamPeerWorker, done: () => boolean, ms = 10_000): void {
  const deadline = Date.now() + ms;
  for (;;) {
    peer.poll();
    if (done()) return;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error('timed out');
    peer.waitForNews(left);
  }
}

function connectedTo(port: number, options = {}): StreamPeerWorker {
  const peer = new StreamPeerWorker();
  expect(peer.connectToHost('127.0.0.1', port, options)).toBe(ErrorCode.OK);
  pollUntil(peer, () => peer.getStatus() !== StreamPeerTCPStatus.CONNECTING);
  return peer;
}

/** Reads until `n` bytes arrived, synchronously. */
function readBytes(peer: StreamPeerWorker, n: number): Uint8Array {
  const out = Buffer.alloc(n);
  let at = 0;
  pollUntil(peer, () => {
    for (;;) {
      const piece = peer.getPartialData(n - at);
      if (piece.length === 0) break;
      out.set(piece, at);
      at += piece.length;
    }
    return at === n || peer.getStatus() !== StreamPeerTCPStatus.CONNECTED;
  });
  return out.subarray(0, at);
}

describe('StreamPeerWorker', () => {
  let echo: ServerProcess;
  let certificates: TestCertificates;
  let tlsEcho: ServerProcess;

  beforeAll(async () => {
    certificates = await testCertificates();
    [echo, tlsEcho] = await Promise.all([
      startServerProcess({ kind: 'echo' }),
      startServerProcess({
        kind: 'echo',
        options: { tls: { key: certificates.valid.key, cert: certificates.valid.cert } },
      }),
    ]);
  });
  afterAll(async () => {
    await echo.close();
    await tlsEcho.close();
  });

  it('connects and echoes while the caller only sleeps (delayMsec), never yielding', () => {
    const peer = new StreamPeerWorker();
    expect(peer.connectToHost('127.0.0.1', echo.port)).toBe(ErrorCode.OK);
    expect(peer.getResolverStatus()).toBe(ResolverStatus.DONE);
    let polls = 0;
    while (peer.getStatus() === StreamPeerTCPStatus.CONNECTING && polls < 500) {
      peer.poll();
      polls++;
      delayMsec(10);
    }
    expect(peer.getStatus()).toBe(StreamPeerTCPStatus.CONNECTED);
    expect(peer.getConnectedAddress()).toBe('127.0.0.1');
    expect(peer.getLocalPort()).toBeGreaterThan(0);
    expect(peer.putData(bytesOf('ping'))).toBe(ErrorCode.OK);
    expect(text(readBytes(peer, 4))).toBe('ping');
    peer.disconnectFromHost();
    expect(peer.getStatus()).toBe(StreamPeerTCPStatus.NONE);
    expect(peer.getCloseReason()).toBe(CloseReason.LOCAL);
  });

  it('resolves a host name, reporting WAITING then DONE', () => {
    const peer = new StreamPeerWorker();
    expect(peer.connectToHost('localhost', echo.port)).toBe(ErrorCode.OK);
    expect(peer.getResolverStatus()).toBe(ResolverStatus.WAITING);
    pollUntil(peer, () => peer.getStatus() !== StreamPeerTCPStatus.CONNECTING);
    expect(peer.getResolverStatus()).toBe(ResolverStatus.DONE);
    // localhost may resolve to ::1 first, where nothing listens: the next address is tried.
    expect(peer.getStatus()).toBe(StreamPeerTCPStatus.CONNECTED);
    peer.disconnectFromHost();
  });

  it('moves 64 MiB each way through 64 KiB rings, byte-exact', () => {
    const peer = new StreamPeerWorker({ bufferSize: 64 * 1024 });
    expect(peer.connectToHost('127.0.0.1', echo.port)).toBe(ErrorCode.OK);
    pollUntil(peer, () => peer.getStatus() !== StreamPeerTCPStatus.CONNECTING);
    const size = 64 * 1024 * 1024;
    const payload = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4) payload.writeUInt32LE(i, i);
    let sent = 0;
    let got = 0;
    let mismatch = -1;
    pollUntil(
      peer,
      () => {
        while (sent < size) {
          const { error, sent: n } = peer.putPartialData(payload.subarray(sent, sent + 1_000_000));
          expect(error).toBe(ErrorCode.OK);
          if (n === 0) break;
          sent += n;
        }
        for (;;) {
          const piece = peer.getPartialData(1 << 20);
          if (piece.length === 0) break;
          if (mismatch < 0 && Buffer.compare(piece, payload.subarray(got, got + piece.length))) {
            mismatch = got;
          }
          got += piece.length;
        }
        return got === size;
      },
      60_000,
    );
    expect(mismatch).toBe(-1);
    expect(got).toBe(size);
    peer.disconnectFromHost();
  });

  it('reports a refused connect as CANT_CONNECT with the same error class', async () => {
    const server = createServer();
    const port = await listenLoopback(server);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const peer = connectedTo(port);
    expect(peer.getStatus()).toBe(StreamPeerTCPStatus.ERROR);
    expect(peer.poll()).toBe(ErrorCode.CANT_CONNECT);
    expect(peer.lastError).toBeInstanceOf(TransportError);
    expect(peer.lastError?.nodeCode).toBe('ECONNREFUSED');
  });

  it('fails a name under .invalid with CANT_RESOLVE', () => {
    const peer = new StreamPeerWorker();
    expect(peer.connectToHost('gdhttp.invalid', 80)).toBe(ErrorCode.OK);
    pollUntil(peer, () => peer.getStatus() !== StreamPeerTCPStatus.CONNECTING);
    expect(peer.getResolverStatus()).toBe(ResolverStatus.ERROR);
    expect(peer.lastError?.code).toBe(ErrorCode.CANT_RESOLVE);
  });

  it('refuses bad arguments and a second connect while connected', () => {
    const peer = new StreamPeerWorker();
    expect(peer.connectToHost('', 80)).toBe(ErrorCode.INVALID_PARAMETER);
    expect(peer.connectToHost('127.0.0.1', 0)).toBe(ErrorCode.INVALID_PARAMETER);
    expect(peer.connectToHost('127.0.0.1', 80, { tunnel: { host: 'a\r\nb', port: 443 } })).toBe(
      ErrorCode.INVALID_PARAMETER,
    );
    expect(peer.putData(bytesOf('x'))).toBe(ErrorCode.FAILED);
    expect(peer.putPartialData(bytesOf('x')).error).toBe(ErrorCode.FAILED);
    expect(peer.getPartialData(10).length).toBe(0);
    expect(peer.connectToHost('127.0.0.1', echo.port)).toBe(ErrorCode.OK);
    expect(peer.connectToHost('127.0.0.1', echo.port)).toBe(ErrorCode.ALREADY_IN_USE);
    peer.disconnectFromHost();
  });

  it('runs TLS in the worker: verified, with protocol and certificate', () => {
    const peer = connectedTo(tlsEcho.port, {
      tls: { commonName: 'localhost', options: TLSOptions.client(certificates.ca.cert) },
    });
    expect(peer.getStatus()).toBe(StreamPeerTCPStatus.CONNECTED);
    expect(peer.getTlsStatus()).toBe(StreamPeerTLSStatus.CONNECTED);
    expect(peer.getProtocol()).toMatch(/^TLSv1\.[23]$/);
    expect(peer.getPeerCertificate()?.subject).toContain('localhost');
    expect(peer.putData(bytesOf('secret'))).toBe(ErrorCode.OK);
    expect(text(readBytes(peer, 6))).toBe('secret');
    peer.disconnectFromHost();
  });

  it('reports a TLS name mismatch as on StreamPeerTLS', () => {
    const peer = connectedTo(tlsEcho.port, {
      tls: { commonName: 'wrong.example', options: TLSOptions.client(certificates.ca.cert) },
    });
    expect(peer.getStatus()).toBe(StreamPeerTCPStatus.ERROR);
    expect(peer.getTlsStatus()).toBe(StreamPeerTLSStatus.ERROR_HOSTNAME_MISMATCH);
    expect(peer.lastError).toBeInstanceOf(TLSError);
    expect((peer.lastError as TLSError).reason).toBe(TLSFailureReason.HOSTNAME_MISMATCH);
    expect(peer.poll()).toBe(ErrorCode.CANT_CONNECT);
  });

  it('tunnels TLS through squid (CONNECT), and reports a refused CONNECT as ProxyError', async () => {
    const squid = await startSquid();
    try {
      const peer = connectedTo(squid.port, {
        tunnel: { host: '127.0.0.1', port: tlsEcho.port },
        tls: { commonName: 'localhost', options: TLSOptions.client(certificates.ca.cert) },
      });
      expect(peer.getStatus()).toBe(StreamPeerTCPStatus.CONNECTED);
      expect(peer.putData(bytesOf('through'))).toBe(ErrorCode.OK);
      expect(text(readBytes(peer, 7))).toBe('through');
      peer.disconnectFromHost();
      // squid refuses CONNECT to a port outside its SSL_ports list.
      const refused = connectedTo(squid.port, { tunnel: { host: '127.0.0.1', port: 25 } });
      expect(refused.getStatus()).toBe(StreamPeerTCPStatus.ERROR);
      expect(refused.lastError).toBeInstanceOf(ProxyError);
      expect((refused.lastError as ProxyError).status).toBeGreaterThanOrEqual(400);
    } finally {
      await squid.close();
    }
  });

  it('keeps bytes sent before a reset readable, then reports RESET', async () => {
    const server = await startServerProcess({
      kind: 'scripted',
      options: { onConnection: ['last words', { delay: 50 }, { reset: true }] },
    });
    try {
      const peer = connectedTo(server.port);
      pollUntil(peer, () => peer.getStatus() === StreamPeerTCPStatus.ERROR);
      expect(text(peer.getPartialData(100))).toBe('last words');
      expect(peer.getCloseReason()).toBe(CloseReason.RESET);
      expect(peer.lastError?.code).toBe(ErrorCode.CONNECTION_ERROR);
    } finally {
      await server.close();
    }
  });

  it('reports a clean close as EOF after the last byte was read', async () => {
    const server = await startServerProcess({
      kind: 'scripted',
      options: { onConnection: ['bye', { end: true }] },
    });
    try {
      const peer = connectedTo(server.port);
      pollUntil(peer, () => peer.isEof());
      expect(peer.getStatus()).toBe(StreamPeerTCPStatus.CONNECTED);
      expect(text(peer.getPartialData(100))).toBe('bye');
      peer.poll();
      expect(peer.getStatus()).toBe(StreamPeerTCPStatus.NONE);
      expect(peer.getCloseReason()).toBe(CloseReason.EOF);
    } finally {
      await server.close();
    }
  });

  it('settles news() for a caller that awaits instead of blocking', async () => {
    const peer = new StreamPeerWorker();
    peer.connectToHost('127.0.0.1', echo.port);
    peer.poll();
    while (peer.getStatus() === StreamPeerTCPStatus.CONNECTING) {
      await peer.news();
      peer.poll();
    }
    expect(peer.getStatus()).toBe(StreamPeerTCPStatus.CONNECTED);
    peer.putData(bytesOf('async'));
    let got = '';
    while (got.length < 5) {
      const news = peer.news();
      peer.poll();
      got += text(peer.getPartialData(100));
      if (got.length < 5) await news;
    }
    expect(got).toBe('async');
    peer.disconnectFromHost();
  });
});

describe('StreamPeerWorker whose worker cannot start', () => {
  // A worker module that fails to load (a stale or partial dist/) is reported to the main thread
  // only as the Worker's 'error' event, which a caller that never yields never sees; a thread that
  // never runs at all reports nothing. So these copies of the sources have a peer-worker module
  // that throws as it loads, and one that never gets to its first act.
  const copies = { throws: '', hangs: '' };
  beforeAll(async () => {
    const sources = fileURLToPath(new URL('../src', import.meta.url));
    const bodies = {
      throws: "throw new Error('this worker module fails to load');\n",
      hangs: 'setInterval(() => {}, 1000);\nawait new Promise(() => {});\nexport {};\n',
    };
    for (const kind of ['throws', 'hangs'] as const) {
      const copy = await mkdtemp(
        join(fileURLToPath(new URL('.', import.meta.url)), '.broken-worker-'),
      );
      await cp(sources, copy, { recursive: true });
      await writeFile(join(copy, 'internal', 'peer-worker.ts'), bodies[kind]);
      copies[kind] = copy;
    }
  });
  afterAll(async () => {
    for (const copy of Object.values(copies)) await rm(copy, { recursive: true, force: true });
  });

  /** Connects with the copy's peer, never yielding (a Godot-style loop); returns the ms it took. */
  async function failWithout(kind: keyof typeof copies, connectTimeout: number) {
    const { StreamPeerWorker: Broken } = (await import(
      pathToFileURL(join(copies[kind], 'stream-peer-worker.ts')).href
    )) as { StreamPeerWorker: typeof StreamPeerWorker };
    const peer = new Broken({ connectTimeout });
    expect(peer.connectToHost('127.0.0.1', 9)).toBe(ErrorCode.OK);
    // From here on this thread never yields, as in a Godot-style loop.
    const started = Date.now();
    for (;;) {
      peer.poll();
      if (peer.getStatus() !== StreamPeerTCPStatus.CONNECTING) break;
      if (Date.now() - started > 20_000) throw new Error('still connecting after 20 s');
      peer.waitForNews(); // no limit given: it must still come back at the start deadline
    }
    const elapsed = Date.now() - started;
    expect(peer.getStatus()).toBe(StreamPeerTCPStatus.ERROR);
    expect(peer.poll()).toBe(ErrorCode.CANT_CONNECT);
    expect(peer.getCloseReason()).toBe(CloseReason.ERROR);
    const message = peer.lastError?.message;
    peer.disconnectFromHost();
    return { elapsed, message };
  }

  it('fails with CANT_CONNECT at once when the module throws as it loads, naming the error', async () => {
    const { elapsed, message } = await failWithout('throws', 20);
    expect(message).toBe(
      "the connection's worker could not load: this worker module fails to load",
    );
    expect(elapsed).toBeLessThan(15_000);
  });

  it('fails with CANT_CONNECT by the connect timeout when the worker never runs', async () => {
    const { message } = await failWithout('hangs', 1);
    expect(message).toBe("the connection's worker did not start within 1 s");
  });
});
