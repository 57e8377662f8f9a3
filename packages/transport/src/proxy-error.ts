import { ErrorCode } from '@gdhttp/constants';
import { TransportError } from './transport-error.js';

/**
 * A proxy that would not open a CONNECT tunnel: it answered with a status other than 2xx,
 * answered with something that is not an HTTP/1.x response head, or closed without answering.
 *
 * `code` is always `CANT_CONNECT` (Godot's HTTPClient reports any failed CONNECT that way);
 * `status` is the proxy's status code, `407` when it wants credentials, and `0` when there was no
 * usable answer.
 *
 * @example
 * ```ts
 * const err = tcp.lastError;
 * if (err instanceof ProxyError && err.status === 407) askForProxyCredentials();
 * ```
 */
export class ProxyError extends TransportError {
  /** The proxy's status code, or 0 if it did not send a usable response head. */
  readonly status: number;

  /**
   * @param message - what happened, naming the proxy and target but never credentials.
   * @param status - the proxy's status code, or 0.
   * @param options - `cause`: an underlying Node error, if any.
   */
  constructor(message: string, status: number, options?: { cause?: unknown }) {
    super(message, ErrorCode.CANT_CONNECT, options);
    this.status = status;
  }
}
