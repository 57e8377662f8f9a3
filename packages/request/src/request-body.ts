// The request bodies that are not bytes in memory: a file (by path or open handle) or a stream.
// HTTPRequest.requestRaw takes these (and a bare FileHandle, Node Readable, Web ReadableStream or
// async iterable) and streams them with backpressure; see internal/body-source.ts for how each is
// read and docs/decisions/0017-streams-both-ways.md for the choices.
import type { FileHandle } from 'node:fs/promises';

/** A stream a request body can be read from: Node `Readable`, Web `ReadableStream`, async iterable. */
export type BodyStream =
  | AsyncIterable<Uint8Array | string>
  | ReadableStream<Uint8Array>
  | { getReader(): ReadableStreamDefaultReader<Uint8Array> };

/**
 * A function that opens the body's stream, called each time the body is sent: a stream body
 * given this way can be sent again (a 307/308 redirect, a retry, a 417 answered to
 * `Expect: 100-continue`), as a file can.
 */
export type BodyStreamFactory = () => BodyStream;

/**
 * What `HTTPRequest.requestRaw` takes as a body: bytes, a {@link RequestBody}, an open
 * `FileHandle`, or a stream (sent chunked, as its length is unknown).
 */
export type RequestBodyInit = Uint8Array | RequestBody | FileHandle | BodyStream;

/** Options of {@link RequestBody.file}. */
export interface FileBodyOptions {
  /** First byte of the file to send (default 0). */
  start?: number;
  /** Bytes to send from `start` (default: to the end of the file, as it is when the request starts). */
  length?: number;
}

/** Options of {@link RequestBody.stream}. */
export interface StreamBodyOptions {
  /**
   * The stream's exact length in bytes, sent as `Content-Length`; unknown (the default) sends the
   * body chunked. A stream that gives more or fewer bytes fails the request.
   */
  length?: number;
}

/**
 * A request body read as it is sent — a file or a stream — so a body of any size costs a few MiB
 * of memory, never its size. A file is sent with `Content-Length` and can be sent again (a 307/308
 * redirect, a retry on a fresh connection, a 417 answered to `Expect: 100-continue`); a stream is
 * sent chunked unless its length is given, and once — unless it is given as a function that opens
 * it ({@link BodyStreamFactory}), which is called again for each sending. {@link RequestBody.replayable}
 * tells which.
 *
 * @example
 * ```ts
 * import { HTTPRequest, RequestBody } from '@gdhttp/request';
 * import { Method } from '@gdhttp/constants';
 *
 * const http = new HTTPRequest();
 * http.on('upload_progress', ({ uploadedBytes, uploadSize }) => console.log(uploadedBytes, uploadSize));
 * const body = RequestBody.file('/var/backups/big.tar');
 * const { result, responseCode } = await http.requestRaw('http://127.0.0.1:8080/up', [], Method.PUT, body);
 * ```
 */
export class RequestBody {
  /** Where the bytes come from: a path, an open file, a stream, or a function opening one. */
  readonly source: string | FileHandle | BodyStream | BodyStreamFactory;
  /** First byte of a file; 0 for a stream. */
  readonly start: number;
  /** The length when given (a file's is found when the request starts); -1 when unknown. */
  readonly length: number;

  private constructor(
    source: string | FileHandle | BodyStream | BodyStreamFactory,
    start: number,
    length: number,
  ) {
    this.source = source;
    this.start = start;
    this.length = length;
  }

  /**
   * Whether the body can be sent more than once: a file (path or `FileHandle`, read at positions)
   * or a stream given as a function, yes; a stream object, no — after a part of it was sent, a
   * 307/308 redirect ends with `Result.REQUEST_FAILED` and no retry is made.
   */
  get replayable(): boolean {
    return (
      typeof this.source === 'string' ||
      typeof this.source === 'function' ||
      isFileHandle(this.source)
    );
  }

  /**
   * A file's bytes, read as they are sent. A path is opened when the request starts and closed
   * when it ends; a `FileHandle` stays the caller's (read at positions, never closed here).
   *
   * @param file - a path or an open `FileHandle`.
   * @param options - `start` and `length` to send a range of the file.
   * @returns the body, or `null` for a `start`/`length` that is not a non-negative integer.
   */
  static file(file: string | FileHandle, options: FileBodyOptions = {}): RequestBody | null {
    const { start = 0, length = -1 } = options;
    if (!Number.isSafeInteger(start) || start < 0) return null;
    if (!Number.isSafeInteger(length) || length < -1) return null;
    if (typeof file !== 'string' && !isFileHandle(file)) return null;
    return new RequestBody(file, start, length);
  }

  /**
   * A stream's bytes: a Node `Readable`, a Web `ReadableStream`, or any async iterable of bytes
   * (strings are sent as UTF-8). Read only as fast as the connection takes it.
   *
   * @example
   * ```ts
   * // Sent once: a 307/308 after it ends with Result.REQUEST_FAILED.
   * RequestBody.stream(createReadStream('/tmp/log.txt'));
   * // Opened again for each sending, so a 307/308 or a retry sends it whole again.
   * RequestBody.stream(() => createReadStream('/tmp/log.txt'), { length: size });
   * ```
   * @param stream - the source, read once and released (`destroy()`/`return()`/`cancel()`) when
   *   the request ends before it does; or a function returning a new stream each time it is
   *   called (once per sending), which makes the body re-sendable.
   * @param options - `length` when known, for `Content-Length` instead of chunked.
   * @returns the body, or `null` when `stream` is neither a stream nor a function, or `length` is
   *   not an integer ≥ 0.
   */
  static stream(
    stream: BodyStream | BodyStreamFactory,
    options: StreamBodyOptions = {},
  ): RequestBody | null {
    const { length = -1 } = options ?? {};
    if (!Number.isSafeInteger(length) || length < -1) return null;
    if (typeof stream !== 'function' && !isBodyStream(stream)) return null;
    return new RequestBody(stream, 0, length);
  }
}

/** Whether `value` is an open `node:fs/promises` FileHandle (duck-typed: it crosses realms). */
export function isFileHandle(value: unknown): value is FileHandle {
  const v = value as FileHandle | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.fd === 'number' &&
    typeof v.read === 'function' &&
    typeof v.stat === 'function'
  );
}

/** Whether `value` is a stream a body can be read from. */
export function isBodyStream(value: unknown): value is BodyStream {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return false;
  return (
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' ||
    typeof (value as ReadableStream).getReader === 'function'
  );
}
