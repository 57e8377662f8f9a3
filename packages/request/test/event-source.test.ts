// EventSource against scripted servers on 127.0.0.1: the WHATWG event-stream rules with the
// stream split at every byte (a CR ending one piece and its LF starting the next is one line
// end, UTF-8 sequences split), reconnects with Last-Event-ID after the server's retry: delay,
// and the answers that stop it (204, a wrong status or type, close(), a signal, a limit).
import { ErrorCode, Method, Result } from '@gdhttp/constants';
import { freePort, type ScriptedServer, startScriptedServer } from '@gdhttp/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EventSource,
  EventSourceError,
  EventSourceState,
  HTTPRequest,
  HTTPRequestError,
  type ServerSentEvent,
} from '../src/index.js';

const HEAD =
  'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nConnection: close\r\n\r\n';
const utf8 = (s: string) => Buffer.from(s, 'utf8');

let server: ScriptedServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function take(source: EventSource, n: number): Promise<ServerSentEvent[]> {
  const got: ServerSentEvent[] = [];
  if (n === 0) return got;
  for await (const event of source) {
    got.push(event);
    if (got.length === n) break;
  }
  return got;
}

// Every rule of WHATWG HTML §9.2.6 "Parsing an event stream" the brief names, in one stream.
const STREAM = utf8(
  '\uFEFF' + // one leading BOM is dropped
    ': a comment\r\n' +
    'event: greet\r' + // CR alone ends a line
    'data: hello\r\n' +
    'data:  two spaces\n' + // only the first space after the colon goes
    'id: 1\r\n' +
    '\r\n' + // dispatch
    'data\n' + // a field without a colon: empty value
    '\n' +
    'id: a\0b\n' + // an id with NUL is ignored
    'retry: 12x\n' + // retry: digits only, else ignored
    'retry: 250\n' +
    'Data: case matters\n' + // unknown field: ignored
    'data:é€😀\r' +
    '\r' +
    'id\n' + // empty id: the last event ID becomes ''
    'data: x\n\n' +
    'data: never dispatched\n', // the stream ends before its blank line
);
const EXPECTED: ServerSentEvent[] = [
  { type: 'greet', data: 'hello\n two spaces', lastEventId: '1' },
  { type: 'message', data: '', lastEventId: '1' },
  { type: 'message', data: 'é€😀', lastEventId: '1' },
  { type: 'message', data: 'x', lastEventId: '' },
];

