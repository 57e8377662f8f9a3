/**
 * The `multipart/form-data` body of `-F`, laid out byte for byte as curl 7.88 sends it
 * (lib/mime.c): a part's head is its `Content-Disposition` (name and filename with `"`, CR and LF
 * escaped as `%22`, `%0D`, `%0A`; none when `;headers=` gives one), its `Content-Type` when it
 * has one (a `Content-Type` among `;headers=` sets it and is not repeated), its other `;headers=`
 * lines; the bytes follow as they are. `name=@a,b` is a `multipart/mixed` part with a boundary of
 * its own and an `attachment` part per file. Files are measured now and read only while the body is sent, so a large
 * file costs a few pieces of memory; stdin is read now, as curl reads it, so that the body has a
 * length. `@gdhttp/request`'s MultipartForm builds browsers' forms (the HTML algorithm: line
 * breaks in values normalised to CRLF, no `Content-Type` on text, no field read from a file), so
 * curl's form is laid out here instead, and sent through the same streamed request body.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Exit, Failure } from './exit-codes.js';
import { type FormPart, type PartHeader, partContentType, partHeaderValue } from './form-part.js';

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
 * @param warn - told about a `;headers=@file` that cannot be read: curl warns and sends the part
 *   without those lines.
 * @returns the body.
 * @throws {@link Failure} with exit 26 for a file that cannot be read, as curl.
 */
export async function formBody(
  parts: readonly FormPart[],
  cwd: string,
  readStdin: () => Promise<Uint8Array>,
  disposition: 'form-data' | 'attachment' = 'form-data',
  warn: (message: string) => void = () => {},
): Promise<FormBody> {
  const boundary = newBoundary();
  const segments: Segment[] = [];
  let text = '';
  const flush = (): void => {
    if (text !== '') segments.push(encoder.encode(text));
    text = '';
  };
  /** One part: `--boundary`, its head, its bytes and the CRLF that ends it. */
  const layOut = async (part: FormPart, within: string, kind: string): Promise<void> => {
    const lines = await headerLines(part.headers, cwd, warn);
    text += `--${within}\r\n`;
    if (partHeaderValue(lines, 'Content-Disposition') === null) {
      text += `Content-Disposition: ${kind}`;
      if (part.name !== '') text += `; name="${escapeName(part.name)}"`;
      if (part.filename !== null) text += `; filename="${escapeName(part.filename)}"`;
      text += '\r\n';
    }
    const inner = part.kind === 'files' ? newBoundary() : '';
    const type =
      part.kind === 'files' ? `multipart/mixed; boundary=${inner}` : partContentType(part, lines);
    if (type !== null) text += `Content-Type: ${type}\r\n`;
    // A Content-Type line among them went into the one above (curl never repeats it).
    for (const line of lines) {
      if (partHeaderValue([line], 'Content-Type') === null) text += `${line}\r\n`;
    }
    text += '\r\n';
    if (part.kind === 'files') {
      // The files of a multipart/mixed part are attachments, named by their filename only.
      for (const file of part.files ?? []) await layOut(file, inner, 'attachment');
      text += `--${inner}--\r\n`;
    } else if (part.kind === 'text') {
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
  };
  for (const part of parts) await layOut(part, boundary, disposition);
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

/**
 * curl's layout, 24 dashes and 16 random hex digits (64 bits), so that a form has curl's length
 * to the byte.
 */
function newBoundary(): string {
  return `------------------------${randomBytes(8).toString('hex')}`;
}

/** A part's `;headers=` lines, header files read; a file that cannot be read is skipped. */
async function headerLines(
  headers: readonly PartHeader[],
  cwd: string,
  warn: (message: string) => void,
): Promise<string[]> {
  const lines: string[] = [];
  for (const header of headers) {
    if (typeof header === 'string') {
      lines.push(header);
      continue;
    }
    let content: string;
    try {
      content = await readFile(resolve(cwd, header.file), 'utf8');
    } catch (error) {
      warn(
        `cannot read part headers from '${header.file}' (${(error as NodeJS.ErrnoException).code})`,
      );
      continue;
    }
    lines.push(...headerFileLines(content));
  }
  return lines;
}

/**
 * The header lines of a `;headers=@file`, read as curl's read_field_headers reads them: CR is
 * ignored; a line starting with a space or tab continues the header before it; a line starting
 * with `#` is a comment; trailing spaces go; empty lines are skipped; a header is cut at 998
 * characters.
 *
 * @param content - the file's text.
 * @returns the header lines.
 */
export function headerFileLines(content: string): string[] {
  const lines: string[] = [];
  let current = '';
  const push = (): void => {
    const line = current.replace(/\s+$/, '');
    if (line !== '') lines.push(line);
    current = '';
  };
  for (const raw of content.replace(/\r/g, '').split('\n')) {
    if (raw === '') continue;
    if (!/^\s/.test(raw)) push();
    if (raw.startsWith('#')) continue;
    current = (current + raw).slice(0, 998);
  }
  push();
  return lines;
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
