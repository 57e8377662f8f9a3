import { describe, expect, it } from 'vitest';
import { latin1ToBytes } from './latin1-to-bytes.js';
import { ResponseParser } from './response-parser.js';

describe('latin1ToBytes', () => {
  it('recovers the exact bytes of a header value the parser produced', () => {
    const raw = Uint8Array.from('HTTP/1.1 204 X\r\nX: a\xe9\xff\x80b\r\n\r\n', (c) =>
      c.charCodeAt(0),
    );
    let value = '';
    new ResponseParser({ onHeader: (_n, v) => (value = v) }).execute(raw);
    expect(Array.from(latin1ToBytes(value))).toEqual([0x61, 0xe9, 0xff, 0x80, 0x62]);
  });

  it('throws a RangeError when a code unit is above 0xFF', () => {
    expect(() => latin1ToBytes('€')).toThrow(RangeError);
  });
});
