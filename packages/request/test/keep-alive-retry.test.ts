// Issue #12: when a kept-alive connection fails under a request, HTTPRequest may send the request
// again on a fresh connection only when that cannot repeat an effect: the method is idempotent
// (RFC 9110 §9.2.2) and not a byte of a response arrived. A POST the server read before it closed
// or reset the connection, or answered with a head the parser refused, used to be sent twice.
import { Method, Result } from '@gdhttp/constants';
import { type Action, type ScriptedServer, startScriptedServer } from '@gdhttp/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { HTTPRequest } from '../src/index.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const ok = (body: string): Action[] => [
  `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`,
  body,
];

/**
 * A server that answers the first request and keeps the connection, does `second` to the request
 * that reuses it, and answers any request after that (a retry, on a new connection) with 200.
 */
async function serve(second: Action[], first: Action[] = ok('first')): Promise<ScriptedServer> {
  const s = await startScriptedServer({
    replies: (q) =>
      q.index === 0
        ? first
        : q.index === 1
          ? second
          : q.requestLine.startsWith('HEAD ')
            ? ok('again').slice(0, 1)
            : ok('again'),
  });
  servers.push(s);
  return s;
}

/** A first GET that leaves a kept-alive connection, then `method` on it. */
async function secondRequest(s: ScriptedServer, method: Method, pause = 0) {
  const http = new HTTPRequest();
  const url = `http://${s.host}:${s.port}/`;
  expect((await http.request(`${url}first`)).result).toBe(Result.SUCCESS);
  if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
  const r = await http.request(`${url}second`, [], method, method === Method.POST ? 'pay' : '');
  http.close();
  // What reached the server for the second request: the method line and the connection, per copy.
  const copies = s.requests
    .filter((q) => q.requestLine.includes('/second'))
    .map((q) => [q.requestLine.split(' ')[0], q.connection]);
  return { r, copies };
}

const noByte: [string, Action[]][] = [
  ['reads the request and closes', [{ destroy: true }]],
  ['reads the request and resets', [{ reset: true }]],
];
const someBytes: [string, Action[]][] = [
  ['sends a head the parser refuses', ['HTTP/1.1 200 OK\r\nBad Header\r\n\r\n', { end: true }]],
  ['sends a few bytes and closes', ['HTTP/1.1 2', { destroy: true }]],
  ['sends a few bytes and resets', ['HTTP/1.1 200 OK\r\nContent-', { reset: true }]],
];

describe('HTTPRequest on a kept-alive connection that fails under a request', () => {
  it.each([...noByte, ...someBytes])(
    'sends a POST once when the server %s: CONNECTION_ERROR',
    async (_, second) => {
      const s = await serve(second);
      const { r, copies } = await secondRequest(s, Method.POST);
      expect(r).toMatchObject({ result: Result.CONNECTION_ERROR, responseCode: 0, headers: [] });
      expect(copies).toEqual([['POST', 0]]);
      expect(s.connections).toBe(1);
    },
  );

  it.each(noByte)(
    'sends a GET once more on a new connection when the server %s (no byte arrived)',
    async (_, second) => {
      const s = await serve(second);
      const { r, copies } = await secondRequest(s, Method.GET);
      expect(r.result).toBe(Result.SUCCESS);
      expect(Buffer.from(r.body).toString()).toBe('again');
      expect(copies).toEqual([
        ['GET', 0],
        ['GET', 1],
      ]);
    },
  );

  it.each(someBytes)(
    'does not send a GET again when the server %s (a response had begun)',
    async (_, second) => {
      const s = await serve(second);
      const { r, copies } = await secondRequest(s, Method.GET);
      expect(r.result).toBe(Result.CONNECTION_ERROR);
      expect(copies).toEqual([['GET', 0]]);
      expect(s.connections).toBe(1);
    },
  );

  it.each([
    ['GET', Method.GET, true],
    ['HEAD', Method.HEAD, true],
    ['PUT', Method.PUT, true],
    ['DELETE', Method.DELETE, true],
    ['OPTIONS', Method.OPTIONS, true],
    ['TRACE', Method.TRACE, true],
    ['POST', Method.POST, false],
    ['PATCH', Method.PATCH, false],
  ])(
    '%s (Method %i) is sent again: %s (RFC 9110 §9.2.2: idempotent methods only)',
    async (name, method, retried) => {
      const s = await serve([{ destroy: true }]);
      const { r, copies } = await secondRequest(s, method);
      expect(r.result).toBe(retried ? Result.SUCCESS : Result.CONNECTION_ERROR);
      expect(copies).toEqual(
        retried
          ? [
              [name, 0],
              [name, 1],
            ]
          : [[name, 0]],
      );
    },
  );

  it('retries only once: a fresh connection that fails too ends the request', async () => {
    const s = await startScriptedServer({ replies: [ok('first'), [{ destroy: true }]] });
    servers.push(s);
    const { r, copies } = await secondRequest(s, Method.GET);
    expect(r.result).toBe(Result.CONNECTION_ERROR);
    expect(copies).toEqual([
      ['GET', 0],
      ['GET', 1],
    ]);
  });

  it.each([
    ['closed', [...ok('first'), { delay: 5 }, { destroy: true }]],
    [
      'answered with 408 and closed',
      [
        ...ok('first'),
        { delay: 5 },
        'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
        { destroy: true },
      ],
    ],
  ])(
    'sends a POST on a fresh connection when the server already %s the idle one',
    async (_, first) => {
      // The close has arrived before the POST: the connection is seen to be gone and not reused,
      // so the POST is not lost to a connection that could not carry it.
      const s = await serve(ok('unused'), first as Action[]);
      const { r, copies } = await secondRequest(s, Method.POST, 50);
      expect(r.result).toBe(Result.SUCCESS);
      expect(copies).toEqual([['POST', 1]]);
    },
  );
});

describe('HTTPRequest with bytes waiting on an idle kept-alive connection', () => {
  it.each([
    ['POST', Method.POST],
    ['PATCH', Method.PATCH],
    ['GET', Method.GET],
  ])(
    'sends a %s once, on a new connection: the bytes answer nothing and the client would refuse to send after them',
    async (name, method) => {
      // The junk arrives 30 ms after the first response, on a connection the server keeps open.
      const s = await serve(ok('answered'), [...ok('first'), { delay: 30 }, 'junk\r\n']);
      const { r, copies } = await secondRequest(s, method, 100);
      expect(r.result).toBe(Result.SUCCESS);
      expect(Buffer.from(r.body).toString()).toBe('answered');
      expect(copies).toEqual([[name, 1]]);
    },
  );
});
