// Sending a request body again, against real servers on 127.0.0.1: the request repeated without
// `Expect: 100-continue` after a 417 (RFC 9110 §10.1.1), MultipartForm bodies and stream
// factories sent whole again on a 307/308 and on a retry, and a one-shot stream that a 307/308
// would need again ending with REQUEST_FAILED instead of an empty or partial body.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ErrorCode, Method, Result } from '@gdhttp/constants';
import { listenLoopback, sha256Hex, startScriptedServer } from '@gdhttp/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HTTPRequest, MultipartForm, RequestBody, type RequestBodyInit } from '../src/index.js';

const MIB = 1024 * 1024;
const decoder = new TextDecoder();
const data = randomBytes(2 * MIB + 4321);
const digest = sha256Hex(data);
let dir: string;
let file: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gdhttp-resend-'));
  file = join(dir, 'body.bin');
  writeFileSync(file, data);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** What the server saw of one request. */
interface Seen {
  method: string;
  url: string;
  expect: string | undefined;
  contentType: string | undefined;
  contentLength: string | undefined;
  chunked: boolean;
  bytes: number;
  sha256: string;
}

/**
 * A node:http server that records every request (its body counted and hashed) and answers with
 * `answer`, called once the body is complete; `onExpect`, when given, answers a request carrying
 * `Expect: 100-continue` before its body (node:http's `checkContinue`): `'continue'` asks for the
 * body, a status (with headers) answers at once, and the body is counted if it still comes.
 */
async function recordingServer(
  answer: (seen: Seen, index: number, res: ServerResponse) => void,
  onExpect?: (index: number) => 'continue' | number | [number, Record<string, string>],
): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const record = (req: IncomingMessage): { entry: Seen; index: number } => {
    const entry: Seen = {
      method: req.method ?? '',
      url: req.url ?? '',
      expect: req.headers.expect,
      contentType: req.headers['content-type'],
      contentLength: req.headers['content-length'],
      chunked: /chunked/i.test(req.headers['transfer-encoding'] ?? ''),
      bytes: 0,
      sha256: '',
    };
    seen.push(entry);
    return { entry, index: seen.length - 1 };
  };
  const readBody = (req: IncomingMessage, res: ServerResponse, entry: Seen, index: number) => {
    const hash = createHash('sha256');
    req.on('data', (chunk: Buffer) => {
      entry.bytes += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => {
      entry.sha256 = hash.digest('hex');
      answer(entry, index, res);
    });
  };
  const server: Server = createServer((req, res) => {
    const { entry, index } = record(req);
    readBody(req, res, entry, index);
  });
  if (onExpect !== undefined) {
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      const { entry, index } = record(req);
      const decision = onExpect(index);
      if (decision === 'continue') {
        res.writeContinue();
        readBody(req, res, entry, index);
        return;
      }
      req.on('data', (chunk: Buffer) => {
        entry.bytes += chunk.length;
      });
      const [status, headers] = typeof decision === 'number' ? [decision, {}] : decision;
      res.writeHead(status, { ...headers, 'Content-Length': '6' }).end('nope!\n');
    });
  }
  const port = await listenLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const ok = (seen: Seen, _index: number, res: ServerResponse) =>
  res.end(JSON.stringify({ bytes: seen.bytes, sha256: seen.sha256 }));

let closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closing.map((close) => close()));
  closing = [];
});

async function server(...args: Parameters<typeof recordingServer>) {
  const s = await recordingServer(...args);
  closing.push(s.close);
  return s;
}

/** Pieces of `bytes` as an async generator (a one-shot stream). */
async function* pieces(bytes: Uint8Array, size = 100_000): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** A form with a field, bytes and a file: every part re-readable. */
function form(): MultipartForm {
  return new MultipartForm()
    .append('title', 'résumé')
    .appendFile('small', new TextEncoder().encode('tiny\r\n'), { filename: 'tiny.txt' })
    .appendFile('big', file, { contentType: 'application/octet-stream' });
}

const EXPECT = ['Expect: 100-continue'];

