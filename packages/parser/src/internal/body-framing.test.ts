import { describe, expect, it } from 'vitest';
import { BodyKind } from '../body-kind.js';
import { ParseError, type ParseErrorReason } from '../parse-error.js';
import {
  bodyKind,
  connectionOptions,
  contentLength,
  endsChunked,
  F_CHUNKED,
  F_CLOSE,
  F_CONNECTION_UPGRADE,
  F_CONTENT_LENGTH,
  F_KEEP_ALIVE,
  F_TRANSFER_ENCODING,
  persistent,
  switchesProtocol,
} from './body-framing.js';
import { FIELD_VALUE, FIELD_VALUE_RELAXED } from './tables.js';

/** Where the value starts in the stream: errors must point past it. */
const AT = 100;

/** The reason and offset `run` fails with. */
function failure(run: () => unknown): { reason: ParseErrorReason; offset: number } {
  try {
    run();
  } catch (error) {
    if (error instanceof ParseError) return { reason: error.reason, offset: error.offset };
    throw error;
  }
  throw new Error('expected a ParseError');
}

describe('contentLength', () => {
  it.each([
    ['0', 0],
    ['42', 42],
    ['007', 7],
    ['5 ', 5],
    ['5\t \t', 5],
    ['9007199254740991', 9_007_199_254_740_991],
    // 2^64 - 1 is accepted, as llhttp keeps lengths in 64 bits (as a number it rounds to 2^64).
    ['18446744073709551615', 2 ** 64],
    [`${'0'.repeat(30)}1`, 1],
    // Up to 15 significant digits are summed as they are read, longer ones parsed whole.
    ['999999999999999', 999_999_999_999_999],
    ['000999999999999999', 999_999_999_999_999],
    ['1000000000000000', 1_000_000_000_000_000],
    ['9007199254740993', Number('9007199254740993')],
    [`${'0'.repeat(10)}9007199254740993 `, Number('9007199254740993')],
  ])('reads %j as %d', (value, length) => {
    expect(contentLength(value, AT)).toBe(length);
  });

  it.each([
    ['1a', 'INVALID_CONTENT_LENGTH', 1],
    ['-1', 'INVALID_CONTENT_LENGTH', 0],
    ['+1', 'INVALID_CONTENT_LENGTH', 0],
    ['1 2', 'INVALID_CONTENT_LENGTH', 2],
    ['1,1', 'INVALID_CONTENT_LENGTH', 1],
    ['0x10', 'INVALID_CONTENT_LENGTH', 1],
    ['18446744073709551616', 'INVALID_CONTENT_LENGTH', 19],
    ['123456789012345678901', 'INVALID_CONTENT_LENGTH', 20],
  ] as const)('refuses %j with %s at its byte %d', (value, reason, index) => {
    expect(failure(() => contentLength(value, AT))).toEqual({ reason, offset: AT + index });
  });
});

describe('endsChunked', () => {
  it.each([
    ['chunked', true],
    ['Chunked', true],
    ['CHUNKED', true],
    ['chunked  ', true],
    ['gzip, chunked', true],
    ['gzip,chunked', true],
    ['gzip,\t chunked', true],
    ['chunked, chunked', true],
    // Only the final coding decides (RFC 9112 §6.3 rule 4): these are read until close.
    ['chunked, gzip', false],
    ['gzip', false],
    ['chunkedx', false],
    ['xchunked', false],
    // llhttp: an HTAB after `chunked` is not whitespace, so this is another coding.
    ['chunked\t', false],
    ['identity', false],
  ])('reads %j as chunked: %s', (value, chunked) => {
    expect(endsChunked(value, FIELD_VALUE, AT)).toBe(chunked);
  });

  it('checks a value that does not end in chunked as a plain field value', () => {
    expect(failure(() => endsChunked('gzip\u0001', FIELD_VALUE, AT))).toEqual({
      reason: 'INVALID_HEADER_TOKEN',
      offset: AT + 4,
    });
    expect(endsChunked('gzip\u0001', FIELD_VALUE_RELAXED, AT)).toBe(false);
  });
});

