// What a request carries from hop to hop and from attempt to attempt for the policies of issue
// #16 (retry, resume, cookies), and the wait between attempts. HTTPRequest's `#run` reads it as
// its pipeline runs: redirect → retry → resume → cookies (see its doc comment).
import type { BodySink } from './body-sink.js';
import type { ResumePoint } from './resume.js';

/** The state of one request's policies across its hops and attempts. */
export class Session {
  /** Retries made so far (the first attempt is not one). */
  retries = 0;
  /** The range the next exchange asks for, or `null` for the whole representation. */
  resume: ResumePoint | null = null;
  /** The caller sent a `Range` of their own (Godot's way to resume): a 206 is appended as it is. */
  userRange = false;
  /** The sink of a body cut short, kept for the 206 that continues it. */
  kept: BodySink | null = null;
  /** The jar's `Cookie` value for the next exchange (`''` for none). */
  cookie = '';
  #wake: (() => void) | null = null;

  /**
   * Waits `ms` before the next attempt; {@link Session.stop} ends the wait early (a cancel, a
   * timeout, an abort), so no wait outlives its request.
   *
   * @param ms - the delay.
   */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.#wake = null;
        resolve();
      }
      this.#wake = done;
    });
  }

  /** The request ended: a wait in progress returns at once. */
  stop(): void {
    this.#wake?.();
  }

  /** Takes the kept sink away (the caller discards or continues it). */
  takeKept(): BodySink | null {
    const kept = this.kept;
    this.kept = null;
    return kept;
  }
}

/** The header lines a hop sends with the session's additions: the jar's Cookie. */
export function withCookie(headers: string[], cookie: string): string[] {
  if (cookie === '') return headers;
  const own = headers.findIndex((h) => /^\s*cookie\s*:/i.test(h));
  // One Cookie field (RFC 6265bis §5.8.2): the jar's cookies join the caller's own.
  if (own < 0) headers.push(`Cookie: ${cookie}`);
  else headers[own] = `${headers[own]!.trimEnd()}; ${cookie}`;
  return headers;
}
