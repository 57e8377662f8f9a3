/**
 * CLI startup suite (issue 18): the time from spawning `gdhttp URL` to the first byte of its
 * request arriving at a listener on 127.0.0.1, beside a bare `node -e ''` (spawn to exit) and
 * `curl URL` (spawn to first byte). Medians of many runs, interleaved; the built command
 * (apps/cli/dist/gdhttp.js, rebuilt here first) is what `npm i -g @gdhttp/cli` installs. It runs
 * as after its first run, with its V8 code cache (apps/cli/src/bin.ts) in a directory of this
 * run's own, and once more without it (`GDHTTP_COMPILE_CACHE=0`: what the first run costs).
 * Where `/proc` shows it, each first-byte row also gets the CPU time the process had used when
 * its byte arrived (all threads), which the other jobs on a shared machine move less than the
 * wall time.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI_DIR = fileURLToPath(new URL('../../apps/cli/', import.meta.url));
const BIN = `${CLI_DIR}dist/gdhttp.js`;

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** CPU milliseconds a live process has used, all its threads; NaN where /proc has no schedstat. */
function cpuMs(pid: number | undefined): number {
  try {
    let ns = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    }
    return ns / 1e6;
  } catch {
    return Number.NaN;
  }
}

/**
 * Milliseconds from spawn to the first request byte at `firstByte` (and the CPU time used by
 * then), or to exit when null (CPU NaN).
 */
async function time(
  command: string,
  args: string[],
  firstByte: Promise<void> | null,
  env: NodeJS.ProcessEnv = process.env,
): Promise<[number, number]> {
  const start = performance.now();
  const child = spawn(command, args, { stdio: 'ignore', env });
  const exited = once(child, 'exit');
  if (firstByte === null) await exited;
  else await firstByte;
  const ms = performance.now() - start;
  const cpu = firstByte === null ? Number.NaN : cpuMs(child.pid);
  await exited;
  return [ms, cpu];
}

export async function run(flags: string[]): Promise<void> {
  const runs = flags.includes('--quick') ? 10 : 40;
  // The build a user installs; no declarations needed here.
  const tsup = createRequire(import.meta.url).resolve('tsup/dist/cli-default.js');
  execFileSync(process.execPath, [tsup, '--silent'], {
    cwd: CLI_DIR,
    env: { ...process.env, npm_lifecycle_event: 'start' },
    stdio: 'inherit',
  });

  let arrived: (() => void) | null = null;
  const server = createServer((socket: Socket) => {
    socket.once('data', () => {
      arrived?.();
      socket.end('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n');
    });
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}/`;
  const firstByte = () =>
    new Promise<void>((resolve) => {
      arrived = resolve;
    });

  // The code cache of this run only: the first gdhttp run below (the warm-up) writes it.
  const cacheDir = mkdtempSync(join(tmpdir(), 'gdhttp-startup-cache-'));
  const cached = { ...process.env, GDHTTP_CACHE_DIR: cacheDir };
  const uncached = { ...process.env, GDHTTP_COMPILE_CACHE: '0' };
  const adapters: [string, () => Promise<[number, number]>][] = [
    ["node -e '' (spawn to exit)", () => time(process.execPath, ['-e', ''], null)],
    [
      'node connecting, no gdhttp (spawn to first byte)',
      () =>
        time(
          process.execPath,
          ['-e', `require('node:net').connect(${port}, '127.0.0.1').end('x')`],
          firstByte(),
        ),
    ],
    [
      'gdhttp URL (spawn to first byte)',
      () => time(process.execPath, [BIN, '-s', url], firstByte(), cached),
    ],
    [
      'gdhttp URL, no code cache (first run)',
      () => time(process.execPath, [BIN, '-s', url], firstByte(), uncached),
    ],
  ];
  let hasCurl = true;
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
  } catch {
    hasCurl = false;
  }
  if (hasCurl) {
    adapters.push(['curl URL (spawn to first byte)', () => time('curl', ['-s', url], firstByte())]);
  }
  const samples = new Map<string, [number, number][]>(adapters.map(([name]) => [name, []]));
  for (const [, go] of adapters) await go(); // warm the file cache, write the code cache
  for (let i = 0; i < runs; i++) {
    for (const [name, go] of adapters) samples.get(name)!.push(await go());
  }
  server.close();
  rmSync(cacheDir, { recursive: true, force: true });

  const base = median(samples.get(adapters[0]![0])!.map(([ms]) => ms));
  const cpu = (name: string) => median(samples.get(name)!.map(([, c]) => c));
  const bareCpu = cpu(adapters[1]![0]);
  console.log(
    `| command | median ms (${runs} runs) | × node -e '' | CPU ms at first byte | CPU − node connecting |`,
  );
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [name] of adapters) {
    const m = median(samples.get(name)!.map(([ms]) => ms));
    const c = cpu(name);
    const cells = Number.isNaN(c) ? ['', ''] : [c.toFixed(1), (c - bareCpu).toFixed(1)];
    console.log(`| ${name} | ${m.toFixed(1)} | ${(m / base).toFixed(2)} | ${cells.join(' | ')} |`);
  }
}
