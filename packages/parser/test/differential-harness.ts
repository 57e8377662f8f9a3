/**
 * Differential testing of a response parser against native llhttp
 * (docs/references.md#differential-testing): generated and mutated responses, each split into 3
 * random pieces, parsed by both; any disagreement in verdict, messages, headers, body, trailers,
 * boundaries or keep-alive must match a named, documented divergence class, or it is reported as
 * unexplained.
 */
import type { OracleResult, ResponseOracle } from './oracle/types.ts';
import { bytes } from './oracle/types.ts';
import { diffResults } from './support/compare.ts';
import { type GeneratedCase, generateCase } from './support/generate.ts';
import { Prng } from './support/prng.ts';
import { splitAt } from './support/split.ts';

/** What a divergence predicate sees. */
export interface Divergence {
  input: string;
  method: GeneratedCase['method'];
  reference: OracleResult;
  subject: OracleResult;
  /** First difference, from `diffResults`. */
  diff: string;
}

/** A named class of accepted divergences. */
export interface DivergenceClass {
  name: string;
  /** `version-skew`: llhttp 9.3.1 (Node 20) vs the 9.4.2 spec; `policy`: a deliberate choice. */
  kind: 'version-skew' | 'policy';
  reason: string;
  matches(d: Divergence): boolean;
}

export interface DifferentialReport {
  seed: number;
  cases: number;
  accepted: number;
  rejected: number;
  /** Count per divergence class name. */
  explained: Record<string, number>;
  unexplained: { index: number; input: string; method: string; split: number[]; diff: string }[];
  ms: number;
}

/**
 * Runs `count` cases from `seed`.
 *
 * @param reference - native llhttp.
 * @param subject - the parser under test.
 * @param classes - accepted divergence classes, tried in order.
 */
export function runDifferential(opts: {
  reference: ResponseOracle;
  subject: (chunks: Uint8Array[], opts: { method: string }) => OracleResult;
  seed: number;
  count: number;
  classes: readonly DivergenceClass[];
  maxUnexplained?: number;
}): DifferentialReport {
  const t0 = performance.now();
  const rng = new Prng(opts.seed);
  const report: DifferentialReport = {
    seed: opts.seed,
    cases: opts.count,
    accepted: 0,
    rejected: 0,
    explained: {},
    unexplained: [],
    ms: 0,
  };
  for (const c of opts.classes) report.explained[c.name] = 0;
  for (let i = 0; i < opts.count; i++) {
    const c = generateCase(rng);
    const input = bytes(c.text);
    const split = [rng.int(input.length + 1), rng.int(input.length + 1)].sort((a, b) => a - b);
    const chunks = splitAt(input, split);
    const reference = opts.reference(chunks, { method: c.method });
    const subject = opts.subject(chunks, { method: c.method });
    if (reference.error) report.rejected++;
    else report.accepted++;
    const diff = diffResults(reference, subject, {
      keepAlive: true,
      verdictOnlyWhenRejected: true,
    });
    if (diff === null) continue;
    const d: Divergence = { input: c.text, method: c.method, reference, subject, diff };
    const cls = opts.classes.find((k) => k.matches(d));
    if (cls) report.explained[cls.name]!++;
    else if (report.unexplained.length < (opts.maxUnexplained ?? 20)) {
      report.unexplained.push({ index: i, input: c.text, method: c.method, split, diff });
    } else {
      report.unexplained.length++; // count only
    }
  }
  report.ms = performance.now() - t0;
  return report;
}

/** A human-readable summary for the test log. */
export function formatReport(r: DifferentialReport, subjectName: string): string {
  const lines = [
    `differential vs native llhttp ${process.versions.llhttp}: subject=${subjectName} seed=${r.seed} ` +
      `(GDHTTP_DIFF_SEED=${r.seed}) cases=${r.cases} accepted=${r.accepted} rejected=${r.rejected} ` +
      `in ${(r.ms / 1000).toFixed(1)} s`,
  ];
  for (const [name, n] of Object.entries(r.explained))
    if (n > 0) lines.push(`  explained ${name}: ${n}`);
  lines.push(`  unexplained: ${r.unexplained.length}`);
  for (const u of r.unexplained.filter(Boolean).slice(0, 10)) {
    lines.push(
      `    #${u.index} ${u.method} split=${u.split.join(',')} ${u.diff}\n      ${JSON.stringify(u.input)}`,
    );
  }
  return lines.join('\n');
}
