import { ErrorCode, GdhttpError } from '@gdhttp/constants';

/**
 * Why {@link ResponseParser} refused its input. Names follow llhttp's `HPE_*` error codes without
 * the prefix where llhttp has one (`INVALID_CHUNK_SIZE` = `HPE_INVALID_CHUNK_SIZE`); the rest are
 * limits llhttp leaves to its embedder (`HEADER_OVERFLOW`, `CHUNK_EXTENSIONS_OVERFLOW` as Node
 * names them) or gdhttp's own caps.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9112
 */
export type ParseErrorReason =
  /** A bare CR or an LF missing where CRLF is required (llhttp `HPE_STRICT`). */
  | 'STRICT'
  /** LF without the CR before it (RFC 9112 §2.2), unless `optionalCRBeforeLF`. */
  | 'CR_EXPECTED'
  /** CR not followed by LF inside a field line (RFC 9112 §2.2: bare CR is invalid). */
  | 'LF_EXPECTED'
  /** A second `Content-Length` field (llhttp rejects any duplicate, even an identical one). */
  | 'UNEXPECTED_CONTENT_LENGTH'
  /** Whitespace between the status line and the first field (RFC 9112 §2.2). */
  | 'UNEXPECTED_SPACE'
  /** Bytes after a message that closes the connection (RFC 9112 §9.6). */
  | 'CLOSED_CONNECTION'
  /** The status line does not start with `HTTP/`. */
  | 'INVALID_CONSTANT'
  /** The version is not `1.0` or `1.1`, or is not followed by one SP. */
  | 'INVALID_VERSION'
  /** An invalid character in a field name or value, whitespace before the colon, or obs-fold. */
  | 'INVALID_HEADER_TOKEN'
  /** `Content-Length` that is not 1*DIGIT, is empty, overflows, or comes with Transfer-Encoding. */
  | 'INVALID_CONTENT_LENGTH'
  /** A chunk size that is not hex, has junk or spaces after it, or overflows 64 bits. */
  | 'INVALID_CHUNK_SIZE'
  /** The status code is not three digits followed by SP or CRLF. */
  | 'INVALID_STATUS'
  /** The connection closed in the middle of a message (a truncated head or body). */
  | 'INVALID_EOF_STATE'
  /** `Transfer-Encoding` that is empty or comes with Content-Length (RFC 9112 §6.3 rule 3). */
  | 'INVALID_TRANSFER_ENCODING'
  /** The response head (or trailer section) is larger than `maxHeaderSize`. */
  | 'HEADER_OVERFLOW'
  /** More field lines than `maxHeaderCount` in the head (or trailer section). */
  | 'TOO_MANY_HEADERS'
  /** More than `maxChunkExtensionSize` bytes of chunk extensions on one chunk (CVE-2024-22019). */
  | 'CHUNK_EXTENSIONS_OVERFLOW'
  /** More interim (1xx) responses than `maxInformational` before one final response. */
  | 'TOO_MANY_INFORMATIONAL';

/**
 * A response the parser refused: malformed, ambiguous (a smuggling or splitting risk), or over a
 * limit. The client maps it to `Status.CONNECTION_ERROR` / `ErrorCode.CONNECTION_ERROR`, as Godot
 * does for any broken response, and keeps this object as the detail. The message names the rule
 * and the offset, never a header value.
 *
 * @example
 * ```ts
 * try {
 *   parser.execute(bytes);
 * } catch (err) {
 *   if (err instanceof ParseError) console.log(err.reason, err.offset); // 'INVALID_CHUNK_SIZE' 52
 * }
 * ```
 */
export class ParseError extends GdhttpError {
  /** The machine-readable rule that failed. */
  readonly reason: ParseErrorReason;
  /** Absolute byte offset in the stream (counted over every `execute()` call) of the fault. */
  readonly offset: number;

  /**
   * @param reason - the rule that failed.
   * @param message - a human explanation, without header values.
   * @param offset - absolute byte offset of the offending byte in the stream.
   */
  constructor(reason: ParseErrorReason, message: string, offset: number) {
    super(`${message} (${reason} at byte ${offset})`, ErrorCode.CONNECTION_ERROR);
    this.reason = reason;
    this.offset = offset;
  }
}
