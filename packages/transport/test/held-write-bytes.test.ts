// getHeldWriteBytes(): how many of the bytes a writer put the peer still reads from the writer's
// own buffers. A writer that refills a buffer once the bytes put after it outnumber the held ones
// must never change a byte before it left, over TCP, TLS and the worker thread, against a server
// that stops reading for a while every few MiB (so the socket's buffers fill and bytes are held).
import { createHash } from 'node:crypto';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { ErrorCode, StreamPeerTCPStatus, StreamPeerTLSStatus } from '@gdhttp/constants';
import { driveUntil, listenLoopback, testCertificates } from '@gdhttp/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type StreamPeer,
  StreamPeerTCP,
  StreamPeerTLS,
  StreamPeerWorker,
  TLSOptions,
} from '../src/index.js';

const MIB = 1024 * 1024;
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

interface Sink {
  port: number;
  /** Resolves with the byte count and SHA-256 of what the next connection sent, at its end. */
  received(): Promise<{ bytes: number; sha256: string }>;
  /** The sockets of the connections, to pause and resume reading. */
  readonly sockets: Socket[];
}

/**
 * A server that hashes what each connection sends and closes it after `expected` bytes. With
 * `burst`, it stops reading for 100 ms after every `burst` bytes: time for a writer, even a slow
 * one on a busy machine, to fill the kernel's buffers (a few MiB on loopback), so that the socket
 * has to hold what follows.
 */
async function sink(server: Server, expected: number, burst = 0): Promise<Sink> {
  const results: Array<(r: { bytes: number; sha256: string }) => void> = [];
  const sockets: Socket[] = [];
  const onSocket = (socket: Socket): void => {
    sockets.push(socket);
    const hash = createHash('sha256');
    let bytes = 0;
    let sinceBreak = 0;
    socket.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      sinceBreak += chunk.length;
      if (bytes >= expected) {
        results.shift()?.({ bytes, sha256: hash.digest('hex') });
        socket.end();
      } else if (burst > 0 && sinceBreak >= burst) {
        sinceBreak = 0;
        socket.pause();
        setTimeout(() => socket.resume(), 100);
      }
    });
    socket.on('error', () => {});
  };
  if ('addContext' in server) server.on('secureConnection', onSocket);
  else server.on('connection', onSocket);
  servers.push(server);
  const port = await listenLoopback(server);
  return { port, sockets, received: () => new Promise((resolve) => results.push(resolve)) };
}

type Kind = 'tcp' | 'tls' | 'worker';

/** A connected peer of `kind` to a sink expecting `expected` bytes. */
async function connected(
  kind: Kind,
  expected: number,
  burst = 0,
): Promise<{ peer: StreamPeer & { getHeldWriteBytes(): number }; server: Sink }> {
  if (kind === 'tls') {
    const certs = await testCertificates();
    const server = await sink(
      createTlsServer({ key: certs.valid.key, cert: certs.valid.cert }),
      expected,
      burst,
    );
    const tcp = new StreamPeerTCP();
    expect(tcp.connectToHost('127.0.0.1', server.port)).toBe(ErrorCode.OK);
    await driveUntil(tcp, () => tcp.getStatus() !== StreamPeerTCPStatus.CONNECTING);
    const tls = new StreamPeerTLS();
    expect(tls.connectToStream(tcp, 'localhost', TLSOptions.client(certs.ca.cert))).toBe(
      ErrorCode.OK,
    );
    await driveUntil(tls, () => tls.getStatus() !== StreamPeerTLSStatus.HANDSHAKING);
    expect(tls.getStatus()).toBe(StreamPeerTLSStatus.CONNECTED);
    return { peer: tls, server };
  }
  const server = await sink(createTcpServer(), expected, burst);
  const peer = kind === 'tcp' ? new StreamPeerTCP() : new StreamPeerWorker();
  expect(peer.connectToHost('127.0.0.1', server.port)).toBe(ErrorCode.OK);
  await driveUntil(peer, () => peer.getStatus() !== StreamPeerTCPStatus.CONNECTING);
  expect(peer.getStatus()).toBe(StreamPeerTCPStatus.CONNECTED);
  return { peer, server };
}

/** Piece `n` of a stream: bytes that differ from every other piece's at every position. */
function fill(buffer: Uint8Array, n: number): void {
  for (let i = 0; i < buffer.length; i++) buffer[i] = (n * 131 + i * 7 + (i >> 11)) & 0xff;
}

