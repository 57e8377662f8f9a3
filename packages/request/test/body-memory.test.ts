// Issue #12: a body collected in memory must cost memory in proportion to its bytes, not to the
// number of pieces it arrived in. A chunked body of 1-byte chunks hands HTTPRequest one 1-byte
// piece per chunk however TCP groups the bytes; kept one object per piece, a 1 MiB limit let the
// process grow by 110–150 MiB before BODY_SIZE_LIMIT_EXCEEDED.
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Method, Result } from '@gdhttp/constants';
import { type ScriptedServer, startScriptedServer } from '@gdhttp/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { HTTPRequest } from '../src/index.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const gc = globalThis.gc as (() => void) | undefined;

/** What the JS heap and the array buffers hold: the memory a collected body costs. */
function live(): number {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** `bytes` as a chunked body of 1-byte chunks, with its head, in one buffer. */
function oneByteChunks(bytes: Uint8Array, fields = ''): Buffer {
  const wire = Buffer.alloc(bytes.length * 6);
  for (let i = 0; i < bytes.length; i++) {
    wire[i * 6] = 0x31; // '1'
    wire[i * 6 + 1] = 0x0d;
    wire[i * 6 + 2] = 0x0a;
    wire[i * 6 + 3] = bytes[i]!;
    wire[i * 6 + 4] = 0x0d;
    wire[i * 6 + 5] = 0x0a;
  }
  return Buffer.concat([
    Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n${fields}\r\n`),
    wire,
    Buffer.from('0\r\n\r\n'),
  ]);
}

/**
 * Runs one request against `wire` with `limit`, and returns how far live memory rose above what
 * it was before, sampled (after a full collection, so only what is still referenced counts) every
 * `every` pieces while the body arrives.
 */
async function peakGrowth(
  wire: Uint8Array,
  limit: number,
  every: number,
  onBody?: (chunk: Uint8Array) => void,
) {
  if (gc === undefined) throw new Error('run with --expose-gc (vitest.shared.ts sets it)');
  const s = await startScriptedServer({ replies: [[wire]] });
  servers.push(s);
  const http = new HTTPRequest();
  http.bodySizeLimit = limit;
  let pieces = 0;
  let peak = 0;
  gc();
  const before = live();
  http.on('progress', () => {
    if (++pieces % every !== 0) return;
    gc();
    peak = Math.max(peak, live() - before);
  });
  const r = await http.request(
    `http://${s.host}:${s.port}/`,
    [],
    Method.GET,
    '',
    onBody === undefined ? {} : { onBody },
  );
  http.close();
  return { result: r.result, pieces, growth: peak };
}

describe('HTTPRequest collects a body in memory at O(bytes)', () => {
  const MIB = 1024 * 1024;

  it('a chunked body of 1-byte chunks past a 1 MiB limit grows memory by at most 4x the limit', async () => {
    const limit = MIB;
    const { result, pieces, growth } = await peakGrowth(
      oneByteChunks(randomBytes(limit + 64 * 1024)),
      limit,
      64 * 1024,
    );
    expect(result).toBe(Result.BODY_SIZE_LIMIT_EXCEEDED);
    expect(pieces).toBeGreaterThan(limit);
    // The bytes themselves, room to grow, and a constant for the parser and socket buffers.
    expect(growth).toBeLessThan(4 * limit + 2 * MIB);
  }, 60_000);

  it('hands over exactly the bytes, from 1-byte chunks and from a Content-Length body', async () => {
    const bytes = randomBytes(200_000);
    const s = await startScriptedServer({
      replies: [
        [oneByteChunks(bytes)],
        [
          `HTTP/1.1 200 OK\r\nContent-Length: ${bytes.length}\r\n\r\n`,
          { drip: bytes, chunk: 50_000, every: 1 },
        ],
      ],
    });
    servers.push(s);
    const http = new HTTPRequest();
    const url = `http://${s.host}:${s.port}/`;
    for (let i = 0; i < 2; i++) {
      const r = await http.request(url);
      expect(r.result).toBe(Result.SUCCESS);
      expect(Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength).equals(bytes)).toBe(
        true,
      );
    }
    http.close();
  });

  it.each([
    ['collected', undefined],
    ['streamed to onBody', () => {}],
  ])(
    'a gzip body arriving in 1-byte chunks, %s, costs O(bytes) too',
    async (_, onBody) => {
      // Stored (level 0) deflate blocks decode byte for byte, so zlib hands out a tiny piece per
      // wire piece. Each piece also used to leave a reaction on the decoder's failure promise.
      const limit = 128 * 1024;
      const body = gzipSync(randomBytes(limit + 16 * 1024), { level: 0 });
      const { result, pieces, growth } = await peakGrowth(
        oneByteChunks(body, 'Content-Encoding: gzip\r\n'),
        limit,
        16 * 1024,
        onBody,
      );
      expect(result).toBe(Result.BODY_SIZE_LIMIT_EXCEEDED);
      expect(pieces).toBeGreaterThan(limit);
      expect(growth).toBeLessThan(4 * limit + 2 * MIB);
    },
    60_000,
  );
});
