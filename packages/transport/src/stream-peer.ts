import type { ErrorCode } from '@gdhttp/constants';
import type { CloseReason } from './close-reason.js';
import type { NewsListener } from './internal/news.js';
import type { TransportError } from './transport-error.js';

export type { NewsListener } from './internal/news.js';

/** What `putPartialData()` did: Godot returns `[error, sent]`. */
export interface PartialWrite {
  /** `OK`, or why nothing could be written. */
  readonly error: ErrorCode;
  /** How many leading bytes were accepted; the caller offers the rest again later. */
  readonly sent: number;
}

/**
 * The data side every gdhttp stream peer shares (Godot's `StreamPeer` plus the news signal):
 * what the HTTPClient reads from and writes to, whether the bytes travel over TCP, TLS or a proxy
 * tunnel.
 *
 * Like Godot, state changes (status, close reason, `lastError`) are taken in by `poll()`, which
 * is synchronous and never blocks; received bytes are readable as soon as they arrive.
 */
export interface StreamPeer {
  /** Takes in what happened since the last call; returns `OK`, or the error code once failed. */
  poll(): ErrorCode;
  /**
   * Queues all of `data` for sending (do not modify it while the peer holds it: see
   * `getHeldWriteBytes`). `FAILED` if not connected.
   */
  putData(data: Uint8Array): ErrorCode;
  /**
   * Queues as much of `data` as the write window (4 MiB waiting at most) has room for, by
   * reference. When not all was taken, news follows once there is room again.
   */
  putPartialData(data: Uint8Array): PartialWrite;
  /**
   * Bytes given to `putData` / `putPartialData` that the peer still reads from the caller's
   * buffers: a gdhttp addition, so a writer can refill its buffers instead of allocating new ones.
   * Bytes are released in the order they were put, so a buffer is free once at least this many
   * bytes were put after its last byte; above 0, news follows the next release. A peer without
   * the method (one of your own) is taken to keep every buffer it was given.
   */
  getHeldWriteBytes?(): number;
  /** Up to `max` received bytes (fewer, or none, if fewer have arrived). Never blocks. */
  getPartialData(max: number): Uint8Array;
  /** Received bytes not read yet. */
  getAvailableBytes(): number;
  /** Closes the connection (if any) and returns to the initial state. */
  disconnectFromHost(): void;
  /** How the connection ended, as of the last `poll()`. */
  getCloseReason(): CloseReason;
  /** Whether the remote closed cleanly (as of the last `poll()`); unread bytes may remain. */
  isEof(): boolean;
  /** The failure behind an `ERROR` status (as of the last `poll()`), else `null`. */
  readonly lastError: TransportError | null;
  /** Settles at the next change, or at once if something changed since the last `poll()`. */
  news(): Promise<void>;
  /** Calls `listener` after every change; returns the function that removes it. */
  onNews(listener: NewsListener): () => void;
}
