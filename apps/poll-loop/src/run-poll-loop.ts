import { HTTPClient } from '@gdhttp/client';
import { ErrorCode, errorString, Method, nameOf, Status } from '@gdhttp/constants';
import { startChunkedServer } from './chunked-server.js';

/** Where the loop writes its lines: `process.stdout`, or anything with a `write(text)`. */
export interface PollLoopOutput {
  /** Writes one line, ending in `\n`. */
  write(text: string): unknown;
}

/** A server to fetch from instead of the embedded one. */
export interface PollLoopTarget {
  /** Host name or IP address given to `connectToHost()`; a name shows RESOLVING first. */
  readonly host: string;
  /** Its port. */
  readonly port: number;
  /** Path to GET (default `/`). */
  readonly path?: string;
}

/** Options of {@link runPollLoop}. */
export interface PollLoopOptions {
  /**
   * Where to connect. By default the loop starts its own chunked server on 127.0.0.1, connects to
   * it as `localhost` (so the client resolves a name first, as in Godot's example) and stops it
   * at the end.
   */
  readonly server?: PollLoopTarget;
  /** Where lines go (default `process.stdout`). */
  readonly output?: PollLoopOutput;
  /** Frames per second of the loop timer (default 60). */
  readonly fps?: number;
  /** Give up after this many frames (default: 15 seconds' worth). */
  readonly maxFrames?: number;
}

/** One status change, as the loop saw it. */
export interface StatusChange {
  /** The frame it was seen in, from 0 (the frame that called `connectToHost()`). */
  readonly frame: number;
  /** The new status. */
  readonly status: Status;
  /** Its name, e.g. `BODY`. */
  readonly name: string;
}

/** What {@link runPollLoop} observed. */
export interface PollLoopResult {
  /** True when the response arrived whole and the client ended CONNECTED or DISCONNECTED. */
  readonly ok: boolean;
  /** Why it failed (`null` when `ok`). */
  readonly error: string | null;
  /** Every status change in order, with its frame. */
  readonly statuses: readonly StatusChange[];
  /** The response's status code; 0 without one. */
  readonly responseCode: number;
  /** The response's header lines. */
  readonly headers: readonly string[];
  /** Whether the body was chunked. */
  readonly chunked: boolean;
  /** The body. */
  readonly body: Uint8Array;
  /** How many `readResponseBodyChunk()` calls returned bytes. */
  readonly reads: number;
  /** Frames the loop ran. */
  readonly frames: number;
  /** Wall-clock milliseconds from the first frame to the last. */
  readonly elapsedMs: number;
}

