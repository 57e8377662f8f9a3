// A multipart/form-data body (RFC 7578) built the way the WHATWG HTML "multipart/form-data
// encoding algorithm" builds a form's: names and field values with line breaks normalized to
// CRLF, names and filenames with LF, CR and '"' escaped as %0A, %0D, %22 and nothing else, UTF-8
// throughout. Files are not loaded: they are read as the body is sent, through the same sources
// requestRaw streams (internal/body-source.ts).
import type { FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { ErrorCode } from '@gdhttp/constants';
import {
  type BodySource,
  bodySourceOf,
  type PieceRecycler,
  RECYCLE_PIECE,
} from './internal/body-source.js';
import { HTTPRequestError } from './internal/request-types.js';
import { type BodyStream, isBodyStream, isFileHandle, RequestBody } from './request-body.js';

/** What a file part's bytes come from: bytes, a path, an open `FileHandle`, a stream, a {@link RequestBody}. */
export type MultipartFileSource = Uint8Array | string | FileHandle | BodyStream | RequestBody;

/** Options of {@link MultipartForm.appendFile}. */
export interface MultipartFileOptions {
  /** The `filename` parameter (default: a path's base name, else `blob`, as browsers name a Blob). */
  filename?: string;
  /** The part's `Content-Type` (default `application/octet-stream`). */
  contentType?: string;
  /** A stream's exact length, so the whole body gets a `Content-Length` (else it is sent chunked). */
  length?: number;
}

/** A form ready to send: pass `headers` and `body` to `HTTPRequest.requestRaw`. */
export interface MultipartBody {
  /** `Content-Type: multipart/form-data; boundary=…` (the client adds `Content-Length`). */
  headers: string[];
  /**
   * The body: bytes when every part is in memory, else a {@link RequestBody} read as it is sent
   * (its `replayable` tells whether it can be sent more than once).
   */
  body: Uint8Array | RequestBody;
  /** The body's length in bytes, or -1 when a part's is unknown (the body is then sent chunked). */
  length: number;
}

type Part =
  | { kind: 'field'; name: string; value: string }
  | {
      kind: 'file';
      name: string;
      source: MultipartFileSource;
      filename: string;
      contentType: string;
      length: number;
    };

/** A piece of the encoded body: bytes, or a file or stream read when sent. */
type Segment = Uint8Array | { body: RequestBody; length: number };

const encoder = new TextEncoder();
const CRLF = '\r\n';

/**
 * Builds a `multipart/form-data` request body from fields and files. Files and streams are read
 * only while the body is sent (a 1 GiB file costs a few MiB), and the body has a
 * `Content-Length` whenever every part's length is known (files are measured by `encode()`),
 * else it is sent chunked. The boundary is 32 random hex digits (128 bits) after `gdhttp-`, so
 * it cannot be guessed by a file's author. A body of fields, bytes and files can be sent again
 * (each sending reads the files anew): a 307/308 redirect, a retry or a 417 answered to
 * `Expect: 100-continue` sends it whole. A body with a stream part is sent once, unless that
 * part is a `RequestBody.stream(() => stream)` that opens a new stream each time; after part of
 * a one-shot body was sent, a 307/308 ends with `Result.REQUEST_FAILED`. Misuse (a name that is
 * not a string, a file that is not a file) is remembered and makes `encode()` reject with
 * `INVALID_PARAMETER`; nothing throws.
 *
 * @see https://html.spec.whatwg.org/multipage/form-control-infrastructure.html#multipart/form-data-encoding-algorithm
 * @example
 * ```ts
 * import { Method } from '@gdhttp/constants';
 * import { HTTPRequest, MultipartForm } from '@gdhttp/request';
 *
 * const form = new MultipartForm()
 *   .append('title', 'holiday')
 *   .appendFile('photo', '/home/me/beach.jpg', { contentType: 'image/jpeg' });
 * const { headers, body } = await form.encode();
 * const { responseCode } = await new HTTPRequest().requestRaw('http://127.0.0.1:8080/upload', headers, Method.POST, body);
 * ```
 */
export class MultipartForm {
  /** The boundary between parts (RFC 2046 §5.1.1: at most 70 characters, none of them special). */
  readonly boundary: string;
  readonly #parts: Part[] = [];
  #misuse: string | null = null;

  constructor() {
    this.boundary = `gdhttp-${process.getBuiltinModule('node:crypto').randomBytes(16).toString('hex')}`;
  }

  /**
   * Adds a text field.
   *
   * @param name - the field's name.
   * @param value - its value (sent as UTF-8, line breaks as CRLF).
   * @returns this form.
   */
  append(name: string, value: string): this {
    if (typeof name !== 'string' || typeof value !== 'string') {
      this.#misuse ??= 'a form field needs a string name and a string value';
    } else {
      this.#parts.push({ kind: 'field', name, value });
    }
    return this;
  }

  /**
   * Adds a file field.
   *
   * @param name - the field's name.
   * @param file - bytes, a path, an open `FileHandle`, a stream, or a `RequestBody` (a file range).
   * @param options - `filename`, `contentType`, and a stream's `length`.
   * @returns this form.
   */
  appendFile(name: string, file: MultipartFileSource, options: MultipartFileOptions = {}): this {
    const o = options ?? {};
    const misuse = fileMisuse(name, file, o);
    if (misuse !== null) {
      this.#misuse ??= misuse;
      return this;
    }
    this.#parts.push({
      kind: 'file',
      name,
      source: file,
      filename: o.filename ?? (typeof file === 'string' ? basename(file) : 'blob'),
      contentType: o.contentType ?? 'application/octet-stream',
      length: o.length ?? -1,
    });
    return this;
  }

  /**
   * Encodes the form: measures its files (`stat`) and returns the header and the body to send.
   * The body reads the files when it is sent, not now.
   *
   * @returns the `Content-Type` header line, the body and its length. Rejects with
   *   `INVALID_PARAMETER` after a misuse, or with the file system's error for a file that cannot
   *   be opened.
   */
  async encode(): Promise<MultipartBody> {
    if (this.#misuse !== null) {
      throw new HTTPRequestError(this.#misuse, ErrorCode.INVALID_PARAMETER);
    }
    const segments: Segment[] = [];
    let text = '';
    let length = 0;
    let known = true;
    const flush = (): void => {
      if (text === '') return;
      const bytes = encoder.encode(text);
      length += bytes.length;
      segments.push(bytes);
      text = '';
    };
    for (const part of this.#parts) {
      text += `--${this.boundary}${CRLF}`;
      const name = escapeName(normalizeLineBreaks(part.name));
      if (part.kind === 'field') {
        // No Content-Type on a field part (HTML: "must not have a Content-Type header").
        text += `Content-Disposition: form-data; name="${name}"${CRLF}${CRLF}`;
        text += `${normalizeLineBreaks(part.value)}${CRLF}`;
        continue;
      }
      text += `Content-Disposition: form-data; name="${name}"; filename="${escapeName(part.filename)}"${CRLF}`;
      text += `Content-Type: ${part.contentType}${CRLF}${CRLF}`;
      const { source } = part;
      if (source instanceof Uint8Array) {
        flush();
        segments.push(source);
        length += source.length;
      } else {
        flush();
        const body = await bodyOf(source, part.length);
        if (body.length < 0) known = false;
        else length += body.length;
        segments.push(body);
      }
      text += CRLF;
    }
    text += `--${this.boundary}--${CRLF}`;
    flush();
    const headers = [`Content-Type: multipart/form-data; boundary=${this.boundary}`];
    if (segments.every((s) => s instanceof Uint8Array)) {
      const bytes = concat(segments as Uint8Array[], length);
      return { headers, body: bytes, length: bytes.length };
    }
    const total = known ? length : -1;
    // Re-sendable when every part is: the function makes a new generator, which opens the files
    // again, for each sending. A one-shot stream part makes the whole body one-shot (reading it
    // twice would send it empty the second time).
    const replayable = segments.every((s) => s instanceof Uint8Array || s.body.replayable);
    const options = known ? { length: total } : {};
    const body = replayable
      ? RequestBody.stream(() => new FormPieces(segments), options)
      : RequestBody.stream(new FormPieces(segments), options);
    return { headers, body: body!, length: total };
  }
}

