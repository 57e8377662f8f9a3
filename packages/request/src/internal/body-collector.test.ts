import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BodyCollector } from './body-collector.js';

/** `bytes` cut into pieces of the given sizes (repeated), each its own buffer as a socket read is. */
function cut(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = Math.min(sizes[i % sizes.length]!, bytes.length - at);
    pieces.push(bytes.slice(at, at + n));
    at += n;
  }
  return pieces;
}

/** Byte equality without copying (toEqual walks 300,000 elements one by one). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

function collect(expected: number, pieces: readonly Uint8Array[]): Uint8Array {
  const c = new BodyCollector(expected);
  for (const p of pieces) c.add(p);
  expect(c.length).toBe(pieces.reduce((n, p) => n + p.length, 0));
  return c.take();
}

describe('BodyCollector', () => {
  const body = new Uint8Array(randomBytes(300_000));
  const shapes: [string, number[]][] = [
    ['1-byte pieces', [1]],
    ['64 KiB pieces', [65_536]],
    ['small and large pieces mixed', [1, 20_000, 3, 70_000, 16_383, 16_384, 0, 7]],
    ['pieces that straddle blocks', [65_535, 2, 65_535]],
  ];

  it.each(shapes)('collects %s exactly, length unknown', (_, sizes) => {
    expect(same(collect(-1, cut(body, sizes)), body)).toBe(true);
  });

  it.each(shapes)('collects %s exactly, length known', (_, sizes) => {
    expect(same(collect(body.length, cut(body, sizes)), body)).toBe(true);
  });

  it('returns a body that arrived as one piece as it is, with or without a known length', () => {
    const piece = body.subarray(10, 5000);
    expect(collect(-1, [piece])).toBe(piece);
    expect(collect(piece.length, [piece])).toBe(piece);
  });

  it('allocates one array of the known length and fills it in place', () => {
    const c = new BodyCollector(body.length);
    for (const p of cut(body, [1000])) c.add(p);
    const whole = c.take();
    expect(whole.buffer.byteLength).toBe(body.length);
    expect(same(whole, body)).toBe(true);
  });

  it('hands out only the bytes that arrived when a known length was not reached', () => {
    const c = new BodyCollector(body.length);
    c.add(body.slice(0, 1000));
    c.add(body.slice(1000, 2000));
    const out = c.take();
    expect(out.buffer.byteLength).toBe(2000);
    expect(same(out, body.subarray(0, 2000))).toBe(true);
  });

  it('keeps large pieces by reference and copies small ones into shared blocks', () => {
    const large = body.slice(0, 20_000);
    const c = new BodyCollector(-1);
    c.add(body.slice(0, 1)); // the first piece is always kept
    for (let i = 0; i < 1000; i++) c.add(body.slice(i, i + 1));
    c.add(large);
    large[0] = large[0]! ^ 0xff; // visible in the result: the piece was not copied
    for (let i = 0; i < 1000; i++) c.add(body.slice(i, i + 1));
    const out = c.take();
    expect(out.length).toBe(1 + 1000 + 20_000 + 1000);
    expect(out[1001]).toBe(large[0]);
    expect(same(out.subarray(1, 1001), body.subarray(0, 1000))).toBe(true);
    expect(same(out.subarray(21_001), body.subarray(0, 1000))).toBe(true);
  });

  it('copies a large view of a much larger buffer instead of keeping the buffer alive', () => {
    const buffer = randomBytes(1 << 20);
    const view = buffer.subarray(0, 20_000);
    const c = new BodyCollector(-1);
    c.add(body.subarray(0, 1));
    c.add(view);
    buffer[0] = buffer[0]! ^ 0xff;
    expect(c.take()[1]).toBe(buffer[0]! ^ 0xff);
  });

  it('hands out exact arrays, never a block with room to spare', () => {
    const c = new BodyCollector(-1);
    c.add(new Uint8Array(0));
    expect(c.take()).toHaveLength(0);
    c.add(body.slice(0, 1));
    c.add(body.slice(1, 2));
    const two = c.take();
    expect(Array.from(two)).toEqual([body[0], body[1]]);
    expect(two.buffer.byteLength).toBe(2);
  });

  describe('with transient pieces (views of read buffers reused after the next read)', () => {
    /** Adds each piece through one reused buffer, overwritten with junk right after add(). */
    function collectTransient(expected: number, pieces: readonly Uint8Array[]): Uint8Array {
      const c = new BodyCollector(expected, true);
      const reused = new Uint8Array(pieces.reduce((n, p) => Math.max(n, p.length), 1));
      for (const p of pieces) {
        reused.set(p);
        c.add(reused.subarray(0, p.length));
        reused.fill(0xa5);
      }
      return c.take();
    }

    it.each(shapes)('collects %s exactly, length known and unknown', (_, sizes) => {
      expect(same(collectTransient(body.length, cut(body, sizes)), body)).toBe(true);
      expect(same(collectTransient(-1, cut(body, sizes)), body)).toBe(true);
    });

    it('copies a body that arrived as one piece into an array of its own length', () => {
      const piece = body.subarray(10, 5000);
      for (const expected of [piece.length, -1]) {
        const out = collectTransient(expected, [piece]);
        expect(same(out, piece)).toBe(true);
        expect(out.buffer.byteLength).toBe(piece.length);
      }
    });

    it('copies a first piece and allocates the array of the known length at the second, and only it', () => {
      const c = new BodyCollector(body.length, true);
      const first = body.slice(0, 100);
      c.add(first);
      first.fill(0);
      for (const p of cut(body.subarray(100), [7000])) c.add(p);
      const whole = c.take();
      expect(whole.buffer.byteLength).toBe(body.length);
      expect(same(whole, body)).toBe(true);
    });
  });

  it('is empty again after take()', () => {
    const c = new BodyCollector(-1);
    c.add(body.slice(0, 10));
    c.add(body.slice(10, 20));
    expect(c.take()).toHaveLength(20);
    expect(c.length).toBe(0);
    expect(c.take()).toHaveLength(0);
  });
});
