// HTTPRequest over responses whose surroundings used to cost the response (issue #12): the client
// below delivers a complete response first, so the promise API must resolve with it.
import { Method, Result } from '@gdhttp/constants';
import { type Action, type ScriptedServer, startScriptedServer } from '@gdhttp/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { HTTPRequest } from '../src/index.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function once(script: Action[], method: Method = Method.GET) {
  const s = await startScriptedServer({ replies: [script] });
  servers.push(s);
  const http = new HTTPRequest();
  http.timeout = 5;
  try {
    const r = await http.request(`http://${s.host}:${s.port}/`, [], method);
    return { ...r, text: Buffer.from(r.body).toString('latin1') };
  } finally {
    http.close();
  }
}

describe('HTTPRequest delivers every complete response', () => {
  it('resolves with the final response after 100 Continue and an empty line (not NO_RESPONSE)', async () => {
    const r = await once([
      'HTTP/1.1 100 Continue\r\n\r\n\r\nHTTP/1.1 200 OK\r\nX-Final: 1\r\nContent-Length: 2\r\n\r\nok',
    ]);
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200, text: 'ok' });
    expect(r.headers).toEqual(['X-Final: 1', 'Content-Length: 2']);
  });

  it.each([
    [
      'a 204 followed by body bytes',
      'HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\nstray body',
      204,
      '',
    ],
    [
      'junk after a framed response',
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok\x00junk',
      200,
      'ok',
    ],
    [
      'a second, unasked-for response',
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 201 Smuggled\r\nContent-Length: 4\r\n\r\nevil',
      200,
      'ok',
    ],
  ])('resolves SUCCESS for %s in the same segment', async (_, wire, code, body) => {
    const r = await once([wire, { hang: true }]);
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: code, text: body });
  });

  it('resolves SUCCESS for a HEAD answer followed by a body in the same segment', async () => {
    const r = await once(
      ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', { hang: true }],
      Method.HEAD,
    );
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200, text: '' });
  });

  it('reports CONNECTION_ERROR, as Godot, for a malformed chunk after a valid head', async () => {
    const r = await once([
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Kept: yes\r\n\r\n5\r\nhello\r\nzz\r\n',
      { hang: true },
    ]);
    expect(r.result).toBe(Result.CONNECTION_ERROR);
  });

  it('ends an endless chunk size of zeros with CONNECTION_ERROR, with no timeout set', async () => {
    const s = await startScriptedServer({
      replies: [
        [
          'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
          { drip: '0'.repeat(64 * 1024), chunk: 4096, every: 1 },
          { hang: true },
        ],
      ],
    });
    servers.push(s);
    const http = new HTTPRequest();
    const r = await http.request(`http://${s.host}:${s.port}/`);
    http.close();
    expect(r.result).toBe(Result.CONNECTION_ERROR);
  });
});
