import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CannedServers, listenCanned } from './canned/server.ts';
import { requestAdapters } from './request/adapters.ts';
import { downloadAdapters } from './request/download.ts';
import { measureSse, sseAdapters } from './request/streams.ts';
import { CURL_TIME_TOTAL, uploadAdapters } from './request/upload.ts';
import { downloadRatio, measureDownloads, measureUploads, scenarios } from './request.ts';

const DOWNLOAD = (3 << 20) + 7;
/**
 * The upload test's body: small, so CI checks the scenario runs, not how fast; over 16 KiB and
 * several socket reads, where uploads once hung.
 */
const UPLOAD = (256 << 10) + 7;

describe('request benchmark adapters', () => {
  let canned: CannedServers;
  beforeAll(async () => {
    canned = await listenCanned(DOWNLOAD);
  });
  afterAll(() => canned.close());

  it('includes HTTPRequest, undici request, node:http and fetch', () => {
    expect(requestAdapters().map((a) => a.name)).toEqual([
      'gdhttp HTTPRequest',
      'undici request',
      'node:http keep-alive',
      'fetch (undici)',
    ]);
  });

  for (const adapter of requestAdapters()) {
    it(`${adapter.name} gets every body byte, on 1 and 3 connections, 13 B and 64 KiB`, async () => {
      for (const s of scenarios(canned.ports)) {
        const connections = Math.min(s.connections, 3);
        const runner = await adapter.open(s.target, connections, connections);
        try {
          const n = connections === 1 ? 7 : 25;
          expect(await runner.run(n), s.name).toBe(n * s.target.bodyBytes);
        } finally {
          await runner.close();
        }
      }
    });
  }

  it('every download adapter gets the whole body, warm-up and repetitions', async () => {
    const rows = await measureDownloads(
      canned.ports,
      DOWNLOAD,
      DOWNLOAD,
      downloadAdapters(),
      1,
      false,
    );
    expect(rows.map((r) => r.adapter)).toEqual(downloadAdapters().map((a) => a.name));
    for (const r of rows) expect(r.megabytesPerSecond, r.adapter).toBeGreaterThan(0);
  });

  it('every upload adapter delivers the whole body by the server count, warm-up and rounds', async () => {
    const rows = await measureUploads(canned.ports.upload, UPLOAD, uploadAdapters(), 1, 2, false);
    expect(rows.map((r) => r.adapter).sort()).toEqual(
      [
        ...uploadAdapters().map((a) => a.name),
        'curl --data-binary @file, wall time with start-up',
        CURL_TIME_TOTAL,
      ].sort(),
    );
    for (const r of rows) expect(r.samples, r.adapter).toHaveLength(2);
  });

  it('the upload listener counts bodies split at any byte and pipelined, answers 100-continue, refuses chunked', async () => {
    const exchange = async (pieces: string[]): Promise<string> => {
      const socket = connect(canned.ports.upload, '127.0.0.1');
      let got = '';
      socket.on('data', (c: Buffer) => {
        got += c.toString('latin1');
      });
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      for (const p of pieces) socket.write(p);
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.end();
      await closed;
      return got;
    };
    const post = (body: string, extra = '') =>
      `POST / HTTP/1.1\r\nHost: x\r\n${extra}Content-Length: ${body.length}\r\n\r\n${body}`;
    const big = post('x'.repeat(70_000), 'Expect: 100-continue\r\n');
    // the first two split at every byte, the third at odd places (in its head, in its body)
    const pieces = [
      ...(post('hello') + post('')),
      big.slice(0, 40),
      big.slice(40, 999),
      big.slice(999),
    ];
    const answers = (await exchange(pieces)).split('HTTP/1.1 ').slice(1);
    expect(answers.map((a) => a.slice(0, 3))).toEqual(['200', '200', '100', '200']);
    expect(answers.map((a) => a.slice(a.indexOf('\r\n\r\n') + 4))).toEqual(['5', '0', '', '70000']);
    const chunked = await exchange([
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    ]);
    expect(chunked).toMatch(/^HTTP\/1\.1 411 /);
  });

  it('every SSE adapter reads every event of an answer, forEach and for await included', async () => {
    const samples = await measureSse(canned.ports.sse, 0, 1, 1);
    expect([...samples.keys()]).toEqual(sseAdapters().map((a) => a.name));
    expect([...samples.keys()]).toContain('gdhttp EventSource.forEach');
    for (const [name, xs] of samples) expect(xs, name).toHaveLength(1);
  });

  it('takes a download ratio round by round, so a drift shared by both adapters cancels', () => {
    const rows = [
      { adapter: 'a', megabytesPerSecond: 0, samples: [900, 2000, 4000] },
      { adapter: 'b', megabytesPerSecond: 0, samples: [1000, 2000, 5000] },
    ];
    // per round 0.9, 1.0, 0.8: the median is 0.9 (the ratio of the medians would be 1.0)
    expect(downloadRatio(rows, 'a', 'b')).toBeCloseTo(0.9);
  });
});
