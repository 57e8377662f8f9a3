import { describe, expect, it } from 'vitest';
import { formatSummary } from './summary-table.js';
import type { StepReport } from './tour-step.js';

const report = (over: Partial<StepReport>): StepReport => ({
  step: 'plain GET',
  status: 'ok',
  result: 'SUCCESS',
  code: 200,
  bytes: 35,
  ms: 12.4,
  ...over,
});

describe('formatSummary', () => {
  it('aligns text left and numbers right, with a totals line', () => {
    const text = formatSummary(
      [
        report({}),
        report({ step: 'download to file', bytes: 8 * 1024 * 1024, ms: 980 }),
        report({
          step: 'gzip',
          status: 'failed',
          result: 'TIMEOUT',
          code: 0,
          bytes: 0,
          ms: 10_000,
        }),
        report({
          step: 'HTTPS',
          status: 'skipped',
          result: 'no openssl',
          code: 0,
          bytes: 0,
          ms: 1,
        }),
      ],
      11_500,
    );
    expect(text).toBe(
      [
        '      step              result      code    bytes     time',
        '----  ----------------  ----------  ----  -------  -------',
        'ok    plain GET         SUCCESS      200     35 B    12 ms',
        'ok    download to file  SUCCESS      200  8.0 MiB   980 ms',
        'FAIL  gzip              TIMEOUT        -        -  10.00 s',
        'skip  HTTPS             no openssl     -        -     1 ms',
        '',
        '2 of 4 steps passed, 1 failed, 1 skipped in 11.50 s',
        '',
      ].join('\n'),
    );
  });
});
