import { afterEach, describe, expect, it, vi } from 'vitest';
import { Utf8Pieces } from './utf8-pieces.js';

/** What the WHATWG streaming decoder makes of each of `pieces` (the reference). */
function reference(pieces: readonly Uint8Array[], ignoreBOM = false): string[] {
  const decoder = new TextDecoder('utf-8', { ignoreBOM });
  return pieces.map((p) => decoder.decode(p, { stream: true }));
}

/** The same, piece by piece: the same text from the same piece, not only in the end. */
function ours(pieces: readonly Uint8Array[], ignoreBOM = false): string[] {
  const decoder = new Utf8Pieces({ ignoreBOM });
  return pieces.map((p) => decoder.decode(p));
}

/** A deterministic generator (xorshift), so a failure can be replayed. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

// Bytes that matter to a UTF-8 decoder: ASCII, every kind of continuation, valid and invalid
// leads, the bounds of E0/ED/F0/F4's second byte, a BOM's bytes.
const ALPHABET = [
  0x41, 0x0a, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xee,
  0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff, 0xbb,
];

describe('Utf8Pieces', () => {
  it.each([false, true])(
    'decodes valid text split at every byte, one leading BOM dropped unless ignoreBOM (%s)',
    (ignoreBOM) => {
      const bytes = new TextEncoder().encode('\uFEFF\uFEFFdata: é€😀 ok\n\u07FF\uFFFF\u{10FFFF}');
      for (let at = 0; at <= bytes.length; at++) {
        const pieces = [bytes.subarray(0, at), bytes.subarray(at)];
        expect(ours(pieces, ignoreBOM), `split at ${at}`).toEqual(reference(pieces, ignoreBOM));
      }
      const single = [...bytes].map((b) => Uint8Array.of(b));
      expect(ours(single, ignoreBOM)).toEqual(reference(single, ignoreBOM));
      expect(ours([bytes], ignoreBOM)[0]!.startsWith('\uFEFF\uFEFF')).toBe(ignoreBOM);
    },
  );

  it('replaces ill-formed bytes as TextDecoder does, wherever the pieces end', () => {
    const next = random(0x5eed);
    for (let round = 0; round < 20_000; round++) {
      const length = 1 + Math.floor(next() * 14);
      const bytes = Uint8Array.from(
        { length },
        () => ALPHABET[Math.floor(next() * ALPHABET.length)]!,
      );
      const pieces: Uint8Array[] = [];
      let at = 0;
      while (at < bytes.length) {
        const size = Math.floor(next() * 4); // empty pieces too
        pieces.push(bytes.subarray(at, at + size));
        at += size;
      }
      const ignoreBOM = round % 2 === 0;
      expect(
        ours(pieces, ignoreBOM),
        `bytes ${[...bytes].map((b) => b.toString(16))}, ignoreBOM ${ignoreBOM}`,
      ).toEqual(reference(pieces, ignoreBOM));
    }
  });

  it('forgets a held partial character on reset(), and drops a BOM again after it', () => {
    const decoder = new Utf8Pieces();
    expect(decoder.decode(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61, 0xe2, 0x82))).toBe('a');
    decoder.reset();
    expect(decoder.decode(Uint8Array.of(0xac, 0x62))).toBe('\uFFFDb');
    decoder.reset();
    expect(decoder.decode(Uint8Array.of(0xef, 0xbb, 0xbf, 0x63))).toBe('c');
  });

  describe('in a browser (no Buffer)', () => {
    afterEach(() => {
      vi.unstubAllGlobals();
    });

    it('gives the same text as TextDecoder, for valid and ill-formed bytes split anywhere', () => {
      vi.stubGlobal('Buffer', undefined);
      const valid = new TextEncoder().encode('\uFEFF\uFEFFdata: é€😀 ok\n\u{10FFFF}');
      for (let at = 0; at <= valid.length; at++) {
        const pieces = [valid.subarray(0, at), valid.subarray(at)];
        expect(ours(pieces), `split at ${at}`).toEqual(reference(pieces));
      }
      const next = random(0xb0f);
      for (let round = 0; round < 2_000; round++) {
        const bytes = Uint8Array.from(
          { length: 1 + Math.floor(next() * 10) },
          () => ALPHABET[Math.floor(next() * ALPHABET.length)]!,
        );
        const cut = Math.floor(next() * bytes.length);
        const pieces = [bytes.subarray(0, cut), bytes.subarray(cut)];
        expect(ours(pieces), `bytes ${[...bytes].map((b) => b.toString(16))}`).toEqual(
          reference(pieces),
        );
      }
    });
  });

  it('decodes pieces that are plain Uint8Arrays, not Buffers', () => {
    const bytes = new TextEncoder().encode('é€😀');
    const copy = (b: Uint8Array) => new Uint8Array(b);
    expect(ours([copy(bytes.subarray(0, 4)), copy(bytes.subarray(4))])).toEqual(['é', '€😀']);
  });
});
