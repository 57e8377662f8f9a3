import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DownloadFile } from './download-file.js';

const dir = mkdtempSync(join(tmpdir(), 'gdhttp-download-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bytes = (s: string) => new TextEncoder().encode(s);

describe('DownloadFile', () => {
  it('writes to a hidden temporary file and renames it on commit', async () => {
    const target = join(dir, 'ok.bin');
    const file = (await DownloadFile.open(target)) as DownloadFile;
    expect(await file.write(bytes('hello '))).toBeNull();
    expect(await file.write(bytes('world'))).toBeNull();
    expect(existsSync(target)).toBe(false);
    expect(existsSync(file.tempPath)).toBe(true);
    expect(file.bytesWritten).toBe(11);
    expect(await file.commit()).toBeNull();
    expect(readFileSync(target, 'utf8')).toBe('hello world');
    expect(existsSync(file.tempPath)).toBe(false);
  });

  it('leaves an existing target untouched and no temporary file when aborted', async () => {
    const target = join(dir, 'keep.txt');
    writeFileSync(target, 'previous complete download');
    const file = (await DownloadFile.open(target)) as DownloadFile;
    await file.write(bytes('partial'));
    await file.abort();
    await file.abort();
    expect(readFileSync(target, 'utf8')).toBe('previous complete download');
    expect(readdirSync(dir).filter((n) => n.endsWith('.part'))).toEqual([]);
  });

  it('returns an error when the directory cannot be written', async () => {
    expect(await DownloadFile.open(join(dir, 'missing-dir', 'x.bin'))).toBeInstanceOf(Error);
    if (process.getuid?.() !== 0) {
      const locked = join(dir, 'locked');
      mkdirSync(locked);
      chmodSync(locked, 0o500);
      expect(await DownloadFile.open(join(locked, 'x.bin'))).toBeInstanceOf(Error);
    }
  });

  it('refuses a target that cannot be opened for writing: a directory, a read-only file', async () => {
    const asDir = join(dir, 'is-a-dir');
    mkdirSync(asDir);
    expect(await DownloadFile.open(asDir)).toBeInstanceOf(Error);
    if (process.getuid?.() !== 0) {
      const readOnly = join(dir, 'read-only.txt');
      writeFileSync(readOnly, 'keep');
      chmodSync(readOnly, 0o400);
      expect(await DownloadFile.open(readOnly)).toBeInstanceOf(Error);
      expect(readFileSync(readOnly, 'utf8')).toBe('keep');
    }
    expect(
      readdirSync(dir).filter((n) => n.startsWith('.is-a-dir') || n.startsWith('.read-only')),
    ).toEqual([]);
  });

  it('keeps overlapping writes in call order', async () => {
    const target = join(dir, 'order.bin');
    const file = (await DownloadFile.open(target)) as DownloadFile;
    const pieces = Array.from({ length: 50 }, (_, i) => bytes(`${i},`));
    expect(await Promise.all(pieces.map((p) => file.write(p)))).toEqual(pieces.map(() => null));
    expect(await file.commit()).toBeNull();
    expect(readFileSync(target, 'utf8')).toBe(pieces.map((_, i) => `${i},`).join(''));
  });

  it('reports write errors after the file is closed', async () => {
    const file = (await DownloadFile.open(join(dir, 'closed.bin'))) as DownloadFile;
    await file.abort();
    expect(await file.write(bytes('late'))).toBeInstanceOf(Error);
  });
});

describe('DownloadFile targets that are not regular files', () => {
  it('refuses a directory with an error that says so', async () => {
    const asDir = join(dir, 'refused-dir');
    mkdirSync(asDir);
    const error = await DownloadFile.open(asDir);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 'EISDIR' });
    expect((error as Error).message).toContain('is a directory');
  });

  it('writes into a FIFO in place: no temporary file, commit and abort leave it there', async () => {
    const fifo = join(dir, 'in-place.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    const out: Buffer[] = [];
    reader.stdout.on('data', (piece: Buffer) => out.push(piece));
    const closed = new Promise((resolve) => reader.on('close', resolve));
    const file = (await DownloadFile.open(fifo)) as DownloadFile;
    expect(file.inPlace).toBe(true);
    expect(file.tempPath).toBe(fifo);
    expect(await file.write(bytes('to the reader'))).toBeNull();
    expect(await file.commit()).toBeNull();
    await file.abort();
    await closed;
    expect(Buffer.concat(out).toString()).toBe('to the reader');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('writes a regular file behind a symlink through a temporary file beside that file', async () => {
    const real = join(dir, 'linked-real.txt');
    writeFileSync(real, 'old');
    const link = join(dir, 'linked.txt');
    symlinkSync(real, link);
    const file = (await DownloadFile.open(link)) as DownloadFile;
    expect(file.inPlace).toBe(false);
    expect(file.tempPath.startsWith(join(dir, '.linked-real.txt.'))).toBe(true);
    await file.write(bytes('new'));
    expect(await file.commit()).toBeNull();
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toBe('new');
  });
});
