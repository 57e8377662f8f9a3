// The rules for HTTPClient's settings, shared by the Node and the web builds: each returns why a
// value is refused (the setter then keeps the old value and reports this as `lastError`, as Godot
// prints an error and keeps its value), or `null` when the value is accepted.
import { ErrorCode, GdhttpError, ReadChunkSize } from '@gdhttp/constants';

function rangeError(message: string): GdhttpError {
  return new GdhttpError(message, ErrorCode.PARAMETER_RANGE_ERROR);
}

/** `readChunkSize`: an integer within Godot's 256–16,777,216. */
export function readChunkSizeRefusal(size: number): GdhttpError | null {
  if (Number.isInteger(size) && size >= ReadChunkSize.MIN && size <= ReadChunkSize.MAX) return null;
  return rangeError(
    `readChunkSize must be ${ReadChunkSize.MIN}..${ReadChunkSize.MAX}, got ${size}`,
  );
}

/** `connectTimeout`: seconds above 0. */
export function connectTimeoutRefusal(seconds: number): GdhttpError | null {
  if (typeof seconds === 'number' && seconds > 0) return null;
  return rangeError(`connectTimeout must be above 0, got ${String(seconds)}`);
}

/** `maxHeaderSize` (at least 64) and `maxHeaderCount` (at least 1): integers. */
export function headerLimitRefusal(name: string, value: number, min: number): GdhttpError | null {
  if (Number.isSafeInteger(value) && value >= min) return null;
  return rangeError(`${name} must be an integer of at least ${min}, got ${String(value)}`);
}
