import { describe, expect, it } from 'vitest';
import { corpora, realCorpora, realResponses, varyingCorpora } from './parser/corpora.ts';
import { adapters, SLICE } from './parser.ts';

describe('parser benchmark adapters', () => {
  const list = adapters();
  const small = [...corpora(64 << 10), ...varyingCorpora(64 << 10), ...realCorpora(64 << 10)];

  it('includes gdhttp and the two llhttp builds', () => {
    expect(list.map((a) => a.name)).toEqual(
      expect.arrayContaining([
        'gdhttp ResponseParser',
        'llhttp wasm (undici)',
        `llhttp ${process.versions.llhttp} native`,
      ]),
    );
  });

  for (const corpus of small) {
    it(`agree on ${corpus.name}: responses, status, fields and body bytes, at 64 KiB and odd reads`, () => {
      for (const slice of [SLICE, 997]) {
        const results = list.map((a) => ({ name: a.name, ...a.pass(corpus.buffer, slice) }));
        for (const r of results) {
          expect(r.messages, r.name).toBe(corpus.count);
          expect(r.bodyBytes, r.name).toBe(corpus.bodyTotal);
          expect(r.statusSum, r.name).toBe(corpus.statusSum);
          expect(r.fields, r.name).toBe(results[0]!.fields);
          expect(r.headerChars, r.name).toBe(results[0]!.headerChars);
        }
      }
    });
  }

  it('real corpora: captured from nginx and httpbin, values varied in place, framing kept', () => {
    const captured = realResponses();
    const from = new Set(captured.map((r) => r.head.split('\r\n', 3)[1]));
    expect(from).toEqual(new Set(['Server: nginx/1.22.1', 'Server: gunicorn']));
    for (const r of captured) expect(r.head).not.toMatch(/\r\nConnection: close\r\n/);
    const [real, vary] = realCorpora(1 << 20);
    expect(vary!.buffer.length).toBe(real!.buffer.length);
    // Date, ETag and cookie bytes differ; the status lines and framing fields do not.
    const text = (b: Buffer) => b.toString('latin1');
    const lines = (b: Buffer, re: RegExp) => text(b).match(re) ?? [];
    expect(lines(vary!.buffer, /\r\nDate: [^\r]*/g)).not.toEqual(
      lines(real!.buffer, /\r\nDate: [^\r]*/g),
    );
    expect(lines(vary!.buffer, /\r\nSet-Cookie: [^\r]*/g)).not.toEqual(
      lines(real!.buffer, /\r\nSet-Cookie: [^\r]*/g),
    );
    for (const re of [
      /HTTP\/1\.1 [^\r]*/g,
      /\r\nContent-Length: [^\r]*/g,
      /\r\nTransfer-Encoding: [^\r]*/g,
    ]) {
      expect(lines(vary!.buffer, re)).toEqual(lines(real!.buffer, re));
    }
  });
});
