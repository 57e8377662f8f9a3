import { randomBytes } from 'node:crypto';
import { ErrorCode, StreamPeerTCPStatus } from '@gdhttp/constants';
import { driveUntil, startScriptedServer } from '@gdhttp/testkit';
import { describe, expect, it } from 'vitest';
import { StreamPeerTCP } from '../src/index.js';

// Random bytes, not a repeating pattern: a read into a kept view's buffer must show.
const SOURCE = randomBytes(8 * 1024 * 1024);

/** Connects a peer to a server that sends {@link SOURCE} and ends. */
async function connected(port: number): Promise<StreamPeerTCP> {
  const tcp = new StreamPeerTCP();
  expect(tcp.connectToHost('127.0.0.1', port)).toBe(ErrorCode.OK);
  await driveUntil(tcp, () => tcp.getStatus() !== StreamPeerTCPStatus.CONNECTING);
  return tcp;
}

/** Reads the whole stream, calling `each` with every view and its stream offset. */
async function readAll(
  tcp: StreamPeerTCP,
  each: (view: Uint8Array, offset: number) => void,
): Promise<number> {
  let received = 0;
  for (;;) {
    tcp.poll();
    const view = tcp.getPartialData(1 << 20);
    if (view.length > 0) {
      each(view, received);
      received += view.length;
      continue;
    }
    if (tcp.getStatus() !== StreamPeerTCPStatus.CONNECTED) return received;
    await tcp.news();
  }
}

const intact = (view: Uint8Array, offset: number): boolean =>
  Buffer.compare(view, SOURCE.subarray(offset, offset + view.length)) === 0;

describe('StreamPeerTCP recycled reads', () => {
  it('reads into a few recycled buffers once the reader recycles, without losing a byte', async () => {
    const server = await startScriptedServer({ onConnection: [SOURCE, { end: true }] });
    try {
      const tcp = await connected(server.port);
      const buffers = new Set<ArrayBufferLike>();
      let wrong = 0;
      let views = 0;
      const received = await readAll(tcp, (view, offset) => {
        if (!intact(view, offset)) wrong += 1;
        buffers.add(view.buffer);
        views += 1;
        // Done with the view: its buffer may be read into again.
        tcp.recycleReads();
      });
      expect(received).toBe(SOURCE.length);
      expect(wrong).toBe(0);
      // Many reads, few buffers: the pool, and the slabs before the first recycle.
      expect(views).toBeGreaterThan(32);
      expect(buffers.size).toBeLessThanOrEqual(12);
      tcp.disconnectFromHost();
    } finally {
      await server.close();
    }
  }, 30_000);

  it('keeps the buffers the reader says it holds, and recycles those before them', async () => {
    const server = await startScriptedServer({ onConnection: [SOURCE, { end: true }] });
    try {
      const tcp = await connected(server.port);
      // A reader that queues its last three views, as a parser queues the pieces of one read.
      const held: Array<[Uint8Array, number]> = [];
      let wrong = 0;
      let views = 0;
      const holds = (buffer: ArrayBufferLike) => held.some(([view]) => view.buffer === buffer);
      const received = await readAll(tcp, (view, offset) => {
        views += 1;
        held.push([view, offset]);
        if (held.length > 3) {
          const [oldest, at] = held.shift()!;
          if (!intact(oldest, at)) wrong += 1;
        }
        tcp.recycleReads(holds);
      });
      expect(received).toBe(SOURCE.length);
      expect(views).toBeGreaterThan(32);
      expect(wrong + held.filter(([view, at]) => !intact(view, at)).length).toBe(0);
      tcp.disconnectFromHost();
    } finally {
      await server.close();
    }
  }, 30_000);

  it('never reads into a view kept with keepReads, nor into any view without recycleReads', async () => {
    const server = await startScriptedServer({ onConnection: [SOURCE, { end: true }] });
    try {
      const tcp = await connected(server.port);
      const kept: Array<[Uint8Array, number]> = [];
      let n = 0;
      const received = await readAll(tcp, (view, offset) => {
        n += 1;
        // Every third view is kept; the others are recycled.
        if (n % 3 === 0) {
          kept.push([view, offset]);
          tcp.keepReads();
        } else {
          tcp.recycleReads();
        }
      });
      expect(received).toBe(SOURCE.length);
      expect(kept.length).toBeGreaterThan(8);
      expect(kept.filter(([view, offset]) => !intact(view, offset)).length).toBe(0);
      tcp.disconnectFromHost();

      // Without recycleReads every view stays valid, as `data` chunks did.
      const again = await connected(server.port);
      const all: Array<[Uint8Array, number]> = [];
      expect(await readAll(again, (view, offset) => void all.push([view, offset]))).toBe(
        SOURCE.length,
      );
      expect(all.filter(([view, offset]) => !intact(view, offset)).length).toBe(0);
      again.disconnectFromHost();
    } finally {
      await server.close();
    }
  }, 30_000);
});
