import { connect as tcpConnect } from 'node:net';
import { ErrorCode, StreamPeerTCPStatus, StreamPeerTLSStatus } from '@gdhttp/constants';
import {
  type CertificatePair,
  driveUntil,
  type EchoServer,
  startEchoServer,
  startScriptedServer,
  type TestCertificates,
  testCertificates,
} from '@gdhttp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CloseReason,
  StreamPeerTCP,
  StreamPeerTLS,
  TLSError,
  TLSFailureReason,
  TLSOptions,
} from '../src/index.js';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
const bytesOf = (value: string): Uint8Array => Buffer.from(value, 'latin1');

async function tcpTo(port: number): Promise<StreamPeerTCP> {
  const tcp = new StreamPeerTCP();
  expect(tcp.connectToHost('127.0.0.1', port)).toBe(ErrorCode.OK);
  await driveUntil(tcp, () => tcp.getStatus() !== StreamPeerTCPStatus.CONNECTING);
  expect(tcp.getStatus()).toBe(StreamPeerTCPStatus.CONNECTED);
  return tcp;
}

/** TCP to `port`, then TLS with `name` and `options`; returns the TLS peer once settled. */
async function handshake(
  port: number,
  name: string,
  options: TLSOptions | null,
): Promise<StreamPeerTLS> {
  const tls = new StreamPeerTLS();
  expect(tls.connectToStream(await tcpTo(port), name, options)).toBe(ErrorCode.OK);
  expect(tls.getStatus()).toBe(StreamPeerTLSStatus.HANDSHAKING);
  await driveUntil(tls, () => tls.getStatus() !== StreamPeerTLSStatus.HANDSHAKING);
  return tls;
}

async function echoes(tls: StreamPeerTLS): Promise<void> {
  expect(tls.getStatus()).toBe(StreamPeerTLSStatus.CONNECTED);
  expect(tls.putData(bytesOf('ping'))).toBe(ErrorCode.OK);
  let got = '';
  await driveUntil(tls, () => {
    got += text(tls.getPartialData(64));
    return got.length >= 4;
  });
  expect(got).toBe('ping');
}

function failure(tls: StreamPeerTLS): TLSError {
  const error = tls.lastError;
  expect(error).toBeInstanceOf(TLSError);
  return error as TLSError;
}

