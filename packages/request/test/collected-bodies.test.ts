// Issue 19: a Content-Length body collected in memory is read into receive buffers recycled
// across connections and copied into the body's own array, instead of into a new slab per read.
// Many requests at once, each body different: a buffer read into again before its bytes were
// copied, or handed to two connections, would show in some body.
import { randomBytes } from 'node:crypto';
import { Result } from '@gdhttp/constants';
import { type ScriptedServer, startScriptedServer } from '@gdhttp/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { HTTPRequest } from '../src/index.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const SOURCE = randomBytes(1 << 20);
/** Body sizes: within the first read, a few reads, several recycled buffers. */
const SIZES = [700, 3000, 70_000, 300_000];

/** The body served for `GET /<size>/<offset>`. */
function bodyFor(size: number, offset: number): Buffer {
  return SOURCE.subarray(offset, offset + size);
}

async function server(): Promise<ScriptedServer> {
  const s = await startScriptedServer({
    replies: (request) => {
      const [, size, offset] = request.requestLine.split(' ')[1]!.split('/').map(Number);
      const body = bodyFor(size!, offset!);
      return [`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`, body];
    },
  });
  servers.push(s);
  return s;
}

describe('HTTPRequest collects Content-Length bodies through recycled reads', () => {
  it('keeps every byte of 200 bodies read at once, each in an array of its own length', async () => {
    const s = await server();
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const size = SIZES[i % SIZES.length]!;
        const offset = (i * 4099) % (SOURCE.length - size);
        const http = new HTTPRequest();
        try {
          const r = await http.request(`http://${s.host}:${s.port}/${size}/${offset}`);
          return { r, expected: bodyFor(size, offset) };
        } finally {
          http.close();
        }
      }),
    );
    for (const { r, expected } of results) {
      expect(r.result).toBe(Result.SUCCESS);
      expect(Buffer.from(r.body.buffer, r.body.byteOffset, r.body.length).equals(expected)).toBe(
        true,
      );
      // Its own array: a kept body holds no receive buffer (nor a slab) alive.
      expect(r.body.buffer.byteLength).toBe(expected.length);
    }
  }, 60_000);

  it('keeps every byte of bodies read one after another on one kept-alive connection', async () => {
    const s = await server();
    const http = new HTTPRequest();
    const kept: Array<[Uint8Array, Buffer]> = [];
    for (let i = 0; i < 12; i++) {
      const size = SIZES[i % SIZES.length]!;
      const offset = (i * 7919) % (SOURCE.length - size);
      const r = await http.request(`http://${s.host}:${s.port}/${size}/${offset}`);
      expect(r.result).toBe(Result.SUCCESS);
      kept.push([r.body, bodyFor(size, offset)]);
    }
    http.close();
    expect(s.connections).toBe(1);
    // Checked at the end: later responses were read into the buffers of earlier ones.
    for (const [body, expected] of kept) {
      expect(Buffer.from(body.buffer, body.byteOffset, body.length).equals(expected)).toBe(true);
    }
  }, 60_000);
});
