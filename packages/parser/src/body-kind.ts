/**
 * How a response body is delimited (RFC 9112 §6.3).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-6.3
 */
export const BodyKind = {
  /** No body: HEAD, 1xx, 204, 304, `Content-Length: 0`, a tunnel or an upgrade. */
  NONE: 0,
  /** Exactly `contentLength` bytes. */
  CONTENT_LENGTH: 1,
  /** Chunked transfer coding (RFC 9112 §7.1). */
  CHUNKED: 2,
  /** Everything until the connection closes: `finish()` ends it. */
  UNTIL_EOF: 3,
} as const;

/** One of the {@link BodyKind} values. */
export type BodyKind = (typeof BodyKind)[keyof typeof BodyKind];
