import { Method } from '@gdhttp/constants';
import { describe, expect, it } from 'vitest';
import {
  godotVerifyHeaders,
  hostHeaderValue,
  isGodotUrlForm,
  isHostLongEnough,
  isIpLiteral,
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
    userAgent: 'gdhttp/test',
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
