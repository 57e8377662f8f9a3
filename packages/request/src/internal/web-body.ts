// The request bodies of the web build that are not bytes. A Blob or File goes to fetch as it is
// (the browser reads it as it sends: a file a page uploads is never in memory). A Web
// ReadableStream, an async iterable or a RequestBody.stream() is read whole into bytes before the
// request starts, unless `HTTPRequest.streamUploads` asks for it to be streamed (`streamed()`):
// fetch sends a stream body only with `duplex: 'half'`, which Chromium allows over HTTP/2 and
// HTTP/3 only (over HTTP/1.1 the fetch fails before taking a byte), so a page cannot count on it
// and streaming is opt-in (docs/decisions/0020-web-streamed-uploads.md). Read whole, such a body
// costs its size in memory, and the page learns nothing of the upload until the response (fetch
// reports no upload progress); streamed, it costs a piece, and each piece fetch takes is progress.
// Node-only sources — a file path, a FileHandle, a Node Readable — are refused with a message
// saying what to pass instead; nothing here imports a Node module.
import { ErrorCode } from '@gdhttp/constants';
import {
  type BodyStream,
  type BodyStreamFactory,
  isBodyStream,
  isFileHandle,
  RequestBody,
} from '../request-body.js';
import { BodyCollector } from './body-collector.js';
import { HTTPRequestError } from './request-types.js';

/**
 * What the web build's `requestRaw` takes as a body: bytes, a `Blob` or `File`, a Web
 * `ReadableStream`, an async iterable of bytes or strings, or `RequestBody.stream()` of one
 * (a file path, a `FileHandle` and a Node `Readable` are refused: a browser has none).
 */
export type WebRequestBodyInit = Uint8Array | Blob | BodyStream | RequestBody;

/** A body the web build takes before its request starts: a Blob as it is, a stream read whole. */
export interface WebBody {
  /** The length known before reading: a Blob's size, `RequestBody.stream`'s `length`; else -1. */
  readonly length: number;
  /** A Blob's media type, sent as `Content-Type` when the caller gives none (as fetch does), or `''`. */
  readonly type: string;
  /**
   * Reads the body into one array.
   *
   * @param announced - the caller's own `Content-Length`, or -1; a stream must give exactly
   *   that many bytes (or its own `length`, which wins), as in the Node build.
   * @param halt - aborted when the request ends first: the stream is released and the read
   *   resolves with `null`.
   * @returns the bytes (a Blob: itself), or `null` when halted. Rejects with an `HTTPRequestError`
   *   (`INVALID_PARAMETER`) for a Node stream, a piece that is not bytes, or a length that does
   *   not match; with the stream's own error when it fails.
   */
  read(announced: number, halt: AbortSignal): Promise<Uint8Array | Blob | null>;
  /**
   * The body as a stream fetch pulls (streams only; a Blob is streamed by the browser already).
   * Nothing is read before fetch's first pull.
   *
   * @param announced - as for `read`.
   * @param halt - aborted when the request ends: the source is released.
   * @param onTaken - called with the running total after each piece fetch took.
   */
  streamed?(announced: number, halt: AbortSignal, onTaken: (taken: number) => void): StreamedBody;
}

/** A stream body being sent as fetch pulls it (`HTTPRequest.streamUploads`). */
export interface StreamedBody {
  /** What fetch is given: one piece per pull, nothing read ahead. */
  readonly stream: ReadableStream<Uint8Array>;
  /** The length the bytes must match (its own `length`, else the Content-Length), or -1. */
  readonly length: number;
  /** Bytes fetch has taken. */
  readonly taken: number;
  /**
   * Whether the source was touched (a factory called, a reader or iterator taken). `false` after a
   * failed fetch means the source is as it was: it can still be read whole and sent.
   */
  readonly opened: boolean;
  /** Why the body failed — the source's own error, or an `HTTPRequestError` — else `null`. */
  readonly failure: unknown;
}

const encoder = new TextEncoder();
const ignore = (): void => {};
/** What a streamed body fails with once its request ended (unseen: the fetch is aborted). */
const HALTED = new HTTPRequestError('the request ended', ErrorCode.FAILED);

/**
 * How the web build sends `body`: as it is (bytes), read whole first ({@link WebBody}), refused
 * (a message: a Node-only source), or `null` when it is no body at all (the argument check
 * refuses it).
 */
