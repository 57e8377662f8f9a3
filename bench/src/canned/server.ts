/**
 * The canned server of the client and request suites
 * (docs/references.md#client-and-request-benchmarks): raw `net` servers that answer every request
 * with fixed bytes, so the client, not the server, is the bottleneck (`node:http` servers cap
 * every client at 23–28 k req/s here).
 *
 * Five listeners on 127.0.0.1: `small` (13 B body), `large` (64 KiB body), `download`
 * (`downloadBytes`, 1 GiB by default, streamed from one 1 MiB buffer with backpressure), `warm`
 * (the same with `min(downloadBytes, 256 MiB)`) and `upload` (reads each request's Content-Length
 * body, counts and drops it, and answers `200` with the count in decimal as the body), and `sse`
 * ({@link SSE_EVENTS} small Server-Sent Events per answer, `text/event-stream`). Every
 * response is keep-alive with Content-Length. On the first four a request is counted at each
 * `CRLF CRLF` (bodiless GETs only), across read boundaries; pipelined requests are answered in
 * order.
 *
 * Run as a process (`node --import tsx server.ts [downloadBytes]`), it prints one JSON line
 * `{"small":port,"large":port,"download":port,"warm":port,"upload":port,"sse":port}` and exits when its stdin
 * closes, so it never outlives the benchmark that spawned it.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

export const SMALL_BODY = 'Hello, World!';
export const LARGE_BODY_BYTES = 64 * 1024;
export const DOWNLOAD_BYTES = 1024 * 1024 * 1024;
/** Body of the `warm` listener: a shorter download to warm the download adapters up. */
export const WARM_BYTES = 256 * 1024 * 1024;
const DATE = 'Mon, 03 Aug 2026 12:00:00 GMT';

/** The response head the canned server sends for a body of `length` bytes. */
export function cannedHead(length: number): Buffer {
  return Buffer.from(
    'HTTP/1.1 200 OK\r\n' +
      'Content-Type: text/plain; charset=UTF-8\r\n' +
      `Content-Length: ${length}\r\n` +
      `Date: ${DATE}\r\n` +
      'Connection: keep-alive\r\n' +
      'Keep-Alive: timeout=600\r\n' +
      '\r\n',
    'latin1',
  );
}

/** One whole canned response with a body of `body`. */
export function cannedResponse(body: Buffer): Buffer {
  return Buffer.concat([cannedHead(body.length), body]);
}

export const smallBody = Buffer.from(SMALL_BODY, 'latin1');

/** Events in each answer of the `sse` listener. */
export const SSE_EVENTS = 200_000;

/** Event `n` of the `sse` listener: a small JSON token event, as model APIs stream them. */
export function sseEvent(n: number): string {
  return `data: {"n":${n},"token":"hello"}\n\n`;
}

/** The `sse` listener's answer: {@link SSE_EVENTS} events, `text/event-stream`, Content-Length. */
export function sseResponse(): Buffer {
  let text = '';
  for (let n = 0; n < SSE_EVENTS; n++) text += sseEvent(n);
  const body = Buffer.from(text, 'latin1');
  return Buffer.concat([
    Buffer.from(
      'HTTP/1.1 200 OK\r\n' +
        'Content-Type: text/event-stream\r\n' +
        `Content-Length: ${body.length}\r\n` +
        `Date: ${DATE}\r\n` +
        'Connection: keep-alive\r\n' +
        '\r\n',
      'latin1',
    ),
    body,
  ]);
}
export const largeBody = Buffer.alloc(LARGE_BODY_BYTES, 0x5f); // '_' as undici's benchmark server

/**
 * Calls `onRequest(n)` with the number of request heads completed in each read; the CRLF CRLF
 * matcher carries its state across reads.
 */
function countRequests(socket: Socket, onRequest: (n: number) => void): void {
  let matched = 0; // bytes of CR LF CR LF matched so far
  socket.on('data', (chunk: Buffer) => {
    let n = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === (matched & 1 ? 10 : 13)) {
        matched++;
        if (matched === 4) {
          n++;
          matched = 0;
        }
      } else {
        matched = c === 13 ? 1 : 0;
      }
    }
    if (n > 0) onRequest(n);
  });
}

function fixed(response: Buffer): Server {
  return createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    countRequests(socket, (n) => {
      if (n === 1) {
        socket.write(response);
        return;
      }
      socket.cork();
      for (let i = 0; i < n; i++) socket.write(response);
      socket.uncork();
    });
  });
}

