// downloadFile when the target is not an ordinary file. The download used to land in a hidden
// `.part` file that was renamed over the target, so `downloadFile = '/dev/null'` run as root
// replaced the null device with a regular file, and a symlink was replaced by the file it pointed
// to. These cases use a FIFO, a character device made in a temporary directory (never the
// system's /dev/null, which a regression would replace), a Unix socket and symlinks.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Result } from '@gdhttp/constants';
import { type Action, type ScriptedServer, startScriptedServer } from '@gdhttp/testkit';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { HTTPRequest } from '../src/index.js';

const servers: ScriptedServer[] = [];
const readers: ChildProcess[] = [];
afterEach(async () => {
  for (const reader of readers.splice(0)) reader.kill();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const root = mkdtempSync(join(tmpdir(), 'gdhttp-targets-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
/** A directory of its own per test, so a stray `.part` file is seen by the test that made it. */
const freshDir = (): string => {
  const dir = join(root, `t${dirs++}`);
  mkdirSync(dir);
  return dir;
};

async function serve(replies: readonly Action[][]): Promise<string> {
  const s = await startScriptedServer({ replies });
  servers.push(s);
  return `http://${s.host}:${s.port}/`;
}
const ok = (body: string | Buffer): Action[] => [
  `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`,
  body,
];
/** A body that breaks off: 100 bytes announced, 7 sent, then the server closes. */
const cut: Action[] = ['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial', { end: true }];
const noPartFiles = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.part'));

/** Starts `command args…` reading the FIFO; resolves with what it read once it exits. */
function readFifo(command: string, args: string[]): Promise<Buffer> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  readers.push(child);
  const out: Buffer[] = [];
  child.stdout.on('data', (piece: Buffer) => out.push(piece));
  return new Promise((resolve) => child.on('close', () => resolve(Buffer.concat(out))));
}

function makeFifo(dir: string): string {
  const fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  return fifo;
}

/** A character device node equal to the null device (1, 3), or null where mknod is not allowed. */
function makeNullDevice(dir: string): string | null {
  const node = join(dir, 'null-device');
  try {
    execFileSync('mknod', [node, 'c', '1', '3'], { stdio: 'ignore' });
    writeFileSync(node, 'probe');
    return node;
  } catch {
    return null;
  }
}
const canMakeDevice = makeNullDevice(freshDir()) !== null;

describe('HTTPRequest downloadFile to a FIFO', () => {
  it('writes the body into the FIFO in place: the reader gets it, the FIFO stays', async () => {
    const body = Buffer.alloc(300_000, 'f');
    const url = await serve([ok(body)]);
    const dir = freshDir();
    const fifo = makeFifo(dir);
    const read = readFifo('cat', [fifo]);
    const http = new HTTPRequest();
    http.downloadFile = fifo;
    const r = await http.request(url);
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200, body: new Uint8Array(0) });
    expect((await read).equals(body)).toBe(true);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['pipe']);
    http.close();
  });

  it('keeps the FIFO when the body breaks off (no temporary file, nothing deleted)', async () => {
    const url = await serve([cut]);
    const dir = freshDir();
    const fifo = makeFifo(dir);
    const read = readFifo('cat', [fifo]);
    const http = new HTTPRequest();
    http.downloadFile = fifo;
    expect((await http.request(url)).result).toBe(Result.CONNECTION_ERROR);
    // Bytes written in place cannot be taken back: the reader saw what arrived.
    expect((await read).toString()).toBe('partial');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['pipe']);
  });

  it('resolves DOWNLOAD_FILE_WRITE_ERROR when the reader goes away mid-body', async () => {
    // More than a pipe holds, so the writer is still writing when the reader has gone (EPIPE).
    const url = await serve([ok(Buffer.alloc(1 << 20, 'p'))]);
    const dir = freshDir();
    const fifo = makeFifo(dir);
    const read = readFifo('head', ['-c', '10', fifo]);
    const http = new HTTPRequest();
    http.downloadFile = fifo;
    const r = await http.request(url);
    expect(r).toMatchObject({ result: Result.DOWNLOAD_FILE_WRITE_ERROR, responseCode: 200 });
    expect((await read).toString()).toBe('pppppppppp');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(noPartFiles(dir)).toEqual([]);
  });

  it('ends with TIMEOUT while the FIFO waits for a reader, and closes it once one comes', async () => {
    const url = await serve([ok('never read')]);
    const dir = freshDir();
    const fifo = makeFifo(dir);
    const http = new HTTPRequest();
    http.downloadFile = fifo;
    http.timeout = 0.3;
    expect((await http.request(url)).result).toBe(Result.TIMEOUT);
    // The open still waits in a thread of its own; a reader lets it return, and the writer is
    // closed at once without a byte (the reader sees an empty stream, not the body).
    expect((await readFifo('cat', [fifo])).length).toBe(0);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['pipe']);
  });

  it('writes through a symlink to a FIFO and keeps the link', async () => {
    const url = await serve([ok('through the link')]);
    const dir = freshDir();
    const fifo = makeFifo(dir);
    const link = join(dir, 'link');
    symlinkSync(fifo, link);
    const read = readFifo('cat', [fifo]);
    const http = new HTTPRequest();
    http.downloadFile = link;
    expect((await http.request(url)).result).toBe(Result.SUCCESS);
    expect((await read).toString()).toBe('through the link');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(noPartFiles(dir)).toEqual([]);
  });

  it('works the same with useThreads (the worker runs the same download)', async () => {
    const url = await serve([ok('from the worker')]);
    const dir = freshDir();
    const fifo = makeFifo(dir);
    const read = readFifo('cat', [fifo]);
    const http = new HTTPRequest();
    http.useThreads = true;
    http.downloadFile = fifo;
    expect((await http.request(url)).result).toBe(Result.SUCCESS);
    expect((await read).toString()).toBe('from the worker');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['pipe']);
  }, 20_000);
});

