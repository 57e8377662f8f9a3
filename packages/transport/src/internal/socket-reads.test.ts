import { describe, expect, it } from 'vitest';
import { SocketReads } from './socket-reads.js';

const MARK = 256 * 1024;

/** One read as Node makes it: asks for the buffer, fills `count` bytes of it, reports them. */
function read(reads: SocketReads, count: number | 'fill', byte = 0x61): Uint8Array {
  const buffer = reads.options.buffer();
  const n = count === 'fill' ? buffer.length : count;
  buffer.fill(byte, 0, n);
  reads.options.callback(n, buffer);
  return buffer;
}

/** A connection's receiver with its pipe attached, and the views it handed on. */
function connection(): { reads: SocketReads; views: Uint8Array[] } {
  const reads = new SocketReads(MARK);
  const views: Uint8Array[] = [];
  reads.attach((bytes) => views.push(bytes));
  return { reads, views };
}

describe('SocketReads', () => {
  it('lets a thousand idle connections wait in about a megabyte', () => {
    const buffers = new Set<ArrayBufferLike>();
    let room = 0;
    for (let i = 0; i < 1000; i++) {
      const buffer = new SocketReads(MARK).options.buffer();
      buffers.add(buffer.buffer);
      room += buffer.length;
    }
    // 1 KiB each, cut from Node's shared 8 KiB pool: not a 16 KiB block per connection.
    expect(room).toBe(1000 * 1024);
    let held = 0;
    for (const b of buffers) held += b.byteLength;
    expect(held).toBeLessThanOrEqual(1000 * 1024 + 64 * 1024);
  });

  it('reads on into a recycled buffer after a full read, and waits in a small slab after a partial one when none is free', () => {
    const { reads, views } = connection();
    reads.recycle(0);
    expect(read(reads, 'fill').length).toBeLessThanOrEqual(1024);
    const whole = read(reads, 100);
    expect(whole.length).toBe(64 * 1024);
    // Drained: the next read waits in little room, not in another whole buffer.
    expect(reads.options.buffer().length).toBeLessThanOrEqual(1024);
    expect(views.map((v) => v.length)).toEqual([1024, 100]);
  });

  it("gives a recycled buffer to another connection's next full read, never one a reader keeps", () => {
    const a = connection();
    a.reads.recycle(0);
    read(a.reads, 'fill');
    const lent = read(a.reads, 100, 0x41);
    // Every byte of it was read out: free again, for whichever connection reads next.
    a.reads.recycle(a.reads.received);

    const b = connection();
    read(b.reads, 'fill');
    const borrowed = read(b.reads, 'fill', 0x42);
    expect(borrowed.buffer).toBe(lent.buffer);
    // B keeps its views: the buffer is B's for good, whatever A recycles later.
    b.reads.keep();
    a.reads.recycle(a.reads.received);
    read(a.reads, 'fill');
    const next = read(a.reads, 'fill', 0x43);
    expect(next.buffer).not.toBe(lent.buffer);
    expect(b.views[1]!.every((x) => x === 0x42)).toBe(true);

    // Nothing free and no recycling: a plain slab, as before.
    const c = connection();
    read(c.reads, 'fill');
    expect(read(c.reads, 'fill').buffer).not.toBe(lent.buffer);
  });

  it('waits in a free recycled buffer after a partial read, so the next burst is read whole', () => {
    // A download drains the kernel often; a wait in a 1 KiB slab took the first KiB of the next
    // burst and cost a whole extra read per drain.
    const { reads, views } = connection();
    reads.recycle(0);
    read(reads, 'fill');
    const drained = read(reads, 100);
    reads.recycle(reads.received); // every byte read out: the buffer is free again
    const wait = reads.options.buffer();
    expect(wait.buffer).toBe(drained.buffer);
    expect(wait.length).toBe(64 * 1024);
    wait.fill(0x62, 0, 40_000);
    reads.options.callback(40_000, wait);
    expect(views.map((v) => v.length)).toEqual([1024, 100, 40_000]);
    // A reader that keeps its views never waits in a recycled buffer: it never recycled.
    const keeper = connection();
    read(keeper.reads, 'fill');
    read(keeper.reads, 100);
    expect(keeper.reads.options.buffer().length).toBeLessThanOrEqual(64 * 1024 - 100);
  });

  it('never reads into a buffer whose bytes the reader still holds or has not read out', () => {
    const { reads } = connection();
    reads.recycle(0);
    read(reads, 'fill');
    const first = read(reads, 'fill');
    const second = read(reads, 'fill');
    // Not read out yet, then read out but held: neither comes back.
    reads.recycle(1024);
    reads.recycle(reads.received, (buffer) => buffer === first.buffer);
    const other = connection();
    other.reads.recycle(0);
    read(other.reads, 'fill');
    const got = read(other.reads, 'fill');
    expect(got.buffer).not.toBe(first.buffer);
    expect(got.buffer).not.toBe(second.buffer);
  });
});
