// Results and header lookups both builds of HTTPRequest share. Pure: no Node module.
import { Result, Status } from '@gdhttp/constants';
import type { HTTPRequestResult } from './request-types.js';

const EMPTY = new Uint8Array(0);

/** The rejection handler of every returned promise: the caller decides whether to look. */
export function ignore(): void {}

/** A result without a response: `result`, code 0, no headers, no body. */
export function failure(result: Result): HTTPRequestResult {
  return { result, responseCode: 0, headers: [], body: EMPTY };
}

/**
 * The Result of a client that stopped in `status`, as Godot's HTTPRequest maps them: CANT_RESOLVE,
 * CANT_CONNECT (also a client left DISCONNECTED) and TLS_HANDSHAKE_ERROR keep their names, any
 * other error is CONNECTION_ERROR.
 */
export function resultOf(status: Status): Result {
  switch (status) {
    case Status.CANT_RESOLVE:
      return Result.CANT_RESOLVE;
    case Status.TLS_HANDSHAKE_ERROR:
      return Result.TLS_HANDSHAKE_ERROR;
    case Status.CANT_CONNECT:
    case Status.DISCONNECTED:
      return Result.CANT_CONNECT;
    default:
      return Result.CONNECTION_ERROR;
  }
}
