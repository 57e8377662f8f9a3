// MultipartForm against a real parser — Debian's httpbin (Flask/Werkzeug under gunicorn), whose
// /post echoes the fields and files it parsed — and, byte for byte, against a scripted server:
// the HTML escapes of names and filenames, Content-Length when every length is known, chunked
// otherwise, and files read as they are sent.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ErrorCode, Method, Result } from '@gdhttp/constants';
import {
  type HttpbinServer,
  type ScriptedServer,
  startHttpbin,
  startScriptedServer,
  systemTools,
} from '@gdhttp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTPRequest, type HTTPRequestError, MultipartForm, RequestBody } from '../src/index.js';

const httpbinTools = systemTools('gunicorn', 'httpbin');
let dir: string;
let textFile: string;
const FILE_TEXT = 'line one\nline two\n'.repeat(5000); // 90,000 bytes: several pieces

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gdhttp-multipart-'));
  textFile = join(dir, 'notes.txt');
  await writeFile(textFile, FILE_TEXT);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const header = (lines: readonly (readonly [string, string])[], name: string) =>
  lines.find(([n]) => n.toLowerCase() === name)?.[1];

describe('MultipartForm', () => {
  describe('on the wire (scripted server)', () => {
    let server: ScriptedServer;
    beforeAll(async () => {
      server = await startScriptedServer({
        replies: () => ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'],
      });
    });
    afterAll(async () => {
      await server.close();
    });

    it('escapes names and filenames as HTML does, normalizes field line breaks, and sends Content-Length', async () => {
      const form = new MultipartForm()
        .append('a"b\nc', 'x\ny\rz\r\nw')
        .appendFile('f', new TextEncoder().encode('raw\nbytes'), {
          filename: 'q"u\r\no\n.txt',
          contentType: 'text/plain',
        })
        .appendFile('g', textFile);
      const { headers, body, length } = await form.encode();
      expect(form.boundary).toMatch(/^gdhttp-[0-9a-f]{32}$/);
      expect(headers).toEqual([`Content-Type: multipart/form-data; boundary=${form.boundary}`]);
      const http = new HTTPRequest();
      const done = await http.requestRaw(
        `http://127.0.0.1:${server.port}/`,
        headers,
        Method.POST,
        body,
      );
      http.close();
      expect(done.result).toBe(Result.SUCCESS);
      const request = server.requests.at(-1)!;
      expect(header(request.headers, 'content-length')).toBe(String(length));
      expect(header(request.headers, 'transfer-encoding')).toBeUndefined();
      const b = form.boundary;
      expect(request.body.toString('utf8')).toBe(
        `--${b}\r\nContent-Disposition: form-data; name="a%22b%0D%0Ac"\r\n\r\nx\r\ny\r\nz\r\nw\r\n` +
          `--${b}\r\nContent-Disposition: form-data; name="f"; filename="q%22u%0D%0Ao%0A.txt"\r\nContent-Type: text/plain\r\n\r\nraw\nbytes\r\n` +
          `--${b}\r\nContent-Disposition: form-data; name="g"; filename="notes.txt"\r\nContent-Type: application/octet-stream\r\n\r\n${FILE_TEXT}\r\n` +
          `--${b}--\r\n`,
      );
      expect(request.body.length).toBe(length);
    });

    it('sends a form with a stream of unknown length chunked, and one with a given length with Content-Length', async () => {
      const http = new HTTPRequest();
      for (const length of [undefined, 6]) {
        const form = new MultipartForm().appendFile(
          's',
          Readable.from([Buffer.from('abc'), Buffer.from('def')]),
          length === undefined ? {} : { length },
        );
        const encoded = await form.encode();
        expect(encoded.length === -1).toBe(length === undefined);
        const done = await http.requestRaw(
          `http://127.0.0.1:${server.port}/`,
          encoded.headers,
          Method.POST,
          encoded.body,
        );
        expect(done.result).toBe(Result.SUCCESS);
        const request = server.requests.at(-1)!;
        expect(header(request.headers, 'transfer-encoding')).toBe(
          length === undefined ? 'chunked' : undefined,
        );
        expect(request.body.toString()).toContain(
          'filename="blob"\r\nContent-Type: application/octet-stream\r\n\r\nabcdef\r\n',
        );
      }
      http.close();
    });

    it('never loads a file: 64 MiB sent from a path costs a few MiB', async () => {
      const big = join(dir, 'big.bin');
      await writeFile(big, new Uint8Array(64 << 20));
      const form = new MultipartForm().appendFile('big', big);
      const { headers, body, length } = await form.encode();
      expect(body).toBeInstanceOf(RequestBody);
      expect(length).toBeGreaterThan(64 << 20);
      // A server that counts and drops what it receives (the scripted one keeps it all), in a
      // process of its own: in this one, the 64 MiB it reads in new buffers per read were
      // counted in this process's arrayBuffers until a GC freed them (a run measured 32.4 MiB).
      const counter = spawn(
        process.execPath,
        [
          '-e',
          `const server = require('node:http').createServer((req, res) => {
             let n = 0;
             req.on('data', (chunk) => { n += chunk.length; });
             req.on('end', () => res.end(String(n)));
           });
           server.listen(0, '127.0.0.1', () => console.log(server.address().port));`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const [line] = (await once(counter.stdout!, 'data')) as [Buffer];
      const port = Number(line.toString().trim());
      const http = new HTTPRequest();
      const before = process.memoryUsage().arrayBuffers;
      let peak = before;
      const watch = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      }, 5);
      const done = await http.requestRaw(`http://127.0.0.1:${port}/`, headers, Method.POST, body);
      clearInterval(watch);
      http.close();
      counter.kill();
      expect(done.result).toBe(Result.SUCCESS);
      expect(Number(new TextDecoder().decode(done.body))).toBe(length);
      expect(peak - before).toBeLessThan(32 << 20);
      await rm(big);
    });

    it.each([
      ['a name that is not a string', (f: MultipartForm) => f.append(1 as unknown as string, 'v')],
      [
        'a file that is not a file',
        (f: MultipartForm) => f.appendFile('f', 42 as unknown as string),
      ],
      [
        'a contentType with CRLF',
        (f: MultipartForm) => f.appendFile('f', textFile, { contentType: 'a\r\nb: c' }),
      ],
      [
        'a negative length',
        (f: MultipartForm) => f.appendFile('f', Readable.from([]), { length: -2 }),
      ],
    ])('rejects %s with INVALID_PARAMETER from encode(), never throwing', async (_, misuse) => {
      const form = new MultipartForm();
      expect(() => misuse(form)).not.toThrow();
      const error = await form.encode().catch((e: unknown) => e);
      expect((error as HTTPRequestError).code).toBe(ErrorCode.INVALID_PARAMETER);
    });
  });

  describe.skipIf(!httpbinTools.shouldRun)(`against httpbin /post${httpbinTools.skipNote}`, () => {
    let httpbin: HttpbinServer;
    beforeAll(async () => {
      httpbinTools.require();
      httpbin = await startHttpbin();
    }, 30_000);
    afterAll(async () => {
      await httpbin?.close();
    });

    it.each([
      ['Content-Length', 90_000],
      ['chunked', undefined],
    ])(
      'is parsed into fields and files (%s)',
      async (_, streamLength) => {
        const handle = await open(textFile, 'r');
        try {
          const form = new MultipartForm()
            .append('title', 'holiday ☀')
            .append('empty', '')
            .appendFile('path', textFile, { contentType: 'text/plain' })
            .appendFile('handle', handle, { filename: 'h.txt' })
            .appendFile('range', RequestBody.file(textFile, { start: 9, length: 8 })!, {
              filename: 'r.txt',
            })
            .appendFile(
              'stream',
              Readable.from([Buffer.from(FILE_TEXT)]),
              streamLength === undefined ? {} : { length: streamLength },
            );
          const { headers, body } = await form.encode();
          const http = new HTTPRequest();
          const done = await http.requestRaw(`${httpbin.url}/post`, headers, Method.POST, body);
          http.close();
          expect(done.result).toBe(Result.SUCCESS);
          expect(done.responseCode).toBe(200);
          const echoed = JSON.parse(new TextDecoder().decode(done.body)) as {
            form: Record<string, string>;
            files: Record<string, string>;
          };
          expect(echoed.form).toEqual({ title: 'holiday ☀', empty: '' });
          expect(echoed.files).toEqual({
            path: FILE_TEXT,
            handle: FILE_TEXT,
            range: 'line two',
            stream: FILE_TEXT,
          });
        } finally {
          await handle.close();
        }
      },
      30_000,
    );
  });
});
