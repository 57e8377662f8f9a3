/**
 * The server of the use-threads suite, run as its own process (`node --import tsx gzip-server.ts
 * <decodedBytes>`): builds a body of `decodedBytes` of JSON-like lines (pseudo-random values, so
 * it compresses about as real API output does, not as a run of zeros), gzips it once, then answers
 * every request on 127.0.0.1 with it (`Content-Encoding: gzip`, Content-Length, keep-alive),
 * written with backpressure; `GET /small` gets a 13-byte body instead. Prints one JSON line `{"port":…,"wireBytes":…,"decodedBytes":…}` and
 * exits when its stdin closes, so it never outlives the benchmark.
 */
import { createServer, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

const decodedBytes = Number(process.argv[2] ?? 256 * 1024 * 1024);

/** One MiB of lines; repeated, it is 1 MiB apart, beyond gzip's 32 KiB window. */
function block(): Buffer {
  let seed = 0x9e3779b9;
  const next = (): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed;
  };
  let text = '';
  for (let id = 0; text.length < 1 << 20; id++) {
    text += `{"id":${id},"name":"item-${next().toString(36)}","score":${next() % 100000},"tags":["${next().toString(36)}","${(next() % 97).toString(36)}"]}\n`;
  }
  return Buffer.from(text.slice(0, 1 << 20), 'latin1');
}

const one = block();
const body = Buffer.allocUnsafe(decodedBytes);
for (let at = 0; at < decodedBytes; at += one.length) one.copy(body, at, 0, decodedBytes - at);
const wire = gzipSync(body);
const head = Buffer.from(
  'HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nContent-Encoding: gzip\r\n' +
    `Content-Length: ${wire.length}\r\nConnection: keep-alive\r\n\r\n`,
  'latin1',
);

const server = createServer((socket: Socket) => {
  socket.on('error', () => {});
  // The benchmark sends one bodiless GET at a time and reads the whole answer before the next.
  socket.on('data', async (chunk: Buffer) => {
    const heads = chunk.toString('latin1').split('\r\n\r\n').length - 1;
    for (let i = 0; i < heads; i++) {
      if (chunk.toString('latin1').startsWith('GET /small ')) {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!');
        continue;
      }
      socket.write(head);
      for (let at = 0; at < wire.length; at += 1 << 20) {
        if (!socket.write(wire.subarray(at, at + (1 << 20)))) {
          await new Promise((resolve) => socket.once('drain', resolve));
        }
        if (socket.destroyed) return;
      }
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port, wireBytes: wire.length, decodedBytes })}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
