/**
 * The README's run command lands here until `apps/` holds the real tour (issue 7): it prints the
 * Godot enums gdhttp mirrors, so a newcomer sees what the constants package gives them.
 */
import {
  ErrorCode,
  errorString,
  Method,
  methodToken,
  ResponseCode,
  Result,
  reasonPhrase,
  Status,
} from '@gdhttp/constants';

function section(title: string, rows: Array<[string, number, string?]>): void {
  console.log(`\n${title}`);
  for (const [name, value, note] of rows) {
    console.log(`  ${String(value).padStart(3)}  ${name.padEnd(32)}${note ?? ''}`);
  }
}

console.log("gdhttp — Godot's HTTPClient and HTTPRequest for TypeScript");
section(
  'Method',
  Object.entries(Method).map(([n, v]) => [n, v, methodToken(v) ? '' : '(size marker)']),
);
section('Status', Object.entries(Status));
section('Result', Object.entries(Result));
section(
  'ErrorCode (the ones the HTTP stack returns)',
  (
    [
      'OK',
      'FAILED',
      'UNAVAILABLE',
      'UNCONFIGURED',
      'ALREADY_IN_USE',
      'CANT_CONNECT',
      'CANT_RESOLVE',
      'CONNECTION_ERROR',
      'INVALID_DATA',
      'INVALID_PARAMETER',
      'BUSY',
      'BUG',
    ] as const
  ).map((n) => [n, ErrorCode[n], errorString(ErrorCode[n])]),
);
section(
  `ResponseCode (${Object.keys(ResponseCode).length} codes, a few shown)`,
  (
    [
      'OK',
      'NO_CONTENT',
      'MOVED_PERMANENTLY',
      'NOT_FOUND',
      'IM_A_TEAPOT',
      'NETWORK_AUTH_REQUIRED',
    ] as const
  ).map((n) => [n, ResponseCode[n], reasonPhrase(ResponseCode[n])]),
);
console.log('\nThe client, request and demo apps arrive with their issues; see README.md.');
