/**
 * Captures the responses of the `real` parser corpora (real-heads.json beside this file) from the
 * real servers the test suite starts: Debian's nginx and httpbin under gunicorn, through
 * `@gdhttp/testkit`'s `startNginx()` and `startHttpbin()` (imported from its source: the bench
 * does not depend on the test kit, and only this script, run by hand, needs it).
 *
 *   pnpm --filter @gdhttp/bench exec tsx --conditions=@gdhttp/source src/parser/capture-real-heads.ts
 *
 * It takes ~15 s and rewrites the fixture. Requests go out over raw sockets (nginx: one keep-alive
 * connection per round; gunicorn answers `Connection: close`, so one connection per request) and
 * every response is kept byte for byte, its head and its body as they came off the socket (chunk
 * framing included). The values a server changes per response change here too: the rounds are
 * spread over several seconds (`Date`), every nginx file gets a new modification time before each
 * round (`ETag`, `Last-Modified`), and the httpbin requests carry fresh random tokens that come
 * back as cookies, ETags, request ids, redirect targets and body lengths.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { utimes, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ResponseParser } from '@gdhttp/parser';
import { startHttpbin } from '../../../packages/testkit/src/httpbin-server.ts';
import { startNginx } from '../../../packages/testkit/src/nginx-server.ts';
import type { CapturedHeads, CapturedResponse } from './corpora.ts';

const ROUNDS = 8;
const FILE_SIZES = [0, 13, 100, 512, 1000, 2048];

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const token = (n: number) =>
  randomBytes(n)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, 'x')
    .slice(0, n);

/**
 * Sends each request on one connection, in turn, and returns each whole response, split where
 * the parser saw the head end and the response end.
 */
function exchange(port: number, requests: string[]): Promise<{ head: Buffer; body: Buffer }[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const out: { head: Buffer; body: Buffer }[] = [];
    let pending = Buffer.alloc(0);
    let headEnd = -1;
    let done = false;
    let parser = fresh();
    function fresh(): ResponseParser {
      headEnd = -1;
      done = false;
      return new ResponseParser({
        onHeadersComplete(head) {
          headEnd = head.headEnd;
        },
        onMessageComplete() {
          done = true;
          parser.pause();
        },
      });
    }
    const next = () => {
      const request = requests[out.length];
      if (request === undefined) {
        socket.end();
        resolve(out);
        return;
      }
      socket.write(request);
    };
    socket.on('data', (data: Buffer) => {
      const start = pending.length;
      pending = Buffer.concat([pending, data]);
      parser.execute(data);
      if (!done) return;
      const end = parser.bytesParsed;
      if (end > pending.length || start > end) throw new Error('bytes after the response');
      out.push({ head: pending.subarray(0, headEnd), body: pending.subarray(headEnd, end) });
      pending = Buffer.alloc(0);
      parser = fresh();
      next();
    });
    socket.on('error', reject);
    socket.on('end', () => {
      if (out.length < requests.length) {
        reject(new Error(`connection closed after ${out.length} of ${requests.length}`));
      }
    });
    socket.on('connect', next);
  });
}

