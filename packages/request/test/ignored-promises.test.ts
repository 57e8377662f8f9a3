// Issue #12: a Godot-style port ignores what request() returns and listens to request_completed.
// The promises of cancelled and refused requests reject; had they no handler, each would be an
// unhandled rejection, which ends a Node process (docs/decisions/0007). They must not, while a
// caller that awaits still sees the rejection.
import { fileURLToPath } from 'node:url';
import { ErrorCode, Method, Result } from '@gdhttp/constants';
import { type ScriptedServer, startScriptedServer } from '@gdhttp/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { HTTPRequest } from '../src/index.js';
import { runBundled } from './support/run-bundled.js';

const childSource = fileURLToPath(new URL('./fixtures/ignored-promises-child.ts', import.meta.url));

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Answers `/ok` and `/` at once, `/slow` with a body that drips, anything else never. */
async function serve(): Promise<ScriptedServer> {
  const s = await startScriptedServer({
    replies: (q) =>
      q.requestLine.startsWith('GET /ok ') || q.requestLine.startsWith('GET / ')
        ? ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok']
        : q.requestLine.startsWith('GET /slow ')
          ? [
              'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n',
              { drip: 'x'.repeat(1000), every: 10 },
            ]
          : [{ hang: true }],
  });
  servers.push(s);
  return s;
}

describe('HTTPRequest promises nobody awaits', () => {
  it('a Godot-style program that ignores them (cancel, BUSY, bad URL, CANT_CONNECT, abort) exits 0', async () => {
    const s = await serve();
    // Run by plain node with its default unhandled-rejection mode (throw): the process a user's
    // program would be.
    const { code, stdout, stderr } = await runBundled(childSource, [`http://${s.host}:${s.port}/`]);
    // An unhandled rejection would print its error here and exit with code 1.
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(stdout)).toEqual({ completed: [Result.SUCCESS, Result.CANT_CONNECT] });
  });

  it('raise no unhandledRejection in this process, and an awaiting caller still sees each rejection', async () => {
    const s = await serve();
    const url = `http://${s.host}:${s.port}/`;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const http = new HTTPRequest();
      // Ignored.
      http.request(`${url}cancelled`);
      http.cancelRequest();
      http.request('ftp://example.com/');
      http.requestStream(url, [], Method.GET, new Uint8Array(0), { onBody: () => {} });
      const running = http.request(`${url}ok`);
      http.request(`${url}busy`);
      await running;
      // Awaited: the same rejections reach the caller.
      const cancelled = http.request(`${url}cancelled`);
      http.cancelRequest();
      await expect(cancelled).rejects.toMatchObject({ name: 'HTTPRequestError' });
      await expect(http.request('ftp://example.com/')).rejects.toMatchObject({
        code: ErrorCode.INVALID_PARAMETER,
      });
      const again = http.request(`${url}ok`);
      await expect(http.request(`${url}busy`)).rejects.toMatchObject({ code: ErrorCode.BUSY });
      await again;
      await expect(http.request('http://abc:1/')).rejects.toMatchObject({
        code: ErrorCode.CANT_CONNECT,
      });
      const stop = new Error('stop');
      await expect(
        http.request(url, [], Method.GET, '', { signal: AbortSignal.abort(stop) }),
      ).rejects.toBe(stop);
      await expect(
        http.requestStream(url, [], Method.GET, new Uint8Array(0), { onBody: () => {} }),
      ).rejects.toMatchObject({ code: ErrorCode.INVALID_PARAMETER });
      // .then() callers see it too.
      const seen = await http.request('ftp://example.com/').then(
        () => 'resolved',
        (error: { code: number }) => error.code,
      );
      expect(seen).toBe(ErrorCode.INVALID_PARAMETER);
      await new Promise((resolve) => setTimeout(resolve, 20));
      http.close();
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
