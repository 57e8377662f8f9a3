import { describe, expect, it } from 'vitest';
import { ErrorCode, errorString } from './error-code.js';

// docs/godot-behavior.md#error: number, Godot constant, error_string() text.
const GODOT_ERROR = `
0 OK OK
1 FAILED Failed
2 ERR_UNAVAILABLE Unavailable
3 ERR_UNCONFIGURED Unconfigured
4 ERR_UNAUTHORIZED Unauthorized
5 ERR_PARAMETER_RANGE_ERROR Parameter out of range
6 ERR_OUT_OF_MEMORY Out of memory
7 ERR_FILE_NOT_FOUND File not found
8 ERR_FILE_BAD_DRIVE File: Bad drive
9 ERR_FILE_BAD_PATH File: Bad path
10 ERR_FILE_NO_PERMISSION File: Permission denied
11 ERR_FILE_ALREADY_IN_USE File already in use
12 ERR_FILE_CANT_OPEN Can't open file
13 ERR_FILE_CANT_WRITE Can't write file
14 ERR_FILE_CANT_READ Can't read file
15 ERR_FILE_UNRECOGNIZED File unrecognized
16 ERR_FILE_CORRUPT File corrupt
17 ERR_FILE_MISSING_DEPENDENCIES Missing dependencies for file
18 ERR_FILE_EOF End of file
19 ERR_CANT_OPEN Can't open
20 ERR_CANT_CREATE Can't create
21 ERR_QUERY_FAILED Query failed
22 ERR_ALREADY_IN_USE Already in use
23 ERR_LOCKED Locked
24 ERR_TIMEOUT Timeout
25 ERR_CANT_CONNECT Can't connect
26 ERR_CANT_RESOLVE Can't resolve
27 ERR_CONNECTION_ERROR Connection error
28 ERR_CANT_ACQUIRE_RESOURCE Can't acquire resource
29 ERR_CANT_FORK Can't fork
30 ERR_INVALID_DATA Invalid data
31 ERR_INVALID_PARAMETER Invalid parameter
32 ERR_ALREADY_EXISTS Already exists
33 ERR_DOES_NOT_EXIST Does not exist
34 ERR_DATABASE_CANT_READ Can't read database
35 ERR_DATABASE_CANT_WRITE Can't write database
36 ERR_COMPILATION_FAILED Compilation failed
37 ERR_METHOD_NOT_FOUND Method not found
38 ERR_LINK_FAILED Link failed
39 ERR_SCRIPT_FAILED Script failed
40 ERR_CYCLIC_LINK Cyclic link detected
41 ERR_INVALID_DECLARATION Invalid declaration
42 ERR_DUPLICATE_SYMBOL Duplicate symbol
43 ERR_PARSE_ERROR Parse error
44 ERR_BUSY Busy
45 ERR_SKIP Skip
46 ERR_HELP Help
47 ERR_BUG Bug
48 ERR_PRINTER_ON_FIRE Printer on fire
`
  .trim()
  .split('\n')
  .map((line) => {
    const [number, constant, ...text] = line.split(' ');
    return { number: Number(number), name: constant!.replace(/^ERR_/, ''), text: text.join(' ') };
  });

describe('ErrorCode', () => {
  it('has exactly the 49 members of Godot 4 Error, in order, with their numbers', () => {
    expect(Object.entries(ErrorCode)).toEqual(GODOT_ERROR.map((row) => [row.name, row.number]));
  });

  it.each(GODOT_ERROR)('errorString($number) is Godot error_string() text "$text"', (row) => {
    expect(errorString(row.number)).toBe(row.text);
  });

  it('gives Godot text for numbers outside the enum', () => {
    for (const n of [-1, 49, 1000, 1.5, Number.NaN]) {
      expect(errorString(n)).toBe('(invalid error code)');
    }
  });
});
