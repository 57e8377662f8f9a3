/**
 * Godot 4's global `Error` enum (`ERR_` prefix dropped), the return value of every Godot-facing
 * call in gdhttp.
 *
 * The HTTP stack produces `OK`, `FAILED`, `UNAVAILABLE`, `UNCONFIGURED`, `ALREADY_IN_USE`,
 * `CANT_CONNECT`, `CANT_RESOLVE`, `CONNECTION_ERROR`, `INVALID_DATA`, `INVALID_PARAMETER`, `BUSY`
 * and `BUG`; the rest exist so numbers from Godot code keep their meaning.
 *
 * @example
 * ```ts
 * import { ErrorCode, errorString } from '@gdhttp/constants';
 * const err = client.connectToHost('example.com');
 * if (err !== ErrorCode.OK) throw new Error(errorString(err));
 * ```
 */
export const ErrorCode = {
  OK: 0,
  FAILED: 1,
  UNAVAILABLE: 2,
  UNCONFIGURED: 3,
  UNAUTHORIZED: 4,
  PARAMETER_RANGE_ERROR: 5,
  OUT_OF_MEMORY: 6,
  FILE_NOT_FOUND: 7,
  FILE_BAD_DRIVE: 8,
  FILE_BAD_PATH: 9,
  FILE_NO_PERMISSION: 10,
  FILE_ALREADY_IN_USE: 11,
  FILE_CANT_OPEN: 12,
  FILE_CANT_WRITE: 13,
  FILE_CANT_READ: 14,
  FILE_UNRECOGNIZED: 15,
  FILE_CORRUPT: 16,
  FILE_MISSING_DEPENDENCIES: 17,
  FILE_EOF: 18,
  CANT_OPEN: 19,
  CANT_CREATE: 20,
  QUERY_FAILED: 21,
  ALREADY_IN_USE: 22,
  LOCKED: 23,
  TIMEOUT: 24,
  CANT_CONNECT: 25,
  CANT_RESOLVE: 26,
  CONNECTION_ERROR: 27,
  CANT_ACQUIRE_RESOURCE: 28,
  CANT_FORK: 29,
  INVALID_DATA: 30,
  INVALID_PARAMETER: 31,
  ALREADY_EXISTS: 32,
  DOES_NOT_EXIST: 33,
  DATABASE_CANT_READ: 34,
  DATABASE_CANT_WRITE: 35,
  COMPILATION_FAILED: 36,
  METHOD_NOT_FOUND: 37,
  LINK_FAILED: 38,
  SCRIPT_FAILED: 39,
  CYCLIC_LINK: 40,
  INVALID_DECLARATION: 41,
  DUPLICATE_SYMBOL: 42,
  PARSE_ERROR: 43,
  BUSY: 44,
  SKIP: 45,
  HELP: 46,
  BUG: 47,
  PRINTER_ON_FIRE: 48,
} as const;

/** One of the {@link ErrorCode} numbers. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

// Godot's `error_string()` texts, indexed by code (core/error/error_list.cpp).
const TEXTS = [
  'OK',
  'Failed',
  'Unavailable',
  'Unconfigured',
  'Unauthorized',
  'Parameter out of range',
  'Out of memory',
  'File not found',
  'File: Bad drive',
  'File: Bad path',
  'File: Permission denied',
  'File already in use',
  "Can't open file",
  "Can't write file",
  "Can't read file",
  'File unrecognized',
  'File corrupt',
  'Missing dependencies for file',
  'End of file',
  "Can't open",
  "Can't create",
  'Query failed',
  'Already in use',
  'Locked',
  'Timeout',
  "Can't connect",
  "Can't resolve",
  'Connection error',
  "Can't acquire resource",
  "Can't fork",
  'Invalid data',
  'Invalid parameter',
  'Already exists',
  'Does not exist',
  "Can't read database",
  "Can't write database",
  'Compilation failed',
  'Method not found',
  'Link failed',
  'Script failed',
  'Cyclic link detected',
  'Invalid declaration',
  'Duplicate symbol',
  'Parse error',
  'Busy',
  'Skip',
  'Help',
  'Bug',
  'Printer on fire',
] as const;

/**
 * The display text of an error code, as Godot's `error_string()` returns it.
 *
 * @param code - an {@link ErrorCode} number.
 * @returns the text (`25` → `"Can't connect"`), or `'(invalid error code)'` as Godot does for
 *   numbers outside the enum.
 */
export function errorString(code: number): string {
  return (Number.isInteger(code) ? TEXTS[code] : undefined) ?? '(invalid error code)';
}
