/** A callback told that something changed on a stream peer. */
export type NewsListener = () => void;

/** What `next()` returns when there is news already: one settled promise serves every call. */
const NOW: Promise<void> = Promise.resolve();

/**
 * The "something changed" signal of a peer: a sequence number bumped on every event, a
 * watermark moved by `poll()`, callbacks, and one-shot promises.
 *
 * It exists so drivers wait on events instead of timers (docs/design.md#polling-and-news: no part
 * of gdhttp polls on a timer to make progress).
 */
export class News {
  #sequence = 0;
  #seen = 0;
  /** The promise every waiter of the next change shares, and its resolver, while someone waits. */
  #waiting: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #listeners = new Set<NewsListener>();

  /** Records a change and wakes every waiter and listener. */
  bump(): void {
    this.#sequence += 1;
    const wake = this.#wake;
    if (wake !== null) {
      this.#waiting = null;
      this.#wake = null;
      wake();
    }
    if (this.#listeners.size === 0) return;
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch (error) {
        // A throwing listener must not break the socket handler that is recording the event;
        // the error still surfaces, as an uncaught exception on its own turn.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  /** Called by `poll()`: everything so far has been looked at. */
  markSeen(): void {
    this.#seen = this.#sequence;
  }

  /** Settles at the next change, or now if something changed since the last `markSeen()`. */
  next(): Promise<void> {
    if (this.#sequence !== this.#seen) return NOW;
    if (this.#waiting === null) {
      this.#waiting = new Promise((resolve) => {
        this.#wake = resolve;
      });
    }
    return this.#waiting;
  }

  /** Adds a listener; returns the function that removes it. */
  on(listener: NewsListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }
}
