/**
 * The load harness shared by the client and request suites: adapters open a set of connections to
 * the canned server and run closed loops of requests over them; `measure` warms every adapter up,
 * sizes one repetition to a minimum duration, then runs the repetitions with the adapters
 * interleaved (in another order each repetition: {@link roundOrder}) and keeps the median.
 */
import { LARGE_BODY_BYTES, SMALL_BODY } from '../canned/server.ts';

/** Where the canned server listens, and what each response body holds. */
export interface Target {
  host: string;
  port: number;
  /** Body bytes of every response. */
  bodyBytes: number;
}

/** Connections of one adapter, open for the whole scenario. */
export interface Runner {
  /**
   * Performs `count` requests over the runner's loops (closed loop: each loop starts its next
   * request when the previous one ended). Resolves with the body bytes received. With
   * `latencies`, the request `i` of a one-loop runner stores its duration in ms at `latencies[i]`.
   */
  run(count: number, latencies?: Float64Array): Promise<number>;
  close(): Promise<void>;
}

export interface LoadAdapter {
  name: string;
  /** One line on how it is driven (printed under the table). */
  note: string;
  /** Opens `connections` connections with `inFlight` concurrent request loops. */
  open(target: Target, connections: number, inFlight: number): Runner | Promise<Runner>;
}

export interface Scenario {
  name: string;
  target: Target;
  connections: number;
  /** Concurrent request loops per adapter (the adapter may cap it; see `inFlightOf`). */
  inFlight: (adapter: LoadAdapter) => number;
  /** Record per-request latency (only meaningful with one loop). */
  latency: boolean;
}

export interface Options {
  reps: number;
  /** Requests per adapter in the warm-up (also used to size a repetition). */
  warmup: number;
  minRepSeconds: number;
}

export interface Row {
  scenario: string;
  adapter: string;
  inFlight: number;
  requestsPerSecond: number;
  /** Median over repetitions of the repetition's p50 / p99, in ms (latency scenarios only). */
  p50: number | undefined;
  p99: number | undefined;
  /** req/s of every repetition, in order. */
  samples: number[];
}

export const now = (): number => performance.now() / 1000;

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * The median over repetitions of `xs[i] / ys[i]`: a ratio of two adapters measured side by side
 * in each repetition. The whole machine drifts (every client's rate moves together by up to 2x
 * within a minute on this VM); a ratio taken within a repetition cancels that drift, where a ratio
 * of two medians would mix it in.
 */
export function pairedRatio(xs: readonly number[], ys: readonly number[]): number {
  return median(xs.map((x, i) => x / ys[i]!));
}

/**
 * The order of round `round`'s adapters: every round starts at another adapter and steps through
 * the list by another stride (coprime with its length), so an adapter follows a different one
 * from round to round. Rotating alone (`(k + round) % n`) keeps the cyclic order, and an adapter
 * always ran right after the same one: after a 1 GiB download that left a gigabyte of freed read
 * buffers, it paid for their release (on the same core) in every round of the download suite.
 */
