import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RequestBody } from '../request-body.js';
import { type BodySource, bodySourceOf } from './body-source.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const dir = mkdtempSync(join(tmpdir(), 'gdhttp-body-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const data = randomBytes(9 * MIB + 123);
const file = join(dir, 'body.bin');
writeFileSync(file, data);

async function opened(): Promise<BodySource> {
  const source = bodySourceOf(RequestBody.file(file))!;
  await source.open();
  return source;
}

describe('a file body source', () => {
  it('reads 512 KiB pieces of its own while none comes back, every byte in order', async () => {
    const source = await opened();
    const pieces: Uint8Array[] = [];
    for (let piece = await source.read(); piece !== null; piece = await source.read()) {
      pieces.push(piece);
    }
    await source.close();
    expect(pieces.slice(0, -1).every((p) => p.length === 512 * KIB)).toBe(true);
    expect(pieces.at(-1)!.length).toBe(123);
    expect(new Set(pieces.map((p) => p.buffer)).size).toBe(pieces.length);
    expect(Buffer.concat(pieces).equals(data)).toBe(true);
  });

  it('reads 2 MiB at a time once pieces come back, into the buffers given back', async () => {
    const source = await opened();
    const first = (await source.read())!;
    expect(Buffer.from(first).equals(data.subarray(0, 512 * KIB))).toBe(true);
    source.recycle(first);
    const second = (await source.read())!;
    expect(second.length).toBe(2 * MIB);
    expect(Buffer.from(second).equals(data.subarray(512 * KIB, 512 * KIB + 2 * MIB))).toBe(true);
    // Given back, its buffer is read into again (the old bytes were overwritten).
    source.recycle(second);
    const third = (await source.read())!;
    expect(third.buffer).toBe(second.buffer);
    expect(Buffer.from(third).equals(data.subarray(512 * KIB + 2 * MIB, 512 * KIB + 4 * MIB))).toBe(
      true,
    );
    // A buffer the source did not allocate is never read into.
    const foreign = new Uint8Array(2 * MIB);
    source.recycle(foreign);
    const fourth = (await source.read())!;
    expect(fourth.buffer).not.toBe(foreign.buffer);
    // Sent again from the start (a redirect, a retry), the spare buffers still serve.
    source.recycle(third);
    source.recycle(fourth);
    await source.open();
    const pieces: Uint8Array[] = [];
    for (let piece = await source.read(); piece !== null; piece = await source.read()) {
      pieces.push(Buffer.from(piece));
      source.recycle(piece);
    }
    await source.close();
    expect(Buffer.concat(pieces).equals(data)).toBe(true);
  });
});
