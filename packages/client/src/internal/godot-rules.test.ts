import { Method } from '@gdhttp/constants';
import { latin1ToBytes, type ResponseHead, ResponseParser } from '@gdhttp/parser';
import { describe, expect, it } from 'vitest';
import {
  bodyEndRefusal,
  bodyLengthRefusal,
  bodyPieceRefusal,
  connectArgumentsRefusal,
  connectHost,
  godotBodyLength,
  godotVerifyHeaders,
  hasBodyPhase,
  hostHeaderValue,
  isGodotUrlForm,
  isHostLongEnough,
  isIpLiteral,
  requestArgumentsRefusal,
  resolvePort,
  stripEdges,
  stripSchemePrefix,
  withAutomaticHeaders,
} from './godot-rules.js';

describe('stripSchemePrefix', () => {
  it.each([
    ['http://example.com', 'example.com', 'http'],
    ['HTTP://example.com', 'example.com', 'http'],
    ['https://example.com', 'example.com', 'https'],
    ['HtTpS://example.com', 'example.com', 'https'],
    ['https://example.com/', 'example.com/', 'https'],
    ['https://h/path', 'h/path', 'https'],
    ['example.com:8080', 'example.com:8080', null],
    ['ftp://example.com', 'ftp://example.com', null],
  ])('turns %j into host %j, scheme %j', (input, host, scheme) => {
    expect(stripSchemePrefix(input)).toEqual({ host, scheme });
  });
});

describe('connect arguments', () => {
  it('refuses hosts shorter than 4 characters', () => {
    for (const host of ['', 'a.b', '::1']) expect(isHostLongEnough(host)).toBe(false);
    for (const host of ['a.bc', '127.0.0.1', 'localhost'])
      expect(isHostLongEnough(host)).toBe(true);
  });

  it('defaults any negative port and keeps the rest', () => {
    expect(resolvePort(-1, false)).toBe(80);
    expect(resolvePort(-7, true)).toBe(443);
    expect(resolvePort(0, true)).toBe(0);
    expect(resolvePort(70000, false)).toBe(70000);
  });

  it('refuses arguments of the wrong type', () => {
    expect(connectArgumentsRefusal('example.com', 80)).toBeNull();
    expect(connectArgumentsRefusal(42, 80)).toBe('host must be a string');
    expect(connectArgumentsRefusal('example.com', '80')).toBe('port must be a number, got string');
    expect(connectArgumentsRefusal('example.com', Number.NaN)).toBe(
      'port must be a number, got number',
    );
  });

  it.each([
    ['example.com', { host: 'example.com' }],
    ['[::1]', { host: '::1' }],
    ['[fe80::1]', { host: 'fe80::1' }],
    ['::1', { refused: 'host "::1" is shorter than 4 characters' }],
    ['a.b', { refused: 'host "a.b" is shorter than 4 characters' }],
    ['[::1', { host: '[::1' }],
  ])('connectHost(%j) → %j', (host, expected) => {
    expect(connectHost(host)).toEqual(expected);
  });

  it('recognises IP literals', () => {
    expect(isIpLiteral('127.0.0.1')).toBe(true);
    expect(isIpLiteral('::1')).toBe(true);
    expect(isIpLiteral('fe80::1')).toBe(true);
    expect(isIpLiteral('localhost')).toBe(false);
    expect(isIpLiteral('[::1]')).toBe(false);
  });
});

describe('isGodotUrlForm', () => {
  it.each([
    [Method.GET, '/', true],
    [Method.GET, '/index.html?x=1', true],
    [Method.GET, 'http://example.com/', true],
    [Method.GET, 'https://example.com/', true],
    [Method.GET, '', false],
    [Method.GET, 'index.html', false],
    [Method.GET, 'HTTP://x', false],
    [Method.GET, '*', false],
    [Method.OPTIONS, '*', true],
    [Method.OPTIONS, '/x', true],
    [Method.OPTIONS, 'x', false],
    [Method.CONNECT, 'example.com:443', true],
    [Method.CONNECT, ':443', false],
    [Method.CONNECT, 'example.com:', false],
    [Method.CONNECT, 'example.com', false],
  ])('method %i, url %j → %j', (method, url, ok) => {
    expect(isGodotUrlForm(method, url)).toBe(ok);
  });
});

describe('godotVerifyHeaders', () => {
  // Godot's tests/core/io/test_http_client.h and docs/godot-behavior.md#requests
  it.each([
    [['X:'], true],
    [['X: '], true],
    [['Accept: text/html', ' Padded: yes '], true],
    [[''], false],
    [['InvalidHeader'], false],
    [[':'], false],
    [[': x'], false],
    [['A: b', ''], false],
  ])('%j → %j', (headers, ok) => {
    expect(godotVerifyHeaders(headers)).toBe(ok);
  });

  it('strips only characters up to space, as strip_edges() does', () => {
    expect(stripEdges('\t\r\n X: y \x00')).toBe('X: y');
    expect(stripEdges('\u00a0X: y')).toBe('\u00a0X: y');
  });
});

