/**
 * Request suite (issue 6). (a) Requests/s of gdhttp's `HTTPRequest.request()` beside undici's
 * `request()`, `node:http` with a keep-alive agent and undici's `fetch` — every one handing back
 * the whole body in memory — against the canned raw-`net` server (own process, core 0; this
 * process on core 1): one connection sequential, and 50 connections with one sequential loop each
 * (HTTPRequest runs one request at a time per instance, so every client gets 50 in flight).
 * (b) MB/s of one 1 GiB Content-Length download (HTTPRequest streaming to `onBody`, and to a
 * file) beside undici, curl and a raw `net.Socket` (and one piped into a file). (c) MB/s of one
 * 64 MiB Content-Length upload (`HTTPRequest.requestRaw` POST) beside undici's `request()` and
 * `curl --data-binary @file`, to a listener that counts and drops the body and answers the count.
 * Adapters interleave, in another order each repetition (`roundOrder`), after a warm-up; figures
 * are medians.
 */
import { unlink, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SSE_EVENTS, WARM_BYTES } from './canned/server.ts';
import { canPin, pinSelf, spawnCanned } from './canned/spawn.ts';
import { undiciVersion } from './client.ts';
import {
  CONNECTIONS,
  cannedScenarios,
  findRow,
  fmt,
  type LoadAdapter,
  measure,
  median,
  pairedRatio,
  printRateTable,
  type Row,
  roundOrder,
  type Scenario,
} from './load/harness.ts';
import { gdhttpRequest, requestAdapters, undiciRequest } from './request/adapters.ts';
import {
  type DownloadAdapter,
  downloadAdapters,
  gdhttpClientDiscard,
  gdhttpRequestFile,
  gdhttpRequestStream,
  rawSocket,
  rawSocketFile,
} from './request/download.ts';
import {
  curlFileUpload,
  fileUploadAdapters,
  gdhttpFileUpload,
  measureSse,
  SSE_READS_PER_SAMPLE,
  undiciStreamUpload,
} from './request/streams.ts';
import {
  CURL_TIME_TOTAL,
  curlUpload,
  gdhttpRequestUpload,
  type UploadAdapter,
  undiciRequestUpload,
  uploadAdapters,
} from './request/upload.ts';
import { verdict } from './targets.ts';

/** The scenarios for the canned server's ports: every client keeps one request per connection. */
export function scenarios(ports: { small: number; large: number }): Scenario[] {
  return cannedScenarios(ports, () => CONNECTIONS);
}

export interface DownloadRow {
  adapter: string;
  megabytesPerSecond: number;
  samples: number[];
}

/** Downloads `bytes` with every adapter: one warm-up each, then `reps` interleaved rounds. */
export async function measureDownloads(
  ports: { download: number; warm: number },
  bytes: number,
  warmBytes: number,
  list: readonly DownloadAdapter[],
  reps: number,
  pinCore: boolean,
): Promise<DownloadRow[]> {
  const target = { host: '127.0.0.1', port: ports.download, bodyBytes: bytes };
  const warm = { host: '127.0.0.1', port: ports.warm, bodyBytes: warmBytes };
  const check = (a: DownloadAdapter, got: number, want: number) => {
    if (got !== want) throw new Error(`${a.name}: ${got} body bytes, expected ${want}`);
  };
  for (const a of list) check(a, (await a.download(warm, pinCore)).bytes, warmBytes);
  const samples = new Map<DownloadAdapter, number[]>(list.map((a) => [a, []]));
  for (let rep = 0; rep < reps; rep++) {
    for (const a of roundOrder(list, rep)) {
      const d = await a.download(target, pinCore);
      check(a, d.bytes, bytes);
      samples.get(a)!.push(bytes / d.seconds / 1e6);
    }
  }
  return list.map((a) => ({
    adapter: a.name,
    megabytesPerSecond: median(samples.get(a)!),
    samples: samples.get(a)!,
  }));
}

/** MB/s of every upload adapter (and of the extra timings some report), round by round. */
export type UploadRow = DownloadRow;

/**
 * Uploads a `bodyBytes` body to `port` with every adapter: `warmups` uploads each, then `reps`
 * interleaved rounds (in another order each round). Every upload must have delivered the whole
 * body by the server's count. The body (and curl's file of it) is written once; the files are
 * deleted at the end.
 */
