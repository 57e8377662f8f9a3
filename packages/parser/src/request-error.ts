import { ErrorCode, GdhttpError } from '@gdhttp/constants';

/** Which part of a request {@link serializeRequest} refused. */
export type RequestPart = 'method' | 'target' | 'header';

/**
 * A request that must not be sent: a method that is not a token, a target of the wrong form, or
 * a header that is not `name: value` or carries CR, LF or NUL (request splitting). The client maps
 * it to `ErrorCode.INVALID_PARAMETER`, the code Godot returns for a bad request. The message names
 * the part and the header index, never a header value.
 *
 * @example
 * ```ts
 * try {
 *   serializeRequest('GET', '/', ['X-Evil: a\r\nHost: b'], '');
 * } catch (err) {
 *   if (err instanceof RequestError) console.log(err.part, err.index); // 'header' 0
 * }
 * ```
 */
export class RequestError extends GdhttpError {
  /** The part that was refused. */
  readonly part: RequestPart;
  /** The index of the refused header in the list, or -1 for the method and target. */
  readonly index: number;

  /**
   * @param part - which part was refused.
   * @param message - why, without header values.
   * @param index - the header's index, or -1.
   */
  constructor(part: RequestPart, message: string, index = -1) {
    super(message, ErrorCode.INVALID_PARAMETER);
    this.part = part;
    this.index = index;
  }
}
