// HTTPRequest.downloadFile's writer. Godot truncates the target as the body starts and leaves a
// partial file on failure (godot-spec.md §3.8); we write to a temporary name beside the target and
// rename it over the target only once the body is complete, so a file at the target path is
// always a whole download.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, type FileHandle, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A download in progress: bytes go to a hidden `.part` file until {@link DownloadFile.commit}. */
export class DownloadFile {
  readonly #target: string;
  readonly #temp: string;
  #handle: FileHandle | null;
  #written = 0;
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(target: string, temp: string, handle: FileHandle) {
    this.#target = target;
    this.#temp = temp;
    this.#handle = handle;
  }

  /**
   * Creates the temporary file beside `target`.
   *
   * @returns the writer, or the error when the target could not be opened for writing (a
   *   directory, a file without write permission) or the directory cannot take a new file:
   *   Godot's `RESULT_DOWNLOAD_FILE_CANT_OPEN`, found before the body is read as Godot does.
   */
  static async open(target: string): Promise<DownloadFile | Error> {
    try {
      if ((await stat(target)).isDirectory()) {
        return Object.assign(new Error(`EISDIR: ${target} is a directory`), { code: 'EISDIR' });
      }
      await access(target, constants.W_OK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return error as Error;
    }
    const temp = join(
      dirname(target),
      `.${basename(target)}.${randomBytes(4).toString('hex')}.part`,
    );
    try {
      // 'wx': never follow or reuse a file someone placed at the temporary name.
      return new DownloadFile(target, temp, await open(temp, 'wx'));
    } catch (error) {
      return error as Error;
    }
  }

  /** Bytes written so far. */
  get bytesWritten(): number {
    return this.#written;
  }

  /** The temporary file's path (for tests and diagnostics). */
  get tempPath(): string {
    return this.#temp;
  }

  /**
   * Appends `chunk` after every earlier write (calls may overlap; the bytes land in call order).
   * Resolves with the error instead of throwing (`RESULT_DOWNLOAD_FILE_WRITE_ERROR`).
   */
  write(chunk: Uint8Array): Promise<Error | null> {
    const done = this.#tail.then(() => this.#writeNow(chunk));
    this.#tail = done;
    return done;
  }

  async #writeNow(chunk: Uint8Array): Promise<Error | null> {
    if (this.#handle === null) return new Error('download file is closed');
    try {
      let at = 0;
      while (at < chunk.length) {
        const { bytesWritten } = await this.#handle.write(chunk, at, chunk.length - at);
        at += bytesWritten;
      }
      this.#written += chunk.length;
      return null;
    } catch (error) {
      return error as Error;
    }
  }

  /** Closes the file and renames it over the target; on failure the temporary file is removed. */
  async commit(): Promise<Error | null> {
    const handle = this.#handle;
    this.#handle = null;
    try {
      await handle?.close();
      await rename(this.#temp, this.#target);
      return null;
    } catch (error) {
      await unlink(this.#temp).catch(() => {});
      return error as Error;
    }
  }

  /** Closes and deletes the temporary file; the target is left as it was. Safe to call twice. */
  async abort(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    if (handle === null) return;
    await handle.close().catch(() => {});
    await unlink(this.#temp).catch(() => {});
  }
}
