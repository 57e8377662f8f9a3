/**
 * HTTP request methods, with the numbers of Godot 4's `HTTPClient.Method` (`METHOD_` prefix dropped).
 *
 * `MAX` is Godot's size marker: passing it to `request()` returns `ErrorCode.INVALID_PARAMETER`.
 *
 * @example
 * ```ts
 * import { Method, methodToken } from '@gdhttp/constants';
 * methodToken(Method.PATCH); // 'PATCH'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-9
 */
export const Method = {
  GET: 0,
  HEAD: 1,
  POST: 2,
  PUT: 3,
  DELETE: 4,
  OPTIONS: 5,
  TRACE: 6,
  CONNECT: 7,
  PATCH: 8,
  MAX: 9,
} as const;

/** One of the {@link Method} numbers. */
export type Method = (typeof Method)[keyof typeof Method];

const TOKENS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'CONNECT',
  'PATCH',
] as const;

/** The request-line token of a method (the wire name Godot sends). */
export type MethodToken = (typeof TOKENS)[number];

/**
 * The request-line token of a method, as Godot writes it on the wire.
 *
 * @param method - a {@link Method} number.
 * @returns the token (`'GET'` … `'PATCH'`), or `undefined` for `Method.MAX` and any other number.
 */
export function methodToken(method: number): MethodToken | undefined {
  return Number.isInteger(method) ? TOKENS[method] : undefined;
}