describe.runIf(canMakeDevice)('HTTPRequest downloadFile to a character device', () => {
  it('writes into a null device node in place and leaves it a device', async () => {
    const url = await serve([ok('discarded'), cut]);
    const dir = freshDir();
    const device = makeNullDevice(dir)!;
    const http = new HTTPRequest();
    http.downloadFile = device;
    expect((await http.request(url)).result).toBe(Result.SUCCESS);
    expect(lstatSync(device).isCharacterDevice()).toBe(true);
    // A failed download deletes nothing either.
    expect((await http.request(url)).result).toBe(Result.CONNECTION_ERROR);
    expect(lstatSync(device).isCharacterDevice()).toBe(true);
    expect(readdirSync(dir)).toEqual(['null-device']);
    http.close();
  });

  it('writes through a symlink to the device node and keeps the link', async () => {
    const url = await serve([ok('discarded')]);
    const dir = freshDir();
    const device = makeNullDevice(dir)!;
    const link = join(dir, 'link');
    symlinkSync(device, link);
    const http = new HTTPRequest();
    http.downloadFile = link;
    expect((await http.request(url)).result).toBe(Result.SUCCESS);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(lstatSync(device).isCharacterDevice()).toBe(true);
    expect(noPartFiles(dir)).toEqual([]);
  });
});

describe('HTTPRequest downloadFile to other kinds of target', () => {
  it('resolves DOWNLOAD_FILE_CANT_OPEN for a Unix socket and leaves the socket', async () => {
    const url = await serve([ok('never written')]);
    const dir = freshDir();
    const path = join(dir, 'sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const http = new HTTPRequest();
      http.downloadFile = path;
      const r = await http.request(url);
      expect(r).toMatchObject({ result: Result.DOWNLOAD_FILE_CANT_OPEN, responseCode: 200 });
      expect(lstatSync(path).isSocket()).toBe(true);
      expect(readdirSync(dir)).toEqual(['sock']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('writes the file a symlink points to and keeps the link', async () => {
    const url = await serve([ok('new contents'), cut]);
    const dir = freshDir();
    const elsewhere = freshDir();
    const real = join(elsewhere, 'real.txt');
    writeFileSync(real, 'old contents');
    const link = join(dir, 'link.txt');
    symlinkSync(real, link);
    const http = new HTTPRequest();
    http.downloadFile = link;
    expect((await http.request(url)).result).toBe(Result.SUCCESS);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(real);
    expect(readFileSync(real, 'utf8')).toBe('new contents');
    // A failed download leaves the linked file whole and no temporary file on either side.
    expect((await http.request(url)).result).toBe(Result.CONNECTION_ERROR);
    expect(readFileSync(real, 'utf8')).toBe('new contents');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect([...readdirSync(dir), ...readdirSync(elsewhere)].sort()).toEqual([
      'link.txt',
      'real.txt',
    ]);
    http.close();
  });

  it('follows a chain of relative symlinks to the file', async () => {
    const url = await serve([ok('end of the chain')]);
    const dir = freshDir();
    writeFileSync(join(dir, 'real.txt'), 'old');
    symlinkSync('real.txt', join(dir, 'second'));
    symlinkSync('second', join(dir, 'first'));
    const http = new HTTPRequest();
    http.downloadFile = join(dir, 'first');
    expect((await http.request(url)).result).toBe(Result.SUCCESS);
    expect(readFileSync(join(dir, 'real.txt'), 'utf8')).toBe('end of the chain');
    expect(lstatSync(join(dir, 'first')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(dir, 'second')).isSymbolicLink()).toBe(true);
  });

  it('creates the file a dangling symlink points to, as writing through it would', async () => {
    const url = await serve([ok('created')]);
    const dir = freshDir();
    const link = join(dir, 'link.txt');
    symlinkSync('made-by-download.txt', link);
    const http = new HTTPRequest();
    http.downloadFile = link;
    expect((await http.request(url)).result).toBe(Result.SUCCESS);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'made-by-download.txt'), 'utf8')).toBe('created');
  });

  it('resolves DOWNLOAD_FILE_CANT_OPEN for a symlink to a directory', async () => {
    const url = await serve([ok('never written')]);
    const dir = freshDir();
    const target = join(dir, 'sub');
    mkdirSync(target);
    symlinkSync(target, join(dir, 'link'));
    const http = new HTTPRequest();
    http.downloadFile = join(dir, 'link');
    expect((await http.request(url)).result).toBe(Result.DOWNLOAD_FILE_CANT_OPEN);
    expect(statSync(target).isDirectory()).toBe(true);
    expect(readdirSync(target)).toEqual([]);
    expect(noPartFiles(dir)).toEqual([]);
  });

  it('resolves DOWNLOAD_FILE_CANT_OPEN for a symlink loop', async () => {
    const url = await serve([ok('never written')]);
    const dir = freshDir();
    symlinkSync('b', join(dir, 'a'));
    symlinkSync('a', join(dir, 'b'));
    const http = new HTTPRequest();
    http.downloadFile = join(dir, 'a');
    expect((await http.request(url)).result).toBe(Result.DOWNLOAD_FILE_CANT_OPEN);
    expect(existsSync(join(dir, 'a'))).toBe(false);
    expect(noPartFiles(dir)).toEqual([]);
  });
});