export async function measureUploads(
  port: number,
  bodyBytes: number,
  list: readonly UploadAdapter[],
  warmups: number,
  reps: number,
  pinCore: boolean,
): Promise<UploadRow[]> {
  const body = new Uint8Array(bodyBytes);
  for (let i = 0; i < bodyBytes; i++) body[i] = 0x20 + (i % 95); // printable, not one repeated byte
  const file = join(tmpdir(), `gdhttp-bench-upload-${process.pid}.bin`);
  const emptyFile = join(tmpdir(), `gdhttp-bench-upload-empty-${process.pid}.bin`);
  const target = { host: '127.0.0.1', port, body, file, emptyFile };
  const samples = new Map<string, number[]>();
  const add = (name: string, seconds: number) => {
    if (!samples.has(name)) samples.set(name, []);
    samples.get(name)!.push(bodyBytes / seconds / 1e6);
  };
  const once = async (a: UploadAdapter) => {
    const u = await a.upload(target, pinCore);
    if (u.received !== bodyBytes) {
      throw new Error(
        `${a.name}: the server counted ${u.received} body bytes, expected ${bodyBytes}`,
      );
    }
    return u;
  };
  try {
    await writeFile(file, body);
    await writeFile(emptyFile, new Uint8Array(0));
    for (const a of list) for (let i = 0; i < warmups; i++) await once(a);
    for (let rep = 0; rep < reps; rep++) {
      for (const a of roundOrder(list, rep)) {
        const u = await once(a);
        add(a.name, u.seconds);
        for (const x of u.also ?? []) add(x.name, x.seconds);
      }
    }
  } finally {
    await unlink(file).catch(() => {});
    await unlink(emptyFile).catch(() => {});
  }
  return [...samples].map(([adapter, xs]) => ({
    adapter,
    megabytesPerSecond: median(xs),
    samples: xs,
  }));
}

export async function run(flags: string[]): Promise<void> {
  const quick = flags.includes('--quick');
  const opts = quick
    ? { reps: 3, warmup: 500, minRepSeconds: 0.1 }
    : { reps: 5, warmup: 2000, minRepSeconds: 1 };
  const downloadBytes = quick ? 256 << 20 : 1 << 30;
  const downloadReps = quick ? 3 : 9;
  const uploadBytes = quick ? 16 << 20 : UPLOAD_BYTES;
  const uploadReps = quick ? 3 : UPLOAD_REPS;
  const uploadOnly = flags.includes('--upload-only');
  // Issue 15: a file uploaded as it is read, and Server-Sent Events.
  // --sse-only and --file-upload-only run one of the two stream scenarios alone.
  const sseOnly = flags.includes('--sse-only');
  const fileUploadOnly = flags.includes('--file-upload-only');
  const streamsOnly = flags.includes('--streams-only') || sseOnly || fileUploadOnly;
  const fileBytes = quick ? 128 << 20 : FILE_UPLOAD_BYTES;
  const fileReps = quick ? 3 : FILE_UPLOAD_REPS;
  const sseReps = quick ? 3 : SSE_REPS;
  const pinCore = canPin();
  const cores = availableParallelism();
  // the server first: once this process is pinned, its children would inherit one core
  const server = await spawnCanned(downloadBytes);
  const restore = pinSelf();
  try {
    console.log(
      `node ${process.version}, undici ${undiciVersion}, ${cores} cores; ${server.placement}; ` +
        `client process ${process.pid} ${restore ? 'pinned to core 1 (taskset -a -p -c 1)' : 'not pinned'}; ` +
        `median of ${opts.reps} interleaved repetitions (>= ${opts.minRepSeconds} s each) after ${opts.warmup * 2} warm-up requests\n`,
    );
    if (!uploadOnly && !streamsOnly) await requestsAndDownloads();
    if (!streamsOnly) await uploads();
    if (!uploadOnly) await streams();
  } finally {
    await server.close();
    restore?.();
  }

  async function streams(): Promise<void> {
    if (!sseOnly) await fileUploads();
    if (!fileUploadOnly) await sse();
  }

  async function fileUploads(): Promise<void> {
    console.log(
      `\n### file upload: one ${fileBytes >= 1 << 30 ? `${fileBytes / (1 << 30)} GiB` : `${fileBytes >> 20} MiB`} file PUT (Content-Length) as it is read, to the counting listener, ` +
        `MB/s = 10^6 bytes/s, median of ${fileReps} interleaved rounds after one upload each; every upload checked by the server's count\n`,
    );
    const fl = fileUploadAdapters();
    const frows = await measureUploads(server.ports.upload, fileBytes, fl, 1, fileReps, pinCore);
    reportFileUploads(frows, fl);
  }

  async function sse(): Promise<void> {
    console.log(
      `\n### Server-Sent Events: one answer of ${SSE_EVENTS.toLocaleString('en')} small events per read, ${SSE_READS_PER_SAMPLE} reads (each on a new connection) per sample, events/s, ` +
        `median of ${sseReps} interleaved rounds after one sample each; ratios are the median of the per-round ratios\n`,
    );
    await measureSse(server.ports.sse, 1, sseReps);
  }

  async function uploads(): Promise<void> {
    console.log(
      `\n### upload: one ${uploadBytes >= 1 << 20 ? `${uploadBytes / (1 << 20)} MiB` : `${uploadBytes} B`} body (Content-Length) POSTed to a listener that counts and drops it, ` +
        `MB/s = 10^6 bytes/s, median of ${uploadReps} interleaved rounds after ${UPLOAD_WARMUPS} uploads each; ` +
        'ratios are the median of the per-round ratios; every upload checked: the server counted the whole body\n',
    );
    const ul = uploadAdapters();
    const urows = await measureUploads(
      server.ports.upload,
      uploadBytes,
      ul,
      UPLOAD_WARMUPS,
      uploadReps,
      pinCore,
    );
    reportUploads(urows, ul);
  }

  async function requestsAndDownloads(): Promise<void> {
    const list = requestAdapters();
    const rows: Row[] = [];
    for (const s of scenarios(server.ports)) rows.push(...(await measure(s, list, opts)));
    reportRequests(rows, list);

    const gib = downloadBytes / (1 << 30);
    console.log(
      `\n### download: one ${gib >= 1 ? `${gib} GiB` : `${downloadBytes >> 20} MiB`} body (Content-Length), ` +
        `MB/s = 10^6 bytes/s, median of ${downloadReps} interleaved rounds after one download of ${Math.min(downloadBytes, WARM_BYTES) >> 20} MiB each; ` +
        'ratios are the median of the per-round ratios (both downloads of a ratio ran in the same round, seconds apart)\n',
    );
    const dl = downloadAdapters();
    const drows = await measureDownloads(
      server.ports,
      downloadBytes,
      Math.min(downloadBytes, WARM_BYTES),
      dl,
      downloadReps,
      pinCore,
    );
    reportDownloads(drows, dl);
  }
}

