// putPartialData driven as a Godot loop drives it: put what the socket takes, await news, put the
// rest. A writer must be woken when there is room again, whatever size the data has (issue #12:
// any request over the socket's 16 KiB write buffer used to wait forever).
import { createHash } from 'node:crypto';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { ErrorCode, StreamPeerTCPStatus, StreamPeerTLSStatus } from '@gdhttp/constants';
import { driveUntil, listenLoopback, testCertificates } from '@gdhttp/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { type StreamPeer, StreamPeerTCP, StreamPeerTLS, TLSOptions } from '../src/index.js';

interface Sink {
  port: number;
  /** Resolves with the byte count and SHA-256 of what one connection sent, at its end. */
  received(): Promise<{ bytes: number; sha256: string }>;
}

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A server that hashes what each connection sends and, after `expected` bytes, closes it. */
async function sink(server: Server, expected: () => number): Promise<Sink> {
  const results: Array<(r: { bytes: number; sha256: string }) => void> = [];
  const onSocket = (socket: Socket): void => {
    const hash = createHash('sha256');
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      if (bytes >= expected()) {
        results.shift()?.({ bytes, sha256: hash.digest('hex') });
        socket.end();
      }
    });
    socket.on('error', () => {});
  };
  // A TLS server announces its decrypted sockets apart from the raw connections.
  if ('addContext' in server) server.on('secureConnection', onSocket);
  else server.on('connection', onSocket);
  servers.push(server);
  const port = await listenLoopback(server);
  return {
    port,
    received: () => new Promise((resolve) => results.push(resolve)),
  };
}

/** Puts all of `data` through putPartialData, awaiting news whenever the window is full. */
async function putAll(peer: StreamPeer, data: Uint8Array): Promise<number> {
  let at = 0;
  let waits = 0;
  while (at < data.length) {
    const news = peer.news();
    peer.poll();
    const { error, sent } = peer.putPartialData(data.subarray(at));
    expect(error).toBe(ErrorCode.OK);
    at += sent;
    if (at < data.length) {
      waits++;
      await news;
    }
  }
  return waits;
}

function payload(size: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + (i >> 8)) & 0xff;
  return data;
}

const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
const SIZES = [16_383, 16_384, 16_385, 1024 * 1024, 64 * 1024 * 1024];

describe('StreamPeerTCP.putPartialData', () => {
  it.each(SIZES)('sends %i bytes to the end, waking the writer on news', async (size) => {
    const data = payload(size);
    const server = await sink(createTcpServer(), () => size);
    const tcp = new StreamPeerTCP();
    expect(tcp.connectToHost('127.0.0.1', server.port)).toBe(ErrorCode.OK);
    await driveUntil(tcp, () => tcp.getStatus() !== StreamPeerTCPStatus.CONNECTING);
    const got = server.received();
    await putAll(tcp, data);
    expect(await got).toEqual({ bytes: size, sha256: sha(data) });
    tcp.disconnectFromHost();
  });
});

describe('StreamPeerTLS.putPartialData', () => {
  it.each(SIZES)('sends %i bytes through TLS to the end', async (size) => {
    const certs = await testCertificates();
    const data = payload(size);
    const server = await sink(
      createTlsServer({ key: certs.valid.key, cert: certs.valid.cert }),
      () => size,
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
    const got = server.received();
    await putAll(tls, data);
    expect(await got).toEqual({ bytes: size, sha256: sha(data) });
    tls.disconnectFromHost();
  });
});
