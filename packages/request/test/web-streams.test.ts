// Streams in the web build, in Node: `requestStream()`, `EventSource` and `NdjsonReader` over the
// web HTTPRequest, and request bodies that are not bytes (a Blob, a Web ReadableStream, an async
// iterable), read whole before the fetch starts. `@gdhttp/client` is replaced by its web build (as
// in test/web-request.test.ts), so everything runs over fetch (Node's undici) against the loopback
// scenario server; test/browser.test.ts runs the same scenarios in Chromium.
import { Readable } from 'node:stream';
import { ErrorCode, Method, Result } from '@gdhttp/constants';
import {
  freePort,
  pattern,
  STREAM_PARTS,
  sha256Hex,
  startWebTestServer,
  type UploadEcho,
  type WebTestServer,
} from '@gdhttp/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  EventSource,
  EventSourceState,
  HTTPRequest,
  HTTPRequestError,
  type HTTPRequestUploadProgress,
  NdjsonReader,
  RequestBody,
  ResponseStreamError,
  type ServerSentEvent,
} from '../src/index.browser.js';

// The web build of the client under the web HTTPRequest, as in a browser.
vi.mock('@gdhttp/client', async () => (await import('./web/client-build.ts')).webClientBuild());

const text = (body: Uint8Array) => new TextDecoder().decode(body);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: WebTestServer;
let base: string;

