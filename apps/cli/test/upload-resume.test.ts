// Issue #18, what was left: -F and -T streamed from disk (checked in a child process, whose peak
// memory must stay far below the file's size), -C - resuming a cut -o download, a 3xx's body
// without -L, and -v printing the bytes each hop sent. The same command lines beside curl are in
// curl-parity.test.ts; this file checks what a comparison with curl cannot (memory, a cut and a
// resume, what the server received byte for byte).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Action, type ScriptedServer, startScriptedServer } from '@gdhttp/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Exit } from '../src/exit-codes.js';
import { type Io, run } from '../src/run.js';

const BIN = fileURLToPath(new URL('../dist/gdhttp.js', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gdhttp-upload-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const servers: ScriptedServer[] = [];
const httpServers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const s of httpServers.splice(0)) s.close();
});
async function serve(replies: readonly Action[][]): Promise<ScriptedServer> {
  const s = await startScriptedServer({ replies });
  servers.push(s);
  return s;
}
const urlOf = (s: { host: string; port: number }, path = '/') =>
  `http://${s.host}:${s.port}${path}`;

/** What a node:http server received: method, URL, headers, body length and SHA-256. */
interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  length: number;
  sha256: string;
  /** Whether the request waited for the 100 Continue the server sent. */
  continued: boolean;
  /** The body itself when it is small (up to 64 KiB). */
  body: Buffer;
}

