// Every rule about resuming a download, in one place: when HTTPRequest asks for a range, what it
// sends (`Range: bytes=N-`, `If-Range`), and what a 206, 200 or 416 answer means for the bytes
// already kept. Two kinds of resume share these rules:
//
// - across requests (`appendToDownloadFile`): the bytes are in the download file, and the
//   validator of the response they came from (ETag or Last-Modified) was saved beside it when
//   `keepPartialDownload` kept it;
// - within one request (`retries`): a body cut short is kept in its sink, and the retry asks for
//   the rest of the same representation instead of starting over.
//
// Godot's HTTPRequest (PR #118226) appends a 206 to download_file when append_to_download_file
// is set and leaves the Range header to the caller; it checks nothing. We send the Range
// ourselves when the caller did not, and check that the 206 continues where the bytes stop
// (RFC 9110 §14.4, §13.1.5).
import { headerValues } from '@gdhttp/parser';

/** What a response head says about the representation a range continues. */
export interface Representation {
  /** The `If-Range` value: a strong ETag, else Last-Modified; `null` when there is none. */
  validator: string | null;
  /** The representation's whole length, or -1 when unknown. */
  length: number;
}

/** A range request in progress: bytes `[0, offset)` are kept, the rest is asked for. */
export interface ResumePoint extends Representation {
  /** Bytes already kept (the download file's size, or what a cut body delivered). */
  offset: number;
  /** Where the kept bytes are: the download file, or the sink of a body cut within this request. */
  from: 'file' | 'sink';
}

/**
 * What to do with the answer to a range request:
 * - `append`: a 206 that continues at the offset: its body is added to the kept bytes;
 * - `restart`: a 200 (the server ignored the range, or `If-Range` did not match: the
 *   representation changed): the kept bytes are dropped and this body replaces them;
 * - `complete`: a 416 whose length is the offset: the kept bytes are the whole representation;
 * - `again`: an answer that cannot be used (a 206 elsewhere, a 416 for another length): ask again
 *   without a range;
 * - `final`: any other status: the response is the caller's, and the kept bytes stay as they are.
 */
export type ResumeDecision = 'append' | 'restart' | 'complete' | 'again' | 'final';

/**
 * The header lines a range request adds: `Range: bytes=N-`, `If-Range` when a validator is known
 * (so a changed representation comes back whole, as a 200, instead of a splice of two), and
 * `Accept-Encoding: identity`, since a range of a gzipped body would not continue the bytes kept.
 *
 * @param headers - the hop's header lines (an Accept-Encoding among them is replaced).
 * @param point - where the kept bytes stop.
 */
export function rangeHeaders(headers: readonly string[], point: ResumePoint): string[] {
  const out = headers.filter((h) => !/^\s*accept-encoding\s*:/i.test(h));
  out.push(`Range: bytes=${point.offset}-`, 'Accept-Encoding: identity');
  if (point.validator !== null) out.push(`If-Range: ${point.validator}`);
  return out;
}

/** Whether the caller's headers ask for a range themselves (then HTTPRequest adds none). */
export function hasRange(headers: readonly string[]): boolean {
  return headers.some((h) => /^\s*range\s*:/i.test(h));
}

/**
 * The validator and length a response's head gives its representation: a strong ETag (a weak one
 * must not be used in If-Range, RFC 9110 §13.1.5), else Last-Modified; the length from a 206's
 * Content-Range, else from Content-Length when the body is not encoded.
 *
 * @param code - the status code.
 * @param headers - the header lines.
 */
export function representationOf(code: number, headers: readonly string[]): Representation {
  const etag = headerValues(headers, 'etag').at(-1);
  const modified = headerValues(headers, 'last-modified').at(-1);
  const validator = etag?.startsWith('"') ? etag : (modified ?? null);
  let length = -1;
  if (code === 206) {
    length = parseContentRange(headerValues(headers, 'content-range').at(-1))?.length ?? -1;
  } else if (headerValues(headers, 'content-encoding').length === 0) {
    const declared = headerValues(headers, 'content-length').at(-1);
    if (declared !== undefined && /^\d+$/.test(declared)) length = Number(declared);
  }
  return { validator, length };
}

/** A `Content-Range` value: `bytes first-last/length` (length -1 for `*`), or `bytes *​/length`. */
export interface ContentRange {
  /** First byte, or -1 for an unsatisfied range (`bytes *​/length`). */
  first: number;
  last: number;
  length: number;
}

/**
 * Parses a byte `Content-Range` (RFC 9110 §14.4).
 *
 * @param value - the field value, or undefined when absent.
 * @returns the range, or `null` when absent or not a valid byte range.
 */
export function parseContentRange(value: string | undefined): ContentRange | null {
  if (value === undefined) return null;
  const unsatisfied = /^bytes\s+\*\/(\d+)$/i.exec(value.trim());
  if (unsatisfied !== null) return { first: -1, last: -1, length: Number(unsatisfied[1]) };
  const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(value.trim());
  if (m === null) return null;
  const first = Number(m[1]);
  const last = Number(m[2]);
  const length = m[3] === '*' ? -1 : Number(m[3]);
  if (last < first || (length >= 0 && last >= length)) return null;
  return { first, last, length };
}

/**
 * What the answer to a range request means for the kept bytes.
 *
 * @param point - the range asked for.
 * @param code - the answer's status code.
 * @param headers - its header lines.
 */
export function decideResume(
  point: ResumePoint,
  code: number,
  headers: readonly string[],
): ResumeDecision {
  if (code === 200) return 'restart';
  const range = parseContentRange(headerValues(headers, 'content-range').at(-1));
  if (code === 206) {
    // The part must start where the kept bytes stop and run to the end (we asked `N-`), of a
    // representation of the length we know, and not be content-coded (the kept bytes are not).
    if (range === null || range.first !== point.offset) return 'again';
    if (range.length < 0 || range.last !== range.length - 1) return 'again';
    if (point.length >= 0 && range.length !== point.length) return 'again';
    if (headerValues(headers, 'content-encoding').some((c) => c.toLowerCase() !== 'identity')) {
      return 'again';
    }
    return 'append';
  }
  if (code === 416) {
    // With If-Range, a changed representation is a 200; a 416 says the validator matched and
    // the offset is at (or past) its end. At the end exactly, the kept bytes are the whole of it.
    if (range !== null && range.first < 0 && range.length === point.offset) return 'complete';
    return 'again';
  }
  return 'final';
}
