import { ErrorCode } from '@gdhttp/constants';
import { describe, expect, it } from 'vitest';
import { RequestError } from './request-error.js';
import {
  isValidHeader,
  isValidMethod,
  isValidTarget,
  serializeRequest,
} from './serialize-request.js';

const text = (b: Uint8Array): string => String.fromCharCode(...b);

function refusal(fn: () => unknown): RequestError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RequestError) return err;
    throw err;
  }
  throw new Error('expected a RequestError');
}

describe('serializeRequest', () => {
  it('writes the request line, headers in order, a blank line and the body', () => {
    const out = serializeRequest('POST', '/a?b=1', ['Host: x', 'X-A: 1'], 'hi');
    expect(text(out)).toBe('POST /a?b=1 HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\r\nhi');
  });

  it('encodes non-ASCII targets, headers and string bodies as UTF-8 like Godot', () => {
    const out = serializeRequest('GET', '/é', ['X: ü'], '€😀');
    expect(Array.from(out.subarray(4, 7))).toEqual([0x2f, 0xc3, 0xa9]);
    expect(Array.from(out.subarray(out.length - 7))).toEqual([
      0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80,
    ]);
  });

  it('copies a byte body verbatim', () => {
    const out = serializeRequest('PUT', '/', [], new Uint8Array([0, 13, 10, 255]));
    expect(Array.from(out.subarray(out.length - 4))).toEqual([0, 13, 10, 255]);
  });

  it('never hands out the same bytes twice: earlier requests stay intact', () => {
    const kept = Array.from({ length: 500 }, (_, i) =>
      serializeRequest('GET', `/${i}`, [`X-N: ${'n'.repeat(i % 97)}`], ''),
    );
    kept.forEach((out, i) => {
      expect(text(out)).toBe(`GET /${i} HTTP/1.1\r\nX-N: ${'n'.repeat(i % 97)}\r\n\r\n`);
    });
    const byBuffer = new Map<ArrayBufferLike, [number, number][]>();
    for (const out of kept) {
      const list = byBuffer.get(out.buffer) ?? [];
      list.push([out.byteOffset, out.byteOffset + out.length]);
      byBuffer.set(out.buffer, list);
    }
    for (const list of byBuffer.values()) {
      list.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < list.length; i++)
        expect(list[i - 1]![1]).toBeLessThanOrEqual(list[i]![0]);
    }
    // A large request gets a buffer of its own.
    const big = serializeRequest('POST', '/', [], new Uint8Array(100_000));
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(big.length);
  });

  it('accepts absolute-form, authority-form for CONNECT and * for OPTIONS', () => {
    expect(text(serializeRequest('GET', 'http://h:8/p', [], ''))).toMatch(/^GET http:\/\/h:8\/p /);
    expect(text(serializeRequest('CONNECT', 'h:443', [], ''))).toMatch(/^CONNECT h:443 /);
    expect(text(serializeRequest('OPTIONS', '*', [], ''))).toMatch(/^OPTIONS \* /);
  });

  it('refuses CR, LF or NUL in a header with INVALID_PARAMETER and the header index', () => {
    for (const bad of ['X: a\r\nY: b', 'X: a\nb', 'X: a\0b', 'X: a\rb']) {
      const err = refusal(() => serializeRequest('GET', '/', ['Ok: 1', bad], ''));
      expect(err.part).toBe('header');
      expect(err.index).toBe(1);
      expect(err.code).toBe(ErrorCode.INVALID_PARAMETER);
      expect(err.message).not.toContain('a\r');
    }
  });

  it('refuses a method that is not a token', () => {
    for (const bad of ['', 'GE T', 'GET\r\n', 'G\0', 'GÉT']) {
      expect(refusal(() => serializeRequest(bad, '/', [], '')).part).toBe('method');
    }
  });

  it('refuses targets of the wrong form or with whitespace and control bytes', () => {
    const cases: [string, string][] = [
      ['GET', ''],
      ['GET', 'index.html'],
      ['GET', 'HTTP://x/'],
      ['GET', '/a b'],
      ['GET', '/a\r\nX: y'],
      ['GET', '/\0'],
      ['GET', '*'],
      ['CONNECT', ':443'],
      ['CONNECT', 'host:'],
      ['CONNECT', 'host'],
    ];
    for (const [method, target] of cases) {
      expect(refusal(() => serializeRequest(method, target, [], '')).part).toBe('target');
    }
  });
});

