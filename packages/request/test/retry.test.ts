// Issue #16, retries: only idempotent methods, only on connection failures and 408/429/500/502/
// 503/504, exponential backoff with jitter and a cap, Retry-After (seconds and HTTP date) honoured
// up to retryMaxDelay, a `retry` event for each. Timing is checked on a fake clock (setTimeout and
// Date); the sockets are real.

import { createServer } from 'node:net';
import { Method, Result } from '@gdhttp/constants';
import {
  type Action,
  listenLoopback,
  type ScriptedServer,
  startScriptedServer,
} from '@gdhttp/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HTTPRequest, type HTTPRequestRetry } from '../src/index.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const ok = (body: string): Action[] => [
  `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`,
  body,
];
const status = (code: number, extra = ''): Action[] => [
  `HTTP/1.1 ${code} Nope\r\nContent-Length: 4\r\n${extra}\r\n`,
  'nope',
];

/** Replies in order: `replies[i]` to request i, the last one to every request after. */
async function serve(...replies: Action[][]): Promise<ScriptedServer> {
  const s = await startScriptedServer({ replies });
  servers.push(s);
  return s;
}

/**
 * Lets real I/O run (setImmediate and performance.now are not faked) until `done()`, or for
 * `ms` of real time.
 */
async function spin(done: () => boolean, ms = 5000): Promise<void> {
  const end = performance.now() + ms;
  while (!done() && performance.now() < end) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('HTTPRequest retries', () => {
  it('waits for Retry-After in seconds on a fake clock, then succeeds', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const s = await serve(status(503, 'Retry-After: 2\r\n'), ok('fine'));
    const http = new HTTPRequest();
    http.retries = 3;
    const events: HTTPRequestRetry[] = [];
    http.on('retry', (e) => events.push(e));
    const pending = http.request(`http://${s.host}:${s.port}/x`);
    await spin(() => events.length > 0);
    expect(events).toEqual([
      {
        attempt: 1,
        retries: 3,
        delay: 2,
        url: `http://${s.host}:${s.port}/x`,
        result: Result.SUCCESS,
        responseCode: 503,
        resumeFrom: 0,
      },
    ]);
    await vi.advanceTimersByTimeAsync(1999);
    await spin(() => s.requests.length > 1, 100);
    expect(s.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const r = await pending;
    http.close();
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
    expect(new TextDecoder().decode(r.body)).toBe('fine');
    expect(s.requests).toHaveLength(2);
    // The 503's small body was read, so the retry reused its connection.
    expect(s.connections).toBe(1);
  });

  it('waits until a Retry-After HTTP date', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(Date.parse('2026-04-01T12:00:00Z'));
    const s = await serve(status(429, 'Retry-After: Wed, 01 Apr 2026 12:00:07 GMT\r\n'), ok('ok'));
    const http = new HTTPRequest();
    http.retries = 1;
    const events: HTTPRequestRetry[] = [];
    http.on('retry', (e) => events.push(e));
    const pending = http.request(`http://${s.host}:${s.port}/`);
    await spin(() => events.length > 0);
    expect(events[0]).toMatchObject({ delay: 7, responseCode: 429 });
    await vi.advanceTimersByTimeAsync(7000);
    expect((await pending).responseCode).toBe(200);
    http.close();
  });

  it('delivers the response when Retry-After asks for longer than retryMaxDelay', async () => {
    const s = await serve(status(503, 'Retry-After: 3600\r\n'), ok('never'));
    const http = new HTTPRequest();
    http.retries = 3;
    const r = await http.request(`http://${s.host}:${s.port}/`);
    http.close();
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 503 });
    expect(new TextDecoder().decode(r.body)).toBe('nope');
    expect(s.requests).toHaveLength(1);
  });

  it('backs off exponentially with jitter, capped, and delivers the last response', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const s = await serve(status(500));
    const http = new HTTPRequest();
    http.retries = 4;
    http.retryDelay = 1;
    http.retryMaxDelay = 5;
    const events: HTTPRequestRetry[] = [];
    http.on('retry', (e) => events.push(e));
    const pending = http.request(`http://${s.host}:${s.port}/`);
    for (let n = 1; n <= 4; n++) {
      await spin(() => events.length >= n);
      expect([n, events.length, s.requests.length]).toEqual([n, n, n]);
      await vi.advanceTimersByTimeAsync(events[n - 1]!.delay * 1000);
    }
    const r = await pending;
    http.close();
    vi.mocked(Math.random).mockRestore();
    expect(events.map((e) => e.delay)).toEqual([1, 2, 4, 5]);
    expect(r.responseCode).toBe(500);
    expect(s.requests).toHaveLength(5);
  });

  it.each([
    ['POST', Method.POST],
    ['PATCH', Method.PATCH],
  ])('never retries %s, on a status or a reset', async (_, method) => {
    const s = await serve(status(503, 'Retry-After: 0\r\n'), [{ reset: true }], ok('x'));
    const http = new HTTPRequest();
    http.retries = 5;
    http.retryDelay = 0;
    const events: HTTPRequestRetry[] = [];
    http.on('retry', (e) => events.push(e));
    const url = `http://${s.host}:${s.port}/`;
    expect((await http.request(url, [], method, 'body')).responseCode).toBe(503);
    expect((await http.request(url, [], method, 'body')).result).toBe(Result.CONNECTION_ERROR);
    http.close();
    expect(events).toEqual([]);
    expect(s.requests).toHaveLength(2);
  });

  it('retries a GET after resets and closes, then succeeds', async () => {
    const s = await serve(
      [{ reset: true }],
      ['HTTP/1.1 200 OK\r\n', { destroy: true }],
      ok('third'),
    );
    const http = new HTTPRequest();
    http.retries = 2;
    http.retryDelay = 0;
    const events: HTTPRequestRetry[] = [];
    http.on('retry', (e) => events.push(e));
    const r = await http.request(`http://${s.host}:${s.port}/`);
    http.close();
    expect(new TextDecoder().decode(r.body)).toBe('third');
    expect(events.map((e) => [e.attempt, e.result])).toEqual([
      [1, Result.CONNECTION_ERROR],
      [2, Result.CONNECTION_ERROR],
    ]);
  });

  it('retries a refused connection (CANT_CONNECT) and never a 404', async () => {
    const s = await serve(status(404));
    const http = new HTTPRequest();
    http.retries = 2;
    http.retryDelay = 0;
    const events: HTTPRequestRetry[] = [];
    http.on('retry', (e) => events.push(e));
    expect((await http.request(`http://${s.host}:${s.port}/`)).responseCode).toBe(404);
    expect(events).toEqual([]);
    // Port 1 on loopback refuses.
    expect((await http.request('http://127.0.0.1:1/')).result).toBe(Result.CANT_CONNECT);
    http.close();
    expect(events.map((e) => e.result)).toEqual([Result.CANT_CONNECT, Result.CANT_CONNECT]);
  });

  it('retries a refused connection until the server comes up on that port', async () => {
    // A server restarting: the port refuses, then accepts. The first refusal's retry event is
    // the moment the server starts; the second attempt finds it and succeeds.
    const probe = createServer();
    const port = await listenLoopback(probe);
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const http = new HTTPRequest();
    http.retries = 3;
    http.retryDelay = 1; // at least 0.5 s with jitter: time for the server to start listening
    const events: HTTPRequestRetry[] = [];
    let started: Promise<ScriptedServer> | null = null;
    http.on('retry', (e) => {
      events.push(e);
      started ??= startScriptedServer({ port, replies: [ok('back')] }).then((s) => {
        servers.push(s);
        return s;
      });
    });
    const r = await http.request(`http://127.0.0.1:${port}/`);
    http.close();
    expect(events.map((e) => [e.attempt, e.result])).toEqual([[1, Result.CANT_CONNECT]]);
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
    expect(new TextDecoder().decode(r.body)).toBe('back');
    expect((await started!)?.requests).toHaveLength(1);
  });

  it('ends a wait at cancelRequest() and at the timeout', async () => {
    const s = await serve(status(503));
    const http = new HTTPRequest();
    http.retries = 1;
    http.retryDelay = 20;
    http.retryMaxDelay = 20;
    http.once('retry', () => setImmediate(() => http.cancelRequest()));
    const started = Date.now();
    await expect(http.request(`http://${s.host}:${s.port}/`)).rejects.toThrow(/cancelled/);
    http.timeout = 0.2;
    const r = await http.request(`http://${s.host}:${s.port}/`);
    http.close();
    expect(r.result).toBe(Result.TIMEOUT);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('forwards retries and their events from a worker thread (useThreads)', async () => {
    const s = await serve(status(502), ok('threaded'));
    const http = new HTTPRequest();
    http.useThreads = true;
    http.retries = 1;
    http.retryDelay = 0;
    const events: HTTPRequestRetry[] = [];
    http.on('retry', (e) => events.push(e));
    const r = await http.request(`http://${s.host}:${s.port}/`);
    http.close();
    expect(new TextDecoder().decode(r.body)).toBe('threaded');
    expect(events).toMatchObject([{ attempt: 1, responseCode: 502 }]);
  });
});
