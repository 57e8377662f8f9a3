// A file body is read into a few buffers over and over: each piece goes back to the file once the
// connection has let go of it (StreamPeer.getHeldWriteBytes), instead of a new 512 KiB buffer per
// read, and once pieces come back the file reads 2 MiB at a time. Against a server that stops
// reading for a while every few MiB (so the socket holds pieces and the upload has to wait for
// them), over HTTP and HTTPS and across a 307, every byte must arrive as it is in the file, and
// the reads must have allocated a handful of buffers, not one per piece.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Method, Result } from '@gdhttp/constants';
import { listenLoopback, sha256Hex, testCertificates } from '@gdhttp/testkit';
import { TLSOptions } from '@gdhttp/transport';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { HTTPRequest, MultipartForm, RequestBody } from '../src/index.js';

const MIB = 1024 * 1024;
/** 81 pieces of 512 KiB without recycling (the last one short); about 20 with. */
const data = randomBytes(40 * MIB + 12_345);
const digest = sha256Hex(data);
const dir = mkdtempSync(join(tmpdir(), 'gdhttp-upload-recycled-'));
const file = join(dir, 'body.bin');
writeFileSync(file, data);

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Reads each body, hashing it, and stops reading for 20 ms after every 8 MiB: long enough for the
 * client to fill the kernel's buffers, so its socket holds the pieces that follow. Answers `/up`
 * with `{ bytes, sha256 }` as JSON, and anything else, once its body was read, with a 307 to `/up`.
 */
function onRequest(request: IncomingMessage, response: ServerResponse): void {
  const hash = createHash('sha256');
  let bytes = 0;
  let sinceBreak = 0;
  request.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
    sinceBreak += chunk.length;
    if (sinceBreak >= 8 * MIB) {
      sinceBreak = 0;
      request.pause();
      setTimeout(() => request.resume(), 20);
    }
  });
  request.on('end', () => {
    if (request.url !== '/up') {
      response.writeHead(307, { Location: '/up', 'Content-Length': 0 });
      response.end();
      return;
    }
    const body = JSON.stringify({ bytes, sha256: hash.digest('hex') });
    response.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    });
    response.end(body);
  });
}

async function listen(server: Server): Promise<number> {
  servers.push(server);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return listenLoopback(server);
}

let httpUrl: string;
let httpsUrl: string;
let ca: string;

beforeAll(async () => {
  httpUrl = `http://127.0.0.1:${await listen(createHttpServer(onRequest))}`;
  const certs = await testCertificates();
  ca = certs.ca.cert;
  const secure = createHttpsServer({ key: certs.valid.key, cert: certs.valid.cert }, onRequest);
  httpsUrl = `https://localhost:${await listen(secure as unknown as Server)}`;
});

const decoder = new TextDecoder();

/**
 * Uploads `body` (default: the file) to `url`, with the sizes of the buffers the upload allocated
 * for its reads.
 */
async function upload(
  url: string,
  tls: boolean,
  body: { headers: string[]; body: RequestBody; length: number } = {
    headers: [],
    body: RequestBody.file(file)!,
    length: data.length,
  },
): Promise<{ report: unknown; buffers: number[] }> {
  const allocate = vi.spyOn(Buffer, 'allocUnsafeSlow');
  const http = new HTTPRequest();
  if (tls) http.setTlsOptions(TLSOptions.client(ca));
  try {
    const res = await http.requestRaw(url, body.headers, Method.PUT, body.body);
    expect(res.result).toBe(Result.SUCCESS);
    expect(res.responseCode).toBe(200);
    expect(http.getUploadedBytes()).toBe(body.length);
    return {
      report: JSON.parse(decoder.decode(res.body)),
      buffers: allocate.mock.calls.map(([size]) => size),
    };
  } finally {
    http.close();
    allocate.mockRestore();
  }
}

describe('HTTPRequest uploads a file through a few recycled buffers', () => {
  it.each([
    ['HTTP', false],
    ['HTTPS', true],
  ])('over %s, every byte as in the file', async (_name, tls) => {
    const { report, buffers } = await upload(`${tls ? httpsUrl : httpUrl}/up`, tls);
    expect(report).toEqual({ bytes: data.length, sha256: digest });
    // The socket's 4 MiB window, the client and the read ahead hold a few pieces at once: up to
    // 11 of 512 KiB until the first comes back, then about 4 of 2 MiB.
    expect(buffers.length).toBeGreaterThan(0);
    expect(buffers.length).toBeLessThanOrEqual(20);
    expect(buffers).toContain(2 * MIB);
  });

  it('and sends it whole again after a 307, reading into the same buffers', async () => {
    const { report, buffers } = await upload(`${httpUrl}/first`, false);
    expect(report).toEqual({ bytes: data.length, sha256: digest });
    // Two sendings of the whole file, the second into the first one's buffers.
    expect(buffers.length).toBeLessThanOrEqual(24);
  });

  it("a form's file part reads into recycled buffers too, every byte where it belongs", async () => {
    const form = new MultipartForm().append('note', 'before the file').appendFile('file', file);
    const encoded = await form.encode();
    // The same form with the file's bytes in memory, its boundary swapped for the first one's
    // (both are `gdhttp-` and 32 hex digits): the bytes the server must receive.
    const inMemory = await new MultipartForm()
      .append('note', 'before the file')
      .appendFile('file', data, { filename: 'body.bin' })
      .encode();
    const expected = Buffer.from(
      Buffer.from(inMemory.body as Uint8Array)
        .toString('latin1')
        .split(inMemory.headers[0]!.split('boundary=')[1]!)
        .join(form.boundary),
      'latin1',
    );
    const { report, buffers } = await upload(`${httpUrl}/up`, false, {
      headers: encoded.headers,
      body: encoded.body as RequestBody,
      length: encoded.length,
    });
    expect(report).toEqual({ bytes: expected.length, sha256: sha256Hex(expected) });
    expect(buffers.length).toBeLessThanOrEqual(20);
    expect(buffers).toContain(2 * MIB);
  });
});
