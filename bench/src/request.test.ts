import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CannedServers, listenCanned } from './canned/server.ts';
import { requestAdapters } from './request/adapters.ts';
import { downloadAdapters } from './request/download.ts';
import { downloadRatio, measureDownloads, scenarios } from './request.ts';

const DOWNLOAD = (3 << 20) + 7;

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

  it('takes a download ratio round by round, so a drift shared by both adapters cancels', () => {
    const rows = [
      { adapter: 'a', megabytesPerSecond: 0, samples: [900, 2000, 4000] },
      { adapter: 'b', megabytesPerSecond: 0, samples: [1000, 2000, 5000] },
    ];
    // per round 0.9, 1.0, 0.8: the median is 0.9 (the ratio of the medians would be 1.0)
    expect(downloadRatio(rows, 'a', 'b')).toBeCloseTo(0.9);
  });
});
