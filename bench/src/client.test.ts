import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CannedServers,
  cannedResponse,
  LARGE_BODY_BYTES,
  largeBody,
  listenCanned,
  SMALL_BODY,
} from './canned/server.ts';
import { spawnCanned } from './canned/spawn.ts';
import { clientAdapters } from './client/adapters.ts';
import { floorAdapters } from './client/floor.ts';
import { scenarios } from './client.ts';
import { closedLoop } from './load/harness.ts';

describe('client benchmark adapters', () => {
  let canned: CannedServers;
  beforeAll(async () => {
    canned = await listenCanned(1 << 20);
  });
  afterAll(() => canned.close());

  it('includes HTTPClient, undici dispatch and request, and node:http', () => {
    expect(clientAdapters().map((a) => a.name)).toEqual([
      'gdhttp HTTPClient',
      'undici dispatch',
      'undici Client request',
      'node:http keep-alive',
    ]);
  });

  for (const adapter of floorAdapters()) {
    it(`${adapter.name} (a reference client) gets every body byte, 13 B and 64 KiB`, async () => {
      for (const s of scenarios(canned.ports).filter((x) => x.connections === 1)) {
        const runner = await adapter.open(s.target, 1, 1);
        try {
          const latencies = new Float64Array(9);
          expect(await runner.run(9, latencies), s.name).toBe(9 * s.target.bodyBytes);
          expect(latencies.every((x) => x > 0)).toBe(true);
        } finally {
          await runner.close();
        }
      }
    });
  }

  for (const adapter of clientAdapters()) {
    it(`${adapter.name} gets every body byte, on 1 and 3 connections, 13 B and 64 KiB`, async () => {
      for (const s of scenarios(canned.ports)) {
        const connections = Math.min(s.connections, 3);
        const runner = await adapter.open(s.target, connections, connections + 1);
        try {
          const latencies = new Float64Array(7);
          const n = connections === 1 ? 7 : 25;
          const bytes = await runner.run(n, connections === 1 ? latencies : undefined);
          expect(bytes, s.name).toBe(n * s.target.bodyBytes);
          if (connections === 1) expect(latencies.every((x) => x > 0)).toBe(true);
        } finally {
          await runner.close();
        }
      }
    });
  }
});

describe('canned server', () => {
  it('answers pipelined requests split at every byte, in order', async () => {
    const canned = await listenCanned(1 << 20);
    try {
      const { connect } = await import('node:net');
      const request = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(3);
      const expected = cannedResponse(Buffer.from(SMALL_BODY)).length * 3;
      const socket = connect(canned.ports.small, '127.0.0.1');
      let got = 0;
      const done = new Promise<void>((resolve) =>
        socket.on('data', (c: Buffer) => {
          got += c.length;
          if (got >= expected) resolve();
        }),
      );
      for (const ch of request) socket.write(ch);
      await done;
      expect(got).toBe(expected);
      socket.destroy();
    } finally {
      await canned.close();
    }
  });

  it('runs as a child process and exits when closed', async () => {
    const child = await spawnCanned(1 << 20);
    try {
      const [http] = clientAdapters().slice(-1);
      const runner = await http!.open(
        { host: '127.0.0.1', port: child.ports.large, bodyBytes: LARGE_BODY_BYTES },
        1,
        1,
      );
      expect(await runner.run(3)).toBe(3 * largeBody.length);
      await runner.close();
    } finally {
      await child.close();
    }
  });

  it('closedLoop runs exactly count calls over its loops', async () => {
    let calls = 0;
    const total = await closedLoop(4, 10, async () => {
      calls++;
      await Promise.resolve();
      return 2;
    });
    expect(calls).toBe(10);
    expect(total).toBe(20);
  });
});
