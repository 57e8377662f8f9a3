import { randomBytes } from 'node:crypto';
import { Method, Status } from '@gdhttp/constants';
import { type ScriptedServer, startScriptedServer } from '@gdhttp/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { HTTPClient } from '../src/index.js';
import { connect, drive } from './drive.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

// Random bytes: a read into a buffer a view still lies in would show.
const BODY = randomBytes(4 * 1024 * 1024 + 123);

/** `BODY` as a chunked body in chunks of 1 to 40,000 bytes. */
function chunked(): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0, n = 1; at < BODY.length; at += n, n = (n * 7919) % 40_000 || 1) {
    const piece = BODY.subarray(at, at + n);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

/**
 * Reads the body with `readResponseBodyView(true)`, copying each view at once and showing it to
 * `onView` first; yields every third view unless `yields` is false.
 */
async function readTransient(
  client: HTTPClient,
  { yields = true, onView }: { yields?: boolean; onView?: (view: Uint8Array) => void } = {},
): Promise<Buffer> {
  const copies: Uint8Array[] = [];
  while (client.getStatus() === Status.BODY) {
    const news = client.news();
    client.poll();
    const view = client.readResponseBodyView(true);
    if (view.length > 0) {
      onView?.(view);
      copies.push(view.slice());
      // A consumer that yields now and then: the socket reads on while the reader still queues
      // pieces of an earlier read (several chunks of one read).
      if (yields && copies.length % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    if (client.getStatus() === Status.BODY) await news;
  }
  return Buffer.concat(copies);
}

describe('HTTPClient.readResponseBodyView(true)', () => {
  it('hands out every byte of keep-alive Content-Length and chunked bodies, and their heads', async () => {
    const server = await startScriptedServer({
      replies: [
        [`HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\nX-One: 1\r\n\r\n`, BODY],
        ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Two: 2\r\n\r\n', chunked()],
        [`HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\nX-Three: 3\r\n\r\n`, BODY],
      ],
    });
    servers.push(server);
    const client = new HTTPClient();
    await connect(client, server.host, server.port);
    for (const name of ['X-One', 'X-Two', 'X-Three']) {
      expect(client.request(Method.GET, '/', [])).toBe(0);
      await drive(client, (s) => s !== Status.REQUESTING);
      const body = await readTransient(client);
      expect(body.equals(BODY)).toBe(true);
      expect(client.getStatus()).toBe(Status.CONNECTED);
      // The head's lines are decoded on demand, after the body was read into recycled buffers.
      expect(client.getResponseHeaders()).toContain(
        `${name}: ${name === 'X-One' ? 1 : name === 'X-Two' ? 2 : 3}`,
      );
    }
    client.close();
  }, 30_000);

  it('lets another connection read into the last buffer once the body ended and a transient read follows', async () => {
    const server = await startScriptedServer({
      replies: [[`HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\n\r\n`, BODY]],
    });
    servers.push(server);
    /**
     * Reads one response in transient views; returns the body and the buffers of the views that
     * lay in recycled buffers (plain Uint8Arrays; slab views are Buffers), in order.
     */
    const readOne = async (client: HTTPClient) => {
      expect(client.request(Method.GET, '/', [])).toBe(0);
      await drive(client, (s) => s !== Status.REQUESTING);
      const recycled: ArrayBufferLike[] = [];
      const body = await readTransient(client, {
        yields: false,
        onView: (view) => {
          if (!Buffer.isBuffer(view)) recycled.push(view.buffer);
        },
      });
      return { recycled, body };
    };
    const a = new HTTPClient();
    const b = new HTTPClient();
    await connect(a, server.host, server.port);
    await connect(b, server.host, server.port);
    const first = await readOne(a);
    expect(first.body.equals(BODY)).toBe(true);
    expect(a.getStatus()).toBe(Status.CONNECTED);
    // Done with the last view: nothing more to read, and the buffer it lay in is free again —
    // the first one the next full read of any connection takes.
    expect(a.readResponseBodyView(true)).toHaveLength(0);
    const second = await readOne(b);
    expect(second.body.equals(BODY)).toBe(true);
    expect(second.recycled[0]).toBe(first.recycled.at(-1));
    a.close();
    b.close();
  }, 30_000);

  it('leaves views from readResponseBodyChunk and plain views intact', async () => {
    const server = await startScriptedServer({
      replies: [[`HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\n\r\n`, BODY]],
    });
    servers.push(server);
    const client = new HTTPClient();
    await connect(client, server.host, server.port);
    expect(client.request(Method.GET, '/', [])).toBe(0);
    await drive(client, (s) => s !== Status.REQUESTING);
    // Transient reads mixed with kept ones: only the transient views may be read into again.
    const kept: Array<[Uint8Array, number]> = [];
    let at = 0;
    let n = 0;
    while (client.getStatus() === Status.BODY) {
      const news = client.news();
      client.poll();
      n += 1;
      const piece =
        n % 3 === 0
          ? client.readResponseBodyChunk()
          : n % 3 === 1
            ? client.readResponseBodyView()
            : client.readResponseBodyView(true);
      if (piece.length > 0) {
        if (n % 3 !== 2) kept.push([piece, at]);
        else expect(Buffer.compare(piece, BODY.subarray(at, at + piece.length))).toBe(0);
        at += piece.length;
        continue;
      }
      if (client.getStatus() === Status.BODY) await news;
    }
    expect(at).toBe(BODY.length);
    const broken = kept.filter(
      ([piece, offset]) =>
        Buffer.compare(piece, BODY.subarray(offset, offset + piece.length)) !== 0,
    );
    expect(broken.length).toBe(0);
    client.close();
  }, 30_000);
});