const get = (target: string, headers: string[] = []) =>
  `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: gdhttp-bench\r\nAccept: */*\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;

/** The requests of one nginx round: files, conditional and range requests, redirects, errors. */
function nginxRound(): { from: string; request: string }[] {
  const list: { from: string; request: string }[] = [];
  for (const size of FILE_SIZES)
    list.push({ from: `/files/${size}.bin`, request: get(`/files/${size}.bin`) });
  list.push({
    from: '/files/512.bin Range',
    request: get('/files/512.bin', ['Range: bytes=0-99']),
  });
  list.push({ from: '/files/missing-<random>', request: get(`/files/missing-${hex(4)}.bin`) });
  for (const code of [301, 302, 307]) {
    list.push({
      from: `/redirect/${code}/<random>`,
      request: get(`/redirect/${code}/files/${hex(6)}.bin`),
    });
  }
  list.push({ from: '/status/204', request: get('/status/204') });
  return list;
}

/** The requests of one httpbin round: JSON echoes, cookies, ETags, headers set by query. */
function httpbinRound(): { from: string; request: string }[] {
  const q = encodeURIComponent;
  const targets: [from: string, target: string][] = [
    ['/get', `/get?page=${hex(2)}`],
    ['/cookies/set', `/cookies/set?session=${token(24)}&csrftoken=${token(32)}`],
    [
      '/response-headers',
      `/response-headers?X-Request-Id=${randomUUID()}&Cache-Control=${q('private, max-age=0')}`,
    ],
    ['/etag/<random>', `/etag/${hex(8)}`],
    ['/uuid', '/uuid'],
    ['/cache/<n>', `/cache/${60 + (randomBytes(1)[0]! % 200)}`],
    ['/status/201', '/status/201'],
    ['/status/404', '/status/404'],
    ['/redirect-to', `/redirect-to?url=${q(`/get?next=${hex(3)}`)}&status_code=302`],
    ['/json', '/json'],
    ['/robots.txt', '/robots.txt'],
    ['/stream/2', '/stream/2'],
    ['/base64/<random>', `/base64/${Buffer.from(`gdhttp ${token(12)}`).toString('base64url')}`],
    ['/headers', '/headers'],
    ['/deny', '/deny'],
  ];
  return targets.map(([from, target]) => ({ from, request: get(target) }));
}

async function main(): Promise<void> {
  const nginx = await startNginx({ fileSizes: FILE_SIZES });
  const httpbin = await startHttpbin();
  const responses: CapturedResponse[] = [];
  const keep = (from: string, r: { head: Buffer; body: Buffer }) => {
    responses.push({ from, head: r.head.toString('latin1'), body: r.body.toString('base64') });
  };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // A new modification time for every file: a new ETag and Last-Modified.
      const when = Date.now() / 1000 - 86_400 * (1 + (randomBytes(2).readUInt16LE() % 3000));
      await Promise.all(
        FILE_SIZES.map((size, i) =>
          utimes(join(nginx.dir, 'www', 'files', `${size}.bin`), when + i * 61, when + i * 61),
        ),
      );
      const ngx = nginxRound();
      const got = await exchange(
        nginx.port,
        ngx.map((x) => x.request),
      );
      for (const [i, x] of ngx.entries()) keep(`nginx GET ${x.from}`, got[i]!);
      // A conditional request with the ETag nginx just sent for one file: 304.
      const etag = /\r\nETag: ("[^"]*")/.exec(got[1]!.head.toString('latin1'))?.[1];
      if (etag !== undefined) {
        const [notModified] = await exchange(nginx.port, [
          get('/files/13.bin', [`If-None-Match: ${etag}`]),
        ]);
        keep('nginx GET /files/13.bin If-None-Match', notModified!);
      }
      for (const x of httpbinRound()) {
        const [r] = await exchange(httpbin.port, [x.request]);
        keep(`httpbin GET ${x.from}`, r!);
      }
      // Spread the rounds over the seconds, so Date changes between them.
      await new Promise((resolve) => setTimeout(resolve, 1100));
    }
  } finally {
    await Promise.all([nginx.close(), httpbin.close()]);
  }
  const server = (re: RegExp) =>
    responses.map((r) => re.exec(r.head)?.[1]).find((s) => s !== undefined) ?? '?';
  const fixture: CapturedHeads = {
    note: 'Responses captured by capture-real-heads.ts from the test kit nginx and httpbin; see corpora.ts realCorpora()',
    captured: new Date().toISOString(),
    servers: `${server(/\r\nServer: (nginx[^\r]*)/)}, httpbin 0.7.0 under ${server(/\r\nServer: (gunicorn[^\r]*)/)}`,
    responses,
  };
  const path = new URL('./real-heads.json', import.meta.url);
  await writeFile(path, `${JSON.stringify(fixture, null, 1)}\n`);
  console.log(`${responses.length} responses written to ${path.pathname}`);
}

await main();
