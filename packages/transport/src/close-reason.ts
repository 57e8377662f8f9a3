/**
 * How a peer's connection ended, so a reader can tell a finished read-until-close body (`EOF`)
 * from a cut one (`RESET`, `ERROR`).
 */
export const CloseReason = {
  /** Not closed (or never opened). */
  OPEN: 'open',
  /** The remote closed its side cleanly (TCP FIN); bytes already received stay readable. */
  EOF: 'eof',
  /** The remote reset the connection (`ECONNRESET`/`EPIPE`). */
  RESET: 'reset',
  /** Another failure: connect, DNS, TLS or I/O error; see `lastError`. */
  ERROR: 'error',
  /** This side closed it with `disconnectFromHost()` or handed the socket over. */
  LOCAL: 'local',
} as const;

/** One of the {@link CloseReason} strings. */
export type CloseReason = (typeof CloseReason)[keyof typeof CloseReason];
