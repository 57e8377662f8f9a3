import type { ErrorCode } from './error-code.js';

/**
 * The base of every error gdhttp raises or keeps beside a Godot return code.
 *
 * Godot-facing calls return an {@link ErrorCode} and never throw for misuse; the error objects
 * carry the detail behind that code (a parse offset, a TLS verification reason, a proxy status).
 * Each layer has its subclass (`ParseError`, `TLSError`, `ProxyError`, …). Messages name the values
 * that matter and never secrets: no userinfo, no header values.
 *
 * @example
 * ```ts
 * import { ErrorCode, GdhttpError } from '@gdhttp/constants';
 * const err = new GdhttpError('no route to host', ErrorCode.CANT_CONNECT);
 * err.code; // 25
 * ```
 */
export class GdhttpError extends Error {
  /** The Godot error code this failure maps to. */
  readonly code: ErrorCode;

  /**
   * @param message - what went wrong, without secrets.
   * @param code - the Godot error code it maps to.
   * @param options - `cause`: the underlying error, kept for the caller.
   */
  constructor(message: string, code: ErrorCode, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  override get name(): string {
    return this.constructor.name;
  }
}
