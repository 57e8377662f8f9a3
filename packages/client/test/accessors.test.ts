import { type AddressInfo, createServer } from 'node:net';
import { ErrorCode, Method, Status } from '@gdhttp/constants';
import { type ScriptedServer, startScriptedServer } from '@gdhttp/testkit';
import { StreamPeerTCP } from '@gdhttp/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTPClient, USER_AGENT } from '../src/index.js';
import { connect, drive, readBody } from './drive.js';

let s: ScriptedServer;
beforeAll(async () => {
  s = await startScriptedServer({
    replies: [['HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!']],
  });
});
afterAll(async () => {
  await s.close();
});

describe('HTTPClient automatic headers', () => {
  it('appends Host, User-Agent and Accept after the caller headers, in Godot order', async () => {
    const client = new HTTPClient();
    await connect(client, s.host, s.port);
    client.request(Method.GET, '/h', ['X-First: 1', 'x-second: 2']);
    await drive(client, (st) => st !== Status.REQUESTING);
    expect(s.requests.at(-1)!.headers).toEqual([
      ['X-First', '1'],
      ['x-second', '2'],
      ['Host', `127.0.0.1:${s.port}`],
      ['User-Agent', USER_AGENT],
      ['Accept', '*/*'],
    ]);
    expect(USER_AGENT).toMatch(/^gdhttp\/\d+\.\d+\.\d+ \(Node\.js \d+\.\d+\.\d+; \w+\)$/);
    client.close();
  });

  it('sends Content-Length for a body, 0 for an empty POST, and the body for any method', async () => {
    const client = new HTTPClient();
    await connect(client, s.host, s.port);
    for (const [method, body, length] of [
      [Method.POST, '', '0'],
      [Method.PUT, 'héllo', '6'],
      [Method.GET, 'x', '1'],
    ] as const) {
      client.request(method, '/b', [], body);
      await drive(client, (st) => st !== Status.REQUESTING);
      await readBody(client);
      const seen = s.requests.at(-1)!;
      expect(seen.headers.find(([n]) => n === 'Content-Length')?.[1]).toBe(length);
      expect(seen.body.toString()).toBe(body);
    }
    client.close();
  });

  it('lets caller headers suppress automatic ones by exact prefix', async () => {
    const client = new HTTPClient();
    await connect(client, s.host, s.port);
    client.request(Method.GET, '/', ['host: custom.test', 'USER-AGENT: me', 'Accept: text/plain']);
    await drive(client, (st) => st !== Status.REQUESTING);
    expect(s.requests.at(-1)!.headers).toEqual([
      ['host', 'custom.test'],
      ['USER-AGENT', 'me'],
      ['Accept', 'text/plain'],
    ]);
    client.close();
  });
});

describe('HTTPClient accessors', () => {
  it('takes blocking mode and useThreads as booleans, refusing anything else', () => {
    const client = new HTTPClient();
    expect(client.blockingModeEnabled).toBe(false);
    expect(client.useThreads).toBe(false);
    client.blockingModeEnabled = true;
    client.useThreads = true;
    expect(client.blockingModeEnabled).toBe(true);
    expect(client.useThreads).toBe(true);
    client.useThreads = 1 as unknown as boolean;
    expect(client.useThreads).toBe(true);
    expect(client.lastError?.code).toBe(ErrorCode.INVALID_PARAMETER);
    client.blockingModeEnabled = false;
    expect(client.blockingModeEnabled).toBe(false);
  });

  it('exposes the stream as connection, and null once closed', async () => {
    const client = new HTTPClient();
    expect(client.connection).toBeNull();
    await connect(client, s.host, s.port);
    expect(client.connection).toBeInstanceOf(StreamPeerTCP);
    client.close();
    expect(client.connection).toBeNull();
  });

  it('adopts a connected stream set as connection, in CONNECTED, and refuses null', async () => {
    const tcp = new StreamPeerTCP();
    tcp.connectToHost(s.host, s.port);
    for (let i = 0; i < 100 && tcp.getStatus() !== 2; i++) {
      const news = tcp.news();
      tcp.poll();
      if (tcp.getStatus() !== 2) await news;
    }
    const client = new HTTPClient();
    client.connection = null;
    expect(client.lastError?.code).toBe(ErrorCode.INVALID_PARAMETER);
    client.connection = tcp;
    expect(client.getStatus()).toBe(Status.CONNECTED);
    expect(client.connection).toBe(tcp);
    client.close();
  });

  it('builds query strings as Godot does', () => {
    const client = new HTTPClient();
    expect(
      client.queryStringFromDict({ key1: 'value', key2: 123, key3: [1, 2, 3], key4: null }),
    ).toBe('key1=value&key2=123&key3=1&key3=2&key3=3&key4');
  });

  it('settles news() at once when there is no connection to wait for', async () => {
    await expect(new HTTPClient().news()).resolves.toBeUndefined();
  });
});