// The Godot example's phases; each frame runs the current one once.
const Phase = { CONNECT: 0, CONNECTING: 1, REQUESTING: 2, BODY: 3 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

/**
 * Godot's classic HTTPClient example (the "HTTP client class" tutorial), ported to a frame loop:
 * a timer ticks `fps` times a second, the way a game's `_process` would, and each frame does what
 * one iteration of the GDScript loops does — `poll()` while resolving, connecting or requesting,
 * then `readResponseBodyChunk()` until a read comes back empty. Every status change is printed
 * with its frame number, then the body size, the response headers and the text.
 *
 * @param options - the server (default: an embedded chunked server), the output and the frame rate.
 * @returns what the loop saw; it never rejects for a network failure (`ok` is false instead).
 * @example
 * ```ts
 * import { runPollLoop } from '@gdhttp/poll-loop';
 *
 * const result = await runPollLoop({ fps: 60 });
 * console.log(result.statuses.map((s) => s.name).join(' → '));
 * ```
 */
export async function runPollLoop(options: PollLoopOptions = {}): Promise<PollLoopResult> {
  const embedded = options.server === undefined ? await startChunkedServer() : null;
  const target: PollLoopTarget = options.server ?? {
    // A name rather than 127.0.0.1: the example then shows RESOLVING, as Godot's does.
    host: 'localhost',
    port: embedded!.port,
    path: embedded!.path,
  };
  try {
    return await frameLoop(target, options);
  } finally {
    await embedded?.close();
  }
}

function frameLoop(target: PollLoopTarget, options: PollLoopOptions): Promise<PollLoopResult> {
  const output = options.output ?? process.stdout;
  const fps = options.fps ?? 60;
  const maxFrames = options.maxFrames ?? Math.ceil(fps * 15);
  const path = target.path ?? '/';
  const say = (line: string): void => {
    output.write(`${line.trimEnd()}\n`);
  };

  const client = new HTTPClient();
  const statuses: StatusChange[] = [];
  const pieces: Uint8Array[] = [];
  let received = 0;
  let reads = 0;
  let frame = 0;
  let phase: Phase = Phase.CONNECT;
  let started = 0;

  /** Prints the status when it changed since the last call, with what caused it. */
  const note = (action = ''): void => {
    const status = client.getStatus();
    if (statuses.at(-1)?.status === status) {
      if (action !== '') say(`frame ${String(frame).padStart(4)}  ${''.padEnd(14)}${action}`);
      return;
    }
    const name = nameOf(Status, status) ?? String(status);
    statuses.push({ frame, status, name });
    say(`frame ${String(frame).padStart(4)}  ${name.padEnd(14)}${action}`);
  };

  const result = (error: string | null): PollLoopResult => {
    const body = new Uint8Array(received);
    let at = 0;
    for (const piece of pieces) {
      body.set(piece, at);
      at += piece.length;
    }
    return {
      ok: error === null,
      error,
      statuses,
      responseCode: client.getResponseCode(),
      headers: client.getResponseHeaders(),
      chunked: client.isResponseChunked(),
      body,
      reads,
      frames: frame + 1,
      elapsedMs: performance.now() - started,
    };
  };

  /** One frame's work; returns the result once the example is over. */
  const tick = (): PollLoopResult | null => {
    switch (phase) {
      case Phase.CONNECT: {
        say(
          `poll-loop: HTTPClient driven by a ${fps} Hz frame timer, GET http://${target.host}:${target.port}${path}`,
        );
        const err = client.connectToHost(target.host, target.port);
        note(`connectToHost("${target.host}", ${target.port}) = ${nameOf(ErrorCode, err)}`);
        if (err !== ErrorCode.OK) return fail(`connectToHost: ${errorString(err)}`);
        phase = Phase.CONNECTING;
        return null;
      }
      case Phase.CONNECTING: {
        // GDScript: while status is RESOLVING or CONNECTING: poll(); await process_frame
        client.poll();
        note();
        const status = client.getStatus();
        if (status === Status.RESOLVING || status === Status.CONNECTING) return null;
        if (status !== Status.CONNECTED) return fail('could not connect');
        // The example requests as soon as the connect loop ends, in the same frame.
        const err = client.request(Method.GET, path, ['Accept: text/plain']);
        note(`request(GET, "${path}") = ${nameOf(ErrorCode, err)}`);
        if (err !== ErrorCode.OK) return fail(`request: ${errorString(err)}`);
        phase = Phase.REQUESTING;
        return null;
      }
      case Phase.REQUESTING: {
        // GDScript: while status is REQUESTING: poll(); await process_frame
        client.poll();
        const status = client.getStatus();
        if (status === Status.REQUESTING) return null;
        if (status !== Status.BODY && status !== Status.CONNECTED) {
          note();
          return fail('the request failed');
        }
        const length = client.getResponseBodyLength();
        note(
          `${client.getResponseCode()}, ${client.isResponseChunked() ? 'chunked' : `length ${length}`}`,
        );
        phase = Phase.BODY;
        // The example goes straight on to its body loop, in the same frame.
        return readBody();
      }
      case Phase.BODY:
        return readBody();
    }
  };

  /**
   * GDScript: while status is BODY: poll(); chunk = read_response_body_chunk(); if the chunk is
   * empty, await the next frame, else append it and read again at once.
   */
  const readBody = (): PollLoopResult | null => {
    while (client.getStatus() === Status.BODY) {
      client.poll();
      const chunk = client.readResponseBodyChunk();
      if (chunk.length === 0) {
        // No bytes yet: the rest of this frame belongs to the game.
        if (client.getStatus() === Status.BODY) return null;
        break;
      }
      // Copy: the client may reuse the memory behind a chunk once it reads again.
      pieces.push(chunk.slice());
      received += chunk.length;
      reads++;
    }
    const status = client.getStatus();
    if (status !== Status.CONNECTED && status !== Status.DISCONNECTED) {
      note();
      return fail('the body was cut short');
    }
    note(status === Status.CONNECTED ? 'body complete, connection kept alive' : 'body complete');
    return finish();
  };

  const fail = (why: string): PollLoopResult => {
    const detail = client.lastError?.message;
    const error = detail === undefined ? why : `${why}: ${detail}`;
    say(`failed: ${error}`);
    client.close();
    return result(error);
  };

  const finish = (): PollLoopResult => {
    const done = result(null);
    const seconds = (done.elapsedMs / 1000).toFixed(2);
    client.close();
    note('close()');
    say(
      `body: ${done.body.length} bytes in ${reads} reads over ${done.frames} frames (${seconds} s), code ${done.responseCode}`,
    );
    say('headers:');
    for (const line of done.headers) say(`  ${line}`);
    say('text:');
    for (const line of new TextDecoder().decode(done.body).split('\n')) {
      if (line !== '') say(`  ${line}`);
    }
    // `done.statuses` is the live list, so it ends with the DISCONNECTED that close() just caused.
    return done;
  };

  return new Promise<PollLoopResult>((resolve, reject) => {
    started = performance.now();
    const timer = setInterval(() => {
      try {
        const done = frame >= maxFrames ? fail(`gave up after ${maxFrames} frames`) : tick();
        if (done !== null) {
          clearInterval(timer);
          resolve(done);
        } else {
          frame++;
        }
      } catch (error) {
        // A bug in the loop, not a network failure: stop ticking and surface it.
        clearInterval(timer);
        client.close();
        reject(error);
      }
    }, 1000 / fps);
  });
}
