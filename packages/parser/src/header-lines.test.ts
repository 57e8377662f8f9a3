import { describe, expect, it } from 'vitest';
import {
  hasHeader,
  headerDictionary,
  headerName,
  headerValue,
  headerValues,
} from './header-lines.js';

describe('hasHeader', () => {
  it("matches Godot's rule: the name then a colon, case-insensitively, at position 0", () => {
    expect(hasHeader(['host: a'], 'Host')).toBe(true);
    expect(hasHeader(['HOST:a'], 'Host')).toBe(true);
    expect(hasHeader([' Host: a'], 'Host')).toBe(false);
    expect(hasHeader(['Host : a'], 'Host')).toBe(false);
    expect(hasHeader(['Hostname: a'], 'Host')).toBe(false);
    expect(hasHeader(['Hos: a', 'Hosu: a', 'host'], 'host')).toBe(false);
    expect(hasHeader(['X: 1', 'user-AGENT: me'], 'User-Agent')).toBe(true);
  });

  it('folds letters only: CR is not "-", "@" is not "`", "[" is not "{"', () => {
    expect(hasHeader(['content\rlength: 1'], 'content-length')).toBe(false);
    expect(hasHeader(['@: 1', '[: 1'], '`')).toBe(false);
    expect(hasHeader(['[: 1'], '{')).toBe(false);
  });
});

describe('headerName', () => {
  it('returns the trimmed text before the first colon, as spelled', () => {
    expect(headerName('Content-Type: text/html')).toBe('Content-Type');
    expect(headerName(' X-A :b:c')).toBe('X-A');
    expect(headerName('X:')).toBe('X');
  });

  it('returns the whole line trimmed when there is no colon', () => {
    expect(headerName(' folded ')).toBe('folded');
  });
});

describe('headerValue', () => {
  it('returns the trimmed text after the first colon', () => {
    expect(headerValue('Location:  /next ')).toBe('/next');
    expect(headerValue('X: a:b')).toBe('a:b');
    expect(headerValue('X:')).toBe('');
  });

  it('returns an empty string when there is no colon', () => {
    expect(headerValue('no colon')).toBe('');
  });
});

describe('headerValues', () => {
  it('collects the values of every line with that name, any case, in order', () => {
    const lines = ['Set-Cookie: a=1', 'X: y', 'set-cookie :b=2 ', 'SET-COOKIE:'];
    expect(headerValues(lines, 'set-cookie')).toEqual(['a=1', 'b=2', '']);
    expect(headerValues(lines, 'Set-Cookie')).toEqual(['a=1', 'b=2', '']);
  });

  it('skips lines without a colon or with an empty name', () => {
    expect(headerValues(['location', ': /x', 'Location: /y'], 'location')).toEqual(['/y']);
  });
});

describe('headerDictionary', () => {
  it('combines repeated names with ", " under the first spelling', () => {
    expect(headerDictionary(['Vary: Accept', 'X: 1', 'vary: Origin'])).toEqual({
      Vary: 'Accept, Origin',
      X: '1',
    });
  });

  it('trims names and values and skips lines without a colon', () => {
    expect(headerDictionary(['A :  b ', 'junk', 'C:'])).toEqual({ A: 'b', C: '' });
  });
});
