// EventSource.forEach, the callback way to read a source (as a browser calls onmessage), against
// scripted servers on 127.0.0.1: the same events as `for await` wherever TCP splits the stream,
// every event of a body piece dispatched in the same tick (no promise per event), a callback's
// promise holding the next event back, close() from a callback, errors and misuse.
import { ErrorCode, Result } from '@gdhttp/constants';
import { type ScriptedServer, startScriptedServer } from '@gdhttp/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EventSource,
  EventSourceError,
  EventSourceState,
  HTTPRequest,
  HTTPRequestError,
  type ServerSentEvent,
} from '../src/index.js';

const HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n';
const utf8 = (s: string) => Buffer.from(s, 'utf8');

let server: ScriptedServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

// A BOM before a field, CR, LF and CRLF line ends, multi-line data, an id carried over, characters
// of 2, 3 and 4 bytes, an event ended by CR CR, an unfinished one.
const STREAM = utf8(
  '\uFEFFevent: greet\rdata: hé\r\ndata: €\nid: 1\r\n\r\ndata: 😀\n\nid\ndata: x\r\rdata: cut',
);
const EXPECTED: ServerSentEvent[] = [
  { type: 'greet', data: 'hé\n€', lastEventId: '1' },
  { type: 'message', data: '😀', lastEventId: '1' },
  { type: 'message', data: 'x', lastEventId: '' },
];

/** Runs `forEach` until `n` events came, then closes the source from the callback. */
async function collect(source: EventSource, n: number): Promise<ServerSentEvent[]> {
  const got: ServerSentEvent[] = [];
  await source.forEach((event) => {
    got.push(event);
    if (got.length === n) source.close();
  });
  return got;
}

