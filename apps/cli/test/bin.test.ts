import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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

/**
 * Starts a command with piped output, no GDHTTP_PROGRESS from the caller's environment, and the
 * code cache (src/bin.ts) in this file's temporary folder rather than the user's.
 */
function start(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; detached?: boolean; cwd?: string } = {},
) {
  const { GDHTTP_PROGRESS: _, ...inherited } = process.env;
  return spawn(command, args, {
    env: { ...inherited, GDHTTP_CACHE_DIR: join(dir, 'code-cache'), ...options.env },
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

const ok: Action[] = ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi'];

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

  it('compiles its core with a V8 code cache: kept after a request, then used; refused or foreign ones replaced', async () => {
    const s = await serve([ok]); // repeated for every request
    const url = `http://${s.host}:${s.port}/`;
    const cache = join(dir, 'own-cache');
    const env = { GDHTTP_CACHE_DIR: cache };
    const cacheFile = () => {
      const files = readdirSync(cache).filter((f) => !f.startsWith('gdhttp-core-9.9.9-'));
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^gdhttp-core-\d+\.\d+\.\d+-\d+-\d+-node[\d.]+-\w+\.cache$/);
      return join(cache, files[0]!);
    };
    const fine = { code: 0, stdout: 'hi', stderr: '' };
    // --version compiles too little of a request to be worth keeping.
    expect((await gdhttp(['--version'], env)).code).toBe(0);
    expect(existsSync(cache)).toBe(false);
    expect(await gdhttp(['-s', url], env)).toEqual(fine);
    const file = cacheFile();
    const kept = statSync(file);
    expect(kept.size).toBeGreaterThan(100_000);
    expect(kept.mode & 0o777).toBe(0o600);
    // V8 took it: nothing is written again.
    expect(await gdhttp(['-s', url], env)).toEqual(fine);
    expect(statSync(file).mtimeMs).toBe(kept.mtimeMs);
    // Junk is refused by V8 and replaced after the run.
    writeFileSync(file, 'junk');
    expect(await gdhttp(['-s', url], env)).toEqual(fine);
    expect(statSync(cacheFile()).size).toBeGreaterThan(100_000);
    // A cache others could have written is never read: it is replaced by one of this user's.
    writeFileSync(file, 'junk');
    chmodSync(file, 0o666);
    expect(await gdhttp(['-s', url], env)).toEqual(fine);
    expect(statSync(cacheFile()).mode & 0o777).toBe(0o600);
    expect(statSync(cacheFile()).size).toBeGreaterThan(100_000);
    // Another build of this version under this Node (a rebuild while working on gdhttp) is
    // removed when a cache is written; another version's stays.
    const name = file.slice(cache.length + 1);
    const rebuilt = join(cache, name.replace(/-(\d+)-(\d+)-node/, '-1-2-node'));
    const released = join(cache, name.replace(/^gdhttp-core-[^-]+-/, 'gdhttp-core-9.9.9-'));
    writeFileSync(rebuilt, 'old build');
    writeFileSync(released, 'other version');
    writeFileSync(file, 'junk');
    expect(await gdhttp(['-s', url], env)).toEqual(fine);
    expect(readdirSync(cache).sort()).toEqual([name, released.slice(cache.length + 1)].sort());
    // GDHTTP_COMPILE_CACHE=0: none read or written.
    const off = join(dir, 'no-cache');
    expect(await gdhttp(['-s', url], { GDHTTP_CACHE_DIR: off, GDHTTP_COMPILE_CACHE: '0' })).toEqual(
      fine,
    );
    expect(existsSync(off)).toBe(false);
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
