/**
 * The canned server of the client and request suites (anchors §3.2 b): raw `net` servers that
 * answer every request with fixed bytes, so the client, not the server, is the bottleneck
 * (`node:http` servers cap every client at 23–28 k req/s here).
 *
 * Four listeners on 127.0.0.1: `small` (13 B body), `large` (64 KiB body), `download`
 * (`downloadBytes`, 1 GiB by default, streamed from one 1 MiB buffer with backpressure) and `warm`
 * (the same with `min(downloadBytes, 256 MiB)`). Every
 * response is keep-alive with Content-Length. A request is counted at each `CRLF CRLF` (bodiless
 * GETs only), across read boundaries; pipelined requests are answered in order.
 *
 * Run as a process (`node --import tsx server.ts [downloadBytes]`), it prints one JSON line
 * `{"small":port,"large":port,"download":port,"warm":port}` and exits when its stdin closes, so it never
 * outlives the benchmark that spawned it.
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

export interface CannedServers {
  ports: { small: number; large: number; download: number; warm: number };
  close(): Promise<void>;
}

/** Starts the three canned listeners in this process on 127.0.0.1, ephemeral ports. */
export async function listenCanned(downloadBytes = DOWNLOAD_BYTES): Promise<CannedServers> {
  const servers = {
    small: fixed(cannedResponse(smallBody)),
    large: fixed(cannedResponse(largeBody)),
    download: streaming(downloadBytes),
    warm: streaming(Math.min(downloadBytes, WARM_BYTES)),
  };
  const sockets = new Set<Socket>();
  const ports = { small: 0, large: 0, download: 0, warm: 0 };
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
