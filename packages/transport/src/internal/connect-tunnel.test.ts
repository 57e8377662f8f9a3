import { ParseError } from '@gdhttp/parser';
import { describe, expect, it } from 'vitest';
import { ProxyError } from '../proxy-error.js';
import { ByteQueue } from './byte-queue.js';
import { ConnectTunnel, type TunnelProgress } from './connect-tunnel.js';

const bytes = (value: string): Uint8Array => Buffer.from(value, 'latin1');
const text = (value: Uint8Array): string => Buffer.from(value).toString('latin1');

function tunnel(): ConnectTunnel {
  return new ConnectTunnel('127.0.0.1', 3128, { host: 'example.test', port: 443 });
}

/** Feeds `pieces` one by one, as socket chunks arrive; returns the last progress and the queue. */
function feed(...pieces: string[]): { progress: TunnelProgress; queue: ByteQueue } {
  const t = tunnel();
  const queue = new ByteQueue();
  let progress: TunnelProgress = 'waiting';
  for (const piece of pieces) {
    queue.push(bytes(piece));
    progress = t.read(queue);
  }
  return { progress, queue };
}

function failure(progress: TunnelProgress): ProxyError {
  expect(progress).toBeInstanceOf(ProxyError);
  return progress as ProxyError;
}

describe('ConnectTunnel', () => {
  it('asks for the target in authority form, with the credentials when given', () => {
    expect(text(tunnel().request())).toBe(
      'CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n',
    );
    const withAuth = new ConnectTunnel('proxy.test', 8080, {
      host: '::1',
      port: 8443,
      proxyAuthorization: 'Basic dXNlcjpwYXNz',
    });
    expect(text(withAuth.request())).toBe(
      'CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n',
    );
  });

  it.each([
    ['HTTP/1.1 200 Connection established\r\n\r\n'],
    ['HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy/1.11.1\r\n\r\n'],
    ['HTTP/1.1 200\r\n\r\n'],
    ['HTTP/1.1 204 No Content\r\n\r\n'],
    // RFC 9110 §9.3.6: framing fields of a 2xx to CONNECT mean nothing; the tunnel opens at once.
    ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n'],
    [
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\n\r\n',
    ],
  ])('opens on %j and leaves the bytes after it queued', (head) => {
    const { progress, queue } = feed(`${head}\x16\x03\x03 hello`);
    expect(progress).toBe('open');
    expect(text(queue.read(100))).toBe('\x16\x03\x03 hello');
  });

  it('waits for the rest of an answer split at every byte', () => {
    const answer = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX: y\r\n\r\nfirst';
    const t = tunnel();
    const queue = new ByteQueue();
    const seen: TunnelProgress[] = [];
    for (const byte of answer) {
      queue.push(bytes(byte));
      seen.push(t.read(queue));
      if (seen.at(-1) === 'open') break;
    }
    const opened = answer.indexOf('\r\n\r\nfirst') + 4;
    expect(seen.length).toBe(opened);
    expect(seen.slice(0, -1).every((p) => p === 'waiting')).toBe(true);
    expect(seen.at(-1)).toBe('open');
    expect(queue.length).toBe(0);
  });

  it.each([
    [
      'HTTP/1.1 407 Proxy Authentication Required\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nden',
      407,
    ],
    ['HTTP/1.1 502 Bad Gateway\r\nContent-Length: 3\r\n\r\nbad', 502],
    ['HTTP/1.1 301 Moved\r\n\r\n', 301],
    // 101 cannot apply to CONNECT.
    ['HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n', 101],
  ])('refuses %j with the proxy status, without waiting for a body', (answer, status) => {
    const error = failure(feed(answer).progress);
    expect(error.status).toBe(status);
    expect(error.message).toBe(
      `proxy 127.0.0.1:3128 refused CONNECT example.test:443 with status ${status}`,
    );
  });

  it.each([
    ['a bare LF', 'HTTP/1.1 200 OK\n\n', 'CR_EXPECTED'],
    ['a bare CR', 'HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n', 'LF_EXPECTED'],
    ['HTTP/2', 'HTTP/2 200\r\n\r\n', 'INVALID_VERSION'],
    ['a two-digit status', 'HTTP/1.1 20 OK\r\n\r\n', 'INVALID_STATUS'],
    ['obs-fold', 'HTTP/1.1 200 OK\r\n X: folded\r\n\r\n', 'UNEXPECTED_SPACE'],
    ['a folded line', 'HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n', 'INVALID_HEADER_TOKEN'],
    ['a space in a name', 'HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n', 'INVALID_HEADER_TOKEN'],
    ['a NUL in a value', 'HTTP/1.1 200 OK\r\nX: a\u0000b\r\n\r\n', 'INVALID_HEADER_TOKEN'],
    ['no HTTP at all', 'SSH-2.0-OpenSSH\r\n\r\n', 'INVALID_CONSTANT'],
    [
      'Content-Length with Transfer-Encoding',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
      'INVALID_TRANSFER_ENCODING',
    ],
  ])('refuses an answer with %s as invalid, with status 0', (_label, answer, reason) => {
    const error = failure(feed(answer).progress);
    expect(error.status).toBe(0);
    expect(error.message).toMatch(/^proxy 127\.0\.0\.1:3128 sent an invalid answer to CONNECT: /);
    expect(error.cause).toBeInstanceOf(ParseError);
    expect((error.cause as ParseError).reason).toBe(reason);
  });

  it('refuses a status below 100 as invalid', () => {
    const error = failure(feed('HTTP/1.1 099 OK\r\n\r\n').progress);
    expect(error.status).toBe(0);
    expect(error.message).toContain('status code 99 is out of range');
  });

  it('refuses a head over 16 KiB instead of buffering forever', () => {
    const error = failure(feed('HTTP/1.1 200 OK\r\nX: ', 'a'.repeat(16 * 1024)).progress);
    expect((error.cause as ParseError).reason).toBe('HEADER_OVERFLOW');
  });

  it('words a close before the answer and a deadline, naming proxy and target', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const closed = tunnel().closed(reset);
    expect(closed.message).toBe(
      'proxy 127.0.0.1:3128 closed the connection before answering CONNECT (ECONNRESET)',
    );
    expect(closed.cause).toBe(reset);
    expect(tunnel().closed(null).message).toBe(
      'proxy 127.0.0.1:3128 closed the connection before answering CONNECT',
    );
    expect(tunnel().timedOut(0.2).message).toBe(
      'proxy 127.0.0.1:3128 did not answer CONNECT example.test:443 within 0.2 s',
    );
  });
});
