// Observable details where the client must match Godot's HTTPClient byte for byte
// (docs/godot-behavior.md#response-heads, #bodies, #accessors): the header lines as Godot stores them, body read sizes, and what the accessors
// report between responses.
import { ErrorCode, Method, Status } from '@gdhttp/constants';
import { type Action, type ScriptedServer, startScriptedServer } from '@gdhttp/testkit';
import { StreamPeerTCP, TLSError, TLSFailureReason, TLSOptions } from '@gdhttp/transport';
import { afterEach, describe, expect, it } from 'vitest';
import { HTTPClient } from '../src/index.js';
import { connect, drive, exchangeWith, readBody } from './drive.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');
const settle = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));

/** Serves `replies` in order on one connection; returns a client whose first request (`method`) got its head. */
const exchange = (replies: Action[][], method?: Method) => exchangeWith(servers, replies, method);

/** Reads until the status leaves BODY, recording the size of every non-empty read. */
async function readSizes(client: HTTPClient): Promise<number[]> {
  const sizes: number[] = [];
  while (client.getStatus() === Status.BODY) {
    const news = client.news();
    const chunk = client.readResponseBodyChunk();
    if (chunk.length > 0) sizes.push(chunk.length);
    else if (client.getStatus() === Status.BODY) await news;
  }
  return sizes;
}

describe('getResponseHeaders() lines (godot-behavior.md#response-heads, #accessors)', () => {
  it('returns each line as sent, trimmed: no space added after the colon, inner spaces kept', async () => {
    const { client } = await exchange([
      [
        'HTTP/1.1 200 OK\r\nX-Tight:value\r\nX-Wide:   spaced  out  \r\nX-Empty:\r\nX-Blank:   \r\n' +
          'Content-Length: 0\r\n\r\n',
      ],
    ]);
    expect(client.getResponseHeaders()).toEqual([
      'X-Tight:value',
      'X-Wide:   spaced  out',
      'X-Empty:',
      'X-Blank:',
      'Content-Length: 0',
    ]);
    expect(client.getResponseHeadersAsDictionary()).toEqual({
      'X-Tight': 'value',
      'X-Wide': 'spaced  out',
      'X-Empty': '',
      'X-Blank': '',
      'Content-Length': '0',
    });
  });

  it('decodes the head as UTF-8, as Godot does', async () => {
    const head = Buffer.concat([
      Buffer.from('HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename="na'),
      Buffer.from('ïve ✓.txt"', 'utf8'),
      Buffer.from('\r\nContent-Length: 0\r\n\r\n'),
    ]);
    const { client } = await exchange([[head]]);
    expect(client.getResponseHeaders()[0]).toBe(
      'Content-Disposition: attachment; filename="naïve ✓.txt"',
    );
    expect(client.getResponseHeadersAsDictionary()['Content-Disposition']).toBe(
      'attachment; filename="naïve ✓.txt"',
    );
  });

  it('keeps the final response lines exact after skipped 1xx responses', async () => {
    const { client } = await exchange([
      [
        'HTTP/1.1 103 Early Hints\r\nLink:</a>\r\n\r\nHTTP/1.1 200 OK\r\nX-A:1\r\nContent-Length:0\r\n\r\n',
      ],
    ]);
    expect(client.getResponseHeaders()).toEqual(['X-A:1', 'Content-Length:0']);
  });
});

