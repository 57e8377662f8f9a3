import { formatBytes } from '@gdhttp/cli/progress-bar';
import { formatMs } from './internal/format.js';
import type { StepReport } from './tour-step.js';

const MARK: Readonly<Record<StepReport['status'], string>> = {
  ok: 'ok',
  failed: 'FAIL',
  skipped: 'skip',
};

/**
 * The tour's closing table: one row per step with its mark (`ok`, `FAIL`, `skip`), title, result,
 * status code, bytes and time, then a line with the totals.
 *
 * @param reports - the steps, in the order they ran.
 * @param elapsedMs - the whole tour's wall-clock time.
 * @returns the table as text, lines ending in `\n`.
 */
export function formatSummary(reports: readonly StepReport[], elapsedMs: number): string {
  const header = ['', 'step', 'result', 'code', 'bytes', 'time'];
  const rows = reports.map((r) => [
    MARK[r.status],
    r.step,
    r.result,
    r.code === 0 ? '-' : String(r.code),
    r.bytes === 0 && r.status !== 'ok' ? '-' : formatBytes(r.bytes),
    formatMs(r.ms),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  // Text columns left, numbers right, as a reader scans them.
  const right = new Set([3, 4, 5]);
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const passed = reports.filter((r) => r.status === 'ok').length;
  const failed = reports.filter((r) => r.status === 'failed').length;
  const skipped = reports.length - passed - failed;
  const totals = [
    `${passed} of ${reports.length} steps passed`,
    ...(failed > 0 ? [`${failed} failed`] : []),
    ...(skipped > 0 ? [`${skipped} skipped`] : []),
  ].join(', ');
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `${totals} in ${formatMs(elapsedMs)}`,
    '',
  ].join('\n');
}
