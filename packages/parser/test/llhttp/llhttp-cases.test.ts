import { describe, expect, it } from 'vitest';
import { parseResponseNative } from '../oracle/llhttp-native.ts';
import { parseResponseWasm } from '../oracle/llhttp-wasm.ts';
import type { OracleResult } from '../oracle/types.ts';
import { coarse, diffCoarse } from '../support/compare.ts';
import { parseResponseAll } from '../support/gdhttp-oracle.ts';
import { scanSplit } from '../support/split.ts';
import { gdhttpDifferences, llhttpVersionSkew } from './allowlist.ts';
import { loadLlhttpCases } from './cases.ts';

const cases = loadLlhttpCases();

/**
 * Runs one translated case at every scan size (or whole, for `noScan` cases) and returns the
 * distinct differences from llhttp's expected coarse events.
 */
function runCase(
  oracle: (
    chunks: Uint8Array[],
    opts: { method: string; lenient: boolean; eof: boolean; maxHeaderSize: number },
  ) => OracleResult,
  { meta, input }: (typeof cases)[number],
  opts: { errorCodes: boolean; lenient: boolean },
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
          const diffs = runCase(
            (chunks, o) => oracle(chunks, { ...o, lenient: c.meta.lenient }),
            c,
            { errorCodes: true, lenient: false },
          );
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

  describe('gdhttp ResponseParser', () => {
    const allowed = new Map(gdhttpDifferences.map((a) => [a.id, a.reason]));
    it('matches every case at every scan size, except the listed policy differences', () => {
      const failures: string[] = [];
      for (const c of cases) {
        // the gdhttp oracle takes leniency as all-or-nothing
        const diffs = runCase(parseResponseAll, c, {
          errorCodes: false,
          lenient: c.meta.lenient !== 0,
        });
        if (allowed.has(c.meta.id)) {
          if (diffs.length === 0) failures.push(`${c.meta.id}: allow-listed but passes`);
        } else {
          for (const d of diffs) failures.push(`${c.meta.id}: ${d}`);
        }
      }
      expect(failures).toEqual([]);
    });
  });
});
