import { describe, expect, it } from 'vitest';
import { corpora, varyingCorpora } from './parser/corpora.ts';
import { adapters, SLICE } from './parser.ts';

describe('parser benchmark adapters', () => {
  const list = adapters();
  const small = [...corpora(64 << 10), ...varyingCorpora(64 << 10)];

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
          expect(r.bodyBytes, r.name).toBe(corpus.count * corpus.bodyBytes);
          expect(r.statusSum, r.name).toBe(corpus.count * 200);
          expect(r.fields, r.name).toBe(results[0]!.fields);
          expect(r.headerChars, r.name).toBe(results[0]!.headerChars);
        }
      }
    });
  }
});