describe('StreamPeerTLS', () => {
  let certs: TestCertificates;
  const servers: Record<string, EchoServer> = {};
  const serve = async (name: string, pair: CertificatePair, extra: object = {}): Promise<void> => {
    servers[name] = await startEchoServer({ tls: { key: pair.key, cert: pair.cert, ...extra } });
  };
  const port = (name: string): number => servers[name]!.port;

  beforeAll(async () => {
    certs = await testCertificates();
    await Promise.all([
      serve('valid', certs.valid, { ALPNProtocols: ['http/1.1'] }),
      serve('tls12', certs.valid, { maxVersion: 'TLSv1.2' }),
      serve('expired', certs.expired),
      serve('notYetValid', certs.notYetValid),
      serve('selfSigned', certs.selfSigned),
      serve('wrongHost', certs.wrongHost),
      serve('unknownCa', certs.unknownCa),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(Object.values(servers).map((server) => server.close()));
  });

  it('connects with a custom CA over TLS 1.3, sends SNI and negotiates http/1.1', async () => {
    const tls = await handshake(port('valid'), 'localhost', TLSOptions.client(certs.ca.cert));
    await echoes(tls);
    expect(tls.getProtocol()).toBe('TLSv1.3');
    expect(tls.getAlpnProtocol()).toBe('http/1.1');
    expect(tls.getPeerCertificate()?.subject).toContain('CN=localhost');
    expect(servers.valid!.servernames.at(-1)).toBe('localhost');
    tls.disconnectFromHost();
    expect(tls.getStatus()).toBe(StreamPeerTLSStatus.DISCONNECTED);
  });

  it('connects over TLS 1.2 when that is all the server speaks', async () => {
    const tls = await handshake(port('tls12'), 'localhost', TLSOptions.client(certs.ca.cert));
    await echoes(tls);
    expect(tls.getProtocol()).toBe('TLSv1.2');
    tls.disconnectFromHost();
  });

  it('verifies an IP literal against the IP SAN and sends no SNI for it (RFC 6066 §3)', async () => {
    const before = servers.valid!.servernames.length;
    const tls = await handshake(port('valid'), '127.0.0.1', TLSOptions.client(certs.ca.cert));
    await echoes(tls);
    expect(servers.valid!.servernames.slice(before)).toEqual([false]);
    tls.disconnectFromHost();
  });

  it.each([
    ['expired', TLSFailureReason.CERT_HAS_EXPIRED, 'CERT_HAS_EXPIRED'],
    ['notYetValid', TLSFailureReason.CERT_NOT_YET_VALID, 'CERT_NOT_YET_VALID'],
    ['selfSigned', TLSFailureReason.SELF_SIGNED, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
    ['unknownCa', TLSFailureReason.UNKNOWN_CA, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  ])('fails a %s certificate with reason %s', async (server, reason, nodeCode) => {
    const tls = await handshake(port(server), 'localhost', TLSOptions.client(certs.ca.cert));
    expect(tls.getStatus()).toBe(StreamPeerTLSStatus.ERROR);
    const error = failure(tls);
    expect(error.reason).toBe(reason);
    expect(error.nodeCode).toBe(nodeCode);
    expect(error.code).toBe(ErrorCode.CANT_CONNECT);
    expect(error.message).toContain('localhost');
    expect(tls.poll()).toBe(ErrorCode.CANT_CONNECT);
    expect(tls.getCloseReason()).toBe(CloseReason.ERROR);
    expect(tls.putData(bytesOf('x'))).toBe(ErrorCode.FAILED);
  });

  it('reports a host name mismatch as ERROR_HOSTNAME_MISMATCH', async () => {
    const tls = await handshake(port('wrongHost'), 'localhost', TLSOptions.client(certs.ca.cert));
    expect(tls.getStatus()).toBe(StreamPeerTLSStatus.ERROR_HOSTNAME_MISMATCH);
    const error = failure(tls);
    expect(error.reason).toBe(TLSFailureReason.HOSTNAME_MISMATCH);
    expect(error.nodeCode).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('trusts only the given chain: it replaces the default CAs', async () => {
    // The server's leaf is signed by `ca`; trusting only `otherCa` must fail...
    const other = await handshake(
      port('valid'),
      'localhost',
      TLSOptions.client(certs.otherCa.cert),
    );
    expect(failure(other).reason).toBe(TLSFailureReason.UNKNOWN_CA);
    // ...and so must the default CA set, which does not hold the test CA.
    const system = await handshake(port('valid'), 'localhost', null);
    expect(failure(system).reason).toBe(TLSFailureReason.UNKNOWN_CA);
  });

  it('verifies commonNameOverride instead of the host and sends it as SNI', async () => {
    const before = servers.wrongHost!.servernames.length;
    const tls = await handshake(
      port('wrongHost'),
      '127.0.0.1',
      TLSOptions.client(certs.ca.cert, 'wrong.example'),
    );
    await echoes(tls);
    expect(servers.wrongHost!.servernames.slice(before)).toEqual(['wrong.example']);
    tls.disconnectFromHost();
    const mismatch = await handshake(
      port('valid'),
      'localhost',
      TLSOptions.client(certs.ca.cert, 'wrong.example'),
    );
    expect(mismatch.getStatus()).toBe(StreamPeerTLSStatus.ERROR_HOSTNAME_MISMATCH);
  });

  it('clientUnsafe() without a chain accepts any certificate and any name', async () => {
    for (const server of ['selfSigned', 'expired', 'wrongHost', 'unknownCa']) {
      const tls = await handshake(port(server), 'localhost', TLSOptions.clientUnsafe());
      await echoes(tls);
      tls.disconnectFromHost();
    }
  });

  it('clientUnsafe(chain) checks the chain but never the host name', async () => {
    const unsafe = TLSOptions.clientUnsafe(certs.ca.cert);
    const wrongName = await handshake(port('wrongHost'), 'localhost', unsafe);
    await echoes(wrongName);
    wrongName.disconnectFromHost();
    const before = servers.valid!.servernames.length;
    // Godot sends no SNI for unsafe clients; we send the host so virtual hosts still work.
    const named = await handshake(port('valid'), 'localhost', unsafe);
    await echoes(named);
    expect(servers.valid!.servernames.slice(before)).toEqual(['localhost']);
    named.disconnectFromHost();
    const untrusted = await handshake(port('unknownCa'), 'localhost', unsafe);
    expect(failure(untrusted).reason).toBe(TLSFailureReason.UNKNOWN_CA);
    const expired = await handshake(port('expired'), 'localhost', unsafe);
    expect(failure(expired).reason).toBe(TLSFailureReason.CERT_HAS_EXPIRED);
  });

  it('refuses server options, and a TCP peer that is not connected', async () => {
    const tls = new StreamPeerTLS();
    const server = TLSOptions.server(certs.valid.key, certs.valid.cert);
    expect(tls.connectToStream(await tcpTo(port('valid')), 'localhost', server)).toBe(
      ErrorCode.INVALID_PARAMETER,
    );
    expect(tls.connectToStream(new StreamPeerTCP(), 'localhost', null)).toBe(
      ErrorCode.INVALID_PARAMETER,
    );
    expect(tls.getStatus()).toBe(StreamPeerTLSStatus.DISCONNECTED);
  });

  it('reports a server that closes during the handshake as CONNECTION_CLOSED', async () => {
    const closer = await startScriptedServer({ onConnection: [{ delay: 5 }, { destroy: true }] });
    try {
      const tls = await handshake(closer.port, 'localhost', TLSOptions.client(certs.ca.cert));
      expect(tls.getStatus()).toBe(StreamPeerTLSStatus.ERROR);
      expect(failure(tls).reason).toBe(TLSFailureReason.CONNECTION_CLOSED);
    } finally {
      await closer.close();
    }
  });

  it('reports a peer that does not speak TLS as HANDSHAKE_FAILED', async () => {
    const http = await startScriptedServer({
      onConnection: ['HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'],
    });
    try {
      const tls = await handshake(http.port, 'localhost', TLSOptions.client(certs.ca.cert));
      expect(tls.getStatus()).toBe(StreamPeerTLSStatus.ERROR);
      expect(failure(tls).reason).toBe(TLSFailureReason.HANDSHAKE_FAILED);
    } finally {
      await http.close();
    }
  });

  it('tells a clean TLS end (EOF) from a reset after the handshake', async () => {
    const scripted = await startScriptedServer({
      tls: { key: certs.valid.key, cert: certs.valid.cert },
      replies: (request) =>
        request.requestLine.includes('/end')
          ? ['HTTP/1.0 200 OK\r\n\r\nall of it', { end: true }]
          : ['HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\npart', { delay: 20 }, { reset: true }],
    });
    try {
      for (const [path, reason, status] of [
        ['/end', CloseReason.EOF, StreamPeerTLSStatus.DISCONNECTED],
        ['/reset', CloseReason.RESET, StreamPeerTLSStatus.ERROR],
      ] as const) {
        const tls = await handshake(scripted.port, 'localhost', TLSOptions.client(certs.ca.cert));
        tls.putData(bytesOf(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`));
        let got = '';
        await driveUntil(tls, () => {
          got += text(tls.getPartialData(1024));
          return tls.getStatus() !== StreamPeerTLSStatus.CONNECTED;
        });
        got += text(tls.getPartialData(1024));
        expect(got.endsWith(path === '/end' ? 'all of it' : 'part')).toBe(true);
        expect(tls.getCloseReason()).toBe(reason);
        expect(tls.getStatus()).toBe(status);
      }
    } finally {
      await scripted.close();
    }
  });

  it('runs over any Node duplex, such as a raw socket', async () => {
    const socket = tcpConnect(port('valid'), '127.0.0.1');
    const tls = new StreamPeerTLS();
    expect(tls.connectToStream(socket, 'localhost', TLSOptions.client(certs.ca.cert))).toBe(
      ErrorCode.OK,
    );
    await driveUntil(tls, () => tls.getStatus() !== StreamPeerTLSStatus.HANDSHAKING);
    await echoes(tls);
    expect(tls.getStream()).toBe(socket);
    tls.disconnectFromHost();
    expect(socket.destroyed).toBe(true);
  });
});
