import { describe, expect, it } from 'vitest';
import { loadFixtures } from './support/fixtures.js';
import { runFixture } from './support/run-fixture.js';

const fixtures = loadFixtures();

describe('ResponseParser', () => {
  it('has a conformance corpus of at least 150 fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(150);
  });

  describe.each(fixtures)('fixture $name', (fixture) => {
    it(`gives the expected result when ${fixture.title}`, () => {
      const result = runFixture(fixture, [fixture.input]);
      expect(result.error?.reason ?? null).toBe(fixture.expect.error);
      expect(result.messages).toHaveLength(fixture.expect.messages.length);
      fixture.expect.messages.forEach((want, i) => {
        // Only the fields the fixture states are checked; `complete` defaults to true.
        expect(result.messages[i]).toMatchObject({ complete: true, ...want });
      });
      if (fixture.expect.upgradeAt !== undefined) {
        expect(result.upgradeAt).toBe(fixture.expect.upgradeAt);
      }
    });
  });
});
