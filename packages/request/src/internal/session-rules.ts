// The rules for HTTPRequest's session settings (issue #16: resume, retries, proxies from the
// environment, the cookie jar): each returns why a value is refused (the setter keeps the old
// value and reports this as `lastError`), or `null`. As setting-rules.ts does for Godot's settings.
import { ErrorCode } from '@gdhttp/constants';
import { HTTPRequestError } from './request-types.js';

/** A boolean setting: true or false. */
export function booleanRefusal(name: string, value: unknown): HTTPRequestError | null {
  if (typeof value === 'boolean') return null;
  return new HTTPRequestError(`${name} must be true or false`, ErrorCode.INVALID_PARAMETER);
}

/** `retries`: an integer from 0. */
export function retriesRefusal(value: unknown): HTTPRequestError | null {
  if (Number.isSafeInteger(value) && (value as number) >= 0) return null;
  return new HTTPRequestError(
    'retries must be an integer of 0 or more',
    ErrorCode.PARAMETER_RANGE_ERROR,
  );
}

/** `retryDelay`, `retryMaxDelay`: finite seconds, 0 or more. */
export function secondsRefusal(name: string, value: unknown): HTTPRequestError | null {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return null;
  return new HTTPRequestError(`${name} must be 0 or more seconds`, ErrorCode.PARAMETER_RANGE_ERROR);
}

/** `cookieJar`: `null`, or a tough-cookie `CookieJar` (anything with its two methods we call). */
export function cookieJarRefusal(value: unknown): HTTPRequestError | null {
  if (value === null) return null;
  const jar = value as { getCookieString?: unknown; setCookie?: unknown } | undefined;
  if (typeof jar?.getCookieString === 'function' && typeof jar.setCookie === 'function')
    return null;
  return new HTTPRequestError(
    "cookieJar must be null or a CookieJar (import { CookieJar } from '@gdhttp/request/cookies')",
    ErrorCode.INVALID_PARAMETER,
  );
}
