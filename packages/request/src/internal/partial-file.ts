// The download file when a partial download is kept (`keepPartialDownload`) or continued
// (`appendToDownloadFile`): written in place, as Godot writes download_file, so whatever arrived
// before a failure, a cancel or a crash is in the file; and the validator of the representation it
// belongs to saved beside it (`.<name>.gdhttp-resume`), so the next request can ask for the rest
// with If-Range. Without these options HTTPRequest uses FileSink (internal/body-sink.ts): a
// temporary file renamed over the target, never a partial file at the target.
import { constants } from 'node:fs';
import { type FileHandle, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Result } from '@gdhttp/constants';
import type { BodySink } from './body-sink.js';
import type { Representation } from './resume.js';

const EMPTY = new Uint8Array(0);

/** The file beside `path` that holds its validator: `.<name>.gdhttp-resume`. */
export function sidecarPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.gdhttp-resume`);
}

/** A partial download on disk: its size, and the representation it was saved from (if known). */
export interface PartialDownload extends Representation {
  size: number;
}

/**
 * The download file's size and saved validator, when it is a regular file (symlinks followed) that
 * a range request could continue; `null` when there is none, it is empty, or it is not a regular
 * file (a device or a FIFO is written as it comes, never continued).
 *
 * @param path - the `downloadFile` path.
 */
export async function readPartial(path: string): Promise<PartialDownload | null> {
  try {
    const stats = await stat(path);
    if (!stats.isFile() || stats.size === 0) return null;
    const saved = await readSidecar(path);
    // A validator saved for a shorter representation than the file (the file was replaced since)
    // would vouch for bytes it never saw: the range is then asked for unguarded, as curl -C - does.
    const matches = saved !== null && (saved.length < 0 || saved.length >= stats.size);
    return {
      size: stats.size,
      validator: matches ? saved.validator : null,
      length: matches ? saved.length : -1,
    };
  } catch {
    return null;
  }
}

async function readSidecar(path: string): Promise<Representation | null> {
  try {
    const data = JSON.parse(await readFile(sidecarPath(path), 'utf8')) as Partial<Representation>;
    if (typeof data.validator !== 'string' && data.validator !== null) return null;
    return {
      validator: data.validator ?? null,
      length: typeof data.length === 'number' ? data.length : -1,
    };
  } catch {
    return null;
  }
}

/**
 * Whether the download file can be written in place and kept partial: a regular file (symlinks
 * followed) or nothing yet. A device or a FIFO is left to FileSink, which writes it as it comes.
 *
 * @param path - the `downloadFile` path.
 */
export async function canWriteInPlace(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Removes the validator saved beside `path`, if any. */
export function removeSidecar(path: string): Promise<void> {
  return rm(sidecarPath(path), { force: true }).catch(() => {});
}

/** How a {@link PartialFileSink} opens the download file. */
export interface PartialFileOptions {
  /**
   * Where the body's first byte goes: 0 truncates the file (a fresh download), N keeps its first N
   * bytes and writes after them (a 206 continuing them).
   */
  offset: number;
  /**
   * `keepPartialDownload`: a failed or cancelled download leaves its bytes (and the validator
   * beside them). Otherwise the file is put back as it was: cut back to `offset`.
   */
  keep: boolean;
  /** The representation the bytes belong to, saved beside the file while it is partial. */
  representation: Representation;
}

/**
 * Writes the body into the download file itself, from an offset; see the file's comment.
 */
export class PartialFileSink implements BodySink {
  readonly #path: string;
  readonly #options: PartialFileOptions;
  #handle: FileHandle | null;
  #position: number;
  #error: Error | null = null;
  #tail: Promise<void> = Promise.resolve();

  private constructor(path: string, handle: FileHandle, options: PartialFileOptions) {
    this.#path = path;
    this.#handle = handle;
    this.#options = options;
    this.#position = options.offset;
  }

  /**
   * Opens the download file (created when missing) and, when it keeps partial bytes, saves the
   * validator beside it before a byte of the body is written.
   *
   * @param path - the `downloadFile` path.
   * @param options - offset, keep, representation.
   * @returns the sink, or the error that is `DOWNLOAD_FILE_CANT_OPEN`.
   */
  static async open(path: string, options: PartialFileOptions): Promise<PartialFileSink | Error> {
    let handle: FileHandle | null = null;
    try {
      handle = await open(path, constants.O_WRONLY | constants.O_CREAT);
      await handle.truncate(options.offset);
      const { validator, length } = options.representation;
      if (options.keep && validator !== null) {
        await writeFile(sidecarPath(path), `${JSON.stringify({ validator, length })}\n`);
      } else {
        await removeSidecar(path);
      }
      return new PartialFileSink(path, handle, options);
    } catch (error) {
      await handle?.close().catch(() => {});
      return error as Error;
    }
  }

  get failure(): Result | null {
    return this.#error === null ? null : Result.DOWNLOAD_FILE_WRITE_ERROR;
  }

  write(piece: Uint8Array): Promise<void> {
    // Pieces may be views of buffers the next read reuses: each is written before the next read.
    this.#tail = this.#tail.then(() => this.#writeNow(piece));
    return this.#tail;
  }

  async #writeNow(piece: Uint8Array): Promise<void> {
    const handle = this.#handle;
    if (handle === null || this.#error !== null) return;
    try {
      let at = 0;
      while (at < piece.length) {
        const { bytesWritten } = await handle.write(piece, at, piece.length - at, this.#position);
        at += bytesWritten;
        this.#position += bytesWritten;
      }
    } catch (error) {
      this.#error = error as Error;
    }
  }

  /** The download is whole: the file is closed and the validator beside it removed. */
  async end(): Promise<Uint8Array | Result> {
    await this.#tail;
    const handle = this.#handle;
    this.#handle = null;
    try {
      await handle?.close();
    } catch {
      return Result.DOWNLOAD_FILE_WRITE_ERROR;
    }
    await removeSidecar(this.#path);
    return this.#error === null ? EMPTY : Result.DOWNLOAD_FILE_WRITE_ERROR;
  }

  /**
   * The download stopped short: the bytes stay (`keep`), or the file is cut back to what it held
   * before. Safe to call twice.
   */
  async discard(): Promise<void> {
    await this.#tail;
    const handle = this.#handle;
    this.#handle = null;
    if (handle === null) return;
    if (!this.#options.keep) await handle.truncate(this.#options.offset).catch(() => {});
    await handle.close().catch(() => {});
    if (!this.#options.keep && this.#options.offset === 0) {
      await rm(this.#path, { force: true }).catch(() => {});
    }
  }
}
