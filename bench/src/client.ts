/**
 * Client suite (issue 5): requests/s of gdhttp's HTTPClient driven by its news promise beside
 * undici's `dispatch`, undici's `Client`/`Pool` `request` and `node:http` with a keep-alive agent,
 * in one run, against the canned raw-`net` server in its own process on core 0 while this process
 * runs on core 1 (docs/references.md#client-and-request-benchmarks). Scenarios: one connection strictly sequential (with p50 and
 * p99 latency) and 50 connections, for a 13 B and a 64 KiB body. Adapters interleave, in
 * another order each repetition (`roundOrder`), after a warm-up; every figure is the median of
 * the repetitions.
 *
 * `--sequential` (issue 19, target 3) runs the sequential 13 B scenario alone, with more
 * repetitions, HTTPClient and undici dispatch beside the reference clients of
 * `client/floor.ts`: a bare socket (the floor of a Node client here) and the same socket doing
 * HTTPClient's serializing, parsing or both.
 */
import { createRequire } from 'node:module';
import { pinSelf, spawnCanned } from './canned/spawn.ts';
import {
  clientAdapters,
  gdhttpClient,
  nodeHttp,
  undiciClientRequest,
  undiciDispatch,
} from './client/adapters.ts';
import { floorAdapters, rawSocket } from './client/floor.ts';
import {
  CONNECTIONS,
  cannedScenarios,
  findRow,
  type LoadAdapter,
  measure,
  pairedRatio,
  printRateTable,
  type Row,
  type Scenario,
} from './load/harness.ts';
import { keepTarget, verdict } from './targets.ts';

const require = createRequire(import.meta.url);
export const undiciVersion = (require('undici/package.json') as { version: string }).version;

/**
 * In-flight requests of the concurrent scenario where the API allows them
 * (docs/references.md#client-and-request-benchmarks).
 */
export const IN_FLIGHT = 100;

/** The scenarios for the canned server's ports. */
export function scenarios(ports: { small: number; large: number }): Scenario[] {
  // HTTPClient has no pipelining: one request per connection at a time.
  return cannedScenarios(ports, (a) => (a === gdhttpClient ? CONNECTIONS : IN_FLIGHT));
}

export async function run(flags: string[]): Promise<void> {
  const quick = flags.includes('--quick');
  const sequential = flags.includes('--sequential');
  const opts = quick
    ? { reps: 3, warmup: 500, minRepSeconds: 0.1 }
    : sequential
      ? { reps: 15, warmup: 2000, minRepSeconds: 0.5 }
      : { reps: 7, warmup: 2000, minRepSeconds: 1 };
  // the server first: once this process is pinned, its children would inherit one core
  const server = await spawnCanned();
  const restore = pinSelf();
  try {
    console.log(
      `node ${process.version}, undici ${undiciVersion}; ${server.placement}; ` +
        `client process ${process.pid} ${restore ? 'pinned to core 1 (taskset -a -p -c 1)' : 'not pinned'}; ` +
        `median of ${opts.reps} interleaved repetitions (>= ${opts.minRepSeconds} s each) after ${opts.warmup * 2} warm-up requests\n`,
    );
    if (sequential) {
      const list = [gdhttpClient, undiciDispatch, ...floorAdapters()];
      const s = scenarios(server.ports)[0]!;
      reportSequential(await measure(s, list, opts), list);
      return;
    }
    const list = clientAdapters();
    const rows: Row[] = [];
    for (const s of scenarios(server.ports)) rows.push(...(await measure(s, list, opts)));
    report(rows, list);
  } finally {
    await server.close();
    restore?.();
  }
}

function report(rows: Row[], list: LoadAdapter[]): void {
  printRateTable(rows, list, [
    { label: 'dispatch', adapter: undiciDispatch },
    { label: 'node:http', adapter: nodeHttp },
  ]);
  const scenariosSeen = [...new Set(rows.map((r) => r.scenario))];
  const find = (scenario: string, a: LoadAdapter) => findRow(rows, scenario, a);
  console.log('\nratios HTTPClient / peer, median of the per-repetition ratios (target):');
  for (const s of scenariosSeen) {
    const g = find(s, gdhttpClient);
    const d = pairedRatio(g.samples, find(s, undiciDispatch).samples);
    const h = pairedRatio(g.samples, find(s, nodeHttp).samples);
    let line =
      `  ${s.padEnd(32)} vs undici dispatch ${d.toFixed(2)}x (>= 1.0x ${verdict(d >= 1)}), ` +
      `vs node:http ${h.toFixed(2)}x (floor 1.2x ${verdict(h >= 1.2)})`;
    const c = find(s, undiciClientRequest);
    if (g.p99 !== undefined && c.p99 !== undefined) {
      const rc = pairedRatio(g.samples, c.samples);
      const p = g.p99 / c.p99;
      line += `, vs undici Client ${rc.toFixed(2)}x (>= 1.0x ${verdict(rc >= 1)}), p99 ${p.toFixed(2)}x (<= 1.2x ${verdict(p <= 1.2)})`;
    }
    console.log(line);
  }
  const s = scenariosSeen[0];
  if (s !== undefined)
    console.log(`  ${targetThree(find(s, gdhttpClient), find(s, undiciDispatch))}`);
}

/** Issue 19, target 3: sequential 13 B req/s >= 1.2x undici dispatch, p99 <= dispatch's. */
function targetThree(g: Row, d: Row): string {
  const ratio = pairedRatio(g.samples, d.samples);
  const p99 = g.p99! / d.p99!;
  keepTarget(
    `3 ${g.scenario}: HTTPClient / undici dispatch, req/s`,
    `${ratio.toFixed(2)}x (>= 1.2x)`,
    ratio >= 1.2,
  );
  keepTarget(
    `3 ${g.scenario}: HTTPClient p99 / undici dispatch p99`,
    `${p99.toFixed(2)}x (<= 1.0x)`,
    p99 <= 1,
  );
  return (
    `issue 19 target 3 (${g.scenario}): vs undici dispatch ${ratio.toFixed(2)}x ` +
    `(>= 1.2x ${verdict(ratio >= 1.2)}), p99 ${p99.toFixed(2)}x dispatch's ` +
    `(<= 1.0x ${verdict(p99 <= 1)})`
  );
}

/** The `--sequential` table: every client against undici dispatch and against the bare socket. */
function reportSequential(rows: Row[], list: LoadAdapter[]): void {
  printRateTable(rows, list, [
    { label: 'dispatch', adapter: undiciDispatch },
    { label: 'raw socket', adapter: rawSocket },
  ]);
  const find = (a: LoadAdapter) => findRow(rows, rows[0]!.scenario, a);
  console.log(`\n${targetThree(find(gdhttpClient), find(undiciDispatch))}`);
}
