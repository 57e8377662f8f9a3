/**
 * The download suite's server: two raw `net` listeners on 127.0.0.1 that answer every request
 * head (`CRLF CRLF`) with one long body of `bytes` bytes (default 1 GiB), sent from one 1 MiB
 * buffer with backpressure — `length` with Content-Length, `chunked` with Transfer-Encoding:
 * chunked in {@link CHUNK_BYTES} chunks. The head carries a Date that changes every second and an
 * ETag per response, as a real server's does; nothing in the library knows these bytes.
 *
 * Run as a process (`node --import tsx download-server.ts [bytes]`), it prints one JSON line
 * `{"length":port,"chunked":port}` and exits when its stdin closes.
 */
import { createServer, type Server, type Socket } from 'node:net';

/** Data bytes per chunk of the `chunked` listener (16 KiB, a common proxy buffer size). */
export const CHUNK_BYTES = 16 * 1024;

/** The head of a download response (`chunked` or Content-Length `bytes`), `n` its sequence number. */
export function downloadHead(bytes: number, chunked: boolean, n: number): Buffer {
  return Buffer.from(
    'HTTP/1.1 200 OK\r\n' +
      'Content-Type: application/octet-stream\r\n' +
      (chunked ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${bytes}\r\n`) +
      `Date: ${new Date().toUTCString()}\r\n` +
      `ETag: "${n.toString(16).padStart(8, '0')}-${bytes.toString(16)}"\r\n` +
      '\r\n',
    'latin1',
  );
}

/** Bytes on the wire after the head for a `bytes` body (chunk framing included). */
export function wireBodyBytes(bytes: number, chunked: boolean): number {
  if (!chunked) return bytes;
  const full = Math.floor(bytes / CHUNK_BYTES);
  const rest = bytes % CHUNK_BYTES;
  const frame = (size: number) => size.toString(16).length + 4 + size; // size CRLF data CRLF
  return full * frame(CHUNK_BYTES) + (rest > 0 ? frame(rest) : 0) + 5; // 0 CRLF CRLF
}

/** Counts request heads (`CRLF CRLF`) across reads and calls `onRequest` for each. */
function onRequests(socket: Socket, onRequest: () => void): void {
  let matched = 0;
  socket.on('data', (chunk: Buffer) => {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === (matched % 2 === 0 ? 0x0d : 0x0a)) matched += 1;
      else matched = c === 0x0d ? 1 : 0;
      if (matched === 4) {
        matched = 0;
        onRequest();
      }
    }
  });
}

/** A listener answering every request with a `bytes` body (`chunked` or with Content-Length). */
export function downloadListener(bytes: number, chunked: boolean): Server {
  const data = Buffer.alloc(1024 * 1024, 0x5f);
  // One 1 MiB write carries 64 whole chunks, so `chunked` sends as few writes as `length`.
  let block = data;
  if (chunked) {
    const size = Buffer.from(`${CHUNK_BYTES.toString(16)}\r\n`, 'latin1');
    const parts: Buffer[] = [];
    for (let at = 0; at < data.length; at += CHUNK_BYTES) {
      parts.push(size, data.subarray(at, at + CHUNK_BYTES), Buffer.from('\r\n', 'latin1'));
    }
    block = Buffer.concat(parts);
  }
  let served = 0;
  return createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    let queued = 0;
    let sending = false;
    const next = (): void => {
      if (sending || queued === 0) return;
      queued -= 1;
      sending = true;
      served += 1;
      socket.write(downloadHead(bytes, chunked, served));
      let left = bytes;
      const pump = (): void => {
        while (left > 0 && !socket.destroyed) {
          let piece: Buffer;
          if (left >= data.length) {
            piece = block;
            left -= data.length;
          } else if (!chunked) {
            piece = data.subarray(0, left);
            left = 0;
          } else {
            // The last, partial megabyte: whole chunks, then a short one.
            const parts: Buffer[] = [];
            while (left > 0) {
              const n = Math.min(left, CHUNK_BYTES);
              parts.push(Buffer.from(`${n.toString(16)}\r\n`, 'latin1'), data.subarray(0, n));
              parts.push(Buffer.from('\r\n', 'latin1'));
              left -= n;
            }
            piece = Buffer.concat(parts);
          }
          if (left === 0 && chunked) piece = Buffer.concat([piece, Buffer.from('0\r\n\r\n')]);
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
    onRequests(socket, () => {
      queued += 1;
      next();
    });
  });
}

if (process.argv[1]?.endsWith('download-server.ts')) {
  const bytes = Number(process.argv[2] ?? 1024 * 1024 * 1024);
  const length = downloadListener(bytes, false);
  const chunked = downloadListener(bytes, true);
  const listen = (server: Server) =>
    new Promise<number>((resolve) => {
      server.listen(0, '127.0.0.1', 1024, () => {
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  const ports = { length: await listen(length), chunked: await listen(chunked) };
  console.log(JSON.stringify(ports));
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
