import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runTour, StepFailure, TOUR_STEPS, type TourOutput } from '../src/index.js';

/** A non-terminal output that keeps what the tour printed. */
function collector(): TourOutput & { text: () => string } {
  const chunks: string[] = [];
  return { write: (text: string) => chunks.push(text), text: () => chunks.join('') };
}

describe('runTour', () => {
  it('runs every step against its own servers and every step succeeds', async () => {
    const out = collector();
    const result = await runTour({ output: out, downloadBytes: 1024 * 1024, downloadMs: 200 });

    const rows = result.steps.map((s) => [s.step, s.status, s.result, s.code]);
    expect(rows).toEqual([
      ['plain GET', 'ok', 'SUCCESS', 200],
      ['chunked body', 'ok', 'SUCCESS', 200],
      ['gzip (acceptGzip)', 'ok', 'SUCCESS', 200],
      ['redirect chain', 'ok', 'SUCCESS', 200],
      ['download to file', 'ok', 'SUCCESS', 200],
      ['HTTPS, test CA', 'ok', 'SUCCESS', 200],
      ['HTTP proxy', 'ok', 'SUCCESS', 200],
      ['HTTPS via proxy', 'ok', 'SUCCESS', 200],
      ['HTTPClient poll loop', 'ok', 'OK', 200],
    ]);
    expect(result.ok).toBe(true);
    expect(result.steps.find((s) => s.step === 'download to file')?.bytes).toBe(1024 * 1024);
    expect(result.elapsedMs).toBeLessThan(30_000);

    const text = out.text();
    expect(text).toContain('followed 301 → 302 → 303 → 307 → 308 → 200');
    expect(text).toContain("with the system's CAs: TLS_HANDSHAKE_ERROR");
    expect(text).toContain('without credentials: CANT_CONNECT (the proxy answered 407)');
    expect(text).toMatch(/the origin saw Via: 1\.1 .*\(proxy\/4\.1\.0\)/);
    // Not a terminal: progress comes as a few lines, never as `\r` redraws.
    expect(text).not.toContain('\r');
    const progress = text.match(/^ +\d+% {2}.* \/ 1\.0 MiB {2}.*$/gm) ?? [];
    // One line per quarter reached (a stalled machine may merge a quarter into the next).
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.length).toBeLessThanOrEqual(4);
    expect(progress.at(-1)).toMatch(/^ {6}100% {2}1\.0 MiB \/ 1\.0 MiB {2}.*\/s {2}in \d:\d\d$/);
    expect(text).toMatch(/frame +0 {2}RESOLVING/);
    expect(text).toMatch(/ok {2}HTTPClient poll loop +OK +200 +480 B/);
    expect(text).toMatch(/9 of 9 steps passed in \d/);
  });

  it('reports a failing step, carries on, and is not ok', async () => {
    const out = collector();
    const result = await runTour({
      output: out,
      steps: [
        {
          title: 'broken',
          run: () => Promise.reject(new StepFailure('no good', { result: 'SUCCESS', code: 200 })),
        },
        {
          title: 'crashing',
          run: () => Promise.reject(new TypeError('boom')),
        },
        TOUR_STEPS[0]!,
      ],
    });
    expect(result.ok).toBe(false);
    expect(result.steps.map((s) => [s.status, s.result])).toEqual([
      ['failed', 'SUCCESS'],
      ['failed', 'TypeError'],
      ['ok', 'SUCCESS'],
    ]);
    const text = out.text();
    expect(text).toContain('      FAILED: no good\n');
    expect(text).toContain('      FAILED: boom\n');
    expect(text).toContain('1 of 3 steps passed, 2 failed in');
  });

  it('counts a skipped step as neither passed nor failed', async () => {
    const result = await runTour({
      output: collector(),
      steps: [
        {
          title: 'needs a tool',
          run: async () => ({ status: 'skipped', result: 'tool missing', code: 0, bytes: 0 }),
        },
      ],
    });
    expect(result.ok).toBe(true);
    expect(result.steps[0]?.status).toBe('skipped');
  });
});

describe('pnpm demo', () => {
  it('runs the tour as a process that prints the table and exits 0', () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const run = spawnSync(
      process.execPath,
      ['--conditions=@gdhttp/source', '--import', import.meta.resolve('tsx'), main],
      { encoding: 'utf8', timeout: 50_000 },
    );
    // A runtime warning may appear on other Node versions; an error may not.
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/\n9 of 9 steps passed in [\d.]+ m?s\n$/);
  });
});