export function webBodyOf(body: unknown): Uint8Array | WebBody | string | null {
  if (body instanceof Uint8Array) return body;
  if (body instanceof RequestBody) {
    const { source, length } = body;
    if (typeof source === 'string' || isFileHandle(source)) return FILE_REFUSED;
    if (typeof source === 'function') return new StreamBody(source, length);
    if (isNodeReadable(source)) return NODE_STREAM_REFUSED;
    return new StreamBody(source, length);
  }
  if (isFileHandle(body)) return FILE_REFUSED;
  if (isNodeReadable(body)) return NODE_STREAM_REFUSED;
  if (isBlob(body)) return new BlobBody(body);
  if (isBodyStream(body)) return new StreamBody(body, -1);
  return null;
}

const FILE_REFUSED =
  "a file body (a path, a FileHandle, RequestBody.file()) needs Node's file system, which the browser build has not: send a Blob or File";
const NODE_STREAM_REFUSED =
  'a Node Readable is not available in the browser build: send a Web ReadableStream, an async iterable or a Blob';

/** A Blob or File: handed to fetch as it is, so the browser reads it (from disk, for a File) as it sends. */
class BlobBody implements WebBody {
  readonly #blob: Blob;

  constructor(blob: Blob) {
    this.#blob = blob;
  }

  get length(): number {
    return this.#blob.size;
  }

  get type(): string {
    return this.#blob.type;
  }

  async read(_announced: number, halt: AbortSignal): Promise<Blob | null> {
    return halt.aborted ? null : this.#blob;
  }
}

/** A stream, or a function that opens one (called once: the bytes read are what is sent, and resent). */
class StreamBody implements WebBody {
  readonly length: number;
  readonly type = '';
  readonly #stream: BodyStream | BodyStreamFactory;

  constructor(stream: BodyStream | BodyStreamFactory, length: number) {
    this.#stream = stream;
    this.length = length;
  }

  streamed(announced: number, halt: AbortSignal, onTaken: (taken: number) => void): StreamedBody {
    return new PulledBody(this.#stream, this.length >= 0 ? this.length : announced, halt, onTaken);
  }

  async read(announced: number, halt: AbortSignal): Promise<Uint8Array | null> {
    const stream = openable(this.#stream);
    const expected = this.length >= 0 ? this.length : announced;
    const pieces = open(stream);
    const collected = new BodyCollector(expected);
    let finished = false;
    const stop = (): void => {
      if (!finished) pieces.release();
    };
    if (halt.aborted) {
      pieces.release();
      return null;
    }
    halt.addEventListener('abort', stop, { once: true });
    try {
      for (;;) {
        const piece = await nextPiece(pieces, halt, expected, collected.length);
        if (piece === null) break;
        collected.add(piece);
      }
      finished = true;
      checkEnd(collected.length, expected);
      return collected.take();
    } catch (error) {
      // Halted: the abort listener let the stream go already.
      if (error === HALTED) return null;
      // The stream failed, or gave what cannot be sent: stop it (an error it throws itself has
      // ended it already, and releasing it again changes nothing).
      if (!finished) {
        finished = true;
        pieces.release();
      }
      throw error;
    } finally {
      finished = true;
      halt.removeEventListener('abort', stop);
    }
  }
}

/**
 * A stream body read only as fetch pulls it: the source is opened at the first pull (so a fetch
 * the browser refuses before reading leaves it untouched), each pull reads the next non-empty
 * piece, and the length rules of `read()` apply as the pieces go (more than announced fails at
 * once, fewer at the end). A failure errors the stream, so fetch fails too, and is kept in
 * `failure` for the request to reject with.
 */
class PulledBody implements StreamedBody {
  readonly stream: ReadableStream<Uint8Array>;
  readonly length: number;
  taken = 0;
  opened = false;
  failure: unknown = null;
  readonly #source: BodyStream | BodyStreamFactory;
  readonly #halt: AbortSignal;
  #pieces: Pieces | null = null;
  #finished = false;

  constructor(
    source: BodyStream | BodyStreamFactory,
    length: number,
    halt: AbortSignal,
    onTaken: (taken: number) => void,
  ) {
    this.#source = source;
    this.length = length;
    this.#halt = halt;
    halt.addEventListener('abort', () => this.#release(), { once: true });
    this.stream = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          try {
            const piece = await this.#next();
            if (piece === null) {
              controller.close();
              return;
            }
            controller.enqueue(piece);
            this.taken += piece.length;
            onTaken(this.taken);
          } catch (error) {
            this.failure ??= error;
            this.#release();
            controller.error(error);
          }
        },
        cancel: () => this.#release(),
      },
      // fetch pulls each piece: nothing is read from the source before it asks.
      { highWaterMark: 0 },
    );
  }

