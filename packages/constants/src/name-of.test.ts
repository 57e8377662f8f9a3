import { describe, expect, it } from 'vitest';
import { ErrorCode, Method, nameOf, ResponseCode, Result, Status } from './index.js';

describe('nameOf', () => {
  it('names a value of every enum', () => {
    expect(nameOf(Status, 5)).toBe('CONNECTED');
    expect(nameOf(ErrorCode, 31)).toBe('INVALID_PARAMETER');
    expect(nameOf(Method, 8)).toBe('PATCH');
    expect(nameOf(ResponseCode, 404)).toBe('NOT_FOUND');
    expect(nameOf(Result, 13)).toBe('TIMEOUT');
  });

  it('round-trips every member', () => {
    for (const e of [Status, ErrorCode, Method, ResponseCode, Result]) {
      for (const [name, value] of Object.entries(e)) expect(nameOf(e, value)).toBe(name);
    }
  });

  it('gives undefined for numbers no member has', () => {
    expect(nameOf(Status, 10)).toBeUndefined();
    expect(nameOf(ResponseCode, 103)).toBeUndefined();
  });
});
