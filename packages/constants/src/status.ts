/**
 * The states of an `HTTPClient`, with the numbers of Godot 4's `HTTPClient.Status`
 * (`STATUS_` prefix dropped).
 *
 * `CANT_RESOLVE`, `CANT_CONNECT`, `CONNECTION_ERROR` and `TLS_HANDSHAKE_ERROR` are sticky: only
 * `connectToHost()`, `close()` or setting `connection` leave them.
 *
 * @example
 * ```ts
 * import { Status, nameOf } from '@gdhttp/constants';
 * nameOf(Status, client.getStatus()); // 'CONNECTED'
 * ```
 */
export const Status = {
  DISCONNECTED: 0,
  RESOLVING: 1,
  CANT_RESOLVE: 2,
  CONNECTING: 3,
  CANT_CONNECT: 4,
  CONNECTED: 5,
  REQUESTING: 6,
  BODY: 7,
  CONNECTION_ERROR: 8,
  TLS_HANDSHAKE_ERROR: 9,
} as const;

/** One of the {@link Status} numbers. */
export type Status = (typeof Status)[keyof typeof Status];