describe.each<Kind>(['tcp', 'tls'])('%s getHeldWriteBytes()', (kind) => {
  it('counts the bytes a stalled reader leaves with the socket, and 0 once they left', async () => {
    const size = 24 * MIB;
    const { peer, server } = await connected(kind, size);
    expect(peer.getHeldWriteBytes()).toBe(0);
    // The reader stops before anything arrives: what the kernel cannot take stays referenced.
    while (server.sockets.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    for (const socket of server.sockets) socket.pause();
    const data = new Uint8Array(size);
    fill(data, 1);
    const got = server.received();
    expect(peer.putData(data)).toBe(ErrorCode.OK);
    await driveUntil(peer, () => peer.getHeldWriteBytes() > 0);
    expect(peer.getHeldWriteBytes()).toBeLessThanOrEqual(size);
    for (const socket of server.sockets) socket.resume();
    await driveUntil(peer, () => peer.getHeldWriteBytes() === 0);
    expect(await got).toEqual({
      bytes: size,
      sha256: createHash('sha256').update(data).digest('hex'),
    });
    peer.disconnectFromHost();
    expect(peer.getHeldWriteBytes()).toBe(0);
  });
});

describe.each<Kind>(['tcp', 'tls'])('%s news when held bytes leave', (kind) => {
  it('wakes a writer below Node\u2019s high-water mark, where no drain event comes', async () => {
    const PIECE = 8 * 1024; // half of Node's 16 KiB write high-water mark
    const { peer, server } = await connected(kind, Number.POSITIVE_INFINITY);
    while (server.sockets.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    for (const socket of server.sockets) socket.pause();
    const piece = new Uint8Array(PIECE);
    // Small writes, one per turn, until the kernel's buffers are full and the socket holds one.
    let puts = 0;
    while (peer.getHeldWriteBytes() === 0) {
      expect(puts++).toBeLessThan((256 * MIB) / PIECE);
      expect(peer.putData(piece)).toBe(ErrorCode.OK);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    expect(peer.getHeldWriteBytes()).toBeLessThan(16 * 1024);
    for (const socket of server.sockets) socket.resume();
    await driveUntil(peer, () => peer.getHeldWriteBytes() === 0);
    peer.disconnectFromHost();
  });
});

describe.each<Kind>(['tcp', 'tls', 'worker'])('%s buffers refilled once let go', (kind) => {
  it('deliver every byte as it was when put', async () => {
    const PIECE = 256 * 1024;
    const PIECES = 160; // 40 MiB, well over the 4 MiB write window
    const RING = 3;
    const { peer, server } = await connected(kind, PIECE * PIECES, 8 * MIB);
    const expected = createHash('sha256');
    const buffers = Array.from({ length: RING }, () => new Uint8Array(PIECE));
    /** Bytes put up to the end of each piece. */
    const ends: number[] = [];
    let put = 0;
    let waitedForRelease = 0;
    const got = server.received();
    for (let n = 0; n < PIECES; n++) {
      const buffer = buffers[n % RING]!;
      const last = n - RING; // the piece this buffer held before
      if (last >= 0) {
        const end = ends[last]!;
        if (put - end < peer.getHeldWriteBytes()) waitedForRelease++;
        await driveUntil(peer, () => put - end >= peer.getHeldWriteBytes());
      }
      fill(buffer, n);
      expected.update(buffer);
      let at = 0;
      while (at < PIECE) {
        const news = peer.news();
        peer.poll();
        const { error, sent } = peer.putPartialData(buffer.subarray(at));
        expect(error).toBe(ErrorCode.OK);
        at += sent;
        put += sent;
        if (at < PIECE) await news;
      }
      ends.push(put);
    }
    expect(await got).toEqual({ bytes: PIECE * PIECES, sha256: expected.digest('hex') });
    // The worker copies what it takes; the socket peers held pieces the writer had to wait for.
    if (kind === 'worker') expect(waitedForRelease).toBe(0);
    else expect(waitedForRelease).toBeGreaterThan(0);
    peer.disconnectFromHost();
  });
});

describe('getHeldWriteBytes() without a connection', () => {
  it('is 0 before connecting and after a disconnect', () => {
    for (const peer of [new StreamPeerTCP(), new StreamPeerTLS(), new StreamPeerWorker()]) {
      expect(peer.getHeldWriteBytes()).toBe(0);
      peer.disconnectFromHost();
      expect(peer.getHeldWriteBytes()).toBe(0);
    }
  });
});
