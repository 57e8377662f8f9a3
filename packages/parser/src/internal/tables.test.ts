import { describe, expect, it } from 'vitest';
import { skipPrintable } from './tables.js';

describe('skipPrintable', () => {
  // The first index a byte-wise scan must look at: never past a byte outside 0x20-0x7E, and
  // short of it by less than a word.
  const firstOther = (bytes: Uint8Array, from: number, stop: number) => {
    let i = from;
    while (i < stop && bytes[i]! >= 0x20 && bytes[i]! <= 0x7e) i++;
    return i;
  };

  it('stops within a word of the first byte outside 0x20-0x7E, for every byte at every offset', () => {
    const backing = new Uint8Array(64);
    for (let shift = 0; shift < 4; shift++) {
      // A view that starts off any word boundary of its buffer.
      const bytes = backing.subarray(shift, shift + 40);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let at = 0; at < 12; at++) {
        for (let b = 0; b < 256; b++) {
          bytes.fill(0x61);
          bytes[at] = b;
          for (const from of [0, 1, 3]) {
            const got = skipPrintable(view, from, bytes.length);
            const other = firstOther(bytes, from, bytes.length);
            expect(got).toBeLessThanOrEqual(other);
            expect(other - got).toBeLessThan(4);
            expect((got - from) % 4).toBe(0);
          }
        }
      }
    }
  });

  it('never reads at or past stop', () => {
    const bytes = new Uint8Array(16).fill(0x61);
    const view = new DataView(bytes.buffer);
    for (let stop = 0; stop <= 16; stop++) {
      const got = skipPrintable(view, 0, stop);
      expect(got).toBeLessThanOrEqual(stop);
      expect(stop - got).toBeLessThan(4);
    }
  });
});
