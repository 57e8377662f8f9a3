// The `request_head` and `response_head` events (issue #18: `gdhttp -v` prints the bytes that
// actually left for each hop, not a copy rebuilt from the rules): each request head as written to
// the connection, each response head as it arrived, for every hop of a redirect chain and every
// attempt, with or without threads. Real sockets on 127.0.0.1.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Method, Result } from '@gdhttp/constants';
import type { Action, RecordedRequest } from '@gdhttp/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  HTTPRequest,
  type HTTPRequestHead,
  type HTTPResponseHead,
  RequestBody,
} from '../src/index.js';
import { serve } from './support/serve.js';

const dir = mkdtempSync(join(tmpdir(), 'gdhttp-heads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ok = (body: string): Action[] => [
  `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nX-Hop: last\r\n\r\n`,
  body,
];
/** The head of a recorded request: its bytes up to and including the blank line. */
const headOf = (r: RecordedRequest): string => {
  const raw = r.raw.toString('latin1');
  return raw.slice(0, raw.indexOf('\r\n\r\n') + 4);
};
const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

/** Records both events of `http`, in the order they came. */
function recordHeads(http: HTTPRequest) {
  const events: (['request', HTTPRequestHead] | ['response', HTTPResponseHead])[] = [];
  http.on('request_head', (e) => events.push(['request', e]));
  http.on('response_head', (e) => events.push(['response', e]));
  return events;
}

describe.each([false, true])('head events (useThreads %s)', (useThreads) => {
  const made = (): HTTPRequest => {
    const http = new HTTPRequest();
    http.useThreads = useThreads;
    return http;
  };

  it('a redirect chain: each request head is the bytes the server received, each response head follows it', async () => {
    const s = await serve([
      [
        'HTTP/1.1 302 Found\r\nLocation: /b?x=1\r\nContent-Length: 5\r\nX-Hop: first\r\n\r\n',
        'moved',
      ],
      ok('done'),
    ]);
    const http = made();
    const events = recordHeads(http);
    const base = `http://user:secret@${s.host}:${s.port}`;
    const r = await http.request(
      `${base}/a`,
      ['X-Custom: 1', 'Content-Type: text/plain'],
      Method.POST,
      'body!',
    );
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
    expect(events.map(([kind]) => kind)).toEqual(['request', 'response', 'request', 'response']);
    const [a, b] = s.requests;
    const origin = `http://${s.host}:${s.port}`;
    expect(events[0]).toEqual(['request', { url: `${origin}/a`, head: expect.any(Uint8Array) }]);
    // Exactly what left, automatic headers and the userinfo's Authorization included.
    expect(latin1((events[0]![1] as HTTPRequestHead).head)).toBe(headOf(a!));
    expect(headOf(a!)).toContain('Authorization: Basic dXNlcjpzZWNyZXQ=\r\n');
    expect(events[1]).toEqual([
      'response',
      {
        url: `${origin}/a`,
        responseCode: 302,
        headers: ['Location: /b?x=1', 'Content-Length: 5', 'X-Hop: first'],
      },
    ]);
    // The 302 turned the POST into a GET: the second head says so.
    expect(latin1((events[2]![1] as HTTPRequestHead).head)).toBe(headOf(b!));
    expect(headOf(b!)).toMatch(/^GET \/b\?x=1 HTTP\/1\.1\r\n/);
    expect(events[3]).toEqual([
      'response',
      {
        url: `${origin}/b?x=1`,
        responseCode: 200,
        headers: ['Content-Length: 4', 'X-Hop: last'],
      },
    ]);
    http.close();
  });

  it('a retry shows every attempt: two request heads, the 503 and the 200', async () => {
    const s = await serve([
      ['HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n'],
      ok('fine'),
    ]);
    const http = made();
    http.retries = 1;
    http.retryDelay = 0.01;
    const events = recordHeads(http);
    const r = await http.request(`http://${s.host}:${s.port}/`);
    expect(r.responseCode).toBe(200);
    expect(events.map(([kind, e]) => (kind === 'response' ? e.responseCode : kind))).toEqual([
      'request',
      503,
      'request',
      200,
    ]);
    http.close();
  });
});

describe('head events without threads', () => {
  it('a streamed upload: the head is announced before the body leaves', async () => {
    const file = join(dir, 'upload.bin');
    writeFileSync(file, new Uint8Array(4 * 1024 * 1024));
    const s = await serve([ok('stored')]);
    const http = new HTTPRequest();
    const uploadedAtHead: number[] = [];
    let head = '';
    http.on('request_head', (e) => {
      uploadedAtHead.push(http.getUploadedBytes());
      head = latin1(e.head);
    });
    const body = RequestBody.file(file);
    if (body === null) throw new Error('no body');
    const r = await http.requestRaw(`http://${s.host}:${s.port}/up`, [], Method.PUT, body);
    expect(r.responseCode).toBe(200);
    expect(uploadedAtHead).toEqual([0]);
    expect(head).toBe(headOf(s.requests[0]!));
    expect(head).toContain('Content-Length: 4194304\r\n');
    http.close();
  });

  it('a response_head listener may cancel: no byte of the body is read, no file is made', async () => {
    const s = await serve([
      ['HTTP/1.1 404 Not Found\r\nContent-Length: 100000\r\n\r\n', { pattern: 100_000 }],
    ]);
    const http = new HTTPRequest();
    http.downloadFile = join(dir, 'never.bin');
    let progress = 0;
    http.on('progress', () => progress++);
    http.on('response_head', ({ responseCode }) => {
      if (responseCode >= 400) http.cancelRequest();
    });
    await expect(http.request(`http://${s.host}:${s.port}/`)).rejects.toThrow('cancelled');
    expect(progress).toBe(0);
    expect(http.getDownloadedBytes()).toBe(0);
    expect(existsSync(http.downloadFile)).toBe(false);
    http.close();
  });

  it('nothing is copied or emitted without listeners, and a refused request announces no head', async () => {
    const s = await serve([ok('a')]);
    const http = new HTTPRequest();
    expect((await http.request(`http://${s.host}:${s.port}/`)).result).toBe(Result.SUCCESS);
    const heads: HTTPRequestHead[] = [];
    http.on('request_head', (e) => heads.push(e));
    // CR LF in a header: the client refuses to send it (CONNECTION_ERROR), so no head left.
    const r = await http.request(`http://${s.host}:${s.port}/`, ['X-Bad: a\r\nX-Smuggled: b']);
    expect(r.result).toBe(Result.CONNECTION_ERROR);
    expect(heads).toEqual([]);
    http.close();
  });
});
