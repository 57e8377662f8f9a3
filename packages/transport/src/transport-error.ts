import { type ErrorCode, GdhttpError } from '@gdhttp/constants';

/**
 * A failure of the byte pipe: name resolution, connecting, or the connection breaking.
 *
 * `code` is `CANT_RESOLVE` (DNS), `CANT_CONNECT` (every address refused or unreachable),
 * `TIMEOUT` (the last address did not answer within the connect timeout) or `CONNECTION_ERROR`
 * (reset or I/O error after connecting). The Node error, when there is one, is the `cause`.
 *
 * @example
 * ```ts
 * if (peer.getStatus() === StreamPeerTCPStatus.ERROR) {
 *   const err = peer.lastError; // TransportError
 *   console.log(err?.code, err?.nodeCode); // 25 'ECONNREFUSED'
 * }
 * ```
 */
export class TransportError extends GdhttpError {
  /** Node's error code of the cause (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`…), or `''`. */
  readonly nodeCode: string;

  /**
   * @param message - what went wrong, naming host and port but never credentials.
   * @param code - the Godot error code it maps to.
   * @param options - `cause`: the Node error behind it.
   */
  constructor(message: string, code: ErrorCode, options?: { cause?: unknown }) {
    super(message, code, options);
    this.nodeCode = nodeCodeOf(options?.cause);
  }
}

/** The `code` string of a Node system error, or `''`. */
export function nodeCodeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return '';
}