describe('withAutomaticHeaders', () => {
  const base = {
    method: Method.GET,
    hostLine: 'Host: example.com',
    bodyLength: 0,
    userAgentLine: 'User-Agent: gdhttp/test',
  };

  it('appends Host, User-Agent and Accept after user headers, in Godot order', () => {
    expect(withAutomaticHeaders(['X-A: 1'], base)).toEqual([
      'X-A: 1',
      'Host: example.com',
      'User-Agent: gdhttp/test',
      'Accept: */*',
    ]);
  });

  it('writes the port unless it is the scheme default', () => {
    expect(hostHeaderValue('h.io', 80, false)).toBe('h.io');
    expect(hostHeaderValue('h.io', 443, true)).toBe('h.io');
    expect(hostHeaderValue('h.io', 443, false)).toBe('h.io:443');
    expect(hostHeaderValue('h.io', 80, true)).toBe('h.io:80');
    expect(hostHeaderValue('h.io', 8080, false)).toBe('h.io:8080');
  });

  it('brackets IPv6 literals (a Godot quirk we fix)', () => {
    expect(hostHeaderValue('::1', 8080, false)).toBe('[::1]:8080');
    expect(hostHeaderValue('fe80::1', 80, false)).toBe('[fe80::1]');
  });

  it('adds Content-Length for a body, and 0 for an empty POST, PUT or PATCH', () => {
    expect(withAutomaticHeaders([], { ...base, bodyLength: 5 })).toContain('Content-Length: 5');
    for (const method of [Method.POST, Method.PUT, Method.PATCH]) {
      expect(withAutomaticHeaders([], { ...base, method })).toContain('Content-Length: 0');
    }
    for (const method of [Method.GET, Method.HEAD, Method.DELETE, Method.OPTIONS]) {
      expect(withAutomaticHeaders([], { ...base, method }).join()).not.toContain('Content-Length');
    }
  });

  it('lets a user header suppress each automatic one', () => {
    const user = ['host: mine', 'CONTENT-LENGTH: 9', 'user-agent: me', 'Accept: text/plain'];
    expect(withAutomaticHeaders(user, { ...base, bodyLength: 9 })).toEqual(user);
  });
});

describe('requestArgumentsRefusal', () => {
  it('refuses a URL that is not a string, then headers that are not strings', () => {
    expect(requestArgumentsRefusal('/', ['A: b'])).toBeNull();
    expect(requestArgumentsRefusal(1, 'x')).toBe('url must be a string');
    expect(requestArgumentsRefusal('/', 'A: b')).toBe(
      'headers must be an array of "Name: value" strings',
    );
    expect(requestArgumentsRefusal('/', ['A: b', 1])).toBe(
      'headers must be an array of "Name: value" strings',
    );
  });
});

/** The head the parser reports for `response`, sent in answer to `method`. */
function headOf(method: string, response: string): ResponseHead {
  let head: ResponseHead | null = null;
  const parser = new ResponseParser({
    onHeadersComplete: (h) => {
      head = h;
    },
  });
  parser.expect(method);
  parser.execute(latin1ToBytes(response));
  if (head === null) throw new Error('no head');
  return head;
}

describe('hasBodyPhase and godotBodyLength', () => {
  // docs/godot-behavior.md: a response enters BODY unless it is bodiless without Content-Length.
  it.each([
    ['GET', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', true, 5],
    ['GET', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', true, 0],
    ['GET', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', true, -1],
    ['GET', 'HTTP/1.0 200 OK\r\n\r\n', true, -1],
    ['HEAD', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', true, 0],
    ['HEAD', 'HTTP/1.1 200 OK\r\n\r\n', true, 0],
    ['GET', 'HTTP/1.1 204 No Content\r\n\r\n', false, -1],
    ['GET', 'HTTP/1.1 304 Not Modified\r\n\r\n', false, -1],
    ['GET', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n', true, 0],
    ['GET', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n', true, -1],
    ['CONNECT', 'HTTP/1.1 200 OK\r\n\r\n', true, -1],
  ])('%s → %j: BODY %j, length %j', (method, response, body, length) => {
    const head = headOf(method, response);
    expect(hasBodyPhase(head)).toBe(body);
    expect(godotBodyLength(head)).toBe(length);
  });
});

describe('streamed body rules (both builds)', () => {
  it('bodyLength: an integer of at least -1', () => {
    for (const ok of [-1, 0, 1, 2 ** 40]) expect(bodyLengthRefusal(ok)).toBeNull();
    for (const bad of [-2, 1.5, Number.NaN, '3', null, 2 ** 60]) {
      expect(bodyLengthRefusal(bad)).toMatch(/bodyLength/);
    }
  });

  it('a piece: bytes, and no more than the announced length allows', () => {
    expect(bodyPieceRefusal(new Uint8Array(3), -1)).toBeNull();
    expect(bodyPieceRefusal(new Uint8Array(3), 3)).toBeNull();
    expect(bodyPieceRefusal(new Uint8Array(0), 0)).toBeNull();
    expect(bodyPieceRefusal(new Uint8Array(4), 3)).toBe('4 bytes put, only 3 left of the body');
    expect(bodyPieceRefusal('abc', -1)).toMatch(/Uint8Array/);
  });

  it('the end: refused while bytes of the announced length are missing', () => {
    expect(bodyEndRefusal(0)).toBeNull();
    expect(bodyEndRefusal(-1)).toBeNull();
    expect(bodyEndRefusal(2)).toMatch(/2 bytes short/);
  });
});
