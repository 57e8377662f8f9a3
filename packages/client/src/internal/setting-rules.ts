// The rules for HTTPClient's settings, shared by the Node and the web builds: each returns why a
// value is refused (the setter then keeps the old value and reports this as `lastError`, as Godot
// prints an error and keeps its value), or `null` when the value is accepted. `ClientSettings`
// holds the values with their defaults, so both builds keep, check and default them alike.
import { CONNECT_TIMEOUT_SECONDS, ErrorCode, GdhttpError, ReadChunkSize } from '@gdhttp/constants';
import { DEFAULT_MAX_HEADER_COUNT, DEFAULT_MAX_HEADER_SIZE } from '@gdhttp/parser';

function rangeError(message: string): GdhttpError {
  return new GdhttpError(message, ErrorCode.PARAMETER_RANGE_ERROR);
}

/** `readChunkSize`: an integer within Godot's 256–16,777,216. */
function readChunkSizeRefusal(size: number): GdhttpError | null {
  if (Number.isInteger(size) && size >= ReadChunkSize.MIN && size <= ReadChunkSize.MAX) return null;
  return rangeError(
    `readChunkSize must be ${ReadChunkSize.MIN}..${ReadChunkSize.MAX}, got ${size}`,
  );
}

/** `connectTimeout`: seconds above 0. */
function connectTimeoutRefusal(seconds: number): GdhttpError | null {
  if (typeof seconds === 'number' && seconds > 0) return null;
  return rangeError(`connectTimeout must be above 0, got ${String(seconds)}`);
}

/** `maxHeaderSize` (at least 64) and `maxHeaderCount` (at least 1): integers. */
function headerLimitRefusal(name: string, value: number, min: number): GdhttpError | null {
  if (Number.isSafeInteger(value) && value >= min) return null;
  return rangeError(`${name} must be an integer of at least ${min}, got ${String(value)}`);
}

/** The numeric settings both builds share. */
export type SettingName = 'readChunkSize' | 'connectTimeout' | 'maxHeaderSize' | 'maxHeaderCount';

const RULES: Readonly<Record<SettingName, (value: number) => GdhttpError | null>> = {
  readChunkSize: readChunkSizeRefusal,
  connectTimeout: connectTimeoutRefusal,
  maxHeaderSize: (value) => headerLimitRefusal('maxHeaderSize', value, 64),
  maxHeaderCount: (value) => headerLimitRefusal('maxHeaderCount', value, 1),
};

/** A client's settings, with Godot's (and gdhttp's) defaults. */
export class ClientSettings {
  /** Bytes per body read (and per read of the response head). */
  readChunkSize: number = ReadChunkSize.DEFAULT;
  /** Seconds allowed for each address's TCP connect. */
  connectTimeout: number = CONNECT_TIMEOUT_SECONDS;
  /** Largest response head (and trailer section), in bytes. */
  maxHeaderSize: number = DEFAULT_MAX_HEADER_SIZE;
  /** Most field lines in a response head (and trailer section). */
  maxHeaderCount: number = DEFAULT_MAX_HEADER_COUNT;

  /**
   * Takes `value` for `name` unless its rule refuses it. Returns the refusal (the old value is
   * kept), or `null`.
   */
  update(name: SettingName, value: number): GdhttpError | null {
    const refusal = RULES[name](value);
    if (refusal === null) this[name] = value;
    return refusal;
  }
}
