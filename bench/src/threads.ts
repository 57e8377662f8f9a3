/**
 * Threads suite (issue 14): what the worker-thread transport costs beside the default event-loop
 * transport, in one run, against the canned server in its own process. Three ways to drive the
 * same HTTPClient:
 *
 * - `event loop`: the default; the async loop of the client suite (`news()`, `poll()`, reads);
 * - `useThreads`: the same async loop over a connection in a worker thread (StreamPeerWorker);
 * - `blocking`: useThreads plus Godot's blocking mode, driven by a synchronous loop that never
 *   yields (one `poll()` blocks until the head, each `readResponseBodyChunk()` until a full read).
 *
 * Scenarios: 13 B sequential requests on one connection (requests/s) and a 256 MiB download
 * (MB/s, `readResponseBodyView` for the async loops, 64 KiB reads for the blocking one), plus the
 * cost of a new threaded connection (connect to CONNECTED, ms). Each figure is the median of the
 * repetitions, the ways interleaved in another order each time; ratios are to `event loop` in the
 * same repetition.
 */

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { HTTPClient } from '@gdhttp/client';
import { ErrorCode, Method, nameOf, Status, StreamPeerTCPStatus } from '@gdhttp/constants';
import { pinSelf, spawnCanned } from './canned/spawn.ts';
import { clientGet, connectClient } from './client/adapters.ts';
import { pairedRatio, roundOrder } from './load/harness.ts';

type Way = 'event loop' | 'useThreads' | 'blocking';
const WAYS: readonly Way[] = ['event loop', 'useThreads', 'blocking'];

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** A CONNECTED client for `way`: blocking clients connect with a synchronous loop too. */
async function connected(way: Way, port: number): Promise<HTTPClient> {
  const client = new HTTPClient();
  client.useThreads = way !== 'event loop';
  client.blockingModeEnabled = way === 'blocking';
  if (way !== 'blocking') {
    await connectClient(client, { host: '127.0.0.1', port, bodyBytes: 0 });
    return client;
  }
  client.connectToHost('127.0.0.1', port);
  const peer = client.connection as { waitForNews(ms?: number): boolean } | null;
  for (;;) {
    client.poll();
    const s = client.getStatus();
    if (s === Status.CONNECTED) return client;
    if (s !== Status.RESOLVING && s !== Status.CONNECTING) {
      throw new Error(`connect ended in ${nameOf(Status, s)}: ${client.lastError?.message}`);
    }
    peer?.waitForNews(1000);
  }
}

/** One GET in blocking mode, synchronously: returns the body bytes. */
function blockingGet(client: HTTPClient, view: boolean): number {
  if (client.request(Method.GET, '/', []) !== ErrorCode.OK) throw new Error('request refused');
  client.poll();
  let bytes = 0;
  while (client.getStatus() === Status.BODY) {
    bytes += (view ? client.readResponseBodyView() : client.readResponseBodyChunk()).length;
  }
  if (client.getStatus() !== Status.CONNECTED && client.getStatus() !== Status.DISCONNECTED) {
    throw new Error(`request ended in ${nameOf(Status, client.getStatus())}`);
  }
  return bytes;
}

/** One GET as the async loop does, reading views (no gathering copy) when `view`. */
async function asyncGet(client: HTTPClient, view: boolean): Promise<number> {
  if (!view) return clientGet(client);
  if (client.request(Method.GET, '/', []) !== ErrorCode.OK) throw new Error('request refused');
  let bytes = 0;
  for (;;) {
    const news = client.news();
    client.poll();
    for (;;) {
      const piece = client.readResponseBodyView();
      if (piece.length === 0) break;
      bytes += piece.length;
    }
    const s = client.getStatus();
    if (s === Status.CONNECTED || s === Status.DISCONNECTED) return bytes;
    if (s !== Status.REQUESTING && s !== Status.BODY) throw new Error(`ended in ${s}`);
    await news;
  }
}

async function get(way: Way, client: HTTPClient, view: boolean): Promise<number> {
  return way === 'blocking' ? blockingGet(client, view) : asyncGet(client, view);
}