describe('HTTPRequest after a 417 to Expect: 100-continue', () => {
  const bodies: [string, () => Promise<{ headers: string[]; body: RequestBodyInit }>][] = [
    ['bytes', async () => ({ headers: [], body: data })],
    ['a file', async () => ({ headers: [], body: RequestBody.file(file)! })],
    [
      'a stream not read yet',
      async () => ({
        headers: [],
        body: RequestBody.stream(Readable.from(pieces(data)), { length: data.length })!,
      }),
    ],
    [
      'a stream factory',
      async () => ({
        headers: [],
        body: RequestBody.stream(() => pieces(data), { length: data.length })!,
      }),
    ],
  ];

  it.each(bodies)('repeats the request once without the expectation: %s', async (_name, make) => {
    const s = await server(ok, () => 417);
    const { headers, body } = await make();
    const http = new HTTPRequest();
    const res = await http.requestRaw(`${s.url}/up`, [...EXPECT, ...headers], Method.PUT, body);
    http.close();
    expect(res).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
    expect(JSON.parse(decoder.decode(res.body))).toEqual({ bytes: data.length, sha256: digest });
    expect(s.seen.map((r) => [r.expect, r.bytes])).toEqual([
      ['100-continue', 0],
      [undefined, data.length],
    ]);
    expect(http.getUploadedBytes()).toBe(data.length);
  });

  it('repeats a MultipartForm body whole', async () => {
    const s = await server(ok, () => 417);
    const { headers, body, length } = await form().encode();
    const http = new HTTPRequest();
    const res = await http.requestRaw(`${s.url}/form`, [...EXPECT, ...headers], Method.POST, body);
    http.close();
    expect(res.responseCode).toBe(200);
    expect(s.seen.map((r) => [r.expect, r.bytes])).toEqual([
      ['100-continue', 0],
      [undefined, length],
    ]);
    expect(s.seen[1]!.contentLength).toBe(String(length));
  });

  it('takes a second 417 as the answer: the expectation is dropped once', async () => {
    const s = await server(
      (_seen, _index, res) => res.writeHead(417).end('still no'),
      () => 417,
    );
    const http = new HTTPRequest();
    const res = await http.requestRaw(`${s.url}/up`, EXPECT, Method.PUT, RequestBody.file(file)!);
    http.close();
    expect(res).toMatchObject({ result: Result.SUCCESS, responseCode: 417 });
    expect(decoder.decode(res.body)).toBe('still no');
    expect(s.seen.map((r) => r.expect)).toEqual(['100-continue', undefined]);
  });

  it('repeats after a 417 that came after the body when the body can be read again, not a stream already read', async () => {
    // 100 Continue, the body, then 417: a file is sent again; a stream that was read is not.
    const s = await server(
      (seen, _index, res) => {
        if (seen.expect !== undefined) res.writeHead(417).end();
        else ok(seen, _index, res);
      },
      () => 'continue',
    );
    const http = new HTTPRequest();
    const again = await http.requestRaw(`${s.url}/a`, EXPECT, Method.PUT, RequestBody.file(file)!);
    expect(again.responseCode).toBe(200);
    expect(s.seen.map((r) => [r.expect, r.bytes])).toEqual([
      ['100-continue', data.length],
      [undefined, data.length],
    ]);
    const once = await http.requestRaw(`${s.url}/b`, EXPECT, Method.PUT, pieces(data));
    http.close();
    expect(once).toMatchObject({ result: Result.SUCCESS, responseCode: 417 });
    expect(s.seen).toHaveLength(3);
  });

  it('repeats after a 417 from a scripted server that answers only whole requests', async () => {
    // The server never says 100: the body goes after the client's wait, then 417, then 200.
    const scripted = await startScriptedServer({
      replies: [
        ['HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n'],
        ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
      ],
    });
    closing.push(() => scripted.close());
    const http = new HTTPRequest();
    const body = new TextEncoder().encode('hello, twice');
    const res = await http.requestRaw(
      `http://${scripted.host}:${scripted.port}/x`,
      EXPECT,
      Method.POST,
      body,
    );
    http.close();
    expect(res.responseCode).toBe(200);
    const [first, second] = scripted.requests;
    const expectOf = (r: typeof first) =>
      r?.headers.find(([n]) => n.toLowerCase() === 'expect')?.[1];
    expect(expectOf(first)).toBe('100-continue');
    expect(expectOf(second)).toBeUndefined();
    expect(second?.requestLine).toBe('POST /x HTTP/1.1');
    expect(decoder.decode(second?.body)).toBe('hello, twice');
  });
});

