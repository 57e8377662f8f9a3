// A response body read as it arrives (HTTPRequest.requestStream): an async iterator of decoded
// pieces, with a Web ReadableStream and a Node Readable made from it. One piece is handed out at
// a time and the next is read off the socket only when the consumer asks for it, so a slow
// consumer slows the download (the socket pauses) instead of filling memory. Both builds use this
// class (the web build's body comes from fetch's reader), so it imports no Node module: the Node
// stream module is looked up only when nodeReadable() is called.
import type { Readable } from 'node:stream';
import { ErrorCode, nameOf, Result } from '@gdhttp/constants';
import type { BodySink } from './internal/body-sink.js';
import { HTTPRequestError, type HTTPRequestResult } from './internal/request-types.js';

const EMPTY = new Uint8Array(0);

/** Why a response stream ended before its body did: the request's {@link Result}. */
export class ResponseStreamError extends HTTPRequestError {
  /** How the request ended (`CONNECTION_ERROR`, `BODY_SIZE_LIMIT_EXCEEDED`, `TIMEOUT`, …). */
  readonly result: Result;

  /** @param result - the request's result. */
  constructor(result: Result) {
    super(`the response body ended with ${nameOf(Result, result)}`, ErrorCode.FAILED);
    this.result = result;
  }
}

/** What `HTTPRequest.requestStream` resolves with once the final response head has arrived. */
export interface HTTPResponseStream {
  /** `SUCCESS` when a final response arrived (its body then streams); else why not, and no body. */
  result: Result;
  /** The final response's status code; 0 when none arrived. */
  responseCode: number;
  /** The final response's header lines. */
  headers: string[];
  /** The body, as it arrives. */
  body: ResponseStream;
}

/**
 * A response body as it arrives: iterate it with `for await`, or take it as a Web
 * `ReadableStream` or a Node `Readable` (one of the three, once). Pieces are decoded (gzip,
 * deflate, br) when `acceptGzip` applies, and bounded by `bodySizeLimit`. A piece is a view of
 * received bytes that is never reused: it may be kept. Leaving the loop early (`break`, a throw),
 * `cancel()`, or the request's `signal` closes the connection; a request that ends badly while
 * the body streams makes the iteration throw a {@link ResponseStreamError}.
 *
 * @example
 * ```ts
 * const http = new HTTPRequest();
 * const { result, responseCode, body } = await http.requestStream('http://127.0.0.1:8080/log');
 * for await (const piece of body) process.stdout.write(piece);
 * ```
 */
export class ResponseStream implements AsyncIterable<Uint8Array> {
  #piece: Uint8Array | null = null;
  /** Resolves the consumer waiting in `next()`. */
  #reader: (() => void) | null = null;
  /** Resolves the writer waiting until its piece was taken. */
  #writer: (() => void) | null = null;
  #ended = false;
  #error: unknown = null;
  #taken = false;
  readonly #cancel: () => void;
  readonly #done: Promise<HTTPRequestResult>;

