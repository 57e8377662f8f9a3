// Issue #16, resumable downloads: keepPartialDownload and appendToDownloadFile (Godot's
// keep_partial_download / append_to_download_file), and a retry that continues a cut body with a
// range request. nginx serves the file (ETag, Last-Modified, Range, If-Range, 416); scripted
// servers cut the same bytes, with nginx's validators, at chosen offsets.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Method, Result } from '@gdhttp/constants';
import {
  type Action,
  headerValue,
  type NginxServer,
  type RecordedRequest,
  type ScriptedServer,
  sha256Hex,
  startNginx,
  startScriptedServer,
} from '@gdhttp/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HTTPRequest, type HTTPRequestRetry } from '../src/index.js';

const SIZE = 200_000;
const PATH = `/files/${SIZE}.bin`;
let nginx: NginxServer;
let bytes: Buffer;
let validators: string[];
let dir: string;
const servers: ScriptedServer[] = [];

beforeAll(async () => {
  nginx = await startNginx({ fileSizes: [SIZE] });
  bytes = readFileSync(join(nginx.dir, 'www', 'files', `${SIZE}.bin`));
  const http = new HTTPRequest();
  const head = await http.request(`${nginx.url}${PATH}`, [], Method.HEAD);
  http.close();
  validators = head.headers.filter((h) => /^(etag|last-modified):/i.test(h));
  expect(validators).toHaveLength(2);
});
afterAll(async () => {
  await nginx?.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gdhttp-resume-'));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

/** nginx's 200 for the file, cut after `offset` body bytes. */
function cut(offset: number): Action[] {
  return [
    `HTTP/1.1 200 OK\r\nContent-Length: ${SIZE}\r\nAccept-Ranges: bytes\r\n${validators.join('\r\n')}\r\n\r\n`,
    bytes.subarray(0, offset),
    { destroy: true },
  ];
}

async function serve(reply: (q: RecordedRequest) => Action[]): Promise<ScriptedServer> {
  const s = await startScriptedServer({ replies: reply });
  servers.push(s);
  return s;
}

const header = (q: RecordedRequest, name: string) =>
  q.headers.find(([n]) => n.toLowerCase() === name)?.[1];

const OFFSETS = [0, 1, SIZE / 2, SIZE - 1];

describe('HTTPRequest keepPartialDownload and appendToDownloadFile', () => {
  it.each(OFFSETS)(
    'keeps a download cut after %i bytes and completes it with Range and If-Range: sha256 equal',
    async (offset) => {
      const s = await serve(() => cut(offset));
      const target = join(dir, 'file.bin');
      const http = new HTTPRequest();
      http.downloadFile = target;
      http.keepPartialDownload = true;
      const first = await http.request(`http://${s.host}:${s.port}${PATH}`);
      expect(first.result).toBe(Result.CONNECTION_ERROR);
      expect(readFileSync(target).length).toBe(offset);
      // The validator was saved beside the partial file (a strong ETag).
      expect(readFileSync(join(dir, '.file.bin.gdhttp-resume'), 'utf8')).toContain('"');

      http.appendToDownloadFile = true;
      const second = await http.request(`${nginx.url}${PATH}`);
      http.close();
      expect(second.result).toBe(Result.SUCCESS);
      expect(second.responseCode).toBe(offset === 0 ? 200 : 206);
      expect(sha256Hex(await readFile(target))).toBe(nginx.file(SIZE).sha256);
      expect(existsSync(join(dir, '.file.bin.gdhttp-resume'))).toBe(false);
      const [entry] = (await nginx.logged(PATH, 1)).slice(-1);
      expect(entry?.bodyBytesSent).toBe(SIZE - offset);
    },
  );

  it('asks for the rest at every hop of a redirect chain and appends the final 206', async () => {
    const target = join(dir, 'file.bin');
    writeFileSync(target, bytes.subarray(0, 12_345));
    const http = new HTTPRequest();
    http.downloadFile = target;
    http.appendToDownloadFile = true;
    const r = await http.request(`${nginx.url}/redirect/302/redirect/307${PATH}?chain`);
    http.close();
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 206 });
    expect(http.getRedirectCount()).toBe(2);
    expect(sha256Hex(await readFile(target))).toBe(nginx.file(SIZE).sha256);
  });

  it('starts over when the file changed (If-Range does not match: 200)', async () => {
    const target = join(dir, 'file.bin');
    writeFileSync(target, Buffer.alloc(5000, 0x78));
    writeFileSync(
      join(dir, '.file.bin.gdhttp-resume'),
      JSON.stringify({ validator: '"0-changed"', length: SIZE }),
    );
    const http = new HTTPRequest();
    http.downloadFile = target;
    http.appendToDownloadFile = true;
    const r = await http.request(`${nginx.url}${PATH}?changed`);
    http.close();
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
    expect(sha256Hex(await readFile(target))).toBe(nginx.file(SIZE).sha256);
  });

  it('reports a file already complete on 416 and leaves it as it is', async () => {
    const target = join(dir, 'file.bin');
    writeFileSync(target, bytes);
    const etag = validators
      .find((v) => /^etag/i.test(v))!
      .slice(5)
      .trim();
    writeFileSync(
      join(dir, '.file.bin.gdhttp-resume'),
      JSON.stringify({ validator: etag, length: SIZE }),
    );
    const http = new HTTPRequest();
    http.downloadFile = target;
    http.appendToDownloadFile = true;
    const r = await http.request(`${nginx.url}${PATH}?complete`);
    http.close();
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 416 });
    expect(headerValue(r.headers, 'content-range')).toBe(`bytes */${SIZE}`);
    expect(sha256Hex(await readFile(target))).toBe(nginx.file(SIZE).sha256);
    expect(existsSync(join(dir, '.file.bin.gdhttp-resume'))).toBe(false);
  });

  it('asks again without a range when a 416 names another length', async () => {
    const target = join(dir, 'file.bin');
    writeFileSync(target, Buffer.concat([bytes, Buffer.from('extra')]));
    const http = new HTTPRequest();
    http.downloadFile = target;
    http.appendToDownloadFile = true;
    const r = await http.request(`${nginx.url}${PATH}?longer`);
    http.close();
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
    expect(sha256Hex(await readFile(target))).toBe(nginx.file(SIZE).sha256);
    const log = await nginx.logged('?longer', 2);
    expect(log.map((e) => e.status)).toEqual([416, 200]);
  });

  it('appends a 206 to the caller’s own Range as Godot does', async () => {
    const target = join(dir, 'file.bin');
    writeFileSync(target, bytes.subarray(0, 1000));
    const http = new HTTPRequest();
    http.downloadFile = target;
    http.appendToDownloadFile = true;
    const r = await http.request(`${nginx.url}${PATH}`, ['Range: bytes=1000-']);
    http.close();
    expect(r.responseCode).toBe(206);
    expect(sha256Hex(await readFile(target))).toBe(nginx.file(SIZE).sha256);
  });

  it('without keepPartialDownload, a cut resumed download puts the file back as it was', async () => {
    const target = join(dir, 'file.bin');
    writeFileSync(target, bytes.subarray(0, 1000));
    const s = await serve(() => [
      `HTTP/1.1 206 Partial Content\r\nContent-Length: ${SIZE - 1000}\r\nContent-Range: bytes 1000-${SIZE - 1}/${SIZE}\r\n\r\n`,
      bytes.subarray(1000, 5000),
      { destroy: true },
    ]);
    const http = new HTTPRequest();
    http.downloadFile = target;
    http.appendToDownloadFile = true;
    const r = await http.request(`http://${s.host}:${s.port}${PATH}`);
    http.close();
    expect(r.result).toBe(Result.CONNECTION_ERROR);
    expect(header(s.requests[0]!, 'range')).toBe('bytes=1000-');
    expect(readFileSync(target)).toEqual(bytes.subarray(0, 1000));
  });

  it('keeps what arrived when the download is cancelled, and leaves no file without it', async () => {
    const s = await serve(() => [...cut(SIZE / 4).slice(0, 2), { hang: true }]);
    const url = `http://${s.host}:${s.port}${PATH}`;
    for (const keep of [true, false]) {
      const target = join(dir, `${keep}.bin`);
      const http = new HTTPRequest();
      http.downloadFile = target;
      http.keepPartialDownload = keep;
      http.on('progress', ({ downloadedBytes }) => {
        // After the piece is written: progress comes before the piece goes to the file.
        if (downloadedBytes === SIZE / 4) setTimeout(() => http.cancelRequest(), 20);
      });
      await expect(http.request(url)).rejects.toThrow(/cancelled/);
      http.close();
      expect(existsSync(target)).toBe(keep);
      expect(existsSync(join(dir, `.${keep}.bin.gdhttp-resume`))).toBe(keep);
      if (keep) expect(readFileSync(target)).toEqual(bytes.subarray(0, SIZE / 4));
    }
  });

  it('runs the same in a worker thread (useThreads)', async () => {
    const offset = SIZE / 2;
    const s = await serve(() => cut(offset));
    const target = join(dir, 'file.bin');
    const http = new HTTPRequest();
    http.useThreads = true;
    http.downloadFile = target;
    http.keepPartialDownload = true;
    http.appendToDownloadFile = true;
    expect((await http.request(`http://${s.host}:${s.port}${PATH}`)).result).toBe(
      Result.CONNECTION_ERROR,
    );
    expect(readFileSync(target).length).toBe(offset);
    const r = await http.request(`${nginx.url}${PATH}`);
    http.close();
    expect(r.responseCode).toBe(206);
    expect(sha256Hex(await readFile(target))).toBe(nginx.file(SIZE).sha256);
  });
});