/** 307/308 from `/first` (after reading the whole body) to `/again`, which answers the body's hash. */
function redirectOnce(status: 307 | 308) {
  return (seen: Seen, index: number, res: ServerResponse) => {
    if (seen.url === '/first') res.writeHead(status, { Location: '/again' }).end();
    else ok(seen, index, res);
  };
}

describe('HTTPRequest sends a body again on 307/308 and on retries', () => {
  it.each([307, 308] as const)(
    'sends a MultipartForm with a file whole again on %i',
    async (status) => {
      const s = await server(redirectOnce(status));
      const { headers, body, length } = await form().encode();
      expect((body as RequestBody).replayable).toBe(true);
      const http = new HTTPRequest();
      const res = await http.requestRaw(`${s.url}/first`, headers, Method.POST, body);
      http.close();
      expect(res).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
      expect(s.seen.map((r) => [r.method, r.url, r.bytes])).toEqual([
        ['POST', '/first', length],
        ['POST', '/again', length],
      ]);
      expect(s.seen[1]!.sha256).toBe(s.seen[0]!.sha256);
      expect(s.seen[1]!.contentType).toBe(s.seen[0]!.contentType);
      expect(s.seen[1]!.contentLength).toBe(String(length));
    },
  );

  it('sends a MultipartForm whole again on a retry', async () => {
    const s = await server((seen, index, res) => {
      if (index === 0) res.writeHead(503, { 'Retry-After': '0' }).end();
      else ok(seen, index, res);
    });
    const { headers, body, length } = await form().encode();
    const http = new HTTPRequest();
    http.retries = 1;
    const res = await http.requestRaw(`${s.url}/form`, headers, Method.PUT, body);
    http.close();
    expect(res.responseCode).toBe(200);
    expect(s.seen.map((r) => r.bytes)).toEqual([length, length]);
    expect(s.seen[1]!.sha256).toBe(s.seen[0]!.sha256);
  });

  it('opens a stream factory again for each sending, chunked or with its length', async () => {
    const s = await server(redirectOnce(307));
    const http = new HTTPRequest();
    let opened = 0;
    const factory = () => {
      opened++;
      return Readable.from(pieces(data));
    };
    const res = await http.requestRaw(
      `${s.url}/first`,
      [],
      Method.PUT,
      RequestBody.stream(factory)!,
    );
    expect(res.responseCode).toBe(200);
    expect(JSON.parse(decoder.decode(res.body))).toEqual({ bytes: data.length, sha256: digest });
    expect(opened).toBe(2);
    expect(s.seen.map((r) => [r.chunked, r.bytes])).toEqual([
      [true, data.length],
      [true, data.length],
    ]);
    const sized = RequestBody.stream(() => ReadableStream.from(pieces(data)), {
      length: data.length,
    })!;
    const again = await http.requestRaw(`${s.url}/first`, [], Method.PUT, sized);
    http.close();
    expect(JSON.parse(decoder.decode(again.body))).toEqual({ bytes: data.length, sha256: digest });
    expect(s.seen.slice(2).map((r) => r.contentLength)).toEqual([
      String(data.length),
      String(data.length),
    ]);
  });

  it('sends a file whole again after a 307 that came while it was still being sent', async () => {
    // The 307 answers after the first MiB, before the body ended, while a read of the first
    // sending is still in flight: a slow disk (each read of this FileHandle takes 40 ms) finishes
    // it after the second sending started from byte 0, and it must not move that one's position.
    const bytes = randomBytes(6 * MIB);
    const big = join(dir, 'early.bin');
    writeFileSync(big, bytes);
    const handle = await open(big, 'r');
    const slow = {
      fd: handle.fd,
      stat: () => handle.stat(),
      read: async (...args: Parameters<FileHandle['read']>) => {
        await new Promise((resolve) => setTimeout(resolve, 40));
        return handle.read(...args);
      },
    } as unknown as FileHandle;
    const seen: string[] = [];
    const hashes: string[] = [];
    const s = createServer((req, res) => {
      seen.push(req.url ?? '');
      const hash = createHash('sha256');
      let got = 0;
      req.on('data', (chunk: Buffer) => {
        got += chunk.length;
        hash.update(chunk);
        if (req.url === '/first' && got >= MIB && !res.headersSent) {
          res.writeHead(307, { Location: '/again', 'Content-Length': '0' }).end();
        }
      });
      req.on('end', () => {
        if (req.url === '/first') return;
        hashes.push(hash.digest('hex'));
        res.end(String(got));
      });
    });
    const port = await listenLoopback(s);
    closing.push(
      () =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    );
    try {
      const http = new HTTPRequest();
      const res = await http.requestRaw(
        `http://127.0.0.1:${port}/first`,
        [],
        Method.PUT,
        RequestBody.file(slow)!,
      );
      http.close();
      expect(res).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
      expect(decoder.decode(res.body)).toBe(String(bytes.length));
      expect(seen).toEqual(['/first', '/again']);
      expect(hashes).toEqual([sha256Hex(bytes)]);
    } finally {
      await handle.close();
    }
  });

  it('follows a 307 answered to Expect: 100-continue with a stream it has not read yet', async () => {
    const s = await server(ok, (index) =>
      index === 0 ? [307, { Location: '/again' }] : 'continue',
    );
    const http = new HTTPRequest();
    const stream = Readable.from(pieces(data));
    const res = await http.requestRaw(`${s.url}/first`, EXPECT, Method.PUT, stream);
    http.close();
    expect(res).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
    expect(JSON.parse(decoder.decode(res.body))).toEqual({ bytes: data.length, sha256: digest });
    expect(s.seen.map((r) => [r.url, r.bytes])).toEqual([
      ['/first', 0],
      ['/again', data.length],
    ]);
  });
});

