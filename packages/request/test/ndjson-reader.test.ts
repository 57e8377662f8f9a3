// NdjsonReader over HTTPRequest.requestStream on 127.0.0.1: lines split anywhere by TCP (a
// scripted server drips the body), chunked framing under it, and an early break that closes the
// connection.
import { Result } from '@gdhttp/constants';
import { startScriptedServer } from '@gdhttp/testkit';
import { describe, expect, it } from 'vitest';
import { HTTPRequest, NdjsonReader } from '../src/index.js';

const LINES = `${[...Array(40).keys()].map((i) => JSON.stringify({ i, text: 'ü'.repeat(i) })).join('\r\n')}\n`;
const chunked = (text: string) => {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([
    Buffer.from(`${bytes.length.toString(16)}\r\n`),
    bytes,
    Buffer.from('\r\n0\r\n\r\n'),
  ]);
};

describe('NdjsonReader over a response stream', () => {
  it('reads every value of a chunked body dripped 7 bytes at a time, then a break closes the connection', async () => {
    const server = await startScriptedServer({
      replies: [
        [
          'HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n',
          { drip: chunked(LINES), chunk: 7, every: 0 },
        ],
        [
          'HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n\r\n{"i":0}\n{"i":1}\n',
          { hang: true },
        ],
      ],
    });
    const http = new HTTPRequest();
    const url = `http://127.0.0.1:${server.port}/`;
    const first = await http.requestStream(url);
    const values = [];
    for await (const v of new NdjsonReader<{ i: number; text: string }>(first.body)) values.push(v);
    expect(values).toHaveLength(40);
    expect(values[39]).toEqual({ i: 39, text: 'ü'.repeat(39) });
    expect((await first.body.done).result).toBe(Result.SUCCESS);

    // The second body never ends: leaving the loop must close its connection.
    const second = await http.requestStream(url);
    for await (const v of new NdjsonReader<{ i: number }>(second.body)) {
      if (v.i === 1) break;
    }
    await expect(second.body.done).rejects.toBeDefined();
    http.close();
    await server.close();
  });
});
