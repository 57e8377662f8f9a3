/**
 * CLI startup suite (issue 18): the time from spawning `gdhttp URL` to the first byte of its
 * request arriving at a listener on 127.0.0.1, beside a bare `node -e ''` (spawn to exit) and
 * `curl URL` (spawn to first byte). Medians of many runs, interleaved; the built command
 * (apps/cli/dist/gdhttp.js, rebuilt here first) is what `npm i -g @gdhttp/cli` installs.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

const CLI_DIR = fileURLToPath(new URL('../../apps/cli/', import.meta.url));
const BIN = `${CLI_DIR}dist/gdhttp.js`;

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Milliseconds from spawn to the first request byte at `firstByte`, or to exit when null. */
async function time(
  command: string,
  args: string[],
  firstByte: Promise<void> | null,
): Promise<number> {
  const start = performance.now();
  const child = spawn(command, args, { stdio: 'ignore' });
  const exited = once(child, 'exit');
  if (firstByte === null) await exited;
  else await firstByte;
  const ms = performance.now() - start;
  await exited;
  return ms;
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

  const adapters: [string, () => Promise<number>][] = [
    ["node -e '' (spawn to exit)", () => time(process.execPath, ['-e', ''], null)],
    [
      'gdhttp URL (spawn to first byte)',
      () => time(process.execPath, [BIN, '-s', url], firstByte()),
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
  const samples = new Map<string, number[]>(adapters.map(([name]) => [name, []]));
  for (const [, go] of adapters) await go(); // warm the file cache
  for (let i = 0; i < runs; i++) {
    for (const [name, go] of adapters) samples.get(name)!.push(await go());
  }
  server.close();

  const base = median(samples.get(adapters[0]![0])!);
  console.log(`| command | median ms (${runs} runs) | × node -e '' |`);
  console.log('| --- | ---: | ---: |');
  for (const [name] of adapters) {
    const m = median(samples.get(name)!);
    console.log(`| ${name} | ${m.toFixed(1)} | ${(m / base).toFixed(2)} |`);
  }
}