describe('HTTPRequest retries of a cut download', () => {
  /**
   * A server that cuts the first response after `offset` bytes, then sends the retry (whatever
   * it asks for) on to nginx with a 307: the rest comes from a real server's Range handling.
   */
  async function cutThenNginx(offset: number): Promise<ScriptedServer> {
    return serve((q) =>
      q.index === 0
        ? cut(offset)
        : [
            `HTTP/1.1 307 Temporary Redirect\r\nLocation: ${nginx.url}${PATH}\r\nContent-Length: 0\r\n\r\n`,
          ],
    );
  }

  it.each(OFFSETS)(
    'continues a body cut after %i bytes with a range, through a redirect (memory)',
    async (offset) => {
      const s = await cutThenNginx(offset);
      const http = new HTTPRequest();
      http.retries = 2;
      http.retryDelay = 0;
      const events: HTTPRequestRetry[] = [];
      http.on('retry', (e) => events.push(e));
      const r = await http.request(`http://${s.host}:${s.port}${PATH}`);
      http.close();
      expect(r.result).toBe(Result.SUCCESS);
      expect(r.responseCode).toBe(offset === 0 ? 200 : 206);
      expect(sha256Hex(r.body)).toBe(nginx.file(SIZE).sha256);
      expect(events).toEqual([
        expect.objectContaining({
          attempt: 1,
          retries: 2,
          result: Result.CONNECTION_ERROR,
          responseCode: 0,
          resumeFrom: offset,
        }),
      ]);
      const retry = s.requests[1]!;
      expect(header(retry, 'range')).toBe(offset === 0 ? undefined : `bytes=${offset}-`);
      expect(header(retry, 'if-range')).toBe(
        offset === 0
          ? undefined
          : validators
              .find((v) => /^etag/i.test(v))!
              .slice(5)
              .trim(),
      );
    },
  );

  it.each(OFFSETS)('continues a download file cut after %i bytes', async (offset) => {
    const s = await cutThenNginx(offset);
    const target = join(dir, 'file.bin');
    const http = new HTTPRequest();
    http.retries = 1;
    http.retryDelay = 0;
    http.downloadFile = target;
    const r = await http.request(`http://${s.host}:${s.port}${PATH}`);
    http.close();
    expect(r.result).toBe(Result.SUCCESS);
    expect(sha256Hex(await readFile(target))).toBe(nginx.file(SIZE).sha256);
  });

  it('starts over when the retry is answered 200 (the file changed)', async () => {
    const s = await serve((q) =>
      q.index === 0 ? cut(SIZE / 2) : [`HTTP/1.1 200 OK\r\nContent-Length: ${SIZE}\r\n\r\n`, bytes],
    );
    const http = new HTTPRequest();
    http.retries = 1;
    http.retryDelay = 0;
    http.downloadFile = join(dir, 'file.bin');
    const r = await http.request(`http://${s.host}:${s.port}${PATH}`);
    http.close();
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
    expect(sha256Hex(await readFile(join(dir, 'file.bin')))).toBe(nginx.file(SIZE).sha256);
  });

  it('never retries a body handed to onBody that cannot be continued', async () => {
    const s = await serve((q) =>
      q.index === 0
        ? [`HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n`, 'abcde', { destroy: true }]
        : [`HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n`, '0123456789'],
    );
    const http = new HTTPRequest();
    http.retries = 1;
    http.retryDelay = 0;
    const pieces: string[] = [];
    const r = await http.request(`http://${s.host}:${s.port}/`, [], Method.GET, '', {
      onBody: (chunk) => {
        pieces.push(Buffer.from(chunk).toString());
      },
    });
    http.close();
    expect(r.result).toBe(Result.CONNECTION_ERROR);
    expect(pieces.join('')).toBe('abcde');
    expect(s.requests).toHaveLength(1);
  });
});
