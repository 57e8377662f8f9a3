import { describe, expect, it } from 'vitest';
import { basicAuthorization } from './basic-auth.js';

describe('basicAuthorization', () => {
  it('encodes the UTF-8 of user:password as Buffer does', () => {
    for (const [user, password] of [
      ['aladdin', 'opensesame'],
      ['', ''],
      ['ünïcödé', 'pässwörd€😀'],
      ['a:b', ':c'],
    ] as const) {
      expect(basicAuthorization(user, password)).toBe(
        `Authorization: Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
      );
    }
  });
});
