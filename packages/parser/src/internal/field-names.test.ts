import { describe, expect, it } from 'vitest';
import { bytesEqual, fieldName, internValue, sameBytes, setLast, wordsOf } from './field-names.js';
import { latin1 } from './latin1.js';

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const viewOf = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

describe('sameBytes', () => {
  it('agrees with a byte-by-byte comparison for every length, offset and differing byte', () => {
    const backing = new Uint8Array(128);
    for (let n = 0; n <= 21; n++) {
      const s = String.fromCharCode(...Array.from({ length: n }, (_, i) => 0x41 + ((i * 7) % 60)));
      const w = wordsOf(s);
      for (let shift = 0; shift < 4; shift++) {
        const bytes = backing.subarray(shift, shift + 64);
        const view = viewOf(bytes);
        for (let start = 0; start < 6; start++) {
          bytes.set(enc(s), start);
          expect(sameBytes(view, bytes, start, s, w)).toBe(true);
          for (let k = 0; k < n; k++) {
            bytes[start + k] = s.charCodeAt(k) ^ 0x20;
            expect(sameBytes(view, bytes, start, s, w)).toBe(bytesEqual(bytes, start, s));
            expect(sameBytes(view, bytes, start, s, w)).toBe(false);
            bytes[start + k] = s.charCodeAt(k);
          }
        }
      }
    }
  });

  it('compares a last value stored from one input with the bytes of another', () => {
    const name = fieldName(enc('X-Same-Bytes'), 0, 12);
    const first = enc('..0123456789abc..');
    const value = latin1(first, 2, 15);
    setLast(name, value, viewOf(first), 2, 0);
    const other = enc('0123456789abc');
    expect(sameBytes(viewOf(other), other, 0, name.last, name.lastWords)).toBe(true);
    other[12] = 0x64;
    expect(sameBytes(viewOf(other), other, 0, name.last, name.lastWords)).toBe(false);
  });
});

describe('fieldName', () => {
  it('keeps both of two names that share a cache key, each with its own state', () => {
    // `Last-Modified` and `X-Request-Id` share a key: with one slot they evicted each other.
    const a = enc('Last-Modified');
    const b = enc('X-Request-Id');
    const first = [fieldName(a, 0, a.length), fieldName(b, 0, b.length)];
    for (let i = 0; i < 4; i++) {
      expect(fieldName(a, 0, a.length)).toBe(first[0]);
      expect(fieldName(b, 0, b.length)).toBe(first[1]);
    }
    expect(first.map((n) => [n.name, n.lower])).toEqual([
      ['Last-Modified', 'last-modified'],
      ['X-Request-Id', 'x-request-id'],
    ]);
  });
});

describe('internValue', () => {
  const value = (name: ReturnType<typeof fieldName>, s: string) => {
    const bytes = enc(`:${s}\r`);
    return internValue(bytes, viewOf(bytes), 1, 1 + s.length, true, name);
  };

  it('hands out exact strings while a name goes volatile and back', () => {
    const name = fieldName(enc('X-Volatile-Test'), 0, 15);
    const seen: string[] = [];
    for (let i = 0; i < 101; i++) {
      const s = `token-${(i * 7919).toString(36)}-${i}`;
      expect(value(name, s)).toBe(s);
      seen.push(s);
    }
    // Volatile by now: its values skip the cache, and keep no last value.
    expect(name.misses).toBeGreaterThan(4);
    setLast(name, seen[100]!, viewOf(enc(seen[100]!)), 0, 0);
    expect(name.last).toBe('');
    // Values that start to repeat: within 32 of them one looks the cache up, and the parser
    // stores it as the last value (then the next equal one clears the run: response-parser.ts).
    const bytes = enc('steady value');
    let tries = 0;
    while (name.last === '' && tries++ < 32) {
      expect(value(name, 'steady value')).toBe('steady value');
      setLast(name, 'steady value', viewOf(bytes), 0, 0);
    }
    expect(name.last).toBe('steady value');
    expect(sameBytes(viewOf(bytes), bytes, 0, name.last, name.lastWords)).toBe(true);
  });

  it('keeps two values that share a cache key', () => {
    const name = fieldName(enc('X-Pair'), 0, 6);
    // Same length, first, middle and last byte: the same key.
    const a = 'abc-1-xyz';
    const b = 'abd-1-xzz';
    value(name, a);
    value(name, b);
    const ra = value(name, a);
    const rb = value(name, b);
    expect([ra, rb]).toEqual([a, b]);
    expect(value(name, a)).toBe(ra);
    expect(value(name, b)).toBe(rb);
  });
});