describe('readResponseBodyChunk() sizes (godot-behavior.md#bodies)', () => {
  it('returns min(available, remaining, readChunkSize) for a Content-Length body', async () => {
    const body = 'y'.repeat(1000);
    const { client } = await exchange([[`HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n${body}`]]);
    client.readChunkSize = 256;
    await settle();
    expect(await readSizes(client)).toEqual([256, 256, 256, 232]);
    expect(client.getStatus()).toBe(Status.CONNECTED);
  });

  it('returns everything that arrived since the head in one read, up to readChunkSize', async () => {
    const { client } = await exchange([
      ['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789', { delay: 10 }, 'z'.repeat(90)],
    ]);
    await settle(60);
    const chunk = client.readResponseBodyChunk();
    expect(chunk.length).toBe(100);
    expect(client.getStatus()).toBe(Status.CONNECTED);
  });

  it('reads a read-until-close body in readChunkSize pieces and ends with the last bytes', async () => {
    const { client } = await exchange([
      ['HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n', 'e'.repeat(600), { end: true }],
    ]);
    client.readChunkSize = 256;
    await settle();
    const sizes = await readSizes(client);
    expect(sizes).toEqual([256, 256, 88]);
    expect(client.getStatus()).toBe(Status.DISCONNECTED);
  });

  it('never joins two chunks in one read: one chunk per call, as Godot', async () => {
    const { client } = await exchange([
      [
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n3\r\n!!!\r\n0\r\n\r\n',
      ],
    ]);
    await settle();
    const parts: string[] = [];
    while (client.getStatus() === Status.BODY) {
      const news = client.news();
      const chunk = client.readResponseBodyChunk();
      if (chunk.length > 0) parts.push(text(chunk));
      else if (client.getStatus() === Status.BODY) await news;
    }
    expect(parts).toEqual(['hello', ' world', '!!!']);
    expect(client.getStatus()).toBe(Status.CONNECTED);
  });
});

describe('response accessors between responses (godot-behavior.md#accessors, #connection-reuse)', () => {
  it('keeps the previous response until the next head arrives, as Godot', async () => {
    const { client } = await exchange([
      ['HTTP/1.1 201 Created\r\nX-First: 1\r\nContent-Length: 2\r\n\r\nok'],
      [{ delay: 50 }, 'HTTP/1.1 404 Not Found\r\nX-Second: 2\r\nContent-Length: 0\r\n\r\n'],
    ]);
    expect(text(await readBody(client))).toBe('ok');
    expect(client.request(Method.GET, '/next', [])).toBe(ErrorCode.OK);
    expect(client.getStatus()).toBe(Status.REQUESTING);
    expect(client.getResponseCode()).toBe(201);
    expect(client.getResponseHeaders()).toEqual(['X-First: 1', 'Content-Length: 2']);
    expect(client.hasResponse()).toBe(true);
    expect(client.getResponseBodyLength()).toBe(2);
    await drive(client, (st) => st !== Status.REQUESTING);
    expect(client.getResponseCode()).toBe(404);
    expect(client.getResponseHeaders()).toEqual(['X-Second: 2', 'Content-Length: 0']);
    expect(client.getResponseBodyLength()).toBe(0);
  });

  it('reports a chunked HEAD response as chunked, with length 0 and no body', async () => {
    const { client } = await exchange(
      [['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n']],
      Method.HEAD,
    );
    expect(client.getStatus()).toBe(Status.BODY);
    expect(client.isResponseChunked()).toBe(true);
    expect(client.getResponseBodyLength()).toBe(0);
    expect(client.readResponseBodyChunk()).toHaveLength(0);
    expect(client.getStatus()).toBe(Status.CONNECTED);
  });

  it('clears code, headers, length and the chunked flag on close()', async () => {
    const { client } = await exchange([
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n'],
    ]);
    expect(client.isResponseChunked()).toBe(true);
    client.close();
    expect(client.getResponseCode()).toBe(0);
    expect(client.getResponseHeaders()).toEqual([]);
    expect(client.getResponseHeadersAsDictionary()).toEqual({});
    expect(client.hasResponse()).toBe(false);
    expect(client.getResponseBodyLength()).toBe(-1);
    expect(client.isResponseChunked()).toBe(false);
    expect(client.readResponseBodyChunk()).toHaveLength(0);
    expect(client.connection).toBeNull();
    expect(client.getStatus()).toBe(Status.DISCONNECTED);
  });

  it('reports -1 as the length of a tunnel after a 2xx to CONNECT', async () => {
    const s = await startScriptedServer({
      replies: [['HTTP/1.1 200 Connection established\r\nX-P: 1\r\n\r\nraw bytes', { end: true }]],
    });
    servers.push(s);
    const client = new HTTPClient();
    await connect(client, s.host, s.port);
    expect(client.request(Method.CONNECT, 'example.com:443', [])).toBe(ErrorCode.OK);
    await drive(client, (st) => st !== Status.REQUESTING);
    expect(client.getStatus()).toBe(Status.BODY);
    expect(client.getResponseBodyLength()).toBe(-1);
    expect(text(await readBody(client))).toBe('raw bytes');
    expect(client.getStatus()).toBe(Status.DISCONNECTED);
  });
});

