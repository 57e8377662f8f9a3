import { describe, expect, it } from 'vitest';
import { PROXY_HEAD_LIMIT, readProxyAnswer } from './proxy-answer.js';

const bytes = (value: string): Uint8Array => Buffer.from(value, 'latin1');

describe('readProxyAnswer', () => {
  it.each([
    ['HTTP/1.1 200 Connection established\r\n\r\n', 200],
    ['HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy/1.11.1\r\n\r\n', 200],
    ['HTTP/1.1 200\r\n\r\n', 200],
    ['HTTP/1.1 407 Proxy Authentication Required\r\nTransfer-Encoding: chunked\r\n\r\n', 407],
  ])('reads the status and exact head length of %j', (head, status) => {
    const answer = readProxyAnswer(bytes(`${head}tunnel bytes`));
    expect(answer).toEqual({ kind: 'head', status, length: head.length });
  });

  it.each([['HTTP/1.1 200 OK\r\n'], ['HTTP/1.1 2'], ['']])(
    'waits for more bytes on %j',
    (partial) => {
      expect(readProxyAnswer(bytes(partial))).toEqual({ kind: 'incomplete' });
    },
  );

  it.each([
    ['HTTP/1.1 200 OK\n\n', 'bare'],
    ['HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n', 'bare'],
    ['HTTP/2 200\r\n\r\n', 'status line'],
    ['HTTP/1.1 20 OK\r\n\r\n', 'status line'],
    ['HTTP/1.1 099 OK\r\n\r\n', 'status line'],
    ['HTTP/1.1 200 OK\r\n X: folded\r\n\r\n', 'header line'],
    ['HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n', 'header line'],
    ['HTTP/1.1 200 OK\r\nX: a\u0000b\r\n\r\n', 'header line'],
  ])('rejects %j', (head, detail) => {
    const answer = readProxyAnswer(bytes(head));
    expect(answer.kind).toBe('malformed');
    expect(answer.kind === 'malformed' && answer.detail).toContain(detail);
  });

  it('rejects a head over the limit instead of buffering forever', () => {
    const endless = `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(PROXY_HEAD_LIMIT)}`;
    expect(readProxyAnswer(bytes(endless)).kind).toBe('malformed');
  });
});
