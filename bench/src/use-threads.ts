/**
 * useThreads suite (issue #14): what a large gzip download costs the main thread with and without
 * `HTTPRequest.useThreads`. A server process sends a 256 MiB body gzipped (about 4:1, JSON-like
 * lines); HTTPRequest downloads and decodes it into memory, once with useThreads false and once
 * true, alternating, `REPS` times each. Meanwhile a 60 Hz frame loop (a timer aimed at every
 * 16.67 ms boundary, as a game's main loop) records the time between its frames. Per download:
 * wall time; the main thread's event-loop utilization and active time
 * (`performance.eventLoopUtilization()`); the main thread's own CPU time (Linux
 * `/proc/self/task/<pid>/stat`, so the worker and zlib's pool threads are not counted) and the
 * whole process's (`process.cpuUsage()`); frame-time p50 / p99 / max and frames over 33 ms.
 * Figures are medians over the repetitions. The frame loop also runs alone, as the baseline;
 * `--frame-work=<ms>` makes each frame busy for that long, as a game's frames are.
 *
 * The suite runs the TypeScript sources, so each threaded request boots its worker through tsx
 * (a few hundred ms of the worker's time, in the wall time); from `dist/` the worker starts in
 * tens of ms.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Result } from '@gdhttp/constants';
import { HTTPRequest } from '@gdhttp/request';

const here = dirname(fileURLToPath(import.meta.url));
const FRAME_MS = 1000 / 60;

interface Served {
  port: number;
  wireBytes: number;
  decodedBytes: number;
  close(): Promise<void>;
}

/** Starts the gzip server process; it exits when its stdin closes. */
async function spawnGzipServer(decodedBytes: number): Promise<Served> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, 'use-threads', 'gzip-server.ts'), String(decodedBytes)],
    { cwd: join(here, '..'), stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('gzip server did not start in 120 s')), 120e3);
    child.once('exit', (code) => reject(new Error(`gzip server exited (${code})`)));
    createInterface({ input: child.stdout! }).once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
  });
  const info = JSON.parse(line) as { port: number; wireBytes: number; decodedBytes: number };
  return {
    ...info,
    async close() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** CPU time of this process's main thread in ms (Linux), or NaN where /proc is missing. */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
    return ticks * 10; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

/** Busy work each frame does, in ms (`--frame-work=<ms>`; 0 by default: an idle loop). */
let frameWorkMs = 0;

/**
 * A 60 Hz frame loop: each frame aims at the next 16.67 ms boundary, spends `frameWorkMs` busy
 * (a game's update and render), and records the time since the previous frame.
 */
function startFrameLoop(): () => number[] {
  const times: number[] = [];
  let last = performance.now();
  let next = last + FRAME_MS;
  let timer: NodeJS.Timeout;
  const tick = (): void => {
    const now = performance.now();
    times.push(now - last);
    last = now;
    while (performance.now() - now < frameWorkMs) {
      // Busy: the frame's own work, which the download's callbacks must wait for.
    }
    next += FRAME_MS;
    // A late frame does not try to catch up with a burst: aim at the next boundary from now.
    if (next < now) next = now + FRAME_MS;
    timer = setTimeout(tick, Math.max(0, next - now));
  };
  timer = setTimeout(tick, FRAME_MS);
  return () => {
    clearTimeout(timer);
    return times;
  };
}

const quantile = (sorted: number[], q: number): number =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

interface Sample {
  wallMs: number;
  elu: number;
  activeMs: number;
  mainCpuMs: number;
  processCpuMs: number;
  p50: number;
  p99: number;
  max: number;
  late: number;
  frames: number;
}

/** Frame statistics of `times`. */
function frameStats(times: number[]): Pick<Sample, 'p50' | 'p99' | 'max' | 'late' | 'frames'> {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
    late: times.filter((t) => t > 2 * FRAME_MS).length,
    frames: times.length,
  };
}

/** One download of the gzip body, with the frame loop running; checks every decoded byte came. */
async function download(served: Served, useThreads: boolean): Promise<Sample> {
  const http = new HTTPRequest();
  http.useThreads = useThreads;
  const stop = startFrameLoop();
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuMs();
  const t0 = performance.now();
  const r = await http.request(`http://127.0.0.1:${served.port}/`);
  const wallMs = performance.now() - t0;
  const main1 = mainThreadCpuMs();
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  const times = stop();
  http.close();
  if (r.result !== Result.SUCCESS || r.body.length !== served.decodedBytes) {
    throw new Error(`download failed: result ${r.result}, ${r.body.length} bytes`);
  }
  return {
    wallMs,
    elu: elu.utilization,
    activeMs: elu.active,
    mainCpuMs: main1 - main0,
    processCpuMs: (cpu.user + cpu.system) / 1000,
    ...frameStats(times),
  };
}

