// Every return code of connectToHost, poll and request (docs/godot-behavior.md#connecting,
// #polling, #requests), driven against real sockets on 127.0.0.1.
import { createServer, type Server } from 'node:net';
import { ErrorCode, Method, Status } from '@gdhttp/constants';
import {
  type ScriptedServer,
  startBlackholeListener,
  startScriptedServer,
  testCertificates,
} from '@gdhttp/testkit';
import { TLSOptions } from '@gdhttp/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTPClient } from '../src/index.js';
import { connect, drive, readBody } from './drive.js';

let s: ScriptedServer;
beforeAll(async () => {
  s = await startScriptedServer({ replies: [['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok']] });
});
afterAll(async () => {
  await s.close();
});

/** A port nothing listens on: bind one, note it, close it. */
async function closedPort(): Promise<number> {
  const probe: Server = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('HTTPClient.connectToHost (godot-behavior.md#connecting)', () => {
  it('refuses server TLS options with INVALID_PARAMETER and stays DISCONNECTED', async () => {
    const { valid } = await testCertificates();
    const client = new HTTPClient();
    const options = TLSOptions.server(valid.key, valid.cert);
    expect(client.connectToHost('example.com', 443, options)).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.getStatus()).toBe(Status.DISCONNECTED);
  });

  it.each(['', 'a.b', '::1', 'https://a.b', 'http://::1'])(
    'refuses host %j (shorter than 4 characters after the prefix)',
    (host) => {
      const client = new HTTPClient();
      expect(client.connectToHost(host)).toBe(ErrorCode.INVALID_PARAMETER);
      expect(client.getStatus()).toBe(Status.DISCONNECTED);
    },
  );

  it('drops the current connection first, even when the new arguments are refused', async () => {
    const client = new HTTPClient();
    await connect(client, s.host, s.port);
    expect(client.getStatus()).toBe(Status.CONNECTED);
    expect(client.connectToHost('x')).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.getStatus()).toBe(Status.DISCONNECTED);
    expect(client.connection).toBeNull();
  });

  it('returns OK in CONNECTING for an IP literal and RESOLVING for a name', () => {
    const client = new HTTPClient();
    expect(client.connectToHost('127.0.0.1', s.port)).toBe(ErrorCode.OK);
    expect(client.getStatus()).toBe(Status.CONNECTING);
    expect(client.connectToHost('localhost', s.port)).toBe(ErrorCode.OK);
    expect(client.getStatus()).toBe(Status.RESOLVING);
    client.close();
  });

  it.each([0, 65536, 70000])(
    'returns the TCP error for port %i with an IP literal, in CANT_CONNECT',
    (port) => {
      const client = new HTTPClient();
      expect(client.connectToHost('127.0.0.1', port)).toBe(ErrorCode.INVALID_PARAMETER);
      expect(client.getStatus()).toBe(Status.CANT_CONNECT);
      expect(client.poll()).toBe(ErrorCode.CANT_CONNECT);
    },
  );

  it('strips an http:// prefix and ignores given TLS options, connecting in plain text', async () => {
    const client = new HTTPClient();
    const err = client.connectToHost(`HTTP://${s.host}`, s.port, TLSOptions.clientUnsafe());
    expect(err).toBe(ErrorCode.OK);
    await drive(client, (st) => st === Status.CONNECTED || st >= Status.CONNECTION_ERROR);
    expect(client.getStatus()).toBe(Status.CONNECTED);
    client.request(Method.GET, '/', []);
    await drive(client, (st) => st !== Status.REQUESTING);
    expect(client.getResponseCode()).toBe(200);
    client.close();
  });

  it('keeps anything after the host as part of it: "host/path" fails to resolve', async () => {
    const client = new HTTPClient();
    expect(client.connectToHost('http://localhost/path', s.port)).toBe(ErrorCode.OK);
    expect(client.getStatus()).toBe(Status.RESOLVING);
    await drive(client, (st) => st !== Status.RESOLVING && st !== Status.CONNECTING);
    expect(client.getStatus()).toBe(Status.CANT_RESOLVE);
  });

  it('accepts a bracketed IPv6 literal (an addition: Godot refuses "::1")', async () => {
    const v6 = await startScriptedServer({ replies: [['HTTP/1.1 204 No Content\r\n\r\n']] }).catch(
      () => null,
    );
    const client = new HTTPClient();
    expect(client.connectToHost('[::1]', 1)).toBe(ErrorCode.OK);
    expect(client.getStatus()).toBe(Status.CONNECTING);
    client.close();
    await v6?.close();
  });
});

