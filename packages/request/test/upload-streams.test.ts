// Request bodies from anywhere on HTTPRequest.requestRaw — a file by path or handle, a Node
// Readable, a Web ReadableStream, an async iterable — against real sockets on 127.0.0.1: the
// framing (Content-Length when known, chunked otherwise), the bytes (SHA-256 on the server),
// upload progress, `Expect: 100-continue` (the server says 100, answers early, says nothing),
// redirects and refusals; and a 1 GiB upload whose client RSS stays flat.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ErrorCode, Method, Result } from '@gdhttp/constants';
import {
  listenLoopback,
  sha256Hex,
  startUploadReporter,
  type UploadReporter,
} from '@gdhttp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTPRequest, HTTPRequestError, RequestBody } from '../src/index.js';
import { runBundled } from './support/run-bundled.js';

const MIB = 1024 * 1024;
const decoder = new TextDecoder();
const report = (body: Uint8Array) =>
  JSON.parse(decoder.decode(body)) as {
    bytes: number;
    sha256: string;
    headers: Record<string, string>;
  };

let reporter: UploadReporter;
let dir: string;
let url: string;
const data = randomBytes(3 * MIB + 12_345);
const digest = sha256Hex(data);
let file: string;

beforeAll(async () => {
  reporter = await startUploadReporter();
  url = `http://${reporter.host}:${reporter.port}/up`;
  dir = mkdtempSync(join(tmpdir(), 'gdhttp-upload-'));
  file = join(dir, 'body.bin');
  writeFileSync(file, data);
});
afterAll(async () => {
  await reporter.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Pieces of `bytes`, of uneven sizes, as an async generator. */
async function* pieces(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  let at = 0;
  let size = 1;
  while (at < bytes.length) {
    yield bytes.subarray(at, at + size);
    at += size;
    size = (size * 7 + 3) % 300_000 || 1;
  }
}

describe('HTTPRequest.requestRaw with a body source', () => {
  it('sends a file by path with Content-Length, and progress up to its size', async () => {
    const http = new HTTPRequest();
    const seen: number[] = [];
    http.on('upload_progress', ({ uploadedBytes, uploadSize }) => {
      expect(uploadSize).toBe(data.length);
      seen.push(uploadedBytes);
    });
    const res = await http.requestRaw(url, [], Method.PUT, RequestBody.file(file)!);
    http.close();
    expect(res.result).toBe(Result.SUCCESS);
    const got = report(res.body);
    expect(got).toMatchObject({ bytes: data.length, sha256: digest });
    expect(got.headers['content-length']).toBe(String(data.length));
    expect(got.headers['transfer-encoding']).toBeUndefined();
    expect(http.getUploadedBytes()).toBe(data.length);
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toBe(data.length);
    expect(seen.every((n, i) => i === 0 || n > seen[i - 1]!)).toBe(true);
  });

  it('sends a range of an open FileHandle and leaves the handle open', async () => {
    const handle = await open(file, 'r');
    try {
      const http = new HTTPRequest();
      const body = RequestBody.file(handle, { start: 1000, length: 2 * MIB })!;
      const res = await http.requestRaw(url, [], Method.POST, body);
      expect(report(res.body)).toMatchObject({
        bytes: 2 * MIB,
        sha256: sha256Hex(data.subarray(1000, 1000 + 2 * MIB)),
      });
      // A bare handle is the whole file; sent again, as it is read at positions.
      const whole = await http.requestRaw(url, [], Method.POST, handle);
      expect(report(whole.body)).toMatchObject({ bytes: data.length, sha256: digest });
      http.close();
      expect((await handle.stat()).size).toBe(data.length);
    } finally {
      await handle.close();
    }
  });

  it.each([
    ['a Node Readable', () => Readable.from(pieces(data))],
    ['a Web ReadableStream', () => ReadableStream.from(pieces(data))],
    ['an async iterable', () => pieces(data)],
  ])('sends %s chunked', async (_name, make) => {
    const http = new HTTPRequest();
    const res = await http.requestRaw(url, [], Method.POST, make());
    http.close();
    expect(res.result).toBe(Result.SUCCESS);
    const got = report(res.body);
    expect(got).toMatchObject({ bytes: data.length, sha256: digest });
    expect(got.headers['transfer-encoding']).toBe('chunked');
    expect(got.headers['content-length']).toBeUndefined();
    expect(http.getUploadedBytes()).toBe(data.length);
  });

  it('sends a stream of known length with Content-Length (given, or the caller\u2019s header)', async () => {
    const http = new HTTPRequest();
    const given = await http.requestRaw(
      url,
      [],
      Method.PUT,
      RequestBody.stream(pieces(data), { length: data.length })!,
    );
    expect(report(given.body).headers['content-length']).toBe(String(data.length));
    const header = await http.requestRaw(
      url,
      [`Content-Length: ${data.length}`],
      Method.PUT,
      pieces(data),
    );
    const got = report(header.body);
    expect(got).toMatchObject({ bytes: data.length, sha256: digest });
    expect(got.headers['transfer-encoding']).toBeUndefined();
    http.close();
  });

  it('rejects with INVALID_PARAMETER when a stream does not match its length', async () => {
    const http = new HTTPRequest();
    for (const length of [data.length - 1, data.length + 1]) {
      const body = RequestBody.stream(pieces(data), { length })!;
      const error = await http.requestRaw(url, [], Method.PUT, body).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HTTPRequestError);
      expect((error as HTTPRequestError).code).toBe(ErrorCode.INVALID_PARAMETER);
    }
    // The connection that carried the broken body is not reused: the next request is whole.
    const res = await http.requestRaw(url, [], Method.PUT, RequestBody.file(file)!);
    expect(report(res.body)).toMatchObject({ bytes: data.length, sha256: digest });
    http.close();
  });

  it("rejects with the stream's own error, and releases a stream it stops reading", async () => {
    const http = new HTTPRequest();
    const boom = new Error('disk on fire');
    async function* failing() {
      yield new Uint8Array(1000);
      throw boom;
    }
    await expect(http.requestRaw(url, [], Method.POST, failing())).rejects.toBe(boom);
    // A stream that gives one piece and then waits forever: only a cancel ends the request.
    async function* stalling() {
      yield new Uint8Array(1000);
      await new Promise(() => {});
    }
    const readable = Readable.from(stalling());
    const pending = http.requestRaw(url, [], Method.POST, readable);
    await new Promise((r) => setTimeout(r, 20));
    http.cancelRequest();
    await expect(pending).rejects.toBeInstanceOf(HTTPRequestError);
    await new Promise((r) => setTimeout(r, 20));
    expect(readable.destroyed).toBe(true);
    http.close();
  });

  it('rejects with FILE_CANT_OPEN for a file that does not exist, and refuses bad arguments', async () => {
    const http = new HTTPRequest();
    const missing = RequestBody.file(join(dir, 'nope'))!;
    const error = await http.requestRaw(url, [], Method.PUT, missing).catch((e: unknown) => e);
    expect((error as HTTPRequestError).code).toBe(ErrorCode.FILE_CANT_OPEN);
    expect(RequestBody.file(file, { start: -1 })).toBeNull();
    expect(RequestBody.stream({} as never)).toBeNull();
    const bad = await http
      .requestRaw(url, [], Method.PUT, null as unknown as Uint8Array)
      .catch((e: unknown) => e);
    expect((bad as HTTPRequestError).code).toBe(ErrorCode.INVALID_PARAMETER);
    http.useThreads = true;
    const threaded = await http
      .requestRaw(url, [], Method.PUT, pieces(data))
      .catch((e: unknown) => e);
    expect((threaded as HTTPRequestError).code).toBe(ErrorCode.INVALID_PARAMETER);
    http.close();
  });

  it('reports progress for a body in memory too', async () => {
    const http = new HTTPRequest();
    let last = 0;
    http.on('upload_progress', ({ uploadedBytes }) => {
      last = uploadedBytes;
    });
    const res = await http.requestRaw(url, [], Method.POST, data);
    expect(report(res.body).bytes).toBe(data.length);
    expect(last).toBe(data.length);
    expect(http.getUploadedBytes()).toBe(data.length);
    http.close();
  });
});

/** What a scripted 100-continue server saw. */
interface Seen {
  head: string;
  /** Body bytes that arrived after the head. */
  bodyBytes: number;
  /** ms from the head to the first body byte, or -1. */
  firstBodyAfter: number;
}

/**
 * A raw server for `Expect: 100-continue`: on each request head, `continue` answers 100 and then
 * 200 after the body; `early` answers `status` at once and closes after a while (counting any
 * body bytes that still come); `silent` says nothing until the whole body came, then 200.
 */
async function expectServer(
  mode: 'continue' | 'early' | 'silent' | 'redirect',
  status = 417,
): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((socket: Socket) => {
    let buffered = Buffer.alloc(0);
    let current: Seen | null = null;
    let headAt = 0;
    let length = 0;
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      if (current === null) {
        buffered = Buffer.concat([buffered, chunk]);
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.subarray(0, end).toString('latin1');
        current = { head, bodyBytes: 0, firstBodyAfter: -1 };
        seen.push(current);
        headAt = performance.now();
        length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        chunk = buffered.subarray(end + 4);
        if (mode === 'continue') socket.write('HTTP/1.1 100 Continue\r\n\r\n');
        if (mode === 'early') {
          socket.write(
            `HTTP/1.1 ${status} No\r\nContent-Length: 2\r\nWWW-Authenticate: Basic realm="x"\r\n\r\nno`,
          );
          setTimeout(() => socket.end(), 300);
        }
      }
      if (chunk.length > 0 && current.firstBodyAfter < 0) {
        current.firstBodyAfter = performance.now() - headAt;
      }
      current.bodyBytes += chunk.length;
      if (mode === 'redirect' && seen.length === 1 && current.bodyBytes >= length) {
        current = null;
        buffered = Buffer.alloc(0);
        socket.write('HTTP/1.1 307 Again\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      if (mode !== 'early' && current.bodyBytes >= length) {
        const body = String(current.bodyBytes);
        socket.end(
          `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
        );
        current = null;
        buffered = Buffer.alloc(0);
      }
    });
  });
  const port = await listenLoopback(server as unknown as import('node:http').Server);
  return { server, url: `http://127.0.0.1:${port}/up`, seen };
}

describe('HTTPRequest with Expect: 100-continue', () => {
  const EXPECT = ['Expect: 100-continue'];

  it('sends the body once the server says 100', async () => {
    const { server, url, seen } = await expectServer('continue');
    const http = new HTTPRequest();
    const started = performance.now();
    const res = await http.requestRaw(url, EXPECT, Method.PUT, RequestBody.file(file)!);
    http.close();
    server.close();
    expect(res.responseCode).toBe(200);
    expect(decoder.decode(res.body)).toBe(String(data.length));
    expect(seen[0]!.bodyBytes).toBe(data.length);
    expect(performance.now() - started).toBeLessThan(900);
  });

  // A 417 first is sent again without the expectation (RFC 9110 §10.1.1): upload-resend.test.ts.
  it.each([401, 413])('never sends the body when the server answers %i first', async (status) => {
    const { server, url, seen } = await expectServer('early', status);
    const http = new HTTPRequest();
    const big = RequestBody.stream(Readable.from(pieces(randomBytes(64 * MIB))), {
      length: 64 * MIB,
    })!;
    const res = await http.requestRaw(url, EXPECT, Method.PUT, big);
    await new Promise((r) => setTimeout(r, 350));
    http.close();
    server.close();
    expect(res).toMatchObject({ result: Result.SUCCESS, responseCode: status });
    expect(decoder.decode(res.body)).toBe('no');
    expect(seen[0]!.bodyBytes).toBe(0);
    expect(http.getUploadedBytes()).toBe(0);
  });

  it('sends the body after a short wait when the server says nothing, bytes in memory too', async () => {
    const { server, url, seen } = await expectServer('silent');
    const http = new HTTPRequest();
    const res = await http.requestRaw(url, EXPECT, Method.POST, data);
    http.close();
    server.close();
    expect(decoder.decode(res.body)).toBe(String(data.length));
    expect(seen[0]!.firstBodyAfter).toBeGreaterThan(900);
    expect(seen[0]!.firstBodyAfter).toBeLessThan(3000);
  });
});

describe('HTTPRequest redirects with a body source', () => {
  it('sends a file again on 307, and takes a 307 as final for a stream', async () => {
    const first = await expectServer('redirect');
    const http = new HTTPRequest();
    const res = await http.requestRaw(first.url, [], Method.PUT, RequestBody.file(file)!);
    expect(res.responseCode).toBe(200);
    expect(first.seen.map((s) => s.bodyBytes)).toEqual([data.length, data.length]);
    expect(first.seen[1]!.head).toMatch(/^PUT \/again /);
    first.server.close();

    const second = await expectServer('redirect');
    const once = await http.requestRaw(second.url, [], Method.PUT, pieces(data));
    expect(once.responseCode).toBe(307);
    expect(second.seen).toHaveLength(1);
    http.close();
    second.server.close();
  });
});

const childSource = fileURLToPath(new URL('./fixtures/upload-child.ts', import.meta.url));

describe('HTTPRequest uploads at scale', () => {
  it('uploads a 1 GiB file with client RSS growth under 64 MiB', async () => {
    const GIB = 1024 * MIB;
    const big = join(dir, 'big.bin');
    // Sparse but for random MiBs at the start, the middle and the end, to catch offset mistakes.
    const fd = openSync(big, 'w');
    const marks = [0, GIB / 2 - 7, GIB - MIB].map((at) => [at, randomBytes(MIB)] as const);
    for (const [at, bytes] of marks) writeSync(fd, bytes, 0, bytes.length, at);
    closeSync(fd);
    const hash = createHash('sha256');
    let at = 0;
    const zeros = new Uint8Array(16 * MIB);
    for (const [start, bytes] of marks) {
      while (at < start) {
        const n = Math.min(zeros.length, start - at);
        hash.update(zeros.subarray(0, n));
        at += n;
      }
      hash.update(bytes);
      at += bytes.length;
    }
    const { code, stdout, stderr } = await runBundled(childSource, [url, big], 60_000);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const out = JSON.parse(stdout) as {
      result: number;
      body: string;
      uploaded: number;
      events: number;
      baseline: number;
      peak: number;
      seconds: number;
    };
    expect(out.result).toBe(Result.SUCCESS);
    expect(JSON.parse(out.body)).toMatchObject({ bytes: GIB, sha256: hash.digest('hex') });
    expect(out.uploaded).toBe(GIB);
    console.log(
      `1 GiB upload: RSS ${(out.baseline / MIB).toFixed(0)} MiB at start, peak ${(out.peak / MIB).toFixed(0)} MiB, ${(1024 / out.seconds).toFixed(0)} MiB/s, ${out.events} progress events`,
    );
    expect(out.peak - out.baseline).toBeLessThan(64 * MIB);
    rmSync(big);
  }, 60_000);
});