describe('HTTPRequest with a one-shot stream body and a 307/308', () => {
  it.each([
    ['a Node Readable', () => Readable.from(pieces(data))],
    ['a Web ReadableStream', () => ReadableStream.from(pieces(data))],
    ['an async iterable', () => pieces(data)],
  ])(
    'ends with REQUEST_FAILED and the 3xx, never sending a partial body: %s',
    async (_name, make) => {
      for (const status of [307, 308] as const) {
        const s = await server(redirectOnce(status));
        const http = new HTTPRequest();
        const res = await http.requestRaw(`${s.url}/first`, [], Method.POST, make());
        http.close();
        expect(res.result).toBe(Result.REQUEST_FAILED);
        expect(res.responseCode).toBe(status);
        expect(res.headers).toContain('Location: /again');
        expect(res.body).toHaveLength(0);
        expect(s.seen.map((r) => [r.url, r.bytes])).toEqual([['/first', data.length]]);
        expect(http.getRedirectCount()).toBe(0);
      }
    },
  );

  it('ends a MultipartForm with a one-shot stream part the same way', async () => {
    const s = await server(redirectOnce(307));
    const { headers, body, length } = await form()
      .appendFile('log', Readable.from(pieces(data)), { length: data.length })
      .encode();
    expect((body as RequestBody).replayable).toBe(false);
    const http = new HTTPRequest();
    const res = await http.requestRaw(`${s.url}/first`, headers, Method.POST, body);
    http.close();
    expect(res).toMatchObject({ result: Result.REQUEST_FAILED, responseCode: 307 });
    expect(s.seen.map((r) => [r.url, r.bytes])).toEqual([['/first', length]]);
  });

  it('turns a 303 (and a 301/302 after POST) into a GET without the body, stream or not', async () => {
    const s = await server((seen, index, res) => {
      if (seen.url === '/first') res.writeHead(303, { Location: '/again' }).end();
      else ok(seen, index, res);
    });
    const http = new HTTPRequest();
    const res = await http.requestRaw(`${s.url}/first`, [], Method.POST, pieces(data));
    http.close();
    expect(res).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
    expect(s.seen.map((r) => [r.method, r.bytes])).toEqual([
      ['POST', data.length],
      ['GET', 0],
    ]);
  });

  it('tells which bodies can be sent again', () => {
    expect(RequestBody.file(file)!.replayable).toBe(true);
    expect(RequestBody.stream(() => pieces(data))!.replayable).toBe(true);
    expect(RequestBody.stream(pieces(data))!.replayable).toBe(false);
    expect(RequestBody.stream(42 as never)).toBeNull();
  });

  it('rejects when a stream factory does not return a stream', async () => {
    const s = await server(ok);
    const http = new HTTPRequest();
    const error = await http
      .requestRaw(`${s.url}/x`, [], Method.PUT, RequestBody.stream(() => 42 as never)!)
      .catch((e: unknown) => e);
    http.close();
    expect(error).toMatchObject({ code: ErrorCode.FILE_CANT_OPEN });
    expect(s.seen).toHaveLength(0);
  });
});
