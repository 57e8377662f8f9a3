/**
 * Download suite (issue 19): MB/s of one long download (1 GiB; 256 MiB with `--quick`), with a
 * Content-Length body and a chunked one (16 KiB chunks), beside `curl -o /dev/null`, undici
 * `dispatch` and two raw `net.Socket` readers. Its own server process
 * (`canned/download-server.ts`, core 0; this process on core 1), whose heads carry a Date and an
 * ETag that change. Rounds interleave the adapters in another order each round (`roundOrder`: an
 * adapter follows a different one each time); MB/s is the median over rounds, a ratio the median
 * of the per-round ratios. In-process adapters also report this process's CPU time per GiB
 * (`process.cpuUsage`), which the machine's load moves far less than the rate.
 *
 * Then (not with `--quick`; alone with `--memory`) peak memory, issue 19's target 4: a 10 GiB
 * download with HTTPRequest to `onBody` and to a file, and 1,000 HTTPRequests at once, each in a
 * fresh child process reporting its peak RSS (`VmHWM`: see `download-child.ts`).
 */
import { spawn } from 'node:child_process';
import { unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HTTPClient } from '@gdhttp/client';
import { ErrorCode, Method, nameOf, Result, Status } from '@gdhttp/constants';
import { HTTPRequest } from '@gdhttp/request';
import { wireBodyBytes } from './canned/download-server.ts';
import { canPin, pinSelf, spawnServer } from './canned/spawn.ts';
import { connectClient } from './client/adapters.ts';
import { fmt, median, now, pairedRatio, roundOrder } from './load/harness.ts';
import { curl as requestSuiteCurl, undiciDispatchDiscard } from './request/download.ts';
import { keepTarget, verdict } from './targets.ts';

export interface DownloadTarget {
  host: string;
  port: number;
  bodyBytes: number;
  chunked: boolean;
}

interface Adapter {
  name: string;
  note: string;
  /** Runs in this process (its CPU time is measured). */
  inProcess: boolean;
  /** One GET of the target's body: body bytes received and seconds from connect to the end. */
  download(target: DownloadTarget, pinCore: boolean): Promise<{ bytes: number; seconds: number }>;
}

const urlOf = (t: DownloadTarget) => `http://${t.host}:${t.port}/`;

/** HTTPRequest streaming to a counting `onBody`; `transientBody` lets it read into recycled buffers. */
function requestOnBodyAdapter(transientBody: boolean): Adapter {
  return {
    name: transientBody
      ? 'gdhttp HTTPRequest, onBody + transientBody'
      : 'gdhttp HTTPRequest, onBody',
    note: transientBody
      ? '`request(url, [], GET, "", { onBody, transientBody: true })`: pieces valid during the call, reads into recycled buffers'
      : '`request(url, [], GET, "", { onBody })`, the callback counts each piece (default settings; pieces may be kept)',
    inProcess: true,
    async download(target) {
      const r = new HTTPRequest();
      try {
        let bytes = 0;
        const onBody = (piece: Uint8Array) => {
          bytes += piece.length;
        };
        const t0 = now();
        const { result, responseCode } = await r.request(urlOf(target), [], Method.GET, '', {
          onBody,
          transientBody,
        });
        const seconds = now() - t0;
        if (result !== Result.SUCCESS || responseCode !== 200) {
          throw new Error(`HTTPRequest: result ${result}, status ${responseCode}`);
        }
        return { bytes, seconds };
      } finally {
        r.close();
      }
    },
  };
}

const requestOnBody = requestOnBodyAdapter(false);
const requestOnBodyTransient = requestOnBodyAdapter(true);

/** One GET on a CONNECTED client, the body read with `read` until the client is CONNECTED. */
async function clientBody(client: HTTPClient, read: () => Uint8Array): Promise<number> {
  if (client.request(Method.GET, '/', []) !== ErrorCode.OK) throw new Error('request failed');
  let bytes = 0;
  for (;;) {
    const news = client.news();
    client.poll();
    let s = client.getStatus();
    if (s === Status.BODY) {
      for (let piece = read(); piece.length > 0; piece = read()) bytes += piece.length;
      s = client.getStatus();
    }
    if (s === Status.CONNECTED) return bytes;
    if (s !== Status.REQUESTING && s !== Status.BODY) {
      throw new Error(`request ended in ${nameOf(Status, s)}: ${client.lastError?.message}`);
    }
    await news;
  }
}

