// Misuse never throws (issue #12): a script ported from GDScript, or plain JavaScript, that passes
// an argument of the wrong type gets Godot's kind of answer — a rejected promise with
// INVALID_PARAMETER, or a refused setting with `lastError` — never an exception.
import { ErrorCode, Method, Result } from '@gdhttp/constants';
import { describe, expect, it } from 'vitest';
import { HTTPRequest } from '../src/index.js';
import { serve } from './support/serve.js';

// biome-ignore lint/suspicious/noExplicitAny: deliberate misuse, as untyped callers make it.
const any = (v: unknown) => v as any;
const URL_OK = 'http://127.0.0.1:9/';

describe('HTTPRequest misuse', () => {
  it.each([
    ['a null url', () => new HTTPRequest().request(any(null))],
    ['a number url', () => new HTTPRequest().request(any(123))],
    ['headers as a string', () => new HTTPRequest().request(URL_OK, any('Accept: x'))],
    ['a header that is not a string', () => new HTTPRequest().request(URL_OK, [any(1)])],
    [
      'a body that is not a string',
      () => new HTTPRequest().request(URL_OK, [], Method.POST, any(5)),
    ],
    [
      'a raw body that is not bytes',
      () => new HTTPRequest().requestRaw(URL_OK, [], Method.POST, any('text')),
    ],
    [
      'options that are not an object',
      () => new HTTPRequest().request(URL_OK, [], Method.GET, '', any(7)),
    ],
  ])('rejects %s with INVALID_PARAMETER instead of throwing', async (_, call) => {
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = call();
    }).not.toThrow();
    await expect(promise).rejects.toMatchObject({ code: ErrorCode.INVALID_PARAMETER });
  });

  it.each([
    ['timeout', 'x', 0],
    ['bodySizeLimit', null, -1],
    ['maxRedirects', 1.5, 8],
    ['downloadFile', 5, ''],
    ['acceptGzip', 'yes', true],
    ['useThreads', 'yes', false],
  ] as const)('refuses %s = %o and keeps the old value', (name, value, kept) => {
    const http = new HTTPRequest();
    // biome-ignore lint/suspicious/noExplicitAny: indexing the property by name.
    (http as any)[name] = value;
    // biome-ignore lint/suspicious/noExplicitAny: indexing the property by name.
    expect((http as any)[name]).toBe(kept);
    expect(http.lastError?.message).toMatch(name);
  });

  it('refuses TLS options that are not TLSOptions, and proxies of the wrong type', () => {
    const http = new HTTPRequest();
    expect(() => http.setTlsOptions(any(true))).not.toThrow();
    expect(http.lastError?.code).toBe(ErrorCode.INVALID_PARAMETER);
    expect(() => http.setHttpProxy(any(1), any('a'))).not.toThrow();
    expect(http.lastError?.code).toBe(ErrorCode.INVALID_PARAMETER);
    expect(() => http.setHttpsProxy(any(null), 3128)).not.toThrow();
    expect(http.lastError?.code).toBe(ErrorCode.INVALID_PARAMETER);
  });

  it('keeps streamUploads true: the Node build always streams, and says so when asked not to', async () => {
    const http = new HTTPRequest();
    expect(http.streamUploads).toBe(true);
    http.streamUploads = any('yes');
    expect(http.lastError?.code).toBe(ErrorCode.INVALID_PARAMETER);
    http.streamUploads = false;
    expect(http.lastError?.code).toBe(ErrorCode.UNAVAILABLE);
    expect(http.lastError?.message).toMatch(/streamUploads/);
    expect(http.streamUploads).toBe(true);
    // Code written for the web build runs unchanged: the stream still goes as it is read.
    http.streamUploads = true;
    const server = await serve([['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n']]);
    const pieces = [new Uint8Array(20_000).fill(1), new Uint8Array(3).fill(2)];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = pieces.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(next);
      },
    });
    const { result } = await http.requestRaw(
      `http://127.0.0.1:${server.port}/`,
      [],
      Method.PUT,
      body,
    );
    expect(result).toBe(Result.SUCCESS);
    const [got] = server.requests;
    expect(got?.headers.some(([n, v]) => /^transfer-encoding$/i.test(n) && v === 'chunked')).toBe(
      true,
    );
    expect(got?.body.length).toBe(20_003);
  });
});