/** Why `appendFile`'s arguments are wrong, or `null`. */
function fileMisuse(name: unknown, file: unknown, o: MultipartFileOptions): string | null {
  if (typeof name !== 'string') return 'a form file needs a string name';
  if (
    !(file instanceof Uint8Array) &&
    typeof file !== 'string' &&
    !(file instanceof RequestBody) &&
    !isFileHandle(file) &&
    !isBodyStream(file)
  ) {
    return 'a form file is bytes, a path, a FileHandle, a stream or a RequestBody';
  }
  if (o.filename !== undefined && typeof o.filename !== 'string')
    return 'filename must be a string';
  if (
    o.contentType !== undefined &&
    (typeof o.contentType !== 'string' || /[\0\r\n]/.test(o.contentType))
  ) {
    return 'contentType must be a string without CR, LF or NUL';
  }
  if (o.length !== undefined && (!Number.isSafeInteger(o.length) || o.length < 0)) {
    return 'length must be an integer >= 0';
  }
  return null;
}

/** A file part's body with its length measured (-1 for a stream of unknown length). */
async function bodyOf(
  source: Exclude<MultipartFileSource, Uint8Array>,
  length: number,
): Promise<{ body: RequestBody; length: number }> {
  let body: RequestBody;
  if (source instanceof RequestBody) body = source;
  else if (typeof source === 'string' || isFileHandle(source)) body = RequestBody.file(source)!;
  else body = RequestBody.stream(source, length >= 0 ? { length } : {})!;
  if (typeof body.source === 'string' || isFileHandle(body.source)) {
    // A file's length is its size when the form is encoded (as `requestRaw` measures one when
    // the request starts); a file that changes in between fails the request, never mis-frames it.
    const measure = bodySourceOf(body)!;
    await measure.open();
    const measured = measure.length;
    await measure.close();
    return { body, length: measured };
  }
  return { body, length: body.length };
}