function clientAdapter(name: string, note: string, how: 'transient' | 'view' | 'chunk'): Adapter {
  return {
    name,
    note,
    inProcess: true,
    async download(target) {
      const client = new HTTPClient();
      const read =
        how === 'chunk'
          ? () => client.readResponseBodyChunk()
          : () => client.readResponseBodyView(how === 'transient');
      try {
        const t0 = now();
        await connectClient(client, target);
        const bytes = await clientBody(client, read);
        return { bytes, seconds: now() - t0 };
      } finally {
        client.close();
      }
    },
  };
}

const clientTransient = clientAdapter(
  'gdhttp HTTPClient, transient views',
  '`readResponseBodyView(true)` (each view valid until the next read; recycled receive buffers)',
  'transient',
);
const clientView = clientAdapter(
  'gdhttp HTTPClient, views',
  '`readResponseBodyView()` (views kept valid: a new receive buffer per read)',
  'view',
);
const clientChunk = clientAdapter(
  'gdhttp HTTPClient, chunks',
  "`readResponseBodyChunk()` at the default readChunkSize (64 KiB), Godot's read",
  'chunk',
);

// The request suite's dispatch adapter, in this process (its CPU time is measured).
const undiciDispatch: Adapter = {
  ...undiciDispatchDiscard,
  name: 'undici dispatch',
  inProcess: true,
};

/** A raw socket counting bytes: `data` events, or `onread` into one reused 64 KiB buffer. */
function rawAdapter(name: string, note: string, onread: boolean): Adapter {
  return {
    name,
    note,
    inProcess: true,
    download(target) {
      const wire = wireBodyBytes(target.bodyBytes, target.chunked);
      return new Promise((resolve, reject) => {
        const t0 = now();
        let head = -1; // bytes of the head, once its end was seen in the first read
        let got = 0;
        const count = (chunk: Uint8Array): void => {
          if (head < 0) {
            // The head is short and arrives whole in the first read here.
            head =
              Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length).indexOf('\r\n\r\n') + 4;
          }
          got += chunk.length;
          if (got >= head + wire) {
            const seconds = now() - t0;
            socket.destroy();
            resolve({ bytes: target.bodyBytes, seconds });
          }
        };
        const buffer = Buffer.allocUnsafe(64 * 1024);
        const socket = connect(
          onread
            ? {
                port: target.port,
                host: target.host,
                onread: {
                  buffer,
                  callback: (n: number): boolean => {
                    count(buffer.subarray(0, n));
                    return true;
                  },
                },
              }
            : { port: target.port, host: target.host },
          () => socket.write(`GET / HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\n\r\n`),
        );
        if (!onread) socket.on('data', count);
        socket.on('error', reject);
        socket.on('close', () => {
          if (head < 0 || got < head + wire) reject(new Error(`${name}: short`));
        });
      });
    },
  };
}

const rawData = rawAdapter(
  'raw net.Socket, data events',
  'counts every received byte (a new buffer per read)',
  false,
);
const rawOnread = rawAdapter(
  'raw net.Socket, onread',
  '`onread` into one reused 64 KiB buffer: the limit of a Node reader here',
  true,
);

// The request suite's curl adapter, run out of process (its time is curl's own).
const curl: Adapter = { ...requestSuiteCurl, inProcess: false };

/** Every adapter of the suite, ours first. */
export const ADAPTERS: Adapter[] = [
  requestOnBody,
  requestOnBodyTransient,
  clientTransient,
  clientView,
  clientChunk,
  undiciDispatch,
  rawData,
  rawOnread,
  curl,
];

interface Result_ {
  mb: number[];
  cpuMsPerGiB: number[];
}

