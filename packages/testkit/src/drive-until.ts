/** Anything with Godot's `poll()` and gdhttp's news signal (a stream peer, a client). */
export interface Pollable {
  poll(): unknown;
  news(): Promise<void>;
}

/**
 * Polls `peer`, and waits for its news between polls, until `done()` holds: the way a driver
 * should wait, with no timer anywhere.
 *
 * @param peer - the peer to drive.
 * @param done - checked after each `poll()`.
 * @param maxSteps - bound on polls, so a bug fails the test instead of hanging it (default 100000).
 * @returns how many polls it took.
 * @throws if `done()` still fails after `maxSteps` polls.
 */
export async function driveUntil(
  peer: Pollable,
  done: () => boolean,
  maxSteps = 100_000,
): Promise<number> {
  for (let step = 1; step <= maxSteps; step++) {
    peer.poll();
    if (done()) return step;
    await peer.news();
  }
  throw new Error(`condition not reached after ${maxSteps} polls`);
}