/** The file of a full run's file upload. */
export const FILE_UPLOAD_BYTES = 1 << 30;
/** Rounds of a full run's file upload. */
export const FILE_UPLOAD_REPS = 7;
/** Rounds of a full run's SSE scenario. */
export const SSE_REPS = 9;

/** The upload body of a full run. */
export const UPLOAD_BYTES = 64 << 20;
/** Uploads per adapter before the rounds. */
export const UPLOAD_WARMUPS = 3;
/** Rounds of a full run (one upload per adapter each). */
export const UPLOAD_REPS = 25;

function reportRequests(rows: Row[], list: LoadAdapter[]): void {
  printRateTable(rows, list, [{ label: 'undici request', adapter: undiciRequest }]);
  const names = [...new Set(rows.map((r) => r.scenario))];
  const find = (s: string, a: LoadAdapter) => findRow(rows, s, a);
  console.log(
    '\nratios HTTPRequest / undici request, median of the per-repetition ratios (target >= 1.0x):',
  );
  for (const s of names) {
    const x = pairedRatio(find(s, gdhttpRequest).samples, find(s, undiciRequest).samples);
    console.log(`  ${s.padEnd(32)} ${x.toFixed(2)}x ${verdict(x >= 1)}`);
  }
}

/** {@link pairedRatio} of two download (or upload) rows' MB/s, round by round. */
export function downloadRatio(rows: readonly DownloadRow[], a: string, b: string): number {
  const of = (name: string) => rows.find((r) => r.adapter === name)!.samples;
  return pairedRatio(of(a), of(b));
}