async function measure(
  target: DownloadTarget,
  warm: DownloadTarget,
  list: Adapter[],
  rounds: number,
  pinCore: boolean,
): Promise<Map<Adapter, Result_>> {
  for (const a of list) {
    const d = await a.download(warm, pinCore);
    if (d.bytes !== warm.bodyBytes) throw new Error(`${a.name}: ${d.bytes} of ${warm.bodyBytes}`);
  }
  const out = new Map<Adapter, Result_>(list.map((a) => [a, { mb: [], cpuMsPerGiB: [] }]));
  for (let round = 0; round < rounds; round++) {
    for (const a of roundOrder(list, round)) {
      const c0 = process.cpuUsage();
      const d = await a.download(target, pinCore);
      const c = process.cpuUsage(c0);
      if (d.bytes !== target.bodyBytes) {
        throw new Error(`${a.name}: ${d.bytes} of ${target.bodyBytes} body bytes`);
      }
      const r = out.get(a)!;
      r.mb.push(target.bodyBytes / d.seconds / 1e6);
      r.cpuMsPerGiB.push(((c.user + c.system) / 1e3) * ((1 << 30) / target.bodyBytes));
    }
  }
  return out;
}

function report(label: string, rows: Map<Adapter, Result_>): void {
  const curlMb = rows.get(curl)!.mb;
  console.log(`\n#### ${label}\n`);
  console.log('| client | MB/s | vs curl | CPU ms/GiB | runs (MB/s), in round order |');
  console.log('|---|---:|---:|---:|---|');
  for (const [a, r] of rows) {
    const cpu = a.inProcess ? fmt(median(r.cpuMsPerGiB)) : '';
    console.log(
      `| ${a.name} | ${fmt(median(r.mb))} | ${pairedRatio(r.mb, curlMb).toFixed(2)}x | ${cpu} | ${r.mb.map((x) => fmt(x)).join(', ')} |`,
    );
  }
  for (const a of [requestOnBody, requestOnBodyTransient, clientTransient]) {
    const x = pairedRatio(rows.get(a)!.mb, curlMb);
    console.log(`\n${a.name} / curl: ${x.toFixed(2)}x (target >= 0.8x) ${verdict(x >= 0.8)}`);
    keepTarget(
      `1 ${label}: ${a.name.replace('gdhttp ', '')} / curl`,
      `${x.toFixed(2)}x (>= 0.8x)`,
      x >= 0.8,
    );
  }
}

/**
 * The memory children run as one esbuild bundle of `download-child.ts` and the sources under
 * plain `node`: through tsx a process holds ~86 MiB before its first request (~39 MiB without),
 * which would measure the TypeScript loader, not the download.
 */
