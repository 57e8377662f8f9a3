import { describe, expect, it } from 'vitest';
import { divergenceClasses } from './differential-classes.ts';
import { formatReport, runDifferential } from './differential-harness.ts';
import { parseResponseNative } from './oracle/llhttp-native.ts';
import { parseResponseAll } from './support/gdhttp-oracle.ts';
import { seedFromEnv } from './support/prng.ts';

const seed = seedFromEnv('GDHTTP_DIFF_SEED');
const count = Number(process.env.GDHTTP_DIFF_CASES ?? 100_000);

describe('differential test against native llhttp', () => {
  it(`agrees on ${count} generated and mutated responses split in 3 random pieces`, () => {
    const report = runDifferential({
      reference: parseResponseNative,
      subject: parseResponseAll,
      seed,
      count,
      classes: divergenceClasses,
    });
    console.log(formatReport(report, 'gdhttp ResponseParser'));
    expect(report.accepted).toBeGreaterThan(count * 0.15);
    expect(report.rejected).toBeGreaterThan(count * 0.15);
    expect(report.unexplained).toEqual([]);
  }, 120_000);
});
