/**
 * A single-producer, single-consumer byte ring in shared memory: one thread writes, another reads,
 * with no lock and no message.
 *
 * Two counters live in an `Int32Array` over their own `SharedArrayBuffer`: bytes ever written and
 * bytes ever read, each wrapping at 2^32. Their difference is what is readable, which works across
 * the wrap as long as the capacity stays below 2^30. Only the writer moves the write counter and
 * only the reader moves the read counter, so each side reads the other's counter, does its copy,
 * then publishes its own with `Atomics.store` — which orders the copy before the counter for the
 * other thread. The capacity is a power of two, so a position is a counter masked.
 */

const EMPTY = new Uint8Array(0);
const SLAB = 1024 * 1024;
const WRITTEN = 0;
const READ = 1;

/** The shared memory of one ring, to send to the other thread (`workerData`). */
export interface SharedRingMemory {
  readonly data: SharedArrayBuffer;
  readonly counters: SharedArrayBuffer;
}

/** Allocates a ring's memory: `capacity` rounded up to a power of two between 4 KiB and 256 MiB. */
export function allocateRing(capacity: number): SharedRingMemory {
  let size = 4096;
  while (size < capacity && size < 256 * 1024 * 1024) size *= 2;
  return {
    data: new SharedArrayBuffer(size),
    counters: new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT),
  };
}

/** One side's view of a ring (see the file's opening comment). */
export class SharedRing {
  readonly capacity: number;
  readonly #bytes: Uint8Array;
  readonly #counters: Int32Array;
  readonly #mask: number;
  #slab: Uint8Array = EMPTY;
  #slabAt = SLAB;

  constructor(memory: SharedRingMemory) {
    this.#bytes = new Uint8Array(memory.data);
    this.#counters = new Int32Array(memory.counters);
    this.capacity = this.#bytes.length;
    this.#mask = this.capacity - 1;
  }

  /** Bytes written and not read yet. */
  get length(): number {
    return (Atomics.load(this.#counters, WRITTEN) - Atomics.load(this.#counters, READ)) | 0;
  }

  /** Bytes that can be written now. */
  get room(): number {
    return this.capacity - this.length;
  }

  /** Writer side: copies as much of `data` as fits; returns how many bytes that was. */
  write(data: Uint8Array): number {
    const written = Atomics.load(this.#counters, WRITTEN);
    const used = (written - Atomics.load(this.#counters, READ)) | 0;
    const n = Math.min(data.length, this.capacity - used);
    if (n === 0) return 0;
    const at = written & this.#mask;
    const first = Math.min(n, this.capacity - at);
    this.#bytes.set(first === data.length ? data : data.subarray(0, first), at);
    if (first < n) this.#bytes.set(data.subarray(first, n), 0);
    Atomics.store(this.#counters, WRITTEN, (written + n) | 0);
    return n;
  }

  /** Reader side: removes up to `max` bytes into a new array (empty when none are readable). */
  read(max: number): Uint8Array {
    const read = Atomics.load(this.#counters, READ);
    const available = (Atomics.load(this.#counters, WRITTEN) - read) | 0;
    const n = Math.max(0, Math.min(max, available));
    if (n === 0) return EMPTY;
    const out = this.#allocate(n);
    const at = read & this.#mask;
    const first = Math.min(n, this.capacity - at);
    out.set(this.#bytes.subarray(at, at + first));
    if (first < n) out.set(this.#bytes.subarray(0, n - first), first);
    Atomics.store(this.#counters, READ, (read + n) | 0);
    return out;
  }

  /**
   * Memory for `n` bytes read out: a slice of a 1 MiB slab, as Node's socket reads share one pool,
   * instead of a new buffer each (a fresh allocation per 64 KiB read measured 1.4 GB/s against
   * 2.2 GB/s). A kept slice keeps its slab alive, never more. Not zeroed: every byte is written.
   */
  #allocate(n: number): Uint8Array {
    if (n > SLAB / 4) return Buffer.allocUnsafeSlow(n);
    if (this.#slabAt + n > SLAB) {
      this.#slab = Buffer.allocUnsafeSlow(SLAB);
      this.#slabAt = 0;
    }
    const out = this.#slab.subarray(this.#slabAt, this.#slabAt + n);
    this.#slabAt += n;
    return out;
  }

  /** Reader side: forgets everything readable. */
  clear(): void {
    Atomics.store(this.#counters, READ, Atomics.load(this.#counters, WRITTEN));
  }
}
