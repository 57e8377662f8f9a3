// Where the final response's body goes — memory, the download file, or the caller's onBody —
// behind one interface, so HTTPRequest's body step reads, decodes and limits the body the same
// way whatever its destination. A new destination (an async iterator, a Web stream, a file
// appended to when a download resumes) is one more class here, not one more branch in the loop.
import { Result } from '@gdhttp/constants';
import { BodyCollector } from './body-collector.js';
import { DownloadFile } from './download-file.js';

const EMPTY = new Uint8Array(0);

/** The destination of a response body. */
export interface BodySink {
  /**
   * Takes the next piece of the body (decoded, when a coding is undone). A returned promise is
   * awaited before more is read, so a slow destination slows the download instead of filling
   * memory. Throws or rejects only with the caller's own error (`onBody`'s), which rejects the
   * request; the sink's own failures are reported by {@link BodySink.failure}.
   */
  write(piece: Uint8Array): PromiseLike<void> | undefined;
  /** The Result a failed write ends the request with (`DOWNLOAD_FILE_WRITE_ERROR`), else null. */
  readonly failure: Result | null;
  /**
   * The body is complete: resolves with the result's `body` (empty unless it was kept in
   * memory), or with the Result the request ends with when the body cannot be put in place.
   */
  end(): Uint8Array | Result | Promise<Uint8Array | Result>;
  /**
   * The request ended before the body did: drops what this sink must not leave (a partial
   * download). Returns a promise when that takes I/O, which settles once it is done.
   */
  discard(): Promise<void> | null;
}

/**
 * Keeps the body in memory, for the result's `body`, at a cost proportional to its bytes (see
 * {@link BodyCollector}).
 */
export class MemorySink implements BodySink {
  readonly #collector: BodyCollector;
  readonly failure = null;
  /**
   * Whether every piece is copied, so pieces may be transient views (read buffers reused after
   * the next read): with a known length each is copied into the body's one array anyway.
   */
  readonly copies: boolean;

  /** @param expectedLength - the body's exact length when known (Content-Length, not decoded), else -1. */
  constructor(expectedLength: number) {
    this.copies = expectedLength > 0;
    this.#collector = new BodyCollector(expectedLength, this.copies);
  }

  write(piece: Uint8Array): undefined {
    this.#collector.add(piece);
    return undefined;
  }

  end(): Uint8Array {
    return this.#collector.take();
  }

  discard(): null {
    return null;
  }
}

/** Hands each piece to the caller's `onBody`; the result's `body` stays empty. */
export class CallbackSink implements BodySink {
  readonly #onBody: (chunk: Uint8Array) => void | Promise<void>;
  readonly failure = null;

  /** @param onBody - the request's `onBody` option. */
  constructor(onBody: (chunk: Uint8Array) => void | Promise<void>) {
    this.#onBody = onBody;
  }

  write(piece: Uint8Array): PromiseLike<void> | undefined {
    return this.#onBody(piece) ?? undefined;
  }

  end(): Uint8Array {
    return EMPTY;
  }

  discard(): null {
    return null;
  }
}

/**
 * Writes the body to `downloadFile` through a {@link DownloadFile}: in place for a device or a
 * FIFO, otherwise into a temporary file renamed over the target by {@link FileSink.end}.
 */
export class FileSink implements BodySink {
  readonly #file: DownloadFile;
  #error: Error | null = null;

  private constructor(file: DownloadFile) {
    this.#file = file;
  }

  /**
   * Opens the destination before the body is read, as Godot opens its file when the body starts.
   *
   * @param path - the `downloadFile` path.
   * @returns the sink, or the error that is Godot's `RESULT_DOWNLOAD_FILE_CANT_OPEN`.
   */
  static async open(path: string): Promise<FileSink | Error> {
    const file = await DownloadFile.open(path);
    return file instanceof Error ? file : new FileSink(file);
  }

  get failure(): Result | null {
    return this.#error === null ? null : Result.DOWNLOAD_FILE_WRITE_ERROR;
  }

  write(piece: Uint8Array): Promise<void> {
    return this.#file.write(piece).then((error) => {
      this.#error ??= error;
    });
  }

  async end(): Promise<Uint8Array | Result> {
    return (await this.#file.commit()) === null ? EMPTY : Result.DOWNLOAD_FILE_WRITE_ERROR;
  }

  discard(): Promise<void> {
    return this.#file.abort();
  }
}
