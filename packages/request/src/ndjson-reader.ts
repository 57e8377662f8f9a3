// Newline-delimited JSON (NDJSON / JSON Lines) read from a stream of byte pieces, such as an
// HTTPRequest.requestStream body. Lines are found in the bytes (an LF byte never occurs inside a
// UTF-8 sequence), so a line inside one piece is decoded from a view of it without a copy; only a
// line split across pieces is joined. A line's length is bounded, so a server that never sends
// a newline cannot fill memory.
import { ErrorCode } from '@gdhttp/constants';
import { HTTPRequestError } from './internal/request-types.js';

/** Options of {@link NdjsonReader}. */
export interface NdjsonReaderOptions {
  /** Bytes one line may have, its line end excluded (default 1 MiB); past it the iteration throws. */
  maxLineLength?: number;
  /** Passed to `JSON.parse` for every line. */
  reviver?: (this: unknown, key: string, value: unknown) => unknown;
}

const LF = 0x0a;
const CR = 0x0d;
const DEFAULT_MAX_LINE = 1024 * 1024;

/**
 * Reads newline-delimited JSON: one value per line, lines ended by LF or CRLF, split anywhere
 * across the source's pieces; blank lines are skipped, a last line without a line end is read.
 * A line that is not JSON throws an `HTTPRequestError` with `PARSE_ERROR` (the `SyntaxError` as
 * its `cause`, the line number in the message); a line longer than `maxLineLength` throws with
 * `INVALID_DATA`. Leaving the loop early (or an error) releases the source — for a
 * `ResponseStream`, that closes the connection. The source's pieces are kept until their line
 * ends, so they must not be reused by it (a `ResponseStream`'s never are). Misuse (a source that
 * is not an async iterable, a bad option, iterating twice) rejects with `INVALID_PARAMETER`.
 *
 * @example
 * ```ts
 * import { HTTPRequest, NdjsonReader } from '@gdhttp/request';
 *
 * const http = new HTTPRequest();
 * const { body } = await http.requestStream('http://127.0.0.1:8080/logs.ndjson');
 * for await (const record of new NdjsonReader<{ level: string }>(body)) console.log(record.level);
 * ```
 */
export class NdjsonReader<T = unknown> implements AsyncIterable<T> {
  readonly #source: AsyncIterable<Uint8Array>;
  readonly #options: NdjsonReaderOptions;
  #taken = false;

  /**
   * @param source - byte pieces: a `ResponseStream`, a Node `Readable`, any async iterable.
   * @param options - `maxLineLength`, `reviver`.
   */
  constructor(source: AsyncIterable<Uint8Array>, options: NdjsonReaderOptions = {}) {
    this.#source = source;
    this.#options = options ?? {};
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    const source = this.#source as Partial<AsyncIterable<Uint8Array>> | null;
    const { maxLineLength = DEFAULT_MAX_LINE, reviver } = this.#options;
    let misuse: string | null = null;
    if (this.#taken) misuse = 'an NdjsonReader is iterated once';
    else if (typeof source?.[Symbol.asyncIterator] !== 'function') {
      misuse = 'an NdjsonReader reads an async iterable of bytes';
    } else if (!Number.isSafeInteger(maxLineLength) || maxLineLength <= 0) {
      misuse = 'maxLineLength must be an integer > 0';
    } else if (reviver !== undefined && typeof reviver !== 'function') {
      misuse = 'reviver must be a function';
    }
    if (misuse !== null) throw new HTTPRequestError(misuse, ErrorCode.INVALID_PARAMETER);
    this.#taken = true;
    const decoder = new TextDecoder();
    /** The start of a line that began in earlier pieces, and its length. */
    let parts: Uint8Array[] = [];
    let partLength = 0;
    let lineNumber = 0;
    const tooLong = () =>
      new HTTPRequestError(
        `NDJSON line ${lineNumber + 1} is longer than ${maxLineLength} bytes`,
        ErrorCode.INVALID_DATA,
      );
    const parse = (line: Uint8Array): { value: T } | null => {
      lineNumber++;
      let end = line.length;
      if (end > 0 && line[end - 1] === CR) end--;
      if (isBlank(line, end)) return null;
      const text = decoder.decode(end === line.length ? line : line.subarray(0, end));
      try {
        return { value: JSON.parse(text, reviver) as T };
      } catch (cause) {
        throw new HTTPRequestError(`NDJSON line ${lineNumber} is not JSON`, ErrorCode.PARSE_ERROR, {
          cause,
        });
      }
    };
    for await (const piece of source as AsyncIterable<Uint8Array>) {
      if (!(piece instanceof Uint8Array)) {
        throw new HTTPRequestError(
          'an NdjsonReader source gave a piece that is not bytes',
          ErrorCode.INVALID_PARAMETER,
        );
      }
      let start = 0;
      for (;;) {
        const lf = piece.indexOf(LF, start);
        if (lf < 0) break;
        let line: Uint8Array;
        if (partLength === 0) {
          line = piece.subarray(start, lf);
        } else {
          line = join(parts, partLength, piece.subarray(start, lf));
          parts = [];
          partLength = 0;
        }
        // The CR of a CRLF is not part of the line's length.
        if (line.length - (line[line.length - 1] === CR ? 1 : 0) > maxLineLength) throw tooLong();
        start = lf + 1;
        const parsed = parse(line);
        if (parsed !== null) yield parsed.value;
      }
      if (start < piece.length) {
        partLength += piece.length - start;
        // One byte of slack: the CR of a CRLF whose LF has not arrived yet.
        if (partLength > maxLineLength + 1) throw tooLong();
        parts.push(start === 0 ? piece : piece.subarray(start));
      }
    }
    if (partLength > 0) {
      const line = join(parts, partLength, null);
      if (line.length > maxLineLength) throw tooLong();
      const parsed = parse(line);
      if (parsed !== null) yield parsed.value;
    }
  }
}

/** The pieces of a line and its last part, as one array (the only copy a line costs). */
function join(parts: readonly Uint8Array[], length: number, last: Uint8Array | null): Uint8Array {
  const line = new Uint8Array(length + (last?.length ?? 0));
  let at = 0;
  for (const part of parts) {
    line.set(part, at);
    at += part.length;
  }
  if (last !== null) line.set(last, at);
  return line;
}

/** Whether `line[0, end)` is only JSON whitespace (space, tab, CR). */
function isBlank(line: Uint8Array, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const b = line[i];
    if (b !== 0x20 && b !== 0x09 && b !== CR) return false;
  }
  return true;
}
