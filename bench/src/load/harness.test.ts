import { describe, expect, it } from 'vitest';
import { roundOrder } from './harness.ts';

describe('roundOrder', () => {
  it('runs every adapter once per round', () => {
    for (const n of [0, 1, 2, 3, 8, 9, 10]) {
      const list = Array.from({ length: n }, (_, i) => i);
      for (let round = 0; round < 12; round++) {
        expect([...roundOrder(list, round)].sort((a, b) => a - b)).toEqual(list);
      }
    }
  });

  it('puts a different adapter before each one from round to round', () => {
    // The download suite's nine adapters over its seven rounds: rotating alone gave every adapter
    // the same predecessor in every round (the one before it in the list, cyclically).
    const list = Array.from({ length: 9 }, (_, i) => i);
    const before = new Map<number, Set<number>>(list.map((i) => [i, new Set()]));
    for (let round = 0; round < 7; round++) {
      const order = roundOrder(list, round);
      for (let k = 1; k < order.length; k++) before.get(order[k]!)!.add(order[k - 1]!);
    }
    for (const [adapter, predecessors] of before) {
      expect(predecessors.size, `adapter ${adapter}`).toBeGreaterThanOrEqual(4);
    }
  });
});
