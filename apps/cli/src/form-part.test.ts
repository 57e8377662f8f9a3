import { describe, expect, it } from 'vitest';
import {
  contentTypeFor,
  type FormPart,
  FormSyntaxError,
  parseFormPart,
  partContentType,
} from './form-part.js';

const part = (over: Partial<FormPart>): FormPart => ({
  name: 'n',
  kind: 'text',
  value: '',
  filename: null,
  type: null,
  headers: [],
  ...over,
});

// Each expectation below is what curl 7.88.1 sent for the same -F value (checked against a raw
// listener while writing these rules; test/curl-parity.test.ts compares whole bodies with curl).
describe('parseFormPart', () => {
  it.each([
    ['a=1', part({ name: 'a', value: '1' })],
    ['a=  spaced  ', part({ name: 'a', value: 'spaced' })],
    // An unquoted value ends at ';' (curl skips the unknown "y"); quoted, it keeps it.
    ['a=x;y', part({ name: 'a', value: 'x' })],
    ['a="x;y"', part({ name: 'a', value: 'x;y' })],
    [
      'a="q\\"uo";type=text/plain ;filename=x',
      part({ name: 'a', value: 'q"uo', type: 'text/plain', filename: 'x' }),
    ],
    ['a=x;headers="X-A: 1"', part({ name: 'a', value: 'x', headers: ['X-A: 1'] })],
    ['f=@dir/f.txt', part({ name: 'f', kind: 'file', value: 'dir/f.txt', filename: 'f.txt' })],
    [
      'f=@"f.txt";type=text/x',
      part({ name: 'f', kind: 'file', value: 'f.txt', filename: 'f.txt', type: 'text/x' }),
    ],
    ['f=@f.txt;filename="a;b"', part({ name: 'f', kind: 'file', value: 'f.txt', filename: 'a;b' })],
    ['f=@-', part({ name: 'f', kind: 'file', value: '-', filename: '-' })],
    // A <file field never has a filename, even one given.
    [
      'c=<f.txt;filename=q.txt;type=text/y',
      part({ name: 'c', kind: 'content', value: 'f.txt', type: 'text/y' }),
    ],
    ['c=<-', part({ name: 'c', kind: 'content', value: '-' })],
    ['na"me=1', part({ name: 'na"me', value: '1' })],
  ])('%s', (input, expected) => {
    expect(parseFormPart(input)).toEqual(expected);
  });

  it('takes --form-string values as they are', () => {
    expect(parseFormPart('a=@x;type=y', true)).toEqual(part({ name: 'a', value: '@x;type=y' }));
  });

  it.each([
    ['noequals', /expected name=content/],
    ['a=x;type=t', /malformed content type 't'/],
    ['f=@a.txt,b.txt', /several files in one part/],
    ['f=(', /multipart\/mixed/],
    ['a=x;headers=@h.txt', /headers=@file/],
    ['a=x;headers="no colon"', /a part header is 'Name: value'/],
  ])('refuses %s', (input, message) => {
    expect(() => parseFormPart(input)).toThrow(FormSyntaxError);
    expect(() => parseFormPart(input)).toThrow(message);
  });
});

describe('content types, as curl gives them', () => {
  it("knows curl's ten suffixes, without regard to case", () => {
    expect(contentTypeFor('a.PNG')).toBe('image/png');
    expect(contentTypeFor('a.jpeg')).toBe('image/jpeg');
    expect(contentTypeFor('a.htm')).toBe('text/html');
    expect(contentTypeFor('a.json')).toBeNull();
  });

  it.each([
    ['f=@b.bin', 'application/octet-stream'],
    ['f=@f.txt', 'text/plain'],
    ['f=@f.txt;filename=zz.png', 'image/png'],
    ['f=@b.bin;type=image/png', 'image/png'],
    ['f=@-', null],
    ['a=x', null],
    ['a=x;filename=q.txt', 'text/plain'],
    ['a=x;filename=q.bin', null],
    ['c=<f.txt', null],
    ['c=<f.txt;type=text/y', 'text/y'],
  ])('%s → %s', (input, type) => {
    expect(partContentType(parseFormPart(input))).toBe(type);
  });
});
