import { describe, expect, it } from 'vitest';
import { ErrorCode } from './error-code.js';
import { GdhttpError } from './gdhttp-error.js';

class LayerError extends GdhttpError {}

describe('GdhttpError', () => {
  it('carries its ErrorCode and cause, and names subclasses', () => {
    const cause = new Error('ECONNREFUSED');
    const err = new LayerError('refused by 127.0.0.1:1', ErrorCode.CANT_CONNECT, { cause });
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(GdhttpError);
    expect(err.code).toBe(25);
    expect(err.cause).toBe(cause);
    expect(err.name).toBe('LayerError');
    expect(String(err)).toBe('LayerError: refused by 127.0.0.1:1');
  });
});