describe('HTTPClient.poll (godot-behavior.md#polling)', () => {
  it('returns UNCONFIGURED while DISCONNECTED', () => {
    expect(new HTTPClient().poll()).toBe(ErrorCode.UNCONFIGURED);
  });

  it('returns CANT_RESOLVE, sticky, after a DNS failure', async () => {
    const client = new HTTPClient();
    client.connectToHost('no-such-host.invalid', 80);
    await drive(client, (st) => st !== Status.RESOLVING && st !== Status.CONNECTING);
    expect(client.getStatus()).toBe(Status.CANT_RESOLVE);
    expect(client.poll()).toBe(ErrorCode.CANT_RESOLVE);
    expect(client.poll()).toBe(ErrorCode.CANT_RESOLVE);
    expect(client.lastError?.code).toBe(ErrorCode.CANT_RESOLVE);
  });

  it('returns CANT_CONNECT, sticky, when the port is refused', async () => {
    const client = new HTTPClient();
    client.connectToHost('127.0.0.1', await closedPort());
    await drive(client, (st) => st !== Status.CONNECTING);
    expect(client.getStatus()).toBe(Status.CANT_CONNECT);
    expect(client.poll()).toBe(ErrorCode.CANT_CONNECT);
    expect(client.getStatus()).toBe(Status.CANT_CONNECT);
  });

  it('returns CANT_CONNECT when connecting times out, with TIMEOUT kept in lastError', async () => {
    const hole = await startBlackholeListener();
    const client = new HTTPClient();
    client.connectTimeout = 0.2;
    client.connectToHost(hole.host, hole.port);
    await drive(client, (st) => st !== Status.CONNECTING);
    expect(client.getStatus()).toBe(Status.CANT_CONNECT);
    expect(client.poll()).toBe(ErrorCode.CANT_CONNECT);
    expect(client.lastError?.code).toBe(ErrorCode.TIMEOUT);
    await hole.close();
  });

  it('returns CONNECTION_ERROR in TLS_HANDSHAKE_ERROR', async () => {
    const { selfSigned } = await testCertificates();
    const tls = await startScriptedServer({
      tls: { key: selfSigned.key, cert: selfSigned.cert },
      replies: [['HTTP/1.1 204 No Content\r\n\r\n']],
    });
    const client = new HTTPClient();
    client.connectToHost(tls.host, tls.port, TLSOptions.client());
    await drive(client, (st) => st !== Status.CONNECTING);
    expect(client.getStatus()).toBe(Status.TLS_HANDSHAKE_ERROR);
    expect(client.poll()).toBe(ErrorCode.CONNECTION_ERROR);
    expect(client.lastError?.name).toBe('TLSError');
    await tls.close();
  });

  it('reports CONNECTION_ERROR without closing when the server closes an idle connection', async () => {
    const idle = await startScriptedServer({
      replies: [
        ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx', { delay: 20 }, { destroy: true }],
      ],
    });
    const client = new HTTPClient();
    await connect(client, idle.host, idle.port);
    client.request(Method.GET, '/', []);
    await drive(client, (st) => st !== Status.REQUESTING);
    await readBody(client);
    expect(client.getStatus()).toBe(Status.CONNECTED);
    await drive(client, (st) => st !== Status.CONNECTED);
    expect(client.getStatus()).toBe(Status.CONNECTION_ERROR);
    expect(client.poll()).toBe(ErrorCode.CONNECTION_ERROR);
    await idle.close();
  });

  it('stays in its state and returns OK while nothing happened', async () => {
    const client = new HTTPClient();
    await connect(client, s.host, s.port);
    expect(client.poll()).toBe(ErrorCode.OK);
    expect(client.getStatus()).toBe(Status.CONNECTED);
    client.close();
  });
});

