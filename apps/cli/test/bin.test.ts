import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Action, type ScriptedServer, startScriptedServer } from '@gdhttp/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Exit } from '../src/exit-codes.js';

// The real entry point, as a user runs it: the built dist/gdhttp.js (test/build.global.ts builds
// it once per run), in child processes. The behaviour itself is tested in-process in run.test.ts.
const BIN = fileURLToPath(new URL('../dist/gdhttp.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gdhttp-bin-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function serve(replies: readonly Action[][]): Promise<ScriptedServer> {
  const s = await startScriptedServer({ replies });
  servers.push(s);
  return s;
}
const big = (size: number): Action[] => [
  `HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`,
  { pattern: size },
];

interface Ended {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts a command with piped output and no GDHTTP_PROGRESS from the caller's environment. */
function start(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; detached?: boolean; cwd?: string } = {},
) {
  const { GDHTTP_PROGRESS: _, ...inherited } = process.env;
  return spawn(command, args, {
    env: { ...inherited, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
    cwd: options.cwd ?? process.cwd(),
  });
}

/** Collects a child's output until it exits, without blocking the servers in this process. */
function ended(child: ChildProcess, timeoutMs = 30_000): Promise<Ended> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString('latin1');
    });
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${child.spawnargs.join(' ')} did not exit in ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const gdhttp = (args: string[], env: Record<string, string> = {}) =>
  ended(start(process.execPath, [BIN, ...args], { env }));

const hasScript = spawnSync('script', ['--version']).status === 0;
const hasPnpm = spawnSync('pnpm', ['--version']).status === 0;

describe('dist/gdhttp.js', () => {
  it('downloads to -o with the bar forced by GDHTTP_PROGRESS=1, and reports failures in one line', async () => {
    const size = 8 * 1024 * 1024;
    const s = await serve([big(size)]);
    const file = join(dir, 'bin.bin');
    const r = await gdhttp(['-o', file, `http://${s.host}:${s.port}/`], { GDHTTP_PROGRESS: '1' });
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(statSync(file).size).toBe(size);
    expect(r.stderr.split('\r').at(-1)).toMatch(
      /^100% \[#+\] 8\.0 MiB \/ 8\.0 MiB .* in \d:\d\d *\n$/,
    );

    expect(await gdhttp(['http://x.invalid/'])).toEqual({
      code: Exit.CANT_RESOLVE,
      stdout: '',
      stderr: "gdhttp: cannot resolve host 'x.invalid'\n",
    });
    expect(await gdhttp(['--timeout'])).toEqual({
      code: Exit.USAGE,
      stdout: '',
      stderr: 'gdhttp: --timeout needs a value\n',
    });
  });

  it.runIf(hasScript)('draws the bar by itself under a terminal, and not when piped', async () => {
    const size = 8 * 1024 * 1024;
    const s = await serve([big(size)]);
    const file = join(dir, 'tty.bin');
    const command = `${process.execPath} ${BIN} -o ${file} http://${s.host}:${s.port}/`;
    // `script` runs the command on a pseudo-terminal and copies the terminal's output to stdout.
    const r = await ended(start('script', ['-qec', command, '/dev/null']));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/100% \[#+\] 8\.0 MiB \/ 8\.0 MiB/);
    expect(statSync(file).size).toBe(size);
    const piped = await gdhttp(['-o', file, `http://${s.host}:${s.port}/`]);
    expect(piped).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('exits 23 with one line when the reader of stdout goes away (| head)', async () => {
    const s = await serve([big(256 * 1024 * 1024)]);
    const child = start(process.execPath, [BIN, `http://${s.host}:${s.port}/`]);
    child.stdout.once('data', () => child.stdout.destroy());
    const r = await ended(child);
    expect(r.code).toBe(Exit.WRITE_ERROR);
    expect(r.stderr).toBe('gdhttp: cannot write to stdout (EPIPE)\n');
  });

  it('exits 130 on Ctrl-C and deletes the partial download', async () => {
    const s = await serve([
      ['HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n', 'x'.repeat(5000), { hang: true }],
    ]);
    const sub = join(dir, 'ctrl-c');
    await mkdir(sub);
    const child = start(
      process.execPath,
      [BIN, '-o', join(sub, 'partial.bin'), `http://${s.host}:${s.port}/`],
      { detached: true }, // its own process group, as a shell gives a foreground job
    );
    const done = ended(child);
    await s.request(0);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the body has started
    // A terminal's Ctrl-C signals the whole foreground group.
    process.kill(-child.pid!, 'SIGINT');
    const r = await done;
    expect(r).toEqual({ code: Exit.INTERRUPTED, stdout: '', stderr: 'gdhttp: interrupted\n' });
    expect(readdirSync(sub)).toEqual([]); // the .part file went with it
  });

  it.runIf(hasPnpm)('runs as `pnpm --filter @gdhttp/cli start -- ARGS` from anywhere', async () => {
    const s = await serve([['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi']]);
    const r = await ended(
      start(
        'pnpm',
        [
          '--silent',
          '--dir',
          ROOT,
          '--filter',
          '@gdhttp/cli',
          'start',
          '--',
          '-v',
          '-o',
          'start.txt',
          `http://${s.host}:${s.port}/`,
        ],
        { cwd: dir },
      ),
    );
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(r.stderr).toContain('> GET / HTTP/1.1\n');
    expect(r.stderr).toContain('< HTTP/1.1 200 OK\n');
    // pnpm runs the script in apps/cli; -o is relative to where pnpm was started.
    expect(readFileSync(join(dir, 'start.txt'), 'utf8')).toBe('hi');
  });
});