export function roundOrder<T>(list: readonly T[], round: number): T[] {
  const n = list.length;
  const strides: number[] = [];
  for (let s = 1; s < Math.max(n, 2); s++) if (gcd(s, n) === 1) strides.push(s);
  const stride = strides[round % strides.length]!;
  return list.map((_, k) => list[(round + k * stride) % n]!);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The q-quantile (0..1) of `xs`, nearest rank. */
export function quantile(xs: Float64Array, q: number): number {
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/**
 * Runs `count` calls of `one(loop)` over `loops` concurrent loops (a loop starts its next call
 * when the previous settled) and resolves with the sum of their results.
 */
export async function closedLoop(
  loops: number,
  count: number,
  one: (loop: number) => Promise<number>,
  latencies?: Float64Array,
): Promise<number> {
  let started = 0;
  let total = 0;
  const loop = async (index: number): Promise<void> => {
    while (started < count) {
      const i = started++;
      // (`total += await …` would read `total` before the await and lose concurrent updates)
      if (latencies) {
        const t0 = performance.now();
        const bytes = await one(index);
        latencies[i] = performance.now() - t0;
        total += bytes;
      } else {
        const bytes = await one(index);
        total += bytes;
      }
    }
  };
  const all: Promise<void>[] = [];
  for (let l = 0; l < Math.min(loops, count); l++) all.push(loop(l));
  await Promise.all(all);
  return total;
}

async function timed(
  runner: Runner,
  adapter: LoadAdapter,
  target: Target,
  count: number,
  latencies?: Float64Array,
): Promise<number> {
  const t0 = now();
  const bytes = await runner.run(count, latencies);
  const seconds = now() - t0;
  if (bytes !== count * target.bodyBytes) {
    throw new Error(
      `${adapter.name}: ${bytes} body bytes for ${count} requests, expected ${count * target.bodyBytes}`,
    );
  }
  return seconds;
}

/** Measures every adapter on one scenario (connections stay open across repetitions). */
export async function measure(
  scenario: Scenario,
  adapters: readonly LoadAdapter[],
  opts: Options,
): Promise<Row[]> {
  const runners = new Map<LoadAdapter, Runner>();
  try {
    for (const a of adapters) {
      runners.set(a, await a.open(scenario.target, scenario.connections, scenario.inFlight(a)));
    }
    // warm-up, and the request count that makes one repetition last minRepSeconds
    const counts = new Map<LoadAdapter, number>();
    for (const a of adapters) {
      const runner = runners.get(a)!;
      await timed(runner, a, scenario.target, opts.warmup);
      const seconds = await timed(runner, a, scenario.target, opts.warmup);
      counts.set(
        a,
        Math.max(opts.warmup, Math.ceil((opts.minRepSeconds * opts.warmup) / seconds / 100) * 100),
      );
    }
    const samples = new Map<LoadAdapter, number[]>(adapters.map((a) => [a, []]));
    const p50s = new Map<LoadAdapter, number[]>(adapters.map((a) => [a, []]));
    const p99s = new Map<LoadAdapter, number[]>(adapters.map((a) => [a, []]));
    for (let rep = 0; rep < opts.reps; rep++) {
      for (const a of roundOrder(adapters, rep)) {
        const n = counts.get(a)!;
        const latencies = scenario.latency ? new Float64Array(n) : undefined;
        const seconds = await timed(runners.get(a)!, a, scenario.target, n, latencies);
        samples.get(a)!.push(n / seconds);
        if (latencies) {
          p50s.get(a)!.push(quantile(latencies, 0.5));
          p99s.get(a)!.push(quantile(latencies, 0.99));
        }
      }
    }
    return adapters.map((a) => ({
      scenario: scenario.name,
      adapter: a.name,
      inFlight: scenario.inFlight(a),
      requestsPerSecond: median(samples.get(a)!),
      p50: scenario.latency ? median(p50s.get(a)!) : undefined,
      p99: scenario.latency ? median(p99s.get(a)!) : undefined,
      samples: samples.get(a)!,
    }));
  } finally {
    for (const r of runners.values()) await r.close();
  }
}

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Connections of the concurrent scenarios (docs/references.md#client-and-request-benchmarks). */
export const CONNECTIONS = 50;

/**
 * The canned server's four scenarios: a 13 B and a 64 KiB body, each over one connection strictly
 * sequential (with latencies) and over {@link CONNECTIONS} connections with `concurrentInFlight`
 * request loops per adapter.
 */
export function cannedScenarios(
  ports: { small: number; large: number },
  concurrentInFlight: (adapter: LoadAdapter) => number,
): Scenario[] {
  const out: Scenario[] = [];
  for (const b of [
    { label: '13 B', port: ports.small, bodyBytes: SMALL_BODY.length },
    { label: '64 KiB', port: ports.large, bodyBytes: LARGE_BODY_BYTES },
  ]) {
    const target = { host: '127.0.0.1', port: b.port, bodyBytes: b.bodyBytes };
    out.push({
      name: `${b.label}, 1 connection, sequential`,
      target,
      connections: 1,
      inFlight: () => 1,
      latency: true,
    });
    out.push({
      name: `${b.label}, ${CONNECTIONS} connections`,
      target,
      connections: CONNECTIONS,
      inFlight: concurrentInFlight,
      latency: false,
    });
  }
  return out;
}

/** A latency in ms as whole µs, or nothing. */
const micros = (x: number | undefined): string =>
  x === undefined ? '' : `${(x * 1000).toFixed(0)} µs`;

/**
 * Prints the rows as a Markdown table, one ratio column per peer (the {@link pairedRatio} of req/s
 * against the peer in the same scenario), then each adapter's note.
 */
export function printRateTable(
  rows: readonly Row[],
  list: readonly LoadAdapter[],
  peers: readonly { label: string; adapter: LoadAdapter }[],
): void {
  console.log(
    `| scenario | client | in flight | req/s | p50 | p99 | ${peers.map((p) => `vs ${p.label}`).join(' | ')} |`,
  );
  console.log(`|---|---|---:|---:|---:|---:|${peers.map(() => '---:|').join('')}`);
  for (const s of new Set(rows.map((r) => r.scenario))) {
    const bases = peers.map((p) => findRow(rows, s, p.adapter).samples);
    for (const r of rows.filter((x) => x.scenario === s)) {
      const ratios = bases.map((b) => `${pairedRatio(r.samples, b).toFixed(2)}x`).join(' | ');
      console.log(
        `| ${s} | ${r.adapter} | ${r.inFlight} | ${fmt(r.requestsPerSecond)} | ${micros(r.p50)} | ${micros(r.p99)} | ${ratios} |`,
      );
    }
  }
  console.log('');
  for (const a of list) console.log(`- ${a.name}: ${a.note}`);
}

/** The row of `adapter` in `scenario`. */
export function findRow(rows: readonly Row[], scenario: string, adapter: LoadAdapter): Row {
  return rows.find((r) => r.scenario === scenario && r.adapter === adapter.name)!;
}
