import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Result } from '@gdhttp/constants';
import { startScriptedServer } from '@gdhttp/testkit';
import { describe, expect, it } from 'vitest';
import { runBundled } from './support/run-bundled.js';

const childSource = fileURLToPath(new URL('./fixtures/download-child.ts', import.meta.url));

const GIB = 1024 * 1024 * 1024;

describe('HTTPRequest downloadFile at scale', () => {
  it('downloads 1 GiB to a file with peak RSS under 100 MiB', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gdhttp-1gib-'));
    // Byte i of the body is i & 0xff, streamed by the server with backpressure.
    const server = await startScriptedServer({
      replies: [[`HTTP/1.1 200 OK\r\nContent-Length: ${GIB}\r\n\r\n`, { pattern: GIB }]],
    });
    try {
      // Bundled and run by plain node: a TypeScript loader would add ~40 MiB to what we measure.
      const { code, stdout, stderr } = await runBundled(
        childSource,
        [`http://${server.host}:${server.port}/big`, join(dir, 'big.bin')],
        100_000,
      );
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      const report = JSON.parse(stdout) as {
        result: number;
        downloaded: number;
        baseline: number;
        peak: number;
        seconds: number;
      };
      expect(report.result).toBe(Result.SUCCESS);
      expect(report.downloaded).toBe(GIB);
      expect(statSync(join(dir, 'big.bin')).size).toBe(GIB);
      // Spot-check the content at a few offsets, including the last byte.
      const fd = openSync(join(dir, 'big.bin'), 'r');
      const probe = Buffer.alloc(1);
      for (const at of [0, 1, 255, 256, 123_456_789, GIB - 1]) {
        readSync(fd, probe, 0, 1, at);
        expect(probe[0]).toBe(at & 0xff);
      }
      closeSync(fd);
      console.log(
        `1 GiB download: RSS ${(report.baseline / 2 ** 20).toFixed(0)} MiB at start, peak ${(report.peak / 2 ** 20).toFixed(0)} MiB, ${(1024 / report.seconds).toFixed(0)} MiB/s`,
      );
      expect(report.peak).toBeLessThan(100 * 1024 * 1024);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