/**
 * The body's pieces in order, each file or stream read piece by piece as the socket takes them.
 * A piece the connection let go of goes back to the part being read ({@link RECYCLE_PIECE}), so a
 * file part reads into the same few buffers, as a file body does; a file takes back only the
 * buffers it allocated, so a piece of another part (or of a stream) is ignored.
 */
class FormPieces implements AsyncIterable<Uint8Array>, PieceRecycler {
  readonly #segments: readonly Segment[];
  /** The part being read, while it is open. */
  #current: BodySource | null = null;

  constructor(segments: readonly Segment[]) {
    this.#segments = segments;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.#read();
  }

  [RECYCLE_PIECE](piece: Uint8Array): void {
    this.#current?.recycle(piece);
  }

  async *#read(): AsyncGenerator<Uint8Array, void, undefined> {
    for (const segment of this.#segments) {
      if (segment instanceof Uint8Array) {
        if (segment.length > 0) yield segment;
        continue;
      }
      const source = bodySourceOf(segment.body)!;
      await source.open();
      this.#current = source;
      try {
        for (;;) {
          const piece = await source.read();
          if (piece === null) break;
          yield piece;
        }
      } finally {
        this.#current = null;
        await source.close();
      }
    }
  }
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** HTML: a lone CR or LF becomes CRLF (in names, and in the values of fields that are not files). */
function normalizeLineBreaks(text: string): string {
  return text.replace(/\r\n|\r|\n/g, CRLF);
}

/** HTML: in names and filenames, LF → %0A, CR → %0D, '"' → %22, and no other escape. */
function escapeName(text: string): string {
  return text.replace(/[\n\r"]/g, (c) => (c === '\n' ? '%0A' : c === '\r' ? '%0D' : '%22'));
}
