// HTTPClient.requestStream: a body sent as it comes, by reference, against a real server on
// 127.0.0.1 — chunked when its length is unknown, Content-Length when known — with the
// backpressure signal (requestBodyQueued), the body counter (requestBodySent) and the refusals.
import { randomBytes } from 'node:crypto';
import { ErrorCode, Method, Status } from '@gdhttp/constants';
import { sha256Hex, startUploadReporter, type UploadReporter } from '@gdhttp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTPClient } from '../src/index.js';
import { drive } from './drive.js';

let server: UploadReporter;
beforeAll(async () => {
  server = await startUploadReporter();
});
afterAll(() => server.close());

const body = randomBytes(5 * 1024 * 1024 + 17);

async function connected(): Promise<HTTPClient> {
  const client = new HTTPClient();
  expect(client.connectToHost(server.host, server.port)).toBe(ErrorCode.OK);
  await drive(client, (s) => s === Status.CONNECTED);
  return client;
}

/** Puts `body` in pieces, waiting while the queue is not empty, then ends it. */
async function pump(client: HTTPClient, pieceSize: number): Promise<void> {
  for (let at = 0; at < body.length; at += pieceSize) {
    expect(client.putRequestBodyData(body.subarray(at, at + pieceSize))).toBe(ErrorCode.OK);
    while (client.requestBodyQueued > 0 && client.getStatus() === Status.REQUESTING) {
      const news = client.news();
      client.poll();
      if (client.requestBodyQueued > 0) await news;
    }
  }
  expect(client.endRequestBody()).toBe(ErrorCode.OK);
  await drive(client, (s) => s !== Status.REQUESTING, 20_000);
}

async function answer(
  client: HTTPClient,
): Promise<{ bytes: number; sha256: string; headers: Record<string, string> }> {
  const chunks: Uint8Array[] = [];
  while (client.getStatus() === Status.BODY) {
    const news = client.news();
    client.poll();
    const piece = client.readResponseBodyChunk();
    if (piece.length > 0) chunks.push(piece);
    else if (client.getStatus() === Status.BODY) await news;
  }
  return JSON.parse(Buffer.concat(chunks).toString());
}

describe('HTTPClient.requestStream', () => {
  it('sends a body of unknown length chunked, and one of known length with Content-Length', async () => {
    const client = await connected();
    expect(client.requestStream(Method.POST, '/c', [], -1)).toBe(ErrorCode.OK);
    await pump(client, 100_000);
    const chunked = await answer(client);
    expect(chunked).toMatchObject({ bytes: body.length, sha256: sha256Hex(body) });
    expect(chunked.headers['transfer-encoding']).toBe('chunked');
    expect(client.requestBodySent).toBe(body.length);
    // The same connection, kept alive, carries the next one.
    expect(client.getStatus()).toBe(Status.CONNECTED);
    expect(client.requestStream(Method.PUT, '/l', [], body.length)).toBe(ErrorCode.OK);
    await pump(client, 1 << 20);
    const sized = await answer(client);
    expect(sized).toMatchObject({ bytes: body.length, sha256: sha256Hex(body) });
    expect(sized.headers['content-length']).toBe(String(body.length));
    expect(client.requestBodySent).toBe(body.length);
    client.close();
  });

  it('refuses what does not fit the body', async () => {
    const client = await connected();
    expect(client.putRequestBodyData(new Uint8Array(1))).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.requestStream(Method.POST, '/x', [], -2)).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.requestStream(Method.POST, '/x', ['Content-Length: 3'], -1)).toBe(
      ErrorCode.INVALID_PARAMETER,
    );
    expect(client.requestStream(Method.POST, '/x', [], 3)).toBe(ErrorCode.OK);
    expect(client.putRequestBodyData(new Uint8Array(4))).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.putRequestBodyData(new Uint8Array(2))).toBe(ErrorCode.OK);
    expect(client.endRequestBody()).toBe(ErrorCode.INVALID_PARAMETER); // 1 byte short
    expect(client.putRequestBodyData(new Uint8Array(1))).toBe(ErrorCode.OK);
    expect(client.putRequestBodyData(new Uint8Array(1))).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.endRequestBody()).toBe(ErrorCode.OK);
    await drive(client, (s) => s !== Status.REQUESTING);
    expect((await answer(client)).bytes).toBe(3);
    expect(client.putRequestBodyData(new Uint8Array(1))).toBe(ErrorCode.UNAVAILABLE);
    client.close();
  });
});