describe('HTTPClient.request (godot-behavior.md#requests)', () => {
  it.each([-1, 9, 100, 1.5])('refuses method %j with INVALID_PARAMETER', async (method) => {
    const client = new HTTPClient();
    await connect(client, s.host, s.port);
    expect(client.request(method as Method, '/', [])).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.getStatus()).toBe(Status.CONNECTED);
    client.close();
  });

  it.each(['', 'index.html', 'HTTP://x/', '*'])('refuses GET url %j', async (url) => {
    const client = new HTTPClient();
    await connect(client, s.host, s.port);
    expect(client.request(Method.GET, url, [])).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.getStatus()).toBe(Status.CONNECTED);
    client.close();
  });

  it('refuses with INVALID_PARAMETER (not UNCONFIGURED) when not CONNECTED', async () => {
    const client = new HTTPClient();
    expect(client.request(Method.GET, '/', [])).toBe(ErrorCode.INVALID_PARAMETER);
    client.connectToHost('localhost', s.port);
    expect(client.getStatus()).toBe(Status.RESOLVING);
    expect(client.request(Method.GET, '/', [])).toBe(ErrorCode.INVALID_PARAMETER);
    await drive(client, (st) => st === Status.CONNECTED);
    expect(client.request(Method.GET, '/', [])).toBe(ErrorCode.OK);
    // REQUESTING, then BODY with the body unread: both refuse a second request.
    expect(client.request(Method.GET, '/', [])).toBe(ErrorCode.INVALID_PARAMETER);
    await drive(client, (st) => st !== Status.REQUESTING);
    expect(client.getStatus()).toBe(Status.BODY);
    expect(client.request(Method.GET, '/', [])).toBe(ErrorCode.INVALID_PARAMETER);
    client.close();
  });

  it.each([
    [['InvalidHeader']],
    [['']],
    [[':']],
    [[': x']],
    [['X-A: a\r\nX-Injected: 1']],
    [['X-A: a\nb']],
    [['X-A: a\0']],
    [['Bad Name: v']],
  ])('refuses headers %j with INVALID_PARAMETER and sends nothing', async (headers) => {
    const client = new HTTPClient();
    await connect(client, s.host, s.port);
    const before = s.requests.length;
    expect(client.request(Method.GET, '/', headers)).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.getStatus()).toBe(Status.CONNECTED);
    expect(client.lastError?.code).toBe(ErrorCode.INVALID_PARAMETER);
    client.close();
    expect(s.requests.length).toBe(before);
  });

  it.each(['/a b', '/x\r\nHost: evil', '/\0'])(
    'refuses URL %j (request splitting)',
    async (url) => {
      const client = new HTTPClient();
      await connect(client, s.host, s.port);
      expect(client.request(Method.GET, url, [])).toBe(ErrorCode.INVALID_PARAMETER);
      client.close();
    },
  );

  it('accepts "X:" and "X: " as Godot does', async () => {
    const client = new HTTPClient();
    await connect(client, s.host, s.port);
    expect(client.request(Method.GET, '/', ['X:', 'Y: '])).toBe(ErrorCode.OK);
    client.close();
  });

  it('does no I/O itself: the request leaves on the next poll', async () => {
    const client = new HTTPClient();
    await connect(client, s.host, s.port);
    const before = s.requests.length;
    client.request(Method.GET, '/no-io', []);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(s.requests.length).toBe(before);
    await drive(client, (st) => st !== Status.REQUESTING);
    expect(s.requests.at(-1)?.requestLine).toBe('GET /no-io HTTP/1.1');
    client.close();
  });
});