  async #next(): Promise<Uint8Array | null> {
    // Never close the stream for a halted request: fetch would send a short body as whole.
    if (this.#halt.aborted) throw HALTED;
    if (this.#pieces === null) {
      this.opened = true;
      this.#pieces = open(openable(this.#source));
    }
    const piece = await nextPiece(this.#pieces, this.#halt, this.length, this.taken);
    if (piece === null) {
      this.#finished = true;
      checkEnd(this.taken, this.length);
    }
    return piece;
  }

  /** Lets the source go before its end (a generator's `finally` runs, a stream is cancelled). */
  #release(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#pieces?.release();
  }
}

/**
 * The next non-empty piece of `pieces` as bytes, or `null` at their end (then {@link checkEnd}),
 * `taken` bytes having come before it: more than `expected` (when it is not -1) fails at once.
 * Throws {@link HALTED} once `halt` has aborted.
 */
async function nextPiece(
  pieces: Pieces,
  halt: AbortSignal,
  expected: number,
  taken: number,
): Promise<Uint8Array | null> {
  for (;;) {
    const step = await pieces.next();
    if (halt.aborted) throw HALTED;
    if (step.done === true) return null;
    const piece = toBytes(step.value);
    if (piece.length === 0) continue;
    if (expected >= 0 && taken + piece.length > expected) {
      throw mismatch(taken + piece.length, expected, 'more than');
    }
    return piece;
  }
}

/** A stream that ended after `taken` bytes: fewer than `expected` (when not -1) fails. */
function checkEnd(taken: number, expected: number): void {
  if (expected >= 0 && taken !== expected) throw mismatch(taken, expected, 'only');
}

/** The stream a body stands for (a factory is called), checked to be one the web build reads. */
function openable(source: BodyStream | BodyStreamFactory): BodyStream {
  const stream = typeof source === 'function' ? source() : source;
  if (isNodeReadable(stream))
    throw new HTTPRequestError(NODE_STREAM_REFUSED, ErrorCode.INVALID_PARAMETER);
  if (!isBodyStream(stream)) {
    throw new HTTPRequestError(
      'a body stream function must return a stream or an async iterable',
      ErrorCode.INVALID_PARAMETER,
    );
  }
  return stream;
}

/** One read at a time from a stream, and how to let it go before its end. */
interface Pieces {
  next(): Promise<IteratorResult<unknown>>;
  release(): void;
}

function open(stream: BodyStream): Pieces {
  // A Web ReadableStream through its reader: every browser has it (the async iterator came
  // later), and cancel() releases the source.
  if (typeof (stream as ReadableStream).getReader === 'function') {
    const reader = (stream as ReadableStream<Uint8Array>).getReader();
    return {
      next: () => reader.read() as Promise<IteratorResult<unknown>>,
      release: () => {
        reader.cancel().catch(ignore);
      },
    };
  }
  const iterator = (stream as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  return {
    next: () => iterator.next(),
    release: () => {
      // Not awaited: a generator suspended in an await would keep the request waiting.
      Promise.resolve(iterator.return?.()).then(undefined, ignore);
    },
  };
}

/** A piece as bytes: bytes as they are, a string as UTF-8, an ArrayBuffer or view as a view. */
function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return encoder.encode(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  throw new HTTPRequestError(
    `a body stream gave ${value === null ? 'null' : `a ${typeof value}`}, not bytes or a string`,
    ErrorCode.INVALID_PARAMETER,
  );
}

function mismatch(got: number, expected: number, how: 'more than' | 'only'): HTTPRequestError {
  return new HTTPRequestError(
    how === 'only'
      ? `the request body stream gave only ${got} bytes of the ${expected} announced`
      : `the request body stream gave more than the ${expected} bytes announced`,
    ErrorCode.INVALID_PARAMETER,
  );
}

/** Whether `value` is a Blob (a File too), also from another realm (an iframe's). */
function isBlob(value: unknown): value is Blob {
  if (typeof Blob === 'function' && value instanceof Blob) return true;
  const v = value as Partial<Blob> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.size === 'number' &&
    typeof v.type === 'string' &&
    typeof v.arrayBuffer === 'function' &&
    typeof v.slice === 'function'
  );
}

/**
 * Whether `value` is a Node `Readable` (duck-typed: no Node module is imported here). A Web
 * ReadableStream has `pipeTo`, never `pipe` and `on`.
 */
function isNodeReadable(value: unknown): boolean {
  const v = value as { pipe?: unknown; on?: unknown; read?: unknown } | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.pipe === 'function' &&
    typeof v.on === 'function' &&
    typeof v.read === 'function'
  );
}
