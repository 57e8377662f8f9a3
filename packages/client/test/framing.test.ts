// Response framing through the client (RFC 9112 §6.3), the policy's divergences from Godot, and
// every kind of truncation ending in CONNECTION_ERROR.
import { ErrorCode, Method, Status } from '@gdhttp/constants';
import type { Action, ScriptedServer } from '@gdhttp/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { HTTPClient } from '../src/index.js';
import { drive, exchangeWith, readBody } from './drive.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

/** Serves `reply` to the first request and `next` after it; returns a client that sent `method`. */
const exchange = (reply: Action[], method?: Method, next?: Action[]) =>
  exchangeWith(servers, next ? [reply, next] : [reply], method);

describe('HTTPClient framing', () => {
  it('reads a chunked body, ignoring extensions and keeping trailers', async () => {
    const { client } = await exchange([
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
      '5;name=value\r\nhello\r\n',
      { delay: 5 },
      '6;a;b="q"\r\n world\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n',
    ]);
    expect(client.getStatus()).toBe(Status.BODY);
    expect(client.isResponseChunked()).toBe(true);
    expect(client.getResponseBodyLength()).toBe(-1);
    expect(text(await readBody(client))).toBe('hello world');
    expect(client.getStatus()).toBe(Status.CONNECTED);
    expect(client.getResponseTrailers()).toEqual(['X-Checksum: abc', 'X-Other: 1']);
  });

  it('has no body for HEAD, even with Content-Length; length 0, then CONNECTED', async () => {
    const { client, server } = await exchange(
      ['HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n'],
      Method.HEAD,
      ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
    );
    expect(client.getStatus()).toBe(Status.BODY);
    expect(client.getResponseBodyLength()).toBe(0);
    expect(client.readResponseBodyChunk()).toHaveLength(0);
    expect(client.getStatus()).toBe(Status.CONNECTED);
    client.request(Method.GET, '/', []);
    await drive(client, (st) => st !== Status.REQUESTING);
    expect(text(await readBody(client))).toBe('ok');
    expect(server.connections).toBe(1);
  });

  it('has no body for HEAD + chunked (Godot would wait forever)', async () => {
    const { client } = await exchange(
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'],
      Method.HEAD,
    );
    expect(client.readResponseBodyChunk()).toHaveLength(0);
    expect(client.getStatus()).toBe(Status.CONNECTED);
  });

  it.each([204, 304])('has no body for %i with Content-Length (Godot would hang)', async (code) => {
    const { client } = await exchange([`HTTP/1.1 ${code} X\r\nContent-Length: 5\r\n\r\n`]);
    expect(client.getResponseCode()).toBe(code);
    expect(client.getResponseBodyLength()).toBe(0);
    await readBody(client);
    expect(client.getStatus()).toBe(Status.CONNECTED);
  });

  it.each([204, 304])('goes straight to CONNECTED for %i without Content-Length', async (code) => {
    const { client } = await exchange([`HTTP/1.1 ${code} X\r\nX-A: 1\r\n\r\n`]);
    expect(client.getStatus()).toBe(Status.CONNECTED);
    expect(client.getResponseCode()).toBe(code);
    expect(client.hasResponse()).toBe(true);
  });

  it('enters BODY for Content-Length: 0 and leaves it on the first read, as Godot', async () => {
    const { client } = await exchange(['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n']);
    expect(client.getStatus()).toBe(Status.BODY);
    expect(client.getResponseBodyLength()).toBe(0);
    expect(client.readResponseBodyChunk()).toHaveLength(0);
    expect(client.getStatus()).toBe(Status.CONNECTED);
  });

  it('skips 1xx interim responses and reports the final one', async () => {
    const { client } = await exchange([
      'HTTP/1.1 100 Continue\r\n\r\n',
      'HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nfin',
    ]);
    expect(client.getResponseCode()).toBe(200);
    expect(client.getResponseHeaders()).toEqual(['Content-Length: 3']);
    expect(text(await readBody(client))).toBe('fin');
  });

  it('reads an HTTP/1.0 body without framing until close, then DISCONNECTED', async () => {
    const { client } = await exchange([
      'HTTP/1.0 200 OK\r\nX-A: 1\r\n\r\nold style',
      { end: true },
    ]);
    expect(client.getStatus()).toBe(Status.BODY);
    expect(text(await readBody(client))).toBe('old style');
    expect(client.getStatus()).toBe(Status.DISCONNECTED);
  });

  it('closes after an HTTP/1.0 response with Content-Length unless it says keep-alive', async () => {
    const closing = await exchange(['HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok']);
    expect(text(await readBody(closing.client))).toBe('ok');
    expect(closing.client.getStatus()).toBe(Status.DISCONNECTED);
    const kept = await exchange([
      'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok',
    ]);
    expect(text(await readBody(kept.client))).toBe('ok');
    expect(kept.client.getStatus()).toBe(Status.CONNECTED);
  });

  it('honours a close token anywhere in Connection, any case', async () => {
    const { client } = await exchange([
      'HTTP/1.1 200 OK\r\nConnection: keep-alive, CLOSE\r\nContent-Length: 2\r\n\r\nok',
    ]);
    expect(text(await readBody(client))).toBe('ok');
    expect(client.getStatus()).toBe(Status.DISCONNECTED);
  });

  it('reads a keep-alive response without framing until close (Godot drops the body)', async () => {
    const { client } = await exchange([
      'HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nno length',
      { end: true },
    ]);
    expect(client.getStatus()).toBe(Status.BODY);
    expect(text(await readBody(client))).toBe('no length');
    expect(client.getStatus()).toBe(Status.DISCONNECTED);
  });

  it('bounds every read by readChunkSize, in every framing', async () => {
    const big = 'x'.repeat(3000);
    const chunked = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nBB8\r\n${big}\r\n0\r\n\r\n`;
    for (const reply of [
      `HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n${big}`,
      chunked,
      `HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n${big}`,
    ]) {
      const { client } = await exchange([reply, { end: true }]);
      client.readChunkSize = 256;
      const sizes: number[] = [];
      let total = 0;
      while (client.getStatus() === Status.BODY) {
        const news = client.news();
        const chunk = client.readResponseBodyChunk();
        sizes.push(chunk.length);
        total += chunk.length;
        if (chunk.length === 0 && client.getStatus() === Status.BODY) await news;
      }
      expect(total).toBe(3000);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(256);
    }
  });

  it('readResponseBodyView hands out each received piece as is, where the Godot read joins them', async () => {
    const reply: Action[] = [
      'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc',
      { delay: 20 },
      'def',
      { delay: 20 },
    ];
    const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    // Both reads arrived before the body is read: Godot's read returns them as one chunk…
    const joined = await exchange(reply);
    await wait(60);
    expect(text(joined.client.readResponseBodyChunk())).toBe('abcdef');
    expect(joined.client.getStatus()).toBe(Status.CONNECTED);
    // …the view returns one piece per received read, never copying them together.
    const { client } = await exchange(reply);
    await wait(60);
    const first = client.readResponseBodyView();
    expect(text(first)).toBe('abc');
    expect(client.getStatus()).toBe(Status.BODY);
    expect(text(client.readResponseBodyView())).toBe('def');
    expect(client.getStatus()).toBe(Status.CONNECTED);
    expect(client.readResponseBodyView()).toHaveLength(0);
  });

  it('readResponseBodyView streams a chunked body before its chunk is complete, bounded by readChunkSize', async () => {
    const { client } = await exchange([
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n${'y'.repeat(600)}`,
      { delay: 30 },
      `${'y'.repeat(424)}\r\n0\r\nX-T: 1\r\n\r\n`,
    ]);
    // Part of the 1 KiB chunk is here: Godot's read waits for the whole chunk, the view does not.
    await new Promise((resolve) => setTimeout(resolve, 10));
    client.poll();
    client.readChunkSize = 2048;
    expect(client.readResponseBodyChunk()).toHaveLength(0);
    expect(text(client.readResponseBodyView())).toBe('y'.repeat(600));
    client.readChunkSize = 256;
    const sizes: number[] = [];
    while (client.getStatus() === Status.BODY) {
      const news = client.news();
      client.poll();
      const piece = client.readResponseBodyView();
      if (piece.length > 0) sizes.push(piece.length);
      else if (client.getStatus() === Status.BODY) await news;
    }
    expect(sizes).toEqual([256, 168]);
    expect(client.getStatus()).toBe(Status.CONNECTED);
    expect(client.getResponseTrailers()).toEqual(['X-T: 1']);
  });

  it('settles news() at once while body bytes wait, so a driver that waits first never hangs', async () => {
    // 2 MiB arrive while nobody reads: the transport fills its buffer and pauses the socket, so
    // no further transport event comes. A driver that awaits news() before reading must still wake.
    const size = 2 * 1024 * 1024;
    const { client } = await exchange([
      `HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`,
      { pattern: size },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    let total = 0;
    while (client.getStatus() === Status.BODY) {
      await Promise.race([
        client.news(),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('news() never settled')), 2000),
        ),
      ]);
      client.poll();
      total += client.readResponseBodyChunk().length;
    }
    expect(total).toBe(size);
    expect(client.getStatus()).toBe(Status.CONNECTED);
  });

  it('refuses readChunkSize outside 256..16777216 and keeps the old value', () => {
    const client = new HTTPClient();
    expect(client.readChunkSize).toBe(65536);
    client.readChunkSize = 255;
    expect(client.readChunkSize).toBe(65536);
    expect(client.lastError?.code).toBe(ErrorCode.PARAMETER_RANGE_ERROR);
    client.readChunkSize = 16777217;
    expect(client.readChunkSize).toBe(65536);
    client.readChunkSize = 256;
    expect(client.readChunkSize).toBe(256);
    client.readChunkSize = 16777216;
    expect(client.readChunkSize).toBe(16777216);
  });

  it('keeps headers readable after reading them, and combines duplicates in the dictionary', async () => {
    const { client } = await exchange([
      'HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-One: 1\r\nContent-Length: 0\r\n\r\n',
    ]);
    const lines = ['Set-Cookie: a=1', 'set-cookie: b=2', 'X-One: 1', 'Content-Length: 0'];
    expect(client.getResponseHeaders()).toEqual(lines);
    expect(client.getResponseHeaders()).toEqual(lines);
    expect(client.hasResponse()).toBe(true);
    expect(client.getResponseHeadersAsDictionary()).toEqual({
      'Set-Cookie': 'a=1, b=2',
      'X-One': '1',
      'Content-Length': '0',
    });
  });

  it('reports no response for a status line without header fields (Godot has_response)', async () => {
    const { client } = await exchange(['HTTP/1.1 200 OK\r\n\r\n', { end: true }]);
    expect(client.getResponseCode()).toBe(200);
    expect(client.hasResponse()).toBe(false);
  });
});