describe('serializeRequest, one pass and checked', () => {
  // A byte body takes the one-pass path for ASCII requests; a string body always takes the checked
  // one. Both must write the same bytes, or refuse the same part at the same index.
  const pieces = [
    'a',
    'X',
    '-',
    ':',
    ' ',
    '/',
    '\t',
    '\r',
    '\n',
    '\0',
    '\x7f',
    'é',
    '€',
    '😀',
    '*',
    'http://',
  ];
  let seed = 0x2f6b;
  const next = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const word = (max: number): string =>
    Array.from({ length: next(max) }, () =>
      next(12) === 0 ? pieces[next(pieces.length)] : 'k',
    ).join('');

  const outcome = (fn: () => Uint8Array): string => {
    try {
      return `ok ${text(fn())}`;
    } catch (err) {
      if (!(err instanceof RequestError)) throw err;
      return `refused ${err.part} ${err.index}`;
    }
  };

  it('agree on random requests, valid and not', () => {
    const methods = [
      'GET',
      'POST',
      'PUT',
      'GET',
      'CONNECT',
      'OPTIONS',
      'GÉT',
      '',
      'GE T',
      'GET',
      'POST',
      'DELETE',
    ];
    let refused = 0;
    for (let n = 0; n < 5000; n++) {
      const method = methods[next(methods.length)]!;
      const target = next(8) === 0 ? word(6) : `/${word(12)}`;
      const headers = Array.from({ length: next(5) }, () =>
        next(5) === 0 ? word(10) : `${word(6) || 'N'}: ${word(20)}`,
      );
      const fast = outcome(() => serializeRequest(method, target, headers, new Uint8Array(0)));
      const checked = outcome(() => serializeRequest(method, target, headers, ''));
      expect(fast, JSON.stringify({ method, target, headers })).toBe(checked);
      if (fast.startsWith('refused')) refused++;
    }
    // Both kinds were drawn often enough to mean something.
    expect(refused).toBeGreaterThan(500);
    expect(refused).toBeLessThan(4500);
  });

  it("gives a refused request's room back: the next request starts where it would have", () => {
    const first = serializeRequest('GET', '/', ['A: 1'], new Uint8Array(0));
    refusal(() => serializeRequest('GET', '/', ['A: 1', 'B: \r'], new Uint8Array(0)));
    const second = serializeRequest('GET', '/', ['A: 1'], new Uint8Array(0));
    if (second.buffer === first.buffer) {
      expect(second.byteOffset).toBe((first.byteOffset + first.length + 7) & ~7);
    }
    expect(text(first)).toBe(text(second));
  });
});

describe('isValidHeader', () => {
  it('accepts token names with any value, including an empty one', () => {
    expect(isValidHeader('X:')).toBe(true);
    expect(isValidHeader('X: ')).toBe(true);
    expect(isValidHeader('Accept: */*')).toBe(true);
  });

  it("refuses what Godot's verify_headers refuses and whitespace around the name", () => {
    for (const bad of ['', 'InvalidHeader', ':', ': x', ' Host: x', 'Host : x', 'A B: c']) {
      expect(isValidHeader(bad)).toBe(false);
    }
  });
});

describe('isValidMethod', () => {
  it('accepts tokens and refuses everything else', () => {
    expect(isValidMethod('PATCH')).toBe(true);
    expect(isValidMethod('M-SEARCH')).toBe(true);
    expect(isValidMethod('GET /')).toBe(false);
  });
});

describe('isValidTarget', () => {
  it('applies the CONNECT and OPTIONS rules only to those methods', () => {
    expect(isValidTarget('OPTIONS', '*')).toBe(true);
    expect(isValidTarget('CONNECT', 'a:1')).toBe(true);
    expect(isValidTarget('GET', 'a:1')).toBe(false);
  });
});
