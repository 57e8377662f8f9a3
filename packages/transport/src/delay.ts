/**
 * One shared word to wait on: nothing ever notifies it, so a wait always runs to its timeout.
 * `Atomics.wait` sleeps the thread without spinning a core, as Godot's `OS.delay_msec` does.
 */
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Godot's `OS.delay_msec`: blocks the calling thread for `ms` milliseconds.
 *
 * It exists so a synchronous Godot loop has a literal port. Nothing else runs on this thread
 * meanwhile — no timer, no socket callback, no promise — so an event-loop connection makes no
 * progress while it sleeps; the connection of an `HTTPClient` with `threaded` (or
 * `blockingModeEnabled`) lives in a worker thread and does. Throws nothing: a negative or
 * non-finite value sleeps 0 ms. Not available on a browser's main thread, which may not block.
 *
 * @param ms - milliseconds to sleep.
 * @example
 * ```ts
 * while (http.getStatus() === Status.CONNECTING || http.getStatus() === Status.RESOLVING) {
 *   http.poll();
 *   delayMsec(500);
 * }
 * ```
 */
export function delayMsec(ms: number): void {
  const timeout = Number.isFinite(ms) && ms > 0 ? ms : 0;
  Atomics.wait(sleeper, 0, 0, timeout);
}

/**
 * Godot's `OS.delay_usec`: blocks the calling thread for `usec` microseconds (the wait's
 * resolution is the system's, about 50–100 µs on Linux). See {@link delayMsec}.
 *
 * @param usec - microseconds to sleep.
 */
export function delayUsec(usec: number): void {
  delayMsec(Number.isFinite(usec) && usec > 0 ? usec / 1000 : 0);
}
