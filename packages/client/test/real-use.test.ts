// HTTPClient driven the way people use it (issue #12): uploads of every size over plain TCP, TLS
// and proxies; responses whose bytes around them used to cost the response; Godot 3 calls.
// Each case failed before the fix it names.
import { createHash } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { ErrorCode, Method, Status } from '@gdhttp/constants';
import {
  type Action,
  listenLoopback,
  type ProxyFixture,
  type ScriptedServer,
  startScriptedServer,
  startSquid,
  type TestCertificates,
  testCertificates,
} from '@gdhttp/testkit';
import { TLSOptions } from '@gdhttp/transport';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HTTPClient } from '../src/index.js';
import { connect, drive, exchangeWith, readBody } from './drive.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

const scripted: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(scripted.splice(0).map((s) => s.close()));
});

/** A body whose bytes differ along its length, so a lost or repeated piece changes its hash. */
function payload(size: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + (i >>> 9)) & 0xff;
  return data;
}

/** Answers every request with `<bytes> <sha256>` of the body it read. */
function hashBody(req: IncomingMessage, res: ServerResponse): void {
  const hash = createHash('sha256');
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  req.on('end', () => res.end(`${bytes} ${hash.digest('hex')}`));
}

/** Sends `body` with POST on a connected client and returns the status and what the server saw. */
async function upload(client: HTTPClient, body: Uint8Array, path = '/upload'): Promise<string> {
  expect(
    client.requestRaw(Method.POST, path, ['Content-Type: application/octet-stream'], body),
  ).toBe(ErrorCode.OK);
  const seen = await drive(client, (s) => s !== Status.REQUESTING, 60_000);
  expect(seen.at(-1), `after ${seen.join(' → ')}: ${client.lastError?.message}`).toBe(Status.BODY);
  expect(client.getResponseCode()).toBe(200);
  return text(await readBody(client, 60_000));
}

const SIZES = [0, 16_219, 16_220, 16_383, 16_384, 16_385, 1024 * 1024, 64 * 1024 * 1024];

