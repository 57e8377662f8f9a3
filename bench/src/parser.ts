/**
 * Parser suite: responses/s and MB/s of gdhttp's response parser beside llhttp through Node's
 * binding and llhttp's wasm build from undici, in one process, same minimal callbacks, input fed
 * in 64 KiB reads, on the four corpora of docs/references.md#parser-benchmarks. Adapters run
 * interleaved (the order rotates each repetition) after a warm-up; each figure is the median of
 * the repetitions.
 */
import type { ParserAdapter, PassResult } from './parser/adapter.ts';
import { type Corpus, corpora, varyingCorpora } from './parser/corpora.ts';
import { gdhttp } from './parser/gdhttp.ts';
import { llhttpNative } from './parser/llhttp-native.ts';
import { llhttpWasm, undiciVersion } from './parser/llhttp-wasm.ts';

export const SLICE = 64 * 1024;

/** Every adapter, ours first. */
export function adapters(): ParserAdapter[] {
  return [gdhttp, llhttpWasm, llhttpNative];
}

export interface Measurement {
  corpus: string;
  adapter: string;
  /** Median seconds per pass over the corpus. */
  seconds: number;
  responsesPerSecond: number;
  megabytesPerSecond: number;
  samples: number;
}

const now = () => Number(process.hrtime.bigint()) / 1e9;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function same(a: PassResult, b: PassResult): boolean {
  return (
    a.messages === b.messages &&
    a.statusSum === b.statusSum &&
    a.fields === b.fields &&
    a.bodyBytes === b.bodyBytes
  );
}

/** Measures every adapter on one corpus. */
export function measure(
  corpus: Corpus,
  list: ParserAdapter[],
  opts: { reps: number; warmup: number; minRepSeconds: number },
): Measurement[] {
  const reference = list[0]!.pass(corpus.buffer, SLICE);
  if (reference.messages !== corpus.count) {
    throw new Error(`${list[0]!.name}: ${reference.messages} of ${corpus.count} responses`);
  }
  for (const a of list) {
    const r = a.pass(corpus.buffer, SLICE);
    if (!same(r, reference)) {
      throw new Error(
        `${a.name} disagrees on ${corpus.name}: ${JSON.stringify(r)} vs ${JSON.stringify(reference)}`,
      );
    }
  }
  // warm up, and find how many passes make one repetition last minRepSeconds
  const passes = new Map<ParserAdapter, number>();
  for (const a of list) {
    let t = 0;
    for (let i = 0; i < opts.warmup; i++) {
      const t0 = now();
      a.pass(corpus.buffer, SLICE);
      t = now() - t0;
    }
    passes.set(a, Math.max(1, Math.ceil(opts.minRepSeconds / Math.max(t, 1e-6))));
  }
  const samples = new Map<ParserAdapter, number[]>(list.map((a) => [a, []]));
  for (let rep = 0; rep < opts.reps; rep++) {
    for (let k = 0; k < list.length; k++) {
      const a = list[(k + rep) % list.length]!;
      const n = passes.get(a)!;
      const t0 = now();
      for (let i = 0; i < n; i++) a.pass(corpus.buffer, SLICE);
      samples.get(a)!.push((now() - t0) / n);
    }
  }
  return list.map((a) => {
    const s = median(samples.get(a)!);
    return {
      corpus: corpus.name,
      adapter: a.name,
      seconds: s,
      responsesPerSecond: corpus.count / s,
      megabytesPerSecond: corpus.buffer.length / s / 1e6,
      samples: samples.get(a)!.length,
    };
  });
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Targets ours / wasm (issue 3, docs/references.md#targets). */
const TARGETS: Record<string, number> = { small: 1.0, cdn: 1.0, large: 2.0, chunked: 1.0 };

export async function run(flags: string[]): Promise<void> {
  const quick = flags.includes('--quick');
  const list = adapters();
  const opts = quick
    ? { reps: 3, warmup: 2, minRepSeconds: 0.05 }
    : { reps: 7, warmup: 3, minRepSeconds: 0.25 };
  console.log(
    `node ${process.version}, llhttp ${process.versions.llhttp} (native), undici ${undiciVersion} (wasm), ` +
      `reads of ${SLICE / 1024} KiB, median of ${opts.reps} interleaved repetitions (>= ${opts.minRepSeconds} s each)\n`,
  );
  const rows: Measurement[] = [];
  const size = quick ? 2 << 20 : 8 << 20;
  // --varying adds small/cdn with per-response values: the cache-miss path, no target.
  const all = [...corpora(size), ...(flags.includes('--varying') ? varyingCorpora(size) : [])];
  for (const c of all) rows.push(...measure(c, list, opts));

  console.log('| corpus | response | parser | responses/s | MB/s | vs wasm |');
  console.log('|---|---:|---|---:|---:|---:|');
  for (const c of all) {
    const wasm = rows.find((r) => r.corpus === c.name && r.adapter === llhttpWasm.name)!;
    for (const r of rows.filter((x) => x.corpus === c.name)) {
      console.log(
        `| ${c.name} | ${fmt(c.response.length)} B | ${r.adapter} | ${fmt(r.responsesPerSecond)} | ` +
          `${fmt(r.megabytesPerSecond, 1)} | ${(r.responsesPerSecond / wasm.responsesPerSecond).toFixed(2)}x |`,
      );
    }
  }
  console.log('');
  for (const a of list) console.log(`- ${a.name}: ${a.note}`);
  const ours = list.find((a) => a.name.startsWith('gdhttp'));
  console.log('');
  if (!ours) {
    console.log('gdhttp parser adapter not available: ratios ours/wasm not printed');
    return;
  }
  console.log('ratios ours / wasm-llhttp (target):');
  for (const c of all) {
    const o = rows.find((r) => r.corpus === c.name && r.adapter === ours.name)!;
    const w = rows.find((r) => r.corpus === c.name && r.adapter === llhttpWasm.name)!;
    const ratio = o.responsesPerSecond / w.responsesPerSecond;
    const target = TARGETS[c.name];
    console.log(
      target === undefined
        ? `  ${c.name.padEnd(10)} ${ratio.toFixed(2)}x  (no target)`
        : `  ${c.name.padEnd(10)} ${ratio.toFixed(2)}x  (target >= ${target.toFixed(1)}x) ${ratio >= target ? 'met' : 'NOT met'}`,
    );
  }
}