describe('poll() while the TLS handshake runs (godot-behavior.md#polling)', () => {
  /** Connects with TLS to a plain server running `script` on accept; returns the end state. */
  async function handshakeWith(script: Action[]) {
    const s = await startScriptedServer({ onConnection: script });
    servers.push(s);
    const client = new HTTPClient();
    expect(client.connectToHost('127.0.0.1', s.port, TLSOptions.clientUnsafe())).toBe(ErrorCode.OK);
    let last: ErrorCode = ErrorCode.OK;
    const deadline = Date.now() + 5000;
    while (client.getStatus() === Status.CONNECTING && Date.now() < deadline) {
      const news = client.news();
      last = client.poll();
      if (client.getStatus() === Status.CONNECTING) await news;
    }
    return { client, last };
  }

  it('ends in CANT_CONNECT when the server closes the socket mid-handshake (Godot sees the TCP close first)', async () => {
    const { client, last } = await handshakeWith([{ delay: 20 }, { destroy: true }]);
    expect(client.getStatus()).toBe(Status.CANT_CONNECT);
    expect(last).toBe(ErrorCode.CANT_CONNECT);
    expect(client.poll()).toBe(ErrorCode.CANT_CONNECT);
    expect(client.lastError).toBeInstanceOf(TLSError);
    expect((client.lastError as TLSError).reason).toBe(TLSFailureReason.CONNECTION_CLOSED);
  });

  it('ends in TLS_HANDSHAKE_ERROR (poll returns CANT_CONNECT) when the server answers garbage', async () => {
    const { client, last } = await handshakeWith([
      'HTTP/1.1 400 Bad Request\r\n\r\n',
      { end: true },
    ]);
    expect(client.getStatus()).toBe(Status.TLS_HANDSHAKE_ERROR);
    expect(last).toBe(ErrorCode.CANT_CONNECT);
    expect(client.poll()).toBe(ErrorCode.CONNECTION_ERROR);
  });
});

describe('documented differences (README "Differences from Godot")', () => {
  it('closes after a framed response that says Connection: close, keeping code and headers', async () => {
    const { client } = await exchange([
      ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'],
    ]);
    expect(text(await readBody(client))).toBe('ok');
    expect(client.getStatus()).toBe(Status.DISCONNECTED);
    expect(client.getResponseCode()).toBe(200);
    expect(client.getResponseHeaders()).toEqual(['Content-Length: 2', 'Connection: close']);
    expect(client.request(Method.GET, '/', [])).toBe(ErrorCode.INVALID_PARAMETER);
  });

  it('polls a stream set as connection (Godot polls its own closed TCP socket and fails)', async () => {
    const s = await startScriptedServer({
      replies: [['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok']],
    });
    servers.push(s);
    const tcp = new StreamPeerTCP();
    tcp.connectToHost(s.host, s.port);
    while (tcp.getStatus() === 1) {
      const news = tcp.news();
      tcp.poll();
      if (tcp.getStatus() === 1) await news;
    }
    const client = new HTTPClient();
    client.connection = tcp;
    expect(client.poll()).toBe(ErrorCode.OK);
    expect(client.getStatus()).toBe(Status.CONNECTED);
    expect(client.request(Method.GET, '/', [])).toBe(ErrorCode.OK);
    await drive(client, (st) => st !== Status.REQUESTING);
    expect(client.poll()).toBe(ErrorCode.OK);
    expect(text(await readBody(client))).toBe('ok');
    expect(client.getStatus()).toBe(Status.CONNECTED);
    // Never connected: Godot's Host rule with an empty host and port -1.
    expect((await s.request(0)).headers).toContainEqual(['Host', ':-1']);
    client.close();
  });
});