function streaming(bytes: number): Server {
  const head = cannedHead(bytes);
  const block = Buffer.alloc(1024 * 1024, 0x5f);
  return createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    let queued = 0;
    let sending = false;
    const next = (): void => {
      if (sending || queued === 0) return;
      queued--;
      sending = true;
      let left = bytes;
      socket.write(head);
      const pump = (): void => {
        while (left > 0 && !socket.destroyed) {
          const piece = left >= block.length ? block : block.subarray(0, left);
          left -= piece.length;
          if (!socket.write(piece)) {
            socket.once('drain', pump);
            return;
          }
        }
        sending = false;
        next();
      };
      pump();
    };
    countRequests(socket, (n) => {
      queued += n;
      next();
    });
  });
}

/** The `upload` listener's answer to a request body of `received` bytes: its count in decimal. */
export function countResponse(received: number): Buffer {
  const body = String(received);
  return Buffer.from(
    'HTTP/1.1 200 OK\r\n' +
      'Content-Type: text/plain\r\n' +
      `Content-Length: ${body.length}\r\n` +
      `Date: ${DATE}\r\n` +
      'Connection: keep-alive\r\n' +
      '\r\n' +
      body,
    'latin1',
  );
}

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
/** Heads longer than this are refused (`431`): the upload clients send a few hundred bytes. */
const MAX_HEAD = 16 * 1024;

/**
 * Reads requests with a Content-Length body (pipelined, split at any byte), counts each body's
 * bytes and drops them, and answers {@link countResponse} once the whole body arrived. Answers
 * `Expect: 100-continue` with `100 Continue`. A request without Content-Length, or with
 * `Transfer-Encoding`, gets `411` and the connection closes: the benchmark must not time a body
 * the server did not count.
 */
function counting(): Server {
  return createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    let head: Buffer | null = null; // bytes of an unfinished head
    let left = -1; // body bytes still to come; -1 while reading a head
    let received = 0;
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    };
    socket.on('data', (chunk: Buffer) => {
      let at = 0;
      while (at < chunk.length && !socket.writableEnded) {
        if (left >= 0) {
          const n = Math.min(left, chunk.length - at);
          left -= n;
          received += n;
          at += n;
        } else {
          const from =
            head === null ? chunk.subarray(at) : Buffer.concat([head, chunk.subarray(at)]);
          // search from 3 bytes before the new data: CRLF CRLF may straddle two reads
          const end = from.indexOf(HEAD_END, Math.max(0, (head?.length ?? 0) - 3));
          if (end < 0) {
            if (from.length > MAX_HEAD) refuse('431 Request Header Fields Too Large');
            else head = Buffer.from(from);
            return;
          }
          at += end + 4 - (head?.length ?? 0);
          head = null;
          const text = from.toString('latin1', 0, end);
          const length = /\r\ncontent-length:[ \t]*(\d+)[ \t]*(?=\r\n|$)/i.exec(text);
          if (length === null || /\r\ntransfer-encoding:/i.test(text)) {
            refuse('411 Length Required');
            return;
          }
          left = Number(length[1]);
          received = 0;
          if (left > 0 && /\r\nexpect:[ \t]*100-continue/i.test(text)) socket.write(CONTINUE);
        }
        if (left === 0) {
          socket.write(countResponse(received));
          left = -1;
        }
      }
    });
  });
}

export interface CannedServers {
  ports: {
    small: number;
    large: number;
    download: number;
    warm: number;
    upload: number;
    sse: number;
  };
  close(): Promise<void>;
}

/** Starts the canned listeners in this process on 127.0.0.1, ephemeral ports. */
export async function listenCanned(downloadBytes = DOWNLOAD_BYTES): Promise<CannedServers> {
  const servers = {
    small: fixed(cannedResponse(smallBody)),
    large: fixed(cannedResponse(largeBody)),
    download: streaming(downloadBytes),
    warm: streaming(Math.min(downloadBytes, WARM_BYTES)),
    upload: counting(),
    sse: fixed(sseResponse()),
  };
  const sockets = new Set<Socket>();
  const ports = { small: 0, large: 0, download: 0, warm: 0, upload: 0, sse: 0 };
  for (const [name, server] of Object.entries(servers) as [keyof typeof servers, Server][]) {
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', 1024, () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    ports[name] = address.port;
  }
  return {
    ports,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all(
        Object.values(servers).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
      );
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bytes = Number(process.argv[2] ?? DOWNLOAD_BYTES);
  const canned = await listenCanned(bytes);
  process.stdout.write(`${JSON.stringify(canned.ports)}\n`);
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
}
