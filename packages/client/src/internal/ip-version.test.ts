import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ipVersion } from './ip-version.js';

describe('ipVersion', () => {
  it.each([
    ['127.0.0.1', 4],
    ['0.0.0.0', 4],
    ['255.255.255.255', 4],
    ['256.1.1.1', 0],
    ['01.1.1.1', 0],
    ['1.1.1', 0],
    ['1.1.1.1.', 0],
    ['::1', 6],
    ['::', 6],
    ['fe80::1%eth0', 6],
    ['::ffff:127.0.0.1', 6],
    ['1:2:3:4:5:6:7:8', 6],
    ['1:2:3:4:5:6:7::', 6],
    ['1:2:3:4:5:6:7:8::', 0],
    ['1::2::3', 0],
    [':::', 0],
    ['[::1]', 0],
    ['localhost', 0],
    ['', 0],
  ])('%j is %i', (host, version) => {
    expect(ipVersion(host)).toBe(version);
    expect(isIP(host)).toBe(version);
  });

  it('agrees with node:net isIP on generated addresses', () => {
    // A deterministic generator over the pieces addresses are made of, malformed ones included.
    const pieces = [
      '',
      '0',
      '1',
      '00',
      '01',
      'ffff',
      'FFFFF',
      'g',
      '255',
      '256',
      '1.2.3.4',
      '1.2.3',
    ];
    const seps = [':', '::', '.', '%', '%eth0', '%a:b', '%'];
    let seed = 1;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      const parts = 1 + next(10);
      for (let p = 0; p < parts; p++) {
        text += pieces[next(pieces.length)];
        if (p < parts - 1) text += seps[next(3)];
      }
      if (next(8) === 0) text += seps[3 + next(4)];
      expect([text, ipVersion(text)]).toEqual([text, isIP(text)]);
    }
  });
});
