// The web HTTPClient's streamed request bodies (requestStream / putRequestBodyData /
// endRequestBody, requestRaw with a ReadableStream) run in Node over its global fetch (undici)
// against a loopback node:http server. What this proves: the client's piece pipe, its counters,
// its return codes and what reaches the server. What it cannot prove: the browser's rules —
// undici streams a body over HTTP/1.1 (chunked), where Chromium refuses anything below HTTP/2,
// and shows a redirect's code and Location where a browser gives an opaque response.
// test/browser-stream-upload.test.ts checks those in Chromium against an HTTP/2 server.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ErrorCode, Method, Status } from '@gdhttp/constants';
import { listenLoopback } from '@gdhttp/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HTTPClient } from '../src/http-client-web.js';
import { runUpload, type UploadSpec } from './browser/upload-scenario.ts';
import { drive } from './drive.js';

interface Received {
  url: string;
  length: number;
  sha256: string;
  contentLength: string | null;
  transferEncoding: string | null;
  aborted: boolean;
}

let server: Server;
let port = 0;
const received: Received[] = [];
let cutWaiters: ((r: Received) => void)[] = [];

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = request.url ?? '/';
    if (url === '/early') {
      // Answers before reading the body, as a server refusing an upload does.
      response.writeHead(413, { 'Content-Type': 'text/plain', Connection: 'close' });
      response.end('too large');
      return;
    }
    const got: Received = {
      url,
      length: 0,
      sha256: '',
      contentLength: request.headers['content-length'] ?? null,
      transferEncoding: request.headers['transfer-encoding'] ?? null,
      aborted: false,
    };
    received.push(got);
    const hash = createHash('sha256');
    request.on('data', (piece: Buffer) => {
      got.length += piece.length;
      hash.update(piece);
      if (url === '/slow-upload') {
        request.pause();
        setTimeout(() => request.resume(), 20);
      }
    });
    request.on('end', () => {
      got.sha256 = hash.digest('hex');
      if (url === '/redirect/307') {
        response.writeHead(307, { Location: '/upload' });
        response.end();
        return;
      }
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(got));
    });
    request.on('close', () => {
      if (request.complete) return;
      got.aborted = true;
      const waiting = cutWaiters;
      cutWaiters = [];
      for (const resolve of waiting) resolve(got);
    });
  });
  port = await listenLoopback(server);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = i & 0xff;
  return bytes;
}
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function upload(spec: Omit<UploadSpec, 'host' | 'port' | 'deadlineMs'>) {
  return runUpload(
    () => new HTTPClient(),
    { host: 'http://127.0.0.1', port, deadlineMs: 10_000, ...spec },
    () => nextTurn(),
  );
}

/** A client CONNECTED to the server. */
async function connected(): Promise<HTTPClient> {
  const client = new HTTPClient();
  expect(client.connectToHost('127.0.0.1', port)).toBe(ErrorCode.OK);
  await drive(client, (s) => s === Status.CONNECTED);
  return client;
}