/** The frame loop alone for `ms`: what the frame times are without any download. */
async function idle(ms: number): Promise<Sample> {
  const stop = startFrameLoop();
  const elu0 = performance.eventLoopUtilization();
  const main0 = mainThreadCpuMs();
  const cpu0 = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  return {
    wallMs: ms,
    elu: elu.utilization,
    activeMs: elu.active,
    mainCpuMs: mainThreadCpuMs() - main0,
    processCpuMs: (cpu.user + cpu.system) / 1000,
    ...frameStats(stop()),
  };
}

const f1 = (n: number) => (Number.isNaN(n) ? 'n/a' : n.toFixed(1));
const f0 = (n: number) => (Number.isNaN(n) ? 'n/a' : n.toFixed(0));

function row(name: string, samples: Sample[]): string {
  const m = (key: keyof Sample) => median(samples.map((s) => s[key]));
  return `| ${name} | ${f0(m('wallMs'))} | ${(m('elu') * 100).toFixed(1)} % | ${f0(m('activeMs'))} | ${f0(m('mainCpuMs'))} | ${f0(m('processCpuMs'))} | ${f1(m('p50'))} | ${f1(m('p99'))} | ${f1(m('max'))} | ${f0(m('late'))} / ${f0(m('frames'))} |`;
}

/**
 * Runs the suite.
 *
 * @param flags - `--quick`: a 64 MiB body, one repetition each (a smoke run, not for figures);
 *   `--frame-work=<ms>`: busy time each frame spends (default 0).
 */
export async function run(flags: string[]): Promise<void> {
  const quick = flags.includes('--quick');
  const work = flags.find((f) => f.startsWith('--frame-work='));
  frameWorkMs = work === undefined ? 0 : Number(work.slice('--frame-work='.length));
  const bytes = (quick ? 64 : 256) * 1024 * 1024;
  const reps = quick ? 1 : 3;
  console.log(
    `Node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model ?? '?'}), load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; nothing pinned`,
  );
  console.log(`building and gzipping ${bytes / 2 ** 20} MiB in the server process…`);
  const served = await spawnGzipServer(bytes);
  console.log(
    `body: ${(served.decodedBytes / 2 ** 20).toFixed(0)} MiB decoded, ${(served.wireBytes / 2 ** 20).toFixed(1)} MiB gzip on the wire`,
  );
  try {
    // Warm-up: one of each (JIT, tsx's cache for the worker's sources).
    await download(served, false);
    await download(served, true);
    const samples: Record<'off' | 'on', Sample[]> = { off: [], on: [] };
    for (let rep = 0; rep < reps; rep++) {
      const order = rep % 2 === 0 ? [false, true] : [true, false];
      for (const useThreads of order) {
        samples[useThreads ? 'on' : 'off'].push(await download(served, useThreads));
      }
    }
    const baseline = await idle(2000);
    // What starting a request costs: a tiny body, so the figure is the worker's start-up.
    const small: Record<'off' | 'on', number[]> = { off: [], on: [] };
    for (let i = 0; i < 5; i++) {
      for (const useThreads of [false, true]) {
        const http = new HTTPRequest();
        http.useThreads = useThreads;
        const t0 = performance.now();
        const r = await http.request(`http://127.0.0.1:${served.port}/small`);
        small[useThreads ? 'on' : 'off'].push(performance.now() - t0);
        http.close();
        if (r.result !== Result.SUCCESS || r.body.length !== 13)
          throw new Error('small request failed');
      }
    }
    console.log(
      `\nmedians of ${reps} downloads each; frame times in ms (60 Hz loop, budget 16.7 ms, ${frameWorkMs} ms of work per frame); late = frames over 33.3 ms\n`,
    );
    console.log(
      '| run | wall ms | main ELU | main active ms | main-thread CPU ms | process CPU ms | frame p50 | frame p99 | frame max | late / frames |',
    );
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    console.log(row('frame loop alone (2 s)', [baseline]));
    console.log(row('useThreads = false', samples.off));
    console.log(row('useThreads = true', samples.on));
    console.log(
      `\na 13-byte request, median of 5 (new HTTPRequest each, so no kept-alive connection): useThreads = false ${f1(median(small.off))} ms, useThreads = true ${f1(median(small.on))} ms`,
    );
  } finally {
    await served.close();
  }
}