export async function run(flags: string[]): Promise<void> {
  const quick = flags.includes('--quick');
  const reps = quick ? 3 : 7;
  const requests = quick ? 2000 : 10_000;
  const server = await spawnCanned(256 * 1024 * 1024);
  const restore = pinSelf();
  try {
    console.log(
      `node ${process.version}; ${server.placement}; client ${restore ? 'pinned to core 1' : 'not pinned'} ` +
        `(the worker thread shares its core); median of ${reps} interleaved repetitions\n`,
    );
    const rates: Record<Way, number[]> = { 'event loop': [], useThreads: [], blocking: [] };
    const speeds: Record<Way, number[]> = { 'event loop': [], useThreads: [], blocking: [] };
    const connects: Record<Way, number[]> = { 'event loop': [], useThreads: [], blocking: [] };
    for (let rep = 0; rep < reps; rep++) {
      for (const way of roundOrder(WAYS, rep)) {
        if (process.env.GDHTTP_BENCH_TRACE) console.error(`rep ${rep} ${way}`);
        const started = performance.now();
        const client = await connected(way, server.ports.small);
        connects[way].push(performance.now() - started);
        for (let i = 0; i < 200; i++) await get(way, client, false); // warm-up
        const t0 = performance.now();
        for (let i = 0; i < requests; i++) await get(way, client, false);
        rates[way].push(requests / ((performance.now() - t0) / 1000));
        client.close();

        const big = await connected(way, server.ports.warm);
        const t1 = performance.now();
        const bytes = await get(way, big, way !== 'blocking');
        speeds[way].push(bytes / 1e6 / ((performance.now() - t1) / 1000));
        big.close();
      }
    }
    console.log(
      '| way | 13 B sequential req/s | vs event loop | 256 MiB download MB/s | vs event loop | connect ms |',
    );
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const way of WAYS) {
      const rateRatio = pairedRatio(rates[way], rates['event loop']);
      const speedRatio = pairedRatio(speeds[way], speeds['event loop']);
      console.log(
        `| ${way} | ${median(rates[way]).toFixed(0)} | ${rateRatio.toFixed(2)}x | ` +
          `${median(speeds[way]).toFixed(0)} | ${speedRatio.toFixed(2)}x | ${median(connects[way]).toFixed(1)} |`,
      );
    }
    await distConnects(server.ports.small, reps);
  } finally {
    await server.close();
    restore?.();
  }
}

/**
 * The suite runs the sources, so its threaded connects include booting the worker through tsx.
 * What a user of the published package pays is measured here, from `dist/` when it was built
 * (`pnpm build`): a StreamPeerWorker's connect to CONNECTED, in a plain `node` child. Not in this
 * process: its worker would inherit this process's tsx loader and `@gdhttp/source` condition and
 * load the workspace sources through tsx while this thread blocks in `waitForNews` (it never
 * connected: 30 s, the connect timeout, every time).
 */
async function distConnects(port: number, reps: number): Promise<void> {
  const dist = new URL('../../packages/transport/dist/index.js', import.meta.url);
  if (!existsSync(dist)) {
    console.log('\n(no packages/transport/dist: run `pnpm build` to measure a connect from dist/)');
    return;
  }
  const script = `
    const { StreamPeerWorker } = await import(${JSON.stringify(dist.href)});
    const CONNECTING = ${StreamPeerTCPStatus.CONNECTING};
    const times = [];
    for (let i = 0; i < ${reps}; i++) {
      const started = performance.now();
      const peer = new StreamPeerWorker();
      peer.connectToHost('127.0.0.1', ${port});
      peer.poll();
      while (peer.getStatus() === CONNECTING) {
        peer.waitForNews(1000);
        peer.poll();
      }
      times.push(performance.now() - started);
      peer.disconnectFromHost();
    }
    console.log(JSON.stringify(times));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  const times = JSON.parse(out.trim().split('\n').pop()!) as number[];
  console.log(
    `\nStreamPeerWorker from dist/, in a plain node process: connect to CONNECTED (worker start included) median ${median(times).toFixed(1)} ms over ${reps}`,
  );
}
