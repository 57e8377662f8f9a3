// Every rule about trying a request again (HTTPRequest.retries), in one place: which methods,
// which outcomes, how long to wait (exponential backoff with jitter, a cap, Retry-After). Pure:
// the clock and the randomness come in as arguments, so the rules are tested without waiting.
//
// Godot's HTTPRequest never retries. These rules follow curl's `--retry` (tool_operate.c: 408,
// 429, 500, 502, 503, 504 and connection failures; exponential delays; Retry-After honoured) and
// RFC 9110 §9.2.2 (only idempotent requests are repeated automatically), never a POST or PATCH.
import { Method, Result } from '@gdhttp/constants';
import { headerValues } from '@gdhttp/parser';

/**
 * The methods a request may be sent again with: those whose repetition has the effect of one
 * request (RFC 9110 §9.2.2). POST and PATCH are not.
 */
export const IDEMPOTENT: ReadonlySet<Method> = new Set<Method>([
  Method.GET,
  Method.HEAD,
  Method.PUT,
  Method.DELETE,
  Method.OPTIONS,
  Method.TRACE,
]);

/** Status codes that say "try again later" (curl's `--retry` set). */
export const RETRIED_STATUS: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Results that mean the connection failed (refused, reset, cut short), so the same request may
 * succeed on a new one. Not CANT_RESOLVE (a name that does not resolve rarely starts to), not
 * TLS_HANDSHAKE_ERROR (a certificate does not fix itself), not TIMEOUT (the request's own deadline).
 */
export const RETRIED_RESULT: ReadonlySet<Result> = new Set<Result>([
  Result.CANT_CONNECT,
  Result.CONNECTION_ERROR,
  Result.NO_RESPONSE,
]);

/** HTTPRequest's retry settings, in seconds as its `timeout` is. */
export interface RetrySettings {
  /** Attempts after the first; 0 (the default) never retries. */
  retries: number;
  /** The first backoff, in seconds; each later one doubles. */
  retryDelay: number;
  /** The longest wait, in seconds: the backoff's cap and the longest Retry-After honoured. */
  retryMaxDelay: number;
}

/** What failed: a connection (a Result, no response) or a response with a retried status. */
export type RetryCause =
  | { kind: 'result'; result: Result }
  | { kind: 'status'; code: number; headers: readonly string[] };

/**
 * Whether to try again, and after how long.
 *
 * @param settings - `retries`, `retryDelay`, `retryMaxDelay`.
 * @param attempt - retries already made for this request (0 before the first retry).
 * @param method - the method the hop is sent with.
 * @param cause - what went wrong.
 * @param now - the clock, ms since the epoch (for a Retry-After date).
 * @param random - a number in [0, 1) for the jitter.
 * @returns the delay in ms, or `null` not to retry (the outcome stands).
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 */
export function retryDelayMs(
  settings: RetrySettings,
  attempt: number,
  method: Method,
  cause: RetryCause,
  now: number,
  random: number,
): number | null {
  if (attempt >= settings.retries || !IDEMPOTENT.has(method)) return null;
  const maxMs = settings.retryMaxDelay * 1000;
  if (cause.kind === 'result') {
    return RETRIED_RESULT.has(cause.result) ? backoffMs(settings, attempt, random) : null;
  }
  if (!RETRIED_STATUS.has(cause.code)) return null;
  const after = headerValues(cause.headers, 'retry-after').at(-1);
  const asked = after === undefined ? null : parseRetryAfter(after, now);
  if (asked === null) return backoffMs(settings, attempt, random);
  // A server that asks for longer than we are willing to wait gets its answer delivered, rather
  // than a caller waiting silently for an hour (or a retry sooner than it asked for).
  return asked <= maxMs ? asked : null;
}

/**
 * The wait before retry number `attempt + 1`: `retryDelay · 2^attempt`, capped at
 * `retryMaxDelay`, then "equal jitter" — between half and all of it — so that clients cut off
 * together do not come back together.
 */
export function backoffMs(settings: RetrySettings, attempt: number, random: number): number {
  const full = Math.min(settings.retryDelay * 1000 * 2 ** attempt, settings.retryMaxDelay * 1000);
  return Math.round(full / 2 + (full / 2) * random);
}

/**
 * A `Retry-After` value in ms from `now`: delay-seconds (a non-negative integer) or an HTTP-date
 * (RFC 9110 §10.2.3; a date in the past means now). `null` when it is neither.
 *
 * @param value - the field value.
 * @param now - the clock, ms since the epoch.
 */
export function parseRetryAfter(value: string, now: number): number | null {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // IMF-fixdate, and the obsolete RFC 850 and asctime forms Date.parse also reads; all name a weekday.
  if (!/^[A-Za-z]{3}/.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