function reportDownloads(rows: DownloadRow[], list: DownloadAdapter[]): void {
  console.log('| client | MB/s | runs (MB/s), in round order | vs raw socket (median of rounds) |');
  console.log('|---|---:|---|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.adapter} | ${fmt(r.megabytesPerSecond)} | ${r.samples.map((x) => fmt(x)).join(', ')} | ` +
        `${downloadRatio(rows, r.adapter, rawSocket.name).toFixed(2)}x |`,
    );
  }
  console.log('');
  for (const a of list) console.log(`- ${a.name}: ${a.note}`);
  const ratio = (a: DownloadAdapter, b: DownloadAdapter) => downloadRatio(rows, a.name, b.name);
  const stream = ratio(gdhttpRequestStream, rawSocket);
  console.log(
    `\nratio ${gdhttpRequestStream.name} / ${rawSocket.name}: ${stream.toFixed(2)}x (target >= 0.9x) ${verdict(stream >= 0.9)}`,
  );
  console.log(
    `ratio ${gdhttpRequestFile.name} / ${rawSocketFile.name}: ${ratio(gdhttpRequestFile, rawSocketFile).toFixed(2)}x (to a file, the disk included)`,
  );
  console.log(
    `ratio ${gdhttpClientDiscard.name} / ${rawSocket.name}: ${ratio(gdhttpClientDiscard, rawSocket).toFixed(2)}x (the client layer alone)`,
  );
}

function reportFileUploads(rows: UploadRow[], list: UploadAdapter[]): void {
  const ratio = (a: string, b: string) => downloadRatio(rows, a, b);
  console.log('| client | MB/s | runs (MB/s), in round order | vs undici | vs curl -T |');
  console.log('|---|---:|---|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.adapter} | ${fmt(r.megabytesPerSecond)} | ${r.samples.map((x) => fmt(x)).join(', ')} | ` +
        `${ratio(r.adapter, undiciStreamUpload.name).toFixed(2)}x | ${ratio(r.adapter, curlFileUpload.name).toFixed(2)}x |`,
    );
  }
  console.log('');
  for (const a of list) console.log(`- ${a.name}: ${a.note}`);
  const vsUndici = ratio(gdhttpFileUpload.name, undiciStreamUpload.name);
  const vsCurl = ratio(gdhttpFileUpload.name, curlFileUpload.name);
  console.log(
    `\nratio ${gdhttpFileUpload.name} / ${undiciStreamUpload.name}: ${vsUndici.toFixed(2)}x (target >= 1.0x) ${verdict(vsUndici >= 1)}`,
  );
  console.log(
    `ratio ${gdhttpFileUpload.name} / ${curlFileUpload.name}: ${vsCurl.toFixed(2)}x (target >= 0.8x) ${verdict(vsCurl >= 0.8)}`,
  );
}

function reportUploads(rows: UploadRow[], list: UploadAdapter[]): void {
  const ratio = (a: string, b: string) => downloadRatio(rows, a, b);
  console.log(
    '| client | MB/s | runs (MB/s), in round order | vs undici request | vs curl (start-up subtracted) | vs curl time_total |',
  );
  console.log('|---|---:|---|---:|---:|---:|');
  for (const r of rows) {
    const vs = [undiciRequestUpload.name, curlUpload.name, CURL_TIME_TOTAL];
    console.log(
      `| ${r.adapter} | ${fmt(r.megabytesPerSecond)} | ${r.samples.map((x) => fmt(x)).join(', ')} | ` +
        `${vs.map((b) => `${ratio(r.adapter, b).toFixed(2)}x`).join(' | ')} |`,
    );
  }
  console.log('');
  for (const a of list) console.log(`- ${a.name}: ${a.note}`);
  const ours = gdhttpRequestUpload.name;
  const vsUndici = ratio(ours, undiciRequestUpload.name);
  const vsCurl = ratio(ours, curlUpload.name);
  const vsCurlTotal = ratio(ours, CURL_TIME_TOTAL);
  console.log(
    `\nratio ${ours} / ${undiciRequestUpload.name}: ${vsUndici.toFixed(2)}x (target >= 1.0x) ${verdict(vsUndici >= 1)}`,
  );
  console.log(
    `ratio ${ours} / ${curlUpload.name}: ${vsCurl.toFixed(2)}x (target >= 0.8x) ${verdict(vsCurl >= 0.8)}`,
  );
  console.log(
    `ratio ${ours} / ${CURL_TIME_TOTAL}: ${vsCurlTotal.toFixed(2)}x (curl's transfer alone, after it read the file into memory; >= 0.8x ${verdict(vsCurlTotal >= 0.8)})`,
  );
}