  /**
   * @param cancel - stops the request (closing its connection).
   * @param done - the request's promise: resolves once the body ended, with an empty `body`.
   */
  constructor(cancel: () => void, done: Promise<HTTPRequestResult>) {
    this.#cancel = cancel;
    this.#done = done;
    done.then(
      (result) =>
        this.#finish(
          result.result === Result.SUCCESS ? null : new ResponseStreamError(result.result),
        ),
      (error: unknown) => this.#finish(error ?? new Error('request failed')),
    );
  }

  /** Resolves with the request's outcome once the body ended (its `body` is empty). */
  get done(): Promise<HTTPRequestResult> {
    return this.#done;
  }

  /** The sink HTTPRequest's body step writes into. */
  get sink(): BodySink {
    return {
      failure: null,
      write: (piece) => this.#write(piece),
      end: () => EMPTY,
      discard: () => null,
    };
  }

  #write(piece: Uint8Array): Promise<void> {
    this.#piece = piece;
    this.#wakeReader();
    return new Promise<void>((resolve) => {
      this.#writer = resolve;
    });
  }

  #finish(error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    this.#wakeReader();
    // A body step still waiting for its piece to be taken has nothing left to wait for.
    const go = this.#writer;
    this.#writer = null;
    go?.();
  }

  #wakeReader(): void {
    const go = this.#reader;
    this.#reader = null;
    go?.();
  }

  /** Stops the body: closes the connection (the request's promise rejects). Safe at any time. */
  cancel(): void {
    if (this.#ended && this.#piece === null) return;
    this.#piece = null;
    this.#finish(null);
    this.#cancel();
    const go = this.#writer;
    this.#writer = null;
    go?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    if (this.#taken)
      throw new HTTPRequestError('a response stream is read once', ErrorCode.INVALID_PARAMETER);
    this.#taken = true;
    let complete = false;
    try {
      for (;;) {
        if (this.#piece === null && !this.#ended) {
          await new Promise<void>((resolve) => {
            this.#reader = resolve;
          });
        }
        const piece = this.#piece;
        if (piece !== null) {
          this.#piece = null;
          yield piece;
          // Asked for more: the body step may read on.
          const go = this.#writer;
          this.#writer = null;
          go?.();
          continue;
        }
        if (this.#error !== null) throw this.#error;
        complete = true;
        return;
      }
    } finally {
      // `break`, a throw in the loop, or `return()`: the rest of the body is not wanted.
      if (!complete && !(this.#ended && this.#piece === null)) this.cancel();
    }
  }

  /**
   * The body as a Web `ReadableStream` (pull-based: nothing is read ahead of the consumer).
   * Cancelling it cancels the request.
   */
  readable(): ReadableStream<Uint8Array> {
    const iterator = this[Symbol.asyncIterator]();
    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const step = await iterator.next();
          if (step.done) controller.close();
          else controller.enqueue(step.value);
        },
        async cancel() {
          await iterator.return();
        },
      },
      { highWaterMark: 0 },
    );
  }

  /**
   * The body as a Node `Readable`; destroying it cancels the request. Node only: in a browser
   * (where Node's `stream` module does not exist) it throws an {@link HTTPRequestError} with
   * `UNAVAILABLE` — use {@link ResponseStream.readable} or `for await` there.
   */
  nodeReadable(): Readable {
    const stream = nodeStreamModule();
    if (stream === null) {
      throw new HTTPRequestError(
        "nodeReadable() needs Node's stream module, which this platform lacks: use readable() or for await",
        ErrorCode.UNAVAILABLE,
      );
    }
    return stream.Readable.from(this, { objectMode: false, highWaterMark: 0 });
  }
}

/**
 * Node's `stream` module, or `null` outside Node. Looked up at call time with
 * `process.getBuiltinModule` (Node 20.16 and later; gdhttp needs 20.19) instead of a static
 * import, so a browser bundle of this module needs no Node module and no polyfill. The bare name
 * is used: a `node:` string in the web bundle would look like a Node import to the bundle checks.
 */
function nodeStreamModule(): { Readable: typeof Readable } | null {
  const host = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const stream =
    typeof host?.getBuiltinModule === 'function' ? host.getBuiltinModule('stream') : undefined;
  return (stream as { Readable: typeof Readable } | undefined) ?? null;
}

/**
 * `HTTPRequest.requestStream` in both builds: runs a request whose final response head resolves
 * the returned promise with a {@link ResponseStream} of its body. As every promise of HTTPRequest
 * (decision 0007), the one returned has a no-op rejection handler: ignored, its rejection reaches
 * nobody; awaited, it rejects as usual.
 *
 * @param bodyElsewhere - `downloadFile` or `onBody` is set: the body cannot go to a stream too,
 *   and the promise rejects with `INVALID_PARAMETER`.
 * @param start - starts the request, given the function its body step calls at the final head to
 *   get the sink (a new ResponseStream's); returns the request's promise (ends with the body).
 * @param cancel - cancels the request (`HTTPRequest.cancelRequest`).
 * @returns the head and the body stream; the request's result and an empty stream when it ends
 *   before a final head; rejects when the request cannot start.
 * @internal
 */
export function streamResponse(
  bodyElsewhere: boolean,
  start: (
    sinkAt: (head: { code: number; headers: string[] }) => BodySink,
  ) => Promise<HTTPRequestResult>,
  cancel: () => void,
): Promise<HTTPResponseStream> {
  const promise = bodyElsewhere
    ? Promise.reject(
        new HTTPRequestError(
          'requestStream hands the body to its stream: downloadFile and onBody cannot be set',
          ErrorCode.INVALID_PARAMETER,
        ),
      )
    : headAndStream(start, cancel);
  promise.catch(ignore);
  return promise;
}

function headAndStream(
  start: (
    sinkAt: (head: { code: number; headers: string[] }) => BodySink,
  ) => Promise<HTTPRequestResult>,
  cancel: () => void,
): Promise<HTTPResponseStream> {
  return new Promise<HTTPResponseStream>((resolve, reject) => {
    let stream: ResponseStream | null = null;
    const done = start((head) => {
      stream = new ResponseStream(cancel, done);
      resolve({
        result: Result.SUCCESS,
        responseCode: head.code,
        headers: head.headers,
        body: stream,
      });
      return stream.sink;
    });
    done.then(
      (result) => {
        if (stream === null) resolve({ ...result, body: new ResponseStream(ignore, done) });
      },
      (error: unknown) => {
        if (stream === null) reject(error);
      },
    );
  });
}

function ignore(): void {}
