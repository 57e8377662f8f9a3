// HTTPRequest.downloadFile's writer. Godot's HTTPRequest opens download_file for writing
// (truncating it) when the body starts, and its releases leave the partial file behind a failed
// or cancelled download (scene/main/http_request.cpp). For a regular file we write to a temporary
// name beside the target instead and rename it over the target only once the body is complete, so
// a file at the target path is always a whole download.
//
// A rename replaces the directory entry, whatever it was: renamed over `/dev/null` (as root) it
// put a regular file where the null device was, and renamed over a symlink it put the file where
// the link was. So the target's symlinks are followed first (the file they lead to is the one
// replaced), and a target that exists but is not a regular file (a character or block device, a
// FIFO) is written in place, as curl -o and a shell's `>` do: no temporary file, no rename, and
// nothing deleted on failure (bytes written to a device or a pipe cannot be taken back).
import { constants, type Stats } from 'node:fs';
import { access, type FileHandle, lstat, open, readlink, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** Symlinks followed before giving up with ELOOP, as Linux's path resolution does (40). */
const MAX_LINKS = 40;

/**
 * A download in progress: bytes go to a hidden `.part` file until {@link DownloadFile.commit}
 * renames it over the target, or straight into the target when it is a device or a FIFO.
 */
export class DownloadFile {
  /** The path the download replaces (symlinks followed), or `null` when written in place. */
  readonly #target: string | null;
  /** The path written to: the temporary file, or the target itself when written in place. */
  readonly #path: string;
  #handle: FileHandle | null;
  #written = 0;
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(target: string | null, path: string, handle: FileHandle) {
    this.#target = target;
    this.#path = path;
    this.#handle = handle;
  }

  /**
   * Opens the download's destination: a new temporary file beside `target` (beside the file a
   * symlink at `target` leads to), or `target` itself when it is a device or a FIFO. Opening a
   * FIFO waits until a reader opens it, as a shell's `>` does.
   *
   * @param target - the `downloadFile` path.
   * @returns the writer, or the error when the target could not be opened for writing (a
   *   directory, a file without write permission, a socket, a symlink loop) or the directory
   *   cannot take a new file: Godot's `RESULT_DOWNLOAD_FILE_CANT_OPEN`, found before the body is
   *   read as Godot does.
   */
  static async open(target: string): Promise<DownloadFile | Error> {
    const found = await followLinks(target);
    if (found instanceof Error) return found;
    const { path, stats } = found;
    try {
      if (stats?.isDirectory()) {
        return Object.assign(new Error(`EISDIR: ${target} is a directory, not a file`), {
          code: 'EISDIR',
        });
      }
      if (stats !== null && !stats.isFile()) {
        // No O_CREAT: a device that vanished since the lstat must not come back as a file.
        // A socket cannot be opened (ENXIO): CANT_OPEN, and the socket stays.
        return new DownloadFile(null, path, await open(path, constants.O_WRONLY));
      }
      if (stats !== null) await access(path, constants.W_OK);
      const tag = process.getBuiltinModule('node:crypto').randomBytes(4).toString('hex');
      const temp = join(dirname(path), `.${basename(path)}.${tag}.part`);
      // 'wx': never follow or reuse a file someone placed at the temporary name.
      return new DownloadFile(path, temp, await open(temp, 'wx'));
    } catch (error) {
      return error as Error;
    }
  }

  /** Bytes written so far. */
  get bytesWritten(): number {
    return this.#written;
  }

  /**
   * The path written to (for tests and diagnostics): the temporary file, or the target itself
   * when {@link DownloadFile.inPlace}.
   */
  get tempPath(): string {
    return this.#path;
  }

  /** Whether the bytes go straight into the target (a device or a FIFO) rather than a temporary file. */
  get inPlace(): boolean {
    return this.#target === null;
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

  /**
   * Closes the file and renames it over the target (a target written in place is only closed);
   * on failure the temporary file is removed.
   */
  async commit(): Promise<Error | null> {
    const handle = this.#handle;
    this.#handle = null;
    try {
      await handle?.close();
      if (this.#target !== null) await rename(this.#path, this.#target);
      return null;
    } catch (error) {
      if (this.#target !== null) await unlink(this.#path).catch(() => {});
      return error as Error;
    }
  }

  /**
   * Closes and deletes the temporary file; the target is left as it was (a target written in
   * place is only closed). Safe to call twice.
   */
  async abort(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    if (handle === null) return;
    await handle.close().catch(() => {});
    if (this.#target !== null) await unlink(this.#path).catch(() => {});
  }
}

/**
 * Follows the symlinks at the end of `path` to what they lead to: its path, and its stats, or
 * `null` when nothing is there yet (a dangling link leads to the file it names, which the
 * download creates, as writing through the link would). Symlinks among the parent directories
 * need no following: a rename resolves them itself.
 */
async function followLinks(path: string): Promise<{ path: string; stats: Stats | null } | Error> {
  let current = path;
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    let stats: Stats;
    try {
      stats = await lstat(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { path: current, stats: null };
      return error as Error;
    }
    if (!stats.isSymbolicLink()) return { path: current, stats };
    try {
      current = resolve(dirname(current), await readlink(current));
    } catch (error) {
      return error as Error;
    }
  }
  return Object.assign(new Error(`ELOOP: too many symbolic links at ${path}`), { code: 'ELOOP' });
}
