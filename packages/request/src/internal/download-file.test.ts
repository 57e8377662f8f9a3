import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
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
