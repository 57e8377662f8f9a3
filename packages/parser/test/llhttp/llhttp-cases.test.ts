import { describe, expect, it } from 'vitest';
import { parseResponseNative } from '../oracle/llhttp-native.ts';
import { parseResponseWasm } from '../oracle/llhttp-wasm.ts';
import type { ResponseOracle } from '../oracle/types.ts';
import { coarse, diffCoarse } from '../support/compare.ts';
import { scanSplit } from '../support/split.ts';
import { llhttpVersionSkew } from './allowlist.ts';
import { loadLlhttpCases } from './cases.ts';

const cases = loadLlhttpCases();

/**
 * Runs one translated case at every scan size (or whole, for `noScan` cases) and returns the
 * distinct differences from llhttp's expected coarse events.
 */
function runCase(
  oracle: ResponseOracle,
  { meta, input }: (typeof cases)[number],
  opts: { errorCodes: boolean; lenient: boolean | number },
): string[] {
  const sizes = meta.scan ? Array.from({ length: input.length }, (_, i) => i + 1) : [input.length];
  const found = new Set<string>();
  for (const size of sizes) {
    const r = oracle(scanSplit(input, size), {
      method: meta.method,
      lenient: opts.lenient,
      eof: meta.eof,
      maxHeaderSize: 1 << 20,
    });
    const d = diffCoarse(meta.expect, coarse(r), { errorCodes: opts.errorCodes });
    if (d) found.add(`scan ${size}: ${d}`.replace(/^scan \d+: /, ''));
  }
  return [...found];
}

describe('llhttp response suite (translated)', () => {
  it('has the translated cases and their fixtures', () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
    expect(cases.filter((c) => c.meta.expect.error).length).toBeGreaterThanOrEqual(20);
  });

  for (const [name, oracle] of [
    ['native llhttp (Node binding)', parseResponseNative],
    ['wasm llhttp (undici)', parseResponseWasm],
  ] as const) {
    describe(name, () => {
      const skew = new Map(llhttpVersionSkew.map((a) => [a.id, a.reason]));
      it('matches every case at every scan size, except the listed version skew', () => {
        const failures: string[] = [];
        for (const c of cases) {
          const diffs = runCase(oracle, c, { errorCodes: true, lenient: c.meta.lenient });
          if (skew.has(c.meta.id)) {
            // an allow-listed case must really differ, or the entry has rotted
            if (diffs.length === 0) failures.push(`${c.meta.id}: allow-listed but passes`);
          } else {
            for (const d of diffs) failures.push(`${c.meta.id}: ${d}`);
          }
        }
        expect(failures).toEqual([]);
      });
    });
  }
});
