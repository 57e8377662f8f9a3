import type { Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadListener } from './canned/download-server.ts';
import { ADAPTERS } from './download.ts';

// Small (CI checks the suite runs, not how fast) but many reads, and not a whole number of chunks.
const BYTES = (3 << 20) + 7;

describe('download benchmark adapters', () => {
  const servers: Server[] = [];
  const ports: number[] = [];
  beforeAll(async () => {
    for (const chunked of [false, true]) {
      const server = downloadListener(BYTES, chunked);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      const address = server.address();
      ports.push(typeof address === 'object' && address !== null ? address.port : 0);
      servers.push(server);
    }
  });
  afterAll(async () => {
    for (const server of servers) {
      server.close();
      server.unref();
    }
  });

  for (const adapter of ADAPTERS) {
    it(`${adapter.name} gets every body byte, Content-Length and chunked, twice each`, async () => {
      for (const [i, chunked] of [false, true].entries()) {
        const target = { host: '127.0.0.1', port: ports[i]!, bodyBytes: BYTES, chunked };
        for (let round = 0; round < 2; round++) {
          const d = await adapter.download(target, false);
          expect(d.bytes, `${chunked ? 'chunked' : 'length'} round ${round}`).toBe(BYTES);
          expect(d.seconds).toBeGreaterThan(0);
        }
      }
    });
  }
});
