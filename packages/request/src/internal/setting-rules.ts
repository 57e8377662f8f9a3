// The rules for HTTPRequest's settings, shared by the Node and the web builds: each returns why a
// value is refused (the setter keeps the old value and reports this as `lastError`), or `null`.
import { ErrorCode, ReadChunkSize } from '@gdhttp/constants';
import { HTTPRequestError } from './request-types.js';

/** `timeout`: seconds, 0 or more (0 for none). */
export function timeoutRefusal(value: unknown): HTTPRequestError | null {
  if (typeof value === 'number' && value >= 0) return null;
  return new HTTPRequestError('timeout must be 0 or more seconds', ErrorCode.PARAMETER_RANGE_ERROR);
}

/** `downloadChunkSize`: an integer within Godot's 256–16,777,216. */
export function downloadChunkSizeRefusal(value: unknown): HTTPRequestError | null {
  if (
    Number.isInteger(value) &&
    (value as number) >= ReadChunkSize.MIN &&
    (value as number) <= ReadChunkSize.MAX
  ) {
    return null;
  }
  return new HTTPRequestError(
    `downloadChunkSize must be ${ReadChunkSize.MIN}..${ReadChunkSize.MAX}`,
    ErrorCode.PARAMETER_RANGE_ERROR,
  );
}

/** `bodySizeLimit` (negative for none) and `maxRedirects` (negative for no limit): integers. */
export function integerRefusal(name: string, value: unknown): HTTPRequestError | null {
  if (Number.isSafeInteger(value)) return null;
  return new HTTPRequestError(`${name} must be an integer`, ErrorCode.INVALID_PARAMETER);
}

/** `downloadFile`: a path string ('' for none). */
export function downloadFileRefusal(value: unknown): HTTPRequestError | null {
  if (typeof value === 'string') return null;
  return new HTTPRequestError('downloadFile must be a path string', ErrorCode.INVALID_PARAMETER);
}

/** `acceptGzip`: true or false. */
export function acceptGzipRefusal(value: unknown): HTTPRequestError | null {
  if (typeof value === 'boolean') return null;
  return new HTTPRequestError('acceptGzip must be true or false', ErrorCode.INVALID_PARAMETER);
}

/** `useThreads`: true or false. */
export function useThreadsRefusal(value: unknown): HTTPRequestError | null {
  if (typeof value === 'boolean') return null;
  return new HTTPRequestError('useThreads must be true or false', ErrorCode.INVALID_PARAMETER);
}

/** `followRedirects`: true or false. */
export function followRedirectsRefusal(value: unknown): HTTPRequestError | null {
  if (typeof value === 'boolean') return null;
  return new HTTPRequestError('followRedirects must be true or false', ErrorCode.INVALID_PARAMETER);
}

/** `streamUploads` (both builds): a boolean. */
export function streamUploadsRefusal(value: unknown): HTTPRequestError | null {
  if (typeof value === 'boolean') return null;
  return new HTTPRequestError('streamUploads must be true or false', ErrorCode.INVALID_PARAMETER);
}
