import { describe, expect, it } from 'vitest';
import { loadFixtures } from './support/fixtures.js';
import { runFixture } from './support/run-fixture.js';

const fixtures = loadFixtures();

/**
 * Split points to try: every one for inputs up to 2 KiB; for the few larger fixtures (limit tests
 * of 16 KiB) every point within 600 bytes of either end plus a stride through the middle, which
 * keeps the suite fast while still crossing every state those inputs reach.
 */
function splitPoints(length: number): number[] {
  if (length <= 2048) return Array.from({ length: length + 1 }, (_, i) => i);
  const points = new Set<number>();
  for (let i = 0; i <= 600; i++) {
    points.add(i);
    points.add(length - i);
  }
  for (let i = 600; i < length - 600; i += 97) points.add(i);
  return [...points].sort((a, b) => a - b);
}

describe('ResponseParser', () => {
  describe.each(fixtures)('fixture $name', (fixture) => {
    it('gives the same result at every 2-way split point and byte by byte as whole', () => {
      const input = fixture.input;
      const whole = runFixture(fixture, [input]);
      for (const at of splitPoints(input.length)) {
        const split = runFixture(fixture, [input.subarray(0, at), input.subarray(at)]);
        if (JSON.stringify(split) !== JSON.stringify(whole)) {
          expect({ at, ...split }).toEqual({ at, ...whole });
        }
      }
      const bytes = Array.from({ length: input.length }, (_, i) => input.subarray(i, i + 1));
      expect(runFixture(fixture, bytes)).toEqual(whole);
    });
  });
});
