// Issue #12: HTTPClient bounds a response head (maxHeaderSize, maxHeaderCount); HTTPRequest sets
// the same limits on its client. The client applies them when a connection opens, so a change
// must not be lost to a kept-alive connection opened under the old limits.
import { ErrorCode, Result, Status } from '@gdhttp/constants';
import { type Action, type ScriptedServer, startScriptedServer } from '@gdhttp/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { HTTPRequest } from '../src/index.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(reply: (path: string) => Action[]): Promise<ScriptedServer> {
  const s = await startScriptedServer({
    replies: (q) => reply(q.requestLine.split(' ')[1] ?? ''),
  });
  servers.push(s);
  return s;
}

/** 2,500 field lines of 5 bytes: over the default count, well under the default size. */
const MANY_FIELDS = 'h:1\r\n'.repeat(2500);
/** One 40 KiB field: over the default size. */
const BIG_FIELD = `X-Big: ${'a'.repeat(40 * 1024)}\r\n`;

const ok = (fields = ''): Action[] => [`HTTP/1.1 200 OK\r\n${fields}Content-Length: 2\r\n\r\nok`];
const byPath = (path: string): Action[] =>
  ok(path === '/many' ? MANY_FIELDS : path === '/big' ? BIG_FIELD : '');

describe('HTTPRequest maxHeaderCount and maxHeaderSize (gdhttp additions)', () => {
  it('default to the client defaults: 16,384 bytes and 2,000 fields', () => {
    const http = new HTTPRequest();
    expect([http.maxHeaderSize, http.maxHeaderCount]).toEqual([16384, 2000]);
  });

  it('a head of 2,500 fields fails with CONNECTION_ERROR by default and succeeds with maxHeaderCount = 3000', async () => {
    const s = await serve(byPath);
    const url = `http://${s.host}:${s.port}/many`;
    const http = new HTTPRequest();
    expect((await http.request(url)).result).toBe(Result.CONNECTION_ERROR);
    http.maxHeaderCount = 3000;
    expect(http.maxHeaderCount).toBe(3000);
    const r = await http.request(url);
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
    expect(r.headers).toHaveLength(2501);
    http.close();
  });

  it('a 40 KiB field fails with CONNECTION_ERROR by default and succeeds with maxHeaderSize = 64 KiB', async () => {
    const s = await serve(byPath);
    const url = `http://${s.host}:${s.port}/big`;
    const http = new HTTPRequest();
    expect((await http.request(url)).result).toBe(Result.CONNECTION_ERROR);
    http.maxHeaderSize = 64 * 1024;
    expect(http.maxHeaderSize).toBe(64 * 1024);
    const r = await http.request(url);
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
    expect(r.headers[0]).toHaveLength('X-Big: '.length + 40 * 1024);
    http.close();
  });

  it('a change applies to the next request although a kept-alive connection waits (it opens a new one)', async () => {
    const s = await serve(byPath);
    const base = `http://${s.host}:${s.port}`;
    const http = new HTTPRequest();
    expect((await http.request(`${base}/small`)).result).toBe(Result.SUCCESS);
    expect(http.getHttpClientStatus()).toBe(Status.CONNECTED);

    http.maxHeaderCount = 3000;
    expect((await http.request(`${base}/many`)).result).toBe(Result.SUCCESS);
    http.maxHeaderSize = 64 * 1024;
    expect((await http.request(`${base}/big`)).result).toBe(Result.SUCCESS);
    // Setting a limit to the value it has changes nothing: the connection is kept.
    http.maxHeaderCount = 3000;
    http.maxHeaderSize = 64 * 1024;
    expect((await http.request(`${base}/big`)).result).toBe(Result.SUCCESS);
    // Lowering applies at once too.
    http.maxHeaderCount = 100;
    expect((await http.request(`${base}/many`)).result).toBe(Result.CONNECTION_ERROR);
    http.close();
    expect(s.requests.map((q) => [q.requestLine.split(' ')[1], q.connection])).toEqual([
      ['/small', 0],
      ['/many', 1],
      ['/big', 2],
      ['/big', 2],
      ['/many', 3],
    ]);
  });

  it.each([
    ['maxHeaderSize', 63],
    ['maxHeaderSize', 1024.5],
    ['maxHeaderSize', Number.NaN],
    ['maxHeaderSize', Number.POSITIVE_INFINITY],
    ['maxHeaderCount', 0],
    ['maxHeaderCount', -1],
    ['maxHeaderCount', 2.5],
  ] as const)('refuses %s = %d: the old value stays, lastError says why', async (name, value) => {
    const s = await serve(byPath);
    const url = `http://${s.host}:${s.port}/small`;
    const http = new HTTPRequest();
    expect((await http.request(url)).result).toBe(Result.SUCCESS);
    const before = http[name];
    http[name] = value;
    expect(http[name]).toBe(before);
    expect(http.lastError).toMatchObject({
      name: 'HTTPRequestError',
      code: ErrorCode.PARAMETER_RANGE_ERROR,
    });
    expect(http.lastError?.message).toContain(name);
    // A refused value leaves the kept-alive connection alone.
    expect((await http.request(url)).result).toBe(Result.SUCCESS);
    expect(s.connections).toBe(1);
    http.close();
  });

  it('refuses both while a request runs (BUSY), as the other guarded properties', async () => {
    const s = await serve(() => [{ delay: 30 }, ...ok()]);
    const http = new HTTPRequest();
    const pending = http.request(`http://${s.host}:${s.port}/`);
    http.maxHeaderSize = 64 * 1024;
    expect(http.maxHeaderSize).toBe(16384);
    expect(http.lastError?.code).toBe(ErrorCode.BUSY);
    http.maxHeaderCount = 3000;
    expect(http.maxHeaderCount).toBe(2000);
    expect(http.lastError).toMatchObject({ code: ErrorCode.BUSY });
    expect(http.lastError?.message).toContain('maxHeaderCount');
    await pending;
    http.maxHeaderCount = 3000;
    expect(http.maxHeaderCount).toBe(3000);
    http.close();
  });
});
