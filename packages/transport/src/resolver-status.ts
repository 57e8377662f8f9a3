/**
 * The state of a peer's host-name lookup, named and numbered after Godot's `IP.ResolverStatus`
 * (`RESOLVER_STATUS_` prefix dropped). An IP literal skips the lookup and reads `DONE` at once,
 * so a client shows `RESOLVING` only for host names, as Godot's HTTPClient does.
 */
export const ResolverStatus = {
  /** No lookup has been started. */
  NONE: 0,
  /** The lookup is in progress. */
  WAITING: 1,
  /** The lookup produced at least one address. */
  DONE: 2,
  /** The lookup failed: the peer is in `ERROR` with a `CANT_RESOLVE` error. */
  ERROR: 3,
} as const;

/** One of the {@link ResolverStatus} numbers. */
export type ResolverStatus = (typeof ResolverStatus)[keyof typeof ResolverStatus];
