import { Method, Result } from '@gdhttp/constants';
import { describe, expect, it } from 'vitest';
import { backoffMs, parseRetryAfter, type RetryCause, retryDelayMs } from './retry-policy.js';

const settings = { retries: 3, retryDelay: 1, retryMaxDelay: 30 };
const NOW = Date.parse('2026-04-01T12:00:00Z');
const status = (code: number, headers: string[] = []): RetryCause => ({
  kind: 'status',
  code,
  headers,
});
const result = (r: Result): RetryCause => ({ kind: 'result', result: r });

describe('retryDelayMs', () => {
  it.each([
    [Method.GET, true],
    [Method.HEAD, true],
    [Method.PUT, true],
    [Method.DELETE, true],
    [Method.OPTIONS, true],
    [Method.TRACE, true],
    [Method.POST, false],
    [Method.PATCH, false],
  ])('retries %s: %s', (method, retried) => {
    const delay = retryDelayMs(settings, 0, method, status(503), NOW, 0.5);
    expect(delay !== null).toBe(retried);
    expect(
      retryDelayMs(settings, 0, method, result(Result.CONNECTION_ERROR), NOW, 0) !== null,
    ).toBe(retried);
  });

  it.each([408, 429, 500, 502, 503, 504])('retries status %i', (code) => {
    expect(retryDelayMs(settings, 0, Method.GET, status(code), NOW, 0)).toBe(500);
  });

  it.each([200, 206, 301, 400, 401, 403, 404, 416, 501, 505])('never retries status %i', (code) => {
    expect(retryDelayMs(settings, 0, Method.GET, status(code), NOW, 0)).toBeNull();
  });

  it.each([
    [Result.CANT_CONNECT, true],
    [Result.CONNECTION_ERROR, true],
    [Result.NO_RESPONSE, true],
    [Result.CANT_RESOLVE, false],
    [Result.TLS_HANDSHAKE_ERROR, false],
    [Result.TIMEOUT, false],
    [Result.BODY_SIZE_LIMIT_EXCEEDED, false],
    [Result.DOWNLOAD_FILE_WRITE_ERROR, false],
  ])('retries Result %i: %s', (r, retried) => {
    expect(retryDelayMs(settings, 0, Method.GET, result(r), NOW, 0) !== null).toBe(retried);
  });

  it('stops after `retries` attempts', () => {
    expect(retryDelayMs(settings, 2, Method.GET, status(503), NOW, 0)).not.toBeNull();
    expect(retryDelayMs(settings, 3, Method.GET, status(503), NOW, 0)).toBeNull();
    expect(
      retryDelayMs({ ...settings, retries: 0 }, 0, Method.GET, status(503), NOW, 0),
    ).toBeNull();
  });

  it('honours Retry-After in seconds and as an HTTP date, up to retryMaxDelay', () => {
    const after = (value: string) =>
      retryDelayMs(settings, 0, Method.GET, status(503, [`Retry-After: ${value}`]), NOW, 0.9);
    expect(after('2')).toBe(2000);
    expect(after('0')).toBe(0);
    expect(after('30')).toBe(30_000);
    // Longer than we wait: the 503 is delivered.
    expect(after('31')).toBeNull();
    expect(after('Wed, 01 Apr 2026 12:00:10 GMT')).toBe(10_000);
    expect(after('Wed, 01 Apr 2026 13:00:00 GMT')).toBeNull();
    // A date in the past means now.
    expect(after('Wed, 01 Apr 2026 11:00:00 GMT')).toBe(0);
    // Junk is ignored: the backoff applies (with jitter 0.9 of the upper half).
    expect(after('soon')).toBe(950);
    expect(after('-3')).toBe(950);
  });
});

describe('backoffMs', () => {
  it('doubles from retryDelay, caps at retryMaxDelay, and jitters within the upper half', () => {
    const s = { retries: 10, retryDelay: 1, retryMaxDelay: 30 };
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => backoffMs(s, n, 1))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000,
    ]);
    expect([0, 1, 2].map((n) => backoffMs(s, n, 0))).toEqual([500, 1000, 2000]);
    expect(backoffMs(s, 40, 0.5)).toBe(22_500);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120_000],
    [' 5 ', 5000],
    ['Wed, 01 Apr 2026 12:01:00 GMT', 60_000],
    ['Wednesday, 01-Apr-26 12:01:00 GMT', 60_000],
    ['Wed Apr  1 12:01:00 2026', 60_000],
    ['1.5', null],
    ['', null],
    ['2026-04-01T12:01:00Z', null],
  ])('%j is %s ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });
});