describe('EventSource', () => {
  it('parses an event stream the same wherever TCP splits it (every byte, CR|LF included)', async () => {
    server = await startScriptedServer({
      replies: (request) => {
        const at = Number(/split=(\d+)/.exec(request.requestLine)?.[1]);
        return [
          HEAD,
          STREAM.subarray(0, at),
          { delay: 3 },
          STREAM.subarray(at),
          { delay: 3 },
          { destroy: true },
        ];
      },
    });
    const http = new HTTPRequest();
    for (let at = 1; at < STREAM.length; at++) {
      const source = new EventSource(`http://127.0.0.1:${server.port}/?split=${at}`, {
        http,
        retry: 60_000,
      });
      expect(await take(source, EXPECTED.length), `split at byte ${at}`).toEqual(EXPECTED);
      expect(source.reconnectionTime).toBe(250);
      expect(source.readyState).toBe(EventSourceState.CLOSED);
    }
    http.close();
  }, 20_000);

  it('reads a stream dripped byte by byte and keeps one BOM out, not two', async () => {
    server = await startScriptedServer({
      replies: [
        [HEAD, { drip: STREAM, chunk: 1, every: 0 }, { destroy: true }],
        [HEAD, utf8('\uFEFF\uFEFFdata: hidden\n\ndata: shown\n\n'), { destroy: true }],
      ],
    });
    const url = `http://127.0.0.1:${server.port}/`;
    expect(await take(new EventSource(url), EXPECTED.length)).toEqual(EXPECTED);
    expect(await take(new EventSource(url), 1)).toEqual([
      { type: 'message', data: 'shown', lastEventId: '' },
    ]);
  });

  it('reconnects after a drop with Last-Event-ID, after the retry: delay, and drops the partial event', async () => {
    server = await startScriptedServer({
      replies: [
        [HEAD, 'retry: 150\nid: 7\ndata: one\n\ndata: partial\n', { delay: 5 }, { reset: true }],
        [HEAD, 'data: two\n\n', { destroy: true }],
        [HEAD, 'id: 9\ndata: three\n\n', { hang: true }],
      ],
    });
    const drops: { result: Result; delay: number; attempt: number }[] = [];
    const opened: number[] = [];
    const source = new EventSource(`http://127.0.0.1:${server.port}/feed`, {
      onOpen: ({ responseCode }) => opened.push(responseCode),
      onError: ({ result, delay, attempt }) => drops.push({ result, delay, attempt }),
    });
    const times: number[] = [];
    const got: ServerSentEvent[] = [];
    for await (const event of source) {
      got.push(event);
      times.push(performance.now());
      if (got.length === 3) break;
    }
    expect(got).toEqual([
      { type: 'message', data: 'one', lastEventId: '7' },
      { type: 'message', data: 'two', lastEventId: '7' },
      { type: 'message', data: 'three', lastEventId: '9' },
    ]);
    expect(opened).toEqual([200, 200, 200]);
    // The RST is a network error, the clean end is not; both are followed by a reconnect.
    expect(drops.map((d) => d.delay)).toEqual([150, 150]);
    expect(drops[0]!.result).not.toBe(Result.SUCCESS);
    expect(drops[1]!.result).toBe(Result.SUCCESS);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(140);
    const header = (i: number, name: string) =>
      server!.requests[i]!.headers.find(([n]) => n.toLowerCase() === name)?.[1];
    expect(header(0, 'last-event-id')).toBeUndefined();
    expect(header(0, 'accept')).toBe('text/event-stream');
    expect(header(0, 'cache-control')).toBe('no-store');
    expect(header(1, 'last-event-id')).toBe('7');
    expect(header(2, 'last-event-id')).toBe('7');
    expect(source.lastEventId).toBe('9');
    expect(source.readyState).toBe(EventSourceState.CLOSED);
  });

  it('reconnects after a failed connect, and gives up after maxRetries in a row', async () => {
    const port = await freePort();
    const drops: Result[] = [];
    const source = new EventSource(`http://127.0.0.1:${port}/`, {
      retry: 10,
      maxRetries: 2,
      onError: ({ result }) => drops.push(result),
    });
    const error = await take(source, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventSourceError);
    expect((error as EventSourceError).result).toBe(Result.CANT_CONNECT);
    expect((error as EventSourceError).code).toBe(ErrorCode.CANT_CONNECT);
    expect(drops).toEqual([Result.CANT_CONNECT, Result.CANT_CONNECT]);
  });

  it('stops on 204 without reconnecting', async () => {
    server = await startScriptedServer({
      replies: [['HTTP/1.1 204 No Content\r\nServer: scripted\r\n\r\n', { hang: true }]],
    });
    const source = new EventSource(`http://127.0.0.1:${server.port}/`, { retry: 10 });
    expect(await take(source, 1)).toEqual([]);
    expect(source.readyState).toBe(EventSourceState.CLOSED);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    [
      'a 500',
      'HTTP/1.1 500 Oops\r\nContent-Type: text/event-stream\r\nContent-Length: 0\r\n\r\n',
      500,
    ],
    [
      'text/plain',
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\ndata: x\n\n\n\n',
      200,
    ],
    ['no Content-Type', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\ndata: x\n\n', 200],
  ])('fails for good on %s, without reconnecting', async (_, reply, code) => {
    server = await startScriptedServer({ replies: [[reply]] });
    const source = new EventSource(`http://127.0.0.1:${server.port}/`, { retry: 10 });
    const error = (await take(source, 1).catch((e: unknown) => e)) as EventSourceError;
    expect(error).toBeInstanceOf(EventSourceError);
    expect(error.code).toBe(ErrorCode.INVALID_DATA);
    expect(error.responseCode).toBe(code);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests).toHaveLength(1);
  });

  it('ends the iteration on close() while waiting for an event, on a signal, and while waiting to reconnect', async () => {
    server = await startScriptedServer({
      replies: [
        [HEAD, 'data: a\n\n', { hang: true }],
        [HEAD, { destroy: true }],
        [HEAD, { hang: true }],
      ],
    });
    const url = `http://127.0.0.1:${server.port}/`;
    const source = new EventSource(url);
    const got: string[] = [];
    for await (const event of source) {
      got.push(event.data);
      setTimeout(() => source.close(), 20);
    }
    expect(got).toEqual(['a']);
    // A signal that aborts while the source waits out its reconnection time.
    const controller = new AbortController();
    const waiting = new EventSource(url, {
      signal: controller.signal,
      retry: 60_000,
      onError: () => controller.abort(),
    });
    const started = performance.now();
    expect(await take(waiting, 1)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(waiting.readyState).toBe(EventSourceState.CLOSED);
  });

  it('sends a POST body again on every reconnect', async () => {
    server = await startScriptedServer({
      replies: [
        [HEAD, 'id: 1\ndata: a\n\n', { destroy: true }],
        [HEAD, 'data: b\n\n', { hang: true }],
      ],
    });
    const source = new EventSource(`http://127.0.0.1:${server.port}/chat`, {
      method: Method.POST,
      body: '{"prompt":"hi"}',
      headers: ['Content-Type: application/json', 'Accept: text/event-stream, */*'],
      retry: 10,
    });
    expect((await take(source, 2)).map((e) => e.data)).toEqual(['a', 'b']);
    for (const request of server.requests) {
      expect(request.requestLine).toBe('POST /chat HTTP/1.1');
      expect(request.body.toString()).toBe('{"prompt":"hi"}');
      expect(request.headers.filter(([n]) => n.toLowerCase() === 'accept')).toEqual([
        ['Accept', 'text/event-stream, */*'],
      ]);
    }
  });

  it('throws when a line outgrows maxBufferSize, rather than filling memory', async () => {
    server = await startScriptedServer({
      replies: [[HEAD, `data: ${'x'.repeat(1 << 20)}`, { hang: true }]],
    });
    const source = new EventSource(`http://127.0.0.1:${server.port}/`, {
      maxBufferSize: 64 * 1024,
    });
    const error = (await take(source, 1).catch((e: unknown) => e)) as EventSourceError;
    expect(error).toBeInstanceOf(EventSourceError);
    expect(error.code).toBe(ErrorCode.INVALID_DATA);
  });

  it.each([
    ['a URL that is not a string', () => new EventSource(42 as unknown as string)],
    ['a URL that is not http', () => new EventSource('ftp://127.0.0.1/')],
    ['a negative retry', () => new EventSource('http://127.0.0.1:1/', { retry: -1 })],
    [
      'a stream body',
      () => new EventSource('http://127.0.0.1:1/', { body: [] as unknown as string }),
    ],
    [
      'a lastEventId with LF',
      () => new EventSource('http://127.0.0.1:1/', { lastEventId: 'a\nb' }),
    ],
  ])('rejects %s with INVALID_PARAMETER, never throwing', async (_, make) => {
    const source = make();
    const error = await take(source, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPRequestError);
    expect((error as HTTPRequestError).code).toBe(ErrorCode.INVALID_PARAMETER);
  });

  it('is iterated once', async () => {
    const source = new EventSource('http://127.0.0.1:1/', { maxRetries: 0, retry: 0 });
    await take(source, 1).catch(() => {});
    const error = await take(source, 1).catch((e: unknown) => e);
    expect((error as HTTPRequestError).code).toBe(ErrorCode.INVALID_PARAMETER);
  });
});
