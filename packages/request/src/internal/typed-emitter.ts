// The web build's event emitter: the EventEmitter methods users call on an HTTPRequest (`on`,
// `off`, `once`, `emit`, their long names, `listenerCount`, `removeAllListeners`), typed by an
// event map, without `node:events`. Listeners run synchronously in the order they were added; a
// throwing listener throws out of `emit` and the later ones do not run, as with EventEmitter.

type Listener<Args extends unknown[]> = (...args: Args) => void;

interface Entry {
  /** The listener as added (its argument types are the event's). */
  listener: unknown;
  once: boolean;
  fired: boolean;
}

/**
 * A minimal typed event emitter with Node's `EventEmitter` method names and semantics for the
 * methods it has.
 */
export class TypedEmitter<Events extends { [K in keyof Events]: unknown[] }> {
  readonly #listeners = new Map<keyof Events, Entry[]>();

  /** Adds `listener` for `event` (duplicates are added again, as EventEmitter does). */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    return this.#add(event, listener, false);
  }

  /** Alias of {@link TypedEmitter.on}. */
  addListener<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    return this.#add(event, listener, false);
  }

  /** Adds `listener` for the next `event` only. */
  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    return this.#add(event, listener, true);
  }

  /** Removes the most recently added registration of `listener` for `event`. */
  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    const entries = this.#listeners.get(event);
    if (entries === undefined) return this;
    for (let i = entries.length - 1; i >= 0; i--) {
      if (entries[i]!.listener === listener) {
        entries.splice(i, 1);
        break;
      }
    }
    if (entries.length === 0) this.#listeners.delete(event);
    return this;
  }

  /** Alias of {@link TypedEmitter.off}. */
  removeListener<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    return this.off(event, listener);
  }

  /** Removes every listener of `event`, or of every event. */
  removeAllListeners(event?: keyof Events): this {
    if (event === undefined) this.#listeners.clear();
    else this.#listeners.delete(event);
    return this;
  }

  /** How many listeners `event` has. */
  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  /** Calls every listener of `event` with `args`, in order. Returns whether there was any. */
  emit<K extends keyof Events>(event: K, ...args: Events[K]): boolean {
    const entries = this.#listeners.get(event);
    if (entries === undefined || entries.length === 0) return false;
    // As EventEmitter: the listeners at the time of the call all run, also one removed by an
    // earlier listener; one added during the call waits for the next.
    for (const entry of entries.slice()) {
      if (entry.once) {
        if (entry.fired) continue;
        entry.fired = true;
        this.#remove(event, entry);
      }
      (entry.listener as Listener<Events[K]>)(...args);
    }
    return true;
  }

  #remove(event: keyof Events, entry: Entry): void {
    const entries = this.#listeners.get(event);
    const at = entries?.indexOf(entry) ?? -1;
    if (entries === undefined || at < 0) return;
    entries.splice(at, 1);
    if (entries.length === 0) this.#listeners.delete(event);
  }

  #add<K extends keyof Events>(event: K, listener: Listener<Events[K]>, once: boolean): this {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    let entries = this.#listeners.get(event);
    if (entries === undefined) {
      entries = [];
      this.#listeners.set(event, entries);
    }
    entries.push({ listener, once, fired: false });
    return this;
  }
}
