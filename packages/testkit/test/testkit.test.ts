import { X509Certificate } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  driveUntil,
  startEchoServer,
  startScriptedServer,
  systemTool,
  testCertificates,
} from '../src/index.js';

/** Opens a raw client, sends `payload`, resolves with everything received and how it ended. */
function rawExchange(port: number, payload: string): Promise<{ data: string; ending: string }> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1', () => socket.write(payload));
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
    });
    socket.on('end', () => resolve({ data, ending: 'end' }));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ data, ending: error.code ?? 'error' }),
    );
  });
}

describe('startScriptedServer', () => {
  it('replies per request with exact bytes and records raw requests and connections', async () => {
    const server = await startScriptedServer({
      replies: [
        ['HTTP/1.1 200 OK\r\n', { delay: 5 }, 'Content-Length: 1\r\n\r\na'],
        ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb', { end: true }],
      ],
    });
    try {
      const first = 'POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc';
      const second =
        'PUT /two HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n';
      const result = await rawExchange(server.port, first + second);
      expect(result).toEqual({
        data: 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb',
        ending: 'end',
      });
      expect(server.connections).toBe(1);
      expect(server.requests.map((r) => r.requestLine)).toEqual([
        'POST /one HTTP/1.1',
        'PUT /two HTTP/1.1',
      ]);
      expect(server.requests[0]!.body.toString()).toBe('abc');
      expect(server.requests[1]!.body.toString()).toBe('hi');
      expect(server.requests[1]!.raw.toString('latin1')).toBe(second);
      expect(server.requests[1]!.indexInConnection).toBe(1);
      expect(server.received(0).toString('latin1')).toBe(first + second);
    } finally {
      await server.close();
    }
  });

  it('resets, closes and drips as scripted', async () => {
    const server = await startScriptedServer({
      replies: (request) =>
        request.requestLine.includes('reset')
          ? ['HTTP/1.1 200 OK\r\n', { delay: 10 }, { reset: true }]
          : [{ drip: 'slow', every: 2 }, { destroy: true }],
    });
    try {
      const reset = await rawExchange(server.port, 'GET /reset HTTP/1.1\r\n\r\n');
      expect(reset).toEqual({ data: 'HTTP/1.1 200 OK\r\n', ending: 'ECONNRESET' });
      const drip = await rawExchange(server.port, 'GET /drip HTTP/1.1\r\n\r\n');
      expect(drip).toEqual({ data: 'slow', ending: 'end' });
      expect(server.connections).toBe(2);
      expect((await server.request(1)).requestLine).toBe('GET /drip HTTP/1.1');
    } finally {
      await server.close();
    }
  });
});

describe('testCertificates', () => {
  it('makes the CA, valid, expired, wrong-host, self-signed and unknown-CA certificates', async () => {
    const certs = await testCertificates();
    const ca = new X509Certificate(certs.ca.cert);
    const valid = new X509Certificate(certs.valid.cert);
    expect(ca.ca).toBe(true);
    expect(valid.checkIssued(ca)).toBe(true);
    expect(valid.subjectAltName).toBe(
      'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    expect(new Date(valid.validTo).getTime()).toBeGreaterThan(Date.now());
    expect(new Date(new X509Certificate(certs.expired.cert).validTo).getUTCFullYear()).toBe(2020);
    expect(new Date(new X509Certificate(certs.notYetValid.cert).validFrom).getUTCFullYear()).toBe(
      2099,
    );
    expect(new X509Certificate(certs.wrongHost.cert).subjectAltName).toBe('DNS:wrong.example');
    const self = new X509Certificate(certs.selfSigned.cert);
    expect(self.issuer).toBe(self.subject);
    const unknown = new X509Certificate(certs.unknownCa.cert);
    expect(unknown.checkIssued(new X509Certificate(certs.otherCa.cert))).toBe(true);
    expect(unknown.checkIssued(ca)).toBe(false);
    // Cached: the second call returns the same files.
    expect((await testCertificates()).dir).toBe(certs.dir);
  }, 60_000);
});

describe('startEchoServer', () => {
  it('echoes bytes and ends when the client ends', async () => {
    const echo = await startEchoServer();
    try {
      const socket = connect(echo.port, '127.0.0.1');
      socket.end('echo me');
      let data = '';
      for await (const chunk of socket) data += String(chunk);
      expect(data).toBe('echo me');
      expect(echo.connections).toBe(1);
    } finally {
      await echo.close();
    }
  });
});

describe('systemTool', () => {
  it('finds Debian proxies in the sbin directories or explains how to install them', () => {
    const squid = systemTool('squid');
    if (squid.path === null) {
      expect(() => squid.require()).toThrow(/install-system-deps\.sh/);
    } else {
      expect(squid.require()).toBe(squid.path);
      expect(squid.shouldRun).toBe(true);
      expect(squid.skipNote).toBe('');
    }
  });
});

describe('driveUntil', () => {
  it('fails after maxSteps instead of hanging', async () => {
    let polls = 0;
    const peer = { poll: () => polls++, news: () => Promise.resolve() };
    await expect(driveUntil(peer, () => false, 5)).rejects.toThrow('after 5 polls');
    expect(polls).toBe(5);
  });
});
