// onBody's pieces: kept pieces stay intact (a callback may push them into an array, as every other
// Node client allows), and with `transientBody` a callback that copies gets the same bytes while
// the connection reads into recycled buffers.
import { Method, Result } from '@gdhttp/constants';
import { type ScriptedServer, startScriptedServer } from '@gdhttp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTPRequest } from '../src/index.js';

const SIZE = 8 * 1024 * 1024;
/** The scripted server's `{ pattern }` body: byte i is `i & 0xff`. */
const expected = Buffer.alloc(SIZE);
for (let i = 0; i < SIZE; i++) expected[i] = i & 0xff;

describe('HTTPRequest onBody pieces', () => {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScriptedServer({
      replies: [[`HTTP/1.1 200 OK\r\nContent-Length: ${SIZE}\r\n\r\n`, { pattern: SIZE }]],
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('may be kept without copying: later reads never overwrite a piece', async () => {
    const kept: Uint8Array[] = [];
    const http = new HTTPRequest();
    http.acceptGzip = false;
    const result = await http.request(`http://127.0.0.1:${server.port}/`, [], Method.GET, '', {
      onBody: (piece) => {
        kept.push(piece);
      },
    });
    expect(result.result).toBe(Result.SUCCESS);
    expect(kept.length).toBeGreaterThan(1);
    expect(Buffer.concat(kept).equals(expected)).toBe(true);
  });

  it('with transientBody, are the same bytes for a callback that copies them', async () => {
    const copied: Uint8Array[] = [];
    const http = new HTTPRequest();
    http.acceptGzip = false;
    const result = await http.request(`http://127.0.0.1:${server.port}/`, [], Method.GET, '', {
      transientBody: true,
      onBody: async (piece) => {
        // Valid until the promise settles, even across a turn of the event loop.
        await new Promise((resolve) => setImmediate(resolve));
        copied.push(piece.slice());
      },
    });
    expect(result.result).toBe(Result.SUCCESS);
    expect(Buffer.concat(copied).equals(expected)).toBe(true);
  });
});
