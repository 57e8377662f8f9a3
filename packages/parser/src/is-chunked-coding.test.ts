import { describe, expect, it } from 'vitest';
import { isChunkedCoding } from './is-chunked-coding.js';
import { ResponseParser } from './response-parser.js';

/** What ResponseParser decides for a response with `Transfer-Encoding: value`. */
function parserSays(value: string): boolean | 'refused' {
  let chunked: boolean | 'refused' = 'refused';
  const parser = new ResponseParser({
    onHeadersComplete: (head) => {
      chunked = head.chunked;
    },
  });
  try {
    parser.execute(Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: ${value}\r\n\r\n`, 'latin1'));
  } catch {
    return 'refused';
  }
  return chunked;
}

describe('isChunkedCoding', () => {
  it.each([
    ['chunked', true],
    ['CHUNKED', true],
    ['  chunked', true],
    ['chunked  ', true],
    ['gzip, chunked', true],
    ['gzip,chunked', true],
    ['deflate, gzip, Chunked', true],
    ['chunked, gzip', false],
    ['gzip', false],
    ['', false],
    ['chunkedx', false],
    ['xchunked', false],
    ['chunked\t', false],
  ])('%j → %s, as ResponseParser reads it', (value, expected) => {
    expect(isChunkedCoding(value)).toBe(expected);
    const parsed = parserSays(value);
    // A value the parser refuses outright is not a chunked response either.
    expect(parsed === 'refused' ? false : parsed).toBe(expected);
  });

  it('is false for a value holding a byte no field value may hold', () => {
    expect(isChunkedCoding('gzip\n, chunked')).toBe(false);
    expect(isChunkedCoding('a\0b, chunked')).toBe(false);
  });
});