describe('EventSource.forEach', () => {
  it('gets the same events as for await, wherever TCP splits the stream, each as soon as it ends', async () => {
    // The server never closes: every event must be dispatched from the bytes that ended it
    // (`x` ends with CR CR; a CR ending a piece ends its line there and then).
    server = await startScriptedServer({
      replies: (request) => {
        const at = Number(/split=(\d+)/.exec(request.requestLine)?.[1]);
        return [HEAD, STREAM.subarray(0, at), { delay: 3 }, STREAM.subarray(at), { hang: true }];
      },
    });
    const http = new HTTPRequest();
    for (let at = 1; at < STREAM.length; at++) {
      const url = `http://127.0.0.1:${server.port}/?split=${at}`;
      const source = new EventSource(url, { http });
      expect(await collect(source, EXPECTED.length), `forEach, split at byte ${at}`).toEqual(
        EXPECTED,
      );
      expect(source.readyState).toBe(EventSourceState.CLOSED);
      const iterated: ServerSentEvent[] = [];
      for await (const event of new EventSource(url, { http })) {
        if (iterated.push(event) === EXPECTED.length) break;
      }
      expect(iterated, `for await, split at byte ${at}`).toEqual(EXPECTED);
    }
    http.close();
  }, 30_000);

  it('dispatches every event of a body piece in the same tick, no promise between them', async () => {
    let text = '';
    for (let i = 0; i < 2000; i++) text += `data: ${i}\n\n`;
    server = await startScriptedServer({ replies: [[HEAD, text, { hang: true }]] });
    const http = new HTTPRequest();
    let pieces = 0;
    http.on('progress', () => pieces++);
    // A microtask queued by each callback runs only once the dispatching code yields: events
    // that see the same count were dispatched without yielding in between.
    let turns = 0;
    const seenAt: number[] = [];
    const source = new EventSource(`http://127.0.0.1:${server.port}/`, { http });
    await source.forEach((event) => {
      seenAt.push(turns);
      queueMicrotask(() => turns++);
      if (event.data === '1999') source.close();
    });
    http.close();
    expect(seenAt).toHaveLength(2000);
    expect(pieces).toBeGreaterThan(0);
    expect(new Set(seenAt).size).toBeLessThanOrEqual(pieces);
  });

  it('waits for a promise the callback returns before the next event, and reads no further meanwhile', async () => {
    server = await startScriptedServer({
      replies: [[HEAD, 'data: a\n\ndata: b\n\n', { delay: 5 }, 'data: c\n\n', { hang: true }]],
    });
    const source = new EventSource(`http://127.0.0.1:${server.port}/`);
    const log: string[] = [];
    let running = 0;
    let most = 0;
    await source.forEach(async (event) => {
      running++;
      most = Math.max(most, running);
      log.push(`start ${event.data}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
      log.push(`end ${event.data}`);
      running--;
      if (event.data === 'c') source.close();
    });
    expect(most).toBe(1);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('dispatches nothing after close() from a callback, even from the same piece', async () => {
    server = await startScriptedServer({
      replies: [[HEAD, 'data: 1\n\ndata: 2\n\ndata: 3\n\n', { hang: true }]],
    });
    const source = new EventSource(`http://127.0.0.1:${server.port}/`);
    const got: string[] = [];
    await source.forEach((event) => {
      got.push(event.data);
      source.close();
    });
    expect(got).toEqual(['1']);
    expect(source.readyState).toBe(EventSourceState.CLOSED);
  });

  it('reconnects with Last-Event-ID as the iterator does', async () => {
    server = await startScriptedServer({
      replies: [
        [HEAD, 'retry: 20\nid: 7\ndata: one\n\n', { destroy: true }],
        [HEAD, 'data: two\n\n', { hang: true }],
      ],
    });
    const drops: Result[] = [];
    const source = new EventSource(`http://127.0.0.1:${server.port}/`, {
      onError: ({ result }) => drops.push(result),
    });
    expect((await collect(source, 2)).map((e) => [e.data, e.lastEventId])).toEqual([
      ['one', '7'],
      ['two', '7'],
    ]);
    expect(drops).toEqual([Result.SUCCESS]);
    const lastEventId = server.requests[1]!.headers.find(
      ([n]) => n.toLowerCase() === 'last-event-id',
    );
    expect(lastEventId?.[1]).toBe('7');
  });

  it('rejects with what the callback threw (or rejected with), and closes', async () => {
    server = await startScriptedServer({
      replies: [[HEAD, 'data: 1\n\ndata: 2\n\n', { hang: true }]],
    });
    const boom = new Error('consumer broke');
    const source = new EventSource(`http://127.0.0.1:${server.port}/`);
    await expect(
      source.forEach(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(source.readyState).toBe(EventSourceState.CLOSED);
    const later = new EventSource(`http://127.0.0.1:${server.port}/`);
    await expect(
      later.forEach(async () => {
        await Promise.reject(boom);
      }),
    ).rejects.toBe(boom);
    expect(later.readyState).toBe(EventSourceState.CLOSED);
  });

  it('rejects with an EventSourceError where the iteration would throw', async () => {
    server = await startScriptedServer({
      replies: [['HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n']],
    });
    const source = new EventSource(`http://127.0.0.1:${server.port}/`, { retry: 10 });
    const error = (await source.forEach(() => {}).catch((e: unknown) => e)) as EventSourceError;
    expect(error).toBeInstanceOf(EventSourceError);
    expect(error.code).toBe(ErrorCode.INVALID_DATA);
  });

  it('rejects misuse with INVALID_PARAMETER: no function, or a source read already', async () => {
    const source = new EventSource('http://127.0.0.1:1/', { maxRetries: 0, retry: 0 });
    const noFunction = await source.forEach(42 as never).catch((e: unknown) => e);
    expect((noFunction as HTTPRequestError).code).toBe(ErrorCode.INVALID_PARAMETER);
    await source.forEach(() => {}).catch(() => {});
    const twice = await source.forEach(() => {}).catch((e: unknown) => e);
    expect(twice).toBeInstanceOf(HTTPRequestError);
    expect((twice as HTTPRequestError).code).toBe(ErrorCode.INVALID_PARAMETER);
    const iterated = await (async () => {
      for await (const _ of source) break;
    })().catch((e: unknown) => e);
    expect((iterated as HTTPRequestError).code).toBe(ErrorCode.INVALID_PARAMETER);
  });
});
