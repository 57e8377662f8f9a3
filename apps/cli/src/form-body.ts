/**
 * The `multipart/form-data` body of `-F`, laid out byte for byte as curl 7.88 sends it
 * (lib/mime.c): a part's head is its `Content-Disposition` (name and filename with `"`, CR and LF
 * escaped as `%22`, `%0D`, `%0A`), its `Content-Type` when it has one, its `;headers=`; the bytes
 * follow as they are. Files are measured now and read only while the body is sent, so a large
 * file costs a few pieces of memory; stdin is read now, as curl reads it, so that the body has a
 * length. `@gdhttp/request`'s MultipartForm builds browsers' forms (the HTML algorithm: line
 * breaks in values normalised to CRLF, no `Content-Type` on text, no field read from a file), so
 * curl's form is laid out here instead, and sent through the same streamed request body.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Exit, Failure } from './exit-codes.js';
import { type FormPart, partContentType } from './form-part.js';

/** A form ready to send: its `Content-Type` and length, and a new reading of it on demand. */
export interface FormBody {
  /** `multipart/form-data; boundary=…`. */
  contentType: string;
  /** The boundary alone (for a `Content-Type` given with `-H`). */
  boundary: string;
  /** Bytes in the body. */
  length: number;
  /**
   * The body's bytes from the start, reading the files again: a retry or a 307/308 sends the
   * body whole once more.
   */
  open(): AsyncGenerator<Uint8Array, void, undefined>;
}

/** A piece of the body: bytes, or a file read when sent. */
type Segment = Uint8Array | { path: string; size: number };

const encoder = new TextEncoder();

/**
 * Lays out the form, checking every file can be read and measuring it.
 *
 * @param parts - the `-F` parts, in command-line order.
 * @param cwd - where relative paths start.
 * @param readStdin - reads standard input (for `@-` and `<-`).
 * @param disposition - `form-data`, or `attachment` when `-H` made the body another
 *   `multipart/…` type (curl's rule: only a form's parts are `form-data`).
 * @returns the body.
 * @throws {@link Failure} with exit 26 for a file that cannot be read, as curl.
 */
export async function formBody(
  parts: readonly FormPart[],
  cwd: string,
  readStdin: () => Promise<Uint8Array>,
  disposition: 'form-data' | 'attachment' = 'form-data',
): Promise<FormBody> {
  // curl's layout, 24 dashes and 16 random hex digits (64 bits), so that a form has curl's
  // length to the byte.
  const boundary = `------------------------${randomBytes(8).toString('hex')}`;
  const segments: Segment[] = [];
  let text = '';
  const flush = (): void => {
    if (text !== '') segments.push(encoder.encode(text));
    text = '';
  };
  for (const part of parts) {
    text += `--${boundary}\r\nContent-Disposition: ${disposition}; name="${escapeName(part.name)}"`;
    if (part.filename !== null) text += `; filename="${escapeName(part.filename)}"`;
    text += '\r\n';
    const type = partContentType(part);
    if (type !== null) text += `Content-Type: ${type}\r\n`;
    for (const line of part.headers) text += `${line}\r\n`;
    text += '\r\n';
    if (part.kind === 'text') {
      text += part.value;
    } else if (part.value === '-') {
      flush();
      segments.push(await readStdin());
    } else {
      flush();
      const path = resolve(cwd, part.value);
      segments.push({ path, size: await readableSize(path, part.value) });
    }
    text += '\r\n';
  }
  text += `--${boundary}--\r\n`;
  flush();
  const length = segments.reduce(
    (sum, s) => sum + (s instanceof Uint8Array ? s.length : s.size),
    0,
  );
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    boundary,
    length,
    open: () => read(segments),
  };
}

/** The body's pieces in order, each file streamed as the connection takes it. */
async function* read(segments: readonly Segment[]): AsyncGenerator<Uint8Array, void, undefined> {
  for (const segment of segments) {
    if (segment instanceof Uint8Array) {
      if (segment.length > 0) yield segment;
    } else {
      for await (const piece of createReadStream(segment.path)) yield piece as Buffer;
    }
  }
}

/** The size of a file that can be opened for reading; a Failure (exit 26) otherwise. */
async function readableSize(path: string, shown: string): Promise<number> {
  try {
    const handle = await open(path, 'r');
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
      return info.size;
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new Failure(
      `cannot read '${shown}' (${(error as NodeJS.ErrnoException).code})`,
      Exit.READ_ERROR,
    );
  }
}

/** curl's form escaping of names and filenames (and the HTML one): `"` CR LF as `%22` `%0D` `%0A`. */
function escapeName(text: string): string {
  return text.replace(/["\r\n]/g, (c) => (c === '"' ? '%22' : c === '\r' ? '%0D' : '%0A'));
}
