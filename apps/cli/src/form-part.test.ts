import { describe, expect, it } from 'vitest';
import { headerFileLines } from './form-body.js';
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
    // curl skips spaces after `headers=` and `filename=` and sends a part header unchecked.
    [
      'a=x;headers= X-B: 2  ;filename= n.txt ',
      part({ name: 'a', value: 'x', headers: ['X-B: 2'], filename: 'n.txt' }),
    ],
    ['a=x;headers="no colon"', part({ name: 'a', value: 'x', headers: ['no colon'] })],
    [
      'a=x;headers=@h.txt;headers=<"g h";headers="X-C: 3"',
      part({ name: 'a', value: 'x', headers: [{ file: 'h.txt' }, { file: 'g h' }, 'X-C: 3'] }),
    ],
    // Several files: one multipart/mixed part; each file has its own parameters.
    [
      'f=@a.txt;type=text/x,"b;c.bin";headers=@h,@d',
      part({
        name: 'f',
        kind: 'files',
        files: [
          part({ name: '', kind: 'file', value: 'a.txt', filename: 'a.txt', type: 'text/x' }),
          part({
            name: '',
            kind: 'file',
            value: 'b;c.bin',
            filename: 'b;c.bin',
            headers: [{ file: 'h' }],
          }),
          part({ name: '', kind: 'file', value: '@d', filename: '@d' }),
        ],
      }),
    ],
  ])('%s', (input, expected) => {
    expect(parseFormPart(input)).toEqual(expected);
  });

  it('takes --form-string values as they are', () => {
    expect(parseFormPart('a=@x;type=y', true)).toEqual(part({ name: 'a', value: '@x;type=y' }));
  });

  it.each([
    ['noequals', /expected name=content/],
    ['a=x;type=t', /malformed content type 't'/],
    ['f=(', /multipart\/mixed/],
    ['a=x;headers="X-A: 1\r\nX-B: 2"', /a part header cannot hold CR, LF or NUL/],
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
    ['a=x;headers="content-type:  text/z "', 'text/z '],
    ['a=x;headers="Content-Type: text/z";type=text/w', 'text/w'],
  ])('%s → %s', (input, type) => {
    expect(partContentType(parseFormPart(input))).toBe(type);
  });
});

describe('headerFileLines, as curl reads a ;headers=@file', () => {
  it('folds, skips comments and empty lines, drops CR and trailing spaces', () => {
    const file = '# comment\r\nX-One: 1  \r\n  folded more\n\nX-Two: two\n#X-No: no\n\tX-Tab: t \n';
    expect(headerFileLines(file)).toEqual(['X-One: 1    folded more', 'X-Two: two', '\tX-Tab: t']);
  });

  it('cuts a header at 998 characters', () => {
    expect(headerFileLines(`X: ${'a'.repeat(2000)}`)[0]).toHaveLength(998);
  });
});
