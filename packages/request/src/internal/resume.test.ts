import { describe, expect, it } from 'vitest';
import {
  decideResume,
  parseContentRange,
  type ResumePoint,
  rangeHeaders,
  representationOf,
} from './resume.js';

const point: ResumePoint = { offset: 100, validator: '"abc"', length: 1000, from: 'file' };

describe('parseContentRange', () => {
  it.each([
    ['bytes 100-999/1000', { first: 100, last: 999, length: 1000 }],
    ['bytes 0-0/*', { first: 0, last: 0, length: -1 }],
    ['bytes */1000', { first: -1, last: -1, length: 1000 }],
    ['bytes 5-4/10', null],
    ['bytes 0-10/10', null],
    ['items 0-1/2', null],
    [undefined, null],
  ])('%j', (value, range) => {
    expect(parseContentRange(value)).toEqual(range);
  });
});

describe('decideResume', () => {
  it.each([
    [200, [], 'restart'],
    [206, ['Content-Range: bytes 100-999/1000'], 'append'],
    [206, ['Content-Range: bytes 0-999/1000'], 'again'],
    [206, ['Content-Range: bytes 100-500/1000'], 'again'],
    [206, ['Content-Range: bytes 100-1999/2000'], 'again'],
    [206, ['Content-Range: bytes 100-999/*'], 'again'],
    [206, [], 'again'],
    [206, ['Content-Range: bytes 100-999/1000', 'Content-Encoding: gzip'], 'again'],
    [416, ['Content-Range: bytes */100'], 'complete'],
    [416, ['Content-Range: bytes */50'], 'again'],
    [416, [], 'again'],
    [404, [], 'final'],
    [503, [], 'final'],
  ] as const)('%i %j: %s', (code, headers, decision) => {
    expect(decideResume(point, code, headers)).toBe(decision);
  });

  it('takes a 206 of any length when the length was not known', () => {
    const unknown = { ...point, length: -1 };
    expect(decideResume(unknown, 206, ['Content-Range: bytes 100-1999/2000'])).toBe('append');
  });
});

describe('rangeHeaders', () => {
  it('asks for the rest, guarded by If-Range, without a content coding', () => {
    expect(rangeHeaders(['Accept-Encoding: gzip', 'X-A: 1'], point)).toEqual([
      'X-A: 1',
      'Range: bytes=100-',
      'Accept-Encoding: identity',
      'If-Range: "abc"',
    ]);
    expect(rangeHeaders([], { ...point, validator: null })).toEqual([
      'Range: bytes=100-',
      'Accept-Encoding: identity',
    ]);
  });
});

describe('representationOf', () => {
  it('prefers a strong ETag, never a weak one, then Last-Modified', () => {
    const lm = 'Last-Modified: Wed, 01 Apr 2026 12:00:00 GMT';
    expect(representationOf(200, ['ETag: "x"', lm, 'Content-Length: 5'])).toEqual({
      validator: '"x"',
      length: 5,
    });
    expect(representationOf(200, ['ETag: W/"x"', lm]).validator).toBe(
      'Wed, 01 Apr 2026 12:00:00 GMT',
    );
    expect(representationOf(200, ['ETag: W/"x"']).validator).toBeNull();
    expect(representationOf(206, ['Content-Range: bytes 5-9/10', 'Content-Length: 5']).length).toBe(
      10,
    );
    expect(representationOf(200, ['Content-Length: 5', 'Content-Encoding: gzip']).length).toBe(-1);
  });
});