describe('web HTTPClient streamed bodies over Node fetch', () => {
  for (const mode of ['put', 'stream'] as const) {
    it(`${mode}: 2 MiB arrive whole, requestBodySent counts what fetch pulled`, async () => {
      const size = 2 * 1024 * 1024;
      const result = await upload({ path: '/upload', size, piece: 65_536, mode });
      expect(result).toMatchObject({
        startResult: 'OK',
        putErrors: [],
        code: 200,
        sentAtEnd: size,
      });
      expect(JSON.parse(result.bodyText)).toMatchObject({
        length: size,
        sha256: sha256(pattern(size)),
        // undici frames a stream of unknown length as chunked over HTTP/1.1.
        transferEncoding: 'chunked',
        contentLength: null,
      });
      expect(result.sent.at(-1)).toBe(size);
      expect(result.sent.length).toBeGreaterThanOrEqual(size / 65_536 / 2);
    });
  }

  it('a stream is opened at the first pull only: requestRaw does not read it', async () => {
    const client = await connected();
    let pulls = 0;
    const source = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulls++;
          controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    expect(client.requestRaw(Method.PUT, '/upload', [], source)).toBe(ErrorCode.OK);
    expect(source.locked).toBe(false);
    expect(pulls).toBe(0);
    client.close();
  });

  it('a 307 is the response (Node fetch shows its code and Location): never followed', async () => {
    const before = received.length;
    const result = await upload({
      path: '/redirect/307',
      size: 50_000,
      piece: 10_000,
      mode: 'put',
    });
    expect(result.code).toBe(307);
    expect(result.headers).toContain('location: /upload');
    expect(received.slice(before).map((r) => r.url)).toEqual(['/redirect/307']);
  });

  it('close() mid-upload aborts it: the server sees the body cut off', async () => {
    const cut = new Promise<Received>((resolve) => cutWaiters.push(resolve));
    const result = await upload({
      path: '/slow-upload',
      size: 64 * 1024 * 1024,
      piece: 65_536,
      mode: 'stream',
      closeAtSent: 1024 * 1024,
    });
    expect(result.statuses.at(-1)).toBe('DISCONNECTED');
    expect((await cut).length).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('web HTTPClient streamed bodies: return codes', () => {
  it('requestStream refuses a bad length, GET and HEAD, and a Content-Length it cannot check', async () => {
    const client = await connected();
    expect(client.requestStream(Method.PUT, '/upload', [], -2)).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.requestStream(Method.PUT, '/upload', [], 1.5)).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.requestStream(Method.GET, '/upload', [], -1)).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.requestStream(Method.HEAD, '/upload', [], 4)).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.requestStream(Method.PUT, '/upload', ['Content-Length: 4'], -1)).toBe(
      ErrorCode.INVALID_PARAMETER,
    );
    expect(client.requestStream(Method.PUT, '/upload', ['Content-Length: 5'], 4)).toBe(
      ErrorCode.INVALID_PARAMETER,
    );
    expect(client.getStatus()).toBe(Status.CONNECTED);
  });

  it('puts: bytes only, never past the length; the body ends with its last byte; a matching Content-Length is checked, not sent', async () => {
    const client = await connected();
    expect(client.putRequestBodyData(new Uint8Array(1))).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.requestStream(Method.PUT, '/upload', ['Content-Length: 4'], 4)).toBe(
      ErrorCode.OK,
    );
    expect(client.putRequestBodyData('abcd' as unknown as Uint8Array)).toBe(
      ErrorCode.INVALID_PARAMETER,
    );
    expect(client.putRequestBodyData(new Uint8Array(5))).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.putRequestBodyData(new Uint8Array(0))).toBe(ErrorCode.OK);
    expect(client.putRequestBodyData(new Uint8Array([1, 2]))).toBe(ErrorCode.OK);
    expect(client.requestBodyQueued).toBe(2);
    expect(client.endRequestBody()).toBe(ErrorCode.INVALID_PARAMETER); // 2 bytes short
    expect(client.putRequestBodyData(new Uint8Array([3, 4]))).toBe(ErrorCode.OK);
    // The whole length was put: the body ended.
    expect(client.putRequestBodyData(new Uint8Array([5]))).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.endRequestBody()).toBe(ErrorCode.OK);
    await drive(client, (s) => s !== Status.REQUESTING);
    expect(client.getStatus()).toBe(Status.BODY);
    expect(client.requestBodySent).toBe(4);
    expect(client.requestBodyQueued).toBe(0);
    expect(client.informationalResponses).toBe(0);
    // The response came: the body is no longer wanted.
    expect(client.putRequestBodyData(new Uint8Array(1))).toBe(ErrorCode.UNAVAILABLE);
    let body = '';
    while (client.getStatus() === Status.BODY) {
      const chunk = client.readResponseBodyChunk();
      if (chunk.length > 0) body += new TextDecoder().decode(chunk);
      else await client.news();
      client.poll();
    }
    expect(JSON.parse(body)).toMatchObject({
      length: 4,
      sha256: sha256(new Uint8Array([1, 2, 3, 4])),
      // fetch sends no Content-Length with a stream; undici frames it chunked.
      contentLength: null,
      transferEncoding: 'chunked',
    });
  });

  it('a given stream that fails, or gives what is not bytes, is the failure lastError names', async () => {
    for (const [piece, why] of [
      [new Error('the source broke'), /^the request body stream failed: Error: the source broke/],
      [
        'text',
        /^the request body stream failed: TypeError: a request body stream must give Uint8Array pieces/,
      ],
    ] as const) {
      const client = await connected();
      let sent = false;
      const source = new ReadableStream<unknown>(
        {
          pull(controller) {
            if (!sent) {
              sent = true;
              controller.enqueue(new Uint8Array(100));
            } else if (piece instanceof Error) controller.error(piece);
            else controller.enqueue(piece);
          },
        },
        { highWaterMark: 0 },
      );
      expect(
        client.requestRaw(Method.PUT, '/upload', [], source as ReadableStream<Uint8Array>),
      ).toBe(ErrorCode.OK);
      await drive(client, (s) => s !== Status.REQUESTING);
      expect(client.getStatus()).toBe(Status.CONNECTION_ERROR);
      expect(client.lastError?.message).toMatch(why);
    }
  });

  it('an answer before the body ended: later puts are UNAVAILABLE, the answer is read whole', async () => {
    const client = await connected();
    expect(client.requestStream(Method.PUT, '/early', [], -1)).toBe(ErrorCode.OK);
    let refused: ErrorCode = ErrorCode.OK;
    for (let i = 0; i < 1000 && refused === ErrorCode.OK; i++) {
      refused = client.putRequestBodyData(new Uint8Array(16 * 1024));
      const news = client.news();
      client.poll();
      if (client.getStatus() === Status.REQUESTING) await Promise.race([news, nextTurn()]);
    }
    expect(refused).toBe(ErrorCode.UNAVAILABLE);
    expect(client.getResponseCode()).toBe(413);
    let body = '';
    await drive(client, (s) => {
      const chunk = client.readResponseBodyChunk();
      body += new TextDecoder().decode(chunk);
      return s !== Status.BODY;
    });
    expect(body).toBe('too large');
    expect(client.getStatus()).toBe(Status.DISCONNECTED);
  });

  it('a put after the fetch failed is UNAVAILABLE', async () => {
    const client = new HTTPClient();
    // Nothing listens on port 9 of 127.0.0.1 (discard).
    client.connectToHost('127.0.0.1', 9);
    await drive(client, (s) => s === Status.CONNECTED);
    expect(client.requestStream(Method.POST, '/', [], -1)).toBe(ErrorCode.OK);
    await drive(client, (s) => s !== Status.REQUESTING);
    expect(client.getStatus()).toBe(Status.CONNECTION_ERROR);
    expect(client.lastError?.message).toMatch(/below HTTP\/2/);
    expect(client.putRequestBodyData(new Uint8Array(1))).toBe(ErrorCode.UNAVAILABLE);
  });

  it('without request streams (Firefox, Safari) requestStream and a stream body are UNAVAILABLE', async () => {
    // A fetch without request streams stringifies the stream (a text Content-Type) and never
    // reads `duplex`: the detection runs once per module, so a fresh copy sees this Request.
    vi.resetModules();
    vi.stubGlobal(
      'Request',
      class {
        readonly headers = new Headers({ 'content-type': 'text/plain;charset=UTF-8' });
      },
    );
    try {
      const { HTTPClient: Fresh } = await import('../src/http-client-web.js');
      const client = new Fresh();
      client.connectToHost('127.0.0.1', port);
      client.poll();
      expect(client.getStatus()).toBe(Status.CONNECTED);
      expect(client.requestStream(Method.PUT, '/upload', [], -1)).toBe(ErrorCode.UNAVAILABLE);
      expect(client.lastError?.message).toMatch(/cannot stream a request body/);
      const stream = new ReadableStream<Uint8Array>();
      expect(client.requestRaw(Method.PUT, '/upload', [], stream)).toBe(ErrorCode.UNAVAILABLE);
      expect(client.getStatus()).toBe(Status.CONNECTED);
      // Bytes still go.
      expect(client.requestRaw(Method.PUT, '/upload', [], new Uint8Array(3))).toBe(ErrorCode.OK);
      client.close();
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });
});
