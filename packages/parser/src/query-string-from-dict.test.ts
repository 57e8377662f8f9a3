import { describe, expect, it } from 'vitest';
import { queryStringFromDict } from './query-string-from-dict.js';

describe('queryStringFromDict', () => {
  it("reproduces the example from Godot's documentation and tests", () => {
    expect(queryStringFromDict({ key1: 'value', key2: 123, key3: [1, 2, 3], key4: null })).toBe(
      'key1=value&key2=123&key3=1&key3=2&key3=3&key4',
    );
  });

  it('returns an empty string for no fields and drops keys whose array is empty', () => {
    expect(queryStringFromDict({})).toBe('');
    expect(queryStringFromDict({ a: [], b: 1 })).toBe('b=1');
  });

  it('percent-encodes UTF-8 with upper-case hex and keeps only unreserved characters', () => {
    expect(queryStringFromDict({ 'a b': 'x&y=z/é~-._' })).toBe('a%20b=x%26y%3Dz%2F%C3%A9~-._');
  });

  it('prints booleans, ints and floats as Godot prints them', () => {
    expect(queryStringFromDict({ t: true, f: false, i: -7, x: 2.5, y: 0.1, z: 1 / 3 })).toBe(
      't=true&f=false&i=-7&x=2.5&y=0.1&z=0.33333333333333',
    );
    expect(queryStringFromDict({ big: 12345.678, nan: Number.NaN, inf: -Infinity })).toBe(
      'big=12345.678&nan=nan&inf=-inf',
    );
  });

  it('stringifies nested arrays and null elements instead of recursing', () => {
    expect(queryStringFromDict({ a: [[1, 2], null, 'x'] })).toBe(
      'a=%5B1%2C%202%5D&a=%3Cnull%3E&a=x',
    );
    expect(queryStringFromDict({ a: [1, 'b'] as never, o: { k: 'v' } })).toBe(
      'a=1&a=b&o=%7B%20%22k%22%3A%20%22v%22%20%7D',
    );
  });

  it('keeps the insertion order of a Map, including integer-like keys', () => {
    const fields = new Map<string, string>([
      ['b', '1'],
      ['2', 'x'],
    ]);
    expect(queryStringFromDict(fields)).toBe('b=1&2=x');
  });
});