/** A node:http server on 127.0.0.1 that hashes what it receives and answers `done`. */
async function hashingServer() {
  const received: Received[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse, continued: boolean) => {
    const hash = createHash('sha256');
    let length = 0;
    const kept: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      length += chunk.length;
      if (length <= 64 * 1024) kept.push(chunk);
    });
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        length,
        sha256: hash.digest('hex'),
        continued,
        body: Buffer.concat(kept),
      });
      res.end('done\n');
    });
  };
  const server = createServer((req, res) => handle(req, res, false));
  server.on('checkContinue', (req, res) => {
    res.writeContinue();
    handle(req, res, true);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  httpServers.push(server);
  const { port } = server.address() as { port: number };
  return { host: '127.0.0.1', port, received };
}

/** Runs `gdhttp` in this process, with stdin when given. */
async function gdhttp(argv: string[], options: { stdin?: string; signal?: AbortSignal } = {}) {
  const out: Buffer[] = [];
  let stderr = '';
  const io: Io = {
    stdout: {
      write(chunk) {
        out.push(Buffer.from(chunk));
        return true;
      },
    },
    stderr: {
      write(chunk) {
        stderr += String(chunk);
        return true;
      },
    },
    env: {},
    cwd: dir,
  };
  if (options.stdin !== undefined) {
    const text = options.stdin;
    io.stdin = (async function* () {
      yield Buffer.from(text);
    })();
  }
  if (options.signal !== undefined) io.signal = options.signal;
  const code = await run(argv, io);
  return { code, stdout: Buffer.concat(out).toString('latin1'), stderr };
}

/** Runs the built command in a child and reports its peak resident memory (MiB). */
async function childPeak(args: string[]): Promise<{ code: number | null; peakMiB: number }> {
  // Preloaded: prints the process's peak RSS (KiB) as it exits. VmHWM, not getrusage's maxRSS:
  // Linux carries maxRSS across exec, so a child forked from this (large) test process would
  // report this process's peak.
  const probe = join(dir, 'peak-rss.cjs');
  const script = [
    "process.on('exit', () => {",
    "  const status = require('node:fs').readFileSync('/proc/self/status', 'utf8');",
    "  require('node:fs').writeSync(2, 'peak-rss ' + /VmHWM:\\s*(\\d+)/.exec(status)[1] + '\\n');",
    '});',
  ];
  writeFileSync(probe, `${script.join('\n')}\n`);
  const child = spawn(process.execPath, ['-r', probe, BIN, ...args], {
    cwd: dir,
    // The code cache (src/bin.ts) in this test's folder, not the user's.
    env: { ...process.env, GDHTTP_CACHE_DIR: join(dir, 'code-cache') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, 'close')) as [number | null];
  const kib = Number(/peak-rss (\d+)/.exec(stderr)?.[1] ?? Number.NaN);
  return { code, peakMiB: kib / 1024 };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('-T and -F stream files from disk', () => {
  const size = 192 * 1024 * 1024;
  let file: string;
  let fileSha: string;
  beforeAll(async () => {
    file = join(dir, 'big.bin');
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4096) data[i] = (i / 4096) & 0xff;
    await writeFile(file, data);
    fileSha = sha256(data);
  });

  it('-T FILE: PUT with Content-Length after a 100 Continue; memory stays far below the file', async () => {
    const server = await hashingServer();
    const r = await childPeak(['-s', '-T', file, urlOf(server, '/up/')]);
    expect(r.code).toBe(0);
    expect(server.received).toHaveLength(1);
    const [got] = server.received;
    expect(got).toMatchObject({ method: 'PUT', url: '/up/big.bin', length: size, continued: true });
    expect(got!.headers['content-length']).toBe(String(size));
    expect(got!.sha256).toBe(fileSha);
    // A file read into memory would need its 192 MiB; streamed, the process stays near its
    // own size plus a few pieces in flight.
    expect(r.peakMiB).toBeLessThan(140);
  });

  it('-F name=@FILE: the file part streamed inside the form, with its length', async () => {
    const server = await hashingServer();
    const r = await childPeak(['-s', '-F', 'note=hi', '-F', `data=@${file}`, urlOf(server)]);
    expect(r.code).toBe(0);
    const [got] = server.received;
    const boundary = /boundary=(\S+)/.exec(got!.headers['content-type'] ?? '')?.[1] ?? '';
    expect(boundary).toMatch(/^-{24}[0-9a-f]{16}$/);
    const head =
      `--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="data"; filename="big.bin"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n';
    const tail = `\r\n--${boundary}--\r\n`;
    expect(got!.length).toBe(head.length + size + tail.length);
    expect(got!.headers['content-length']).toBe(String(got!.length));
    // Over 1 MiB: curl (and gdhttp) ask for a 100 Continue first.
    expect(got!.continued).toBe(true);
    const expected = createHash('sha256')
      .update(head)
      .update(readFileSync(file))
      .update(tail)
      .digest('hex');
    expect(got!.sha256).toBe(expected);
    expect(r.peakMiB).toBeLessThan(140);
  });

  it('-T - sends stdin chunked; a 307 with -L cannot send it again (exit 65)', async () => {
    const server = await hashingServer();
    const r = await gdhttp(['-s', '-T', '-', urlOf(server, '/in')], { stdin: 'from stdin\n' });
    expect(r).toMatchObject({ code: 0, stdout: 'done\n' });
    expect(server.received[0]).toMatchObject({ method: 'PUT', url: '/in', continued: true });
    expect(server.received[0]!.headers['transfer-encoding']).toBe('chunked');
    expect(server.received[0]!.body.toString()).toBe('from stdin\n');

    const moved = await serve([
      ['HTTP/1.1 307 Temporary Redirect\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n'],
    ]);
    const again = await gdhttp(['-L', '-T', '-', urlOf(moved)], { stdin: 'once' });
    expect(again.code).toBe(Exit.REWIND);
    expect(again.stderr).toBe(
      'gdhttp: cannot send the body again to follow the 307 redirect (stdin is read once)\n',
    );
    // A file is read again for the next hop.
    await writeFile(join(dir, 'small.txt'), 'small file\n');
    const target = await hashingServer();
    const hop = await serve([
      [
        `HTTP/1.1 308 Permanent Redirect\r\nLocation: ${urlOf(target, '/there')}\r\nContent-Length: 0\r\n\r\n`,
      ],
    ]);
    const followed = await gdhttp(['-sL', '-T', 'small.txt', urlOf(hop, '/here')]);
    expect(followed).toMatchObject({ code: 0, stdout: 'done\n' });
    expect(target.received[0]).toMatchObject({ method: 'PUT', url: '/there' });
    expect(target.received[0]!.body.toString()).toBe('small file\n');
  });

  it('-f and a 417 to Expect: 100-continue: sent again without it, not a failure', async () => {
    await writeFile(join(dir, 'expect.txt'), 'expected\n');
    const s = await serve([
      ['HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n'],
      ['HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nok\n'],
    ]);
    const r = await gdhttp(['-sf', '-T', 'expect.txt', urlOf(s, '/up/')]);
    expect(r).toMatchObject({ code: 0, stdout: 'ok\n' });
    const expects = s.requests.map((q) => q.headers.find(([n]) => n === 'Expect')?.[1]);
    expect(expects).toEqual(['100-continue', undefined]);
    expect(s.requests[1]!.body.toString()).toBe('expected\n');
  });

  it('exits 26 when the -T or -F file cannot be read, before connecting', async () => {
    const server = await hashingServer();
    for (const args of [
      ['-T', 'missing.bin'],
      ['-F', 'f=@missing.bin'],
      ['-F', 'c=<missing.bin'],
    ]) {
      const r = await gdhttp([...args, urlOf(server)]);
      expect(r.code, args.join(' ')).toBe(Exit.READ_ERROR);
      expect(r.stderr).toBe("gdhttp: cannot read 'missing.bin' (ENOENT)\n");
    }
    expect(server.received).toEqual([]);
  });
});

describe('-C - resumes an -o download', () => {
  const data = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff));
  /** A file server: ETag "v1", ranges; the first answer is cut after `cut` bytes. */
  async function rangeServer(cut: number) {
    let first = true;
    const server = await startScriptedServer({
      replies: (request) => {
        const range = request.headers.find(([n]) => n.toLowerCase() === 'range')?.[1];
        const ifRange = request.headers.find(([n]) => n.toLowerCase() === 'if-range')?.[1];
        const from = Number(/^bytes=(\d+)-$/.exec(range ?? '')?.[1] ?? 0);
        if (request.requestLine.startsWith('GET /missing')) {
          return ['HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot here\n'];
        }
        if (from >= data.length) {
          return [
            `HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */${data.length}\r\nContent-Length: 0\r\n\r\n`,
          ];
        }
        const partial = from > 0 && (ifRange === undefined || ifRange === '"v1"');
        const body = data.subarray(partial ? from : 0);
        const head = partial
          ? `HTTP/1.1 206 Partial Content\r\nETag: "v1"\r\nContent-Range: bytes ${from}-${data.length - 1}/${data.length}\r\nContent-Length: ${body.length}\r\n\r\n`
          : `HTTP/1.1 200 OK\r\nETag: "v1"\r\nContent-Length: ${body.length}\r\n\r\n`;
        if (first) {
          first = false;
          return [head, body.subarray(0, cut), { delay: 20 }, { destroy: true }];
        }
        return [head, body];
      },
    });
    servers.push(server);
    return server;
  }

  it('a cut -C - download stays on disk with its validator; the next -C - asks for the rest', async () => {
    const s = await rangeServer(40_000);
    const out = join(dir, 'resumed.bin');
    const cut = await gdhttp(['-s', '-C', '-', '-o', 'resumed.bin', urlOf(s, '/file')]);
    expect(cut.code).toBe(Exit.CONNECTION_ERROR);
    expect(readFileSync(out)).toEqual(data.subarray(0, 40_000));
    expect(existsSync(join(dir, '.resumed.bin.gdhttp-resume'))).toBe(true);

    const rest = await gdhttp([
      '-s',
      '-C',
      '-',
      '-o',
      'resumed.bin',
      '-w',
      '%{http_code} %{size_download}',
      urlOf(s, '/file'),
    ]);
    expect(rest).toMatchObject({ code: 0, stdout: '206 60000' });
    expect(s.requests[1]!.headers).toEqual(
      expect.arrayContaining([
        ['Range', 'bytes=40000-'],
        ['If-Range', '"v1"'],
      ]),
    );
    expect(sha256(readFileSync(out))).toBe(sha256(data));
    expect(existsSync(join(dir, '.resumed.bin.gdhttp-resume'))).toBe(false);

    // Complete already: 416, the file as it was, exit 0 (22 with -f, as curl).
    const done = await gdhttp([
      '-s',
      '-C',
      '-',
      '-o',
      'resumed.bin',
      '-w',
      '%{http_code}',
      urlOf(s, '/file'),
    ]);
    expect(done).toMatchObject({ code: 0, stdout: '416' });
    expect(sha256(readFileSync(out))).toBe(sha256(data));
  });

  it('a 404 (or a redirect) while resuming leaves the partial file as it was, with and without -f', async () => {
    const s = await rangeServer(Number.MAX_SAFE_INTEGER);
    await writeFile(join(dir, 'kept.bin'), data.subarray(0, 500));
    const failed = await gdhttp(['-sS', '-f', '-C', '-', '-o', 'kept.bin', urlOf(s, '/missing')]);
    expect(failed.code).toBe(Exit.HTTP_ERROR);
    const plain = await gdhttp(['-s', '-C', '-', '-o', 'kept.bin', urlOf(s, '/missing')]);
    expect(plain.code).toBe(0);
    expect(readFileSync(join(dir, 'kept.bin'))).toEqual(data.subarray(0, 500));
    const moved = await serve([
      ['HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 5\r\n\r\nmoved'],
    ]);
    expect((await gdhttp(['-s', '-C', '-', '-o', 'kept.bin', urlOf(moved)])).code).toBe(0);
    expect(readFileSync(join(dir, 'kept.bin'))).toEqual(data.subarray(0, 500));
  });

  it('Ctrl-C during a -C - download keeps what arrived, for the next -C -', async () => {
    const s = await serve([
      ['HTTP/1.1 200 OK\r\nETag: "v2"\r\nContent-Length: 1000\r\n\r\npartial', { hang: true }],
    ]);
    const controller = new AbortController();
    const pending = gdhttp(['-C', '-', '-o', 'ctrl-c.bin', urlOf(s)], {
      signal: controller.signal,
    });
    await s.request(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort('SIGINT');
    expect((await pending).code).toBe(Exit.INTERRUPTED);
    expect(readFileSync(join(dir, 'ctrl-c.bin'), 'latin1')).toBe('partial');
    expect(JSON.parse(readFileSync(join(dir, '.ctrl-c.bin.gdhttp-resume'), 'utf8'))).toMatchObject({
      validator: '"v2"',
    });
  });
});

describe('3xx bodies and -v', () => {
  it('without -L a 3xx is the answer: its body on stdout, a note on stderr', async () => {
    const s = await serve([
      [
        'HTTP/1.1 301 Moved Permanently\r\nLocation: /new\r\nContent-Length: 12\r\n\r\nmoved to new',
      ],
    ]);
    const r = await gdhttp(['-w', ' %{http_code}', urlOf(s)]);
    expect(r).toMatchObject({ code: 0, stdout: 'moved to new 301' });
    expect(r.stderr).toBe('gdhttp: note: 301 Moved Permanently → /new not followed (add -L)\n');
  });

  it('-v prints each hop’s request head as the server received it, and each response head', async () => {
    const s = await serve([
      ['HTTP/1.1 302 Found\r\nLocation: /b\r\nContent-Length: 5\r\n\r\nmoved'],
      ['HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone'],
    ]);
    await writeFile(join(dir, 'v.txt'), 'upload me\n');
    const r = await gdhttp(['-vL', '-X', 'POST', '-T', 'v.txt', '-H', 'Expect:', urlOf(s, '/a')]);
    expect(r).toMatchObject({ code: 0, stdout: 'done' });
    const hops = r.stderr.split(/^\* /m).slice(1);
    expect(hops).toHaveLength(2);
    hops.forEach((hop, i) => {
      const sent = hop
        .split('\n')
        .filter((line) => line.startsWith('> '))
        .map((line) => line.slice(2));
      const raw = s.requests[i]!.raw.toString('latin1');
      expect(sent).toEqual(raw.slice(0, raw.indexOf('\r\n\r\n')).split('\r\n'));
    });
    // A URL with a file part gets no name from -T; the 302 turns the POST into a GET.
    expect(s.requests.map((q) => q.requestLine)).toEqual(['POST /a HTTP/1.1', 'GET /b HTTP/1.1']);
    expect(r.stderr).toContain('< HTTP/1.1 302 Found\n< Location: /b\n< Content-Length: 5\n<\n');
    expect(r.stderr).toContain('< HTTP/1.1 200 OK\n< Content-Length: 4\n<\n');
  });
});