describe('connectionOptions', () => {
  it.each([
    ['close', F_CLOSE],
    ['Close', F_CLOSE],
    ['keep-alive', F_KEEP_ALIVE],
    ['Keep-Alive ', F_KEEP_ALIVE],
    ['upgrade', F_CONNECTION_UPGRADE],
    ['Upgrade, close', F_CONNECTION_UPGRADE | F_CLOSE],
    ['keep-alive,  close', F_KEEP_ALIVE | F_CLOSE],
    ['TE, close', F_CLOSE],
    ['close, TE', F_CLOSE],
    // Whole list members only.
    ['closed', 0],
    ['close foo', 0],
    ['keep-alive-ish', 0],
    ['x-close', 0],
    ['', 0],
  ])('reads %j as options %d', (value, options) => {
    expect(connectionOptions(value, FIELD_VALUE, AT)).toBe(options);
  });

  it('checks the rest of an unreadable list as a plain field value', () => {
    expect(failure(() => connectionOptions('close, a\u0001', FIELD_VALUE, AT))).toEqual({
      reason: 'INVALID_HEADER_TOKEN',
      offset: AT + 8,
    });
  });
});

describe('bodyKind', () => {
  const TE = F_TRANSFER_ENCODING;
  const CHUNKED = F_TRANSFER_ENCODING | F_CHUNKED;
  const CL = F_CONTENT_LENGTH;
  // One row per RFC 9112 §6.3 rule: method, status, framing bits, Content-Length, body kind.
  it.each([
    ['rule 1: HEAD', 'HEAD', 200, CHUNKED, -1, BodyKind.NONE],
    ['rule 1: HEAD with a length', 'HEAD', 200, CL, 10, BodyKind.NONE],
    ['rule 1: 1xx', 'GET', 103, CL, 10, BodyKind.NONE],
    ['rule 1: 101', 'GET', 101, 0, -1, BodyKind.NONE],
    ['rule 1: 204', 'GET', 204, CHUNKED, -1, BodyKind.NONE],
    ['rule 1: 304', 'GET', 304, CL, 10, BodyKind.NONE],
    ['rule 2: 2xx to CONNECT', 'CONNECT', 200, CL, 10, BodyKind.NONE],
    ['rule 2: a refused CONNECT has a body', 'CONNECT', 407, CL, 10, BodyKind.CONTENT_LENGTH],
    ['rule 3, lenient: Transfer-Encoding wins', 'GET', 200, CHUNKED | CL, 10, BodyKind.CHUNKED],
    ['rule 4: chunked last', 'GET', 200, CHUNKED, -1, BodyKind.CHUNKED],
    ['rule 4: another coding last', 'GET', 200, TE, -1, BodyKind.UNTIL_EOF],
    ['rule 6: Content-Length', 'GET', 200, CL, 10, BodyKind.CONTENT_LENGTH],
    ['rule 6: Content-Length 0', 'GET', 200, CL, 0, BodyKind.NONE],
    ['rule 6: a 404 with a length', 'POST', 404, CL, 3, BodyKind.CONTENT_LENGTH],
    ['rule 8: neither', 'GET', 200, 0, -1, BodyKind.UNTIL_EOF],
    ['rule 8: Connection options do not frame', 'GET', 200, F_CLOSE, -1, BodyKind.UNTIL_EOF],
    ['a status below 100 is framed as a final one', 'GET', 99, CL, 4, BodyKind.CONTENT_LENGTH],
  ])('%s', (_rule, method, status, flags, length, kind) => {
    expect(bodyKind(method, status, flags, length)).toBe(kind);
  });
});

describe('switchesProtocol', () => {
  it.each([
    ['GET', 101, true],
    ['CONNECT', 101, true],
    ['CONNECT', 200, true],
    ['CONNECT', 299, true],
    ['CONNECT', 300, false],
    ['CONNECT', 100, false],
    ['GET', 200, false],
  ])('%s answered %d: %s', (method, status, switches) => {
    expect(switchesProtocol(method, status)).toBe(switches);
  });
});

describe('persistent', () => {
  it.each([
    [1, 1, 0, true],
    [1, 1, F_CLOSE, false],
    [1, 1, F_KEEP_ALIVE | F_CLOSE, false],
    [1, 0, 0, false],
    [1, 0, F_KEEP_ALIVE, true],
    [1, 0, F_KEEP_ALIVE | F_CLOSE, true],
  ])('HTTP/%d.%d with options %d persists: %s', (major, minor, flags, persists) => {
    expect(persistent(major, minor, flags)).toBe(persists);
  });
});
