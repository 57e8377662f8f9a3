/**
 * How an `HTTPRequest` ended, with the numbers of Godot 4's `HTTPRequest.Result`
 * (`RESULT_` prefix dropped).
 *
 * `REQUEST_FAILED`: Godot never emits it; gdhttp's HTTPRequest does when a 307/308 asks for a
 * request body again after part of a one-shot stream body was sent (it cannot be sent twice).
 */
export const Result = {
  SUCCESS: 0,
  CHUNKED_BODY_SIZE_MISMATCH: 1,
  CANT_CONNECT: 2,
  CANT_RESOLVE: 3,
  CONNECTION_ERROR: 4,
  TLS_HANDSHAKE_ERROR: 5,
  NO_RESPONSE: 6,
  BODY_SIZE_LIMIT_EXCEEDED: 7,
  BODY_DECOMPRESS_FAILED: 8,
  REQUEST_FAILED: 9,
  DOWNLOAD_FILE_CANT_OPEN: 10,
  DOWNLOAD_FILE_WRITE_ERROR: 11,
  REDIRECT_LIMIT_REACHED: 12,
  TIMEOUT: 13,
} as const;

/** One of the {@link Result} numbers. */
export type Result = (typeof Result)[keyof typeof Result];