describe('HTTPClient uploads of every size', () => {
  let certs: TestCertificates;
  const servers: Server[] = [];
  let plainPort = 0;
  let tlsPort = 0;
  let squid: ProxyFixture;

  beforeAll(async () => {
    certs = await testCertificates();
    const plain = createHttpServer(hashBody);
    const tls = createHttpsServer({ key: certs.valid.key, cert: certs.valid.cert }, hashBody);
    servers.push(plain, tls);
    [plainPort, tlsPort] = await Promise.all([listenLoopback(plain), listenLoopback(tls)]);
    squid = await startSquid();
  }, 60_000);
  afterAll(async () => {
    await squid?.close();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it.each(SIZES)('sends a %i-byte POST over plain TCP, one poll loop', async (size) => {
    const client = new HTTPClient();
    await connect(client, '127.0.0.1', plainPort);
    const body = payload(size);
    expect(await upload(client, body)).toBe(`${size} ${sha256(body)}`);
    // The connection is kept and carries the next request too.
    expect(client.getStatus()).toBe(Status.CONNECTED);
    const next = payload(3);
    expect(await upload(client, next)).toBe(`3 ${sha256(next)}`);
    client.close();
  });

  it.each(SIZES)('sends a %i-byte POST over TLS', async (size) => {
    const client = new HTTPClient();
    await connect(client, 'localhost', tlsPort, TLSOptions.client(certs.ca.cert));
    const body = payload(size);
    expect(await upload(client, body)).toBe(`${size} ${sha256(body)}`);
    client.close();
  });

  it.each([16_385, 1024 * 1024, 64 * 1024 * 1024])(
    'sends a %i-byte POST through squid as an HTTP proxy',
    async (size) => {
      const client = new HTTPClient();
      client.setHttpProxy(squid.host, squid.port);
      await connect(client, '127.0.0.1', plainPort);
      const body = payload(size);
      expect(await upload(client, body)).toBe(`${size} ${sha256(body)}`);
      client.close();
    },
  );

  it.each([16_385, 1024 * 1024, 64 * 1024 * 1024])(
    'sends a %i-byte POST over TLS through a squid CONNECT tunnel',
    async (size) => {
      const client = new HTTPClient();
      client.setHttpsProxy(squid.host, squid.port);
      await connect(client, 'localhost', tlsPort, TLSOptions.client(certs.ca.cert));
      const body = payload(size);
      expect(await upload(client, body)).toBe(`${size} ${sha256(body)}`);
      client.close();
    },
  );

  it('reads an early answer (413) sent while the body was still going out', async () => {
    const server = createHttpServer((req, res) => {
      // Answer at once and read nothing for a while: the client is still sending 64 MiB and
      // must see the answer without finishing first. (Closing with unread bytes would reset the
      // connection, and a reset may destroy the answer in the kernel before anyone reads it.)
      req.pause();
      res.writeHead(413, { 'Content-Length': '8' });
      res.end('too big!');
      setTimeout(() => req.resume(), 300);
    });
    servers.push(server);
    const port = await listenLoopback(server);
    const client = new HTTPClient();
    await connect(client, '127.0.0.1', port);
    expect(client.requestRaw(Method.POST, '/', [], payload(64 * 1024 * 1024))).toBe(ErrorCode.OK);
    await drive(client, (s) => s !== Status.REQUESTING, 30_000);
    expect(client.getResponseCode()).toBe(413);
    expect(text(await readBody(client))).toBe('too big!');
    // The rest of the request was never sent, so the connection cannot carry another one.
    expect(client.getStatus()).toBe(Status.DISCONNECTED);
    client.close();
  });

  it('does not copy a large body: memory grows by less than the body while it is sent', async () => {
    const size = 256 * 1024 * 1024;
    const body = payload(size);
    global.gc?.();
    const before = process.memoryUsage().arrayBuffers;
    let peak = before;
    const client = new HTTPClient();
    await connect(client, '127.0.0.1', plainPort);
    expect(client.requestRaw(Method.POST, '/', [], body)).toBe(ErrorCode.OK);
    while (client.getStatus() === Status.REQUESTING) {
      const news = client.news();
      client.poll();
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      if (client.getStatus() === Status.REQUESTING) await news;
    }
    expect(text(await readBody(client, 30_000)).split(' ')[0]).toBe(String(size));
    // The server in this process holds what it received until collected: allow for that, far
    // below the 256 MiB a copy would add.
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
    client.close();
  }, 60_000);
});

const exchange = (reply: Action[], method?: Method, next?: Action[]) =>
  exchangeWith(scripted, next ? [reply, next] : [reply], method);

describe('HTTPClient delivers a complete head before an error found later', () => {
  const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Kept: yes\r\n\r\n';
  it.each([
    ['an invalid chunk size', `${head}zz\r\n`],
    ['a chunk not ended by CRLF', `${head}3\r\nabcXY`],
    ['bare-LF chunk framing', `${head}3\nabc\n0\n\n`],
    ['an endless chunk size of zeros', `${head}${'0'.repeat(20_000)}`],
  ])(
    'reports BODY with code and headers, then the error, for %s in the same packet',
    async (_, wire) => {
      const { client } = await exchange([wire, { hang: true }]);
      expect(client.getStatus()).toBe(Status.BODY);
      expect(client.getResponseCode()).toBe(200);
      expect(client.getResponseHeaders()).toContain('X-Kept: yes');
      expect(client.hasResponse()).toBe(true);
      await readBody(client);
      expect(client.getStatus()).toBe(Status.CONNECTION_ERROR);
      expect(client.lastError?.message).toMatch(/chunk|CR|LF/i);
    },
  );

  it('hands out the body bytes before a malformed chunk, then the error', async () => {
    const { client } = await exchange([`${head}5\r\nhello\r\nzz\r\n`, { hang: true }]);
    expect(client.getStatus()).toBe(Status.BODY);
    expect(text(client.readResponseBodyChunk())).toBe('hello');
    expect(client.readResponseBodyChunk()).toHaveLength(0);
    expect(client.getStatus()).toBe(Status.CONNECTION_ERROR);
  });

  it('hands out the bytes before a reset in a Content-Length body, then the error', async () => {
    const { client } = await exchange([
      'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc',
      { delay: 20 },
      { reset: true },
    ]);
    expect(text(await readBody(client))).toBe('abc');
    expect(client.getStatus()).toBe(Status.CONNECTION_ERROR);
  });
});

describe('HTTPClient delivers a complete response whatever follows it', () => {
  const cases: Array<[string, string, Method, string]> = [
    ['a 204 followed by body bytes', 'HTTP/1.1 204 No Content\r\n\r\n', Method.GET, 'body bytes'],
    [
      'a HEAD answer followed by its body',
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n',
      Method.HEAD,
      'hello',
    ],
    [
      'junk after a framed response',
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
      Method.GET,
      '\x00junk',
    ],
    [
      'a whole second response',
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
      Method.GET,
      'HTTP/1.1 201 Smuggled\r\nContent-Length: 4\r\n\r\nevil',
    ],
  ];
  for (const [name, response, method, extra] of cases) {
    const body = method === Method.HEAD || response.includes('204') ? '' : 'ok';
    it.each([
      ['in the same segment', [response + extra, { hang: true }] as Action[]],
      ['30 ms later', [response, { delay: 30 }, extra, { hang: true }] as Action[]],
    ])(`delivers ${name} %s`, async (_, script) => {
      const { client } = await exchange(script, method);
      expect(client.getResponseCode()).toBe(response.includes('204') ? 204 : 200);
      expect(text(await readBody(client))).toBe(body);
      // The extra bytes are never taken as the next response.
      if (client.getStatus() === Status.CONNECTED) {
        await new Promise((resolve) => setTimeout(resolve, 60));
        expect(client.request(Method.GET, '/', [])).toBe(ErrorCode.OK);
        await drive(client, (s) => s !== Status.REQUESTING);
        expect(client.getResponseCode()).not.toBe(201);
        expect(client.getStatus()).toBe(Status.CONNECTION_ERROR);
      } else {
        expect(client.getStatus()).toBe(Status.DISCONNECTED);
      }
    });
  }

  it('retires the connection after a response followed by extra bytes in its segment', async () => {
    const { client } = await exchange(['HTTP/1.1 204 No Content\r\n\r\nextra', { hang: true }]);
    expect(client.getResponseCode()).toBe(204);
    expect(client.getStatus()).toBe(Status.DISCONNECTED);
  });
});

describe('HTTPClient skips empty lines before a status line (RFC 9112 §2.2)', () => {
  it('keeps the headers of the final response after 100 Continue and an empty line', async () => {
    const { client } = await exchange([
      'HTTP/1.1 100 Continue\r\n\r\n\r\nHTTP/1.1 200 OK\r\nX-Final: 1\r\nContent-Length: 2\r\n\r\nok',
    ]);
    expect(client.getResponseCode()).toBe(200);
    expect(client.hasResponse()).toBe(true);
    expect(client.getResponseHeaders()).toEqual(['X-Final: 1', 'Content-Length: 2']);
    expect(text(await readBody(client))).toBe('ok');
  });

  it('does not report the status line as a header when the response starts with CRLF', async () => {
    const { client } = await exchange([
      '\r\n\r\nHTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 0\r\n\r\n',
    ]);
    expect(client.getResponseHeaders()).toEqual(['X-A: 1', 'Content-Length: 0']);
  });

  it('keeps the head exact when it spans several reads after an interim response', async () => {
    const wire =
      'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nX-B: 2\r\nContent-Length: 0\r\n\r\n';
    const { client } = await exchange([{ drip: wire, every: 1, chunk: 3 }]);
    expect(client.getResponseHeaders()).toEqual(['X-B: 2', 'Content-Length: 0']);
  });
});

describe('HTTPClient header limits', () => {
  const fields = (n: number) => Array.from({ length: n }, (_, i) => `X-F${i}: ${i}`);
  const response = (n: number) =>
    `HTTP/1.1 200 OK\r\n${fields(n).join('\r\n')}\r\nContent-Length: 0\r\n\r\n`;

  it('accepts 1,000 header fields by default, as curl, Godot, undici and Node do', async () => {
    const { client } = await exchange([response(1000)]);
    expect(client.getResponseCode()).toBe(200);
    expect(client.getResponseHeaders()).toHaveLength(1001);
  });

  it('lets maxHeaderCount and maxHeaderSize be set, and refuses a bad value', async () => {
    const s = await startScriptedServer({ replies: [[response(50)]] });
    scripted.push(s);
    const client = new HTTPClient();
    client.maxHeaderCount = 10;
    expect(client.maxHeaderCount).toBe(10);
    client.maxHeaderCount = 0;
    expect(client.maxHeaderCount).toBe(10);
    expect(client.lastError?.code).toBe(ErrorCode.PARAMETER_RANGE_ERROR);
    client.maxHeaderSize = 64 * 1024;
    expect(client.maxHeaderSize).toBe(64 * 1024);
    await connect(client, s.host, s.port);
    client.request(Method.GET, '/', []);
    await drive(client, (st) => st !== Status.REQUESTING);
    expect(client.getStatus()).toBe(Status.CONNECTION_ERROR);
    expect(client.lastError?.message).toMatch(/Too many header fields/);
  });

  it('accepts a head over 16 KiB when maxHeaderSize allows it', async () => {
    const big = `HTTP/1.1 200 OK\r\nX-Big: ${'b'.repeat(40_000)}\r\nContent-Length: 0\r\n\r\n`;
    const s = await startScriptedServer({ replies: [[big]] });
    scripted.push(s);
    const client = new HTTPClient();
    client.maxHeaderSize = 64 * 1024;
    await connect(client, s.host, s.port);
    client.request(Method.GET, '/', []);
    await drive(client, (st) => st !== Status.REQUESTING);
    expect(client.getResponseCode()).toBe(200);
  });
});

describe('HTTPClient trailers', () => {
  it('decodes trailer fields as UTF-8, as header lines are', async () => {
    const utf8 = Buffer.from('X-T: té\r\n', 'utf8');
    const { client } = await exchange([
      Buffer.from('HTTP/1.1 200 OK\r\nX-H: té\r\nTransfer-Encoding: chunked\r\n\r\n', 'utf8'),
      '2\r\nok\r\n0\r\n',
      utf8,
      '\r\n',
    ]);
    expect(client.getResponseHeaders()).toContain('X-H: té');
    expect(text(await readBody(client))).toBe('ok');
    expect(client.getResponseTrailers()).toEqual(['X-T: té']);
  });
});

describe('HTTPClient misuse returns a code, never throws', () => {
  it('refuses Godot 3 connectToHost(host, 443, true) with INVALID_PARAMETER', () => {
    const client = new HTTPClient();
    // biome-ignore lint/suspicious/noExplicitAny: the Godot 3 call a ported script makes.
    expect(client.connectToHost('example.com', 443, true as any)).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.lastError?.message).toMatch(/TLSOptions\.client\(\)/);
    expect(client.getStatus()).toBe(Status.DISCONNECTED);
  });

  it('refuses arguments of the wrong type everywhere with INVALID_PARAMETER', async () => {
    const s = await startScriptedServer({
      replies: [['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n']],
    });
    scripted.push(s);
    const client = new HTTPClient();
    // biome-ignore lint/suspicious/noExplicitAny: deliberate misuse.
    const any = (v: unknown) => v as any;
    expect(client.connectToHost(any(42))).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.connectToHost('127.0.0.1', any('80'))).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.connectToHost('127.0.0.1', s.port, any({}))).toBe(ErrorCode.INVALID_PARAMETER);
    await connect(client, s.host, s.port);
    expect(client.request(Method.GET, any(null), [])).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.request(Method.GET, '/', any('Accept: x'))).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.request(Method.GET, '/', [any(1)])).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.request(Method.POST, '/', [], any(new Uint8Array(2)))).toBe(
      ErrorCode.INVALID_PARAMETER,
    );
    expect(client.requestRaw(Method.POST, '/', [], any('text'))).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.requestRaw(any('GET'), '/', [], new Uint8Array())).toBe(
      ErrorCode.INVALID_PARAMETER,
    );
    expect(client.getStatus()).toBe(Status.CONNECTED);
  });
});