describe('HTTPClient keep-alive at scale', () => {
  it('runs 10,000 sequential requests on one connection without memory growth', async () => {
    // A canned server that keeps nothing per request, so the heap measured is the client's.
    const response = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!');
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      socket.on('data', (data) => {
        for (let at = data.indexOf('\r\n\r\n'); at >= 0; at = data.indexOf('\r\n\r\n', at + 4)) {
          socket.write(response);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = new HTTPClient();
    await connect(client, '127.0.0.1', port);
    let completed = 0;
    const run = async (n: number) => {
      for (let i = 0; i < n; i++) {
        client.request(Method.GET, '/', []);
        while (client.getStatus() === Status.REQUESTING) {
          const news = client.news();
          client.poll();
          if (client.getStatus() === Status.REQUESTING) await news;
        }
        while (client.getStatus() === Status.BODY) {
          const news = client.news();
          if (client.readResponseBodyChunk().length === 0 && client.getStatus() === Status.BODY)
            await news;
        }
        if (client.getStatus() !== Status.CONNECTED)
          throw new Error(`status ${client.getStatus()} at ${i}`);
        completed++;
      }
    };
    const gc = globalThis.gc as (() => void) | undefined;
    if (gc === undefined) throw new Error('run with --expose-gc (vitest.shared.ts sets it)');
    await run(1000);
    gc();
    const before = process.memoryUsage().heapUsed;
    await run(9000);
    gc();
    const growth = process.memoryUsage().heapUsed - before;
    expect(completed).toBe(10_000);
    expect(connections).toBe(1);
    // 9,000 retained responses would be megabytes; a leak-free client stays within noise.
    expect(growth).toBeLessThan(1024 * 1024);
    client.close();
    await new Promise((resolve) => server.close(resolve));
  }, 60_000);
});

describe('HTTPClient.requestHead', () => {
  it('is the head exactly as written, without the body, kept past close()', async () => {
    const server = await startScriptedServer({
      replies: [['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok']],
    });
    try {
      const client = new HTTPClient();
      expect(client.requestHead).toBeNull();
      await connect(client, '127.0.0.1', server.port);
      for (const body of ['hello', 'x'.repeat(20_000)]) {
        expect(client.request(Method.POST, '/echo', ['X-Test: 1'], body)).toBe(ErrorCode.OK);
        await drive(client, (status) => status !== Status.REQUESTING);
        await readBody(client);
        const request = server.requests.at(-1)!;
        const head = Buffer.from(client.requestHead!).toString('latin1');
        expect(head.endsWith('\r\n\r\n')).toBe(true);
        expect(request.raw.subarray(0, head.length).toString('latin1')).toBe(head);
        expect(request.raw.length).toBe(head.length + body.length);
      }
      client.close();
      expect(Buffer.from(client.requestHead!).toString('latin1')).toMatch(
        /^POST \/echo HTTP\/1\.1\r\n/,
      );
    } finally {
      await server.close();
    }
  });
});
