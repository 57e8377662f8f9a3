// HTTPRequest.requestStream against real sockets on 127.0.0.1: the body as an async iterator,
// a Web ReadableStream and a Node Readable, decoded, bounded by bodySizeLimit, with backpressure
// reaching the server (a consumer that stops reading stops the server's writes) and cancel by
// break, cancel() and an AbortSignal.
import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { ErrorCode, Result } from '@gdhttp/constants';
import { listenLoopback } from '@gdhttp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTPRequest, HTTPRequestError, ResponseStreamError } from '../src/index.js';

const MIB = 1024 * 1024;
let server: Server;
let base: string;
/** Bytes the /endless handler managed to write before the socket refused more. */
let endlessWritten = 0;
let endlessClosed = false;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/text') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('hello stream');
    } else if (req.url === '/gzip') {
      res.writeHead(200, { 'Content-Encoding': 'gzip' });
      res.end(gzipSync(Buffer.alloc(4 * MIB, 'a')));
    } else if (req.url === '/endless') {
      endlessWritten = 0;
      endlessClosed = false;
      res.writeHead(200);
      const piece = Buffer.alloc(64 * 1024, 'x');
      const write = (): void => {
        while (!res.destroyed) {
          endlessWritten += piece.length;
          if (!res.write(piece)) {
            res.once('drain', write);
            return;
          }
        }
      };
      res.on('close', () => {
        endlessClosed = true;
      });
      write();
    } else {
      res.writeHead(204);
      res.end();
    }
  });
  base = `http://127.0.0.1:${await listenLoopback(server)}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

async function collect(iterable: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const piece of iterable) parts.push(piece);
  return Buffer.concat(parts);
}

describe('HTTPRequest.requestStream', () => {
  it('iterates a body, then emits request_completed and frees the node', async () => {
    const http = new HTTPRequest();
    let completed = 0;
    http.on('request_completed', () => completed++);
    const { result, responseCode, headers, body } = await http.requestStream(`${base}/text`);
    expect({ result, responseCode }).toEqual({ result: Result.SUCCESS, responseCode: 200 });
    expect(headers.some((h) => h.toLowerCase().startsWith('content-type'))).toBe(true);
    expect((await collect(body)).toString()).toBe('hello stream');
    expect((await body.done).result).toBe(Result.SUCCESS);
    expect(completed).toBe(1);
    // A response without a body resolves with an empty stream.
    const empty = await http.requestStream(`${base}/none`);
    expect(empty.responseCode).toBe(204);
    expect((await collect(empty.body)).length).toBe(0);
    http.close();
  });

  it('decodes gzip, as a Web ReadableStream and as a Node Readable', async () => {
    const http = new HTTPRequest();
    const web = await http.requestStream(`${base}/gzip`);
    const decoded = await collect(web.body.readable() as unknown as AsyncIterable<Uint8Array>);
    expect(decoded.length).toBe(4 * MIB);
    expect(decoded.every((b) => b === 0x61)).toBe(true);
    const node = await http.requestStream(`${base}/gzip`);
    expect((await collect(node.body.nodeReadable())).length).toBe(4 * MIB);
    http.close();
  });

  it('throws BODY_SIZE_LIMIT_EXCEEDED from the iteration past bodySizeLimit', async () => {
    const http = new HTTPRequest();
    http.bodySizeLimit = MIB;
    const { body } = await http.requestStream(`${base}/gzip`);
    const error = await collect(body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseStreamError);
    expect((error as ResponseStreamError).result).toBe(Result.BODY_SIZE_LIMIT_EXCEEDED);
    http.close();
  });

  it('lets backpressure reach the server, and break closes the connection', async () => {
    const http = new HTTPRequest();
    const { body } = await http.requestStream(`${base}/endless`);
    let read = 0;
    for await (const piece of body) {
      read += piece.length;
      if (read >= MIB) break;
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(endlessClosed).toBe(true);
    // The server could write only what the socket buffers and the client's window hold.
    expect(endlessWritten).toBeLessThan(64 * MIB);
    await expect(body.done).rejects.toBeInstanceOf(HTTPRequestError);
    // The node is free again.
    expect((await http.request(`${base}/text`)).responseCode).toBe(200);
    http.close();
  });

  it('stops a slow consumer\u2019s download: the server is held back while nobody reads', async () => {
    const http = new HTTPRequest();
    const { body } = await http.requestStream(`${base}/endless`);
    const iterator = body[Symbol.asyncIterator]();
    await iterator.next();
    await new Promise((r) => setTimeout(r, 300));
    const held = endlessWritten;
    await new Promise((r) => setTimeout(r, 300));
    expect(endlessWritten).toBe(held);
    expect(held).toBeLessThan(64 * MIB);
    body.cancel();
    await new Promise((r) => setTimeout(r, 100));
    expect(endlessClosed).toBe(true);
    http.close();
  });

  it('ends the stream on an AbortSignal, and refuses misuse', async () => {
    const http = new HTTPRequest();
    const controller = new AbortController();
    const { body } = await http.requestStream(`${base}/endless`, [], undefined, undefined, {
      signal: controller.signal,
    });
    let read = 0;
    const error = await (async () => {
      for await (const piece of body) {
        read += piece.length;
        if (read > MIB) controller.abort(new Error('enough'));
      }
    })().catch((e: unknown) => e);
    expect((error as Error).message).toBe('enough');
    http.downloadFile = '/tmp/x';
    const refused = await http.requestStream(`${base}/text`).catch((e: unknown) => e);
    expect((refused as HTTPRequestError).code).toBe(ErrorCode.INVALID_PARAMETER);
    http.downloadFile = '';
    http.useThreads = true;
    const threaded = await http.requestStream(`${base}/text`).catch((e: unknown) => e);
    expect((threaded as HTTPRequestError).code).toBe(ErrorCode.INVALID_PARAMETER);
    http.close();
  });
});
