// Issue #14 (3): `useThreads` runs the whole request in a worker thread. Every scenario here runs
// with useThreads false and true and expects the same outcome, events and getters; the tests that
// only make sense with a worker (the worker ends, the body crosses as a moved buffer) follow.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ErrorCode, Method, Result, Status } from '@gdhttp/constants';
import {
  type Action,
  listenLoopback,
  type RecordedRequest,
  sha256Hex,
  startNpmProxy,
  startScriptedServer,
  testCertificates,
} from '@gdhttp/testkit';
import { TLSOptions } from '@gdhttp/transport';
import { afterAll, describe, expect, it } from 'vitest';
import { HTTPRequest, type HTTPRequestResult } from '../src/index.js';
import { serve, track } from './support/serve.js';

const dir = mkdtempSync(join(tmpdir(), 'gdhttp-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = (r: HTTPRequestResult) => Buffer.from(r.body).toString();
const ok = (body: string | Uint8Array, extra = ''): Action[] => {
  const bytes = Buffer.from(body);
  return [`HTTP/1.1 200 OK\r\nContent-Length: ${bytes.length}\r\n${extra}\r\n`, bytes];
};
const header = (r: RecordedRequest, name: string) =>
  r.headers.find(([n]) => n.toLowerCase() === name)?.[1];
/** Byte i is i & 0xff, as the scripted server's `pattern` action sends. */
const pattern = (size: number): Uint8Array => {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = i & 0xff;
  return bytes;
};
/** A new HTTPRequest with `useThreads` as given. */
const made = (useThreads: boolean): HTTPRequest => {
  const http = new HTTPRequest();
  http.useThreads = useThreads;
  expect(http.useThreads).toBe(useThreads);
  return http;
};
/** Records every request_completed of `http`. */
const completions = (http: HTTPRequest): HTTPRequestResult[] => {
  const seen: HTTPRequestResult[] = [];
  http.on('request_completed', (r) => seen.push(r));
  return seen;
};
// A worker booted through tsx (the tests run the TypeScript sources) takes up to a second.
const SLOW = 30_000;
const modes = [
  ['without threads', false],
  ['with useThreads', true],
] as const;

describe.each(modes)('HTTPRequest %s', (_, useThreads) => {
  it(
    'resolves SUCCESS with code, headers, body, progress and live getters',
    async () => {
      const s = await serve([ok('hello', 'X-A: 1\r\n')]);
      const http = made(useThreads);
      const events = completions(http);
      const progress: number[] = [];
      http.on('progress', (p) => progress.push(p.downloadedBytes));
      const pending = http.request(`http://${s.host}:${s.port}/x`);
      // Busy from request() until the completion is delivered, threads or not.
      expect(http.getHttpClientStatus()).not.toBe(Status.DISCONNECTED);
      await expect(http.request(`http://${s.host}:${s.port}/x`)).rejects.toMatchObject({
        code: ErrorCode.BUSY,
      });
      const r = await pending;
      expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
      expect(r.headers).toContain('X-A: 1');
      expect(text(r)).toBe('hello');
      expect(events).toEqual([r]);
      expect(progress.at(-1)).toBe(5);
      expect([http.getDownloadedBytes(), http.getBodySize(), http.getRedirectCount()]).toEqual([
        5, 5, 0,
      ]);
      expect(http.getFinalUrl()).toBe(`http://${s.host}:${s.port}/x`);
      http.close();
    },
    SLOW,
  );

  it(
    'follows a redirect chain and a cross-origin redirect (credentials dropped)',
    async () => {
      const far = await serve([ok('far away')]);
      const s = await serve((q) => {
        const path = q.requestLine.split(' ')[1];
        const hop = Number(path?.slice(1) ?? 0);
        if (hop < 3)
          return [`HTTP/1.1 302 Found\r\nLocation: /${hop + 1}\r\nContent-Length: 0\r\n\r\n`];
        return [
          `HTTP/1.1 301 Moved\r\nLocation: http://${far.host}:${far.port}/end\r\nContent-Length: 0\r\n\r\n`,
        ];
      });
      const http = made(useThreads);
      const r = await http.request(`http://${s.host}:${s.port}/0`, ['Authorization: Bearer t']);
      expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
      expect(text(r)).toBe('far away');
      expect(http.getRedirectCount()).toBe(4);
      expect(http.getFinalUrl()).toBe(`http://${far.host}:${far.port}/end`);
      expect(s.requests.map((q) => q.requestLine.split(' ')[1])).toEqual(['/0', '/1', '/2', '/3']);
      // The same-origin hops reused one connection, in the worker too.
      expect(s.connections).toBe(1);
      expect(header(s.requests[3]!, 'authorization')).toBe('Bearer t');
      expect(header(far.requests[0]!, 'authorization')).toBeUndefined();

      http.maxRedirects = 1;
      const limited = await http.request(`http://${s.host}:${s.port}/0`);
      expect(limited).toMatchObject({ result: Result.REDIRECT_LIMIT_REACHED, responseCode: 302 });
      expect(http.getRedirectCount()).toBe(1);
    },
    SLOW,
  );

  it(
    'decodes gzip: the body decoded, the downloaded bytes on the wire',
    async () => {
      const body = Buffer.from('gdhttp '.repeat(20_000));
      const wire = gzipSync(body);
      const s = await serve([ok(wire, 'Content-Encoding: gzip\r\n')]);
      const http = made(useThreads);
      const r = await http.request(`http://${s.host}:${s.port}/`);
      expect(r.result).toBe(Result.SUCCESS);
      expect(sha256Hex(r.body)).toBe(sha256Hex(body));
      expect(header(s.requests[0]!, 'accept-encoding')).toBe('gzip, deflate, br');
      expect([http.getDownloadedBytes(), http.getBodySize()]).toEqual([wire.length, wire.length]);

      http.acceptGzip = false;
      const raw = await http.request(`http://${s.host}:${s.port}/`);
      expect(sha256Hex(raw.body)).toBe(sha256Hex(wire));
    },
    SLOW,
  );

  it(
    'writes downloadFile (same bytes as sent) and leaves no file on failure',
    async () => {
      const size = 8 * 1024 * 1024 + 13;
      const s = await serve([
        [`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`, { pattern: size }],
        [`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`, 'short', { destroy: true }],
      ]);
      const http = made(useThreads);
      const file = join(dir, `download-${useThreads}.bin`);
      http.downloadFile = file;
      const r = await http.request(`http://${s.host}:${s.port}/`);
      expect(r.result).toBe(Result.SUCCESS);
      expect(r.body.length).toBe(0);
      expect(sha256Hex(readFileSync(file))).toBe(sha256Hex(pattern(size)));
      rmSync(file);
      const cut = await http.request(`http://${s.host}:${s.port}/`);
      expect(cut.result).toBe(Result.CONNECTION_ERROR);
      expect(readdirSync(dir).filter((f) => f.includes(`download-${useThreads}`))).toEqual([]);
    },
    SLOW,
  );

  it(
    'cancels mid-body: rejects, emits nothing, the server sees the connection close',
    async () => {
      const closed: Promise<void>[] = [];
      const server = createServer((socket: Socket) => {
        closed.push(new Promise((resolve) => socket.on('close', () => resolve())));
        socket.on('error', () => {});
        socket.once('data', () => {
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nfirst bytes');
        });
      });
      const port = await listenLoopback(server);
      try {
        const http = made(useThreads);
        const file = join(dir, `cancelled-${useThreads}.bin`);
        http.downloadFile = file;
        const events = completions(http);
        const started = new Promise<void>((resolve) => http.once('progress', () => resolve()));
        const pending = http.request(`http://127.0.0.1:${port}/`);
        await started;
        expect(http.getDownloadedBytes()).toBe(11);
        expect(http.getHttpClientStatus()).toBe(Status.BODY);
        http.cancelRequest();
        // Free at once: a setting refused while the request ran is accepted again.
        http.downloadFile = '';
        expect(http.downloadFile).toBe('');
        await expect(pending).rejects.toMatchObject({ code: ErrorCode.FAILED });
        await closed[0];
        expect(events).toEqual([]);
        expect(existsSync(file)).toBe(false);
        expect(readdirSync(dir).filter((f) => f.includes(`cancelled-${useThreads}`))).toEqual([]);
        expect(http.getHttpClientStatus()).toBe(Status.DISCONNECTED);
      } finally {
        server.close();
      }
    },
    SLOW,
  );

  it(
    'aborts with a signal: rejects with its reason',
    async () => {
      const s = await serve([['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', { hang: true }]]);
      const http = made(useThreads);
      const controller = new AbortController();
      const started = new Promise<void>((resolve) => http.once('progress', () => resolve()));
      const pending = http.request(`http://${s.host}:${s.port}/`, [], Method.GET, '', {
        signal: controller.signal,
      });
      // The head has arrived (BODY, no bytes yet) or not: either way the abort ends it.
      await Promise.race([started, new Promise((resolve) => setTimeout(resolve, 50))]);
      const stop = new Error('stop');
      controller.abort(stop);
      await expect(pending).rejects.toBe(stop);
    },
    SLOW,
  );

  it(
    'times out with TIMEOUT and request_completed',
    async () => {
      const s = await serve([
        [
          'HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n',
          { drip: 'x'.repeat(100_000), every: 5 },
        ],
      ]);
      const http = made(useThreads);
      http.timeout = 0.3;
      const events = completions(http);
      const r = await http.request(`http://${s.host}:${s.port}/`);
      expect(r).toEqual({
        result: Result.TIMEOUT,
        responseCode: 0,
        headers: [],
        body: new Uint8Array(),
      });
      expect(events).toEqual([r]);
    },
    SLOW,
  );

  it('collects a 64 MiB body whole, in a buffer of its own', async () => {
    const size = 64 * 1024 * 1024;
    const s = await serve([
      [`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`, { pattern: size }],
    ]);
    const http = made(useThreads);
    const r = await http.request(`http://${s.host}:${s.port}/`);
    expect(r.result).toBe(Result.SUCCESS);
    expect(r.body.length).toBe(size);
    // Moved from the worker without a copy: the whole buffer is the body.
    expect([r.body.byteOffset, r.body.buffer.byteLength]).toEqual([0, size]);
    expect(sha256Hex(r.body)).toBe(sha256Hex(pattern(size)));
  }, 60_000);

  it(
    'verifies TLS against a test CA (rebuilt in the worker from PEM)',
    async () => {
      const certs = await testCertificates();
      const tls = await startScriptedServer({
        tls: { key: certs.valid.key, cert: certs.valid.cert },
        replies: [ok('secure')],
      });
      track(tls);
      const http = made(useThreads);
      // No CA given: the system's CAs do not know the test CA.
      expect((await http.request(`https://localhost:${tls.port}/`)).result).toBe(
        Result.TLS_HANDSHAKE_ERROR,
      );
      http.setTlsOptions(TLSOptions.client(certs.ca.cert));
      expect(text(await http.request(`https://localhost:${tls.port}/`))).toBe('secure');
      // The name override is checked too: the certificate does not name wrong.example.
      http.setTlsOptions(TLSOptions.client(certs.ca.cert, 'wrong.example'));
      expect((await http.request(`https://localhost:${tls.port}/`)).result).toBe(
        Result.TLS_HANDSHAKE_ERROR,
      );
      http.setTlsOptions(TLSOptions.clientUnsafe());
      expect(text(await http.request(`https://localhost:${tls.port}/`))).toBe('secure');
    },
    SLOW,
  );

  it(
    'goes through an HTTP proxy, with the proxy credentials',
    async () => {
      const proxy = await startNpmProxy({ auth: { user: 'gd', pass: 's3cret' } });
      try {
        const s = await serve([ok('proxied')]);
        const http = made(useThreads);
        http.setHttpProxy(proxy.host, proxy.port);
        expect((await http.request(`http://${s.host}:${s.port}/p`)).responseCode).toBe(407);
        http.setHttpProxy(proxy.host, proxy.port, 'gd', 's3cret');
        expect(text(await http.request(`http://${s.host}:${s.port}/p`))).toBe('proxied');
        expect(header(s.requests[0]!, 'proxy-authorization')).toBeUndefined();
      } finally {
        await proxy.close();
      }
    },
    SLOW,
  );

  it(
    'applies bodySizeLimit, header limits and downloadChunkSize',
    async () => {
      const s = await serve((q) =>
        q.requestLine.includes('/big-head')
          ? [`HTTP/1.1 200 OK\r\nX-Big: ${'h'.repeat(2000)}\r\nContent-Length: 2\r\n\r\nok`]
          : ok('z'.repeat(5000)),
      );
      const http = made(useThreads);
      http.bodySizeLimit = 4999;
      expect((await http.request(`http://${s.host}:${s.port}/`)).result).toBe(
        Result.BODY_SIZE_LIMIT_EXCEEDED,
      );
      http.bodySizeLimit = -1;
      http.downloadChunkSize = 256;
      const sizes: number[] = [];
      http.on('progress', (p) => sizes.push(p.downloadedBytes));
      expect((await http.request(`http://${s.host}:${s.port}/`)).body.length).toBe(5000);
      expect(sizes.at(-1)).toBe(5000);
      // At most 256 bytes per read: at least 5000 / 256 progress events.
      expect(sizes.length).toBeGreaterThanOrEqual(Math.ceil(5000 / 256));
      http.maxHeaderSize = 1024;
      expect((await http.request(`http://${s.host}:${s.port}/big-head`)).result).toBe(
        Result.CONNECTION_ERROR,
      );
    },
    SLOW,
  );

  it(
    'streams to onBody in order with backpressure; its error rejects the request',
    async () => {
      // More than the worker lets wait for onBody (4 MiB), so its reads stop and resume.
      const size = 12 * 1024 * 1024;
      const s = await serve([
        [`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`, { pattern: size }],
      ]);
      const http = made(useThreads);
      const pieces: Uint8Array[] = [];
      let calls = 0;
      const r = await http.request(`http://${s.host}:${s.port}/`, [], Method.GET, '', {
        onBody: async (chunk) => {
          // A slow consumer: every eighth piece waits a moment.
          if (++calls % 8 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
          pieces.push(chunk.slice());
        },
      });
      expect(r.result).toBe(Result.SUCCESS);
      expect(r.body.length).toBe(0);
      expect(sha256Hex(Buffer.concat(pieces))).toBe(sha256Hex(pattern(size)));

      const boom = new Error('consumer failed');
      const failed = http.request(`http://${s.host}:${s.port}/`, [], Method.GET, '', {
        onBody: () => {
          throw boom;
        },
      });
      await expect(failed).rejects.toBe(boom);
    },
    SLOW,
  );

  it(
    'rejects CANT_CONNECT and emits it, for connection parameters the client refuses',
    async () => {
      const http = made(useThreads);
      const events = completions(http);
      await expect(http.request('http://abc:1/')).rejects.toMatchObject({
        code: ErrorCode.CANT_CONNECT,
      });
      expect(events.map((e) => e.result)).toEqual([Result.CANT_CONNECT]);
      expect((await http.request('http://no-such-host.invalid/')).result).toBe(Result.CANT_RESOLVE);
    },
    SLOW,
  );
});

describe('HTTPRequest useThreads', () => {
  it(
    'defaults to false; refused while a request runs (BUSY) and when not a boolean',
    async () => {
      const s = await serve([[{ delay: 30 }, ...ok('x')]]);
      const http = new HTTPRequest();
      expect(http.useThreads).toBe(false);
      // biome-ignore lint/suspicious/noExplicitAny: deliberate misuse, as untyped callers make it.
      http.useThreads = 'yes' as any;
      expect(http.useThreads).toBe(false);
      expect(http.lastError?.code).toBe(ErrorCode.INVALID_PARAMETER);
      const pending = http.request(`http://${s.host}:${s.port}/`);
      http.useThreads = true;
      expect(http.useThreads).toBe(false);
      expect(http.lastError?.code).toBe(ErrorCode.BUSY);
      await pending;
      http.useThreads = true;
      const threaded = http.request(`http://${s.host}:${s.port}/`);
      http.useThreads = false;
      expect(http.useThreads).toBe(true);
      expect((await threaded).result).toBe(Result.SUCCESS);
      http.useThreads = false;
      expect(http.useThreads).toBe(false);
    },
    SLOW,
  );

  it(
    'forwards settings without a guard to the running request (maxRedirects)',
    async () => {
      const s = await serve([
        [{ delay: 300 }, 'HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n'],
        ok('next'),
      ]);
      const http = made(true);
      const pending = http.request(`http://${s.host}:${s.port}/`);
      http.maxRedirects = 0;
      expect((await pending).result).toBe(Result.REDIRECT_LIMIT_REACHED);
    },
    SLOW,
  );

  it(
    'keeps the caller’s request body (it is copied to the worker, not moved)',
    async () => {
      const s = await serve([ok('stored')]);
      const http = made(true);
      const body = new TextEncoder().encode('payload');
      const r = await http.requestRaw(`http://${s.host}:${s.port}/`, [], Method.POST, body);
      expect(r.result).toBe(Result.SUCCESS);
      expect(new TextDecoder().decode(body)).toBe('payload');
      expect(s.requests[0]!.body.toString()).toBe('payload');
    },
    SLOW,
  );
});

const childSource = fileURLToPath(new URL('./fixtures/use-threads-child.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs the fixture with node and tsx (the worker boots through tsx too); kills it after `ms`. */
function runChild(args: string[], ms: number) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@gdhttp/source', childSource, ...args],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], timeout: ms },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise<{
    code: number | null;
    signal: string | null;
    stdout: string;
    stderr: string;
  }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

describe('HTTPRequest useThreads: the worker ends with its request', () => {
  it.each([
    ['abandoned with a timeout, against a server that never answers', 'abandon-timeout'],
    ['abandoned after it completed', 'abandon-complete'],
    ['cancelled mid-body, its promise ignored', 'cancel'],
  ])(
    'a process whose threaded request is %s exits on its own',
    async (_, mode) => {
      const s = await serve((q) =>
        q.requestLine.includes('/hang')
          ? [{ hang: true }]
          : [
              'HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n',
              { drip: 'x'.repeat(2000), chunk: 100, every: 5 },
            ],
      );
      const run = await runChild([`http://${s.host}:${s.port}/`, mode], 20_000);
      // Killed by the bound (a worker holding the process) would show as signal SIGTERM.
      expect({ code: run.code, signal: run.signal, stderr: run.stderr }).toEqual({
        code: 0,
        signal: null,
        stderr: '',
      });
      expect(run.stdout.trim()).toBe('started');
    },
    30_000,
  );
});
