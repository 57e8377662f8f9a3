// Issue #15: uploading a 4 GiB file keeps the client's memory flat. The file is sparse (made with
// truncate, so it takes no disk); the client runs alone in a bundled child process, so its RSS is
// its own, and a raw server here reads the body, counts it and drops it.
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Result } from '@gdhttp/constants';
import { listenLoopback } from '@gdhttp/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { runBundled } from './support/run-bundled.js';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const SIZE = 4 * GIB;
const dir = mkdtempSync(join(tmpdir(), 'gdhttp-upload-4gib-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A server that reads one request per connection: the head, then `Content-Length` body bytes,
 * counted and dropped; it answers 200 with the count. Nothing is kept but the head.
 */
async function countingServer(): Promise<{ port: number; counts: number[]; close(): void }> {
  const counts: number[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = '';
    let want = -1;
    let got = 0;
    socket.on('data', (chunk: Buffer) => {
      let body = chunk;
      if (want < 0) {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        want = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        body = chunk.subarray(chunk.length - (head.length - end - 4));
      }
      got += body.length;
      if (got >= want) {
        counts.push(got);
        const text = String(got);
        socket.end(
          `HTTP/1.1 200 OK\r\nContent-Length: ${text.length}\r\nConnection: close\r\n\r\n${text}`,
        );
      }
    });
  });
  const port = await listenLoopback(server as unknown as import('node:http').Server);
  return {
    port,
    counts,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

const childSource = fileURLToPath(new URL('./fixtures/upload-rss-child.ts', import.meta.url));

describe('HTTPRequest uploads a 4 GiB file', () => {
  it('with the client RSS growing by less than 64 MiB', async () => {
    const file = join(dir, 'sparse.bin');
    writeFileSync(file, '');
    truncateSync(file, SIZE);
    const server = await countingServer();
    try {
      const url = `http://127.0.0.1:${server.port}/up`;
      const { code, stdout, stderr } = await runBundled(
        childSource,
        [url, file, String(SIZE)],
        170_000,
      );
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      const out = JSON.parse(stdout) as {
        result: number;
        code: number;
        body: string;
        uploaded: number;
        events: number;
        baseline: number;
        quarters: number[];
        seconds: number;
      };
      const peak = Math.max(...out.quarters);
      expect(out).toMatchObject({ result: Result.SUCCESS, code: 200, body: String(SIZE) });
      expect(out.uploaded).toBe(SIZE);
      expect(server.counts).toEqual([SIZE]);
      console.log(
        `4 GiB upload: RSS ${(out.baseline / MIB).toFixed(0)} MiB at start, peak per GiB ${out.quarters.map((q) => (q / MIB).toFixed(0)).join(', ')} MiB, ` +
          `${(SIZE / out.seconds / 1e6).toFixed(0)} MB/s (${out.seconds.toFixed(1)} s), ${out.events} progress events`,
      );
      expect(peak - out.baseline).toBeLessThan(64 * MIB);
    } finally {
      server.close();
    }
  }, 180_000);
});
