/**
 * Fuzz test of ResponseParser: random bytes and mutated responses, split at random points, must
 * only ever raise ParseError, in bounded time per input, with bounded memory; endless heads,
 * extensions, 1xx floods and bodies stay within the parser's limits.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_CHUNK_EXTENSION_SIZE,
  DEFAULT_MAX_HEADER_SIZE,
  ParseError,
  ResponseParser,
} from '../src/index.ts';
import { bytes } from './oracle/types.ts';
import { generateCase } from './support/generate.ts';
import { Prng, seedFromEnv } from './support/prng.ts';
import { splitAt } from './support/split.ts';

const seed = seedFromEnv('GDHTTP_FUZZ_SEED');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapUsed = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

/** Feeds `chunks` to a fresh parser with every callback set; returns the error it raised. */
function feed(chunks: Uint8Array[], method: string, lenient: boolean): ParseError | null {
  let sink = 0;
  const parser = new ResponseParser(
    {
      onMessageBegin: () => {},
      onStatus: (s, r) => {
        sink += s + r.length;
      },
      onHeader: (n, v, l) => {
        sink += n.length + v.length + l.length;
      },
      onInformational: (h) => {
        sink += h.status;
      },
      onHeadersComplete: (h) => {
        sink += h.status;
      },
      onBody: (d) => {
        sink += d.length;
      },
      onTrailer: (n, v) => {
        sink += n.length + v.length;
      },
      onMessageComplete: () => {},
    },
    { method, lenient },
  );
  try {
    for (const c of chunks) {
      parser.execute(c);
      if (parser.upgraded) return null;
    }
    parser.finish();
  } catch (err) {
    if (err instanceof ParseError) return err;
    throw err;
  }
  if (sink < 0) throw new Error('unreachable: keeps the callbacks observable');
  return null;
}

function randomBytes(rng: Prng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  // mostly bytes that matter to HTTP framing, some anything
  const interesting = bytes(
    'HTTP/1.1 200 OK\r\n:; \t0123456789abcdefABCDEF,chunked\x00\x7f\x80\xff',
  );
  for (let i = 0; i < n; i++)
    b[i] = rng.chance(0.7) ? interesting[rng.int(interesting.length)]! : rng.int(256);
  return b;
}

describe('ResponseParser fuzz', () => {
  it(`raises only ParseError on 20,000 random and mutated inputs, fast (seed ${seed})`, () => {
    const rng = new Prng(seed);
    let errors = 0;
    let slowest = 0;
    for (let i = 0; i < 20_000; i++) {
      const input = rng.chance(0.3)
        ? concat(bytes('HTTP/1.1 200 OK\r\n'), randomBytes(rng, rng.int(300)))
        : rng.chance(0.5)
          ? randomBytes(rng, rng.int(300))
          : bytes(generateCase(rng).text);
      const chunks = splitAt(input, [rng.int(input.length + 1), rng.int(input.length + 1)]);
      const method = rng.pick(['GET', 'HEAD', 'CONNECT']);
      const t0 = performance.now();
      let err: ParseError | null = null;
      try {
        err = feed(chunks, method, rng.chance(0.2));
      } catch (e) {
        throw new Error(
          `non-ParseError on input ${JSON.stringify(Buffer.from(input).toString('latin1'))}: ${e}`,
        );
      }
      slowest = Math.max(slowest, performance.now() - t0);
      if (err) {
        errors++;
        expect(err.offset).toBeGreaterThanOrEqual(0);
        expect(err.offset).toBeLessThanOrEqual(input.length);
      }
    }
    console.log(
      `fuzz seed=${seed} (GDHTTP_FUZZ_SEED): ${errors} of 20000 rejected, slowest input ${slowest.toFixed(2)} ms`,
    );
    expect(errors).toBeGreaterThan(1000);
    // inputs are < 1 KB: anything near 100 ms would be a super-linear path
    expect(slowest).toBeLessThan(100);
  });

  it('keeps the heap bounded over 50,000 inputs', () => {
    const rng = new Prng(seed ^ 0x9e3779b9);
    const inputs = Array.from({ length: 200 }, () => bytes(generateCase(rng).text));
    const run = () => {
      for (let i = 0; i < 50_000; i++) {
        const input = inputs[i % inputs.length]!;
        feed([input], 'GET', false);
      }
    };
    run(); // warm up: JIT code and interned strings
    const before = heapUsed();
    run();
    const growth = heapUsed() - before;
    expect(growth).toBeLessThan(4 << 20);
  });

  it('stops an endless header section at the head limit', () => {
    const parser = new ResponseParser({}, {});
    const line = bytes(`X-Filler: ${'a'.repeat(100)}\r\n`);
    let fed = 0;
    let error: unknown = null;
    try {
      parser.execute(bytes('HTTP/1.1 200 OK\r\n'));
      for (let i = 0; i < 100_000; i++) {
        parser.execute(line);
        fed += line.length;
      }
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParseError);
    expect(['HEADER_OVERFLOW', 'TOO_MANY_HEADERS']).toContain((error as ParseError).reason);
    expect(fed).toBeLessThanOrEqual(DEFAULT_MAX_HEADER_SIZE);
  });

  it('stops one endless header value at the head limit', () => {
    const parser = new ResponseParser({}, {});
    const chunk = new Uint8Array(4096).fill(0x61);
    let fed = 0;
    let error: unknown = null;
    try {
      parser.execute(bytes('HTTP/1.1 200 OK\r\nX-Long: '));
      for (let i = 0; i < 10_000; i++) {
        parser.execute(chunk);
        fed += chunk.length;
      }
    } catch (e) {
      error = e;
    }
    expect((error as ParseError).reason).toBe('HEADER_OVERFLOW');
    expect(fed).toBeLessThanOrEqual(DEFAULT_MAX_HEADER_SIZE);
  });

  it('stops an endless chunk extension at its limit', () => {
    const parser = new ResponseParser({}, {});
    const chunk = bytes(';a=b'.repeat(1024));
    let fed = 0;
    let error: unknown = null;
    try {
      parser.execute(bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5'));
      for (let i = 0; i < 10_000; i++) {
        parser.execute(chunk);
        fed += chunk.length;
      }
    } catch (e) {
      error = e;
    }
    expect((error as ParseError).reason).toBe('CHUNK_EXTENSIONS_OVERFLOW');
    expect(fed).toBeLessThanOrEqual(DEFAULT_MAX_CHUNK_EXTENSION_SIZE);
  });

  it('stops a flood of 1xx responses', () => {
    const parser = new ResponseParser({}, {});
    const early = bytes('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n');
    let error: unknown = null;
    try {
      for (let i = 0; i < 100_000; i++) parser.execute(early);
    } catch (e) {
      error = e;
    }
    expect((error as ParseError).reason).toBe('TOO_MANY_INFORMATIONAL');
  });

  it('streams 256 MiB of endless body (chunked and read-until-close) without retaining it', () => {
    const chunkData = new Uint8Array(65536).fill(0x62);
    const framed = concat(bytes('10000\r\n'), chunkData, bytes('\r\n'));
    for (const [head, piece] of [
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', framed],
      ['HTTP/1.1 200 OK\r\n\r\n', chunkData],
    ] as const) {
      let body = 0;
      const parser = new ResponseParser(
        {
          onBody: (d) => {
            body += d.length;
          },
        },
        {},
      );
      parser.execute(bytes(head));
      const before = heapUsed();
      for (let i = 0; i < 4096; i++) parser.execute(piece);
      const growth = heapUsed() - before;
      expect(body).toBe(4096 * 65536);
      expect(growth).toBeLessThan(2 << 20);
    }
  });
});

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
