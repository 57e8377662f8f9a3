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
  /** Queues all of `data` for sending (do not modify it afterwards). `FAILED` if not connected. */
  putData(data: Uint8Array): ErrorCode;
  /**
   * Queues as much of `data` as the write window (4 MiB waiting at most) has room for, by
   * reference. When not all was taken, news follows once there is room again.
   */
  putPartialData(data: Uint8Array): PartialWrite;
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
