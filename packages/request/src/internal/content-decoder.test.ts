import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ContentDecoder, parseContentEncoding } from './content-decoder.js';

const text = 'gdhttp '.repeat(5000);
const plain = new TextEncoder().encode(text);

async function decode(codings: string, wire: Uint8Array, limit = -1, split = 1000) {
  const parsed = parseContentEncoding(codings);
  if (!Array.isArray(parsed)) throw new Error(parsed);
  const out: Uint8Array[] = [];
  const decoder = new ContentDecoder(parsed, limit, (chunk) => out.push(Uint8Array.from(chunk)));
  for (let at = 0; at < wire.length && decoder.failure === null; at += split) {
    await decoder.write(wire.subarray(at, at + split));
  }
  await decoder.end();
  return {
    failure: decoder.failure,
    decoded: decoder.decodedBytes,
    body: Buffer.concat(out).toString(),
  };
}

describe('parseContentEncoding', () => {
  it('reads codings outermost first and ignores identity', () => {
    expect(parseContentEncoding(undefined)).toEqual([]);
    expect(parseContentEncoding('identity')).toEqual([]);
    expect(parseContentEncoding(' GZIP ')).toEqual(['gzip']);
    expect(parseContentEncoding('x-gzip')).toEqual(['gzip']);
    expect(parseContentEncoding('deflate, br')).toEqual(['br', 'deflate']);
  });

  it('refuses unknown codings and chains longer than 5', () => {
    expect(parseContentEncoding('compress')).toBe('unsupported');
    expect(parseContentEncoding('gzip, zstd')).toBe('unsupported');
    expect(parseContentEncoding('gzip,gzip,gzip,gzip,gzip')).toHaveLength(5);
    expect(parseContentEncoding('gzip,gzip,gzip,gzip,gzip,gzip')).toBe('too-many');
  });
});

describe('ContentDecoder', () => {
  it.each([
    ['gzip', gzipSync(plain)],
    ['deflate', deflateSync(plain)],
    ['deflate', deflateRawSync(plain)],
    ['br', brotliCompressSync(plain)],
  ])('decodes %s in slices', async (coding, wire) => {
    for (const split of [1, 7, 4096]) {
      const result = await decode(coding, wire, -1, split);
      expect(result).toEqual({ failure: null, decoded: plain.length, body: text });
    }
  });

  it('undoes a chain of codings in reverse order', async () => {
    const wire = brotliCompressSync(gzipSync(plain));
    expect((await decode('gzip, br', wire)).body).toBe(text);
  });

  it('stops a bomb at the limit while decoding', async () => {
    // 64 MiB of zeros compress to ~64 KiB; the limit stops inflation long before the end.
    const bomb = gzipSync(new Uint8Array(64 * 1024 * 1024));
    const before = process.memoryUsage().rss;
    const result = await decode('gzip', bomb, 1024 * 1024, 16 * 1024);
    expect(result.failure).toBe('limit');
    expect(result.body.length).toBeLessThanOrEqual(1024 * 1024);
    expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024);
  });

  it('allows a body exactly at the limit', async () => {
    expect((await decode('gzip', gzipSync(plain), plain.length)).failure).toBeNull();
  });

  it('reports corrupt and truncated streams', async () => {
    expect((await decode('gzip', new TextEncoder().encode('not gzip at all'))).failure).toBe(
      'corrupt',
    );
    const wire = gzipSync(plain);
    expect((await decode('gzip', wire.subarray(0, wire.length - 10))).failure).toBe('corrupt');
  });

  it('decodes an empty body to nothing', async () => {
    expect(await decode('gzip', new Uint8Array(0))).toEqual({
      failure: null,
      decoded: 0,
      body: '',
    });
  });
});
