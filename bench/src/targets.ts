/**
 * Target verdicts. Each suite prints its own as it goes; the issue 19 targets are also kept here so
 * that a full `pnpm bench` ends with all of them in one list, which is what "met in three
 * consecutive full runs" is read from (bench/README.md, "Issue 19: the targets in full runs").
 */

/** `met` or `NOT met`, as every verdict in the suites' output says it. */
export function verdict(ok: boolean): string {
  return ok ? 'met' : 'NOT met';
}

const kept: string[] = [];

/**
 * Keeps one issue 19 target's line for the run's closing list.
 *
 * @param target - which target (`1`–`4`) and what was measured, e.g. `1 chunked, onBody / curl`.
 * @param measured - the figure and its bound, e.g. `0.86x (>= 0.8x)`.
 * @param ok - whether the bound holds.
 */
export function keepTarget(target: string, measured: string, ok: boolean): void {
  kept.push(`| ${target} | ${measured} | ${verdict(ok)} |`);
}

/** Prints the kept lines as one table (nothing when no suite kept one). */
export function printKeptTargets(): void {
  if (kept.length === 0) return;
  console.log('\n## issue 19 targets, this run\n');
  console.log('| target | measured (bound) | |');
  console.log('|---|---|---|');
  for (const line of kept) console.log(line);
}
