/**
 * The download suite's `--memory` children (see `download.ts`): run as an esbuild bundle under
 * plain `node` with `way port bytes`, one download (or 1,000 requests at once) per process, and
 * print `{ mb | seconds, rss }` with the peak RSS in MiB (see {@link peakRssMiB}).
 */
import { readFileSync } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Method, Result } from '@gdhttp/constants';
import { HTTPRequest } from '@gdhttp/request';

const now = (): number => performance.now() / 1000;

/**
 * This process's peak resident set in MiB: `VmHWM` of /proc/self/status where there is one. Not
 * `process.resourceUsage().maxRSS`: Linux keeps a process's maximum across `execve`, and a child
 * forked from a large parent starts with the parent's pages counted, so every child of a bench
 * process holding 213 MiB reported 213 MiB. VmHWM is the high-water mark of this program's own
 * memory, started afresh at exec.
 */
function peakRssMiB(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm !== null) return Number(hwm[1]) / 1024;
  } catch {
    // not Linux: the rusage figure, which may include the parent's pages
  }
  return process.resourceUsage().maxRSS / 1024;
}

const CONCURRENT = 1000;

export async function child(way: string, port: number, bytes: number): Promise<void> {
  if (way === 'concurrent') {
    const t0 = now();
    const all = await Promise.all(
      Array.from({ length: CONCURRENT }, async () => {
        const r = new HTTPRequest();
        try {
          const { result, body } = await r.request(`http://127.0.0.1:${port}/`);
          if (result !== Result.SUCCESS || body.length !== bytes)
            throw new Error(`result ${result}`);
          return body.length;
        } finally {
          r.close();
        }
      }),
    );
    if (all.length !== CONCURRENT) throw new Error('missing');
    const rss = peakRssMiB();
    console.log(JSON.stringify({ rss, seconds: now() - t0 }));
    return;
  }
  const r = new HTTPRequest();
  const path = join(tmpdir(), `gdhttp-bench-rss-${process.pid}.bin`);
  let got = 0;
  const t0 = now();
  try {
    if (way === 'file') r.downloadFile = path;
    const onBody = (piece: Uint8Array): void => {
      got += piece.length;
    };
    const options = way === 'file' ? {} : { onBody };
    const { result } = await r.request(`http://127.0.0.1:${port}/`, [], Method.GET, '', options);
    if (result !== Result.SUCCESS) throw new Error(`result ${result}`);
    if (way === 'file') got = (await stat(path)).size;
  } finally {
    r.close();
    await unlink(path).catch(() => {});
  }
  const seconds = now() - t0;
  if (got !== bytes) throw new Error(`${got} of ${bytes}`);
  const rss = peakRssMiB();
  console.log(JSON.stringify({ mb: bytes / seconds / 1e6, rss }));
}

await child(process.argv[2]!, Number(process.argv[3]), Number(process.argv[4]));
