import { ErrorCode } from '@gdhttp/constants';
import { describe, expect, it } from 'vitest';
import type { HTTPRequestError } from './internal/request-types.js';
import { NdjsonReader } from './ndjson-reader.js';

const TEXT = '{"a":1}\n\n  \r\n{"b":"é€😀"}\r\n[1,2]\n"last"';
const VALUES = [{ a: 1 }, { b: 'é€😀' }, [1, 2], 'last'];

/** `bytes` as pieces cut at `cuts`. */
async function* pieces(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    yield bytes.subarray(at, cut);
    at = cut;
  }
}

async function all<T>(reader: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of reader) out.push(v);
  return out;
}

describe('NdjsonReader', () => {
  const bytes = new TextEncoder().encode(TEXT);

  it('reads the same values wherever the pieces are cut (every one and two cuts)', async () => {
    for (let i = 0; i <= bytes.length; i++) {
      expect(await all(new NdjsonReader(pieces(bytes, [i]))), `cut ${i}`).toEqual(VALUES);
      for (let j = i; j <= bytes.length; j += 3) {
        expect(await all(new NdjsonReader(pieces(bytes, [i, j])))).toEqual(VALUES);
      }
    }
  });

  it('throws INVALID_DATA for a line over maxLineLength, also one never ended', async () => {
    const long = new TextEncoder().encode(`"${'x'.repeat(100)}"\n`);
    const cut = [...Array(20).keys()].map((k) => k * 5);
    for (const source of [pieces(long, []), pieces(long, cut), pieces(long.subarray(0, 60), cut)]) {
      const error = await all(new NdjsonReader(source, { maxLineLength: 50 })).catch((e) => e);
      expect((error as HTTPRequestError).code).toBe(ErrorCode.INVALID_DATA);
    }
    // Exactly at the bound, with a CRLF split across pieces, is fine.
    const exact = new TextEncoder().encode(`"${'x'.repeat(48)}"\r\n`);
    expect(await all(new NdjsonReader(pieces(exact, [50]), { maxLineLength: 50 }))).toHaveLength(1);
  });

  it('throws PARSE_ERROR naming the line, with the SyntaxError as cause, and releases the source', async () => {
    let released = false;
    async function* source() {
      try {
        yield new TextEncoder().encode('1\n2\n{nope}\n4\n');
        yield new Uint8Array(0);
      } finally {
        released = true;
      }
    }
    const got: unknown[] = [];
    const error = (await (async () => {
      for await (const v of new NdjsonReader(source())) got.push(v);
    })().catch((e) => e)) as HTTPRequestError;
    expect(got).toEqual([1, 2]);
    expect(error.code).toBe(ErrorCode.PARSE_ERROR);
    expect(error.message).toContain('line 3');
    expect(error.cause).toBeInstanceOf(SyntaxError);
    expect(released).toBe(true);
  });

  it('passes the reviver to JSON.parse', async () => {
    const reader = new NdjsonReader(pieces(new TextEncoder().encode('{"n":"7"}\n'), []), {
      reviver: (key, value) => (key === 'n' ? Number(value) : value),
    });
    expect(await all(reader)).toEqual([{ n: 7 }]);
  });

  it.each([
    [
      'a source that is not iterable',
      () => new NdjsonReader(42 as unknown as AsyncIterable<Uint8Array>),
    ],
    [
      'maxLineLength 0',
      () => new NdjsonReader(pieces(new Uint8Array(0), []), { maxLineLength: 0 }),
    ],
    [
      'pieces that are strings',
      () =>
        new NdjsonReader(
          (async function* () {
            yield '1\n';
          })() as unknown as AsyncIterable<Uint8Array>,
        ),
    ],
  ])('rejects %s with INVALID_PARAMETER, never throwing', async (_, make) => {
    const reader = make();
    const error = await all(reader).catch((e) => e);
    expect((error as HTTPRequestError).code).toBe(ErrorCode.INVALID_PARAMETER);
  });
});
