// Sends a request body from a source through HTTPClient's streamed body (requestStream,
// putRequestBodyData, endRequestBody), with backpressure from the socket to the source: the next
// piece is read only once the client has handed every queued byte to the connection, whose write
// window is bounded. So a body of any size costs this piece, the one read ahead, and the window.
// Pieces go by reference; once the connection has let go of one (its getHeldWriteBytes()), it goes
// back to the source, which reads into it again instead of into new memory.
// `Expect: 100-continue` (RFC 9110 §10.1.1) holds the body back until the server says 100, a short
// wait passes, or the server answers first — then the body is never sent.
import type { HTTPClient } from '@gdhttp/client';
import { ErrorCode, type Method, Status } from '@gdhttp/constants';
import { headerName, headerValue, headerValues } from '@gdhttp/parser';
import type { BodySource } from './body-source.js';
import { HTTPRequestError } from './request-types.js';

/**
 * How long a request with `Expect: 100-continue` waits for the server's 100 before it sends the
 * body anyway: curl's default (`--expect100-timeout 1`). A server that ignores the expectation
 * (RFC 9110 §10.1.1 lets a client not wait forever) costs at most this.
 */
export const EXPECT_CONTINUE_MS = 1000;

/** What the pump needs from the HTTPRequest running it. */
export interface UploadHooks {
  /** The request ended under the pump (cancel, timeout, abort): stop at once. */
  settled(): boolean;
  /** The client moved: let watchers (a request worker, the upload counter) look. */
  moved(): void;
}

/** Whether an `Expect` value is `100-continue` (the only expectation RFC 9110 defines). */
function isContinueValue(value: string): boolean {
  return value.toLowerCase() === '100-continue';
}

/** Whether a header line is `Expect: 100-continue`. */
function isContinue(line: string): boolean {
  return headerName(line).toLowerCase() === 'expect' && isContinueValue(headerValue(line));
}

/** Whether headers carry `Expect: 100-continue`. */
export function expectsContinue(headers: readonly string[]): boolean {
  return headerValues(headers, 'expect').some(isContinueValue);
}

/** The header lines without `Expect: 100-continue`: the request repeated after a 417. */
export function withoutContinue(headers: readonly string[]): string[] {
  return headers.filter((line) => !isContinue(line));
}

/**
 * The body length a caller announced with its own `Content-Length` header, or -1. A stream of
 * unknown length is then sent with it, not chunked, and must match it.
 */
export function announcedLength(headers: readonly string[]): number {
  const value = headerValues(headers, 'content-length')[0];
  return value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : -1;
}

/**
 * Starts the request with a streamed body and sends the body, until the body is sent, the server
 * answered, or the connection failed; the caller then drives the client on to the response head.
 *
 * @param client - a CONNECTED client.
 * @param method - the request's method.
 * @param path - the request target.
 * @param headers - the request's header lines.
 * @param source - the body, opened already.
 * @param hooks - the request's state.
 * @returns `false` when the client refused the request (a bad method or header), else `true`.
 *   Rejects with the source's own error, or an {@link HTTPRequestError} (`INVALID_PARAMETER`)
 *   when the source's bytes do not match its announced length.
 */
export async function sendStreamedBody(
  client: HTTPClient,
  method: Method,
  path: string,
  headers: readonly string[],
  source: BodySource,
  hooks: UploadHooks,
): Promise<boolean> {
  const announced = announcedLength(headers);
  const length = source.length >= 0 ? source.length : announced;
  if (client.requestStream(method, path, headers, length) !== ErrorCode.OK) return false;
  if (expectsContinue(headers) && length !== 0) {
    await awaitContinue(client, hooks);
    if (hooks.settled() || client.getStatus() !== Status.REQUESTING) return true;
  }
  // The piece being read, and one wake-up for "the read finished or the client has news". The
  // wake-up resolves an empty promise: racing the read's own promise against a news promise that
  // stays pending would keep every piece reachable from that promise until the news came.
  let ahead: Ahead | null = null;
  /** A news promise is pending already (one is enough; it wakes whoever waits then). */
  let newsPending = false;
  let wake: (() => void) | null = null;
  const poke = (): void => {
    const go = wake;
    wake = null;
    go?.();
  };
  // Pieces put and not given back yet, oldest first, each with the body bytes put up to its end.
  // The connection takes bytes in order and lets go of them in order, so once it has taken `end`
  // body bytes and holds fewer bytes than it took after them, nothing reads the piece any more
  // (chunk framing after it only makes the count cautious). A connection that cannot say what it
  // holds keeps every piece, which is then never refilled.
  const stream = client.connection;
  const lent: Lent[] = [];
  let put = 0;
  const giveBack = (): void => {
    const held = stream?.getHeldWriteBytes?.();
    if (held === undefined) return;
    const taken = client.requestBodySent;
    while (lent.length > 0 && taken - lent[0]!.end >= held) source.recycle(lent.shift()!.piece);
  };
  const readAhead = (): Ahead => {
    const next: Ahead = { settled: false, piece: null, error: null };
    source.read().then(
      (piece) => {
        next.settled = true;
        next.piece = piece;
        poke();
      },
      (error: unknown) => {
        next.settled = true;
        next.error = { reason: error };
        poke();
      },
    );
    return next;
  };
  for (;;) {
    client.poll();
    hooks.moved();
    if (hooks.settled() || client.getStatus() !== Status.REQUESTING) return true;
    if (lent.length > 0) giveBack();
    // Read the next piece while the queued ones go out, so the disk and the socket work at once.
    ahead ??= readAhead();
    if (client.requestBodyQueued > 0 || !ahead.settled) {
      // Room in the connection's window, the piece, or the server's early answer: whichever is
      // first (a slow source must not hide an early answer).
      if (!newsPending) {
        newsPending = true;
        void client.news().then(() => {
          newsPending = false;
          poke();
        });
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      continue;
    }
    const { piece, error } = ahead;
    ahead = null;
    if (error !== null) throw error.reason;
    const err = piece === null ? client.endRequestBody() : client.putRequestBodyData(piece);
    if (err === ErrorCode.UNAVAILABLE) return true;
    if (err !== ErrorCode.OK) {
      throw new HTTPRequestError(
        `the request body does not match its length: ${client.lastError?.message ?? ''}`,
        ErrorCode.INVALID_PARAMETER,
      );
    }
    if (piece === null) return true;
    put += piece.length;
    lent.push({ piece, end: put });
  }
}

/** A piece the connection may still read from. */
interface Lent {
  piece: Uint8Array;
  /** Body bytes put up to the piece's last byte. */
  end: number;
}

/** A piece being read from the body's source. */
interface Ahead {
  settled: boolean;
  piece: Uint8Array | null;
  /** The source's failure, boxed (a source may reject with anything, `undefined` included). */
  error: { reason: unknown } | null;
}

/** Waits for a 100 Continue, an early final answer, a failure, or {@link EXPECT_CONTINUE_MS}. */
async function awaitContinue(client: HTTPClient, hooks: UploadHooks): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let waited = false;
  const pause = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      waited = true;
      resolve();
    }, EXPECT_CONTINUE_MS);
  });
  try {
    for (;;) {
      client.poll();
      hooks.moved();
      if (hooks.settled() || client.getStatus() !== Status.REQUESTING) return;
      if (client.informationalResponses > 0 || waited) return;
      await Promise.race([client.news(), pause]);
    }
  } finally {
    clearTimeout(timer);
  }
}
