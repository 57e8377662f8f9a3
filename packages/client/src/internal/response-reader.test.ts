import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { ResponseReader } from './response-reader.js';

const LIMITS = { maxHeaderSize: 8192, maxHeaderCount: 100 };
const HEAD = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';

/** A chunked response whose one chunk holds `data`, as latin-1 bytes. */
function chunked(data: string): Uint8Array {
  return Buffer.from(`${HEAD}${data.length.toString(16)}\r\n${data}\r\n0\r\n\r\n`, 'latin1');
}

function reader(): ResponseReader {
  const r = new ResponseReader(LIMITS);
  r.begin('GET');
  return r;
}

describe('ResponseReader.take (Godot reads: one chunk per read)', () => {
  const data = 'abcdefghij'.repeat(100);
  const dataStart = HEAD.length + (1000).toString(16).length + 2;

  it('returns a chunk fed in two parts of one input as a view of that input, not a copy', () => {
    for (const type of ['Buffer', 'Uint8Array'] as const) {
      const bytes = chunked(data);
      const input =
        type === 'Buffer' ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
      const r = reader();
      // Cut inside the chunk's data, as the client does when a body read may take no more.
      const cut = dataStart + 400;
      r.feed(input.subarray(0, cut));
      expect(r.take(65536)).toHaveLength(0); // the chunk is not whole yet
      r.feed(input.subarray(cut));
      const chunk = r.take(65536);
      expect(Buffer.from(chunk).toString('latin1')).toBe(data);
      expect(chunk.buffer).toBe(input.buffer);
      expect(chunk.byteOffset).toBe(input.byteOffset + dataStart);
      // Same kind as the pieces: a recycled buffer's view must stay a plain Uint8Array.
      expect(Buffer.isBuffer(chunk)).toBe(type === 'Buffer');
      expect(r.queued).toBe(0);
      expect(r.messageComplete).toBe(true);
    }
  });

  it('copies a chunk whose parts lie in different memory, and copies no byte twice', () => {
    const bytes = chunked(data);
    const r = reader();
    const cut = dataStart + 321;
    // The second part in memory of its own, as the next socket read is.
    r.feed(bytes.subarray(0, cut));
    r.feed(Buffer.from(bytes.subarray(cut)));
    const chunk = r.take(65536);
    expect(Buffer.from(chunk).toString('latin1')).toBe(data);
    // A copy: overwriting the inputs leaves it as it was.
    bytes.fill(0x21);
    expect(Buffer.from(chunk).toString('latin1')).toBe(data);
    expect(r.queued).toBe(0);
  });

  it('joins adjacent parts only up to the bytes asked for, leaving the rest queued', () => {
    const bytes = chunked(data);
    const r = reader();
    const a = dataStart + 100;
    const b = dataStart + 700;
    r.feed(bytes.subarray(0, a));
    r.feed(bytes.subarray(a, b));
    r.feed(bytes.subarray(b));
    // A chunk larger than the read size is handed out in read-size pieces (as Godot does).
    const first = r.take(256);
    expect(Buffer.from(first).toString('latin1')).toBe(data.slice(0, 256));
    expect(first.buffer).toBe(bytes.buffer);
    const rest: string[] = [];
    for (let piece = r.take(256); piece.length > 0; piece = r.take(256)) {
      expect(piece.buffer).toBe(bytes.buffer);
      rest.push(Buffer.from(piece).toString('latin1'));
    }
    expect(rest.join('')).toBe(data.slice(256));
    expect(r.queued).toBe(0);
  });

  it('never joins across chunk framing: two chunks are two reads', () => {
    const body = `5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n`;
    const bytes = Buffer.from(`${HEAD}${body}`, 'latin1');
    const r = reader();
    r.feed(bytes);
    expect(Buffer.from(r.take(65536)).toString('latin1')).toBe('hello');
    expect(Buffer.from(r.take(65536)).toString('latin1')).toBe('world');
    expect(r.take(65536)).toHaveLength(0);
  });
});