beforeAll(async () => {
  server = await startWebTestServer();
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.close());

/** `/endless`'s byte count once it stopped growing for 200 ms (the client holds it back). */
async function heldAt(): Promise<number> {
  let last = -1;
  for (let i = 0; i < 50; i++) {
    const { written } = server.endless();
    if (written === last) return written;
    last = written;
    await sleep(200);
  }
  return server.endless().written;
}

/** What the code of a rejection is, by name, or its message. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof HTTPRequestError ? error.code : error;
  }
}

describe('web requestStream', () => {
  it('resolves at the head; for await reads the pieces; done and request_completed follow', async () => {
    const http = new HTTPRequest();
    const completed: Result[] = [];
    http.on('request_completed', ({ result, body }) => {
      completed.push(result);
      expect(body.length).toBe(0);
    });
    const { result, responseCode, headers, body } = await http.requestStream(`${base}/stream`);
    expect(result).toBe(Result.SUCCESS);
    expect(responseCode).toBe(200);
    expect(headers).toContain('x-gdhttp-scenario: stream');
    let got = '';
    for await (const piece of body) got += text(piece);
    expect(got).toBe(STREAM_PARTS.join(''));
    expect((await body.done).result).toBe(Result.SUCCESS);
    expect(completed).toEqual([Result.SUCCESS]);
    expect(http.getDownloadedBytes()).toBe(got.length);
  });

  it('readable(): a Web ReadableStream of the same pieces; nodeReadable() works where Node is', async () => {
    const http = new HTTPRequest();
    const reader = (await http.requestStream(`${base}/stream`)).body.readable().getReader();
    let got = '';
    for (;;) {
      const step = await reader.read();
      if (step.done) break;
      got += text(step.value);
    }
    expect(got).toBe(STREAM_PARTS.join(''));
    let fromNode = '';
    for await (const piece of (await http.requestStream(`${base}/stream`)).body.nodeReadable()) {
      fromNode += text(piece as Uint8Array);
    }
    expect(fromNode).toBe(STREAM_PARTS.join(''));
  });

  it('backpressure: the server is held back while nobody reads; break closes the connection', async () => {
    const http = new HTTPRequest();
    const closed = server.endlessClosed();
    const { body } = await http.requestStream(`${base}/endless`);
    const pieces = body[Symbol.asyncIterator]();
    expect((await pieces.next()).done).toBe(false);
    // Only what the socket buffers, undici's queue and the web client's read-ahead hold.
    const held = await heldAt();
    expect(held).toBeLessThan(32 * 1024 * 1024);
    await pieces.return();
    await closed;
    expect(server.endless().closed).toBe(true);
    expect(await rejection(body.done)).toBe(ErrorCode.FAILED);
    // Free again at once.
    expect((await http.request(`${base}/plain`)).result).toBe(Result.SUCCESS);
  });

  it('for await … break, cancel() and the signal each abort the fetch', async () => {
    const http = new HTTPRequest();
    let closed = server.endlessClosed();
    let { body } = await http.requestStream(`${base}/endless`);
    for await (const piece of body) {
      expect(piece.length).toBeGreaterThan(0);
      break;
    }
    await closed;

    closed = server.endlessClosed();
    ({ body } = await http.requestStream(`${base}/endless`));
    body.cancel();
    await closed;

    const controller = new AbortController();
    closed = server.endlessClosed();
    ({ body } = await http.requestStream(`${base}/endless`, [], Method.GET, undefined, {
      signal: controller.signal,
    }));
    const reason = new Error('stop');
    await expect(
      (async () => {
        for await (const _ of body) controller.abort(reason);
      })(),
    ).rejects.toBe(reason);
    await closed;
  });

  it('bodySizeLimit ends the iteration with a ResponseStreamError', async () => {
    const http = new HTTPRequest();
    http.bodySizeLimit = 1024 * 1024;
    const closed = server.endlessClosed();
    const { body } = await http.requestStream(`${base}/endless`);
    const error = await (async () => {
      try {
        for await (const _ of body);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ResponseStreamError);
    expect((error as ResponseStreamError).result).toBe(Result.BODY_SIZE_LIMIT_EXCEEDED);
    await closed;
  });

  it('no response: resolves with the result and an empty stream; misuse rejects', async () => {
    const http = new HTTPRequest();
    const down = await http.requestStream(`http://127.0.0.1:${await freePort()}/`);
    expect(down.result).toBe(Result.CONNECTION_ERROR);
    // As in the Node build: the empty stream's iteration throws with the result.
    await expect(
      (async () => {
        for await (const _ of down.body);
      })(),
    ).rejects.toMatchObject({ result: Result.CONNECTION_ERROR });
    expect(
      await rejection(
        http.requestStream(`${base}/plain`, [], Method.GET, undefined, { onBody() {} }),
      ),
    ).toBe(ErrorCode.INVALID_PARAMETER);
    const running = await http.requestStream(`${base}/endless`);
    expect(await rejection(http.requestStream(`${base}/plain`))).toBe(ErrorCode.BUSY);
    running.body.cancel();
  });
});

describe('web EventSource and NdjsonReader', () => {
  it('two events, a reconnect after retry: with Last-Event-ID, then done', async () => {
    const source = new EventSource(`${base}/events?key=node-iterate`);
    const events: ServerSentEvent[] = [];
    for await (const event of source) {
      events.push(event);
      if (event.type === 'done') break;
    }
    expect(events).toEqual([
      { type: 'token', data: 'Hello', lastEventId: '1' },
      { type: 'token', data: 'world', lastEventId: '2' },
      { type: 'done', data: 'resumed after 2', lastEventId: '2' },
    ]);
    expect(server.sse('node-iterate')).toEqual([null, '2']);
    expect(source.readyState).toBe(EventSourceState.CLOSED);
    expect(source.reconnectionTime).toBe(50);
  });

  it('forEach, on a lent web HTTPRequest', async () => {
    const http = new HTTPRequest();
    const source = new EventSource(`${base}/events?key=node-foreach`, { http });
    const data: string[] = [];
    await source.forEach((event) => {
      data.push(event.data);
      if (event.type === 'done') source.close();
    });
    expect(data).toEqual(['Hello', 'world', 'resumed after 2']);
    expect(server.sse('node-foreach')).toEqual([null, '2']);
    // Lent, so not closed: it serves the next request.
    expect((await http.request(`${base}/plain`)).result).toBe(Result.SUCCESS);
  });

  it('NDJSON values from a web response stream, wherever the pieces cut the lines', async () => {
    const { body } = await new HTTPRequest().requestStream(`${base}/ndjson`);
    const values: unknown[] = [];
    for await (const value of new NdjsonReader(body)) values.push(value);
    expect(values).toEqual([
      { n: 1, t: 'a' },
      { n: 2, t: 'b' },
      { n: 3, t: 'c' },
    ]);
  });
});

describe('web request bodies that are not bytes', () => {
  async function upload(
    body: Parameters<HTTPRequest['requestRaw']>[3],
    headers: string[] = [],
  ): Promise<{ echo: UploadEcho; http: HTTPRequest; progress: HTTPRequestUploadProgress[] }> {
    const http = new HTTPRequest();
    const progress: HTTPRequestUploadProgress[] = [];
    http.on('upload_progress', (p) => progress.push({ ...p }));
    const result = await http.requestRaw(`${base}/upload`, headers, Method.PUT, body);
    expect(result.result).toBe(Result.SUCCESS);
    return { echo: JSON.parse(text(result.body)) as UploadEcho, http, progress };
  }

  it('a Blob: its bytes, its type as Content-Type, progress all at once at the answer', async () => {
    const bytes = pattern(300_000);
    const { echo, http, progress } = await upload(
      new Blob([bytes], { type: 'application/x-gdhttp' }),
    );
    expect(echo).toMatchObject({
      method: 'PUT',
      length: bytes.length,
      sha256: sha256Hex(bytes),
      contentType: 'application/x-gdhttp',
      contentLength: String(bytes.length),
    });
    expect(http.getUploadedBytes()).toBe(bytes.length);
    expect(progress).toEqual([{ uploadedBytes: bytes.length, uploadSize: bytes.length }]);
    // The caller's Content-Type wins over the Blob's.
    const typed = await upload(new Blob([bytes], { type: 'text/plain' }), ['Content-Type: a/b']);
    expect(typed.echo.contentType).toBe('a/b');
  });

  it('a Web ReadableStream and an async iterable: read whole, sent with Content-Length', async () => {
    const bytes = pattern(70_000);
    let at = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= bytes.length) controller.close();
        else {
          controller.enqueue(bytes.slice(at, at + 7000));
          at += 7000;
        }
      },
    });
    expect((await upload(stream)).echo).toMatchObject({
      length: bytes.length,
      sha256: sha256Hex(bytes),
      contentLength: String(bytes.length),
    });
    async function* parts() {
      yield 'text, ';
      yield new Uint8Array([0x62, 0x79, 0x74, 0x65, 0x73]);
      yield new Uint16Array([0x2020]);
    }
    const mixed = new TextEncoder().encode('text, bytes  ');
    // An ArrayBuffer view that is not a Uint8Array is sent as its bytes, as in the Node build.
    expect((await upload(parts() as AsyncIterable<Uint8Array>)).echo).toMatchObject({
      length: 13,
      sha256: sha256Hex(mixed),
    });
    // A stream opened by a function, its length announced.
    const made = await upload(
      RequestBody.stream(() => Readable.toWeb(Readable.from([bytes])) as ReadableStream, {
        length: bytes.length,
      })!,
    );
    expect(made.echo).toMatchObject({ length: bytes.length, sha256: sha256Hex(bytes) });
  });

  it('refuses Node-only sources and wrong lengths with INVALID_PARAMETER, sending nothing', async () => {
    const http = new HTTPRequest();
    const before = server.seen.length;
    const refused = async (body: unknown, headers: string[] = []) => {
      try {
        await http.requestRaw(`${base}/upload`, headers, Method.PUT, body as Uint8Array);
        return 'resolved';
      } catch (error) {
        expect(error).toBeInstanceOf(HTTPRequestError);
        return [(error as HTTPRequestError).code, (error as Error).message];
      }
    };
    expect(await refused(RequestBody.file('/etc/hostname'))).toEqual([
      ErrorCode.INVALID_PARAMETER,
      expect.stringContaining('Blob or File'),
    ]);
    const handle = { fd: 3, read: () => {}, stat: () => {} };
    expect((await refused(handle))[0]).toBe(ErrorCode.INVALID_PARAMETER);
    expect(await refused(Readable.from(['x']))).toEqual([
      ErrorCode.INVALID_PARAMETER,
      expect.stringContaining('Web ReadableStream'),
    ]);
    expect((await refused(RequestBody.stream(Readable.from(['x']))))[0]).toBe(
      ErrorCode.INVALID_PARAMETER,
    );
    expect((await refused(RequestBody.stream(() => Readable.from(['x']))))[0]).toBe(
      ErrorCode.INVALID_PARAMETER,
    );
    async function* numbers() {
      yield 1;
    }
    expect((await refused(numbers()))[0]).toBe(ErrorCode.INVALID_PARAMETER);
    async function* five() {
      yield 'fives';
    }
    expect(await refused(RequestBody.stream(five(), { length: 4 }))).toEqual([
      ErrorCode.INVALID_PARAMETER,
      expect.stringContaining('more than the 4 bytes'),
    ]);
    expect(await refused(five(), ['Content-Length: 6'])).toEqual([
      ErrorCode.INVALID_PARAMETER,
      expect.stringContaining('only 5 bytes of the 6'),
    ]);
    expect(server.seen.slice(before)).toEqual([]);
  });

  it("a stream's own error rejects; cancel and timeout stop a stream being read", async () => {
    const http = new HTTPRequest();
    const broken = new Error('disk on fire');
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(broken);
      },
    });
    expect(await rejection(http.requestRaw(`${base}/upload`, [], Method.PUT, failing))).toBe(
      broken,
    );

    let cancelled = 0;
    const endless = () =>
      new ReadableStream<Uint8Array>({
        pull: () => new Promise<void>(() => {}),
        cancel: () => {
          cancelled++;
        },
      });
    const pending = http.requestRaw(`${base}/upload`, [], Method.PUT, endless());
    await sleep(20);
    http.cancelRequest();
    expect(await rejection(pending)).toBe(ErrorCode.FAILED);
    expect(cancelled).toBe(1);

    http.timeout = 0.1;
    const completed: Result[] = [];
    http.on('request_completed', ({ result }) => completed.push(result));
    const timed = await http.requestRaw(`${base}/upload`, [], Method.PUT, endless());
    expect(timed.result).toBe(Result.TIMEOUT);
    expect(completed).toEqual([Result.TIMEOUT]);
    expect(cancelled).toBe(2);
    expect(http.getUploadedBytes()).toBe(0);
  });
});
