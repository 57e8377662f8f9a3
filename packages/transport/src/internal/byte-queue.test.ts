import { describe, expect, it } from 'vitest';
import { ByteQueue } from './byte-queue.js';

const bytes = (value: string): Uint8Array => Buffer.from(value, 'latin1');
const text = (value: Uint8Array): string => Buffer.from(value).toString('latin1');

describe('ByteQueue', () => {
  it('returns views and stops at chunk boundaries instead of copying', () => {
    const queue = new ByteQueue();
    const first = bytes('hello');
    const second = bytes(' world');
    queue.push(first);
    queue.push(second);
    const view = queue.read(3);
    expect(text(view)).toBe('hel');
    expect(view.buffer).toBe(first.buffer);
    const rest = queue.read(5);
    expect(text(rest)).toBe('lo');
    expect(rest.buffer).toBe(first.buffer);
    const next = queue.read(5);
    expect(text(next)).toBe(' worl');
    expect(next.buffer).toBe(second.buffer);
    expect(queue.length).toBe(1);
    expect(text(queue.read(100))).toBe('d');
    expect(queue.read(1).byteLength).toBe(0);
  });

  it('peeks without consuming, skips and drains in order', () => {
    const queue = new ByteQueue();
    queue.push(bytes('ab'));
    queue.push(bytes('cd'));
    queue.push(new Uint8Array(0));
    expect(text(queue.peek(3))).toBe('abc');
    expect(queue.length).toBe(4);
    queue.skip(3);
    expect(text(queue.peek(10))).toBe('d');
    expect(queue.drain().map(text)).toEqual(['d']);
    expect(queue.length).toBe(0);
  });

  it('stays correct over many small chunks (compaction)', () => {
    const queue = new ByteQueue();
    let expected = '';
    for (let i = 0; i < 3000; i++) {
      const piece = String.fromCharCode(97 + (i % 26));
      queue.push(bytes(piece));
      expected += piece;
    }
    let got = '';
    while (queue.length > 0) got += text(queue.read(7));
    expect(got).toBe(expected);
  });
});