describe('HTTPClient truncation and malformed responses', () => {
  it.each([
    ['a Content-Length body', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'],
    [
      'a chunked body inside a chunk',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab',
    ],
    [
      'a chunked body before the last chunk',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n',
    ],
    [
      'a chunked body in the trailers',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n',
    ],
  ])('ends %s cut short by a FIN in CONNECTION_ERROR, never a quiet success', async (_, reply) => {
    const { client } = await exchange([reply, { end: true }]);
    expect(client.getStatus()).toBe(Status.BODY);
    await readBody(client);
    expect(client.getStatus()).toBe(Status.CONNECTION_ERROR);
    expect(client.lastError?.name).toBe('ParseError');
  });

  it('ends a body cut by a reset in CONNECTION_ERROR', async () => {
    const { client } = await exchange([
      'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc',
      { delay: 10 },
      { reset: true },
    ]);
    await readBody(client);
    expect(client.getStatus()).toBe(Status.CONNECTION_ERROR);
  });

  it('refuses bytes the server sent while idle instead of taking them as the next response', async () => {
    const { client } = await exchange([
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
      { delay: 10 },
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstray',
    ]);
    expect(text(await readBody(client))).toBe('ok');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(client.request(Method.GET, '/', [])).toBe(ErrorCode.OK);
    await drive(client, (st) => st !== Status.REQUESTING);
    expect(client.getStatus()).toBe(Status.CONNECTION_ERROR);
    expect(client.getResponseCode()).toBe(0);
  });

  it('ends in CONNECTION_ERROR when the server closes before answering', async () => {
    const { client } = await exchange([{ end: true }]);
    expect(client.getStatus()).toBe(Status.CONNECTION_ERROR);
    expect(client.poll()).toBe(ErrorCode.CONNECTION_ERROR);
  });

  it('ends a head cut short in CONNECTION_ERROR', async () => {
    const { client } = await exchange(['HTTP/1.1 200 OK\r\nContent-Le', { end: true }]);
    expect(client.getStatus()).toBe(Status.CONNECTION_ERROR);
    expect(client.getResponseCode()).toBe(0);
  });

  it.each([
    [
      'CL + TE',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'INVALID_TRANSFER_ENCODING',
    ],
    [
      'duplicate CL',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc',
      'UNEXPECTED_CONTENT_LENGTH',
    ],
    [
      'obs-fold',
      'HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 0\r\n\r\n',
      'INVALID_HEADER_TOKEN',
    ],
    ['bare LF', 'HTTP/1.1 200 OK\nContent-Length: 0\n\n', 'CR_EXPECTED'],
    [
      'NUL in a value',
      'HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 0\r\n\r\n',
      'INVALID_HEADER_TOKEN',
    ],
    ['space before colon', 'HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n', 'INVALID_HEADER_TOKEN'],
    ['not HTTP', 'ICY 200 OK\r\n\r\n', 'INVALID_CONSTANT'],
    ['HTTP/2.0', 'HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n', 'INVALID_VERSION'],
    [
      'chunk size junk',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'INVALID_CHUNK_SIZE',
    ],
    [
      'chunk size overflow',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF\r\n',
      'INVALID_CHUNK_SIZE',
    ],
  ])('refuses %s with CONNECTION_ERROR and a ParseError', async (_, reply, reason) => {
    const { client } = await exchange([reply]);
    await readBody(client);
    expect(client.getStatus()).toBe(Status.CONNECTION_ERROR);
    expect(client.lastError).toMatchObject({ name: 'ParseError', reason });
    expect(client.poll()).toBe(ErrorCode.CONNECTION_ERROR);
  });

  it('refuses a response head over 16 KiB', async () => {
    const { client } = await exchange([`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(17000)}\r\n\r\n`]);
    expect(client.getStatus()).toBe(Status.CONNECTION_ERROR);
    expect(client.lastError).toMatchObject({ reason: 'HEADER_OVERFLOW' });
  });
});