let bundled: string | null = null;
async function childBundle(): Promise<string> {
  if (bundled !== null) return bundled;
  const { build } = await import('esbuild');
  const outfile = join(tmpdir(), `gdhttp-bench-download-child-${process.pid}.mjs`);
  await build({
    entryPoints: [fileURLToPath(new URL('./download-child.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    conditions: ['@gdhttp/source'],
    outfile,
    logLevel: 'error',
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  bundled = outfile;
  return outfile;
}

/** The body of the peak-RSS downloads. */
const MEMORY_BYTES = 10 * (1 << 30);

type DownloadServer = Awaited<ReturnType<typeof spawnDownloadServer>>;

/** The download server with a body of `bytes`, in its own process (on core 0 when pinning). */
function spawnDownloadServer(bytes: number) {
  return spawnServer<{ length: number; chunked: number }>('download-server.ts', [String(bytes)]);
}

/**
 * One 10 GiB download in a fresh child process per way from `large`, then 1,000 requests at once
 * from `small`; prints each peak RSS.
 */
async function memory(servers: { large: DownloadServer; small: DownloadServer }): Promise<void> {
  const bytes = MEMORY_BYTES;
  const server = servers.large;
  console.log(
    `\n#### peak RSS, one ${bytes / (1 << 30)} GiB download, each in a fresh process (${server.placement})\n`,
  );
  console.log('| way | rate | peak RSS (MiB) | target |');
  console.log('|---|---:|---:|---|');
  for (const way of ['onBody', 'file']) {
    const { mb, rss } = await runChild<{ mb: number; rss: number }>([
      way,
      String(server.ports.length),
      String(bytes),
    ]);
    console.log(
      `| HTTPRequest → ${way} | ${fmt(mb)} MB/s | ${fmt(rss, 1)} | < 100 MiB ${verdict(rss < 100)} |`,
    );
    keepTarget(
      `4 peak RSS, ${bytes / (1 << 30)} GiB download to ${way}`,
      `${fmt(rss, 1)} MiB (< 100 MiB)`,
      rss < 100,
    );
  }
  await concurrent(servers.small);
}

/** Runs the child bundle with `args` in a fresh `node`; resolves with its last output line, parsed. */
async function runChild<T>(args: string[]): Promise<T> {
  const child = spawn(process.execPath, [await childBundle(), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const code = await new Promise((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`download child ${args.join(' ')} exited with ${code}`);
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

/** 1,000 HTTPRequests at once, each collecting a 64 KiB body, in a fresh process; peak RSS. */
async function concurrent(server: DownloadServer): Promise<void> {
  const { rss, seconds } = await runChild<{ rss: number; seconds: number }>([
    'concurrent',
    String(server.ports.length),
    String(CONCURRENT_BODY),
  ]);
  console.log(
    `| ${CONCURRENT} HTTPRequests at once, ${CONCURRENT_BODY >> 10} KiB bodies in memory | ${fmt(seconds, 2)} s | ${fmt(rss, 1)} | < 128 MiB ${verdict(rss < 128)} |`,
  );
  keepTarget(
    `4 peak RSS, ${CONCURRENT} HTTPRequests at once`,
    `${fmt(rss, 1)} MiB (< 128 MiB)`,
    rss < 128,
  );
}

const CONCURRENT = 1000;
const CONCURRENT_BODY = 64 * 1024;

export async function run(flags: string[]): Promise<void> {
  const quick = flags.includes('--quick');
  const memoryOnly = flags.includes('--memory');
  const bytes = quick ? 256 << 20 : 1 << 30;
  const rounds = quick ? 3 : 7;
  const pinCore = canPin();
  // Every server first: once this process is pinned, a child would inherit its one core and
  // share it with the client (one 10 GiB download to onBody then peaked at 211 MiB, not ~90).
  const server = memoryOnly ? null : await spawnDownloadServer(bytes);
  const memoryServers = quick
    ? null
    : {
        large: await spawnDownloadServer(MEMORY_BYTES),
        small: await spawnDownloadServer(CONCURRENT_BODY),
      };
  const restore = pinSelf();
  try {
    if (server !== null) {
      console.log(
        `node ${process.version}, ${availableParallelism()} cores; ${server.placement}; client ${restore ? 'pinned to core 1' : 'not pinned'}; ` +
          `${rounds} interleaved rounds of one ${bytes >> 20} MiB download per adapter after one warm-up each\n`,
      );
      for (const a of ADAPTERS) console.log(`- ${a.name}: ${a.note}`);
      for (const chunked of [false, true]) {
        const target = {
          host: '127.0.0.1',
          port: chunked ? server.ports.chunked : server.ports.length,
          bodyBytes: bytes,
          chunked,
        };
        const rows = await measure(target, target, ADAPTERS, rounds, pinCore);
        report(
          chunked
            ? `chunked (16 KiB chunks), ${bytes >> 20} MiB`
            : `Content-Length, ${bytes >> 20} MiB`,
          rows,
        );
      }
      await server.close();
    }
    // Peak memory (issue 19, target 4) is part of every full run; --quick leaves it out.
    if (memoryServers !== null) await memory(memoryServers);
  } finally {
    restore?.();
    await server?.close();
    await memoryServers?.large.close();
    await memoryServers?.small.close();
    if (bundled !== null) await unlink(bundled).catch(() => {});
  }
}
